/* shoal-peer-connection-output.c: a peer connection's output queue and sends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the peer connection (shoal-peer-connection-private.h): the
 * output buffer, its per-peer and shared bounds, flushing it with
 * non-blocking sends within the upload limits, and every message the owner
 * sends (choke, interest, have, bitfield, requests, pieces, extended).
 */
#include "config.h"

#include <string.h>

#define SHOAL_PEER_CONNECTION_INSIDE
#include "shoal-peer-connection-private.h"

/* Output */

/* Keeps the shared count of queued bytes in step with ours. */
void
_shoal_peer_connection_account_output (ShoalPeerConnection *self)
{
  guint64 pending = self->out->len - self->out_pos;

  if (self->limits != NULL)
    self->limits->queued = self->limits->queued - self->accounted + pending;
  self->accounted = pending;
}

/* A closed connection queues nothing: free the memory and the share. */
void
_shoal_peer_connection_release_output (ShoalPeerConnection *self)
{
  if (self->out == NULL)
    return;
  g_byte_array_set_size (self->out, 0);
  self->out_pos = 0;
  _shoal_peer_connection_account_output (self);
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
  if (pending + len > OUTPUT_OVERFLOW_FACTOR * _shoal_peer_connection_limits_of (self)->max_output)
    {
      /* Closing from here could pull the connection out of an array the
       * caller is walking: the next tick closes it. */
      g_debug ("Peer %s: %" G_GSIZE_FORMAT " bytes wait to be sent to it: closing at the next tick",
               self->address, pending + len);
      self->output_overflow = TRUE;
      return FALSE;
    }
  if (pending == 0)
    self->output_since_us = g_get_monotonic_time ();
  return TRUE;
}

void
_shoal_peer_connection_queue_bytes (ShoalPeerConnection *self,
                                    const guint8        *data,
                                    gsize                len)
{
  guint old = self->out->len;

  if (!make_room (self, len))
    return;
  g_byte_array_append (self->out, data, len);
  if (self->rc4)
    shoal_mse_encrypt (self->mse, self->out->data + old, len);
  _shoal_peer_connection_account_output (self);
}

/* Bytes the MSE state machine produced: already in their final form. */
void
_shoal_peer_connection_queue_raw (ShoalPeerConnection *self,
                                  GByteArray          *bytes)
{
  if (!make_room (self, bytes->len))
    return;
  g_byte_array_append (self->out, bytes->data, bytes->len);
  _shoal_peer_connection_account_output (self);
}

static gboolean
out_ready_cb (gpointer      source_object,
              GIOCondition  condition,
              gpointer      user_data)
{
  ShoalPeerConnection *self = user_data;

  g_clear_pointer (&self->out_source, g_source_unref);
  _shoal_peer_connection_flush_output (self);
  return G_SOURCE_REMOVE;
}

void
_shoal_peer_connection_flush_output (ShoalPeerConnection *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean drained = FALSE;

  if (self->transport == NULL || self->state == SHOAL_PEER_CONNECTION_CLOSED ||
      self->state == SHOAL_PEER_CONNECTION_CONNECTING)
    return;

  while (self->out_pos < self->out->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = shoal_transport_send (self->transport, self->out->data + self->out_pos,
                                       self->out->len - self->out_pos, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          _shoal_peer_connection_fail_with (self, g_steal_pointer (&error));
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
  _shoal_peer_connection_account_output (self);

  /* Reading stopped while too much was queued: TCP made the peer wait. */
  if (self->paused_for_output && !shoal_peer_connection_output_full (self))
    {
      self->paused_for_output = FALSE;
      if (self->throttle_source == NULL)
        _shoal_peer_connection_start_reading (self);
    }

  if (!drained && self->out_source == NULL)
    {
      self->out_source = shoal_transport_create_source (self->transport, G_IO_OUT, self->cancellable);
      g_source_set_callback (self->out_source, G_SOURCE_FUNC (out_ready_cb), self, NULL);
      g_source_attach (self->out_source, g_main_context_get_thread_default ());
    }

  if (drained && self->state == SHOAL_PEER_CONNECTION_ACTIVE &&
      self->handler && self->handler->writable)
    self->handler->writable (self->owner, self);
}

void
_shoal_peer_connection_send_message_bytes (ShoalPeerConnection *self,
                                           GByteArray          *msg)
{
  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  _shoal_peer_connection_queue_bytes (self, msg->data, msg->len);
  _shoal_peer_connection_flush_output (self);
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
  _shoal_peer_connection_send_message_bytes (self, message);
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
  const ShoalPeerLimits *limits = _shoal_peer_connection_limits_of (self);
  gsize pending = shoal_peer_connection_get_pending_output (self);

  if (self->output_overflow)
    return TRUE;
  return pending >= limits->max_output ||
         (pending > 0 && self->limits != NULL && self->limits->queued >= limits->max_total_output);
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
  _shoal_peer_connection_send_message_bytes (self, msg);
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
  _shoal_peer_connection_send_message_bytes (self, msg);
}

void
shoal_peer_connection_send_have (ShoalPeerConnection *self,
                                 guint32              piece)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_have (msg, piece);
  _shoal_peer_connection_send_message_bytes (self, msg);
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
    _shoal_peer_connection_send_message_bytes (self, msg);
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
  _shoal_peer_connection_queue_bytes (self, msg->data, msg->len);
}

void
shoal_peer_connection_send_cancel (ShoalPeerConnection *self,
                                   guint32              piece,
                                   guint32              begin,
                                   guint32              length)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_cancel (msg, piece, begin, length);
  _shoal_peer_connection_send_message_bytes (self, msg);
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
  _shoal_peer_connection_send_message_bytes (self, msg);
}

/**
 * shoal_peer_connection_queue_piece:
 * @self: a connection
 * @piece: the piece index
 * @begin: where the block starts in the piece
 * @data: (array length=len): the block
 * @len: its length
 *
 * Queues a piece message without sending it: several blocks queued then
 * sent with shoal_peer_connection_flush() leave in one send call, as
 * large TCP segments.
 */
void
shoal_peer_connection_queue_piece (ShoalPeerConnection *self,
                                   guint32              piece,
                                   guint32              begin,
                                   const guint8        *data,
                                   gsize                len)
{
  guint8 header[13];
  gint64 now = g_get_monotonic_time ();

  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  shoal_peer_wire_encode_piece_header (header, piece, begin, len);
  _shoal_peer_connection_queue_bytes (self, header, sizeof header);
  _shoal_peer_connection_queue_bytes (self, data, len);
  shoal_rate_add (&self->up_rate, now, len);
  for (guint i = 0; i < MAX_LIMITS && self->up_limits[i]; i++)
    shoal_rate_limit_consume (self->up_limits[i], len);
}

void
shoal_peer_connection_send_piece (ShoalPeerConnection *self,
                                  guint32              piece,
                                  guint32              begin,
                                  GBytes              *block)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (block, &len);

  if (self->state == SHOAL_PEER_CONNECTION_CLOSED)
    return;
  shoal_peer_connection_queue_piece (self, piece, begin, data, len);
  _shoal_peer_connection_flush_output (self);
}

void
shoal_peer_connection_send_extended (ShoalPeerConnection *self,
                                     guint8               id,
                                     const guint8        *payload,
                                     gsize                len)
{
  g_autoptr(GByteArray) msg = g_byte_array_new ();

  shoal_peer_wire_encode_extended (msg, id, payload, len);
  _shoal_peer_connection_send_message_bytes (self, msg);
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
  _shoal_peer_connection_flush_output (self);
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
