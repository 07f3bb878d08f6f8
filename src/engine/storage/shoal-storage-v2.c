/* shoal-storage-v2.c: checking pieces against v2 merkle trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A torrent with v2 hashes (v2-only, or hybrid) has each piece checked
 * with SHA-256 against its file's tree: the piece's 16 KiB blocks are the
 * leaves of a subtree whose root is the piece layer's hash (see
 * shoal-merkle-piece.h). Recheck, writes and the check before a first
 * upload all come here, on the disk pool's threads. v1-only torrents keep
 * their SHA-1 piece hashes.
 */
#include "config.h"

#include "shoal-merkle-piece.h"
#include "shoal-storage-private.h"

/* Whether @piece, as the piece stream has it (@len bytes: the file data,
 * and in a hybrid the pad after it), hashes to its merkle root. */
gboolean
_shoal_storage_check_piece_merkle (ShoalStorage *self,
                                   guint         piece,
                                   const guint8 *data,
                                   gsize         len)
{
  ShoalMerklePiece mp;

  if (!shoal_merkle_piece_lookup (self->info, piece, &mp))
    return FALSE;
  return shoal_merkle_piece_check_data (&mp, data, len, NULL);
}
