/* shoal-merkle.c: BEP 52 merkle trees over SHA-256
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file's tree has one leaf per 16 KiB block; the leaves are padded to a
 * power of two with zero hashes, so the pad at each layer is the root of an
 * all-zero subtree of that layer's height. A piece layer is the layer whose
 * nodes each cover one piece; the pieces root is the tree's root.
 */
#include "config.h"

#include <string.h>

#include "shoal-merkle.h"

/**
 * shoal_merkle_width:
 * @n: a number of leaves, at least 1
 *
 * Returns: the smallest power of two ≥ @n: how many leaves a tree over @n
 *   hashes has once padded
 */
guint64
shoal_merkle_width (guint64 n)
{
  guint64 p = 1;

  while (p < n)
    p *= 2;
  return p;
}

static void
hash_pair (const guint8 left[SHOAL_SHA256_LEN],
           const guint8 right[SHOAL_SHA256_LEN],
           guint8       out[SHOAL_SHA256_LEN])
{
  guint8 pair[2 * SHOAL_SHA256_LEN];

  memcpy (pair, left, SHOAL_SHA256_LEN);
  memcpy (pair + SHOAL_SHA256_LEN, right, SHOAL_SHA256_LEN);
  shoal_sha256 (pair, sizeof pair, out);
}

/**
 * shoal_merkle_pad_hash:
 * @width: a power of two: the leaves under the subtree
 * @out: (out caller-allocates): the subtree's root
 *
 * The root of a subtree of @width zero leaves: the pad at the layer
 * @width leaves above the bottom. A width of 1 is a zero leaf itself.
 */
void
shoal_merkle_pad_hash (guint64 width,
                       guint8  out[SHOAL_SHA256_LEN])
{
  g_return_if_fail (width >= 1 && (width & (width - 1)) == 0);

  memset (out, 0, SHOAL_SHA256_LEN);
  for (; width > 1; width /= 2)
    hash_pair (out, out, out);
}

/**
 * shoal_merkle_reduce:
 * @hashes: (array length=n) (inout): @n hashes of one layer; overwritten
 * @n: how many, at least 1 and at most @width
 * @width: the width of the padded layer, a power of two
 * @pad: the hash that stands for each missing node of this layer
 * @out: (out caller-allocates): the root
 *
 * Reduces one layer of a tree to its root. The missing nodes, from @n to
 * @width, are @pad, itself the root of an all-zero subtree at this layer;
 * each layer up pads with the hash of two pads.
 */
void
shoal_merkle_reduce (guint8       *hashes,
                     guint64       n,
                     guint64       width,
                     const guint8  pad[SHOAL_SHA256_LEN],
                     guint8        out[SHOAL_SHA256_LEN])
{
  guint8 layer_pad[SHOAL_SHA256_LEN];

  g_assert (n >= 1 && n <= width && (width & (width - 1)) == 0);

  memcpy (layer_pad, pad, SHOAL_SHA256_LEN);
  while (width > 1)
    {
      /* Pairs beyond the last real node hash to the next layer's pad. */
      for (guint64 i = 0; 2 * i < n; i++)
        hash_pair (hashes + 2 * i * SHOAL_SHA256_LEN,
                   2 * i + 1 < n ? hashes + (2 * i + 1) * SHOAL_SHA256_LEN : layer_pad,
                   hashes + i * SHOAL_SHA256_LEN);
      n = (n + 1) / 2;
      hash_pair (layer_pad, layer_pad, layer_pad);
      width /= 2;
    }
  memcpy (out, hashes, SHOAL_SHA256_LEN);
}

/**
 * shoal_merkle_root_from_layer:
 * @layer: (array length=n_hashes): a file's piece layer
 * @n_hashes: how many hashes it has, at least 1
 * @piece_length: the torrent's piece length, a power of two ≥ 16 KiB
 * @out: (out caller-allocates): the file's pieces root
 *
 * Rebuilds a file's pieces root from its piece layer, as BEP 52 has a
 * client check the "piece layers" of a .torrent. Missing pieces past the
 * end of the file hash as subtrees of zero leaves, one piece wide.
 */
void
shoal_merkle_root_from_layer (const guint8 *layer,
                              gsize         n_hashes,
                              guint64       piece_length,
                              guint8        out[SHOAL_SHA256_LEN])
{
  g_autofree guint8 *scratch = NULL;
  guint8 pad[SHOAL_SHA256_LEN];

  g_return_if_fail (n_hashes >= 1);
  g_return_if_fail (piece_length >= SHOAL_MERKLE_BLOCK_SIZE);

  scratch = g_memdup2 (layer, n_hashes * SHOAL_SHA256_LEN);
  shoal_merkle_pad_hash (piece_length / SHOAL_MERKLE_BLOCK_SIZE, pad);
  shoal_merkle_reduce (scratch, n_hashes, shoal_merkle_width (n_hashes), pad, out);
}

/**
 * shoal_merkle_hash_leaves:
 * @data: (array length=len): data that starts on a 16 KiB boundary of its file
 * @len: its length
 * @leaves: (out caller-allocates): room for one hash per started 16 KiB block
 *
 * Hashes each 16 KiB block of @data into a leaf of the file's tree. The
 * last block may be short (the end of a file): BEP 52 hashes it as it is,
 * and pads the tree with zero leaves, not the block with zero bytes.
 */
void
shoal_merkle_hash_leaves (const guint8 *data,
                          gsize         len,
                          guint8       *leaves)
{
  for (gsize off = 0, i = 0; off < len; off += SHOAL_MERKLE_BLOCK_SIZE, i++)
    shoal_sha256 (data + off, MIN (SHOAL_MERKLE_BLOCK_SIZE, len - off),
                  leaves + i * SHOAL_SHA256_LEN);
}

/**
 * shoal_merkle_subtree_root:
 * @leaves: (array length=n_leaves): leaf hashes, the first of the subtree onwards
 * @n_leaves: how many, at least 1 and at most @width
 * @width: the leaves under the subtree, a power of two
 * @out: (out caller-allocates): the subtree's root
 *
 * The root of a subtree of the leaf layer, the leaves past @n_leaves being
 * zero (past the end of the file). A piece's hash in a piece layer is such
 * a root, @width being the piece length in blocks; a file of at most one
 * piece has for root the tree over its own blocks, padded to a power of two.
 */
void
shoal_merkle_subtree_root (const guint8 *leaves,
                           guint64       n_leaves,
                           guint64       width,
                           guint8        out[SHOAL_SHA256_LEN])
{
  static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
  guint8 small[16 * SHOAL_SHA256_LEN];
  g_autofree guint8 *scratch = NULL;
  guint8 *copy = small;

  g_return_if_fail (n_leaves >= 1 && n_leaves <= width);
  g_return_if_fail ((width & (width - 1)) == 0);

  if (n_leaves > G_N_ELEMENTS (small) / SHOAL_SHA256_LEN)
    copy = scratch = g_malloc (n_leaves * SHOAL_SHA256_LEN);
  memcpy (copy, leaves, n_leaves * SHOAL_SHA256_LEN);
  shoal_merkle_reduce (copy, n_leaves, width, zero, out);
}
