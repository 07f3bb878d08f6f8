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
