/* shoal-piece-picker-private.h: what the parts of the piece picker share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The picker is one structure in three files: shoal-piece-picker.c (the
 * availability records, priorities and settings), shoal-piece-picker-pick.c
 * (choosing pieces and blocks, the endgame, and queries) and
 * shoal-piece-picker-blocks.c (partial pieces and what happens to each
 * requested block). This header is for those files alone.
 */
#pragma once

#ifndef SHOAL_PIECE_PICKER_INSIDE
# error "only shoal-piece-picker*.c may include shoal-piece-picker-private.h"
#endif

#include "shoal-piece-picker.h"

G_BEGIN_DECLS

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
  guint          n_partial_complete; /* every block received: being verified */
  guint64        n_unrequested;      /* sum of the partials' n_unrequested */

  guint          max_partial;        /* 0: from the number of peers */
  guint64        max_partial_bytes;  /* 0: unlimited */
  gboolean       sequential;
  guint          seq_cursor;         /* no wanted missing piece before it */

  GRand         *rand;         /* made at the first random choice (2.5 KiB: most pickers never choose) */
};

/* Layout */

static inline guint64
piece_size (ShoalPiecePicker *self,
            guint             piece)
{
  if (piece + 1 < self->n_pieces)
    return self->piece_length;
  return self->total_length - self->piece_length * (self->n_pieces - 1);
}

static inline guint
piece_n_blocks (ShoalPiecePicker *self,
                guint             piece)
{
  return (guint) ((piece_size (self, piece) + SHOAL_PIECE_PICKER_BLOCK_SIZE - 1) /
                  SHOAL_PIECE_PICKER_BLOCK_SIZE);
}

static inline guint
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

/* shoal-piece-picker-blocks.c */
void     _shoal_piece_picker_partial_free     (gpointer          data);
gboolean _shoal_piece_picker_partial_has_peer (Partial          *pp,
                                               gpointer          peer);
void     _shoal_piece_picker_partial_add_peer (Partial          *pp,
                                               gpointer          peer);
Partial *_shoal_piece_picker_open_partial     (ShoalPiecePicker *self,
                                               guint             piece);
void     _shoal_piece_picker_drop_partial     (ShoalPiecePicker *self,
                                               Partial          *pp);
Partial *_shoal_piece_picker_lookup_block     (ShoalPiecePicker *self,
                                               const ShoalBlock *block,
                                               guint            *index);
gint     _shoal_piece_picker_block_find       (const BlockState *bs,
                                               gpointer          peer,
                                               guint             from,
                                               guint             to);
void     _shoal_piece_picker_block_add_active (BlockState       *bs,
                                               gpointer          peer);

GRand          *_shoal_piece_picker_get_rand (ShoalPiecePicker *self);

G_END_DECLS
