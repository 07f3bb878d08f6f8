/* shoal-merkle-piece.h: what a v2 piece must hash to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the mapping from a piece of a torrent with v2 hashes (v2-only or
 * hybrid) to the part of the file's merkle tree it is checked against: its
 * file, how many bytes of file data it holds (v2 pieces never span files;
 * the last piece of a file is short, and in a hybrid the rest of it is pad
 * file zeros), how wide its subtree is, and the hash at its root (a piece
 * layer hash, or the file's pieces root for a file of at most one piece).
 * Checking a piece, or its blocks one by one as they arrive, needs nothing
 * else. May use: util/ (shoal-hash), this folder.
 */
#pragma once

#include <glib.h>

#include "shoal-hash.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

/**
 * ShoalMerklePiece:
 * @file_index: the file the piece belongs to
 * @data_length: bytes of that file in the piece (the rest is padding)
 * @n_blocks: 16 KiB blocks of file data in the piece, the last maybe short
 * @width: leaves under the piece's subtree, a power of two ≥ @n_blocks
 * @root: what the piece's subtree must hash to
 */
typedef struct
{
  guint   file_index;
  guint64 data_length;
  guint   n_blocks;
  guint64 width;
  guint8  root[SHOAL_SHA256_LEN];
} ShoalMerklePiece;

gboolean shoal_merkle_piece_lookup       (ShoalMetainfo          *info,
                                          guint                   piece,
                                          ShoalMerklePiece       *out);
gboolean shoal_merkle_piece_check_leaves (const ShoalMerklePiece *mp,
                                          const guint8           *leaves,
                                          guint                   n_leaves);
gboolean shoal_merkle_piece_check_data   (const ShoalMerklePiece *mp,
                                          const guint8           *data,
                                          gsize                   len,
                                          guint8                 *leaves);

G_END_DECLS
