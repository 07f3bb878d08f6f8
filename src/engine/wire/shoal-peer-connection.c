/* shoal-peer-connection.c: one live peer-wire connection (engine internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transport and protocol state of one peer: the handshake, reading with
 * non-blocking receives driven by a socket source on the owner's main
 * context, decoding with ShoalPeerWireDecoder, an output buffer flushed with
 * non-blocking sends, rate limits, timeouts and keep-alives. What to do with
 * messages (picking pieces, serving requests, choking) is the owner's job.
 *
 * This file has the connection's life (creation, settings, connecting,
 * closing, timeouts) and its accessors; the handshake and reading are in
 * shoal-peer-connection-input.c, the output queue and sending in
 * shoal-peer-connection-output.c (shoal-peer-connection-private.h lists
 * what they share).
 */
#include "config.h"

#include <string.h>

#define SHOAL_PEER_CONNECTION_INSIDE
#include "shoal-peer-connection-private.h"

G_DEFINE_FINAL_TYPE (ShoalPeerConnection, shoal_peer_connection, G_TYPE_OBJECT)

static const ShoalPeerLimits default_limits = {
  SHOAL_PEER_CONNECTION_MAX_OUTPUT,
  SHOAL_PEER_CONNECTION_MAX_TOTAL_OUTPUT,
  SHOAL_PEER_CONNECTION_STALL_TIMEOUT * G_USEC_PER_SEC,
  SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT * G_USEC_PER_SEC,
  0,
};

/**
 * shoal_peer_limits_new:
 *
 * Returns: (transfer full): the default bounds, with nothing queued
 */
ShoalPeerLimits *
shoal_peer_limits_new (void)
{
  ShoalPeerLimits *limits = g_rc_box_new0 (ShoalPeerLimits);

  *limits = default_limits;
  return limits;
}

ShoalPeerLimits *
shoal_peer_limits_ref (ShoalPeerLimits *limits)
{
  return g_rc_box_acquire (limits);
}

void
shoal_peer_limits_unref (ShoalPeerLimits *limits)
{
  g_rc_box_release (limits);
}

const ShoalPeerLimits *
_shoal_peer_connection_limits_of (ShoalPeerConnection *self)
{
  return self->limits != NULL ? self->limits : &default_limits;
}

static void
shoal_peer_connection_dispose (GObject *object)
{
  ShoalPeerConnection *self = SHOAL_PEER_CONNECTION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->in_source)
    g_source_destroy (self->in_source);
  g_clear_pointer (&self->in_source, g_source_unref);
  if (self->out_source)
    g_source_destroy (self->out_source);
  g_clear_pointer (&self->out_source, g_source_unref);
  if (self->throttle_source)
    g_source_destroy (self->throttle_source);
  g_clear_pointer (&self->throttle_source, g_source_unref);
  if (self->transport)
    shoal_transport_close (self->transport);
  g_clear_object (&self->transport);
  _shoal_peer_connection_release_output (self);
  if (self->owner_data_destroy && self->owner_data)
    self->owner_data_destroy (self->owner_data);
  self->owner_data = NULL;
  self->owner_data_destroy = NULL;

  G_OBJECT_CLASS (shoal_peer_connection_parent_class)->dispose (object);
}

static void
shoal_peer_connection_finalize (GObject *object)
{
  ShoalPeerConnection *self = SHOAL_PEER_CONNECTION (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->remote);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  g_clear_object (&self->proxy);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->client, g_free);
  g_clear_pointer (&self->ext, shoal_peer_wire_ext_handshake_free);
  g_clear_pointer (&self->decoder, shoal_peer_wire_decoder_free);
  g_clear_pointer (&self->read_buf, g_free);
  g_clear_pointer (&self->out, g_byte_array_unref);
  g_clear_pointer (&self->limits, shoal_peer_limits_unref);
  g_clear_pointer (&self->peer_has, shoal_bitfield_free);
  g_clear_pointer (&self->pending_bitfield, g_bytes_unref);
  g_clear_pointer (&self->pending_haves, g_array_unref);
  g_clear_pointer (&self->mse, shoal_mse_free);
  g_clear_pointer (&self->detect_buf, g_byte_array_unref);

  G_OBJECT_CLASS (shoal_peer_connection_parent_class)->finalize (object);
}

static void
shoal_peer_connection_class_init (ShoalPeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_peer_connection_dispose;
  object_class->finalize = shoal_peer_connection_finalize;
}

static void
shoal_peer_connection_init (ShoalPeerConnection *self)
{
  self->cancellable = g_cancellable_new ();
  self->decoder = shoal_peer_wire_decoder_new ();
  self->out = g_byte_array_sized_new (4096);
  self->am_choking = TRUE;
  self->peer_choking = TRUE;
  self->started_us = g_get_monotonic_time ();
  self->handshake_started_us = self->started_us;
  self->last_received_us = self->started_us;
  self->last_sent_us = self->started_us;
}

static char *
format_address (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  guint16 port = g_inet_socket_address_get_port (address);

  if (g_inet_address_get_family (g_inet_socket_address_get_address (address)) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip, port);
}

ShoalPeerConnection *
shoal_peer_connection_new_outgoing (GInetSocketAddress   *address,
                                    const guint8          info_hash[20],
                                    const guint8          peer_id[20],
                                    ShoalPeerWireFeatures features)
{
  ShoalPeerConnection *self = g_object_new (SHOAL_TYPE_PEER_CONNECTION, NULL);

  self->remote = g_object_ref (address);
  self->address = format_address (address);
  memcpy (self->info_hash, info_hash, 20);
  self->have_info_hash = TRUE;
  memcpy (self->our_peer_id, peer_id, 20);
  self->our_features = features;
  self->state = SHOAL_PEER_CONNECTION_CONNECTING;
  return self;
}

/**
 * shoal_peer_connection_new_outgoing_transport:
 * @transport: a connection being dialed (uTP), ready once %G_IO_OUT
 * @info_hash: the torrent
 * @peer_id: ours
 * @features: what we offer
 *
 * Like shoal_peer_connection_new_outgoing(), over @transport.
 *
 * Returns: (transfer full): the connection
 */
ShoalPeerConnection *
shoal_peer_connection_new_outgoing_transport (ShoalTransport       *transport,
                                              const guint8          info_hash[20],
                                              const guint8          peer_id[20],
                                              ShoalPeerWireFeatures features)
{
  ShoalPeerConnection *self = shoal_peer_connection_new_outgoing (shoal_transport_get_remote_address (transport),
                                                                  info_hash, peer_id, features);

  self->transport = g_object_ref (transport);
  return self;
}

/**
 * shoal_peer_connection_get_transport_kind:
 * @self: a connection
 *
 * Returns: whether it runs over TCP or uTP
 */
ShoalTransportKind
shoal_peer_connection_get_transport_kind (ShoalPeerConnection *self)
{
  return self->transport != NULL ? shoal_transport_get_kind (self->transport) : SHOAL_TRANSPORT_TCP;
}

ShoalPeerConnection *
shoal_peer_connection_new_incoming (GSocketConnection    *connection,
                                    const guint8          peer_id[20],
                                    ShoalPeerWireFeatures features)
{
  g_autoptr(ShoalTransport) transport = shoal_tcp_transport_new (connection);

  return shoal_peer_connection_new_incoming_transport (transport, peer_id, features);
}

/**
 * shoal_peer_connection_new_incoming_transport:
 * @transport: an accepted connection, TCP or uTP
 * @peer_id: ours
 * @features: what we offer
 *
 * Returns: (transfer full): a connection that reads the peer's handshake
 *   once started
 */
ShoalPeerConnection *
shoal_peer_connection_new_incoming_transport (ShoalTransport       *transport,
                                              const guint8          peer_id[20],
                                              ShoalPeerWireFeatures features)
{
  ShoalPeerConnection *self = g_object_new (SHOAL_TYPE_PEER_CONNECTION, NULL);
  GInetSocketAddress *remote = shoal_transport_get_remote_address (transport);

  self->incoming = TRUE;
  self->transport = g_object_ref (transport);
  if (remote != NULL)
    {
      self->remote = g_object_ref (remote);
      self->address = format_address (self->remote);
    }
  else
    self->address = g_strdup ("unknown");
  memcpy (self->our_peer_id, peer_id, 20);
  self->our_features = features;
  self->state = SHOAL_PEER_CONNECTION_HANDSHAKING;
  self->detecting = TRUE;
  self->detect_buf = g_byte_array_new ();
  return self;
}

/**
 * shoal_peer_connection_set_encryption:
 * @self: a connection not started yet
 * @policy: what to offer and accept
 * @find_torrent: (nullable): for incoming connections, finds the torrent an
 *   obfuscated handshake names
 * @find_torrent_data: for @find_torrent
 *
 * Outgoing connections start with the obfuscated (MSE) handshake unless
 * @policy allows plaintext; incoming ones accept both, except that
 * %SHOAL_ENCRYPTION_REQUIRE refuses a plaintext handshake.
 */
void
shoal_peer_connection_set_encryption (ShoalPeerConnection     *self,
                                      ShoalEncryptionPolicy    policy,
                                      ShoalMseFindTorrentFunc  find_torrent,
                                      gpointer                 find_torrent_data)
{
  self->policy = policy;
  self->find_torrent = find_torrent;
  self->find_torrent_data = find_torrent_data;
}

gboolean
shoal_peer_connection_is_encrypted (ShoalPeerConnection *self)
{
  return self->rc4;
}

/**
 * shoal_peer_connection_failed_in_mse:
 * @self: a closed connection
 *
 * Returns: %TRUE if it ended during the obfuscated handshake (the peer may
 *   not speak it: a caller that prefers encryption can retry in plaintext)
 */
gboolean
shoal_peer_connection_failed_in_mse (ShoalPeerConnection *self)
{
  return self->mse != NULL && !self->mse_done && !self->incoming;
}

void
shoal_peer_connection_set_handler (ShoalPeerConnection              *self,
                                   const ShoalPeerConnectionHandler *handler,
                                   gpointer                          owner)
{
  self->handler = handler;
  self->owner = owner;
}

void
shoal_peer_connection_set_info_hash (ShoalPeerConnection *self,
                                     const guint8         info_hash[20])
{
  memcpy (self->info_hash, info_hash, 20);
  self->have_info_hash = TRUE;
}

/**
 * shoal_peer_connection_set_alt_info_hash:
 * @self: an outgoing connection, before it starts
 * @info_hash: a hybrid torrent's other info-hash (BEP 52)
 *
 * A peer asked with a hybrid's v1 info-hash (and the v2 bit) may answer
 * with its v2 one, upgrading the connection: that answer is accepted, and
 * the connection is for that hash from then on.
 */
void
shoal_peer_connection_set_alt_info_hash (ShoalPeerConnection *self,
                                         const guint8         info_hash[20])
{
  memcpy (self->alt_info_hash, info_hash, 20);
  self->have_alt_info_hash = TRUE;
}

/**
 * shoal_peer_connection_set_n_pieces:
 * @self: a connection
 * @n_pieces: the torrent's piece count
 *
 * Until this is called (a magnet link still fetching its metadata), what the
 * peer says it has is kept aside, bounded, and checked here once the count
 * is known. A peer whose earlier bitfield or haves do not fit is closed.
 */
void
shoal_peer_connection_set_n_pieces (ShoalPeerConnection *self,
                                    guint                n_pieces)
{
  g_autoptr(GError) error = NULL;
  gboolean was_known = self->n_pieces_known;

  self->n_pieces = n_pieces;
  self->n_pieces_known = TRUE;
  shoal_peer_wire_decoder_set_n_pieces (self->decoder, n_pieces);
  if (self->peer_has == NULL || shoal_bitfield_get_size (self->peer_has) != n_pieces)
    {
      g_clear_pointer (&self->peer_has, shoal_bitfield_free);
      self->peer_has = shoal_bitfield_new (n_pieces);
      if (self->peer_has_all)
        shoal_bitfield_set_all (self->peer_has, TRUE);
    }
  if (was_known)
    return;

  if (self->pending_bitfield != NULL && !self->peer_has_all)
    {
      gsize len;
      const guint8 *bits = g_bytes_get_data (self->pending_bitfield, &len);
      ShoalBitfield *has = shoal_bitfield_new_from_bytes (n_pieces, bits, len, &error);

      if (has == NULL)
        {
          shoal_peer_connection_close (self, error);
          return;
        }
      shoal_bitfield_free (self->peer_has);
      self->peer_has = has;
    }
  for (guint i = 0; self->pending_haves != NULL && i < self->pending_haves->len; i++)
    {
      guint32 index = g_array_index (self->pending_haves, guint32, i);

      if (index >= n_pieces)
        {
          g_set_error (&error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                       "Peer had piece %u of a torrent with %u pieces", index, n_pieces);
          shoal_peer_connection_close (self, error);
          return;
        }
      shoal_bitfield_set (self->peer_has, index, TRUE);
    }
  g_clear_pointer (&self->pending_bitfield, g_bytes_unref);
  g_clear_pointer (&self->pending_haves, g_array_unref);
}

/**
 * shoal_peer_connection_knows_n_pieces:
 * @self: a connection
 *
 * Returns: whether shoal_peer_connection_set_n_pieces() was called
 */
gboolean
shoal_peer_connection_knows_n_pieces (ShoalPeerConnection *self)
{
  return self->n_pieces_known;
}

/**
 * shoal_peer_connection_set_limits:
 * @self: a connection
 * @down_limits: (array zero-terminated=1): up to two download limiters
 *   (torrent, session), applied together
 * @up_limits: (array zero-terminated=1): the same for uploads
 *
 * The limiters are owned by the caller and must outlive the connection.
 */
void
shoal_peer_connection_set_limits (ShoalPeerConnection *self,
                                  ShoalRateLimit      *down_limits[],
                                  ShoalRateLimit      *up_limits[])
{
  for (guint i = 0; i < MAX_LIMITS; i++)
    {
      self->down_limits[i] = down_limits ? down_limits[i] : NULL;
      self->up_limits[i] = up_limits ? up_limits[i] : NULL;
      if (self->down_limits[i] == NULL)
        down_limits = NULL;
      if (self->up_limits[i] == NULL)
        up_limits = NULL;
    }
}

/**
 * shoal_peer_connection_set_peer_limits:
 * @self: a connection
 * @limits: (nullable): bounds shared with other connections; %NULL for the
 *   defaults, with nothing shared
 *
 * Bounds what is queued for the peer and how long it may take to send it
 * or to finish its handshake.
 */
void
shoal_peer_connection_set_peer_limits (ShoalPeerConnection *self,
                                       ShoalPeerLimits     *limits)
{
  if (self->limits == limits)
    return;
  if (self->limits != NULL)
    self->limits->queued -= self->accounted;
  self->accounted = 0;
  g_clear_pointer (&self->limits, shoal_peer_limits_unref);
  if (limits != NULL)
    self->limits = shoal_peer_limits_ref (limits);
  _shoal_peer_connection_account_output (self);
}

void
_shoal_peer_connection_fail_with (ShoalPeerConnection *self,
                                  GError              *error)
{
  g_autoptr(GError) owned = error;

  shoal_peer_connection_close (self, owned);
}

/**
 * shoal_peer_connection_close:
 * @self: a connection
 * @reason: (nullable): why, for the log and the owner
 *
 * Closes the socket and tells the owner, once.
 */
void
shoal_peer_connection_close (ShoalPeerConnection *self,
                             const GError        *reason)
{
  g_autoptr(ShoalPeerConnection) hold = NULL;

  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  hold = g_object_ref (self);
  self->state = SHOAL_PEER_CONNECTION_CLOSED;

  if (reason != NULL)
    g_debug ("Peer %s: closing: %s", self->address, reason->message);

  g_cancellable_cancel (self->cancellable);
  if (self->in_source)
    g_source_destroy (self->in_source);
  g_clear_pointer (&self->in_source, g_source_unref);
  if (self->out_source)
    g_source_destroy (self->out_source);
  g_clear_pointer (&self->out_source, g_source_unref);
  if (self->throttle_source)
    g_source_destroy (self->throttle_source);
  g_clear_pointer (&self->throttle_source, g_source_unref);
  if (self->transport)
    shoal_transport_close (self->transport);
  _shoal_peer_connection_release_output (self);

  if (self->handler && self->handler->closed)
    self->handler->closed (self->owner, self, reason);
}

static void begin_outgoing (ShoalPeerConnection *self);

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalPeerConnection) self = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      if (self->state != SHOAL_PEER_CONNECTION_CLOSED)
        _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
      return;
    }
  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      g_object_unref (connection);
      return;
    }

  self->transport = shoal_tcp_transport_new (connection);
  g_object_unref (connection);
  begin_outgoing (self);
}

/* An outgoing uTP connection answered (or failed). */
static gboolean
transport_connected_cb (gpointer      source_object,
                        GIOCondition  condition,
                        gpointer      user_data)
{
  ShoalPeerConnection *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_transport_check_connected (self->transport, &error))
    {
      if (error == NULL)
        return G_SOURCE_CONTINUE;
      g_clear_pointer (&self->out_source, g_source_unref);
      _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&self->out_source, g_source_unref);
  begin_outgoing (self);
  return G_SOURCE_REMOVE;
}

static void
begin_outgoing (ShoalPeerConnection *self)
{
  self->state = SHOAL_PEER_CONNECTION_HANDSHAKING;
  self->last_received_us = g_get_monotonic_time ();
  self->handshake_started_us = self->last_received_us;
  if (shoal_encryption_policy_encrypts_outgoing (self->policy))
    {
      ShoalPeerWireHandshake hs = { { 0 } };
      guint8 buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];
      g_autoptr(GByteArray) out = g_byte_array_new ();

      /* Our BitTorrent handshake rides in the MSE initial payload. */
      shoal_peer_wire_reserved_set_features (hs.reserved, self->our_features);
      memcpy (hs.info_hash, self->info_hash, 20);
      memcpy (hs.peer_id, self->our_peer_id, 20);
      shoal_peer_wire_handshake_encode (&hs, buf);
      self->mse = shoal_mse_new_initiator (self->info_hash, self->policy);
      shoal_mse_start (self->mse, buf, sizeof buf, out);
      _shoal_peer_connection_queue_raw (self, out);
      self->handshake_sent = TRUE;
      _shoal_peer_connection_flush_output (self);
    }
  else
    _shoal_peer_connection_send_handshake (self);
  _shoal_peer_connection_start_reading (self);
}

/**
 * shoal_peer_connection_start:
 * @self: a connection with a handler set
 *
 * Dials (outgoing) or starts reading the handshake (incoming).
 */
/* Binds the socket to the device before it connects. */
static void
client_event_cb (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  ShoalPeerConnection *self = user_data;
  g_autoptr(GError) error = NULL;

  if (event != G_SOCKET_CLIENT_CONNECTING || !G_IS_SOCKET_CONNECTION (connection))
    return;
  if (!shoal_net_bind_socket (self->bind, g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)), &error))
    g_debug ("%s: %s", self->address, error->message);
}

/**
 * shoal_peer_connection_set_bind:
 * @bind: (nullable): the interface and address to connect from
 *
 * For an outgoing connection, before it starts: the socket is bound to
 * @bind's device and address. A @bind without an address (the interface
 * has none now) makes the connection fail rather than go out elsewhere.
 */
void
shoal_peer_connection_set_bind (ShoalPeerConnection *self,
                                ShoalNetBind        *bind)
{
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  self->bind = bind != NULL ? shoal_net_bind_ref (bind) : NULL;
}

/**
 * shoal_peer_connection_set_proxy:
 * @proxy: (nullable): the proxies to connect through (SOCKS5); with
 *   %NULL, the connection is made directly
 *
 * For an outgoing connection, before it starts. A connection that cannot
 * go through @proxy fails: it is never made directly instead.
 */
void
shoal_peer_connection_set_proxy (ShoalPeerConnection *self,
                                 GProxyResolver      *proxy)
{
  g_set_object (&self->proxy, proxy);
}

void
shoal_peer_connection_start (ShoalPeerConnection *self)
{
  g_return_if_fail (self->handler != NULL);

  if (self->incoming)
    _shoal_peer_connection_start_reading (self);
  else if (self->transport != NULL)
    {
      /* Dialed by the owner (uTP): wait for the answer. */
      self->out_source = shoal_transport_create_source (self->transport, G_IO_OUT, self->cancellable);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (transport_connected_cb), self, NULL);
      g_source_attach (self->out_source, g_main_context_get_thread_default ());
    }
  else
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();

      g_socket_client_set_timeout (client, SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT);
      if (self->proxy != NULL)
        g_socket_client_set_proxy_resolver (client, self->proxy);
      if (self->bind != NULL)
        {
          g_autoptr(GSocketAddress) local = NULL;

          /* No address now: from the unspecified one, which the device
           * binding keeps from going out elsewhere (and which fails). */
          local = self->bind->address != NULL
                  ? g_inet_socket_address_new (self->bind->address, 0)
                  : g_inet_socket_address_new_from_string ("0.0.0.0", 0);
          g_socket_client_set_local_address (client, local);
          g_signal_connect_object (client, "event", G_CALLBACK (client_event_cb), self, 0);
        }
      g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (self->remote), self->cancellable,
                                     connected_cb, g_object_ref (self));
    }
}

/**
 * shoal_peer_connection_tick:
 * @self: a connection
 * @now_us: g_get_monotonic_time()
 *
 * Enforces timeouts and sends keep-alives; call about once a second.
 */
void
shoal_peer_connection_tick (ShoalPeerConnection *self,
                            gint64               now_us)
{
  const ShoalPeerLimits *limits = _shoal_peer_connection_limits_of (self);
  gsize pending = shoal_peer_connection_get_pending_output (self);

  if (self->output_overflow && self->state != SHOAL_PEER_CONNECTION_CLOSED)
    {
      _shoal_peer_connection_fail_with (self,
                                        g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                                     "Peer does not read what we send: more than %" G_GUINT64_FORMAT " bytes queued",
                                                     OUTPUT_OVERFLOW_FACTOR * limits->max_output));
      return;
    }
  if (pending > 0 && now_us - self->output_since_us > limits->stall_timeout_us &&
      (self->state == SHOAL_PEER_CONNECTION_HANDSHAKING || self->state == SHOAL_PEER_CONNECTION_ACTIVE))
    {
      _shoal_peer_connection_fail_with (self,
                                        g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                     "Peer stopped reading: nothing of %" G_GSIZE_FORMAT " queued bytes could be sent for %" G_GINT64_FORMAT " s",
                                                     pending, limits->stall_timeout_us / G_USEC_PER_SEC));
      return;
    }

  switch (self->state)
    {
    case SHOAL_PEER_CONNECTION_CONNECTING:
      if (now_us - self->started_us > (SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT + 5) * G_USEC_PER_SEC)
        _shoal_peer_connection_fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Connection timed out"));
      break;
    case SHOAL_PEER_CONNECTION_HANDSHAKING:
      /* From the start, not from the last byte: a peer dripping one byte
       * now and then must not hold a slot for ever. */
      if (now_us - self->handshake_started_us > limits->handshake_timeout_us)
        _shoal_peer_connection_fail_with (self,
                                          g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Handshake not done in %" G_GINT64_FORMAT " s",
                                                       limits->handshake_timeout_us / G_USEC_PER_SEC));
      break;
    case SHOAL_PEER_CONNECTION_ACTIVE:
      /* Not read while our output is full: the stall timeout is the judge. */
      if (!self->paused_for_output &&
          now_us - self->last_received_us > SHOAL_PEER_CONNECTION_IDLE_TIMEOUT * G_USEC_PER_SEC)
        _shoal_peer_connection_fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Peer went silent"));
      else if (now_us - self->last_sent_us > SHOAL_PEER_CONNECTION_KEEPALIVE * G_USEC_PER_SEC &&
               shoal_peer_connection_get_pending_output (self) == 0)
        {
          g_autoptr(GByteArray) msg = g_byte_array_new ();

          shoal_peer_wire_encode_keep_alive (msg);
          _shoal_peer_connection_send_message_bytes (self, msg);
        }
      break;
    case SHOAL_PEER_CONNECTION_CLOSED:
    default:
      break;
    }
}

/* Accessors */

ShoalPeerConnectionState
shoal_peer_connection_get_state (ShoalPeerConnection *self)
{
  return self->state;
}

const char *
shoal_peer_connection_get_address (ShoalPeerConnection *self)
{
  return self->address;
}

GInetSocketAddress *
shoal_peer_connection_get_remote (ShoalPeerConnection *self)
{
  return self->remote;
}

const guint8 *
shoal_peer_connection_get_peer_id (ShoalPeerConnection *self)
{
  return self->peer_id;
}

const char *
shoal_peer_connection_get_client (ShoalPeerConnection *self)
{
  return self->client;
}

gboolean
shoal_peer_connection_is_incoming (ShoalPeerConnection *self)
{
  return self->incoming;
}

ShoalPeerWireFeatures
shoal_peer_connection_get_features (ShoalPeerConnection *self)
{
  return self->features & self->our_features;
}

const ShoalPeerWireExtHandshake *
shoal_peer_connection_get_ext_handshake (ShoalPeerConnection *self)
{
  return self->ext;
}

gboolean
shoal_peer_connection_am_choking (ShoalPeerConnection *self)
{
  return self->am_choking;
}

gboolean
shoal_peer_connection_am_interested (ShoalPeerConnection *self)
{
  return self->am_interested;
}

gboolean
shoal_peer_connection_peer_choking (ShoalPeerConnection *self)
{
  return self->peer_choking;
}

gboolean
shoal_peer_connection_peer_interested (ShoalPeerConnection *self)
{
  return self->peer_interested;
}

gboolean
shoal_peer_connection_peer_has_all (ShoalPeerConnection *self)
{
  return self->peer_has_all || (self->peer_has && shoal_bitfield_is_full (self->peer_has));
}

/**
 * shoal_peer_connection_peer_lost_piece:
 * @self: a connection
 * @piece: a piece index, below the torrent's piece count
 *
 * The peer no longer has @piece (an lt_donthave message, BEP 54, that the
 * torrent checked).
 */
void
shoal_peer_connection_peer_lost_piece (ShoalPeerConnection *self,
                                       guint                piece)
{
  g_return_if_fail (SHOAL_IS_PEER_CONNECTION (self));

  if (!self->n_pieces_known || self->peer_has == NULL || piece >= self->n_pieces)
    return;
  if (self->peer_has_all)
    {
      shoal_bitfield_set_all (self->peer_has, TRUE);
      self->peer_has_all = FALSE;
    }
  shoal_bitfield_set (self->peer_has, piece, FALSE);
}

ShoalBitfield *
shoal_peer_connection_get_peer_bitfield (ShoalPeerConnection *self)
{
  return self->peer_has;
}

guint
shoal_peer_connection_get_peer_reqq (ShoalPeerConnection *self)
{
  return self->ext && self->ext->reqq > 0 ? self->ext->reqq : 250;
}

ShoalRate *
shoal_peer_connection_get_down_rate (ShoalPeerConnection *self)
{
  return &self->down_rate;
}

ShoalRate *
shoal_peer_connection_get_up_rate (ShoalPeerConnection *self)
{
  return &self->up_rate;
}

gpointer
shoal_peer_connection_get_owner_data (ShoalPeerConnection *self)
{
  return self->owner_data;
}

void
shoal_peer_connection_set_owner_data (ShoalPeerConnection *self,
                                      gpointer             data,
                                      GDestroyNotify       destroy)
{
  if (self->owner_data_destroy && self->owner_data)
    self->owner_data_destroy (self->owner_data);
  self->owner_data = data;
  self->owner_data_destroy = destroy;
}

