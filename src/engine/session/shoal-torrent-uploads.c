/* shoal-torrent-uploads.c: what a torrent uploads: the requests peers
 * send us, the reads that answer them, and which peers are unchoked (the
 * policy is shoal-choker.c; this gathers its input and applies its result)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-choker.h"
#include "shoal-torrent-private.h"

#define MAX_READS_IN_FLIGHT   8
#define MAX_PENDING_OUTPUT    (1024 * 1024)
/* Requests for consecutive blocks of one piece are read in one go, up to
 * this many bytes, and their piece messages leave in one send. */
#define MAX_READ_RUN          (128 * 1024)
#define MAX_RUN_BLOCKS        16

/* Requests the peer sends us */

typedef struct
{
  ShoalTorrent        *torrent;
  ShoalPeerConnection *conn;
  guint                piece;
  guint64              begin;    /* of the first block */
  guint64              length;   /* of the whole run */
  guint                n_blocks;
  guint32              lengths[MAX_RUN_BLOCKS];
} ReadData;

static void
reject_run (ReadData *rd)
{
  guint64 begin = rd->begin;

  for (guint i = 0; i < rd->n_blocks; i++)
    {
      shoal_peer_connection_send_reject (rd->conn, rd->piece, (guint32) begin, rd->lengths[i]);
      begin += rd->lengths[i];
    }
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ReadData *rd = user_data;
  ShoalTorrent *self = rd->torrent;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = shoal_storage_read_block_finish (SHOAL_STORAGE (source), result, &error);

  /* Changed on disk since it was checked: not served, fetched again. */
  if (g_error_matches (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH) &&
      _shoal_torrent_is_active (self))
    _shoal_torrent_piece_lost (self, rd->piece);

  if (shoal_peer_connection_get_state (rd->conn) == SHOAL_PEER_CONNECTION_ACTIVE)
    {
      ShoalPeerState *ps = _shoal_torrent_peer_state (rd->conn);

      ps->reads_in_flight--;
      if (block != NULL && !shoal_peer_connection_am_choking (rd->conn))
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (block, &len);
          gint64 now = g_get_monotonic_time ();
          guint64 off = 0;

          g_assert (len == rd->length);
          for (guint i = 0; i < rd->n_blocks; i++)
            {
              shoal_peer_connection_queue_piece (rd->conn, rd->piece, (guint32) (rd->begin + off),
                                                 data + off, rd->lengths[i]);
              off += rd->lengths[i];
            }
          shoal_peer_connection_flush (rd->conn);
          ps->uploaded += len;
          self->uploaded += len;
          self->session_uploaded += len;
          shoal_rate_add (&self->up_rate, now, len);
        }
      if (g_error_matches (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH))
        {
          reject_run (rd);
          _shoal_torrent_pump_uploads (ps);
        }
      else if (block == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
               _shoal_torrent_is_active (self))
        {
          /* The data we were seeding is gone or unreadable: the user must
           * know, and we must not claim pieces we cannot serve. */
          _shoal_torrent_set_error (self, error);
        }
      else
        _shoal_torrent_pump_uploads (ps);
    }

  g_object_unref (rd->conn);
  g_object_unref (rd->torrent);
  g_free (rd);
}

void
_shoal_torrent_pump_uploads (ShoalPeerState *ps)
{
  ShoalTorrent *self = ps->torrent;

  while (ps->reads_in_flight < MAX_READS_IN_FLIGHT &&
         !g_queue_is_empty (&ps->uploads) &&
         shoal_peer_connection_get_pending_output (ps->conn) < MAX_PENDING_OUTPUT &&
         !shoal_peer_connection_output_full (ps->conn) &&
         !shoal_peer_connection_am_choking (ps->conn))
    {
      ShoalBlock *b = g_queue_peek_head (&ps->uploads);
      guint64 allowance = shoal_peer_connection_upload_allowance (ps->conn);
      ReadData *rd;

      if (allowance < b->length)
        break; /* the tick tries again when tokens are back */

      rd = g_new0 (ReadData, 1);
      rd->torrent = g_object_ref (self);
      rd->conn = g_object_ref (ps->conn);
      rd->piece = b->piece;
      rd->begin = b->begin;
      /* Take the head, then the requests that continue it in the same
       * piece, within the run's bound and the upload allowance. */
      while (b != NULL && rd->n_blocks < MAX_RUN_BLOCKS &&
             b->piece == rd->piece && b->begin == rd->begin + rd->length &&
             (rd->n_blocks == 0 || (rd->length + b->length <= MAX_READ_RUN &&
                                    rd->length + b->length <= allowance)))
        {
          rd->lengths[rd->n_blocks++] = b->length;
          rd->length += b->length;
          g_free (g_queue_pop_head (&ps->uploads));
          b = g_queue_peek_head (&ps->uploads);
        }
      ps->reads_in_flight++;
      shoal_storage_read_block_async (self->storage, rd->piece, rd->begin, rd->length,
                                      self->cancellable, read_done_cb, rd);
    }
}

void
_shoal_torrent_handle_request (ShoalTorrent               *self,
                               ShoalPeerState             *ps,
                               const ShoalPeerWireMessage *msg)
{
  g_autoptr(GError) error = NULL;
  ShoalBlock *b;

  if (self->info == NULL)
    {
      shoal_peer_connection_send_reject (ps->conn, msg->index, msg->begin, msg->length);
      return;
    }
  if (!shoal_peer_wire_validate_request (msg->index, msg->begin, msg->length,
                                         shoal_metainfo_get_n_pieces (self->info),
                                         shoal_metainfo_get_piece_length (self->info),
                                         shoal_metainfo_get_total_length (self->info), &error))
    {
      shoal_peer_connection_close (ps->conn, error);
      return;
    }
  /* A piece we announced, then found bad on disk: a peer that cannot be
   * told (no lt_donthave) comes back to learn what we have now. */
  if (!shoal_piece_picker_has_piece (self->picker, msg->index) &&
      self->lost_pieces != NULL && shoal_bitfield_get (self->lost_pieces, msg->index) &&
      !_shoal_torrent_peer_hears_dont_have (ps))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   "Asked for piece %u, which we announced and no longer have", msg->index);
      shoal_peer_connection_close (ps->conn, error);
      return;
    }
  if (shoal_peer_connection_am_choking (ps->conn) ||
      !shoal_piece_picker_has_piece (self->picker, msg->index) ||
      g_queue_get_length (&ps->uploads) >= SHOAL_PEER_CONNECTION_MAX_UPLOAD_QUEUE)
    {
      shoal_peer_connection_send_reject (ps->conn, msg->index, msg->begin, msg->length);
      return;
    }
  b = g_new (ShoalBlock, 1);
  b->piece = msg->index;
  b->begin = msg->begin;
  b->length = msg->length;
  g_queue_push_tail (&ps->uploads, b);
  _shoal_torrent_pump_uploads (ps);
}

void
_shoal_torrent_handle_cancel (ShoalPeerState             *ps,
                              const ShoalPeerWireMessage *msg)
{
  for (GList *l = ps->uploads.head; l != NULL; l = l->next)
    {
      ShoalBlock *b = l->data;

      if (b->piece == msg->index && b->begin == msg->begin && b->length == msg->length)
        {
          g_queue_delete_link (&ps->uploads, l);
          g_free (b);
          return;
        }
    }
}

void
_shoal_torrent_drop_uploads (ShoalPeerState *ps)
{
  ShoalBlock *b;

  while ((b = g_queue_pop_head (&ps->uploads)) != NULL)
    g_free (b);
}

/* Choking */

guint
_shoal_torrent_count_unchoked (ShoalTorrent *self)
{
  guint n = 0;

  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];

      if (shoal_peer_connection_get_state (c) == SHOAL_PEER_CONNECTION_ACTIVE &&
          !shoal_peer_connection_am_choking (c))
        n++;
    }
  return n;
}

/**
 * _shoal_torrent_choke:
 * @self: a torrent
 * @rotate_optimistic: pick a new optimistic unchoke (every 30 s)
 *
 * Unchokes the peers shoal_choker_run() picks among the interested ones
 * (SHOAL_TORRENT_UNCHOKE_SLOTS - 1 by rate, plus one optimistic unchoke),
 * and chokes the rest.
 */
void
_shoal_torrent_choke (ShoalTorrent *self,
                      gboolean      rotate_optimistic)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_new ();
  g_autoptr(GArray) peers = g_array_new (FALSE, TRUE, sizeof (ShoalChokerPeer));
  g_autofree guint *order = NULL;
  ShoalChokerSettings settings = {
    .slots = SHOAL_TORRENT_UNCHOKE_SLOTS,
    .seeding = self->state == SHOAL_TORRENT_STATE_SEEDING,
    .rotate_optimistic = rotate_optimistic,
  };
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];
      ShoalChokerPeer p = { 0 };

      if (shoal_peer_connection_get_state (c) != SHOAL_PEER_CONNECTION_ACTIVE)
        continue;
      if (!shoal_peer_connection_peer_interested (c))
        {
          shoal_peer_connection_set_choking (c, TRUE);
          continue;
        }
      p.interested = TRUE;
      p.optimistic = _shoal_torrent_peer_state (c)->optimistic;
      p.down_rate = shoal_rate_get (shoal_peer_connection_get_down_rate (c), now);
      p.up_rate = shoal_rate_get (shoal_peer_connection_get_up_rate (c), now);
      g_ptr_array_add (conns, c);
      g_array_append_val (peers, p);
    }

  order = g_new (guint, MAX (peers->len, 1));
  shoal_choker_run ((ShoalChokerPeer *) (gpointer) peers->data, peers->len, &settings, NULL, order);

  for (guint r = 0; r < peers->len; r++)
    {
      ShoalPeerConnection *c = conns->pdata[order[r]];
      const ShoalChokerPeer *p = &g_array_index (peers, ShoalChokerPeer, order[r]);
      ShoalPeerState *ps = _shoal_torrent_peer_state (c);

      ps->optimistic = p->optimistic;
      if (p->unchoke && shoal_peer_connection_am_choking (c))
        ps->unchoked_at_us = g_get_monotonic_time ();
      shoal_peer_connection_set_choking (c, !p->unchoke);
      if (!p->unchoke)
        _shoal_torrent_drop_uploads (ps);
      else
        _shoal_torrent_pump_uploads (ps);
    }
}
