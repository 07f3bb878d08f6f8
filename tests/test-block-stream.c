/* test-block-stream.c: a hybrid downloaded block by block against its leaves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two sessions on 127.0.0.1: a seed of tests/data/v2/hybrid-64k.torrent
 * (made by libtorrent), and a leecher that knows every piece's merkle
 * leaves (as a hashes message would give them:
 * _shoal_torrent_set_block_hashes() checks them against the piece layer
 * first). The leecher checks each block alone and writes it as it comes,
 * never holding a piece whole; the files end up identical. Leaves that do
 * not hash up to the root are refused.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "session-fixture.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-torrent-private.h"

#define WAIT_S 30

static ShoalMetainfo *
load (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "v2", name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  ShoalMetainfo *info = shoal_metainfo_new_from_file (file, NULL, &error);

  g_assert_no_error (error);
  return info;
}

/* make-v2-vectors.py's content. */
static guint8 *
file_content (const ShoalMetainfoFile *mf)
{
  const char *base = strrchr (mf->path, '/');
  guint k = (guint) ((base != NULL ? base[1] : mf->path[0]) - 'a');
  guint8 *data = g_malloc (MAX (mf->length, 1));

  for (guint64 i = 0; i < mf->length; i++)
    data[i] = (guint8) ((i * 7 + k * 13 + (i >> 11)) & 0xff);
  return data;
}

static void
write_files (ShoalMetainfo *info,
             const char    *dir)
{
  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (info, i);
      g_autofree char *path = NULL;
      g_autofree char *parent = NULL;
      g_autofree guint8 *data = NULL;
      g_autoptr(GError) error = NULL;

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      path = g_build_filename (dir, mf->path, NULL);
      parent = g_path_get_dirname (path);
      g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
      data = file_content (mf);
      g_file_set_contents (path, (const char *) data, (gssize) mf->length, &error);
      g_assert_no_error (error);
    }
}

static gboolean
files_match (ShoalMetainfo *info,
             const char    *dir)
{
  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (info, i);
      g_autofree char *path = NULL;
      g_autofree char *got = NULL;
      g_autofree guint8 *want = NULL;
      gsize len = 0;

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      path = g_build_filename (dir, mf->path, NULL);
      if (!g_file_get_contents (path, &got, &len, NULL) || len != mf->length)
        return FALSE;
      want = file_content (mf);
      if (memcmp (got, want, len) != 0)
        return FALSE;
    }
  return TRUE;
}

/* The leaves of @piece, from the data. */
static guint8 *
piece_leaves (ShoalMetainfo *info,
              guint          piece,
              guint         *n)
{
  ShoalMerklePiece mp;
  const ShoalMetainfoFile *mf;
  g_autofree guint8 *data = NULL;
  guint8 *leaves;
  guint64 in_file;

  g_assert_true (shoal_merkle_piece_lookup (info, piece, &mp));
  mf = shoal_metainfo_get_file (info, mp.file_index);
  data = file_content (mf);
  in_file = (guint64) piece * shoal_metainfo_get_piece_length (info) - mf->offset;
  leaves = g_malloc ((gsize) mp.n_blocks * SHOAL_SHA256_LEN);
  shoal_merkle_hash_leaves (data + in_file, mp.data_length, leaves);
  *n = mp.n_blocks;
  return leaves;
}

static void
test_stream_hybrid (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("shoal-block-stream-XXXXXX", NULL);
  g_autoptr(ShoalMetainfo) info = load ("hybrid-64k.torrent");
  SfNode *seed = sf_node_new (tmp, "seed");
  SfNode *leech = sf_node_new (tmp, "leech");
  g_autofree char *seed_address = sf_node_address (seed);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *st;
  ShoalTorrent *lt;
  guint n_pieces = shoal_metainfo_get_n_pieces (info);

  write_files (info, seed->data_dir);
  st = shoal_session_add_torrent (seed->session, info, seed->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  SF_WAIT (shoal_torrent_get_state (st) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);

  lt = shoal_session_add_torrent (leech->session, info, leech->data_dir, SHOAL_ADD_FLAGS_PAUSED, &error);
  g_assert_no_error (error);

  /* Leaves that lie are refused, and a v1-only check cannot take them. */
  {
    guint n;
    g_autofree guint8 *leaves = piece_leaves (info, 0, &n);

    leaves[7] ^= 1;
    g_assert_false (_shoal_torrent_set_block_hashes (lt, 0, leaves, n, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error (&error);
  }
  for (guint p = 0; p < n_pieces; p++)
    {
      guint n;
      g_autofree guint8 *leaves = piece_leaves (info, p, &n);

      g_assert_true (_shoal_torrent_set_block_hashes (lt, p, leaves, n, &error));
      g_assert_no_error (error);
    }

  shoal_torrent_start (lt);
  g_assert_true (shoal_torrent_add_peer (lt, seed_address, &error));
  g_assert_no_error (error);
  SF_WAIT (shoal_torrent_get_state (lt) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);

  g_assert_true (files_match (info, leech->data_dir));
  /* Every block went the block-by-block way: 4 + 3 of a.bin, 1 of b.bin,
   * 3 of c.bin, 12 of d.bin, and the pad blocks after a.bin and c.bin
   * (whole pad blocks are checked as zeros, not against a leaf). */
  g_test_message ("%" G_GUINT64_FORMAT " blocks written one by one", lt->n_streamed_blocks);
  g_assert_cmpuint (lt->n_streamed_blocks, >=, 4 + 3 + 1 + 3 + 12);
  g_assert_cmpuint (g_hash_table_size (lt->streaming), ==, 0);
  g_assert_cmpuint (shoal_bitfield_count (shoal_torrent_get_pieces (lt)), ==, n_pieces);

  sf_node_free (leech);
  sf_node_free (seed);
  sf_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/block-verify/stream-hybrid", test_stream_hybrid);

  return g_test_run ();
}
