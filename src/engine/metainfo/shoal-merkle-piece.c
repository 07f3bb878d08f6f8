/* shoal-merkle-piece.c: what a v2 piece must hash to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The piece stream of a torrent with v2 hashes starts every file on a
 * piece boundary (pad files in a hybrid, implied padding in a v2-only
 * torrent: see ShoalMetainfoFile), so a piece index finds its file by
 * offset, and its place in the file's piece layer by what is left.
 */
#include "config.h"

#include <string.h>

#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"

/* The file holding stream offset @pos: the last real, non-empty file that
 * starts at or before it (empty files and pad files hold no piece). */
static gboolean
find_file (ShoalMetainfo *info,
           guint64        pos,
           guint         *index)
{
  guint lo = 0;
  guint hi = shoal_metainfo_get_n_files (info);

  /* The first file starting after @pos. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (shoal_metainfo_get_file (info, mid)->offset <= pos)
        lo = mid + 1;
      else
        hi = mid;
    }
  while (lo > 0)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (info, --lo);

      if (mf->length == 0)
        continue;
      if ((mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0 || mf->pieces_root == NULL ||
          pos >= mf->offset + mf->length)
        return FALSE;
      *index = lo;
      return TRUE;
    }
  return FALSE;
}

/**
 * shoal_merkle_piece_lookup:
 * @info: a torrent
 * @piece: a piece index
 * @out: (out caller-allocates): where the piece sits in its file's tree
 *
 * Returns: %FALSE if @piece is out of range, the torrent has no v2 hashes,
 *   or the piece does not start inside a file with a pieces root (which a
 *   well-formed hybrid never has)
 */
gboolean
shoal_merkle_piece_lookup (ShoalMetainfo    *info,
                           guint             piece,
                           ShoalMerklePiece *out)
{
  guint64 piece_length;
  guint64 start;
  guint64 in_file;
  guint64 k;
  const ShoalMetainfoFile *mf;
  const guint8 *layer;
  gsize n_layer = 0;
  guint index;

  g_return_val_if_fail (SHOAL_IS_METAINFO (info), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if ((shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V2) == 0 ||
      piece >= shoal_metainfo_get_n_pieces (info))
    return FALSE;
  piece_length = shoal_metainfo_get_piece_length (info);
  start = (guint64) piece * piece_length;
  if (!find_file (info, start, &index))
    return FALSE;
  mf = shoal_metainfo_get_file (info, index);
  in_file = start - mf->offset;
  /* Aligned: a file starts on a piece boundary. */
  if (in_file % piece_length != 0)
    return FALSE;
  k = in_file / piece_length;

  out->file_index = index;
  out->data_length = MIN (piece_length, mf->length - in_file);
  out->n_blocks = (guint) ((out->data_length + SHOAL_MERKLE_BLOCK_SIZE - 1) / SHOAL_MERKLE_BLOCK_SIZE);
  layer = shoal_metainfo_get_piece_layer (info, index, &n_layer);
  if (layer != NULL)
    {
      if (k >= n_layer)
        return FALSE;
      out->width = piece_length / SHOAL_MERKLE_BLOCK_SIZE;
      memcpy (out->root, layer + k * SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
    }
  else
    {
      /* A file of one piece: its own tree, as wide as its blocks need. */
      if (k != 0)
        return FALSE;
      out->width = shoal_merkle_width (out->n_blocks);
      memcpy (out->root, mf->pieces_root, SHOAL_SHA256_LEN);
    }
  return TRUE;
}

/**
 * shoal_merkle_piece_check_leaves:
 * @mp: a piece
 * @leaves: (array length=n_leaves): the hashes of its blocks
 * @n_leaves: how many; must be the piece's number of blocks
 *
 * Returns: whether the leaves hash up to the piece's root
 */
gboolean
shoal_merkle_piece_check_leaves (const ShoalMerklePiece *mp,
                                 const guint8           *leaves,
                                 guint                   n_leaves)
{
  guint8 root[SHOAL_SHA256_LEN];

  g_return_val_if_fail (mp != NULL, FALSE);

  if (n_leaves != mp->n_blocks || n_leaves == 0 || n_leaves > mp->width)
    return FALSE;
  shoal_merkle_subtree_root (leaves, n_leaves, mp->width, root);
  return memcmp (root, mp->root, SHOAL_SHA256_LEN) == 0;
}

/**
 * shoal_merkle_piece_check_data:
 * @mp: a piece
 * @data: (array length=len): the piece as the stream has it
 * @len: its length: the file data, and in a hybrid the pad bytes after it
 * @leaves: (out caller-allocates) (nullable): room for the piece's leaves,
 *   n_blocks of them, left there for the caller to find the bad blocks
 *
 * Returns: whether the file data hashes to the piece's root and the bytes
 *   after it, if any, are zeros
 */
gboolean
shoal_merkle_piece_check_data (const ShoalMerklePiece *mp,
                               const guint8           *data,
                               gsize                   len,
                               guint8                 *leaves)
{
  guint8 small[64 * SHOAL_SHA256_LEN];
  g_autofree guint8 *scratch = NULL;

  g_return_val_if_fail (mp != NULL, FALSE);

  if (len < mp->data_length || mp->n_blocks == 0)
    return FALSE;
  if (leaves == NULL)
    {
      if (mp->n_blocks <= G_N_ELEMENTS (small) / SHOAL_SHA256_LEN)
        leaves = small;
      else
        leaves = scratch = g_malloc ((gsize) mp->n_blocks * SHOAL_SHA256_LEN);
    }
  shoal_merkle_hash_leaves (data, mp->data_length, leaves);
  for (gsize i = mp->data_length; i < len; i++)
    if (data[i] != 0)
      return FALSE;
  return shoal_merkle_piece_check_leaves (mp, leaves, mp->n_blocks);
}
