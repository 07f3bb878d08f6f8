/* shoal-peer-connection.c: one live peer-wire connection (engine internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transport and protocol state of one peer: the handshake, reading with
 * non-blocking receives driven by a socket source on the owner's main
 * context, decoding with ShoalPeerWireDecoder, an output buffer flushed with
 * non-blocking sends, rate limits, timeouts and keep-alives. What to do with
 * messages (picking pieces, serving requests, choking) is the owner's job.
 */
#include "config.h"

#include <string.h>

#include "shoal-mse.h"
#include "shoal-peer-connection.h"

#define READ_CHUNK       (256 * 1024)
#define MAX_LIMITS       2

struct _ShoalPeerConnection
{
  GObject                           parent_instance;

  ShoalPeerConnectionState          state;
  gboolean                          incoming;
  GInetSocketAddress               *remote;
  char                             *address;
  GSocketConnection                *connection;
  GSocket                          *socket;
  GCancellable                     *cancellable;
  GSource                          *in_source;
  GSource                          *out_source;
  GSource                          *throttle_source;

  const ShoalPeerConnectionHandler *handler;
  gpointer                          owner;
  gpointer                          owner_data;
  GDestroyNotify                    owner_data_destroy;

  guint8                            info_hash[20];
  gboolean                          have_info_hash;
  guint8                            our_peer_id[20];
  ShoalPeerWireFeatures             our_features;
  guint8                            peer_id[20];
  ShoalPeerWireFeatures             features;
  char                             *client;
  ShoalPeerWireExtHandshake        *ext;

  ShoalEncryptionPolicy             policy;
  ShoalMse                         *mse;         /* the obfuscated handshake, then RC4 */
  gboolean                          mse_done;
  gboolean                          rc4;         /* the stream is encrypted */
  gboolean                          detecting;   /* incoming: plaintext or MSE? */
  GByteArray                       *detect_buf;
  ShoalMseFindTorrentFunc           find_torrent;
  gpointer                          find_torrent_data;

  guint8                            handshake_buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];
  gsize                             handshake_got;
  gboolean                          handshake_sent;

  ShoalPeerWireDecoder             *decoder;
  guint8                           *read_buf;
  GByteArray                       *out;
  gsize                             out_pos;
  ShoalPeerLimits                  *limits;          /* NULL: the defaults, not shared */
  guint64                           accounted;       /* of out, in limits->queued */
  gint64                            output_since_us; /* last byte sent, or first queued */
  gboolean                          paused_for_output; /* not reading: too much queued */
  gboolean                          output_overflow;   /* past every bound: closing */

  guint                             n_pieces;
  gboolean                          n_pieces_known;
  GBytes                           *pending_bitfield; /* before n_pieces is known */
  GArray                           *pending_haves;    /* of guint32, bounded */
  ShoalBitfield                    *peer_has;
  gboolean                          peer_has_all;
  gboolean                          am_choking;
  gboolean                          am_interested;
  gboolean                          peer_choking;
  gboolean                          peer_interested;

  ShoalRateLimit                   *down_limits[MAX_LIMITS];
  ShoalRateLimit                   *up_limits[MAX_LIMITS];
  ShoalRate                         down_rate;
  ShoalRate                         up_rate;

  gint64                            started_us;
  gint64                            handshake_started_us; /* accepted or connected */
  gint64                            last_received_us;
  gint64                            last_sent_us;
};

G_DEFINE_FINAL_TYPE (ShoalPeerConnection, shoal_peer_connection, G_TYPE_OBJECT)

static void start_reading (ShoalPeerConnection *self);
static void flush_output (ShoalPeerConnection *self);
static void release_output (ShoalPeerConnection *self);
static void account_output (ShoalPeerConnection *self);

/* Output queued past this many times the per-peer limit closes the
 * connection: what is not gated (haves, requests we send…) stays far below. */
#define OUTPUT_OVERFLOW_FACTOR 4

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

static const ShoalPeerLimits *
limits_of (ShoalPeerConnection *self)
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
  if (self->connection)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  self->socket = NULL;
  release_output (self);
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

ShoalPeerConnection *
shoal_peer_connection_new_incoming (GSocketConnection    *connection,
                                    const guint8          peer_id[20],
                                    ShoalPeerWireFeatures features)
{
  ShoalPeerConnection *self = g_object_new (SHOAL_TYPE_PEER_CONNECTION, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  self->incoming = TRUE;
  self->connection = g_object_ref (connection);
  self->socket = g_socket_connection_get_socket (connection);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    {
      self->remote = g_object_ref (G_INET_SOCKET_ADDRESS (remote));
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

/* Before the piece count is known: keep what the peer says, bounded. */
#define MAX_PENDING_HAVES 65536

static void
note_pending (ShoalPeerConnection        *self,
              const ShoalPeerWireMessage *msg,
              GError                    **error)
{
  switch (msg->type)
    {
    case SHOAL_PEER_WIRE_HAVE:
      if (self->pending_haves == NULL)
        self->pending_haves = g_array_new (FALSE, FALSE, sizeof (guint32));
      if (self->pending_haves->len >= MAX_PENDING_HAVES)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "Peer sent too many have messages");
          return;
        }
      g_array_append_val (self->pending_haves, msg->index);
      break;
    case SHOAL_PEER_WIRE_BITFIELD:
      g_clear_pointer (&self->pending_bitfield, g_bytes_unref);
      self->pending_bitfield = g_bytes_new (msg->payload, msg->payload_len);
      break;
    case SHOAL_PEER_WIRE_HAVE_ALL:
      self->peer_has_all = TRUE;
      break;
    case SHOAL_PEER_WIRE_HAVE_NONE:
      self->peer_has_all = FALSE;
      g_clear_pointer (&self->pending_bitfield, g_bytes_unref);
      g_clear_pointer (&self->pending_haves, g_array_unref);
      break;
    case SHOAL_PEER_WIRE_CHOKE:
    case SHOAL_PEER_WIRE_UNCHOKE:
    case SHOAL_PEER_WIRE_INTERESTED:
    case SHOAL_PEER_WIRE_NOT_INTERESTED:
    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_PIECE:
    case SHOAL_PEER_WIRE_CANCEL:
    case SHOAL_PEER_WIRE_PORT:
    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_REJECT:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
    case SHOAL_PEER_WIRE_EXTENDED:
    case SHOAL_PEER_WIRE_KEEP_ALIVE:
    default:
      break;
    }
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
  account_output (self);
}

static void
fail_with (ShoalPeerConnection *self,
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
  if (self->connection)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  release_output (self);

  if (self->handler && self->handler->closed)
    self->handler->closed (self->owner, self, reason);
}

/* Output */

/* Keeps the shared count of queued bytes in step with ours. */
static void
account_output (ShoalPeerConnection *self)
{
  guint64 pending = self->out->len - self->out_pos;

  if (self->limits != NULL)
    self->limits->queued = self->limits->queued - self->accounted + pending;
  self->accounted = pending;
}

/* A closed connection queues nothing: free the memory and the share. */
static void
release_output (ShoalPeerConnection *self)
{
  if (self->out == NULL)
    return;
  g_byte_array_set_size (self->out, 0);
  self->out_pos = 0;
  account_output (self);
}

/* Returns FALSE (and queues nothing) when the peer has so much waiting that
 * the connection is closing. */
static gboolean
make_room (ShoalPeerConnection *self,
           gsize                len)
{
  gsize pending = self->out->len - self->out_pos;

  if (self->output_overflow || self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return FALSE;
  if (pending + len > OUTPUT_OVERFLOW_FACTOR * limits_of (self)->max_output)
    {
      /* Closing from here could pull the connection out of an array the
       * caller is walking: the next tick closes it. */
      self->output_overflow = TRUE;
      return FALSE;
    }
  if (pending == 0)
    self->output_since_us = g_get_monotonic_time ();
  return TRUE;
}

static void
queue_bytes (ShoalPeerConnection *self,
             const guint8        *data,
             gsize                len)
{
  guint old = self->out->len;

  if (!make_room (self, len))
    return;
  g_byte_array_append (self->out, data, len);
  if (self->rc4)
    shoal_mse_encrypt (self->mse, self->out->data + old, len);
  account_output (self);
}

/* Bytes the MSE state machine produced: already in their final form. */
static void
queue_raw (ShoalPeerConnection *self,
           GByteArray          *bytes)
{
  if (!make_room (self, bytes->len))
    return;
  g_byte_array_append (self->out, bytes->data, bytes->len);
  account_output (self);
}

static gboolean
out_ready_cb (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  ShoalPeerConnection *self = user_data;

  g_clear_pointer (&self->out_source, g_source_unref);
  flush_output (self);
  return G_SOURCE_REMOVE;
}

static void
flush_output (ShoalPeerConnection *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean drained = FALSE;

  if (self->socket == NULL || self->state == SHOAL_PEER_CONNECTION_CLOSED ||
      self->state == SHOAL_PEER_CONNECTION_CONNECTING)
    return;

  while (self->out_pos < self->out->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (self->socket, (const char *) self->out->data + self->out_pos,
                                self->out->len - self->out_pos, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          fail_with (self, g_steal_pointer (&error));
          return;
        }
      self->out_pos += (gsize) n;
      self->last_sent_us = now;
      self->output_since_us = now;
    }

  if (self->out_pos == self->out->len)
    {
      g_byte_array_set_size (self->out, 0);
      self->out_pos = 0;
      drained = TRUE;
    }
  else if (self->out_pos > 1024 * 1024)
    {
      g_byte_array_remove_range (self->out, 0, (guint) self->out_pos);
      self->out_pos = 0;
    }
  account_output (self);

  /* Reading stopped while too much was queued: TCP made the peer wait. */
  if (self->paused_for_output && !shoal_peer_connection_output_full (self))
    {
      self->paused_for_output = FALSE;
      if (self->throttle_source == NULL)
        start_reading (self);
    }

  if (!drained && self->out_source == NULL)
    {
      self->out_source = g_socket_create_source (self->socket, G_IO_OUT, self->cancellable);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (out_ready_cb), self, NULL);
      g_source_attach (self->out_source, g_main_context_get_thread_default ());
    }

  if (drained && self->state == SHOAL_PEER_CONNECTION_ACTIVE &&
      self->handler && self->handler->writable)
    self->handler->writable (self->owner, self);
}

static void
send_message_bytes (ShoalPeerConnection *self,
                    GByteArray          *msg)
{
  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  queue_bytes (self, msg->data, msg->len);
  flush_output (self);
}

/**
 * shoal_peer_connection_send_raw:
 * @self: a connection
 * @message: one or more whole encoded messages
 */
void
shoal_peer_connection_send_raw (ShoalPeerConnection *self,
                                GByteArray          *message)
{
  send_message_bytes (self, message);
}

gsize
shoal_peer_connection_get_pending_output (ShoalPeerConnection *self)
{
  return self->out->len - self->out_pos;
}

/**
 * shoal_peer_connection_output_full:
 * @self: a connection
 *
 * Whether so much waits to be sent to this peer (or to all peers sharing
 * its limits, while this one has anything waiting) that it must not be
 * answered now. Its socket is not read meanwhile, so a peer that does not
 * read what it asked for cannot ask for more.
 *
 * Returns: %TRUE if requests of the peer must not be answered now
 */
gboolean
shoal_peer_connection_output_full (ShoalPeerConnection *self)
{
  const ShoalPeerLimits *limits = limits_of (self);
  gsize pending = shoal_peer_connection_get_pending_output (self);

  if (self->output_overflow)
    return TRUE;
  return pending >= limits->max_output ||
         (pending > 0 && self->limits != NULL && self->limits->queued >= limits->max_total_output);
}

/* Handshake */

static void
send_handshake (ShoalPeerConnection *self)
{
  ShoalPeerWireHandshake hs = { { 0 } };
  guint8 buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];

  shoal_peer_wire_reserved_set_features (hs.reserved, self->our_features);
  memcpy (hs.info_hash, self->info_hash, 20);
  memcpy (hs.peer_id, self->our_peer_id, 20);
  shoal_peer_wire_handshake_encode (&hs, buf);
  queue_bytes (self, buf, sizeof buf);
  self->handshake_sent = TRUE;
  flush_output (self);
}

static void
become_active (ShoalPeerConnection *self)
{
  ShoalPeerWireFeatures common = self->features & self->our_features;

  self->state = SHOAL_PEER_CONNECTION_ACTIVE;
  self->client = shoal_peer_wire_peer_id_to_client (self->peer_id);
  shoal_peer_wire_decoder_set_features (self->decoder, common);
  shoal_peer_wire_decoder_set_skip_unknown (self->decoder, TRUE);
  if (self->peer_has == NULL)
    self->peer_has = shoal_bitfield_new (self->n_pieces);

  if (self->handler && self->handler->ready)
    self->handler->ready (self->owner, self);
}

/* Returns the number of bytes of @data used by the handshake, or -1 if the
 * connection was closed. */
static gssize
feed_handshake (ShoalPeerConnection *self,
                const guint8        *data,
                gsize                len)
{
  gsize want = SHOAL_PEER_WIRE_HANDSHAKE_LEN - self->handshake_got;
  gsize take = MIN (want, len);
  g_autoptr(GError) error = NULL;
  ShoalPeerWireHandshake hs;

  memcpy (self->handshake_buf + self->handshake_got, data, take);
  self->handshake_got += take;

  if (!shoal_peer_wire_handshake_check_prefix (self->handshake_buf, self->handshake_got, &error))
    {
      fail_with (self, g_steal_pointer (&error));
      return -1;
    }
  if (self->handshake_got < SHOAL_PEER_WIRE_HANDSHAKE_LEN)
    return (gssize) take;

  if (!shoal_peer_wire_handshake_parse (self->handshake_buf, self->handshake_got, &hs, &error))
    {
      fail_with (self, g_steal_pointer (&error));
      return -1;
    }

  if (self->incoming && !self->have_info_hash)
    {
      /* in_ready_cb() holds a reference while the owner looks us up. */
      if (self->handler == NULL || !self->handler->lookup (self->owner, self, hs.info_hash, &error))
        {
          if (error == NULL)
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Peer asked for a torrent we do not have");
          if (self->state != SHOAL_PEER_CONNECTION_CLOSED)
            fail_with (self, g_steal_pointer (&error));
          return -1;
        }
      if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
        return -1;
      memcpy (self->info_hash, hs.info_hash, 20);
      self->have_info_hash = TRUE;
    }
  else if (memcmp (hs.info_hash, self->info_hash, 20) != 0)
    {
      fail_with (self, g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
                                    "Peer answered with another info-hash"));
      return -1;
    }

  if (memcmp (hs.peer_id, self->our_peer_id, 20) == 0)
    {
      fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                                    "Connected to ourselves"));
      return -1;
    }

  memcpy (self->peer_id, hs.peer_id, 20);
  self->features = shoal_peer_wire_reserved_get_features (hs.reserved);
  if (!self->handshake_sent)
    send_handshake (self);
  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return -1;
  become_active (self);
  return self->state == SHOAL_PEER_CONNECTION_CLOSED ? -1 : (gssize) take;
}

/* Input */

static void
note_peer_has (ShoalPeerConnection        *self,
               const ShoalPeerWireMessage *msg,
               GError                    **error)
{
  if (!self->n_pieces_known &&
      (msg->type == SHOAL_PEER_WIRE_HAVE || msg->type == SHOAL_PEER_WIRE_BITFIELD ||
       msg->type == SHOAL_PEER_WIRE_HAVE_ALL || msg->type == SHOAL_PEER_WIRE_HAVE_NONE))
    {
      note_pending (self, msg, error);
      return;
    }

  switch (msg->type)
    {
    case SHOAL_PEER_WIRE_HAVE:
      if (msg->index >= self->n_pieces)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                       "Peer has piece %u of a torrent with %u pieces", msg->index, self->n_pieces);
          return;
        }
      shoal_bitfield_set (self->peer_has, msg->index, TRUE);
      break;

    case SHOAL_PEER_WIRE_BITFIELD:
      {
        ShoalBitfield *bits = shoal_bitfield_new_from_bytes (self->n_pieces, msg->payload,
                                                             msg->payload_len, error);

        if (bits == NULL)
          return;
        shoal_bitfield_free (self->peer_has);
        self->peer_has = bits;
        self->peer_has_all = shoal_bitfield_is_full (bits);
      }
      break;

    case SHOAL_PEER_WIRE_HAVE_ALL:
      shoal_bitfield_set_all (self->peer_has, TRUE);
      self->peer_has_all = TRUE;
      break;

    case SHOAL_PEER_WIRE_HAVE_NONE:
      shoal_bitfield_set_all (self->peer_has, FALSE);
      self->peer_has_all = FALSE;
      break;

    case SHOAL_PEER_WIRE_CHOKE:
      self->peer_choking = TRUE;
      break;
    case SHOAL_PEER_WIRE_UNCHOKE:
      self->peer_choking = FALSE;
      break;
    case SHOAL_PEER_WIRE_INTERESTED:
      self->peer_interested = TRUE;
      break;
    case SHOAL_PEER_WIRE_NOT_INTERESTED:
      self->peer_interested = FALSE;
      break;

    case SHOAL_PEER_WIRE_EXTENDED:
      if (msg->extended_id == 0)
        {
          ShoalPeerWireExtHandshake *ext = shoal_peer_wire_ext_handshake_parse (msg->payload,
                                                                                msg->payload_len,
                                                                                error);
          if (ext == NULL)
            return;
          g_clear_pointer (&self->ext, shoal_peer_wire_ext_handshake_free);
          self->ext = ext;
        }
      break;

    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_PIECE:
    case SHOAL_PEER_WIRE_CANCEL:
    case SHOAL_PEER_WIRE_PORT:
    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_REJECT:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
    case SHOAL_PEER_WIRE_KEEP_ALIVE:
    default:
      break;
    }
}

/* Returns FALSE if the connection was closed. */
static gboolean
feed_messages (ShoalPeerConnection *self,
               const guint8        *data,
               gsize                len)
{
  gsize off = 0;

  while (self->state == SHOAL_PEER_CONNECTION_ACTIVE)
    {
      ShoalPeerWireMessage msg;
      gsize consumed = 0;
      g_autoptr(GError) error = NULL;
      ShoalPeerWireDecodeResult r;

      r = shoal_peer_wire_decoder_decode (self->decoder, data + off, len - off, &consumed, &msg, &error);
      off += consumed;
      if (r == SHOAL_PEER_WIRE_DECODE_ERROR)
        {
          fail_with (self, g_steal_pointer (&error));
          return FALSE;
        }
      if (r == SHOAL_PEER_WIRE_DECODE_NEED_MORE)
        break;

      note_peer_has (self, &msg, &error);
      if (error != NULL)
        {
          fail_with (self, g_steal_pointer (&error));
          return FALSE;
        }
      if (self->handler && self->handler->message)
        self->handler->message (self->owner, self, &msg);
    }
  return self->state == SHOAL_PEER_CONNECTION_ACTIVE;
}

static guint64
download_allowance (ShoalPeerConnection *self,
                    gint64               now,
                    gint64              *wait_us)
{
  guint64 allowed = READ_CHUNK;

  *wait_us = 0;
  for (guint i = 0; i < MAX_LIMITS && self->down_limits[i]; i++)
    {
      guint64 avail = shoal_rate_limit_available (self->down_limits[i], now);

      if (avail < allowed)
        allowed = avail;
    }
  if (allowed == 0)
    {
      for (guint i = 0; i < MAX_LIMITS && self->down_limits[i]; i++)
        *wait_us = MAX (*wait_us, shoal_rate_limit_wait_us (self->down_limits[i], 4096));
      *wait_us = CLAMP (*wait_us, 1000, G_USEC_PER_SEC);
    }
  return allowed;
}

static gboolean
throttle_done_cb (gpointer user_data)
{
  ShoalPeerConnection *self = user_data;

  g_clear_pointer (&self->throttle_source, g_source_unref);
  start_reading (self);
  return G_SOURCE_REMOVE;
}

/* Plaintext BitTorrent bytes: the handshake, then messages. Returns FALSE
 * if the connection was closed. */
static gboolean
process_input (ShoalPeerConnection *self,
               const guint8        *data,
               gsize                len,
               gint64               now)
{
  gsize off = 0;

  if (self->state == SHOAL_PEER_CONNECTION_HANDSHAKING)
    {
      gssize used = feed_handshake (self, data, len);

      if (used < 0)
        return FALSE;
      off = (gsize) used;
    }
  if (off < len && self->state == SHOAL_PEER_CONNECTION_ACTIVE)
    {
      shoal_rate_add (&self->down_rate, now, (guint64) (len - off));
      if (!feed_messages (self, data + off, len - off))
        return FALSE;
    }
  return self->state != SHOAL_PEER_CONNECTION_CLOSED;
}

/* Bytes off the socket: detection of the handshake kind, the MSE handshake,
 * RC4 — then process_input(). @data may be modified in place. */
static gboolean
receive_transport (ShoalPeerConnection *self,
                   guint8              *data,
                   gsize                len,
                   gint64               now)
{
  if (self->detecting)
    {
      ShoalMseDetect kind;

      g_byte_array_append (self->detect_buf, data, len);
      kind = shoal_mse_detect (self->detect_buf->data, self->detect_buf->len);
      if (kind == SHOAL_MSE_DETECT_NEED_MORE)
        return TRUE;
      self->detecting = FALSE;
      if (kind == SHOAL_MSE_DETECT_PLAINTEXT)
        {
          g_autoptr(GByteArray) buf = g_steal_pointer (&self->detect_buf);

          if (!shoal_encryption_policy_accepts_plaintext (self->policy))
            {
              fail_with (self, g_error_new (SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_NO_COMMON_METHOD,
                                            "Peer does not encrypt, and encryption is required"));
              return FALSE;
            }
          return process_input (self, buf->data, buf->len, now);
        }
      else
        {
          g_autoptr(GByteArray) buf = g_steal_pointer (&self->detect_buf);

          self->mse = shoal_mse_new_receiver (self->policy, self->find_torrent, self->find_torrent_data);
          return receive_transport (self, buf->data, buf->len, now);
        }
    }

  if (self->mse != NULL && !self->mse_done)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) payload = NULL;
      ShoalMseStatus status = shoal_mse_feed (self->mse, data, len, out, &error);

      if (out->len > 0)
        {
          queue_raw (self, out);
          flush_output (self);
        }
      if (status == SHOAL_MSE_STATUS_FAILED)
        {
          fail_with (self, g_steal_pointer (&error));
          return FALSE;
        }
      if (status == SHOAL_MSE_STATUS_NEED_MORE)
        return self->state != SHOAL_PEER_CONNECTION_CLOSED;

      self->mse_done = TRUE;
      self->rc4 = shoal_mse_get_method (self->mse) == SHOAL_MSE_METHOD_RC4;
      payload = shoal_mse_steal_payload (self->mse);
      if (payload != NULL && g_bytes_get_size (payload) > 0)
        {
          gsize plen;
          g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (payload, &plen), g_bytes_get_size (payload));

          return process_input (self, copy, plen, now);
        }
      return TRUE;
    }

  if (self->rc4)
    shoal_mse_decrypt (self->mse, data, len);
  return process_input (self, data, len, now);
}

static gboolean
read_available (ShoalPeerConnection *self)
{
  gint64 now = g_get_monotonic_time ();
  guint rounds = 0;

  /* Read a bounded amount per dispatch so one fast peer cannot starve the
   * main loop: 2 MiB, or 1 MiB when it must also be decrypted. */
  guint max_rounds = self->rc4 ? 4 : 8;

  while (rounds++ < max_rounds && self->state != SHOAL_PEER_CONNECTION_CLOSED)
    {
      g_autoptr(GError) error = NULL;
      gint64 wait_us = 0;
      guint64 allowed;
      gssize n;

      if (shoal_peer_connection_output_full (self))
        {
          /* What the peer sends next would only ask for more: leave it in
           * the socket until ours drains (flush_output() reads again). */
          if (self->in_source)
            g_source_destroy (self->in_source);
          g_clear_pointer (&self->in_source, g_source_unref);
          self->paused_for_output = TRUE;
          return G_SOURCE_REMOVE;
        }

      allowed = self->state == SHOAL_PEER_CONNECTION_ACTIVE ? download_allowance (self, now, &wait_us) : READ_CHUNK;
      if (allowed == 0)
        {
          /* Over the limit: stop watching the socket until tokens return. */
          if (self->in_source)
            g_source_destroy (self->in_source);
          g_clear_pointer (&self->in_source, g_source_unref);
          self->throttle_source = g_timeout_source_new ((guint) (wait_us / 1000) + 1);
          g_source_set_callback (self->throttle_source, throttle_done_cb, self, NULL);
          g_source_attach (self->throttle_source, g_main_context_get_thread_default ());
          return G_SOURCE_REMOVE;
        }

      n = g_socket_receive (self->socket, (char *) self->read_buf, MIN (allowed, READ_CHUNK), NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          fail_with (self, g_steal_pointer (&error));
          return G_SOURCE_REMOVE;
        }
      if (n == 0)
        {
          shoal_peer_connection_close (self, NULL);
          return G_SOURCE_REMOVE;
        }

      self->last_received_us = now;
      for (guint i = 0; i < MAX_LIMITS && self->down_limits[i]; i++)
        shoal_rate_limit_consume (self->down_limits[i], (guint64) n);

      if (!receive_transport (self, self->read_buf, (gsize) n, now))
        return G_SOURCE_REMOVE;
      if ((gsize) n < READ_CHUNK)
        break;
    }

  return self->state == SHOAL_PEER_CONNECTION_CLOSED ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
in_ready_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ShoalPeerConnection *self = g_object_ref (user_data);
  gboolean again;

  /* The owner may drop its reference from inside a message handler. */
  again = read_available (self);
  g_object_unref (self);
  return again;
}

static void
start_reading (ShoalPeerConnection *self)
{
  if (self->in_source != NULL || self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  if (self->read_buf == NULL)
    self->read_buf = g_malloc (READ_CHUNK);
  self->in_source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, self->cancellable);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (in_ready_cb), self, NULL);
  g_source_attach (self->in_source, g_main_context_get_thread_default ());
}

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
        fail_with (self, g_steal_pointer (&error));
      return;
    }
  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      g_object_unref (connection);
      return;
    }

  self->connection = connection;
  self->socket = g_socket_connection_get_socket (connection);
  g_socket_set_blocking (self->socket, FALSE);
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
      queue_raw (self, out);
      self->handshake_sent = TRUE;
      flush_output (self);
    }
  else
    send_handshake (self);
  start_reading (self);
}

/**
 * shoal_peer_connection_start:
 * @self: a connection with a handler set
 *
 * Dials (outgoing) or starts reading the handshake (incoming).
 */
void
shoal_peer_connection_start (ShoalPeerConnection *self)
{
  g_return_if_fail (self->handler != NULL);

  if (self->incoming)
    {
      g_socket_set_blocking (self->socket, FALSE);
      start_reading (self);
    }
  else
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();

      g_socket_client_set_timeout (client, SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT);
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
  const ShoalPeerLimits *limits = limits_of (self);
  gsize pending = shoal_peer_connection_get_pending_output (self);

  if (self->output_overflow && self->state != SHOAL_PEER_CONNECTION_CLOSED)
    {
      fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                                    "Peer does not read what we send: more than %" G_GUINT64_FORMAT " bytes queued",
                                    OUTPUT_OVERFLOW_FACTOR * limits->max_output));
      return;
    }
  if (pending > 0 && now_us - self->output_since_us > limits->stall_timeout_us &&
      (self->state == SHOAL_PEER_CONNECTION_HANDSHAKING || self->state == SHOAL_PEER_CONNECTION_ACTIVE))
    {
      fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                    "Peer stopped reading: nothing of %" G_GSIZE_FORMAT " queued bytes could be sent for %" G_GINT64_FORMAT " s",
                                    pending, limits->stall_timeout_us / G_USEC_PER_SEC));
      return;
    }

  switch (self->state)
    {
    case SHOAL_PEER_CONNECTION_CONNECTING:
      if (now_us - self->started_us > (SHOAL_PEER_CONNECTION_HANDSHAKE_TIMEOUT + 5) * G_USEC_PER_SEC)
        fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Connection timed out"));
      break;
    case SHOAL_PEER_CONNECTION_HANDSHAKING:
      /* From the start, not from the last byte: a peer dripping one byte
       * now and then must not hold a slot for ever. */
      if (now_us - self->handshake_started_us > limits->handshake_timeout_us)
        fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Handshake not done in %" G_GINT64_FORMAT " s",
                                      limits->handshake_timeout_us / G_USEC_PER_SEC));
      break;
    case SHOAL_PEER_CONNECTION_ACTIVE:
      /* Not read while our output is full: the stall timeout is the judge. */
      if (!self->paused_for_output &&
          now_us - self->last_received_us > SHOAL_PEER_CONNECTION_IDLE_TIMEOUT * G_USEC_PER_SEC)
        fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Peer went silent"));
      else if (now_us - self->last_sent_us > SHOAL_PEER_CONNECTION_KEEPALIVE * G_USEC_PER_SEC &&
               shoal_peer_connection_get_pending_output (self) == 0)
        {
          g_autoptr(GByteArray) msg = g_byte_array_new ();

          shoal_peer_wire_encode_keep_alive (msg);
          send_message_bytes (self, msg);
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

/* Sending */

void
shoal_peer_connection_set_choking (ShoalPeerConnection *self,
                                   gboolean             choking)
{
  g_autoptr(GByteArray) msg = NULL;

  if (self->am_choking == !!choking)
    return;
  self->am_choking = !!choking;
  msg = g_byte_array_new ();
  shoal_peer_wire_encode_simple (msg, choking ? SHOAL_PEER_WIRE_CHOKE : SHOAL_PEER_WIRE_UNCHOKE);
  send_message_bytes (self, msg);
}

void
shoal_peer_connection_set_interested (ShoalPeerConnection *self,
                                      gboolean             interested)
{
  g_autoptr(GByteArray) msg = NULL;

  if (self->am_interested == !!interested)
    return;
  self->am_interested = !!interested;
  msg = g_byte_array_new ();
  shoal_peer_wire_encode_simple (msg, interested ? SHOAL_PEER_WIRE_INTERESTED : SHOAL_PEER_WIRE_NOT_INTERESTED);
  send_message_bytes (self, msg);
}

void
shoal_peer_connection_send_have (ShoalPeerConnection *self,
                                 guint32              piece)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_have (msg, piece);
  send_message_bytes (self, msg);
}

/**
 * shoal_peer_connection_send_bitfield:
 * @self: a connection
 * @have: our pieces
 *
 * Uses have-all / have-none when the peer speaks the Fast extension.
 */
void
shoal_peer_connection_send_bitfield (ShoalPeerConnection *self,
                                     const ShoalBitfield *have)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  gboolean fast = (shoal_peer_connection_get_features (self) & SHOAL_PEER_WIRE_FEATURE_FAST) != 0;

  if (shoal_bitfield_get_size (have) == 0)
    {
      /* No metainfo yet: we have nothing. */
      if (fast)
        shoal_peer_wire_encode_simple (msg, SHOAL_PEER_WIRE_HAVE_NONE);
    }
  else if (fast && shoal_bitfield_is_full (have))
    shoal_peer_wire_encode_simple (msg, SHOAL_PEER_WIRE_HAVE_ALL);
  else if (fast && shoal_bitfield_is_empty (have))
    shoal_peer_wire_encode_simple (msg, SHOAL_PEER_WIRE_HAVE_NONE);
  else if (!shoal_bitfield_is_empty (have))
    {
      gsize len;
      const guint8 *bytes = shoal_bitfield_get_bytes (have, &len);

      shoal_peer_wire_encode_bitfield (msg, bytes, len);
    }
  if (msg->len > 0)
    send_message_bytes (self, msg);
}

void
shoal_peer_connection_send_request (ShoalPeerConnection *self,
                                    guint32              piece,
                                    guint32              begin,
                                    guint32              length)
{
  g_autoptr(GByteArray) msg = g_byte_array_sized_new (17);

  shoal_peer_wire_encode_request (msg, piece, begin, length);
  /* Requests go out in batches: let the caller flush by sending the last. */
  queue_bytes (self, msg->data, msg->len);
}

void
shoal_peer_connection_send_cancel (ShoalPeerConnection *self,
                                   guint32              piece,
                                   guint32              begin,
                                   guint32              length)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_cancel (msg, piece, begin, length);
  send_message_bytes (self, msg);
}

void
shoal_peer_connection_send_reject (ShoalPeerConnection *self,
                                   guint32              piece,
                                   guint32              begin,
                                   guint32              length)
{
  g_autoptr(GByteArray) msg = NULL;

  /* A peer that does not read its rejects gets no more of them. */
  if (!(shoal_peer_connection_get_features (self) & SHOAL_PEER_WIRE_FEATURE_FAST) ||
      shoal_peer_connection_output_full (self))
    return;
  msg = g_byte_array_new ();
  shoal_peer_wire_encode_reject (msg, piece, begin, length);
  send_message_bytes (self, msg);
}

void
shoal_peer_connection_send_piece (ShoalPeerConnection *self,
                                  guint32              piece,
                                  guint32              begin,
                                  GBytes              *block)
{
  guint8 header[13];
  gsize len;
  const guint8 *data = g_bytes_get_data (block, &len);
  gint64 now = g_get_monotonic_time ();

  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  shoal_peer_wire_encode_piece_header (header, piece, begin, len);
  queue_bytes (self, header, sizeof header);
  queue_bytes (self, data, len);
  shoal_rate_add (&self->up_rate, now, len);
  for (guint i = 0; i < MAX_LIMITS && self->up_limits[i]; i++)
    shoal_rate_limit_consume (self->up_limits[i], len);
  flush_output (self);
}

void
shoal_peer_connection_send_extended (ShoalPeerConnection *self,
                                     guint8               id,
                                     const guint8        *payload,
                                     gsize                len)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_extended (msg, id, payload, len);
  send_message_bytes (self, msg);
}

/**
 * shoal_peer_connection_flush:
 * @self: a connection
 *
 * Sends what was queued with shoal_peer_connection_send_request().
 */
void
shoal_peer_connection_flush (ShoalPeerConnection *self)
{
  flush_output (self);
}

/**
 * shoal_peer_connection_upload_allowance:
 * @self: a connection
 *
 * Returns: how many bytes of piece data the upload limits allow now
 */
guint64
shoal_peer_connection_upload_allowance (ShoalPeerConnection *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 allowed = G_MAXUINT64;

  for (guint i = 0; i < MAX_LIMITS && self->up_limits[i]; i++)
    allowed = MIN (allowed, shoal_rate_limit_available (self->up_limits[i], now));
  return allowed;
}
