/* shoal-piece-picker-blocks.c: partial pieces and each requested block
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the piece picker (shoal-piece-picker-private.h): the per-block
 * state of the pieces in flight (who asked for a block, who timed out, who
 * delivered it), and what a received, cancelled, rejected or timed-out
 * block, a departing peer and a failed or verified piece do to it.
 */
#include "config.h"

#include <string.h>

#define SHOAL_PIECE_PICKER_INSIDE
#include "shoal-piece-picker-private.h"

/* Blocks */

gint
_shoal_piece_picker_block_find (const BlockState *bs,
                                gpointer          peer,
                                guint             from,
                                guint             to)
{
  for (guint i = from; i < to; i++)
    if (bs->peers[i] == peer)
      return (gint) i;
  return -1;
}

static void
block_remove_at (BlockState *bs,
                 guint       i)
{
  guint total = (guint) bs->n_active + bs->n_stale;

  g_assert (i < total);
  if (i < bs->n_active)
    bs->n_active--;
  else
    bs->n_stale--;
  memmove (&bs->peers[i], &bs->peers[i + 1], (total - i - 1) * sizeof (gpointer));
  bs->peers[total - 1] = NULL;
}

void
_shoal_piece_picker_block_add_active (BlockState *bs,
                                      gpointer    peer)
{
  gint stale = _shoal_piece_picker_block_find (bs, peer, bs->n_active, (guint) bs->n_active + bs->n_stale);

  if (stale >= 0)
    block_remove_at (bs, (guint) stale);
  if (bs->n_active + bs->n_stale == BLOCK_SLOTS)
    block_remove_at (bs, bs->n_active);  /* forget the oldest timed-out peer */
  g_assert (bs->n_active < ENDGAME_MAX_REQUESTS);
  memmove (&bs->peers[bs->n_active + 1], &bs->peers[bs->n_active], bs->n_stale * sizeof (gpointer));
  bs->peers[bs->n_active++] = peer;
}

static void
block_add_stale (BlockState *bs,
                 gpointer    peer)
{
  if (_shoal_piece_picker_block_find (bs, peer, bs->n_active, (guint) bs->n_active + bs->n_stale) >= 0)
    return;
  if (bs->n_active + bs->n_stale == BLOCK_SLOTS)
    block_remove_at (bs, bs->n_active);
  bs->peers[bs->n_active + bs->n_stale++] = peer;
}

/* Partial pieces */

void
_shoal_piece_picker_partial_free (gpointer data)
{
  Partial *pp = data;

  g_clear_pointer (&pp->peers, g_ptr_array_unref);
  g_free (pp);
}

gboolean
_shoal_piece_picker_partial_has_peer (Partial  *pp,
                                      gpointer  peer)
{
  if (pp->peers == NULL)
    return FALSE;
  for (guint i = 0; i < pp->peers->len; i++)
    if (g_ptr_array_index (pp->peers, i) == peer)
      return TRUE;
  return FALSE;
}

void
_shoal_piece_picker_partial_add_peer (Partial  *pp,
                                      gpointer  peer)
{
  if (_shoal_piece_picker_partial_has_peer (pp, peer))
    return;
  if (pp->peers == NULL)
    pp->peers = g_ptr_array_new ();
  g_ptr_array_add (pp->peers, peer);
}

Partial *
_shoal_piece_picker_open_partial (ShoalPiecePicker *self,
                                  guint             piece)
{
  guint n_blocks = piece_n_blocks (self, piece);
  Partial *pp = g_malloc0 (sizeof (Partial) + (gsize) n_blocks * sizeof (BlockState));

  g_assert (self->partial_of[piece] == NULL && in_bucket (self, piece));
  pp->piece = piece;
  pp->n_blocks = n_blocks;
  pp->n_unrequested = n_blocks;
  self->n_unrequested += n_blocks;
  pp->size = piece_size (self, piece);
  self->partial_of[piece] = pp;
  g_ptr_array_add (self->partials, pp);
  self->partial_bytes += pp->size;
  self->n_partial_wanted++;
  return pp;
}

void
_shoal_piece_picker_drop_partial (ShoalPiecePicker *self,
                                  Partial          *pp)
{
  self->partial_of[pp->piece] = NULL;
  self->partial_bytes -= pp->size;
  self->n_unrequested -= pp->n_unrequested;
  if (pp->n_received == pp->n_blocks)
    self->n_partial_complete--;
  if (self->priority[pp->piece] > 0)
    self->n_partial_wanted--;
  g_ptr_array_remove (self->partials, pp);
}

/* Finds the partial piece and block index @block names, if it matches the
 * layout exactly. */
Partial *
_shoal_piece_picker_lookup_block (ShoalPiecePicker *self,
                                  const ShoalBlock *block,
                                  guint            *index)
{
  Partial *pp;

  if (block->piece >= self->n_pieces || block->begin % SHOAL_PIECE_PICKER_BLOCK_SIZE != 0)
    return NULL;
  pp = self->partial_of[block->piece];
  if (pp == NULL)
    return NULL;
  *index = block->begin / SHOAL_PIECE_PICKER_BLOCK_SIZE;
  if (*index >= pp->n_blocks || block->length != block_length (self, block->piece, *index))
    return NULL;
  return pp;
}

static void
release_request (ShoalPiecePicker *self,
                 const ShoalBlock *block,
                 gpointer          peer,
                 gboolean          keep_stale)
{
  Partial *pp;
  BlockState *bs;
  guint index;
  gint i;

  g_return_if_fail (block != NULL);
  pp = _shoal_piece_picker_lookup_block (self, block, &index);
  if (pp == NULL)
    return;
  bs = &pp->blocks[index];
  i = _shoal_piece_picker_block_find (bs, peer, 0, bs->n_active);
  if (i < 0)
    return;
  block_remove_at (bs, (guint) i);
  if (keep_stale)
    block_add_stale (bs, peer);
  if (bs->n_active == 0 && !bs->received)
    {
      pp->n_unrequested++;
      self->n_unrequested++;
      pp->first_unrequested = MIN (pp->first_unrequested, index);
    }
}

/**
 * shoal_piece_picker_block_received:
 * @self: a picker
 * @block: a block that arrived
 * @peer: the peer that sent it
 * @other_peers: (out) (optional) (array length=n_other) (transfer container):
 *   the other peers that were asked for this block and should get a cancel;
 *   free with g_free()
 * @n_other: (out) (optional): their number
 *
 * Records the block. A block of a piece not in progress, one already
 * received, or one that does not match the torrent's layout is ignored: check
 * shoal_piece_picker_is_block_wanted() before keeping its data.
 *
 * Returns: %TRUE if this block completed its piece, which is now ready for
 *   its hash check
 */
gboolean
shoal_piece_picker_block_received (ShoalPiecePicker  *self,
                                   const ShoalBlock  *block,
                                   gpointer           peer,
                                   gpointer         **other_peers,
                                   guint             *n_other)
{
  Partial *pp;
  BlockState *bs;
  guint index;
  guint n = 0;
  gpointer others[BLOCK_SLOTS];

  if (other_peers != NULL)
    *other_peers = NULL;
  if (n_other != NULL)
    *n_other = 0;
  g_return_val_if_fail (self != NULL && block != NULL, FALSE);

  pp = _shoal_piece_picker_lookup_block (self, block, &index);
  if (pp == NULL)
    return FALSE;
  bs = &pp->blocks[index];
  if (bs->received)
    return FALSE;

  for (guint i = 0; i < (guint) bs->n_active + bs->n_stale; i++)
    if (bs->peers[i] != peer)
      others[n++] = bs->peers[i];
  if (bs->n_active == 0)
    {
      pp->n_unrequested--;
      self->n_unrequested--;
    }
  memset (bs->peers, 0, sizeof bs->peers);
  bs->n_active = 0;
  bs->n_stale = 0;
  bs->received = TRUE;
  bs->sender = peer;
  pp->n_received++;
  pp->bytes_received += block->length;
  if (pp->n_received == pp->n_blocks)
    self->n_partial_complete++;
  _shoal_piece_picker_partial_add_peer (pp, peer);

  if (other_peers != NULL && n > 0)
    *other_peers = g_memdup2 (others, n * sizeof (gpointer));
  if (n_other != NULL)
    *n_other = n;
  return pp->n_received == pp->n_blocks;
}

/**
 * shoal_piece_picker_block_cancelled:
 * @self: a picker
 * @block: a block we sent a cancel for
 * @peer: the peer it was requested from
 *
 * Makes the block available to other peers again (unless another peer also
 * has it requested).
 */
void
shoal_piece_picker_block_cancelled (ShoalPiecePicker *self,
                                    const ShoalBlock *block,
                                    gpointer          peer)
{
  g_return_if_fail (self != NULL);
  release_request (self, block, peer, FALSE);
}

/**
 * shoal_piece_picker_request_rejected:
 * @self: a picker
 * @block: a block @peer refused (Fast extension reject, or dropped by a choke)
 * @peer: the peer
 *
 * Makes the block available to other peers again.
 */
void
shoal_piece_picker_request_rejected (ShoalPiecePicker *self,
                                     const ShoalBlock *block,
                                     gpointer          peer)
{
  g_return_if_fail (self != NULL);
  release_request (self, block, peer, FALSE);
}

/**
 * shoal_piece_picker_request_timed_out:
 * @self: a picker
 * @block: a block @peer has not sent in time
 * @peer: the peer
 *
 * Makes the block available to other peers. The slow peer may still send it
 * (it is accepted), and if another peer sends it first, the slow one is
 * listed by shoal_piece_picker_block_received() so it gets a cancel.
 */
void
shoal_piece_picker_request_timed_out (ShoalPiecePicker *self,
                                      const ShoalBlock *block,
                                      gpointer          peer)
{
  g_return_if_fail (self != NULL);
  release_request (self, block, peer, TRUE);
}

/**
 * shoal_piece_picker_peer_gone:
 * @self: a picker
 * @peer: a peer that disconnected or choked us without the Fast extension
 *
 * Releases every block requested from @peer. Blocks it sent are still
 * credited to it, for shoal_piece_picker_piece_failed().
 */
void
shoal_piece_picker_peer_gone (ShoalPiecePicker *self,
                              gpointer          peer)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      if (!_shoal_piece_picker_partial_has_peer (pp, peer))
        continue;
      for (guint b = 0; b < pp->n_blocks; b++)
        {
          BlockState *bs = &pp->blocks[b];
          gint at = _shoal_piece_picker_block_find (bs, peer, 0, (guint) bs->n_active + bs->n_stale);
          gboolean was_active;

          if (at < 0)
            continue;
          was_active = (guint) at < bs->n_active;
          block_remove_at (bs, (guint) at);
          if (was_active && bs->n_active == 0 && !bs->received)
            {
              pp->n_unrequested++;
              self->n_unrequested++;
              pp->first_unrequested = MIN (pp->first_unrequested, b);
            }
        }
      g_ptr_array_remove (pp->peers, peer);
    }
}

/**
 * shoal_piece_picker_piece_failed:
 * @self: a picker
 * @piece: a completed piece whose hash did not match
 * @contributors: (out) (optional) (array length=n_contributors) (transfer container):
 *   the distinct peers that sent blocks of it; free with g_free()
 * @n_contributors: (out) (optional): their number
 *
 * Throws the piece's blocks away; the piece will be downloaded again. The
 * engine can hold the contributors responsible and ban repeat offenders.
 */
void
shoal_piece_picker_piece_failed (ShoalPiecePicker   *self,
                                 guint               piece,
                                 gpointer          **contributors,
                                 guint              *n_contributors)
{
  g_autoptr(GPtrArray) senders = NULL;
  Partial *pp;

  if (contributors != NULL)
    *contributors = NULL;
  if (n_contributors != NULL)
    *n_contributors = 0;
  g_return_if_fail (self != NULL && piece < self->n_pieces);

  pp = self->partial_of[piece];
  if (pp == NULL)
    return;

  senders = g_ptr_array_new ();
  for (guint b = 0; b < pp->n_blocks; b++)
    {
      gpointer sender = pp->blocks[b].sender;
      gboolean seen = FALSE;

      if (!pp->blocks[b].received)
        continue;
      for (guint i = 0; i < senders->len && !seen; i++)
        seen = g_ptr_array_index (senders, i) == sender;
      if (!seen)
        g_ptr_array_add (senders, sender);
    }
  _shoal_piece_picker_drop_partial (self, pp);

  if (n_contributors != NULL)
    *n_contributors = senders->len;
  if (contributors != NULL && senders->len > 0)
    *contributors = g_memdup2 (senders->pdata, senders->len * sizeof (gpointer));
}

/**
 * shoal_piece_picker_piece_verified:
 * @self: a picker
 * @piece: a piece whose hash matched
 */
void
shoal_piece_picker_piece_verified (ShoalPiecePicker *self,
                                   guint             piece)
{
  shoal_piece_picker_set_have (self, piece);
}


/**
 * shoal_piece_picker_block_failed:
 * @self: a picker
 * @block: a block received earlier that turned out bad, or whose write
 *   failed (a v2 block checked alone against its merkle leaf)
 *
 * Makes that one block wanted again, from any peer; the rest of its piece
 * stays received.
 */
void
shoal_piece_picker_block_failed (ShoalPiecePicker *self,
                                 const ShoalBlock *block)
{
  Partial *pp;
  BlockState *bs;
  guint index;

  g_return_if_fail (self != NULL && block != NULL);

  pp = _shoal_piece_picker_lookup_block (self, block, &index);
  if (pp == NULL)
    return;
  bs = &pp->blocks[index];
  if (!bs->received)
    return;
  if (pp->n_received == pp->n_blocks)
    self->n_partial_complete--;
  bs->received = FALSE;
  bs->sender = NULL;
  pp->n_received--;
  pp->bytes_received -= block->length;
  if (bs->n_active == 0)
    {
      pp->n_unrequested++;
      self->n_unrequested++;
      pp->first_unrequested = MIN (pp->first_unrequested, index);
    }
}
