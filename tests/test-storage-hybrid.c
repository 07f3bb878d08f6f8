/* test-storage-hybrid.c: a hybrid torrent's pieces checked with both hash sets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hybrids are made by the engine's creator; the inconsistent one has one
 * v1 piece hash altered in place (the bencoding stays valid, the info hash
 * changes). Data that passes its v2 (merkle) hash but not its v1 (SHA-1)
 * hash must never be taken as good: recheck, whole-piece writes, the
 * first read for upload and pieces written block by block all say that
 * the torrent's hashes disagree, and a consistent hybrid raises no alarm.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-merkle-piece.h"
#include "shoal-storage-private.h"
#include "shoal-storage.h"
#include "shoal-torrent-creator.h"

#define PIECE (16 * 1024)
/* Piece 2 is a.bin's last: 7232 bytes of data, then pad zeros. */
#define BAD_PIECE 2

static const struct
{
  const char *name;
  gsize       length;
} files[] = {
  { "a.bin", 2 * PIECE + 7232 },
  { "b.bin", 3 * PIECE + 5 },
};

typedef struct
{
  char          *tmp;
  char          *save_dir;
  ShoalDiskPool *pool;
  ShoalMetainfo *info;
  GBytes        *stream;    /* the whole piece stream, pads as zeros */
  ShoalStorage  *storage;
} Fixture;

typedef struct
{
  GBytes        *bytes;
  ShoalMetainfo *metainfo;
  GError        *error;
  GAsyncResult  *result;
} Waiter;

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Waiter *w = user_data;

  w->bytes = shoal_torrent_creator_create_finish (SHOAL_TORRENT_CREATOR (source), result,
                                                  &w->metainfo, &w->error);
  w->result = g_object_ref (result);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Waiter *w = user_data;

  w->result = g_object_ref (result);
}

static void
wait_for (Waiter *w)
{
  while (w->result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* The torrent with the v1 hash of @piece changed (none if < 0). */
static GBytes *
alter_v1_hash (GBytes *torrent,
               int     piece)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse (torrent, &error);
  const ShoalBencodeNode *info;
  const ShoalBencodeNode *pieces;
  const guint8 *hashes;
  gsize n;
  guint8 *copy;
  gsize len;

  g_assert_no_error (error);
  info = shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "info");
  pieces = shoal_bencode_node_dict_lookup (info, "pieces");
  hashes = shoal_bencode_node_get_string (pieces, &n);
  g_assert_cmpuint ((gsize) piece * SHOAL_SHA1_LEN, <, n);
  len = g_bytes_get_size (torrent);
  copy = g_memdup2 (g_bytes_get_data (torrent, NULL), len);
  copy[(hashes - (const guint8 *) g_bytes_get_data (torrent, NULL)) +
       (gsize) piece * SHOAL_SHA1_LEN + 7] ^= 0x5a;
  return g_bytes_new_take (copy, len);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  int bad_piece = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autoptr(ShoalTorrentCreator) creator = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Waiter w = { 0 };

  f->tmp = g_dir_make_tmp ("shoal-hybrid-XXXXXX", &error);
  g_assert_no_error (error);
  f->save_dir = g_build_filename (f->tmp, "save", NULL);
  root = g_build_filename (f->tmp, "src", "hybrid", NULL);
  g_assert_cmpint (g_mkdir_with_parents (root, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (root, files[i].name, NULL);
      g_autofree guint8 *content = g_malloc (files[i].length);

      for (gsize k = 0; k < files[i].length; k++)
        content[k] = (guint8) g_rand_int (rand);
      g_file_set_contents (path, (const char *) content, (gssize) files[i].length, &error);
      g_assert_no_error (error);
    }

  creator = shoal_torrent_creator_new (root);
  shoal_torrent_creator_set_piece_size (creator, PIECE);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_HYBRID);
  shoal_torrent_creator_create_async (creator, NULL, NULL, created_cb, &w);
  wait_for (&w);
  g_assert_no_error (w.error);
  g_assert_cmpint (shoal_metainfo_get_version (w.metainfo), ==, SHOAL_TORRENT_VERSION_HYBRID);
  g_clear_object (&w.result);

  torrent = bad_piece >= 0 ? alter_v1_hash (w.bytes, bad_piece) : g_bytes_ref (w.bytes);
  f->info = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_metainfo_get_version (f->info), ==, SHOAL_TORRENT_VERSION_HYBRID);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (f->info), ==, 7);
  g_clear_pointer (&w.bytes, g_bytes_unref);
  g_clear_object (&w.metainfo);

  for (guint i = 0; i < shoal_metainfo_get_n_files (f->info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->info, i);

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          g_byte_array_set_size (stream, stream->len + mf->length);
          memset (stream->data + stream->len - mf->length, 0, mf->length);
        }
      else
        {
          g_autofree char *path = g_build_filename (f->tmp, "src", mf->path, NULL);
          g_autofree char *content = NULL;
          gsize len;

          g_file_get_contents (path, &content, &len, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (len, ==, mf->length);
          g_byte_array_append (stream, (const guint8 *) content, len);
        }
    }
  g_assert_cmpuint (stream->len, ==, shoal_metainfo_get_total_length (f->info));
  f->stream = g_byte_array_free_to_bytes (g_steal_pointer (&stream));
  f->pool = shoal_disk_pool_new (2);
  f->storage = shoal_storage_new (f->info, f->save_dir, f->pool);
}

static void
wait_pool_idle (ShoalDiskPool *pool)
{
  while (shoal_disk_pool_get_pending_jobs (pool) > 0)
    g_usleep (1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  wait_pool_idle (f->pool);
  g_assert_finalize_object (f->storage);
  g_assert_finalize_object (f->pool);
  g_clear_object (&f->info);
  g_bytes_unref (f->stream);
  rm_rf (f->tmp);
  g_free (f->save_dir);
  g_free (f->tmp);
}

static GBytes *
piece_bytes (Fixture *f,
             guint    piece)
{
  return g_bytes_new_from_bytes (f->stream, (gsize) piece * PIECE,
                                 shoal_metainfo_get_piece_size (f->info, piece));
}

static gboolean
write_piece (Fixture  *f,
             guint     piece,
             GBytes   *data,
             GError  **error)
{
  Waiter w = { 0 };
  gboolean ok;

  shoal_storage_write_piece_async (f->storage, piece, data, NULL, done_cb, &w);
  wait_for (&w);
  ok = shoal_storage_write_piece_finish (f->storage, w.result, error);
  g_object_unref (w.result);
  return ok;
}

static GBytes *
read_block (Fixture  *f,
            guint     piece,
            GError  **error)
{
  Waiter w = { 0 };
  GBytes *block;

  shoal_storage_read_block_async (f->storage, piece, 0, 1024, NULL, done_cb, &w);
  wait_for (&w);
  block = shoal_storage_read_block_finish (f->storage, w.result, error);
  g_object_unref (w.result);
  return block;
}

static ShoalBitfield *
recheck (Fixture  *f,
         GError  **error)
{
  Waiter w = { 0 };
  ShoalBitfield *good;

  shoal_storage_recheck_async (f->storage, NULL, NULL, NULL, done_cb, &w);
  wait_for (&w);
  good = shoal_storage_recheck_finish (f->storage, w.result, error);
  g_object_unref (w.result);
  return good;
}

/* Puts the real files on disk, as a finished download left them. */
static void
write_files (Fixture *f)
{
  const guint8 *stream = g_bytes_get_data (f->stream, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < shoal_metainfo_get_n_files (f->info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->info, i);
      g_autofree char *path = NULL;
      g_autofree char *dir = NULL;

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        continue;
      path = g_build_filename (f->save_dir, mf->path, NULL);
      dir = g_path_get_dirname (path);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_file_set_contents (path, (const char *) stream + mf->offset, (gssize) mf->length, &error);
      g_assert_no_error (error);
    }
}

static void
assert_disagree (const GError *error,
                 guint         piece)
{
  g_autofree char *where = g_strdup_printf ("piece %u ", piece);

  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_INCONSISTENT_HASHES);
  g_assert_nonnull (strstr (error->message, "v1 and v2 hashes disagree"));
  g_assert_nonnull (strstr (error->message, where));
}

/* Tests */

static void
test_consistent (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ShoalBitfield) good = NULL;
  g_autoptr(GError) error = NULL;
  guint n = shoal_metainfo_get_n_pieces (f->info);

  /* Written whole, every piece passes both hash sets. */
  for (guint p = 0; p < n; p++)
    {
      g_autoptr(GBytes) piece = piece_bytes (f, p);

      g_assert_true (write_piece (f, p, piece, &error));
      g_assert_no_error (error);
    }
  good = recheck (f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_bitfield_count (good), ==, n);

  /* Served after a restart, each piece hashed again with both. */
  wait_pool_idle (f->pool);
  g_assert_finalize_object (f->storage);
  f->storage = shoal_storage_new (f->info, f->save_dir, f->pool);
  for (guint p = 0; p < n; p++)
    {
      g_autoptr(GBytes) block = read_block (f, p, &error);

      g_assert_no_error (error);
      g_assert_nonnull (block);
    }
}

static void
test_inconsistent_recheck (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(ShoalBitfield) good = NULL;
  g_autoptr(GError) error = NULL;

  write_files (f);
  good = recheck (f, &error);
  g_assert_null (good);
  assert_disagree (error, BAD_PIECE);
}

static void
test_inconsistent_write (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bad = piece_bytes (f, BAD_PIECE);
  gsize size = g_bytes_get_size (bad);
  g_autofree guint8 *garbage = g_memdup2 (g_bytes_get_data (bad, NULL), size);
  g_autoptr(GBytes) wrong = NULL;
  g_autofree char *path = g_build_filename (f->save_dir, "hybrid", "a.bin", NULL);
  g_autofree char *on_disk = NULL;
  gsize len = 0;

  /* The other pieces are fine. */
  for (guint p = 0; p < shoal_metainfo_get_n_pieces (f->info); p++)
    {
      g_autoptr(GBytes) piece = piece_bytes (f, p);

      if (p == BAD_PIECE)
        continue;
      g_assert_true (write_piece (f, p, piece, &error));
      g_assert_no_error (error);
    }

  /* The right data, by v2, fails v1: the torrent is wrong, and nothing of
   * the piece is written. */
  g_assert_false (write_piece (f, BAD_PIECE, bad, &error));
  assert_disagree (error, BAD_PIECE);
  g_clear_error (&error);
  g_file_get_contents (path, &on_disk, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 2 * PIECE; i < len; i++)
    g_assert_cmpint (on_disk[i], ==, 0);

  /* Data that fails both is just bad data. */
  garbage[100] ^= 1;
  wrong = g_bytes_new (garbage, size);
  g_assert_false (write_piece (f, BAD_PIECE, wrong, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
}

static void
test_inconsistent_upload (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;

  /* Files left by a download, trusted from resume data: the first read
   * for upload hashes the piece, with both hash sets. */
  write_files (f);
  block = read_block (f, 0, &error);
  g_assert_no_error (error);
  g_clear_pointer (&block, g_bytes_unref);

  block = read_block (f, BAD_PIECE, &error);
  g_assert_null (block);
  assert_disagree (error, BAD_PIECE);
}

static void
test_inconsistent_blocks (Fixture       *f,
                          gconstpointer  data)
{
  const guint8 *stream = g_bytes_get_data (f->stream, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;
  ShoalMerklePiece mp;
  guint64 size = shoal_metainfo_get_piece_size (f->info, BAD_PIECE);

  /* Each block matches its merkle leaf, so each is written... */
  g_assert_true (shoal_merkle_piece_lookup (f->info, BAD_PIECE, &mp));
  for (guint64 off = 0; off < size; off += SHOAL_MERKLE_BLOCK_SIZE)
    {
      const guint8 *bytes_at = stream + (guint64) BAD_PIECE * PIECE + off;
      guint64 in_file = off < mp.data_length ? MIN (SHOAL_MERKLE_BLOCK_SIZE, mp.data_length - off) : 0;
      g_autoptr(GBytes) bytes = g_bytes_new (bytes_at, MIN (SHOAL_MERKLE_BLOCK_SIZE, size - off));
      guint8 leaf[SHOAL_SHA256_LEN] = { 0 };
      Waiter w = { 0 };

      if (in_file > 0)
        shoal_sha256 (bytes_at, in_file, leaf);
      shoal_storage_write_block_async (f->storage, BAD_PIECE, off, bytes, leaf, NULL, done_cb, &w);
      wait_for (&w);
      g_assert_true (shoal_storage_write_block_finish (f->storage, w.result, &error));
      g_assert_no_error (error);
      g_object_unref (w.result);
    }
  shoal_storage_set_piece_written (f->storage, BAD_PIECE);

  /* ... but the whole piece, which v1 peers check with SHA-1, is not
   * served as it stands. */
  block = read_block (f, BAD_PIECE, &error);
  g_assert_null (block);
  assert_disagree (error, BAD_PIECE);
}

#define ADD(path, bad, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (bad), fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/engine/storage/hybrid/consistent-no-alarm", -1, test_consistent);
  ADD ("/engine/storage/hybrid/inconsistent-recheck", BAD_PIECE, test_inconsistent_recheck);
  ADD ("/engine/storage/hybrid/inconsistent-write", BAD_PIECE, test_inconsistent_write);
  ADD ("/engine/storage/hybrid/inconsistent-first-upload", BAD_PIECE, test_inconsistent_upload);
  ADD ("/engine/storage/hybrid/inconsistent-block-writes", BAD_PIECE, test_inconsistent_blocks);

  return g_test_run ();
}
