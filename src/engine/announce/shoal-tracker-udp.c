/* shoal-tracker-udp.c: UDP tracker client (BEP 15)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One ShoalTrackerUdp stands for one tracker and caches the connection id
 * it hands out, so announces within a minute skip the connect round trip.
 * Each operation uses its own non-blocking socket, watched by sources on the
 * thread-default main context of the caller: datagrams from another address
 * or with another transaction id are ignored, and lost packets are sent
 * again after base * 2^n, a bounded number of times.
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-socks-udp.h"
#include "shoal-tracker-udp.h"

#define SCRAPE_PACKET_MAX  (16u + SHOAL_TRACKER_HASH_LEN * SHOAL_TRACKER_UDP_MAX_SCRAPE)
/* The largest UDP payload; anything a tracker sends fits, and the parsers
 * bound what is kept. */
#define RECV_BUFFER_SIZE   65536u
/* Datagrams handled per wake-up, so a flood cannot starve the main loop. */
#define MAX_DATAGRAMS_PER_WAKEUP 32
/* Each step of the SOCKS5 handshake, behind a proxy */
#define ASSOCIATE_TIMEOUT_S 15

struct _ShoalTrackerUdp
{
  GObject  parent_instance;

  gchar   *host;
  guint16  port;
  guint    base_timeout_ms;
  guint    max_tries;

  gboolean has_connection_id;
  guint64  connection_id;
  gint64   connection_id_expiry; /* monotonic time, µs */
  ShoalNetBind *bind;           /* where our socket is bound, or NULL */
  char    *socks_proxy;         /* socks5:// URI everything goes through, or NULL */
};

G_DEFINE_FINAL_TYPE (ShoalTrackerUdp, shoal_tracker_udp, G_TYPE_OBJECT)

static void
shoal_tracker_udp_finalize (GObject *object)
{
  ShoalTrackerUdp *self = SHOAL_TRACKER_UDP (object);

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  g_clear_pointer (&self->socks_proxy, g_free);

  G_OBJECT_CLASS (shoal_tracker_udp_parent_class)->finalize (object);
}

static void
shoal_tracker_udp_class_init (ShoalTrackerUdpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_tracker_udp_finalize;
}

static void
shoal_tracker_udp_init (ShoalTrackerUdp *self)
{
  self->base_timeout_ms = SHOAL_TRACKER_UDP_DEFAULT_BASE_TIMEOUT_MS;
  self->max_tries = SHOAL_TRACKER_UDP_DEFAULT_MAX_TRIES;
}

/**
 * shoal_tracker_udp_new:
 * @url: a `udp://host:port` announce URL; any path is ignored
 * @error: return location for a #GError
 *
 * Creates a client for one UDP tracker. Nothing is resolved or sent until
 * the first announce or scrape.
 *
 * Returns: (transfer full): a new #ShoalTrackerUdp, or %NULL if @url is not
 *   a usable UDP tracker URL
 */
ShoalTrackerUdp *
shoal_tracker_udp_new (const char  *url,
                       GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  ShoalTrackerUdp *self;
  const char *host;
  gint port;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                   "Invalid tracker URL “%s”: %s", url, local_error->message);
      return NULL;
    }
  host = g_uri_get_host (uri);
  port = g_uri_get_port (uri);
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "udp") != 0 ||
      host == NULL || *host == '\0' || port <= 0 || port > G_MAXUINT16)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL,
                   "Tracker URL “%s” is not of the form udp://host:port", url);
      return NULL;
    }

  self = g_object_new (SHOAL_TYPE_TRACKER_UDP, NULL);
  self->host = g_strdup (host);
  self->port = (guint16) port;
  return self;
}

/**
 * shoal_tracker_udp_get_host:
 * @self: a #ShoalTrackerUdp
 *
 * Returns: the tracker's host name or address literal
 */
const char *
shoal_tracker_udp_get_host (ShoalTrackerUdp *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_UDP (self), NULL);
  return self->host;
}

/**
 * shoal_tracker_udp_get_port:
 * @self: a #ShoalTrackerUdp
 *
 * Returns: the tracker's UDP port
 */
guint16
shoal_tracker_udp_get_port (ShoalTrackerUdp *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_UDP (self), 0);
  return self->port;
}

/**
 * shoal_tracker_udp_set_retransmission:
 * @self: a #ShoalTrackerUdp
 * @base_timeout_ms: the first timeout; BEP 15 uses 15 seconds
 * @max_tries: how many times a request is sent before giving up, at least 1
 *
 * Sets the retransmission schedule: after the n-th unanswered send (n from
 * 0) the client waits @base_timeout_ms * 2^n. Tests use a short base.
 */
void
shoal_tracker_udp_set_retransmission (ShoalTrackerUdp *self,
                                      guint            base_timeout_ms,
                                      guint            max_tries)
{
  g_return_if_fail (SHOAL_IS_TRACKER_UDP (self));
  g_return_if_fail (base_timeout_ms > 0);
  g_return_if_fail (max_tries > 0);

  self->base_timeout_ms = base_timeout_ms;
  self->max_tries = max_tries;
}

/**
 * shoal_tracker_udp_has_connection_id:
 * @self: a #ShoalTrackerUdp
 *
 * Returns: whether a connection id that has not expired is cached
 */
gboolean
shoal_tracker_udp_has_connection_id (ShoalTrackerUdp *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_UDP (self), FALSE);
  return self->has_connection_id && g_get_monotonic_time () < self->connection_id_expiry;
}

/* Packet codecs */

static guint32
event_to_udp (ShoalTrackerEvent event)
{
  switch (event)
    {
    case SHOAL_TRACKER_EVENT_COMPLETED:
      return 1;
    case SHOAL_TRACKER_EVENT_STARTED:
      return 2;
    case SHOAL_TRACKER_EVENT_STOPPED:
      return 3;
    case SHOAL_TRACKER_EVENT_NONE:
    default:
      return 0;
    }
}

/**
 * shoal_tracker_udp_build_announce:
 * @request: the announce parameters
 * @connection_id: the connection id from a connect response
 * @transaction_id: a fresh random transaction id
 * @out: where the 98-byte packet is written
 *
 * Encodes a BEP 15 announce request. The IP field is 0 (the tracker uses
 * the source address) and numwant -1 asks for the tracker's default.
 */
void
shoal_tracker_udp_build_announce (const ShoalTrackerRequest *request,
                                  guint64                    connection_id,
                                  guint32                    transaction_id,
                                  guint8                     out[SHOAL_TRACKER_UDP_ANNOUNCE_LEN])
{
  g_return_if_fail (request != NULL);

  shoal_be64_write (out, connection_id);
  shoal_be32_write (out + 8, SHOAL_TRACKER_UDP_ACTION_ANNOUNCE);
  shoal_be32_write (out + 12, transaction_id);
  memcpy (out + 16, request->info_hash, SHOAL_TRACKER_HASH_LEN);
  memcpy (out + 36, request->peer_id, SHOAL_TRACKER_PEER_ID_LEN);
  shoal_be64_write (out + 56, request->downloaded);
  shoal_be64_write (out + 64, request->left);
  shoal_be64_write (out + 72, request->uploaded);
  shoal_be32_write (out + 80, event_to_udp (request->event));
  shoal_be32_write (out + 84, 0);
  shoal_be32_write (out + 88, request->key);
  shoal_be32_write (out + 92, request->numwant >= 0 ? (guint32) request->numwant : G_MAXUINT32);
  shoal_be16_write (out + 96, request->port);
}

static void
set_malformed (GError    **error,
               const char *what)
{
  g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED,
               "Malformed UDP tracker response: %s", what);
}

/**
 * shoal_tracker_udp_parse_announce:
 * @data: a whole announce response datagram
 * @len: its length
 * @family: the address family of the tracker, which decides the size of
 *   the peer entries (6 bytes for IPv4, 18 for IPv6)
 * @error: return location for a #GError
 *
 * Decodes a BEP 15 announce response. The caller has already matched the
 * transaction id.
 *
 * Returns: (transfer full): the response, or %NULL on error
 */
ShoalTrackerResponse *
shoal_tracker_udp_parse_announce (const guint8   *data,
                                  gsize           len,
                                  GSocketFamily   family,
                                  GError        **error)
{
  g_autoptr(ShoalTrackerResponse) response = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 8 || shoal_be32_read (data) != SHOAL_TRACKER_UDP_ACTION_ANNOUNCE)
    {
      set_malformed (error, "not an announce response");
      return NULL;
    }
  /* opentracker answers a torrent it does not serve with the bare header;
   * that is a refusal, not line noise. */
  if (len == 8)
    {
      g_set_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE,
                   "Tracker refused the announce without giving a reason");
      return NULL;
    }
  if (len < 20)
    {
      set_malformed (error, "announce response too short");
      return NULL;
    }

  response = shoal_tracker_response_new ();
  /* Values are unsigned 32-bit on the wire; keep them as the tracker meant
   * them rather than wrapping to negative numbers. */
  response->interval = shoal_be32_read (data + 8);
  response->leechers = shoal_be32_read (data + 12);
  response->seeders = shoal_be32_read (data + 16);
  if (!shoal_tracker_response_add_compact_peers (response, data + 20, len - 20, family, error))
    return NULL;
  return g_steal_pointer (&response);
}

/**
 * shoal_tracker_udp_parse_scrape:
 * @data: a whole scrape response datagram
 * @len: its length
 * @info_hashes: the info-hashes that were asked for, 20 bytes each
 * @n_info_hashes: how many were asked for
 * @error: return location for a #GError
 *
 * Decodes a BEP 15 scrape response: one entry of seeders, completed and
 * leechers per requested torrent, in the order asked.
 *
 * Returns: (transfer full) (element-type ShoalTrackerScrapeEntry): the
 *   entries, or %NULL on error
 */
GArray *
shoal_tracker_udp_parse_scrape (const guint8  *data,
                                gsize          len,
                                const guint8  *info_hashes,
                                guint          n_info_hashes,
                                GError       **error)
{
  g_autoptr(GArray) entries = NULL;
  gsize n;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 8 || shoal_be32_read (data) != SHOAL_TRACKER_UDP_ACTION_SCRAPE)
    {
      set_malformed (error, "not a scrape response");
      return NULL;
    }
  if ((len - 8) % 12 != 0)
    {
      set_malformed (error, "scrape response length is not 8 + 12 * n");
      return NULL;
    }
  n = (len - 8) / 12;
  if (n > n_info_hashes)
    {
      set_malformed (error, "more scrape entries than torrents asked for");
      return NULL;
    }

  entries = g_array_sized_new (FALSE, TRUE, sizeof (ShoalTrackerScrapeEntry), (guint) n);
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = data + 8 + i * 12;
      ShoalTrackerScrapeEntry entry;

      memcpy (entry.info_hash, info_hashes + i * SHOAL_TRACKER_HASH_LEN, SHOAL_TRACKER_HASH_LEN);
      entry.complete = shoal_be32_read (p);
      entry.downloaded = shoal_be32_read (p + 4);
      entry.incomplete = shoal_be32_read (p + 8);
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

/**
 * shoal_tracker_udp_parse_error:
 * @data: a whole error datagram (action 3)
 * @len: its length, at least 8
 *
 * Extracts the message of a BEP 15 error response as displayable text.
 *
 * Returns: (transfer full): the message, never empty
 */
gchar *
shoal_tracker_udp_parse_error (const guint8 *data,
                               gsize         len)
{
  g_autofree gchar *text = NULL;

  g_return_val_if_fail (data != NULL && len >= 8, NULL);

  text = shoal_tracker_sanitize_text (data + 8, len - 8);
  if (*text == '\0')
    return g_strdup ("Tracker refused the request");
  return g_steal_pointer (&text);
}

/* Operations */

typedef enum
{
  OP_ANNOUNCE,
  OP_SCRAPE,
} OpKind;

typedef struct
{
  OpKind               kind;
  ShoalTrackerRequest  request;   /* tracker_id is not used by UDP: NULL */
  guint8              *info_hashes;
  guint                n_info_hashes;

  GSocket             *socket;
  GInetSocketAddress  *address;
  GSource             *socket_source;
  GSource             *timer_source;

  gboolean             connecting;
  gboolean             id_from_cache;
  gint64               id_expiry;
  guint64              connection_id;
  guint32              transaction_id;
  guint                timeouts;
  gboolean             done;

  guint8               packet[SCRAPE_PACKET_MAX];
  gsize                packet_len;
  guint8              *buffer;
  ShoalSocksUdp       *relay;     /* through a SOCKS5 proxy: its association */
  GSocketFamily        family;    /* the tracker's */
} UdpOp;

static void
udp_op_stop (UdpOp *op)
{
  if (op->socket_source != NULL)
    {
      g_source_destroy (op->socket_source);
      g_clear_pointer (&op->socket_source, g_source_unref);
    }
  if (op->timer_source != NULL)
    {
      g_source_destroy (op->timer_source);
      g_clear_pointer (&op->timer_source, g_source_unref);
    }
  if (op->socket != NULL)
    g_socket_close (op->socket, NULL);
}

static void
udp_op_free (UdpOp *op)
{
  udp_op_stop (op);
  g_clear_object (&op->socket);
  g_clear_object (&op->relay);
  g_clear_object (&op->address);
  g_clear_pointer (&op->info_hashes, g_free);
  g_clear_pointer (&op->buffer, g_free);
  g_free (op);
}

/* Ends the operation with @error, dropping the reference the pending
 * callbacks shared. Takes ownership of @error. */
static void
udp_op_fail (GTask  *task,
             GError *error)
{
  UdpOp *op = g_task_get_task_data (task);

  g_assert (!op->done);
  op->done = TRUE;
  udp_op_stop (op);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
udp_op_succeed (GTask          *task,
                gpointer        result,
                GDestroyNotify  result_free)
{
  UdpOp *op = g_task_get_task_data (task);

  g_assert (!op->done);
  op->done = TRUE;
  udp_op_stop (op);
  g_task_return_pointer (task, result, result_free);
  g_object_unref (task);
}

static gboolean timer_cb (gpointer data);

/* Sends the current packet and arms the retransmission timer. */
static gboolean
udp_op_send (GTask   *task,
             GError **error)
{
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  guint64 timeout_ms;

  if (op->relay != NULL)
    {
      if (!shoal_socks_udp_send_to_host (op->relay, self->host, self->port, op->packet, op->packet_len,
                                         &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  else if (g_socket_send_to (op->socket, G_SOCKET_ADDRESS (op->address), (const gchar *) op->packet,
                             op->packet_len, NULL, &local_error) < 0)
    {
      /* A full send buffer is just one more lost datagram: the timer will
       * send it again. */
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  timeout_ms = (guint64) self->base_timeout_ms << MIN (op->timeouts, 20u);
  if (op->timer_source != NULL)
    {
      g_source_destroy (op->timer_source);
      g_source_unref (op->timer_source);
    }
  op->timer_source = g_timeout_source_new ((guint) MIN (timeout_ms, (guint64) G_MAXUINT));
  g_source_set_callback (op->timer_source, timer_cb, task, NULL);
  g_source_set_static_name (op->timer_source, "[shoal] UDP tracker retransmission");
  g_source_attach (op->timer_source, g_task_get_context (task));
  return TRUE;
}

static void
udp_op_build_connect (UdpOp *op)
{
  op->connecting = TRUE;
  op->transaction_id = g_random_int ();
  shoal_be64_write (op->packet, SHOAL_TRACKER_UDP_PROTOCOL_ID);
  shoal_be32_write (op->packet + 8, SHOAL_TRACKER_UDP_ACTION_CONNECT);
  shoal_be32_write (op->packet + 12, op->transaction_id);
  op->packet_len = 16;
}

static void
udp_op_build_request (UdpOp *op)
{
  op->connecting = FALSE;
  op->transaction_id = g_random_int ();
  if (op->kind == OP_ANNOUNCE)
    {
      shoal_tracker_udp_build_announce (&op->request, op->connection_id, op->transaction_id, op->packet);
      op->packet_len = SHOAL_TRACKER_UDP_ANNOUNCE_LEN;
    }
  else
    {
      shoal_be64_write (op->packet, op->connection_id);
      shoal_be32_write (op->packet + 8, SHOAL_TRACKER_UDP_ACTION_SCRAPE);
      shoal_be32_write (op->packet + 12, op->transaction_id);
      memcpy (op->packet + 16, op->info_hashes, (gsize) op->n_info_hashes * SHOAL_TRACKER_HASH_LEN);
      op->packet_len = 16 + (gsize) op->n_info_hashes * SHOAL_TRACKER_HASH_LEN;
    }
}

static gboolean
timer_cb (gpointer data)
{
  GTask *task = data;
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&op->timer_source, g_source_unref);
  op->timeouts++;
  if (op->timeouts >= self->max_tries)
    {
      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT,
                   "UDP tracker %s:%u did not answer after %u tries",
                   self->host, self->port, op->timeouts);
      udp_op_fail (task, error);
      return G_SOURCE_REMOVE;
    }

  /* A cached id may have been forgotten by a restarted tracker, which then
   * drops our requests silently; and an id must not be used past its
   * lifetime. Either way, connect again. */
  if (!op->connecting &&
      (op->id_from_cache || g_get_monotonic_time () >= op->id_expiry))
    {
      if (op->id_from_cache)
        self->has_connection_id = FALSE;
      op->id_from_cache = FALSE;
      udp_op_build_connect (op);
    }

  if (!udp_op_send (task, &error))
    udp_op_fail (task, error);
  return G_SOURCE_REMOVE;
}

/* Handles one datagram from the tracker. Returns FALSE once the operation
 * has finished. */
static gboolean
udp_op_handle (GTask        *task,
               const guint8 *data,
               gsize         len)
{
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  guint32 action;

  /* Stray or late datagrams (an old transaction, another exchange) are not
   * errors; only an answer to the current request counts. */
  if (len < 8 || shoal_be32_read (data + 4) != op->transaction_id)
    return TRUE;

  action = shoal_be32_read (data);
  if (action == SHOAL_TRACKER_UDP_ACTION_ERROR)
    {
      g_autofree gchar *message = shoal_tracker_udp_parse_error (data, len);

      g_set_error (&error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE, "%s", message);
      udp_op_fail (task, error);
      return FALSE;
    }

  if (op->connecting)
    {
      if (action != SHOAL_TRACKER_UDP_ACTION_CONNECT || len < 16)
        {
          set_malformed (&error, "bad connect response");
          udp_op_fail (task, error);
          return FALSE;
        }
      op->connection_id = shoal_be64_read (data + 8);
      op->id_expiry = g_get_monotonic_time () + SHOAL_TRACKER_UDP_CONNECTION_ID_LIFETIME_US;
      self->connection_id = op->connection_id;
      self->connection_id_expiry = op->id_expiry;
      self->has_connection_id = TRUE;
      udp_op_build_request (op);
      if (!udp_op_send (task, &error))
        {
          udp_op_fail (task, error);
          return FALSE;
        }
      return TRUE;
    }

  if (op->kind == OP_ANNOUNCE)
    {
      ShoalTrackerResponse *response;

      response = shoal_tracker_udp_parse_announce (data, len, op->family, &error);
      if (response == NULL)
        udp_op_fail (task, error);
      else
        udp_op_succeed (task, response, (GDestroyNotify) shoal_tracker_response_free);
    }
  else
    {
      GArray *entries;

      entries = shoal_tracker_udp_parse_scrape (data, len, op->info_hashes, op->n_info_hashes, &error);
      if (entries == NULL)
        udp_op_fail (task, error);
      else
        udp_op_succeed (task, entries, (GDestroyNotify) g_array_unref);
    }
  return FALSE;
}

static gboolean
same_address (GInetSocketAddress *a,
              GSocketAddress     *b)
{
  GInetSocketAddress *bi;

  if (!G_IS_INET_SOCKET_ADDRESS (b))
    return FALSE;
  bi = G_INET_SOCKET_ADDRESS (b);
  return g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (bi) &&
         g_inet_address_equal (g_inet_socket_address_get_address (a),
                                g_inet_socket_address_get_address (bi));
}

static gboolean
socket_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      data)
{
  GTask *task = data;
  UdpOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      udp_op_fail (task, error);
      return G_SOURCE_REMOVE;
    }

  for (guint i = 0; i < MAX_DATAGRAMS_PER_WAKEUP; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      gssize n;

      n = g_socket_receive_from (socket, &from, (gchar *) op->buffer, RECV_BUFFER_SIZE, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_clear_error (&error);
              return G_SOURCE_CONTINUE;
            }
          udp_op_fail (task, error);
          return G_SOURCE_REMOVE;
        }
      if (op->relay != NULL)
        {
          g_autoptr(GInetSocketAddress) source = NULL;
          gssize offset = shoal_socks_udp_unwrap (op->relay, from, op->buffer, (gsize) n, &source);

          /* The relay names the tracker by its address, which we may not
           * know (the proxy looked the name up): the transaction id tells
           * the answer apart. */
          if (offset < 0)
            continue;
          if (!udp_op_handle (task, op->buffer + offset, (gsize) (n - offset)))
            return G_SOURCE_REMOVE;
          continue;
        }
      if (from == NULL || !same_address (op->address, from))
        continue;
      if (!udp_op_handle (task, op->buffer, (gsize) n))
        return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void udp_op_begin (GTask *task);

/* Picks the address to talk to. The resolver already orders the list by
 * preference (RFC 6724), so the first is used. */
static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  GList *addresses;
  GInetAddress *addr;
  GError *error = NULL;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      udp_op_fail (task, error);
      return;
    }
  addr = addresses->data;
  op->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (addr, self->port));
  g_resolver_free_addresses (addresses);

  op->socket = g_socket_new (g_inet_address_get_family (g_inet_socket_address_get_address (op->address)),
                             G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  if (op->socket == NULL)
    {
      udp_op_fail (task, error);
      return;
    }
  g_socket_set_blocking (op->socket, FALSE);
  if (self->bind != NULL)
    {
      g_autoptr(GInetAddress) any = g_inet_address_new_any (g_socket_get_family (op->socket));
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new (self->bind->address != NULL &&
                                                                   g_inet_address_get_family (self->bind->address) ==
                                                                   g_socket_get_family (op->socket)
                                                                   ? self->bind->address : any, 0);

      if (!shoal_net_bind_socket (self->bind, op->socket, &error) ||
          !g_socket_bind (op->socket, local, FALSE, &error))
        {
          udp_op_fail (task, error);
          return;
        }
    }

  op->family = g_socket_get_family (op->socket);
  udp_op_begin (task);
}

/* The socket is ready: connect (or announce with a cached id). */
static void
udp_op_begin (GTask *task)
{
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  op->buffer = g_malloc (RECV_BUFFER_SIZE);
  op->socket_source = g_socket_create_source (op->socket, G_IO_IN, g_task_get_cancellable (task));
  g_source_set_callback (op->socket_source, G_SOURCE_FUNC (socket_cb), task, NULL);
  g_source_set_static_name (op->socket_source, "[shoal] UDP tracker socket");
  g_source_attach (op->socket_source, g_task_get_context (task));

  if (shoal_tracker_udp_has_connection_id (self))
    {
      op->connection_id = self->connection_id;
      op->id_expiry = self->connection_id_expiry;
      op->id_from_cache = TRUE;
      udp_op_build_request (op);
    }
  else
    udp_op_build_connect (op);

  if (!udp_op_send (task, &error))
    udp_op_fail (task, error);
}

/* Behind a SOCKS5 proxy: the association is made (or not). */
static void
associate_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  ShoalTrackerUdp *self = g_task_get_source_object (task);
  UdpOp *op = g_task_get_task_data (task);
  g_autoptr(GInetAddress) literal = NULL;
  GError *error = NULL;

  op->relay = shoal_socks_udp_associate_finish (result, &error);
  if (op->relay == NULL)
    {
      udp_op_fail (task, error);
      return;
    }
  op->socket = g_object_ref (shoal_socks_udp_get_socket (op->relay));
  literal = g_inet_address_new_from_string (self->host);
  op->family = literal != NULL ? g_inet_address_get_family (literal) : G_SOCKET_FAMILY_IPV4;
  udp_op_begin (task);
}

static void
udp_op_start (ShoalTrackerUdp     *self,
              UdpOp               *op,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              gpointer             source_tag)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) udp_op_free);

  /* The reference held by task is shared by whichever callback is
   * pending; udp_op_fail() and udp_op_succeed() drop it. */
  if (self->socks_proxy != NULL)
    {
      shoal_socks_udp_associate_async (self->socks_proxy, self->bind, ASSOCIATE_TIMEOUT_S, cancellable,
                                       associate_cb, task);
      return;
    }
  g_resolver_lookup_by_name_async (resolver, self->host, cancellable, resolve_cb, task);
}

/**
 * shoal_tracker_udp_announce_async:
 * @self: a #ShoalTrackerUdp
 * @request: the announce parameters; copied
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Announces to the tracker, connecting first unless a connection id less
 * than a minute old is cached. Get the result with
 * shoal_tracker_udp_announce_finish().
 */
void
shoal_tracker_udp_announce_async (ShoalTrackerUdp           *self,
                                  const ShoalTrackerRequest *request,
                                  GCancellable              *cancellable,
                                  GAsyncReadyCallback        callback,
                                  gpointer                   user_data)
{
  UdpOp *op;

  g_return_if_fail (SHOAL_IS_TRACKER_UDP (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  op = g_new0 (UdpOp, 1);
  op->kind = OP_ANNOUNCE;
  op->request = *request;
  op->request.tracker_id = NULL;
  udp_op_start (self, op, cancellable, callback, user_data, shoal_tracker_udp_announce_async);
}

/**
 * shoal_tracker_udp_announce_finish:
 * @self: a #ShoalTrackerUdp
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_tracker_udp_announce_async().
 *
 * Returns: (transfer full): the tracker's response, or %NULL on error
 */
ShoalTrackerResponse *
shoal_tracker_udp_announce_finish (ShoalTrackerUdp  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_UDP (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_tracker_udp_announce_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_tracker_udp_scrape_async:
 * @self: a #ShoalTrackerUdp
 * @info_hashes: @n_info_hashes info-hashes of 20 bytes each, back to back
 * @n_info_hashes: how many, 1 to %SHOAL_TRACKER_UDP_MAX_SCRAPE
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Scrapes the tracker. Get the result with
 * shoal_tracker_udp_scrape_finish().
 */
void
shoal_tracker_udp_scrape_async (ShoalTrackerUdp     *self,
                                const guint8        *info_hashes,
                                guint                n_info_hashes,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  UdpOp *op;

  g_return_if_fail (SHOAL_IS_TRACKER_UDP (self));
  g_return_if_fail (info_hashes != NULL || n_info_hashes == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (n_info_hashes == 0 || n_info_hashes > SHOAL_TRACKER_UDP_MAX_SCRAPE)
    {
      g_task_report_new_error (self, callback, user_data, shoal_tracker_udp_scrape_async,
                               SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_INVALID_REQUEST,
                               "A UDP scrape asks for 1 to %u torrents, not %u",
                               SHOAL_TRACKER_UDP_MAX_SCRAPE, n_info_hashes);
      return;
    }

  op = g_new0 (UdpOp, 1);
  op->kind = OP_SCRAPE;
  op->info_hashes = g_memdup2 (info_hashes, (gsize) n_info_hashes * SHOAL_TRACKER_HASH_LEN);
  op->n_info_hashes = n_info_hashes;
  udp_op_start (self, op, cancellable, callback, user_data, shoal_tracker_udp_scrape_async);
}

/**
 * shoal_tracker_udp_scrape_finish:
 * @self: a #ShoalTrackerUdp
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes shoal_tracker_udp_scrape_async().
 *
 * Returns: (transfer full) (element-type ShoalTrackerScrapeEntry): one
 *   entry per torrent the tracker answered for, or %NULL on error
 */
GArray *
shoal_tracker_udp_scrape_finish (ShoalTrackerUdp  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_UDP (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, shoal_tracker_udp_scrape_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_tracker_udp_set_bind:
 * @bind: (nullable): the interface and address to send from
 *
 * Binds the sockets of the requests made from now on.
 */
void
shoal_tracker_udp_set_bind (ShoalTrackerUdp *self,
                            ShoalNetBind    *bind)
{
  g_return_if_fail (SHOAL_IS_TRACKER_UDP (self));

  if (bind != NULL)
    shoal_net_bind_ref (bind);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  self->bind = bind;
}

/**
 * shoal_tracker_udp_set_socks_proxy:
 * @proxy_uri: (nullable): `socks5://[USER:PASSWORD@]HOST:PORT`
 *
 * Sends the requests made from now on through that proxy (UDP ASSOCIATE,
 * RFC 1928), the tracker's name looked up by the proxy: nothing goes to
 * the tracker directly, and a proxy that refuses UDP fails the request.
 */
void
shoal_tracker_udp_set_socks_proxy (ShoalTrackerUdp *self,
                                   const char      *proxy_uri)
{
  g_return_if_fail (SHOAL_IS_TRACKER_UDP (self));

  g_free (self->socks_proxy);
  self->socks_proxy = g_strdup (proxy_uri);
}
