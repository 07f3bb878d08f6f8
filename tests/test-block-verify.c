/* test-block-verify.c: v2 pieces and blocks against their merkle trees
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The torrents in tests/data/v2 were made by libtorrent 2 (see
 * make-v2-vectors.py there): their piece layers and pieces roots are the
 * known answers. The content is made again here by the same formula.
 * Covers metainfo/shoal-merkle-piece (what a piece hashes to, the padding
 * of a file's last piece and of files of one piece), the block verifier
 * of session/ (exact blame), and the SHA-256 recheck of storage/.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "shoal-block-verify.h"
#include "shoal-disk-pool.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-metainfo.h"
#include "shoal-storage-private.h"

#define BLOCK SHOAL_MERKLE_BLOCK_SIZE

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

/* make-v2-vectors.py's content: file k ('a' + k) has byte i = formula. */
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

/* The piece stream: files at their offsets, zeros between. */
static guint8 *
stream_content (ShoalMetainfo *info)
{
  guint8 *stream = g_malloc0 (shoal_metainfo_get_total_length (info));

  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (info, i);
      g_autofree guint8 *data = NULL;

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      data = file_content (mf);
      memcpy (stream + mf->offset, data, mf->length);
    }
  return stream;
}

static const char *vector_names[] = { "v2-64k.torrent", "hybrid-64k.torrent", "v2-16k.torrent" };

/* Every piece of libtorrent's torrents hashes to its layer hash (or the
 * file's root), and a byte changed in any block breaks it. */
static void
test_piece_vectors (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (vector_names); t++)
    {
      g_autoptr(ShoalMetainfo) info = load (vector_names[t]);
      g_autofree guint8 *stream = stream_content (info);
      guint64 piece_length = shoal_metainfo_get_piece_length (info);
      guint n_checked = 0;

      g_test_message ("%s: %u pieces", vector_names[t], shoal_metainfo_get_n_pieces (info));
      g_assert_true (shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V2);
      for (guint p = 0; p < shoal_metainfo_get_n_pieces (info); p++)
        {
          ShoalMerklePiece mp;
          guint8 *data = stream + (guint64) p * piece_length;
          gsize len = shoal_metainfo_get_piece_size (info, p);
          g_autofree guint8 *leaves = NULL;

          g_assert_true (shoal_merkle_piece_lookup (info, p, &mp));
          g_assert_cmpuint (mp.data_length, <=, len);
          g_assert_cmpuint (mp.n_blocks, ==, (mp.data_length + BLOCK - 1) / BLOCK);
          leaves = g_malloc ((gsize) mp.n_blocks * SHOAL_SHA256_LEN);
          g_assert_true (shoal_merkle_piece_check_data (&mp, data, len, leaves));
          g_assert_true (shoal_merkle_piece_check_leaves (&mp, leaves, mp.n_blocks));

          for (guint b = 0; b < mp.n_blocks; b++)
            {
              gsize at = (gsize) b * BLOCK + MIN (BLOCK, mp.data_length - (guint64) b * BLOCK) / 2;

              data[at] ^= 0x20;
              g_assert_false (shoal_merkle_piece_check_data (&mp, data, len, NULL));
              data[at] ^= 0x20;
            }
          n_checked++;
        }
      g_assert_cmpuint (n_checked, ==, shoal_metainfo_get_n_pieces (info));
    }
}

/* The geometry of the padded cases, against the file sizes of the set. */
static void
test_piece_geometry (void)
{
  g_autoptr(ShoalMetainfo) info = load ("v2-64k.torrent");
  ShoalMerklePiece mp;

  /* a.bin, 100000 bytes: a full piece, then 34464 bytes in 3 blocks
   * under a subtree of 4 (the piece's width), its layer hash. */
  g_assert_true (shoal_merkle_piece_lookup (info, 0, &mp));
  g_assert_cmpuint (mp.data_length, ==, 65536);
  g_assert_cmpuint (mp.width, ==, 4);
  g_assert_true (shoal_merkle_piece_lookup (info, 1, &mp));
  g_assert_cmpuint (mp.data_length, ==, 100000 - 65536);
  g_assert_cmpuint (mp.n_blocks, ==, 3);
  g_assert_cmpuint (mp.width, ==, 4);
  /* b.bin, 5 bytes: one leaf, the root itself. */
  g_assert_true (shoal_merkle_piece_lookup (info, 2, &mp));
  g_assert_cmpuint (mp.data_length, ==, 5);
  g_assert_cmpuint (mp.width, ==, 1);
  g_assert_cmpmem (mp.root, SHOAL_SHA256_LEN, shoal_metainfo_get_file (info, mp.file_index)->pieces_root,
                   SHOAL_SHA256_LEN);
  /* c.bin, 40000 bytes: 3 blocks, its own tree of 4. */
  g_assert_true (shoal_merkle_piece_lookup (info, 3, &mp));
  g_assert_cmpuint (mp.n_blocks, ==, 3);
  g_assert_cmpuint (mp.width, ==, 4);
  /* d.bin: three full pieces. */
  g_assert_true (shoal_merkle_piece_lookup (info, 6, &mp));
  g_assert_cmpuint (mp.data_length, ==, 65536);
  g_assert_false (shoal_merkle_piece_lookup (info, 7, &mp));
}

/* Wrong lengths, stray pad bytes, wrong leaf counts, v1-only torrents. */
static void
test_piece_hostile (void)
{
  g_autoptr(ShoalMetainfo) hybrid = load ("hybrid-64k.torrent");
  g_autofree guint8 *stream = stream_content (hybrid);
  guint64 pl = shoal_metainfo_get_piece_length (hybrid);
  ShoalMerklePiece mp;
  guint8 leaves[4 * SHOAL_SHA256_LEN];

  /* Piece 1 of the hybrid: 34464 bytes of a.bin, then pad zeros. */
  g_assert_true (shoal_merkle_piece_lookup (hybrid, 1, &mp));
  g_assert_true (shoal_merkle_piece_check_data (&mp, stream + pl, pl, NULL));
  /* A byte in the pad that is not zero. */
  stream[pl + pl - 1] = 1;
  g_assert_false (shoal_merkle_piece_check_data (&mp, stream + pl, pl, NULL));
  stream[pl + pl - 1] = 0;
  /* Too short to hold the file data. */
  g_assert_false (shoal_merkle_piece_check_data (&mp, stream + pl, mp.data_length - 1, NULL));
  /* Leaves: too few, too many, one swapped. */
  g_assert_true (shoal_merkle_piece_check_data (&mp, stream + pl, pl, leaves));
  g_assert_false (shoal_merkle_piece_check_leaves (&mp, leaves, 2));
  g_assert_false (shoal_merkle_piece_check_leaves (&mp, leaves, 4));
  g_assert_false (shoal_merkle_piece_check_leaves (&mp, leaves, 0));
  memcpy (leaves, leaves + SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
  g_assert_false (shoal_merkle_piece_check_leaves (&mp, leaves, 3));
  /* The short last block padded with zero bytes is not the same leaf:
   * BEP 52 hashes it as it is. */
  {
    guint8 padded[BLOCK] = { 0, };
    guint8 leaf[SHOAL_SHA256_LEN];
    guint8 short_leaf[SHOAL_SHA256_LEN];
    gsize tail = mp.data_length - 2 * BLOCK;

    memcpy (padded, stream + pl + 2 * BLOCK, tail);
    shoal_sha256 (padded, BLOCK, leaf);
    shoal_merkle_hash_leaves (stream + pl + 2 * BLOCK, tail, short_leaf);
    g_assert_true (memcmp (leaf, short_leaf, SHOAL_SHA256_LEN) != 0);
    g_assert_true (shoal_merkle_piece_check_data (&mp, stream + pl, pl, leaves));
    memcpy (leaves + 2 * SHOAL_SHA256_LEN, leaf, SHOAL_SHA256_LEN);
    g_assert_false (shoal_merkle_piece_check_leaves (&mp, leaves, 3));
  }
  /* Out of range. */
  g_assert_false (shoal_merkle_piece_lookup (hybrid, shoal_metainfo_get_n_pieces (hybrid), &mp));
}

typedef struct
{
  ShoalMetainfo      *info;
  guint8             *stream;
  ShoalBlockVerifier *verifier;
} VerifierFixture;

static void
verifier_setup (VerifierFixture *f,
                gconstpointer    data)
{
  f->info = load (data);
  f->stream = stream_content (f->info);
  f->verifier = shoal_block_verifier_new (f->info);
}

static void
verifier_teardown (VerifierFixture *f,
                   gconstpointer    data)
{
  shoal_block_verifier_free (f->verifier);
  g_free (f->stream);
  g_assert_finalize_object (f->info);
}

static guint8 *
piece_leaves (VerifierFixture *f,
              guint            piece,
              guint           *n)
{
  ShoalMerklePiece mp;
  guint8 *leaves;

  g_assert_true (shoal_merkle_piece_lookup (f->info, piece, &mp));
  leaves = g_malloc ((gsize) mp.n_blocks * SHOAL_SHA256_LEN);
  shoal_merkle_hash_leaves (f->stream + (guint64) piece * shoal_metainfo_get_piece_length (f->info),
                            mp.data_length, leaves);
  *n = mp.n_blocks;
  return leaves;
}

/* Known leaves: each block is checked alone; lies are refused. */
static void
test_verifier_blocks (VerifierFixture *f,
                      gconstpointer    data)
{
  guint64 pl = shoal_metainfo_get_piece_length (f->info);
  guint n;
  g_autofree guint8 *leaves = piece_leaves (f, 1, &n);
  g_autofree guint8 *bad = g_memdup2 (leaves, (gsize) n * SHOAL_SHA256_LEN);
  g_autoptr(GError) error = NULL;
  guint8 *piece = f->stream + pl;
  guint8 block[BLOCK];

  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 0, piece, BLOCK), ==, SHOAL_BLOCK_UNKNOWN);

  /* Leaves that do not hash up to the piece's root, or too few. */
  bad[5] ^= 1;
  g_assert_false (shoal_block_verifier_set_leaves (f->verifier, 1, bad, n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (shoal_block_verifier_set_leaves (f->verifier, 1, leaves, n - 1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (shoal_block_verifier_set_leaves (f->verifier, 1000, leaves, n, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (shoal_block_verifier_has_leaves (f->verifier, 1));

  g_assert_true (shoal_block_verifier_set_leaves (f->verifier, 1, leaves, n, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_block_verifier_has_leaves (f->verifier, 1));

  /* Piece 1 holds 34464 bytes: blocks of 16384, 16384, 1696. */
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 0, piece, BLOCK), ==, SHOAL_BLOCK_GOOD);
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 1, piece + BLOCK, BLOCK), ==, SHOAL_BLOCK_GOOD);
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 2, piece + 2 * BLOCK, 1696), ==, SHOAL_BLOCK_GOOD);
  /* One bit off in the middle block. */
  memcpy (block, piece + BLOCK, BLOCK);
  block[BLOCK / 2] ^= 0x80;
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 1, block, BLOCK), ==, SHOAL_BLOCK_BAD);
  /* A block cut short, one too long, one past the data. */
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 1, piece + BLOCK, BLOCK - 1), ==, SHOAL_BLOCK_BAD);
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 2, piece + 2 * BLOCK, 1695), ==, SHOAL_BLOCK_BAD);
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 0, piece, BLOCK + 1), ==, SHOAL_BLOCK_BAD);
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 0, piece, 0), ==, SHOAL_BLOCK_BAD);
  /* In a hybrid the last block is 16 KiB with pad zeros after the data:
   * good while they are zeros, bad otherwise. */
  if (shoal_metainfo_get_version (f->info) & SHOAL_TORRENT_VERSION_V1)
    {
      memcpy (block, piece + 2 * BLOCK, BLOCK);
      g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 2, block, BLOCK), ==, SHOAL_BLOCK_GOOD);
      block[BLOCK - 1] = 7;
      g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 2, block, BLOCK), ==, SHOAL_BLOCK_BAD);
      memset (block, 0, BLOCK);
      g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 1, 3, block, BLOCK), ==, SHOAL_BLOCK_GOOD);
    }
  /* Another piece is still unknown. */
  g_assert_cmpint (shoal_block_verifier_check_block (f->verifier, 0, 0, f->stream, BLOCK), ==, SHOAL_BLOCK_UNKNOWN);
}

static void
assert_culprits (GPtrArray  *culprits,
                 const char *expected)
{
  g_autoptr(GString) got = g_string_new (NULL);

  for (guint i = 0; i < culprits->len; i++)
    g_string_append_printf (got, "%s%s", i > 0 ? " " : "", (const char *) culprits->pdata[i]);
  g_assert_cmpstr (got->str, ==, expected);
  g_ptr_array_unref (culprits);
}

/* A failed piece whose every block came from one address convicts it at
 * once; a web seed's (no address) convicts nobody. */
static void
test_verifier_one_sender (VerifierFixture *f,
                          gconstpointer    data)
{
  guint n;
  g_autofree guint8 *leaves = piece_leaves (f, 0, &n);
  const char *ips[] = { "10.0.0.9", "10.0.0.9", "10.0.0.9", "10.0.0.9" };
  const char *web[] = { "", "", "", "" };

  g_assert_cmpuint (n, ==, 4);
  leaves[2 * SHOAL_SHA256_LEN] ^= 1;
  assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 0, leaves, n, ips), "10.0.0.9");
  g_assert_false (shoal_block_verifier_has_suspects (f->verifier, 0));
  assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 0, leaves, n, web), "");
  /* A wrong count of leaves is no evidence. */
  assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 0, leaves, n - 1, ips), "");
}

/* Mixed senders: nobody is blamed on the failure; the pass convicts the
 * sender of the block that differs, and only it. */
static void
test_verifier_mixed (VerifierFixture *f,
                     gconstpointer    data)
{
  guint n;
  g_autofree guint8 *good = piece_leaves (f, 0, &n);
  g_autofree guint8 *sent = g_memdup2 (good, (gsize) n * SHOAL_SHA256_LEN);
  const char *ips[] = { "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.1" };

  sent[1 * SHOAL_SHA256_LEN + 3] ^= 0x10;   /* block 1, from 10.0.0.2 */
  assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 0, sent, n, ips), "");
  g_assert_true (shoal_block_verifier_has_suspects (f->verifier, 0));
  assert_culprits (shoal_block_verifier_piece_passed (f->verifier, 0, good, n), "10.0.0.2");
  g_assert_false (shoal_block_verifier_has_suspects (f->verifier, 0));
  /* Evidence is gone with the pass. */
  assert_culprits (shoal_block_verifier_piece_passed (f->verifier, 0, good, n), "");
}

/* With the leaves known, a failed piece convicts at once, exactly. */
static void
test_verifier_known_leaves (VerifierFixture *f,
                            gconstpointer    data)
{
  guint n;
  g_autofree guint8 *good = piece_leaves (f, 4, &n);
  g_autofree guint8 *sent = g_memdup2 (good, (gsize) n * SHOAL_SHA256_LEN);
  const char *ips[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4" };

  g_assert_cmpuint (n, ==, 4);
  g_assert_true (shoal_block_verifier_set_leaves (f->verifier, 4, good, n, NULL));
  sent[3 * SHOAL_SHA256_LEN] ^= 1;
  assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 4, sent, n, ips), "10.0.0.4");
  g_assert_false (shoal_block_verifier_has_suspects (f->verifier, 4));
}

/* Leaves that arrive after a mixed failure (a hashes message asked for
 * then) convict at once; failures are counted until then. */
static void
test_verifier_leaves_later (VerifierFixture *f,
                            gconstpointer    data)
{
  guint n;
  g_autofree guint8 *good = piece_leaves (f, 0, &n);
  g_autofree guint8 *sent = g_memdup2 (good, (gsize) n * SHOAL_SHA256_LEN);
  const char *ips[] = { "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3" };

  sent[3 * SHOAL_SHA256_LEN + 31] ^= 0x01;   /* block 3, from 10.0.0.3 */
  assert_culprits (shoal_block_verifier_convict_suspects (f->verifier, 0), "");
  for (guint i = 1; i <= 3; i++)
    {
      assert_culprits (shoal_block_verifier_piece_failed (f->verifier, 0, sent, n, ips), "");
      g_assert_cmpuint (shoal_block_verifier_get_n_failures (f->verifier, 0), ==, i);
    }
  /* Not yet known: nothing to compare with. */
  assert_culprits (shoal_block_verifier_convict_suspects (f->verifier, 0), "");
  g_assert_true (shoal_block_verifier_set_leaves (f->verifier, 0, good, n, NULL));
  assert_culprits (shoal_block_verifier_convict_suspects (f->verifier, 0), "10.0.0.3");
  g_assert_cmpuint (shoal_block_verifier_get_n_failures (f->verifier, 0), ==, 0);
  g_assert_false (shoal_block_verifier_has_suspects (f->verifier, 0));
}

/* Recheck */

typedef struct
{
  ShoalMetainfo *info;
  ShoalDiskPool *pool;
  ShoalStorage  *storage;
  char          *tmp;
} RecheckFixture;

static void
write_files (RecheckFixture *f)
{
  for (guint i = 0; i < shoal_metainfo_get_n_files (f->info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->info, i);
      g_autofree char *path = NULL;
      g_autofree char *dir = NULL;
      g_autofree guint8 *data = NULL;
      g_autoptr(GError) error = NULL;

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      path = g_build_filename (f->tmp, mf->path, NULL);
      dir = g_path_get_dirname (path);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      data = file_content (mf);
      g_file_set_contents (path, (const char *) data, (gssize) mf->length, &error);
      g_assert_no_error (error);
    }
}

static void
recheck_setup (RecheckFixture *f,
               gconstpointer   data)
{
  g_autoptr(GError) error = NULL;

  f->info = load (data);
  f->tmp = g_dir_make_tmp ("shoal-v2-recheck-XXXXXX", &error);
  g_assert_no_error (error);
  f->pool = shoal_disk_pool_new (2);
  f->storage = shoal_storage_new (f->info, f->tmp, f->pool);
  write_files (f);
}

static void
rm_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        rm_tree (child);
      }
  g_remove (path);
}

static void
recheck_teardown (RecheckFixture *f,
                  gconstpointer   data)
{
  while (shoal_disk_pool_get_pending_jobs (f->pool) > 0)
    g_usleep (1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->storage);
  g_assert_finalize_object (f->pool);
  g_assert_finalize_object (f->info);
  rm_tree (f->tmp);
  g_free (f->tmp);
}

static void
got_result_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static ShoalBitfield *
run_recheck (RecheckFixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ShoalBitfield *have;

  shoal_storage_recheck_async (f->storage, NULL, NULL, NULL, got_result_cb, &result);
  for (guint i = 0; result == NULL && i < 100000; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  have = shoal_storage_recheck_finish (f->storage, result, &error);
  g_assert_no_error (error);
  return have;
}

static void
flip_byte (RecheckFixture *f,
           const char     *rel,
           goffset         at)
{
  g_autofree char *path = g_build_filename (f->tmp, shoal_metainfo_get_name (f->info), rel, NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (at, <, (goffset) len);
  data[at] ^= 0x01;
  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static char *
bits_string (const ShoalBitfield *bits)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < shoal_bitfield_get_size (bits); i++)
    g_string_append_c (s, shoal_bitfield_get (bits, i) ? '1' : '0');
  return g_string_free (s, FALSE);
}

/* Every piece is had; a byte damaged on disk loses exactly its piece, and
 * a file cut short loses the pieces it no longer fills. */
static void
test_recheck (RecheckFixture *f,
              gconstpointer   data)
{
  g_autoptr(ShoalBitfield) all = NULL;
  g_autoptr(ShoalBitfield) damaged = NULL;
  g_autoptr(ShoalBitfield) cut = NULL;
  g_autofree char *s = NULL;
  g_autofree char *path = NULL;

  all = run_recheck (f);
  g_assert_true (shoal_bitfield_is_full (all));
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 7);

  /* a.bin byte 70000: its second piece (1); d.bin byte 65536: piece 5
   * (d.bin starts at piece 4). */
  flip_byte (f, "a.bin", 70000);
  flip_byte (f, "d.bin", 65536);
  damaged = run_recheck (f);
  s = bits_string (damaged);
  g_assert_cmpstr (s, ==, "1011101");
  g_clear_pointer (&s, g_free);

  /* c.bin (piece 3, one piece of its own) one byte short. */
  path = g_build_filename (f->tmp, shoal_metainfo_get_name (f->info), "c.bin", NULL);
  g_assert_cmpint (truncate (path, 39999), ==, 0);
  cut = run_recheck (f);
  s = bits_string (cut);
  g_assert_cmpstr (s, ==, "1010101");
}

static gboolean
write_block (RecheckFixture *f,
             guint           piece,
             guint64         offset,
             const guint8   *data,
             gsize           len,
             const guint8   *leaf,
             GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  shoal_storage_write_block_async (f->storage, piece, offset, bytes, leaf, NULL, got_result_cb, &result);
  for (guint i = 0; result == NULL && i < 100000; i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  return shoal_storage_write_block_finish (f->storage, result, error);
}

/* Blocks written one by one, each against its leaf: what does not match
 * never reaches the disk; the piece is whole once all are written. */
static void
test_write_blocks (RecheckFixture *f,
                   gconstpointer   data)
{
  g_autofree guint8 *stream = stream_content (f->info);
  guint64 pl = shoal_metainfo_get_piece_length (f->info);
  guint8 *piece = stream + pl;      /* piece 1: 34464 bytes of a.bin */
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->tmp, shoal_metainfo_get_name (f->info), "a.bin", NULL);
  guint8 leaves[3 * SHOAL_SHA256_LEN];
  guint8 bad[BLOCK];
  g_autofree char *s = NULL;
  gboolean hybrid = (shoal_metainfo_get_version (f->info) & SHOAL_TORRENT_VERSION_V1) != 0;
  gsize last_len = hybrid ? BLOCK : 1696;   /* a hybrid pads with zeros */

  /* The fixture wrote every file: start from nothing. */
  g_assert_cmpint (g_remove (path), ==, 0);
  shoal_merkle_hash_leaves (piece, 100000 - 65536, leaves);

  /* A changed byte: refused, nothing written. */
  memcpy (bad, piece + BLOCK, BLOCK);
  bad[100] ^= 4;
  g_assert_false (write_block (f, 1, BLOCK, bad, BLOCK, leaves + SHOAL_SHA256_LEN, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Not on a block boundary, too long, past the piece. */
  g_assert_false (write_block (f, 1, 100, piece, BLOCK, leaves, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (write_block (f, 1, 0, piece, BLOCK + 1, leaves, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (write_block (f, 1, 4 * BLOCK, piece, BLOCK, leaves, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  /* The right blocks, out of order; the short last one with the pad
   * zeros of a hybrid after it, which must be zeros. */
  g_assert_true (write_block (f, 1, 2 * BLOCK, piece + 2 * BLOCK, last_len, leaves + 2 * SHOAL_SHA256_LEN, &error));
  g_assert_no_error (error);
  if (hybrid)
    {
      memcpy (bad, piece + 2 * BLOCK, BLOCK);
      bad[BLOCK - 1] = 1;
      g_assert_false (write_block (f, 1, 2 * BLOCK, bad, BLOCK, leaves + 2 * SHOAL_SHA256_LEN, &error));
      g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
      g_clear_error (&error);
    }
  g_assert_true (write_block (f, 1, 0, piece, BLOCK, leaves, &error));
  g_assert_true (write_block (f, 1, BLOCK, piece + BLOCK, BLOCK, leaves + SHOAL_SHA256_LEN, &error));
  g_assert_no_error (error);
  shoal_storage_set_piece_written (f->storage, 1);

  /* Piece 0 of a.bin was never written: a.bin holds zeros there. */
  have = run_recheck (f);
  s = bits_string (have);
  g_assert_cmpstr (s, ==, "0111111");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/merkle-piece/libtorrent-vectors", test_piece_vectors);
  g_test_add_func ("/engine/merkle-piece/geometry", test_piece_geometry);
  g_test_add_func ("/engine/merkle-piece/hostile", test_piece_hostile);
  for (guint i = 0; i < 2; i++)
    {
      const char *t = vector_names[i];
      g_autofree char *kind = g_strndup (t, strchr (t, '-') - t);
      g_autofree char *p1 = g_strdup_printf ("/engine/block-verify/%s/blocks", kind);
      g_autofree char *p2 = g_strdup_printf ("/engine/block-verify/%s/one-sender", kind);
      g_autofree char *p3 = g_strdup_printf ("/engine/block-verify/%s/mixed-then-pass", kind);
      g_autofree char *p4 = g_strdup_printf ("/engine/block-verify/%s/known-leaves", kind);
      g_autofree char *p7 = g_strdup_printf ("/engine/block-verify/%s/leaves-later", kind);
      g_autofree char *p5 = g_strdup_printf ("/engine/storage/recheck-%s-sha256", kind);
      g_autofree char *p6 = g_strdup_printf ("/engine/storage/write-blocks-%s", kind);

      g_test_add (p1, VerifierFixture, t, verifier_setup, test_verifier_blocks, verifier_teardown);
      g_test_add (p2, VerifierFixture, t, verifier_setup, test_verifier_one_sender, verifier_teardown);
      g_test_add (p3, VerifierFixture, t, verifier_setup, test_verifier_mixed, verifier_teardown);
      g_test_add (p4, VerifierFixture, t, verifier_setup, test_verifier_known_leaves, verifier_teardown);
      g_test_add (p7, VerifierFixture, t, verifier_setup, test_verifier_leaves_later, verifier_teardown);
      g_test_add (p5, RecheckFixture, t, recheck_setup, test_recheck, recheck_teardown);
      g_test_add (p6, RecheckFixture, t, recheck_setup, test_write_blocks, recheck_teardown);
    }

  return g_test_run ();
}
