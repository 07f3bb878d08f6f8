/* shoal-utp-manager.c: every uTP connection on one UDP socket (BEP 29)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The manager does not read the UDP socket: its owner (the session, which
 * shares the socket with the DHT) hands it each datagram that looks like
 * uTP, then calls shoal_utp_manager_flush() after a batch so that acks go
 * out once per batch. It finds the connection of each packet by the
 * sender's address and the connection ID, accepts SYNs within a bound on
 * connections (a SYN flood fills nothing past it), answers packets for no
 * connection with a RESET (rate-limited), runs the timers, and sends what
 * the connections produce on the socket, waiting for it to drain when full.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "shoal-utp-private.h"

#define DEFAULT_TICK_MS        50
#define DEFAULT_SYN_TIMEOUT_US (1 * G_USEC_PER_SEC)
#define RESETS_PER_SECOND      50
#define SOCKET_BUFFER_BYTES    (4 * 1024 * 1024)

struct _ShoalUtpManager
{
  GObject               parent_instance;

  GSocket              *sock4;
  GSocket              *sock6;
  GSource              *out_source4;
  GSource              *out_source6;
  ShoalUtpSendFunc      send_func;
  gpointer              send_data;
  ShoalUtpAcceptFunc    accept_func;
  gpointer              accept_data;

  GHashTable           *sockets;     /* UtpKey* (in the socket) → ShoalUtpSocket, owned */
  guint                 max_sockets;
  GPtrArray            *want_ack;    /* of ShoalUtpSocket, owned */
  GPtrArray            *blocked;     /* of ShoalUtpSocket, owned */
  GSource              *tick_source;
  guint                 tick_ms;
  UtpTiming             timing;

  gint64                reset_second;
  guint                 resets_this_second;

  ShoalUtpManagerStats  stats;
};

G_DEFINE_FINAL_TYPE (ShoalUtpManager, shoal_utp_manager, G_TYPE_OBJECT)

guint
_shoal_utp_key_hash (gconstpointer key)
{
  const UtpKey *k = key;
  guint h = k->recv_id * 2654435761u ^ k->port;

  for (guint i = 0; i < (k->family == 6 ? 16u : 4u); i++)
    h = h * 31 + k->addr[i];
  return h;
}

gboolean
_shoal_utp_key_equal (gconstpointer a,
                      gconstpointer b)
{
  const UtpKey *x = a;
  const UtpKey *y = b;

  return x->recv_id == y->recv_id && x->port == y->port && x->family == y->family &&
         memcmp (x->addr, y->addr, x->family == 6 ? 16 : 4) == 0;
}

gboolean
_shoal_utp_key_set (UtpKey             *key,
                    GInetSocketAddress *address,
                    guint16             recv_id)
{
  GInetAddress *ip = g_inet_socket_address_get_address (address);
  gsize size = g_inet_address_get_native_size (ip);

  memset (key, 0, sizeof *key);
  if (size != 4 && size != 16)
    return FALSE;
  key->family = size == 4 ? 4 : 6;
  memcpy (key->addr, g_inet_address_to_bytes (ip), size);
  key->port = g_inet_socket_address_get_port (address);
  key->recv_id = recv_id;
  return TRUE;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/**
 * shoal_utp_manager_close_all:
 * @self: a manager
 *
 * Forgets every connection: each fails with %G_IO_ERROR_CLOSED for its
 * owner, and nothing more is sent.
 */
void
shoal_utp_manager_close_all (ShoalUtpManager *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _shoal_utp_socket_detach (value);
  g_hash_table_remove_all (self->sockets);
  g_ptr_array_set_size (self->want_ack, 0);
  for (guint i = 0; i < self->blocked->len; i++)
    _shoal_utp_socket_detach (self->blocked->pdata[i]);
  g_ptr_array_set_size (self->blocked, 0);
  clear_source (&self->tick_source);
}

static void
shoal_utp_manager_dispose (GObject *object)
{
  ShoalUtpManager *self = SHOAL_UTP_MANAGER (object);

  shoal_utp_manager_close_all (self);
  clear_source (&self->out_source4);
  clear_source (&self->out_source6);
  g_clear_object (&self->sock4);
  g_clear_object (&self->sock6);

  G_OBJECT_CLASS (shoal_utp_manager_parent_class)->dispose (object);
}

static void
shoal_utp_manager_finalize (GObject *object)
{
  ShoalUtpManager *self = SHOAL_UTP_MANAGER (object);

  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_clear_pointer (&self->want_ack, g_ptr_array_unref);
  g_clear_pointer (&self->blocked, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_utp_manager_parent_class)->finalize (object);
}

static void
shoal_utp_manager_class_init (ShoalUtpManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_utp_manager_dispose;
  object_class->finalize = shoal_utp_manager_finalize;
}

static void
shoal_utp_manager_init (ShoalUtpManager *self)
{
  self->sockets = g_hash_table_new_full (_shoal_utp_key_hash, _shoal_utp_key_equal, NULL, g_object_unref);
  self->want_ack = g_ptr_array_new_with_free_func (g_object_unref);
  self->blocked = g_ptr_array_new_with_free_func (g_object_unref);
  self->max_sockets = SHOAL_UTP_MAX_SOCKETS_DEFAULT;
  self->tick_ms = DEFAULT_TICK_MS;
  self->timing.min_rto_us = UTP_MIN_RTO_US;
  self->timing.max_rto_us = UTP_MAX_RTO_US;
  self->timing.syn_timeout_us = DEFAULT_SYN_TIMEOUT_US;
}

ShoalUtpManager *
shoal_utp_manager_new (void)
{
  return g_object_new (SHOAL_TYPE_UTP_MANAGER, NULL);
}

/**
 * shoal_utp_manager_set_socket:
 * @self: a manager
 * @socket: a bound, non-blocking UDP socket of either family, read by the
 *   caller
 *
 * Packets to peers of @socket's family go out on it. Full-sized packets
 * are sent with "don't fragment", so a size too large for the path is
 * refused here rather than lost in it.
 */
void
shoal_utp_manager_set_socket (ShoalUtpManager *self,
                              GSocket         *socket)
{
  gboolean v6 = g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6;

  if (v6)
    {
      clear_source (&self->out_source6);
      g_set_object (&self->sock6, socket);
    }
  else
    {
      clear_source (&self->out_source4);
      g_set_object (&self->sock4, socket);
    }
#if defined(IP_MTU_DISCOVER) && defined(IP_PMTUDISC_DO)
  if (v6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, NULL);
  else
    g_socket_set_option (socket, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, NULL);
#endif
  /* Room for a window's worth of datagrams each way. */
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER_BYTES, NULL);
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER_BYTES, NULL);
}

void
shoal_utp_manager_set_send_func (ShoalUtpManager  *self,
                                 ShoalUtpSendFunc  func,
                                 gpointer          user_data)
{
  self->send_func = func;
  self->send_data = user_data;
}

void
shoal_utp_manager_set_accept_func (ShoalUtpManager    *self,
                                   ShoalUtpAcceptFunc  func,
                                   gpointer            user_data)
{
  self->accept_func = func;
  self->accept_data = user_data;
}

void
shoal_utp_manager_set_max_sockets (ShoalUtpManager *self,
                                   guint            max_sockets)
{
  self->max_sockets = MAX (max_sockets, 1);
}

void
shoal_utp_manager_set_timing_for_testing (ShoalUtpManager *self,
                                          guint            min_rto_ms,
                                          guint            tick_ms,
                                          guint            syn_timeout_ms)
{
  if (min_rto_ms > 0)
    {
      self->timing.min_rto_us = min_rto_ms * 1000;
      self->timing.max_rto_us = MIN (UTP_MAX_RTO_US, 8 * self->timing.min_rto_us);
    }
  if (tick_ms > 0)
    self->tick_ms = tick_ms;
  if (syn_timeout_ms > 0)
    self->timing.syn_timeout_us = syn_timeout_ms * 1000;
}

const UtpTiming *
_shoal_utp_manager_timing (ShoalUtpManager *self)
{
  return &self->timing;
}

void
_shoal_utp_manager_count (ShoalUtpManager *self,
                          guint            retransmits,
                          guint            fast_resends,
                          guint            timeouts)
{
  if (self == NULL)
    return;
  self->stats.retransmits += retransmits;
  self->stats.fast_resends += fast_resends;
  self->stats.timeouts += timeouts;
}

static void
set_fragments (GSocket  *sock,
               gboolean  allow)
{
#if defined(IP_MTU_DISCOVER) && defined(IP_PMTUDISC_DO)
  if (g_socket_get_family (sock) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (sock, IPPROTO_IPV6, IPV6_MTU_DISCOVER, allow ? IPV6_PMTUDISC_DONT : IPV6_PMTUDISC_DO, NULL);
  else
    g_socket_set_option (sock, IPPROTO_IP, IP_MTU_DISCOVER, allow ? IP_PMTUDISC_DONT : IP_PMTUDISC_DO, NULL);
#endif
}

gboolean
_shoal_utp_manager_send (ShoalUtpManager    *self,
                         GInetSocketAddress *to,
                         const guint8       *data,
                         gsize               len,
                         gboolean            allow_fragments,
                         GError            **error)
{
  GSocket *sock;
  gssize n;

  self->stats.packets_sent++;
  if (self->send_func != NULL)
    return self->send_func (self, to, data, len, self->send_data, error);
  sock = g_socket_address_get_family (G_SOCKET_ADDRESS (to)) == G_SOCKET_FAMILY_IPV6 ? self->sock6 : self->sock4;
  if (sock == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "No UDP socket of that family");
      return FALSE;
    }
  if (allow_fragments)
    set_fragments (sock, TRUE);
  n = g_socket_send_to (sock, G_SOCKET_ADDRESS (to), (const char *) data, len, NULL, error);
  if (allow_fragments)
    set_fragments (sock, FALSE);
  return n >= 0;
}

void
_shoal_utp_manager_want_ack (ShoalUtpManager *self,
                             ShoalUtpSocket  *socket)
{
  /* Bounded: a socket is added once per batch at most (need_ack). */
  for (guint i = 0; i < self->want_ack->len; i++)
    if (self->want_ack->pdata[i] == socket)
      return;
  g_ptr_array_add (self->want_ack, g_object_ref (socket));
}

static gboolean
writable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ShoalUtpManager *self = user_data;
  g_autoptr(GPtrArray) blocked = NULL;
  gint64 now = g_get_monotonic_time ();

  if (socket == self->sock6)
    g_clear_pointer (&self->out_source6, g_source_unref);
  else
    g_clear_pointer (&self->out_source4, g_source_unref);
  blocked = g_steal_pointer (&self->blocked);
  self->blocked = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < blocked->len; i++)
    _shoal_utp_socket_unblock (blocked->pdata[i], now);
  return G_SOURCE_REMOVE;
}

void
_shoal_utp_manager_blocked (ShoalUtpManager *self,
                            ShoalUtpSocket  *socket)
{
  gboolean v6 = self->send_func == NULL && self->sock6 != NULL &&
                g_socket_address_get_family (G_SOCKET_ADDRESS (shoal_transport_get_remote_address (SHOAL_TRANSPORT (socket)))) == G_SOCKET_FAMILY_IPV6;
  GSocket *sock = v6 ? self->sock6 : self->sock4;
  GSource **source = v6 ? &self->out_source6 : &self->out_source4;

  g_ptr_array_add (self->blocked, g_object_ref (socket));
  if (*source != NULL)
    return;
  if (sock == NULL)
    {
      /* Tests: nothing to wait for, try again at the next tick. */
      return;
    }
  *source = g_socket_create_source (sock, G_IO_OUT, NULL);
  g_source_set_callback (*source, (GSourceFunc) (void (*) (void)) writable_cb, self, NULL);
  g_source_attach (*source, g_main_context_get_thread_default ());
}

static gboolean
tick_cb (gpointer user_data)
{
  ShoalUtpManager *self = user_data;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_object_ref (self);
  if (self->send_func != NULL && self->blocked->len > 0)
    {
      g_autoptr(GPtrArray) blocked = g_steal_pointer (&self->blocked);

      self->blocked = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < blocked->len; i++)
        _shoal_utp_socket_unblock (blocked->pdata[i], now);
    }
  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < all->len; i++)
    {
      ShoalUtpSocket *sock = all->pdata[i];

      if (!_shoal_utp_socket_tick (sock, now))
        {
          _shoal_utp_socket_detach (sock);
          g_hash_table_remove (self->sockets, _shoal_utp_socket_get_key (sock));
        }
    }
  shoal_utp_manager_flush (self);
  if (g_hash_table_size (self->sockets) == 0)
    {
      g_clear_pointer (&self->tick_source, g_source_unref);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
start_ticking (ShoalUtpManager *self)
{
  if (self->tick_source != NULL)
    return;
  self->tick_source = g_timeout_source_new (self->tick_ms);
  g_source_set_callback (self->tick_source, tick_cb, self, NULL);
  g_source_attach (self->tick_source, g_main_context_get_thread_default ());
}

static void
send_reset (ShoalUtpManager    *self,
            GInetSocketAddress *to,
            guint16             connection_id,
            guint16             ack_nr,
            gint64              now_us)
{
  ShoalUtpPacket h = { 0 };
  guint8 buf[SHOAL_UTP_HEADER_LEN];

  /* Never more than a few a second: a RESET is no amplifier. */
  if (now_us / G_USEC_PER_SEC != self->reset_second)
    {
      self->reset_second = now_us / G_USEC_PER_SEC;
      self->resets_this_second = 0;
    }
  if (self->resets_this_second++ >= RESETS_PER_SECOND)
    return;
  h.type = SHOAL_UTP_ST_RESET;
  h.connection_id = connection_id;
  h.timestamp_us = (guint32) now_us;
  h.seq_nr = (guint16) g_random_int ();
  h.ack_nr = ack_nr;
  shoal_utp_packet_write_header (&h, buf, sizeof buf);
  self->stats.resets_sent++;
  _shoal_utp_manager_send (self, to, buf, sizeof buf, FALSE, NULL);
}

static ShoalUtpSocket *
find_for_reset (ShoalUtpManager *self,
                UtpKey          *key,
                guint16          connection_id)
{
  ShoalUtpSocket *sock = g_hash_table_lookup (self->sockets, key);

  if (sock != NULL)
    return sock;
  /* A RESET may carry either of the connection's IDs. */
  for (gint delta = -1; delta <= 1; delta += 2)
    {
      key->recv_id = (guint16) (connection_id + delta);
      sock = g_hash_table_lookup (self->sockets, key);
      if (sock != NULL)
        return sock;
    }
  return NULL;
}

/**
 * shoal_utp_manager_handle_datagram:
 * @self: a manager
 * @from: the sender
 * @data: the datagram
 * @len: its length
 *
 * Returns: %FALSE if @data is no uTP packet (it may be the DHT's);
 *   %TRUE if it was taken, or refused as malformed uTP
 */
gboolean
shoal_utp_manager_handle_datagram (ShoalUtpManager    *self,
                                   GInetSocketAddress *from,
                                   const guint8       *data,
                                   gsize               len)
{
  ShoalUtpPacket packet;
  ShoalUtpSocket *sock;
  UtpKey key;
  gint64 now;

  if (!shoal_utp_packet_looks_like_utp (data, len))
    return FALSE;
  if (len > SHOAL_UTP_MAX_DATAGRAM || !shoal_utp_packet_parse (&packet, data, len, NULL) ||
      !_shoal_utp_key_set (&key, from, packet.connection_id) || g_inet_socket_address_get_port (from) == 0)
    {
      self->stats.invalid++;
      return TRUE;
    }
  now = g_get_monotonic_time ();
  self->stats.packets_received++;

  if (packet.type == SHOAL_UTP_ST_SYN)
    {
      g_autoptr(ShoalUtpSocket) fresh = NULL;

      key.recv_id = (guint16) (packet.connection_id + 1);
      sock = g_hash_table_lookup (self->sockets, &key);
      if (sock != NULL)
        {
          _shoal_utp_socket_receive (sock, &packet, now);
          return TRUE;
        }
      if (self->accept_func == NULL || g_hash_table_size (self->sockets) >= self->max_sockets)
        {
          self->stats.refused++;
          send_reset (self, from, packet.connection_id, packet.seq_nr, now);
          return TRUE;
        }
      fresh = _shoal_utp_socket_new_incoming (self, from, &packet, now);
      g_hash_table_insert (self->sockets, (gpointer) _shoal_utp_socket_get_key (fresh), g_object_ref (fresh));
      if (!self->accept_func (self, fresh, self->accept_data))
        {
          self->stats.refused++;
          _shoal_utp_socket_detach (fresh);
          g_hash_table_remove (self->sockets, _shoal_utp_socket_get_key (fresh));
          send_reset (self, from, packet.connection_id, packet.seq_nr, now);
          return TRUE;
        }
      _shoal_utp_socket_send_syn_ack (fresh, now);
      start_ticking (self);
      return TRUE;
    }

  sock = packet.type == SHOAL_UTP_ST_RESET ? find_for_reset (self, &key, packet.connection_id)
                                           : g_hash_table_lookup (self->sockets, &key);
  if (sock == NULL)
    {
      self->stats.unknown++;
      if (packet.type != SHOAL_UTP_ST_RESET)
        send_reset (self, from, packet.connection_id, packet.seq_nr, now);
      return TRUE;
    }
  _shoal_utp_socket_receive (sock, &packet, now);
  return TRUE;
}

/**
 * shoal_utp_manager_flush:
 * @self: a manager
 *
 * Sends the acks that the datagrams handed in since the last call asked
 * for: one per connection.
 */
void
shoal_utp_manager_flush (ShoalUtpManager *self)
{
  g_autoptr(GPtrArray) pending = NULL;
  gint64 now;

  if (self->want_ack->len == 0)
    return;
  now = g_get_monotonic_time ();
  pending = g_steal_pointer (&self->want_ack);
  self->want_ack = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < pending->len; i++)
    _shoal_utp_socket_send_ack_if_needed (pending->pdata[i], now);
}

/**
 * shoal_utp_manager_connect:
 * @self: a manager
 * @remote: the peer
 * @error: why not
 *
 * Sends a SYN. Wait for %G_IO_OUT on the socket (a ShoalTransport), then
 * shoal_transport_check_connected().
 *
 * Returns: (transfer full): the connection, or %NULL
 */
ShoalUtpSocket *
shoal_utp_manager_connect (ShoalUtpManager    *self,
                           GInetSocketAddress *remote,
                           GError            **error)
{
  ShoalUtpSocket *sock;
  UtpKey key;

  if (g_hash_table_size (self->sockets) >= self->max_sockets)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                   "%u uTP connections open, the most allowed", self->max_sockets);
      return NULL;
    }
  for (guint tries = 0; tries < 32; tries++)
    {
      guint16 id = (guint16) g_random_int ();

      if (!_shoal_utp_key_set (&key, remote, id))
        break;
      if (g_hash_table_contains (self->sockets, &key))
        continue;
      sock = _shoal_utp_socket_new_outgoing (self, remote, id);
      g_hash_table_insert (self->sockets, (gpointer) _shoal_utp_socket_get_key (sock), g_object_ref (sock));
      start_ticking (self);
      return sock;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "No uTP connection ID free for that peer");
  return NULL;
}

void
shoal_utp_manager_get_stats (ShoalUtpManager      *self,
                             ShoalUtpManagerStats *stats)
{
  *stats = self->stats;
  stats->n_sockets = g_hash_table_size (self->sockets);
}
