/* shoal-lsd.c: local service discovery (BEP 14)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Announces the torrents we share to the LAN through UDP multicast and
 * reports the peers that announce the same ones. Each torrent is announced
 * when added and every five minutes after, never more than once a minute;
 * torrents due together share a message. Everything runs on the main
 * context that was the thread default when the object was made.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-hash.h"
#include "shoal-lsd.h"
#include "shoal-peer-address.h"

G_DEFINE_QUARK (shoal-lsd-error-quark, shoal_lsd_error)

#define REQUEST_LINE "BT-SEARCH * HTTP/1.1"
/* Datagrams read per wake-up, so a flood cannot starve the main loop. */
#define MAX_READS_PER_WAKEUP 32

/* Parsing */

static gboolean
parse_fail (GError     **error,
            ShoalLsdError code,
            const char  *message)
{
  g_set_error (error, SHOAL_LSD_ERROR, code, "Bad local discovery announce: %s", message);
  return FALSE;
}

static gboolean
is_token_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

static gboolean
parse_port (const char *value,
            gsize       len,
            guint16    *port)
{
  guint32 v = 0;

  if (len == 0 || len > 5)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return FALSE;
      v = v * 10 + (guint32) (value[i] - '0');
    }
  if (v == 0 || v > G_MAXUINT16)
    return FALSE;
  *port = (guint16) v;
  return TRUE;
}

/**
 * shoal_lsd_parse_announce:
 * @data: (array length=len): a datagram
 * @len: its length
 * @announce: (out caller-allocates): the announce
 * @error: return location for a #SHOAL_LSD_ERROR
 *
 * Parses a BEP 14 announce strictly: the request line `BT-SEARCH *
 * HTTP/1.1`, CRLF-terminated `Name: value` headers up to an empty line,
 * exactly one `Port` from 1 to 65535, one or more `Infohash` of 40 hex
 * digits, at most one printable `cookie`. Header names are matched without
 * case; other headers are ignored, and so is anything after the empty line.
 *
 * Returns: %TRUE if @announce was filled in
 */
gboolean
shoal_lsd_parse_announce (const guint8      *data,
                          gsize              len,
                          ShoalLsdAnnounce  *announce,
                          GError           **error)
{
  const char *p = (const char *) data;
  const char *end;
  gboolean first = TRUE;
  gboolean have_port = FALSE;
  gboolean have_cookie = FALSE;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (announce != NULL, FALSE);

  memset (announce, 0, sizeof *announce);
  if (len == 0)
    return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "it is empty");
  if (len > SHOAL_LSD_MAX_MESSAGE)
    return parse_fail (error, SHOAL_LSD_ERROR_TOO_LARGE, "longer than 1400 bytes");
  end = p + len;

  for (;;)
    {
      const char *line = p;
      const char *eol = NULL;
      const char *colon = NULL;
      const char *value;
      gsize line_len, name_len, value_len;

      for (const char *q = p; q < end; q++)
        {
          if (*q == '\r')
            {
              if (q + 1 >= end || q[1] != '\n')
                return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a bare carriage return");
              eol = q;
              break;
            }
          /* Only printable ASCII and tabs inside a line; this also keeps
           * out the bare line feeds HTTP does not allow. */
          if (((guchar) *q < 0x20 && *q != '\t') || (guchar) *q >= 0x7f)
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a control or non-ASCII byte");
        }
      if (eol == NULL)
        return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "it ends inside the headers");
      line_len = (gsize) (eol - line);
      p = eol + 2;

      if (first)
        {
          if (line_len != strlen (REQUEST_LINE) || memcmp (line, REQUEST_LINE, line_len) != 0)
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "not a BT-SEARCH request");
          first = FALSE;
          continue;
        }
      if (line_len == 0)
        break;

      colon = memchr (line, ':', line_len);
      if (colon == NULL || colon == line)
        return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a header line without a name");
      name_len = (gsize) (colon - line);
      for (gsize i = 0; i < name_len; i++)
        if (!is_token_char ((guint8) line[i]))
          return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a bad header name");
      value = colon + 1;
      value_len = (gsize) (eol - value);
      while (value_len > 0 && (*value == ' ' || *value == '\t'))
        value++, value_len--;
      while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
        value_len--;

      if (name_len == 4 && g_ascii_strncasecmp (line, "port", 4) == 0)
        {
          if (have_port)
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "two Port headers");
          if (!parse_port (value, value_len, &announce->port))
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a bad port");
          have_port = TRUE;
        }
      else if (name_len == 8 && g_ascii_strncasecmp (line, "infohash", 8) == 0)
        {
          guint8 hash[20];
          gboolean seen = FALSE;

          if (value_len != 40 || !shoal_hex_decode (value, value_len, hash, sizeof hash))
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a bad info-hash");
          for (guint i = 0; i < announce->n_hashes && !seen; i++)
            seen = memcmp (announce->hashes[i], hash, sizeof hash) == 0;
          if (seen)
            continue;
          if (announce->n_hashes >= SHOAL_LSD_MAX_PARSED_HASHES)
            return parse_fail (error, SHOAL_LSD_ERROR_TOO_LARGE, "too many info-hashes");
          memcpy (announce->hashes[announce->n_hashes++], hash, sizeof hash);
        }
      else if (name_len == 6 && g_ascii_strncasecmp (line, "cookie", 6) == 0)
        {
          if (have_cookie)
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "two cookie headers");
          if (value_len == 0 || value_len > SHOAL_LSD_MAX_COOKIE)
            return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "a bad cookie");
          memcpy (announce->cookie, value, value_len);
          announce->cookie[value_len] = '\0';
          have_cookie = TRUE;
        }
    }

  if (!have_port)
    return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "no Port header");
  if (announce->n_hashes == 0)
    return parse_fail (error, SHOAL_LSD_ERROR_MALFORMED, "no Infohash header");
  return TRUE;
}

/**
 * shoal_lsd_format_announce:
 * @host: the `Host` header: the group and port, an IPv6 group in brackets
 * @port: our listening port
 * @hashes: (array length=n_hashes): @n_hashes info-hashes of 20 bytes, back
 *   to back
 * @n_hashes: 1 to %SHOAL_LSD_MAX_HASHES
 * @cookie: (nullable): a token that identifies our own announces
 *
 * Returns: (transfer full): the announce's bytes
 */
GBytes *
shoal_lsd_format_announce (const char   *host,
                           guint16       port,
                           const guint8 *hashes,
                           guint         n_hashes,
                           const char   *cookie)
{
  GString *s;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (hashes != NULL, NULL);
  g_return_val_if_fail (n_hashes >= 1 && n_hashes <= SHOAL_LSD_MAX_HASHES, NULL);
  g_return_val_if_fail (cookie == NULL || strlen (cookie) <= SHOAL_LSD_MAX_COOKIE, NULL);

  s = g_string_new (REQUEST_LINE "\r\n");
  g_string_append_printf (s, "Host: %s\r\nPort: %u\r\n", host, port);
  for (guint i = 0; i < n_hashes; i++)
    {
      g_autofree char *hex = shoal_hex_encode (hashes + (gsize) i * 20, 20);

      g_string_append_printf (s, "Infohash: %s\r\n", hex);
    }
  if (cookie != NULL && cookie[0] != '\0')
    g_string_append_printf (s, "cookie: %s\r\n", cookie);
  /* BEP 14 ends the message with two empty lines. */
  g_string_append (s, "\r\n\r\n");
  g_assert (s->len <= SHOAL_LSD_MAX_MESSAGE);
  return g_string_free_to_bytes (s);
}

/* The object */

typedef struct
{
  gint64   next_due;
  gint64   last_sent;
  gboolean sent_once;
  gboolean active;    /* inactive entries only remember last_sent */
} Torrent;

typedef struct
{
  GSocket        *socket;
  GSource        *source;
  GSocketAddress *group;
  const char     *host;
} Channel;

struct _ShoalLsd
{
  GObject       parent_instance;

  GMainContext *context;
  guint16       port;
  char         *interface;
  gint64        announce_interval;
  gint64        min_interval;
  char          cookie[17];
  Channel       v4;
  Channel       v6;
  GSource      *timer;
  GHashTable   *torrents;   /* GBytes (20) → Torrent */
  guint         n_sent;
  gboolean      started;
};

G_DEFINE_FINAL_TYPE (ShoalLsd, shoal_lsd, G_TYPE_OBJECT)

enum
{
  SIGNAL_PEER,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void reschedule (ShoalLsd *self);

static void
channel_close (Channel *ch)
{
  if (ch->source != NULL)
    {
      g_source_destroy (ch->source);
      g_clear_pointer (&ch->source, g_source_unref);
    }
  if (ch->socket != NULL)
    g_socket_close (ch->socket, NULL);
  g_clear_object (&ch->socket);
  g_clear_object (&ch->group);
}

static void
shoal_lsd_dispose (GObject *object)
{
  ShoalLsd *self = SHOAL_LSD (object);

  shoal_lsd_stop (self);
  G_OBJECT_CLASS (shoal_lsd_parent_class)->dispose (object);
}

static void
shoal_lsd_finalize (GObject *object)
{
  ShoalLsd *self = SHOAL_LSD (object);

  g_clear_pointer (&self->torrents, g_hash_table_unref);
  g_clear_pointer (&self->interface, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_lsd_parent_class)->finalize (object);
}

static void
shoal_lsd_class_init (ShoalLsdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_lsd_dispose;
  object_class->finalize = shoal_lsd_finalize;

  /**
   * ShoalLsd::peer:
   * @self: the discovery
   * @info_hash: the 20-byte info-hash, one added with
   *   shoal_lsd_add_torrent()
   * @address: the announcing host's address with the port it announced
   *
   * A peer on the local network shares @info_hash.
   */
  signals[SIGNAL_PEER] =
    g_signal_new ("peer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_BYTES, G_TYPE_INET_SOCKET_ADDRESS);
}

static void
shoal_lsd_init (ShoalLsd *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->announce_interval = SHOAL_LSD_ANNOUNCE_INTERVAL;
  self->min_interval = SHOAL_LSD_MIN_INTERVAL;
  self->torrents = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                          (GDestroyNotify) g_bytes_unref, g_free);
  /* Random, so that our own announces looping back can be recognized. */
  g_snprintf (self->cookie, sizeof self->cookie, "%08x%08x",
              g_random_int (), g_random_int ());
}

/**
 * shoal_lsd_new:
 * @listen_port: the port peers should connect to, 0 to announce nothing
 *   until shoal_lsd_set_listen_port()
 *
 * Creates local service discovery on the thread-default main context.
 * Nothing goes on the network before shoal_lsd_start().
 *
 * Returns: (transfer full): the discovery
 */
ShoalLsd *
shoal_lsd_new (guint16 listen_port)
{
  ShoalLsd *self = g_object_new (SHOAL_TYPE_LSD, NULL);

  self->port = listen_port;
  return self;
}

/**
 * shoal_lsd_set_interface:
 * @self: a discovery
 * @name: (nullable): a network interface name, %NULL for the system's choice
 *
 * Restricts joining the groups and sending to one interface; takes effect
 * at the next shoal_lsd_start().
 */
void
shoal_lsd_set_interface (ShoalLsd   *self,
                         const char *name)
{
  g_return_if_fail (SHOAL_IS_LSD (self));

  g_free (self->interface);
  self->interface = g_strdup (name);
}

/**
 * shoal_lsd_set_intervals:
 * @self: a discovery
 * @announce_interval: µs between announces of a torrent
 * @min_interval: the fewest µs between two announces of a torrent
 *
 * Changes the schedule from BEP 14's five minutes and one minute; for
 * tests, and for tuning.
 */
void
shoal_lsd_set_intervals (ShoalLsd *self,
                         gint64    announce_interval,
                         gint64    min_interval)
{
  g_return_if_fail (SHOAL_IS_LSD (self));
  g_return_if_fail (announce_interval > 0 && min_interval > 0);

  self->announce_interval = announce_interval;
  self->min_interval = min_interval;
  reschedule (self);
}

static void
emit_peers (ShoalLsd               *self,
            const ShoalLsdAnnounce *announce,
            GInetSocketAddress     *sender)
{
  g_autoptr(GSocketAddress) peer = NULL;

  for (guint i = 0; i < announce->n_hashes; i++)
    {
      g_autoptr(GBytes) hash = g_bytes_new (announce->hashes[i], 20);
      Torrent *t = g_hash_table_lookup (self->torrents, hash);

      if (t == NULL || !t->active)
        continue;
      if (peer == NULL)
        {
          GInetAddress *inet = g_inet_socket_address_get_address (sender);

          /* Keep the scope of a link-local IPv6 sender, or it is unusable. */
          peer = g_object_new (G_TYPE_INET_SOCKET_ADDRESS,
                               "address", inet,
                               "port", (guint) announce->port,
                               "scope-id", g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
                                           ? g_inet_socket_address_get_scope_id (sender) : 0u,
                               NULL);
        }
      g_signal_emit (self, signals[SIGNAL_PEER], 0, hash, peer);
      /* A handler may have stopped us. */
      if (!self->started)
        return;
    }
}

/* Announces count only from our own networks (or this host): multicast is
 * meant to stay on the link, and a datagram from anywhere else is forged
 * or routed where it should not be. */
static gboolean
sender_is_local (GInetSocketAddress *from)
{
  GInetAddress *inet = g_inet_socket_address_get_address (from);
  g_autoptr(GPtrArray) networks = NULL;
  g_autofree char *ip = NULL;

  if (g_inet_address_get_is_loopback (inet))
    return TRUE;
  networks = shoal_peer_address_local_networks ();
  if (shoal_peer_address_is_on_network (inet, networks))
    return TRUE;
  ip = g_inet_address_to_string (inet);
  g_debug ("LSD: ignoring an announce from %s, which is not on our networks", ip);
  return FALSE;
}

static gboolean
receive_cb (GSocket      *socket,
            GIOCondition  condition,
            gpointer      user_data)
{
  g_autoptr(ShoalLsd) self = g_object_ref (SHOAL_LSD (user_data));

  for (guint n = 0; n < MAX_READS_PER_WAKEUP && self->started; n++)
    {
      /* One byte more than allowed, to tell an oversized datagram. */
      guint8 buf[SHOAL_LSD_MAX_MESSAGE + 1];
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      ShoalLsdAnnounce announce;
      gssize len;

      len = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf, NULL, &error);
      if (len < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("LSD: receive failed: %s", error->message);
          break;
        }
      if (!G_IS_INET_SOCKET_ADDRESS (from))
        continue;
      if (!shoal_lsd_parse_announce (buf, (gsize) len, &announce, &error))
        {
          g_debug ("LSD: %s", error->message);
          continue;
        }
      if (strcmp (announce.cookie, self->cookie) == 0)
        continue;
      if (!sender_is_local (G_INET_SOCKET_ADDRESS (from)))
        continue;
      emit_peers (self, &announce, G_INET_SOCKET_ADDRESS (from));
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
open_channel (ShoalLsd        *self,
              Channel         *ch,
              GSocketFamily    family,
              GError         **error)
{
  gboolean v6 = family == G_SOCKET_FAMILY_IPV6;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (family);
  g_autoptr(GInetAddress) group = g_inet_address_new_from_string (v6 ? SHOAL_LSD_GROUP_IPV6
                                                                     : SHOAL_LSD_GROUP_IPV4);
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new (any, SHOAL_LSD_PORT);
  guint ifindex = 0;

  if (self->interface != NULL)
    {
      ifindex = if_nametoindex (self->interface);
      if (ifindex == 0)
        {
          g_set_error (error, SHOAL_LSD_ERROR, SHOAL_LSD_ERROR_BAD_INTERFACE,
                       "No network interface named “%s”", self->interface);
          return FALSE;
        }
    }

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  /* The IPv4 socket gets IPv4 traffic; keep this one to IPv6. */
  if (v6 && !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return FALSE;
  /* Reuse, so that other LSD clients on this host can share the port. */
  if (!g_socket_bind (socket, bind_address, TRUE, error))
    return FALSE;
  if (!g_socket_join_multicast_group (socket, group, FALSE, self->interface, error))
    return FALSE;
  /* Looping back lets clients on the same host find each other; a TTL of
   * one keeps announces on the local link. */
  g_socket_set_multicast_loopback (socket, TRUE);
  g_socket_set_multicast_ttl (socket, 1);
  if (ifindex != 0)
    {
      if (v6)
        {
          if (!g_socket_set_option (socket, IPPROTO_IPV6, IPV6_MULTICAST_IF, (gint) ifindex, error))
            return FALSE;
        }
      else
        {
          struct ip_mreqn mreq;

          memset (&mreq, 0, sizeof mreq);
          mreq.imr_ifindex = (int) ifindex;
          if (setsockopt (g_socket_get_fd (socket), IPPROTO_IP, IP_MULTICAST_IF,
                          &mreq, sizeof mreq) != 0)
            {
              int errsv = errno;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           "Could not send multicast through “%s”: %s",
                           self->interface, g_strerror (errsv));
              return FALSE;
            }
        }
    }

  ch->socket = g_steal_pointer (&socket);
  ch->group = g_inet_socket_address_new (group, SHOAL_LSD_PORT);
  ch->host = v6 ? "[" SHOAL_LSD_GROUP_IPV6 "]:6771" : SHOAL_LSD_GROUP_IPV4 ":6771";
  ch->source = g_socket_create_source (ch->socket, G_IO_IN, NULL);
  g_source_set_callback (ch->source, G_SOURCE_FUNC (receive_cb), self, NULL);
  g_source_attach (ch->source, self->context);
  return TRUE;
}

/**
 * shoal_lsd_start:
 * @self: a discovery
 * @error: return location for a #GError
 *
 * Joins the IPv4 and, where the host has it, the IPv6 multicast group on
 * port 6771 and starts announcing. Fails only if neither family works.
 *
 * Returns: %TRUE if at least one group was joined
 */
gboolean
shoal_lsd_start (ShoalLsd  *self,
                 GError   **error)
{
  g_autoptr(GError) v4_error = NULL;
  g_autoptr(GError) v6_error = NULL;

  g_return_val_if_fail (SHOAL_IS_LSD (self), FALSE);

  if (self->started)
    return TRUE;

  if (!open_channel (self, &self->v4, G_SOCKET_FAMILY_IPV4, &v4_error))
    {
      channel_close (&self->v4);
      g_debug ("LSD: no IPv4: %s", v4_error->message);
    }
  if (!open_channel (self, &self->v6, G_SOCKET_FAMILY_IPV6, &v6_error))
    {
      channel_close (&self->v6);
      g_debug ("LSD: no IPv6: %s", v6_error->message);
    }
  if (self->v4.socket == NULL && self->v6.socket == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&v4_error),
                                  "Could not start local peer discovery: ");
      return FALSE;
    }
  self->started = TRUE;
  reschedule (self);
  return TRUE;
}

/**
 * shoal_lsd_stop:
 * @self: a discovery
 *
 * Leaves the groups and stops announcing; torrents stay registered.
 */
void
shoal_lsd_stop (ShoalLsd *self)
{
  g_return_if_fail (SHOAL_IS_LSD (self));

  self->started = FALSE;
  channel_close (&self->v4);
  channel_close (&self->v6);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

/**
 * shoal_lsd_has_ipv4:
 * @self: a discovery
 *
 * Returns: %TRUE if started and the IPv4 group was joined
 */
gboolean
shoal_lsd_has_ipv4 (ShoalLsd *self)
{
  g_return_val_if_fail (SHOAL_IS_LSD (self), FALSE);
  return self->v4.socket != NULL;
}

/**
 * shoal_lsd_has_ipv6:
 * @self: a discovery
 *
 * Returns: %TRUE if started and the IPv6 group was joined
 */
gboolean
shoal_lsd_has_ipv6 (ShoalLsd *self)
{
  g_return_val_if_fail (SHOAL_IS_LSD (self), FALSE);
  return self->v6.socket != NULL;
}

static void
send_batch (ShoalLsd     *self,
            const guint8 *hashes,
            guint         n)
{
  Channel *channels[] = { &self->v4, &self->v6 };

  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      Channel *ch = channels[i];
      g_autoptr(GBytes) msg = NULL;
      g_autoptr(GError) error = NULL;
      gsize len;
      const char *data;

      if (ch->socket == NULL)
        continue;
      msg = shoal_lsd_format_announce (ch->host, self->port, hashes, n, self->cookie);
      data = g_bytes_get_data (msg, &len);
      /* No route to the group is normal on some networks: not a warning. */
      if (g_socket_send_to (ch->socket, ch->group, data, len, NULL, &error) < 0)
        g_debug ("LSD: announce to %s failed: %s", ch->host, error->message);
      else
        self->n_sent++;
    }
}

/* Announces every torrent that is due, in as few messages as fit. */
static void
flush (ShoalLsd *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GByteArray) batch = g_byte_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->torrents);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Torrent *t = value;

      if (!t->active)
        {
          /* Forgotten once it may be announced again anyway. */
          if (!t->sent_once || now - t->last_sent >= self->min_interval)
            g_hash_table_iter_remove (&iter);
          continue;
        }
      if (t->next_due > now)
        continue;
      g_byte_array_append (batch, g_bytes_get_data (key, NULL), 20);
      t->last_sent = now;
      t->sent_once = TRUE;
      t->next_due = now + self->announce_interval;
      if (batch->len == SHOAL_LSD_MAX_HASHES * 20)
        {
          send_batch (self, batch->data, SHOAL_LSD_MAX_HASHES);
          g_byte_array_set_size (batch, 0);
        }
    }
  if (batch->len > 0)
    send_batch (self, batch->data, batch->len / 20);
}

static gboolean
timer_cb (gpointer user_data)
{
  ShoalLsd *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  flush (self);
  reschedule (self);
  return G_SOURCE_REMOVE;
}

/* Arms the timer for the next torrent due, or the next forgettable one. */
static void
reschedule (ShoalLsd *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 earliest = G_MAXINT64;
  GHashTableIter iter;
  gpointer value;

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (!self->started || self->port == 0)
    return;

  g_hash_table_iter_init (&iter, self->torrents);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Torrent *t = value;
      gint64 due = t->active ? t->next_due : t->last_sent + self->min_interval;

      earliest = MIN (earliest, due);
    }
  if (earliest == G_MAXINT64)
    return;

  self->timer = g_timeout_source_new ((guint) (CLAMP (earliest - now, 0, G_MAXINT32) / 1000));
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
}

/* When a torrent may be announced next: now, unless it was announced less
 * than the minimum interval ago. */
static gint64
earliest_allowed (ShoalLsd *self,
                  Torrent  *t,
                  gint64    now)
{
  if (!t->sent_once)
    return now;
  return MAX (now, t->last_sent + self->min_interval);
}

/**
 * shoal_lsd_set_listen_port:
 * @self: a discovery
 * @port: the port peers should connect to, 0 to stop announcing
 *
 * Announces every torrent again with the new port, as soon as the rate
 * limit allows.
 */
void
shoal_lsd_set_listen_port (ShoalLsd *self,
                           guint16   port)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (SHOAL_IS_LSD (self));

  if (self->port == port)
    return;
  self->port = port;
  g_hash_table_iter_init (&iter, self->torrents);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Torrent *t = value;

      t->next_due = earliest_allowed (self, t, now);
    }
  reschedule (self);
}

/**
 * shoal_lsd_add_torrent:
 * @self: a discovery
 * @info_hash: (array fixed-size=20): the torrent's (v1 or truncated v2)
 *   info-hash
 *
 * Announces @info_hash shortly, then every five minutes, and reports the
 * peers announcing it through #ShoalLsd::peer. A torrent removed and added
 * again is not announced sooner than a minute after the last time.
 */
void
shoal_lsd_add_torrent (ShoalLsd     *self,
                       const guint8 *info_hash)
{
  g_autoptr(GBytes) key = NULL;
  Torrent *t;

  g_return_if_fail (SHOAL_IS_LSD (self));
  g_return_if_fail (info_hash != NULL);

  key = g_bytes_new (info_hash, 20);
  t = g_hash_table_lookup (self->torrents, key);
  if (t == NULL)
    {
      t = g_new0 (Torrent, 1);
      g_hash_table_insert (self->torrents, g_steal_pointer (&key), t);
    }
  else if (t->active)
    return;
  t->active = TRUE;
  t->next_due = earliest_allowed (self, t, g_get_monotonic_time ());
  reschedule (self);
}

/**
 * shoal_lsd_remove_torrent:
 * @self: a discovery
 * @info_hash: (array fixed-size=20): an info-hash given to
 *   shoal_lsd_add_torrent()
 *
 * Stops announcing @info_hash and reporting its peers.
 */
void
shoal_lsd_remove_torrent (ShoalLsd     *self,
                          const guint8 *info_hash)
{
  g_autoptr(GBytes) key = NULL;
  Torrent *t;

  g_return_if_fail (SHOAL_IS_LSD (self));
  g_return_if_fail (info_hash != NULL);

  key = g_bytes_new (info_hash, 20);
  t = g_hash_table_lookup (self->torrents, key);
  if (t == NULL)
    return;
  if (!t->sent_once)
    g_hash_table_remove (self->torrents, key);
  else
    t->active = FALSE;
  reschedule (self);
}

/**
 * shoal_lsd_get_cookie:
 * @self: a discovery
 *
 * Returns: the cookie our announces carry
 */
const char *
shoal_lsd_get_cookie (ShoalLsd *self)
{
  g_return_val_if_fail (SHOAL_IS_LSD (self), NULL);
  return self->cookie;
}

/**
 * shoal_lsd_get_n_sent:
 * @self: a discovery
 *
 * Returns: how many announce datagrams were sent, over both families
 */
guint
shoal_lsd_get_n_sent (ShoalLsd *self)
{
  g_return_val_if_fail (SHOAL_IS_LSD (self), 0);
  return self->n_sent;
}
