/* shoal-piece-picker-pick.c: choosing the next blocks to request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the piece picker (shoal-piece-picker-private.h): rarest first,
 * random or sequential choice of a new piece, filling partial pieces
 * first, the endgame, and the queries built on the same state (interest,
 * completion, bytes left).
 */
#include "config.h"

#include <string.h>

#define SHOAL_PIECE_PICKER_INSIDE
#include "shoal-piece-picker-private.h"

/* Picking */

static gboolean
can_open_partial (ShoalPiecePicker *self)
{
  if (self->partials->len == 0)
    return TRUE;
  /* A piece whose blocks have all arrived waits for its hash check and
   * write: it no longer takes a peer's requests, so it does not count here
   * (the bytes still do, below). Counting it stalled a fast peer whenever
   * the disk threads fell behind by a few pieces. */
  if (self->partials->len - self->n_partial_complete >= shoal_piece_picker_get_max_partial (self))
    return FALSE;
  if (self->max_partial_bytes > 0 &&
      self->partial_bytes + self->piece_length > self->max_partial_bytes)
    return FALSE;
  return TRUE;
}

static inline gboolean
can_open_piece (ShoalPiecePicker    *self,
                const ShoalBitfield *peer_has,
                guint                piece)
{
  return self->partial_of[piece] == NULL && peer_has_piece (peer_has, piece);
}

/* A random piece of the class, starting the scan at a random position. */
static gint
pick_random_in_class (ShoalPiecePicker    *self,
                      PriorityClass       *class,
                      const ShoalBitfield *peer_has)
{
  guint r = (guint) g_rand_int_range (_shoal_piece_picker_get_rand (self), 0, (gint32) class->count);
  guint b = 0;
  guint seen = 0;

  while (r >= class->buckets[b].len)
    r -= class->buckets[b++].len;

  while (seen < class->count)
    {
      Bucket *bucket = &class->buckets[b];

      for (; r < bucket->len && seen < class->count; r++, seen++)
        if (can_open_piece (self, peer_has, bucket->items[r]))
          return (gint) bucket->items[r];
      r = 0;
      b = (b + 1) % class->n_buckets;
    }
  return -1;
}

static gint
pick_rarest_in_class (ShoalPiecePicker    *self,
                      PriorityClass       *class,
                      const ShoalBitfield *peer_has)
{
  for (guint b = 0; b < class->n_buckets; b++)
    {
      Bucket *bucket = &class->buckets[b];
      guint start;

      if (bucket->len == 0)
        continue;
      start = bucket->len > 1 ? (guint) g_rand_int_range (_shoal_piece_picker_get_rand (self), 0, (gint32) bucket->len) : 0;
      for (guint i = start; i < bucket->len; i++)
        if (can_open_piece (self, peer_has, bucket->items[i]))
          return (gint) bucket->items[i];
      for (guint i = 0; i < start; i++)
        if (can_open_piece (self, peer_has, bucket->items[i]))
          return (gint) bucket->items[i];
    }
  return -1;
}

static gint
pick_sequential (ShoalPiecePicker    *self,
                 const ShoalBitfield *peer_has)
{
  while (self->seq_cursor < self->n_pieces && !in_bucket (self, self->seq_cursor))
    self->seq_cursor++;

  for (guint prio = SHOAL_PIECE_PRIORITY_MAX; prio > 0; prio--)
    {
      if (self->classes[prio].count == 0)
        continue;
      for (guint p = self->seq_cursor; p < self->n_pieces; p++)
        if (self->priority[p] == prio && !have_piece (self, p) &&
            can_open_piece (self, peer_has, p))
          return (gint) p;
    }
  return -1;
}

static gint
pick_new_piece (ShoalPiecePicker    *self,
                const ShoalBitfield *peer_has)
{
  if (self->sequential)
    return pick_sequential (self, peer_has);

  for (guint prio = SHOAL_PIECE_PRIORITY_MAX; prio > 0; prio--)
    {
      PriorityClass *class = &self->classes[prio];
      gint piece;

      if (class->count == 0)
        continue;
      /* Rare pieces take long to complete; a new peer needs whole pieces
       * soon, to have something to trade. */
      if (shoal_bitfield_count (self->have) < SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES)
        piece = pick_random_in_class (self, class, peer_has);
      else
        piece = pick_rarest_in_class (self, class, peer_has);
      if (piece >= 0)
        return piece;
    }
  return -1;
}

static void
take_blocks (ShoalPiecePicker *self,
             Partial          *pp,
             gpointer          peer,
             guint             max_blocks,
             ShoalBlock       *out,
             guint            *n_out)
{
  while (pp->first_unrequested < pp->n_blocks &&
         (pp->blocks[pp->first_unrequested].received ||
          pp->blocks[pp->first_unrequested].n_active > 0))
    pp->first_unrequested++;

  for (guint i = pp->first_unrequested; i < pp->n_blocks && *n_out < max_blocks; i++)
    {
      BlockState *bs = &pp->blocks[i];

      if (bs->received || bs->n_active > 0)
        continue;
      _shoal_piece_picker_block_add_active (bs, peer);
      pp->n_unrequested--;
      self->n_unrequested--;
      shoal_piece_picker_get_block (self, pp->piece, i, &out[(*n_out)++]);
    }
  _shoal_piece_picker_partial_add_peer (pp, peer);
}

static void
take_from_partials (ShoalPiecePicker    *self,
                    const ShoalBitfield *peer_has,
                    gpointer             peer,
                    gboolean             contributed,
                    guint                max_blocks,
                    ShoalBlock          *out,
                    guint               *n_out)
{
  for (guint i = 0; i < self->partials->len && *n_out < max_blocks; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      if (pp->n_unrequested == 0 || self->priority[pp->piece] == 0 ||
          _shoal_piece_picker_partial_has_peer (pp, peer) != contributed ||
          !peer_has_piece (peer_has, pp->piece))
        continue;
      take_blocks (self, pp, peer, max_blocks, out, n_out);
    }
}

static gboolean
in_endgame (ShoalPiecePicker *self)
{
  if (self->n_missing_wanted == 0 || self->n_missing_wanted != self->n_partial_wanted)
    return FALSE;
  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      if (pp->n_unrequested > 0 && self->priority[pp->piece] > 0)
        return FALSE;
    }
  return TRUE;
}

static void
take_endgame_blocks (ShoalPiecePicker    *self,
                     const ShoalBitfield *peer_has,
                     gpointer             peer,
                     guint                max_blocks,
                     ShoalBlock          *out,
                     guint               *n_out)
{
  for (guint i = 0; i < self->partials->len && *n_out < max_blocks; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      if (pp->n_received == pp->n_blocks || self->priority[pp->piece] == 0 ||
          !peer_has_piece (peer_has, pp->piece))
        continue;
      for (guint b = 0; b < pp->n_blocks && *n_out < max_blocks; b++)
        {
          BlockState *bs = &pp->blocks[b];

          if (bs->received || bs->n_active >= ENDGAME_MAX_REQUESTS ||
              _shoal_piece_picker_block_find (bs, peer, 0, bs->n_active) >= 0)
            continue;
          if (bs->n_active == 0)
            {
              pp->n_unrequested--;
              self->n_unrequested--;
            }
          _shoal_piece_picker_block_add_active (bs, peer);
          shoal_piece_picker_get_block (self, pp->piece, b, &out[(*n_out)++]);
          _shoal_piece_picker_partial_add_peer (pp, peer);
        }
    }
}

/**
 * shoal_piece_picker_pick:
 * @self: a picker
 * @peer_has: (nullable): the pieces the peer has, or %NULL if it has all
 * @peer: an opaque peer identifier
 * @max_blocks: room in @out
 * @out: (array length=max_blocks) (out caller-allocates): the blocks to request
 * @n_out: (out): how many blocks were written to @out
 *
 * Chooses up to @max_blocks blocks to request from @peer and records them as
 * requested by it. Pieces in progress come first, those @peer already works
 * on before the others (a peer sending bad data then spoils fewer pieces);
 * then new pieces of the highest priority: random ones until we have a few
 * pieces, rarest first after that, or in index order in sequential mode.
 * When no wanted block is left unrequested (the endgame), blocks already
 * requested from one other peer are requested again.
 */
void
shoal_piece_picker_pick (ShoalPiecePicker    *self,
                         const ShoalBitfield *peer_has,
                         gpointer             peer,
                         guint                max_blocks,
                         ShoalBlock          *out,
                         guint               *n_out)
{
  g_return_if_fail (self != NULL && n_out != NULL);
  *n_out = 0;
  g_return_if_fail (peer_has == NULL || shoal_bitfield_get_size (peer_has) == self->n_pieces);
  g_return_if_fail (max_blocks == 0 || out != NULL);
  if (max_blocks == 0 || self->n_missing_wanted == 0)
    return;

  /* With small pieces, thousands of partials may wait for their hash
   * check with nothing left to ask for: do not walk them on every pick. */
  if (self->n_unrequested > 0)
    {
      take_from_partials (self, peer_has, peer, TRUE, max_blocks, out, n_out);
      take_from_partials (self, peer_has, peer, FALSE, max_blocks, out, n_out);
    }

  while (*n_out < max_blocks && can_open_partial (self))
    {
      gint piece = pick_new_piece (self, peer_has);

      if (piece < 0)
        break;
      take_blocks (self, _shoal_piece_picker_open_partial (self, (guint) piece), peer, max_blocks, out, n_out);
    }

  if (*n_out < max_blocks && in_endgame (self))
    take_endgame_blocks (self, peer_has, peer, max_blocks, out, n_out);
}

/**
 * shoal_piece_picker_pick_with_room:
 * @self: a picker
 * @peer_has: (nullable): the pieces the peer has, or %NULL if it has all
 * @peer: an opaque peer identifier
 * @max_blocks: room in @out
 * @out: (array length=max_blocks) (out caller-allocates): the blocks to request
 * @n_out: (out): how many blocks were written to @out
 *
 * Like shoal_piece_picker_pick(), but @peer may open the pieces its
 * @max_blocks take on top of the limit on pieces in progress (the bound on
 * their bytes still holds). For a peer that keeps a deep queue: with large
 * pieces, a few such peers would otherwise take every block of every piece
 * the limit allows, and the others get nothing to do.
 */
void
shoal_piece_picker_pick_with_room (ShoalPiecePicker    *self,
                                   const ShoalBitfield *peer_has,
                                   gpointer             peer,
                                   guint                max_blocks,
                                   ShoalBlock          *out,
                                   guint               *n_out)
{
  guint saved, per_piece, in_progress;

  g_return_if_fail (self != NULL && n_out != NULL);
  *n_out = 0;
  if (self->n_pieces == 0)
    return;
  saved = self->max_partial;
  per_piece = MAX (piece_n_blocks (self, 0), 1);
  in_progress = self->partials->len - self->n_partial_complete;
  self->max_partial = MAX (shoal_piece_picker_get_max_partial (self), in_progress) +
                      (max_blocks + per_piece - 1) / per_piece;
  shoal_piece_picker_pick (self, peer_has, peer, max_blocks, out, n_out);
  self->max_partial = saved;
}

/* Queries */

/**
 * shoal_piece_picker_is_interesting:
 * @self: a picker
 * @peer_has: (nullable): the pieces the peer has, or %NULL if it has all
 *
 * Returns: whether the peer has a piece we want and miss
 */
gboolean
shoal_piece_picker_is_interesting (ShoalPiecePicker    *self,
                                   const ShoalBitfield *peer_has)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peer_has == NULL || shoal_bitfield_get_size (peer_has) == self->n_pieces, FALSE);

  if (peer_has == NULL)
    return self->n_missing_wanted > 0;
  for (guint prio = 1; prio <= SHOAL_PIECE_PRIORITY_MAX; prio++)
    {
      PriorityClass *class = &self->classes[prio];

      for (guint b = 0; b < class->n_buckets; b++)
        for (guint i = 0; i < class->buckets[b].len; i++)
          if (shoal_bitfield_get (peer_has, class->buckets[b].items[i]))
            return TRUE;
    }
  return FALSE;
}

/**
 * shoal_piece_picker_is_block_wanted:
 * @self: a picker
 * @block: a block a peer sent
 *
 * Returns: whether @block belongs to a piece in progress and has not been
 *   received yet, i.e. whether its data should be kept
 */
gboolean
shoal_piece_picker_is_block_wanted (ShoalPiecePicker *self,
                                    const ShoalBlock *block)
{
  Partial *pp;
  guint index;

  g_return_val_if_fail (self != NULL && block != NULL, FALSE);
  pp = _shoal_piece_picker_lookup_block (self, block, &index);
  return pp != NULL && !pp->blocks[index].received;
}

/**
 * shoal_piece_picker_get_n_missing_wanted:
 * @self: a picker
 *
 * Returns: how many pieces of non-zero priority we do not have
 */
guint
shoal_piece_picker_get_n_missing_wanted (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_missing_wanted;
}

/**
 * shoal_piece_picker_is_complete:
 * @self: a picker
 *
 * Returns: whether we have every piece we want (skipped pieces aside)
 */
gboolean
shoal_piece_picker_is_complete (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->n_missing_wanted == 0;
}

/**
 * shoal_piece_picker_is_endgame:
 * @self: a picker
 *
 * Returns: whether every wanted block we miss has been requested, so that
 *   shoal_piece_picker_pick() hands out duplicate requests
 */
gboolean
shoal_piece_picker_is_endgame (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return in_endgame (self);
}

/**
 * shoal_piece_picker_get_bytes_left:
 * @self: a picker
 *
 * Returns: bytes of wanted pieces not received yet (blocks received of
 *   pieces in progress count as received)
 */
guint64
shoal_piece_picker_get_bytes_left (ShoalPiecePicker *self)
{
  guint64 left;

  g_return_val_if_fail (self != NULL, 0);
  left = self->missing_wanted_bytes;
  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      if (self->priority[pp->piece] > 0)
        left -= pp->bytes_received;
    }
  return left;
}

/**
 * shoal_piece_picker_get_partial_pieces:
 * @self: a picker
 * @n_partial: (out): the number of pieces in progress
 *
 * Returns: (transfer full) (array length=n_partial) (nullable): the pieces
 *   in progress, oldest first, with their block counts; free with g_free()
 */
ShoalPartialPiece *
shoal_piece_picker_get_partial_pieces (ShoalPiecePicker *self,
                                       guint            *n_partial)
{
  ShoalPartialPiece *result;

  g_return_val_if_fail (self != NULL && n_partial != NULL, NULL);
  *n_partial = self->partials->len;
  if (self->partials->len == 0)
    return NULL;
  result = g_new0 (ShoalPartialPiece, self->partials->len);
  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *pp = g_ptr_array_index (self->partials, i);

      result[i].piece = pp->piece;
      result[i].n_blocks = pp->n_blocks;
      result[i].n_received = pp->n_received;
      for (guint b = 0; b < pp->n_blocks; b++)
        if (!pp->blocks[b].received && pp->blocks[b].n_active > 0)
          result[i].n_requested++;
    }
  return result;
}
