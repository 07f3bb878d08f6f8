/* shoal-piece-picker.c: which blocks to request from which peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-piece-picker.h"

/* Each block remembers up to this many peers: the active requesters (one,
 * or ENDGAME_MAX_REQUESTS in the endgame) followed by peers whose request
 * timed out, which still get a cancel when someone else delivers the block. */
#define BLOCK_SLOTS 4
#define ENDGAME_MAX_REQUESTS 2

G_STATIC_ASSERT (ENDGAME_MAX_REQUESTS < BLOCK_SLOTS);

typedef struct
{
  gpointer peers[BLOCK_SLOTS];  /* [0, n_active) active, then n_stale timed out */
  gpointer sender;              /* who delivered it, once received */
  guint8   n_active;
  guint8   n_stale;
  guint8   received;
} BlockState;

/* A piece being downloaded. Only these carry per-block state, so memory
 * grows with the number of pieces in flight, not the torrent's size. */
typedef struct
{
  guint      piece;
  guint      n_blocks;
  guint      n_received;
  guint      n_unrequested;     /* neither received nor actively requested */
  guint      first_unrequested; /* no unrequested block before this one */
  guint64    size;
  guint64    bytes_received;
  GPtrArray *peers;             /* peers that requested or sent a block */
  BlockState blocks[];
} Partial;

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

/* Pieces we miss and want, grouped by priority, then by availability (peers
 * with a bitfield; seeds add the same to every piece and do not change the
 * order). Within a bucket the order is arbitrary: a random starting point
 * gives the tie-break between equally rare pieces. Moving a piece between
 * buckets is O(1), so a have message or a whole bitfield costs O(pieces). */
typedef struct
{
  guint32 *items;
  guint    len;
  guint    alloc;
} Bucket;

typedef struct
{
  Bucket *buckets;    /* indexed by availability */
  guint   n_buckets;
  guint   count;      /* pieces in all buckets */
} PriorityClass;

struct _ShoalPiecePicker
{
  guint          n_pieces;
  guint64        piece_length;
  guint64        total_length;

  ShoalBitfield *have;
  const guint8  *have_bytes;  /* shoal_bitfield_get_bytes (have), never moves */
  guint8        *priority;
  guint32       *avail;
  guint32       *bucket_pos;
  Partial      **partial_of;
  GPtrArray     *partials;    /* Partial, oldest first */

  PriorityClass  classes[SHOAL_PIECE_PRIORITY_MAX + 1];  /* [0] unused */

  /* What each peer added to avail[] (or to n_seeds), so that its removal
   * subtracts exactly that, whatever order its messages came in. */
  GHashTable    *peer_has;    /* peer → PeerHas */
  guint          n_bitfield_peers;
  guint          n_seeds;
  guint          n_missing_wanted;
  guint64        missing_wanted_bytes;
  guint          n_partial_wanted;
  guint64        partial_bytes;

  guint          max_partial;        /* 0: from the number of peers */
  guint64        max_partial_bytes;  /* 0: unlimited */
  gboolean       sequential;
  guint          seq_cursor;         /* no wanted missing piece before it */

  GRand         *rand;
};

/* Layout */

static guint64
piece_size (ShoalPiecePicker *self,
            guint             piece)
{
  if (piece + 1 < self->n_pieces)
    return self->piece_length;
  return self->total_length - self->piece_length * (self->n_pieces - 1);
}

static guint
piece_n_blocks (ShoalPiecePicker *self,
                guint             piece)
{
  return (guint) ((piece_size (self, piece) + SHOAL_PIECE_PICKER_BLOCK_SIZE - 1) /
                  SHOAL_PIECE_PICKER_BLOCK_SIZE);
}

static guint
block_length (ShoalPiecePicker *self,
              guint             piece,
              guint             index)
{
  guint64 begin = (guint64) index * SHOAL_PIECE_PICKER_BLOCK_SIZE;

  return (guint) MIN (SHOAL_PIECE_PICKER_BLOCK_SIZE, piece_size (self, piece) - begin);
}

static inline gboolean
have_piece (ShoalPiecePicker *self,
            guint             piece)
{
  return (self->have_bytes[piece >> 3] & (0x80 >> (piece & 7))) != 0;
}

static inline gboolean
in_bucket (ShoalPiecePicker *self,
           guint             piece)
{
  return self->priority[piece] > 0 && !have_piece (self, piece);
}

static inline gboolean
peer_has_piece (const ShoalBitfield *peer_has,
                guint                piece)
{
  return peer_has == NULL || shoal_bitfield_get (peer_has, piece);
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

/* Blocks */

static gint
block_find (const BlockState *bs,
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

static void
block_add_active (BlockState *bs,
                  gpointer    peer)
{
  gint stale = block_find (bs, peer, bs->n_active, (guint) bs->n_active + bs->n_stale);

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
  if (block_find (bs, peer, bs->n_active, (guint) bs->n_active + bs->n_stale) >= 0)
    return;
  if (bs->n_active + bs->n_stale == BLOCK_SLOTS)
    block_remove_at (bs, bs->n_active);
  bs->peers[bs->n_active + bs->n_stale++] = peer;
}

/* Partial pieces */

static void
partial_free (gpointer data)
{
  Partial *pp = data;

  g_clear_pointer (&pp->peers, g_ptr_array_unref);
  g_free (pp);
}

static gboolean
partial_has_peer (Partial  *pp,
                  gpointer  peer)
{
  if (pp->peers == NULL)
    return FALSE;
  for (guint i = 0; i < pp->peers->len; i++)
    if (g_ptr_array_index (pp->peers, i) == peer)
      return TRUE;
  return FALSE;
}

static void
partial_add_peer (Partial  *pp,
                  gpointer  peer)
{
  if (partial_has_peer (pp, peer))
    return;
  if (pp->peers == NULL)
    pp->peers = g_ptr_array_new ();
  g_ptr_array_add (pp->peers, peer);
}

static Partial *
open_partial (ShoalPiecePicker *self,
              guint             piece)
{
  guint n_blocks = piece_n_blocks (self, piece);
  Partial *pp = g_malloc0 (sizeof (Partial) + (gsize) n_blocks * sizeof (BlockState));

  g_assert (self->partial_of[piece] == NULL && in_bucket (self, piece));
  pp->piece = piece;
  pp->n_blocks = n_blocks;
  pp->n_unrequested = n_blocks;
  pp->size = piece_size (self, piece);
  self->partial_of[piece] = pp;
  g_ptr_array_add (self->partials, pp);
  self->partial_bytes += pp->size;
  self->n_partial_wanted++;
  return pp;
}

static void
drop_partial (ShoalPiecePicker *self,
              Partial          *pp)
{
  self->partial_of[pp->piece] = NULL;
  self->partial_bytes -= pp->size;
  if (self->priority[pp->piece] > 0)
    self->n_partial_wanted--;
  g_ptr_array_remove (self->partials, pp);
}

/* Finds the partial piece and block index @block names, if it matches the
 * layout exactly. */
static Partial *
lookup_block (ShoalPiecePicker *self,
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
  pp = lookup_block (self, block, &index);
  if (pp == NULL)
    return;
  bs = &pp->blocks[index];
  i = block_find (bs, peer, 0, bs->n_active);
  if (i < 0)
    return;
  block_remove_at (bs, (guint) i);
  if (keep_stale)
    block_add_stale (bs, peer);
  if (bs->n_active == 0 && !bs->received)
    {
      pp->n_unrequested++;
      pp->first_unrequested = MIN (pp->first_unrequested, index);
    }
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
  self->partials = g_ptr_array_new_with_free_func (partial_free);
  self->peer_has = g_hash_table_new_full (NULL, NULL, NULL, peer_has_free);
  self->rand = g_rand_new ();

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
  g_rand_free (self->rand);
  g_free (self);
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
  g_rand_set_seed (self->rand, seed);
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
    drop_partial (self, self->partial_of[piece]);
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
 * piece can always be opened, whatever the limit.
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

/* Picking */

static gboolean
can_open_partial (ShoalPiecePicker *self)
{
  if (self->partials->len == 0)
    return TRUE;
  if (self->partials->len >= shoal_piece_picker_get_max_partial (self))
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
  guint r = (guint) g_rand_int_range (self->rand, 0, (gint32) class->count);
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
      start = bucket->len > 1 ? (guint) g_rand_int_range (self->rand, 0, (gint32) bucket->len) : 0;
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
      block_add_active (bs, peer);
      pp->n_unrequested--;
      shoal_piece_picker_get_block (self, pp->piece, i, &out[(*n_out)++]);
    }
  partial_add_peer (pp, peer);
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
          partial_has_peer (pp, peer) != contributed ||
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
              block_find (bs, peer, 0, bs->n_active) >= 0)
            continue;
          if (bs->n_active == 0)
            pp->n_unrequested--;
          block_add_active (bs, peer);
          shoal_piece_picker_get_block (self, pp->piece, b, &out[(*n_out)++]);
          partial_add_peer (pp, peer);
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

  take_from_partials (self, peer_has, peer, TRUE, max_blocks, out, n_out);
  take_from_partials (self, peer_has, peer, FALSE, max_blocks, out, n_out);

  while (*n_out < max_blocks && can_open_partial (self))
    {
      gint piece = pick_new_piece (self, peer_has);

      if (piece < 0)
        break;
      take_blocks (self, open_partial (self, (guint) piece), peer, max_blocks, out, n_out);
    }

  if (*n_out < max_blocks && in_endgame (self))
    take_endgame_blocks (self, peer_has, peer, max_blocks, out, n_out);
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

  pp = lookup_block (self, block, &index);
  if (pp == NULL)
    return FALSE;
  bs = &pp->blocks[index];
  if (bs->received)
    return FALSE;

  for (guint i = 0; i < (guint) bs->n_active + bs->n_stale; i++)
    if (bs->peers[i] != peer)
      others[n++] = bs->peers[i];
  if (bs->n_active == 0)
    pp->n_unrequested--;
  memset (bs->peers, 0, sizeof bs->peers);
  bs->n_active = 0;
  bs->n_stale = 0;
  bs->received = TRUE;
  bs->sender = peer;
  pp->n_received++;
  pp->bytes_received += block->length;
  partial_add_peer (pp, peer);

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

      if (!partial_has_peer (pp, peer))
        continue;
      for (guint b = 0; b < pp->n_blocks; b++)
        {
          BlockState *bs = &pp->blocks[b];
          gint at = block_find (bs, peer, 0, (guint) bs->n_active + bs->n_stale);
          gboolean was_active;

          if (at < 0)
            continue;
          was_active = (guint) at < bs->n_active;
          block_remove_at (bs, (guint) at);
          if (was_active && bs->n_active == 0 && !bs->received)
            {
              pp->n_unrequested++;
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
  drop_partial (self, pp);

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
  pp = lookup_block (self, block, &index);
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
