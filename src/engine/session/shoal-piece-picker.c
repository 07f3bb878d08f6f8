/* shoal-piece-picker.c: which blocks to request from which peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This file has the picker's availability records (what each peer counts
 * for, in buckets by priority and rarity), what we have, priorities and
 * settings; picking and the endgame are in shoal-piece-picker-pick.c,
 * partial pieces and each requested block's fate in
 * shoal-piece-picker-blocks.c (shoal-piece-picker-private.h lists what they
 * share).
 */
#include "config.h"

#include <string.h>

#define SHOAL_PIECE_PICKER_INSIDE
#include "shoal-piece-picker-private.h"

/* What one peer counts for: each piece of @has in avail[], or, when @has is
 * NULL, every piece at once through n_seeds. */
typedef struct
{
  ShoalBitfield *has;
} PeerHas;

static void
peer_has_free (gpointer data)
{
  PeerHas *ph = data;

  g_clear_pointer (&ph->has, shoal_bitfield_free);
  g_free (ph);
}

/* Buckets */

static void
bucket_unlink (ShoalPiecePicker *self,
               guint             piece)
{
  PriorityClass *class = &self->classes[self->priority[piece]];
  Bucket *bucket = &class->buckets[self->avail[piece]];
  guint pos = self->bucket_pos[piece];
  guint32 last;

  g_assert (pos < bucket->len && bucket->items[pos] == piece);
  last = bucket->items[--bucket->len];
  bucket->items[pos] = last;
  self->bucket_pos[last] = pos;
  class->count--;
}

static void
bucket_link (ShoalPiecePicker *self,
             guint             piece)
{
  PriorityClass *class = &self->classes[self->priority[piece]];
  guint32 avail = self->avail[piece];
  Bucket *bucket;

  if (avail >= class->n_buckets)
    {
      guint n = MAX (avail + 1, class->n_buckets * 2);

      class->buckets = g_renew (Bucket, class->buckets, n);
      memset (class->buckets + class->n_buckets, 0, (n - class->n_buckets) * sizeof (Bucket));
      class->n_buckets = n;
    }
  bucket = &class->buckets[avail];
  if (bucket->len == bucket->alloc)
    {
      bucket->alloc = MAX (16, bucket->alloc * 2);
      bucket->items = g_renew (guint32, bucket->items, bucket->alloc);
    }
  self->bucket_pos[piece] = bucket->len;
  bucket->items[bucket->len++] = piece;
  class->count++;
}

/* Call before changing whether @piece is wanted and missing, its priority or
 * its availability... */
static void
bucket_remove (ShoalPiecePicker *self,
               guint             piece)
{
  if (!in_bucket (self, piece))
    return;
  bucket_unlink (self, piece);
  self->n_missing_wanted--;
  self->missing_wanted_bytes -= piece_size (self, piece);
}

/* ...and this after. */
static void
bucket_insert (ShoalPiecePicker *self,
               guint             piece)
{
  if (!in_bucket (self, piece))
    return;
  bucket_link (self, piece);
  self->n_missing_wanted++;
  self->missing_wanted_bytes += piece_size (self, piece);
  self->seq_cursor = MIN (self->seq_cursor, piece);
}

/* The hot path of bitfields and have messages: one bucket to the next. */
static void
avail_add (ShoalPiecePicker *self,
           guint             piece)
{
  if (!in_bucket (self, piece))
    {
      self->avail[piece]++;
      return;
    }
  bucket_unlink (self, piece);
  self->avail[piece]++;
  bucket_link (self, piece);
}

static void
avail_remove (ShoalPiecePicker *self,
              guint             piece)
{
  g_return_if_fail (self->avail[piece] > 0);
  if (!in_bucket (self, piece))
    {
      self->avail[piece]--;
      return;
    }
  bucket_unlink (self, piece);
  self->avail[piece]--;
  bucket_link (self, piece);
}

/**
 * shoal_piece_picker_new:
 * @n_pieces: number of pieces, at least one
 * @piece_length: length of every piece but the last, at most
 *   %SHOAL_METAINFO_MAX_PIECE_LENGTH
 * @total_length: length of the piece stream; the last piece holds what is
 *   left, between one byte and @piece_length
 *
 * Creates a picker for a torrent of which we have nothing yet, every piece
 * at normal priority and no peer known.
 *
 * Returns: (transfer full): the picker
 */
ShoalPiecePicker *
shoal_piece_picker_new (guint   n_pieces,
                        guint64 piece_length,
                        guint64 total_length)
{
  ShoalPiecePicker *self;
  Bucket *bucket;
  gsize n_bytes;

  g_return_val_if_fail (n_pieces > 0, NULL);
  g_return_val_if_fail (piece_length > 0 && piece_length <= SHOAL_METAINFO_MAX_PIECE_LENGTH, NULL);
  g_return_val_if_fail (total_length > piece_length * (n_pieces - 1), NULL);
  g_return_val_if_fail (total_length <= piece_length * n_pieces, NULL);

  self = g_new0 (ShoalPiecePicker, 1);
  self->n_pieces = n_pieces;
  self->piece_length = piece_length;
  self->total_length = total_length;
  self->have = shoal_bitfield_new (n_pieces);
  self->have_bytes = shoal_bitfield_get_bytes (self->have, &n_bytes);
  self->priority = g_new (guint8, n_pieces);
  memset (self->priority, SHOAL_PIECE_PRIORITY_NORMAL, n_pieces);
  self->avail = g_new0 (guint32, n_pieces);
  self->bucket_pos = g_new (guint32, n_pieces);
  self->partial_of = g_new0 (Partial *, n_pieces);
  self->partials = g_ptr_array_new_with_free_func (_shoal_piece_picker_partial_free);
  self->peer_has = g_hash_table_new_full (NULL, NULL, NULL, peer_has_free);

  /* Everything starts missing, normal and seen nowhere: one bucket. */
  self->classes[SHOAL_PIECE_PRIORITY_NORMAL].buckets = g_new0 (Bucket, 1);
  self->classes[SHOAL_PIECE_PRIORITY_NORMAL].n_buckets = 1;
  self->classes[SHOAL_PIECE_PRIORITY_NORMAL].count = n_pieces;
  bucket = &self->classes[SHOAL_PIECE_PRIORITY_NORMAL].buckets[0];
  bucket->items = g_new (guint32, n_pieces);
  bucket->len = bucket->alloc = n_pieces;
  for (guint i = 0; i < n_pieces; i++)
    {
      bucket->items[i] = i;
      self->bucket_pos[i] = i;
    }
  self->n_missing_wanted = n_pieces;
  self->missing_wanted_bytes = total_length;
  return self;
}

/**
 * shoal_piece_picker_free:
 * @self: (nullable): a picker
 *
 * Frees the picker and all its state; peers are not touched.
 */
void
shoal_piece_picker_free (ShoalPiecePicker *self)
{
  if (self == NULL)
    return;
  for (guint p = 0; p <= SHOAL_PIECE_PRIORITY_MAX; p++)
    {
      for (guint a = 0; a < self->classes[p].n_buckets; a++)
        g_free (self->classes[p].buckets[a].items);
      g_free (self->classes[p].buckets);
    }
  g_ptr_array_unref (self->partials);
  g_hash_table_unref (self->peer_has);
  shoal_bitfield_free (self->have);
  g_free (self->priority);
  g_free (self->avail);
  g_free (self->bucket_pos);
  g_free (self->partial_of);
  g_clear_pointer (&self->rand, g_rand_free);
  g_free (self);
}

/* The random source, made when first needed: a Mersenne Twister is 2.5 KiB,
 * and the picker of a torrent that only seeds never chooses (10,000 of
 * them held 25 MB of it). */
GRand *
_shoal_piece_picker_get_rand (ShoalPiecePicker *self)
{
  if (self->rand == NULL)
    self->rand = g_rand_new ();
  return self->rand;
}

/**
 * shoal_piece_picker_set_seed:
 * @self: a picker
 * @seed: seed for the random choices
 *
 * Makes the random choices (first pieces, ties between equally rare pieces)
 * repeatable, for tests.
 */
void
shoal_piece_picker_set_seed (ShoalPiecePicker *self,
                             guint32           seed)
{
  g_return_if_fail (self != NULL);
  g_rand_set_seed (_shoal_piece_picker_get_rand (self), seed);
}

/**
 * shoal_piece_picker_get_n_pieces:
 * @self: a picker
 *
 * Returns: the number of pieces of the torrent
 */
guint
shoal_piece_picker_get_n_pieces (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_pieces;
}

/**
 * shoal_piece_picker_get_piece_size:
 * @self: a picker
 * @piece: a piece index
 *
 * Returns: the piece's length in bytes (the last piece may be shorter)
 */
guint64
shoal_piece_picker_get_piece_size (ShoalPiecePicker *self,
                                   guint             piece)
{
  g_return_val_if_fail (self != NULL && piece < self->n_pieces, 0);
  return piece_size (self, piece);
}

/**
 * shoal_piece_picker_get_n_blocks:
 * @self: a picker
 * @piece: a piece index
 *
 * Returns: how many %SHOAL_PIECE_PICKER_BLOCK_SIZE blocks the piece has
 */
guint
shoal_piece_picker_get_n_blocks (ShoalPiecePicker *self,
                                 guint             piece)
{
  g_return_val_if_fail (self != NULL && piece < self->n_pieces, 0);
  return piece_n_blocks (self, piece);
}

/**
 * shoal_piece_picker_get_block:
 * @self: a picker
 * @piece: a piece index
 * @index: a block index in that piece
 * @block: (out): the block
 *
 * Returns: %FALSE if @piece or @index is out of range
 */
gboolean
shoal_piece_picker_get_block (ShoalPiecePicker *self,
                              guint             piece,
                              guint             index,
                              ShoalBlock       *block)
{
  g_return_val_if_fail (self != NULL && block != NULL, FALSE);
  if (piece >= self->n_pieces || index >= piece_n_blocks (self, piece))
    return FALSE;
  block->piece = piece;
  block->begin = index * SHOAL_PIECE_PICKER_BLOCK_SIZE;
  block->length = block_length (self, piece, index);
  return TRUE;
}

/**
 * shoal_piece_picker_set_have:
 * @self: a picker
 * @piece: a piece we now have (verified, or checked on disk)
 *
 * Forgets any download in progress for @piece.
 */
void
shoal_piece_picker_set_have (ShoalPiecePicker *self,
                             guint             piece)
{
  g_return_if_fail (self != NULL && piece < self->n_pieces);
  if (shoal_bitfield_get (self->have, piece))
    return;
  if (self->partial_of[piece] != NULL)
    _shoal_piece_picker_drop_partial (self, self->partial_of[piece]);
  bucket_remove (self, piece);
  shoal_bitfield_set (self->have, piece, TRUE);
}

/**
 * shoal_piece_picker_clear_have:
 * @self: a picker
 * @piece: a piece we no longer have (e.g. the file was damaged)
 */
void
shoal_piece_picker_clear_have (ShoalPiecePicker *self,
                               guint             piece)
{
  g_return_if_fail (self != NULL && piece < self->n_pieces);
  if (!shoal_bitfield_get (self->have, piece))
    return;
  shoal_bitfield_set (self->have, piece, FALSE);
  bucket_insert (self, piece);
}

/**
 * shoal_piece_picker_has_piece:
 * @self: a picker
 * @piece: a piece index
 *
 * Returns: whether we have @piece
 */
gboolean
shoal_piece_picker_has_piece (ShoalPiecePicker *self,
                              guint             piece)
{
  g_return_val_if_fail (self != NULL && piece < self->n_pieces, FALSE);
  return shoal_bitfield_get (self->have, piece);
}

/**
 * shoal_piece_picker_get_n_have:
 * @self: a picker
 *
 * Returns: how many pieces we have, whatever their priority
 */
guint
shoal_piece_picker_get_n_have (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return shoal_bitfield_count (self->have);
}

/**
 * shoal_piece_picker_get_have:
 * @self: a picker
 *
 * Returns: (transfer none): the pieces we have, ready for a bitfield message
 */
const ShoalBitfield *
shoal_piece_picker_get_have (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->have;
}

/* Adds (or removes) every piece set in @bitfield to avail[]. */
static void
avail_add_bitfield (ShoalPiecePicker    *self,
                    const ShoalBitfield *bitfield,
                    gboolean             add)
{
  const guint8 *bytes;
  gsize len;

  bytes = shoal_bitfield_get_bytes (bitfield, &len);
  for (gsize i = 0; i < len; i++)
    {
      if (bytes[i] == 0)
        continue;
      for (guint j = 0; j < 8; j++)
        if (bytes[i] & (0x80 >> j))
          {
            if (add)
              avail_add (self, (guint) (i * 8 + j));
            else
              avail_remove (self, (guint) (i * 8 + j));
          }
    }
}

/* Takes back everything @ph counted for; the caller then records what it
 * counts for now, or drops it. */
static void
peer_uncount (ShoalPiecePicker *self,
              PeerHas          *ph)
{
  if (ph->has == NULL)
    {
      g_assert (self->n_seeds > 0);
      self->n_seeds--;
      return;
    }
  avail_add_bitfield (self, ph->has, FALSE);
  g_clear_pointer (&ph->has, shoal_bitfield_free);
  g_assert (self->n_bitfield_peers > 0);
  self->n_bitfield_peers--;
}

/* The record of @peer, a new one (counting for no piece) if it had none. */
static PeerHas *
peer_lookup_or_add (ShoalPiecePicker *self,
                    gpointer          peer)
{
  PeerHas *ph = g_hash_table_lookup (self->peer_has, peer);

  if (ph != NULL)
    return ph;
  ph = g_new0 (PeerHas, 1);
  ph->has = shoal_bitfield_new (self->n_pieces);
  self->n_bitfield_peers++;
  g_hash_table_insert (self->peer_has, peer, ph);
  return ph;
}

/**
 * shoal_piece_picker_peer_set_bitfield:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 * @bitfield: every piece @peer has, sized for this torrent
 *
 * Says what @peer has now (its bitfield message, or everything it said so
 * far), replacing whatever it counted for before: a bitfield after have
 * messages, after have-all or after another bitfield. A full bitfield
 * counts @peer as a seed, as shoal_piece_picker_peer_have_all() does.
 * Later have messages go to shoal_piece_picker_peer_have(), and
 * shoal_piece_picker_peer_remove() takes it all back.
 */
void
shoal_piece_picker_peer_set_bitfield (ShoalPiecePicker    *self,
                                      gpointer             peer,
                                      const ShoalBitfield *bitfield)
{
  PeerHas *ph;
  const guint8 *old_bytes;
  const guint8 *new_bytes;
  gsize len, new_len;

  g_return_if_fail (self != NULL && bitfield != NULL);
  g_return_if_fail (shoal_bitfield_get_size (bitfield) == self->n_pieces);

  if (shoal_bitfield_is_full (bitfield))
    {
      shoal_piece_picker_peer_have_all (self, peer);
      return;
    }
  ph = g_hash_table_lookup (self->peer_has, peer);
  if (ph != NULL && ph->has == NULL)
    {
      /* A seed that now says it has less. */
      self->n_seeds--;
      ph->has = shoal_bitfield_new (self->n_pieces);
      self->n_bitfield_peers++;
    }
  ph = peer_lookup_or_add (self, peer);

  /* Only the pieces that changed move between buckets. */
  old_bytes = shoal_bitfield_get_bytes (ph->has, &len);
  new_bytes = shoal_bitfield_get_bytes (bitfield, &new_len);
  g_assert (new_len == len);
  for (gsize i = 0; i < len; i++)
    {
      guint8 changed = old_bytes[i] ^ new_bytes[i];

      if (changed == 0)
        continue;
      for (guint j = 0; j < 8; j++)
        if (changed & (0x80 >> j))
          {
            if (new_bytes[i] & (0x80 >> j))
              avail_add (self, (guint) (i * 8 + j));
            else
              avail_remove (self, (guint) (i * 8 + j));
          }
    }
  shoal_bitfield_free (ph->has);
  ph->has = shoal_bitfield_copy (bitfield);
}

/**
 * shoal_piece_picker_peer_have:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 * @piece: a piece @peer announced with a have message
 *
 * A peer not known yet (one that sent no bitfield because it had nothing)
 * is counted from here on, with this one piece. A have message from a seed,
 * or for a piece @peer already counts for, changes nothing.
 */
void
shoal_piece_picker_peer_have (ShoalPiecePicker *self,
                              gpointer          peer,
                              guint             piece)
{
  PeerHas *ph;

  g_return_if_fail (self != NULL && piece < self->n_pieces);

  ph = peer_lookup_or_add (self, peer);
  if (ph->has == NULL || shoal_bitfield_get (ph->has, piece))
    return;
  shoal_bitfield_set (ph->has, piece, TRUE);
  avail_add (self, piece);
}

/**
 * shoal_piece_picker_peer_dont_have:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 * @piece: a piece index
 *
 * @peer no longer has @piece (an lt_donthave message, BEP 54). A peer
 * counted as a seed becomes a bitfield of every piece but this one (once;
 * later messages are O(1)); a peer the picker does not know is ignored.
 */
void
shoal_piece_picker_peer_dont_have (ShoalPiecePicker *self,
                                   gpointer          peer,
                                   guint             piece)
{
  PeerHas *ph;

  g_return_if_fail (self != NULL && piece < self->n_pieces);

  ph = g_hash_table_lookup (self->peer_has, peer);
  if (ph == NULL)
    return;
  if (ph->has == NULL)
    {
      g_autoptr(ShoalBitfield) rest = shoal_bitfield_new (self->n_pieces);

      shoal_bitfield_set_all (rest, TRUE);
      shoal_bitfield_set (rest, piece, FALSE);
      shoal_piece_picker_peer_set_bitfield (self, peer, rest);
      return;
    }
  if (!shoal_bitfield_get (ph->has, piece))
    return;
  shoal_bitfield_set (ph->has, piece, FALSE);
  avail_remove (self, piece);
}

/**
 * shoal_piece_picker_peer_have_all:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 *
 * Counts @peer as a seed (a Fast extension have-all message, or a full
 * bitfield) in O(1), replacing whatever it counted for before.
 */
void
shoal_piece_picker_peer_have_all (ShoalPiecePicker *self,
                                  gpointer          peer)
{
  PeerHas *ph;

  g_return_if_fail (self != NULL);

  ph = g_hash_table_lookup (self->peer_has, peer);
  if (ph != NULL && ph->has == NULL)
    return;
  if (ph != NULL)
    peer_uncount (self, ph);
  else
    g_hash_table_insert (self->peer_has, peer, g_new0 (PeerHas, 1));
  self->n_seeds++;
}

/**
 * shoal_piece_picker_peer_have_none:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 *
 * Counts @peer as a peer with nothing (a Fast extension have-none message),
 * replacing whatever it counted for before.
 */
void
shoal_piece_picker_peer_have_none (ShoalPiecePicker *self,
                                   gpointer          peer)
{
  g_autoptr(ShoalBitfield) none = NULL;

  g_return_if_fail (self != NULL);

  none = shoal_bitfield_new (self->n_pieces);
  shoal_piece_picker_peer_set_bitfield (self, peer, none);
}

/**
 * shoal_piece_picker_peer_remove:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 *
 * Takes back exactly what @peer counted for, when it goes away; call it
 * before the pointer is freed or reused. A peer this picker does not know
 * (it never said what it has, or said it to another picker) is ignored.
 */
void
shoal_piece_picker_peer_remove (ShoalPiecePicker *self,
                                gpointer          peer)
{
  PeerHas *ph;

  g_return_if_fail (self != NULL);

  ph = g_hash_table_lookup (self->peer_has, peer);
  if (ph == NULL)
    return;
  peer_uncount (self, ph);
  g_hash_table_remove (self->peer_has, peer);
}

/**
 * shoal_piece_picker_knows_peer:
 * @self: a picker
 * @peer: an opaque pointer that identifies the peer
 *
 * Returns: whether @peer counts for any availability, even as a peer with
 *   nothing: it said what it has and was not removed since
 */
gboolean
shoal_piece_picker_knows_peer (ShoalPiecePicker *self,
                               gpointer          peer)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return g_hash_table_contains (self->peer_has, peer);
}

/**
 * shoal_piece_picker_get_n_peers:
 * @self: a picker
 *
 * Returns: how many peers count for availability, seeds included
 */
guint
shoal_piece_picker_get_n_peers (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  g_assert (self->n_bitfield_peers + self->n_seeds == g_hash_table_size (self->peer_has));
  return g_hash_table_size (self->peer_has);
}

/**
 * shoal_piece_picker_get_availability:
 * @self: a picker
 * @piece: a piece index
 *
 * Returns: how many known peers have @piece
 */
guint
shoal_piece_picker_get_availability (ShoalPiecePicker *self,
                                     guint             piece)
{
  g_return_val_if_fail (self != NULL && piece < self->n_pieces, 0);
  return self->avail[piece] + self->n_seeds;
}

/**
 * shoal_piece_picker_set_piece_priority:
 * @self: a picker
 * @piece: a piece index
 * @priority: from %SHOAL_PIECE_PRIORITY_SKIP to %SHOAL_PIECE_PRIORITY_MAX
 *
 * A piece being downloaded keeps its progress when skipped, so that raising
 * its priority again resumes it.
 */
void
shoal_piece_picker_set_piece_priority (ShoalPiecePicker *self,
                                       guint             piece,
                                       guint             priority)
{
  guint old;

  g_return_if_fail (self != NULL && piece < self->n_pieces);
  g_return_if_fail (priority <= SHOAL_PIECE_PRIORITY_MAX);

  old = self->priority[piece];
  if (old == priority)
    return;
  if (self->partial_of[piece] != NULL && (old > 0) != (priority > 0))
    {
      if (priority > 0)
        self->n_partial_wanted++;
      else
        self->n_partial_wanted--;
    }
  bucket_remove (self, piece);
  self->priority[piece] = (guint8) priority;
  bucket_insert (self, piece);
}

/**
 * shoal_piece_picker_get_piece_priority:
 * @self: a picker
 * @piece: a piece index
 *
 * Returns: the priority of @piece, from 0 (skip) to %SHOAL_PIECE_PRIORITY_MAX
 */
guint
shoal_piece_picker_get_piece_priority (ShoalPiecePicker *self,
                                       guint             piece)
{
  g_return_val_if_fail (self != NULL && piece < self->n_pieces, 0);
  return self->priority[piece];
}

/**
 * shoal_piece_picker_set_piece_priorities:
 * @self: a picker
 * @priorities: (array length=n_priorities): one priority per piece
 * @n_priorities: the number of pieces
 */
void
shoal_piece_picker_set_piece_priorities (ShoalPiecePicker *self,
                                         const guint8     *priorities,
                                         guint             n_priorities)
{
  g_return_if_fail (self != NULL && priorities != NULL);
  g_return_if_fail (n_priorities == self->n_pieces);

  for (guint i = 0; i < n_priorities; i++)
    shoal_piece_picker_set_piece_priority (self, i, priorities[i]);
}

/**
 * shoal_piece_picker_map_file_priorities:
 * @metainfo: a torrent
 * @file_priorities: (array length=n_files): a priority for each file of
 *   @metainfo, pad files included (their value is ignored)
 * @n_files: the number of files
 *
 * A piece gets the highest priority of the files it overlaps; a piece that
 * only holds padding or empty files gets %SHOAL_PIECE_PRIORITY_SKIP.
 *
 * Returns: (transfer full): one priority per piece of @metainfo
 */
guint8 *
shoal_piece_picker_map_file_priorities (ShoalMetainfo *metainfo,
                                        const guint8  *file_priorities,
                                        guint          n_files)
{
  guint n_pieces;
  guint64 piece_length;
  guint8 *result;

  g_return_val_if_fail (SHOAL_IS_METAINFO (metainfo), NULL);
  g_return_val_if_fail (file_priorities != NULL, NULL);
  g_return_val_if_fail (n_files == shoal_metainfo_get_n_files (metainfo), NULL);
  for (guint f = 0; f < n_files; f++)
    g_return_val_if_fail (file_priorities[f] <= SHOAL_PIECE_PRIORITY_MAX, NULL);

  n_pieces = shoal_metainfo_get_n_pieces (metainfo);
  piece_length = shoal_metainfo_get_piece_length (metainfo);
  result = g_new0 (guint8, MAX (n_pieces, 1));
  for (guint f = 0; f < n_files; f++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (metainfo, f);
      guint64 first, last;

      if ((file->attributes & SHOAL_FILE_ATTRIBUTE_PAD) || file->length == 0 ||
          file_priorities[f] == 0)
        continue;
      first = file->offset / piece_length;
      last = MIN ((file->offset + file->length - 1) / piece_length, (guint64) n_pieces - 1);
      for (guint64 p = first; p <= last; p++)
        result[p] = MAX (result[p], file_priorities[f]);
    }
  return result;
}

/**
 * shoal_piece_picker_set_file_priorities:
 * @self: a picker created for @metainfo
 * @metainfo: the torrent
 * @file_priorities: (array length=n_files): a priority for each file
 * @n_files: the number of files of @metainfo
 *
 * Sets every piece's priority from the files it overlaps, see
 * shoal_piece_picker_map_file_priorities().
 */
void
shoal_piece_picker_set_file_priorities (ShoalPiecePicker *self,
                                        ShoalMetainfo    *metainfo,
                                        const guint8     *file_priorities,
                                        guint             n_files)
{
  g_autofree guint8 *priorities = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (SHOAL_IS_METAINFO (metainfo));
  g_return_if_fail (shoal_metainfo_get_n_pieces (metainfo) == self->n_pieces);

  priorities = shoal_piece_picker_map_file_priorities (metainfo, file_priorities, n_files);
  if (priorities != NULL)
    shoal_piece_picker_set_piece_priorities (self, priorities, self->n_pieces);
}

/**
 * shoal_piece_picker_set_sequential:
 * @self: a picker
 * @sequential: whether to open new pieces in index order
 *
 * Sequential mode (for streaming) replaces random-first and rarest-first;
 * higher priorities still go first.
 */
void
shoal_piece_picker_set_sequential (ShoalPiecePicker *self,
                                   gboolean          sequential)
{
  g_return_if_fail (self != NULL);
  self->sequential = !!sequential;
}

/**
 * shoal_piece_picker_get_sequential:
 * @self: a picker
 *
 * Returns: whether new pieces are opened in index order
 */
gboolean
shoal_piece_picker_get_sequential (ShoalPiecePicker *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->sequential;
}

/**
 * shoal_piece_picker_set_max_partial:
 * @self: a picker
 * @max_partial: the most pieces in progress at once, or 0 for 2 per known
 *   peer plus 4
 *
 * Once reached, peers only get blocks of pieces already in progress. One
 * piece can always be opened, whatever the limit. A piece whose blocks have
 * all arrived (waiting for its hash check) is not counted.
 */
void
shoal_piece_picker_set_max_partial (ShoalPiecePicker *self,
                                    guint             max_partial)
{
  g_return_if_fail (self != NULL);
  self->max_partial = max_partial;
}

/**
 * shoal_piece_picker_get_max_partial:
 * @self: a picker
 *
 * Returns: the limit on pieces in progress now in effect
 */
guint
shoal_piece_picker_get_max_partial (ShoalPiecePicker *self)
{
  guint64 automatic;

  g_return_val_if_fail (self != NULL, 0);
  if (self->max_partial > 0)
    return self->max_partial;
  automatic = 2 * ((guint64) self->n_bitfield_peers + self->n_seeds) + 4;
  return (guint) MIN (automatic, G_MAXUINT);
}

/**
 * shoal_piece_picker_set_max_partial_bytes:
 * @self: a picker
 * @max_bytes: the most bytes of pieces in progress at once, or 0 for no limit
 *
 * The engine keeps pieces in memory until they are verified; this bounds that
 * memory. Like shoal_piece_picker_set_max_partial(), it never stops the
 * first piece from being opened.
 */
void
shoal_piece_picker_set_max_partial_bytes (ShoalPiecePicker *self,
                                          guint64           max_bytes)
{
  g_return_if_fail (self != NULL);
  self->max_partial_bytes = max_bytes;
}
