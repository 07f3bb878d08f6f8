/* shoal-block-verify.h: each 16 KiB block of a v2 piece against its merkle tree
 *
 * Owns, for one torrent with v2 hashes, the block hashes (merkle leaves) of
 * its pieces that are known to be right, and the evidence of pieces that
 * failed (each block's leaf and who sent it). Decides, exactly, who sent a
 * bad block: with a piece's leaves known, each block is checked alone as
 * it arrives; without them, a failed piece sent by one address alone
 * convicts that address, and otherwise its leaves are kept until the piece
 * passes, when every sender whose leaf differs is convicted. Never a
 * strike on a guess. Thread-safe: blocks are checked on the disk pool's
 * threads. Decides only: the torrent bans, re-requests and writes. May
 * use: metainfo/ (shoal-merkle-piece), util/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "shoal-metainfo.h"

G_BEGIN_DECLS

typedef enum
{
  SHOAL_BLOCK_UNKNOWN, /* the piece's leaves are not known: checked with the piece */
  SHOAL_BLOCK_GOOD,
  SHOAL_BLOCK_BAD,
} ShoalBlockVerdict;

typedef struct _ShoalBlockVerifier ShoalBlockVerifier;

ShoalBlockVerifier *shoal_block_verifier_new          (ShoalMetainfo       *info);
void                shoal_block_verifier_free         (ShoalBlockVerifier  *self);

gboolean            shoal_block_verifier_set_leaves   (ShoalBlockVerifier  *self,
                                                       guint                piece,
                                                       const guint8        *leaves,
                                                       guint                n_leaves,
                                                       GError             **error);
gboolean            shoal_block_verifier_has_leaves   (ShoalBlockVerifier  *self,
                                                       guint                piece);
guint               shoal_block_verifier_get_n_blocks (ShoalBlockVerifier  *self,
                                                       guint                piece);
gboolean            shoal_block_verifier_get_leaf     (ShoalBlockVerifier  *self,
                                                       guint                piece,
                                                       guint                block,
                                                       guint8              *leaf);
ShoalBlockVerdict   shoal_block_verifier_check_block  (ShoalBlockVerifier  *self,
                                                       guint                piece,
                                                       guint                block,
                                                       const guint8        *data,
                                                       gsize                len);

GPtrArray          *shoal_block_verifier_piece_failed (ShoalBlockVerifier  *self,
                                                       guint                piece,
                                                       const guint8        *leaves,
                                                       guint                n_leaves,
                                                       const char * const  *block_ips);
GPtrArray          *shoal_block_verifier_piece_passed (ShoalBlockVerifier  *self,
                                                       guint                piece,
                                                       const guint8        *leaves,
                                                       guint                n_leaves);
gboolean            shoal_block_verifier_has_suspects (ShoalBlockVerifier  *self,
                                                       guint                piece);
guint               shoal_block_verifier_get_n_failures (ShoalBlockVerifier *self,
                                                         guint               piece);
GPtrArray          *shoal_block_verifier_convict_suspects (ShoalBlockVerifier *self,
                                                           guint               piece);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBlockVerifier, shoal_block_verifier_free)

G_END_DECLS
