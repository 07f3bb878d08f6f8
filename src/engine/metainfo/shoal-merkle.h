/* shoal-merkle.h: BEP 52 merkle trees over SHA-256
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the one rule by which v2 torrents hash their data: 16 KiB leaves,
 * a tree as wide as the next power of two, and the missing leaves (past
 * the end of a file) hashing as subtrees of zeros. Used by the metainfo
 * parser to verify piece layers and by the torrent creator to build them.
 * May use: util/ (shoal-hash).
 */
#pragma once

#include <glib.h>

#include "shoal-hash.h"

G_BEGIN_DECLS

/* The leaves of a v2 tree are hashes of 16 KiB blocks (BEP 52). */
#define SHOAL_MERKLE_BLOCK_SIZE 16384

guint64 shoal_merkle_width           (guint64       n);
void    shoal_merkle_pad_hash        (guint64       width,
                                      guint8        out[SHOAL_SHA256_LEN]);
void    shoal_merkle_reduce          (guint8       *hashes,
                                      guint64       n,
                                      guint64       width,
                                      const guint8  pad[SHOAL_SHA256_LEN],
                                      guint8        out[SHOAL_SHA256_LEN]);
void    shoal_merkle_root_from_layer (const guint8 *layer,
                                      gsize         n_hashes,
                                      guint64       piece_length,
                                      guint8        out[SHOAL_SHA256_LEN]);
void    shoal_merkle_hash_leaves     (const guint8 *data,
                                      gsize         len,
                                      guint8       *leaves);
void    shoal_merkle_subtree_root    (const guint8 *leaves,
                                      guint64       n_leaves,
                                      guint64       width,
                                      guint8        out[SHOAL_SHA256_LEN]);

G_END_DECLS
