/* test-merkle.c: tests for the BEP 52 merkle tree module
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The expected hashes were computed once outside Shoal: the pads and the
 * five-leaf root with Python's hashlib, the file's piece layer and pieces
 * root by libtorrent 2 (create_torrent, v2 only, 32 KiB pieces) over the
 * bytes make_file() writes.
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-merkle.h"

/* 3 pieces of 32 KiB and 5 bytes: 7 leaves, the last one short. */
#define FILE_LEN     (3 * 32768 + 5)
#define PIECE_LENGTH 32768

static const char file_layer[] =
  "56da14524f0532b05699aef9bcb7cc2275784ed13f03e9156a9fb99c92f21a5c"
  "a4476029c51bc4f5f3a8d5482d91d762bb9342e446a93e3a388dcce2a4ad1a06"
  "4ef3071f3ea9d20a02cee3a66abc00b97f099bcf9c7f30a2d0c6c6a05a2e068a"
  "a917aea767afa3cc19a84fc226fc5e997097677161512647ae3c39fb18cddd0c";
static const char file_root[] = "3b73eb2d4a6dfc855dd47506591a163dc73ade01c76d36888392cdf5dc949968";

static guint8 *
make_file (void)
{
  guint8 *data = g_malloc (FILE_LEN);

  for (gsize i = 0; i < FILE_LEN; i++)
    data[i] = (guint8) (((i ^ (i >> 9)) * 31) & 0xff);
  return data;
}

static void
assert_hash (const guint8 hash[SHOAL_SHA256_LEN],
             const char  *hex)
{
  g_autofree char *got = shoal_hex_encode (hash, SHOAL_SHA256_LEN);

  g_assert_cmpstr (got, ==, hex);
}

static void
test_width (void)
{
  g_assert_cmpuint (shoal_merkle_width (1), ==, 1);
  g_assert_cmpuint (shoal_merkle_width (2), ==, 2);
  g_assert_cmpuint (shoal_merkle_width (3), ==, 4);
  g_assert_cmpuint (shoal_merkle_width (4), ==, 4);
  g_assert_cmpuint (shoal_merkle_width (5), ==, 8);
  g_assert_cmpuint (shoal_merkle_width (16385), ==, 32768);
}

static void
test_pad_hash (void)
{
  guint8 pad[SHOAL_SHA256_LEN];

  shoal_merkle_pad_hash (1, pad);
  assert_hash (pad, "0000000000000000000000000000000000000000000000000000000000000000");
  shoal_merkle_pad_hash (2, pad);
  assert_hash (pad, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
  shoal_merkle_pad_hash (4, pad);
  assert_hash (pad, "db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71");
  shoal_merkle_pad_hash (8, pad);
  assert_hash (pad, "c78009fdf07fc56a11f122370658a353aaa542ed63e44c4bc15ff4cd105ab33c");
}

/* Five leaves padded to eight with zero leaves. */
static void
test_reduce_padded (void)
{
  static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
  guint8 hashes[5 * SHOAL_SHA256_LEN];
  guint8 root[SHOAL_SHA256_LEN];

  for (guint8 i = 0; i < 5; i++)
    shoal_sha256 (&i, 1, hashes + i * SHOAL_SHA256_LEN);
  shoal_merkle_reduce (hashes, 5, 8, zero, root);
  assert_hash (root, "41886469306e351e1887e826f9fd0a51c08cfa38881129135e646320e3a134a2");
}

/* A single hash is its own root. */
static void
test_reduce_single (void)
{
  static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
  guint8 hash[SHOAL_SHA256_LEN];
  guint8 root[SHOAL_SHA256_LEN];

  memset (hash, 0xab, sizeof hash);
  shoal_merkle_reduce (hash, 1, 1, zero, root);
  g_assert_cmpmem (root, sizeof root, hash, sizeof hash);
}

/* From the 16 KiB leaves of a file, the piece layer and the root that
 * libtorrent gives; and the same root rebuilt from that layer. */
static void
test_file_root (void)
{
  static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
  g_autofree guint8 *data = make_file ();
  guint n_leaves = (FILE_LEN + SHOAL_MERKLE_BLOCK_SIZE - 1) / SHOAL_MERKLE_BLOCK_SIZE;
  guint leaves_per_piece = PIECE_LENGTH / SHOAL_MERKLE_BLOCK_SIZE;
  guint n_pieces = (FILE_LEN + PIECE_LENGTH - 1) / PIECE_LENGTH;
  g_autofree guint8 *leaves = g_malloc (n_leaves * SHOAL_SHA256_LEN);
  g_autofree guint8 *layer = g_malloc (n_pieces * SHOAL_SHA256_LEN);
  guint8 expected_layer[4 * SHOAL_SHA256_LEN];
  guint8 root[SHOAL_SHA256_LEN];

  g_assert_cmpuint (n_leaves, ==, 7);
  g_assert_cmpuint (n_pieces, ==, 4);
  g_assert_true (shoal_hex_decode (file_layer, strlen (file_layer), expected_layer, sizeof expected_layer));

  for (guint i = 0; i < n_leaves; i++)
    {
      gsize start = (gsize) i * SHOAL_MERKLE_BLOCK_SIZE;

      shoal_sha256 (data + start, MIN (SHOAL_MERKLE_BLOCK_SIZE, FILE_LEN - start),
                    leaves + i * SHOAL_SHA256_LEN);
    }

  /* Each piece's hash: its leaves, the last piece's padded with zeros. */
  for (guint p = 0; p < n_pieces; p++)
    {
      guint first = p * leaves_per_piece;
      guint n = MIN (leaves_per_piece, n_leaves - first);
      guint8 scratch[2 * SHOAL_SHA256_LEN];

      memcpy (scratch, leaves + first * SHOAL_SHA256_LEN, n * SHOAL_SHA256_LEN);
      shoal_merkle_reduce (scratch, n, leaves_per_piece, zero, layer + p * SHOAL_SHA256_LEN);
    }
  g_assert_cmpmem (layer, n_pieces * SHOAL_SHA256_LEN, expected_layer, sizeof expected_layer);

  /* The whole tree from its leaves... */
  shoal_merkle_reduce (leaves, n_leaves, shoal_merkle_width (n_leaves), zero, root);
  assert_hash (root, file_root);

  /* ...and from the piece layer, as the metainfo parser checks it. */
  memset (root, 0, sizeof root);
  shoal_merkle_root_from_layer (expected_layer, n_pieces, PIECE_LENGTH, root);
  assert_hash (root, file_root);
}

/* A layer that does not pad to a power of two with the right pad gives
 * another root: the piece-wide pad matters, not a zero leaf. */
static void
test_layer_pad_matters (void)
{
  static const guint8 zero[SHOAL_SHA256_LEN] = { 0, };
  guint8 layer[3 * SHOAL_SHA256_LEN];
  guint8 root[SHOAL_SHA256_LEN];
  guint8 wrong[SHOAL_SHA256_LEN];

  g_assert_true (shoal_hex_decode (file_layer, 3 * 2 * SHOAL_SHA256_LEN, layer, sizeof layer));
  shoal_merkle_root_from_layer (layer, 3, PIECE_LENGTH, root);
  shoal_merkle_reduce (layer, 3, 4, zero, wrong);
  g_assert_true (memcmp (root, wrong, sizeof root) != 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/merkle/width", test_width);
  g_test_add_func ("/engine/merkle/pad-hash", test_pad_hash);
  g_test_add_func ("/engine/merkle/reduce-padded", test_reduce_padded);
  g_test_add_func ("/engine/merkle/reduce-single", test_reduce_single);
  g_test_add_func ("/engine/merkle/file-root", test_file_root);
  g_test_add_func ("/engine/merkle/layer-pad-matters", test_layer_pad_matters);

  return g_test_run ();
}
