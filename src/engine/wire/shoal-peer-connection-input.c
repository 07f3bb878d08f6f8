/* shoal-peer-connection-input.c: a peer connection's handshake and input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the peer connection (shoal-peer-connection-private.h): telling a
 * plaintext handshake from MSE on incoming connections, the MSE handshake,
 * the BitTorrent handshake, then reading within the download limits and
 * decoding messages for the owner's handler.
 */
#include "config.h"

#include <string.h>

#define SHOAL_PEER_CONNECTION_INSIDE
#include "shoal-peer-connection-private.h"

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
    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASHES:
    case SHOAL_PEER_WIRE_HASH_REJECT:
    case SHOAL_PEER_WIRE_KEEP_ALIVE:
    default:
      break;
    }
}

/* Handshake */

void
_shoal_peer_connection_send_handshake (ShoalPeerConnection *self)
{
  ShoalPeerWireHandshake hs = { { 0 } };
  guint8 buf[SHOAL_PEER_WIRE_HANDSHAKE_LEN];

  shoal_peer_wire_reserved_set_features (hs.reserved, self->our_features);
  memcpy (hs.info_hash, self->info_hash, 20);
  memcpy (hs.peer_id, self->our_peer_id, 20);
  shoal_peer_wire_handshake_encode (&hs, buf);
  _shoal_peer_connection_queue_bytes (self, buf, sizeof buf);
  self->handshake_sent = TRUE;
  _shoal_peer_connection_flush_output (self);
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
  g_debug ("Peer %s: handshake done (%s, %s%s%s)", self->address, self->client,
           self->mse == NULL ? "plaintext" : self->rc4 ? "RC4" : "MSE, plaintext payload",
           (common & SHOAL_PEER_WIRE_FEATURE_FAST) ? ", fast" : "",
           (common & SHOAL_PEER_WIRE_FEATURE_EXTENSION) ? ", extensions" : "");

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
      _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
      return -1;
    }
  if (self->handshake_got < SHOAL_PEER_WIRE_HANDSHAKE_LEN)
    return (gssize) take;

  if (!shoal_peer_wire_handshake_parse (self->handshake_buf, self->handshake_got, &hs, &error))
    {
      _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
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
            _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
          return -1;
        }
      if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
        return -1;
      memcpy (self->info_hash, hs.info_hash, 20);
      self->have_info_hash = TRUE;
    }
  else if (memcmp (hs.info_hash, self->info_hash, 20) != 0 && self->have_alt_info_hash &&
           memcmp (hs.info_hash, self->alt_info_hash, 20) == 0)
    memcpy (self->info_hash, hs.info_hash, 20);
  else if (memcmp (hs.info_hash, self->info_hash, 20) != 0)
    {
      _shoal_peer_connection_fail_with (self, g_error_new (SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
                                                           "Peer answered with another info-hash"));
      return -1;
    }

  if (memcmp (hs.peer_id, self->our_peer_id, 20) == 0)
    {
      _shoal_peer_connection_fail_with (self, g_error_new (G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                                                           "Connected to ourselves"));
      return -1;
    }

  memcpy (self->peer_id, hs.peer_id, 20);
  self->features = shoal_peer_wire_reserved_get_features (hs.reserved);
  if (!self->handshake_sent)
    _shoal_peer_connection_send_handshake (self);
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
    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASHES:
    case SHOAL_PEER_WIRE_HASH_REJECT:
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
          _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
          return FALSE;
        }
      if (r == SHOAL_PEER_WIRE_DECODE_NEED_MORE)
        break;

      note_peer_has (self, &msg, &error);
      if (error != NULL)
        {
          _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
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
  _shoal_peer_connection_start_reading (self);
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

          g_debug ("Peer %s: incoming plaintext handshake", self->address);
          if (!shoal_encryption_policy_accepts_plaintext (self->policy))
            {
              _shoal_peer_connection_fail_with (self, g_error_new (SHOAL_MSE_ERROR, SHOAL_MSE_ERROR_NO_COMMON_METHOD,
                                                                   "Peer does not encrypt, and encryption is required"));
              return FALSE;
            }
          return process_input (self, buf->data, buf->len, now);
        }
      else
        {
          g_autoptr(GByteArray) buf = g_steal_pointer (&self->detect_buf);

          g_debug ("Peer %s: incoming MSE handshake", self->address);
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
          _shoal_peer_connection_queue_raw (self, out);
          _shoal_peer_connection_flush_output (self);
        }
      if (status == SHOAL_MSE_STATUS_FAILED)
        {
          _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
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
           * the socket until ours drains (_shoal_peer_connection_flush_output() reads again). */
          if (self->in_source)
            g_source_destroy (self->in_source);
          g_clear_pointer (&self->in_source, g_source_unref);
          if (!self->paused_for_output)
            g_debug ("Peer %s: not read while %" G_GSIZE_FORMAT " bytes wait to be sent to it",
                     self->address, (gsize) (self->out->len - self->out_pos));
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

      n = shoal_transport_receive (self->transport, self->read_buf, MIN (allowed, READ_CHUNK), &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
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
in_ready_cb (gpointer      source_object,
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

void
_shoal_peer_connection_start_reading (ShoalPeerConnection *self)
{
  if (self->in_source != NULL || self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  if (self->read_buf == NULL)
    self->read_buf = g_malloc (READ_CHUNK);
  self->in_source = shoal_transport_create_source (self->transport, G_IO_IN | G_IO_HUP | G_IO_ERR, self->cancellable);
  g_source_set_callback (self->in_source, G_SOURCE_FUNC (in_ready_cb), self, NULL);
  g_source_attach (self->in_source, g_main_context_get_thread_default ());
}
