/* test-storage.c: ShoalStorage and ShoalDiskPool
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-storage-private.h"
#include "shoal-storage.h"

#define PIECE (16 * 1024)

typedef struct
{
  const char *path;    /* relative to the torrent's root */
  guint64     length;
  gboolean    pad;
} FileSpec;

typedef struct
{
  char          *tmp;
  char          *save_dir;
  ShoalDiskPool *pool;
  ShoalMetainfo *info;
  GBytes        *content;   /* the whole piece stream */
  ShoalStorage  *storage;
  GThread       *main_thread;
} Fixture;

/* Helpers */

static void
rm_rf (const char *path)
{
  GDir *dir;
  const char *name;
  struct stat st;

  if (lstat (path, &st) < 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static GBytes *
make_content (guint64 length,
              guint32 seed,
              const FileSpec *files,
              guint n_files)
{
  guint8 *data = g_malloc (MAX (length, 1));
  GRand *rand = g_rand_new_with_seed (seed);
  guint64 offset = 0;

  for (guint64 i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);

  for (guint i = 0; i < n_files; i++)
    {
      if (files[i].pad)
        memset (data + offset, 0, files[i].length);
      offset += files[i].length;
    }
  return g_bytes_new_take (data, length);
}

static void
write_path_list (ShoalBencodeWriter *w,
                 const char         *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; parts[i] != NULL; i++)
    shoal_bencode_writer_cstring (w, parts[i]);
  shoal_bencode_writer_end (w);
}

/* Builds a v1 torrent; with one file and no '/' in its path, a single-file
 * one. The content is random, pad files zero. */
static ShoalMetainfo *
build_torrent (const FileSpec  *files,
               guint            n_files,
               guint64          piece_length,
               guint32          seed,
               GBytes         **content_out)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GByteArray) hashes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  ShoalMetainfo *info;
  guint64 total = 0;
  const guint8 *data;
  gsize len;
  gboolean single = n_files == 1 && strchr (files[0].path, '/') == NULL;

  for (guint i = 0; i < n_files; i++)
    total += files[i].length;
  content = make_content (total, seed, files, n_files);
  data = g_bytes_get_data (content, &len);
  for (guint64 off = 0; off < total; off += piece_length)
    {
      guint8 digest[SHOAL_SHA1_LEN];

      shoal_sha1 (data + off, MIN (piece_length, total - off), digest);
      g_byte_array_append (hashes, digest, sizeof digest);
    }

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  if (single)
    {
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) files[0].length);
      shoal_bencode_writer_cstring (w, "name");
      shoal_bencode_writer_cstring (w, files[0].path);
    }
  else
    {
      shoal_bencode_writer_cstring (w, "files");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; i < n_files; i++)
        {
          shoal_bencode_writer_begin_dict (w);
          if (files[i].pad)
            {
              shoal_bencode_writer_cstring (w, "attr");
              shoal_bencode_writer_cstring (w, "p");
            }
          shoal_bencode_writer_cstring (w, "length");
          shoal_bencode_writer_integer (w, (gint64) files[i].length);
          shoal_bencode_writer_cstring (w, "path");
          write_path_list (w, files[i].path);
          shoal_bencode_writer_end (w);
        }
      shoal_bencode_writer_end (w);
      shoal_bencode_writer_cstring (w, "name");
      shoal_bencode_writer_cstring (w, "torrent");
    }
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) piece_length);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes->data, hashes->len);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  torrent = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpuint (shoal_metainfo_get_total_length (info), ==, total);
  *content_out = g_steal_pointer (&content);
  return info;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->main_thread = g_thread_self ();
  f->tmp = g_dir_make_tmp ("shoal-storage-XXXXXX", &error);
  g_assert_no_error (error);
  f->save_dir = g_build_filename (f->tmp, "save", NULL);
  f->pool = shoal_disk_pool_new (2);
}

/* Makes the fixture's torrent and storage. */
static void
fixture_load (Fixture        *f,
              const FileSpec *files,
              guint           n_files,
              guint64         piece_length)
{
  f->info = build_torrent (files, n_files, piece_length, 42, &f->content);
  f->storage = shoal_storage_new (f->info, f->save_dir, f->pool);
}

static void
wait_pool_idle (ShoalDiskPool *pool)
{
  /* Jobs drop their references just after their result is dispatched. */
  while (shoal_disk_pool_get_pending_jobs (pool) > 0)
    g_usleep (1000);
  /* A finished job's GTask stays referenced (and so does its source
   * object) until its result is dispatched here, even without callback. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  wait_pool_idle (f->pool);
  if (f->storage != NULL)
    g_assert_finalize_object (f->storage);
  g_clear_object (&f->info);
  g_clear_pointer (&f->content, g_bytes_unref);
  g_assert_finalize_object (f->pool);
  rm_rf (f->tmp);
  g_assert_false (g_file_test (f->tmp, G_FILE_TEST_EXISTS));
  g_free (f->save_dir);
  g_free (f->tmp);
}

static GBytes *
piece_bytes (Fixture *f,
             guint    piece)
{
  guint64 start = (guint64) piece * shoal_metainfo_get_piece_length (f->info);
  guint64 size = shoal_metainfo_get_piece_size (f->info, piece);

  return g_bytes_new_from_bytes (f->content, start, size);
}

typedef struct
{
  Fixture      *f;
  GAsyncResult *result;
} Waiter;

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Waiter *waiter = user_data;

  /* Every result must come back on the caller's context and thread. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_assert_true (g_thread_self () == waiter->f->main_thread);
  waiter->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Waiter *waiter)
{
  while (waiter->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return waiter->result;
}

static gboolean
write_piece (Fixture  *f,
             guint     piece,
             GBytes   *data,
             GError  **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  shoal_storage_write_piece_async (f->storage, piece, data, NULL, async_done_cb, &waiter);
  result = wait_result (&waiter);
  return shoal_storage_write_piece_finish (f->storage, result, error);
}

static void
write_all (Fixture *f)
{
  for (guint p = 0; p < shoal_metainfo_get_n_pieces (f->info); p++)
    {
      g_autoptr(GBytes) data = piece_bytes (f, p);
      g_autoptr(GError) error = NULL;

      g_assert_true (write_piece (f, p, data, &error));
      g_assert_no_error (error);
    }
}

static GBytes *
read_block (Fixture  *f,
            guint     piece,
            guint64   offset,
            guint64   length,
            GError  **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  shoal_storage_read_block_async (f->storage, piece, offset, length, NULL,
                                  async_done_cb, &waiter);
  result = wait_result (&waiter);
  return shoal_storage_read_block_finish (f->storage, result, error);
}

static void
assert_block (Fixture *f,
              guint    piece,
              guint64  offset,
              guint64  length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = read_block (f, piece, offset, length, &error);
  guint64 start = (guint64) piece * shoal_metainfo_get_piece_length (f->info) + offset;

  g_assert_no_error (error);
  g_assert_nonnull (block);
  g_assert_cmpmem (g_bytes_get_data (block, NULL), g_bytes_get_size (block),
                   (const guint8 *) g_bytes_get_data (f->content, NULL) + start, length);
}

typedef struct
{
  Fixture *f;
  guint    calls;
  guint    last_done;
  guint    total;
} Progress;

static void
progress_cb (guint    done,
             guint    total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_assert_true (g_thread_self () == progress->f->main_thread);
  g_assert_cmpuint (done, >=, progress->last_done);
  g_assert_cmpuint (done, <=, total);
  progress->calls++;
  progress->last_done = done;
  progress->total = total;
}

static ShoalBitfield *
recheck (Fixture  *f,
         Progress *progress,
         GError  **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  shoal_storage_recheck_async (f->storage, NULL, progress != NULL ? progress_cb : NULL,
                               progress, async_done_cb, &waiter);
  result = wait_result (&waiter);
  return shoal_storage_recheck_finish (f->storage, result, error);
}

/* Rechecks the pieces listed in @list, which ends with -1. */
static ShoalBitfield *
recheck_pieces (Fixture   *f,
                const int *list,
                Progress  *progress,
                GError   **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ShoalBitfield) pieces = shoal_bitfield_new (shoal_metainfo_get_n_pieces (f->info));

  for (guint i = 0; list[i] >= 0; i++)
    shoal_bitfield_set (pieces, (guint) list[i], TRUE);
  shoal_storage_recheck_pieces_async (f->storage, pieces, NULL,
                                      progress != NULL ? progress_cb : NULL, progress,
                                      async_done_cb, &waiter);
  /* The selection is copied: the caller need not keep it. */
  g_clear_pointer (&pieces, shoal_bitfield_free);
  result = wait_result (&waiter);
  return shoal_storage_recheck_finish (f->storage, result, error);
}

static char *
torrent_path (Fixture    *f,
              const char *rel)
{
  return g_build_filename (f->save_dir, rel, NULL);
}

static void
assert_file_content (Fixture *f,
                     guint    file_index)
{
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->info, file_index);
  g_autofree char *path = shoal_storage_dup_file_path (f->storage, file_index);
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len,
                   (const guint8 *) g_bytes_get_data (f->content, NULL) + mf->offset,
                   mf->length);
}

static const FileSpec odd_files[] = {
  { "a.bin", 5000, FALSE },
  { "sub/b.bin", 40001, FALSE },
  { "sub/c.bin", 1, FALSE },
  { "d.bin", 30007, FALSE },
};

/* Tests */

static void
test_mapping (Fixture       *f,
              gconstpointer  data)
{
  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (f->info), ==, 5);

  /* Out of order, as pieces arrive. */
  for (guint p = 5; p-- > 0;)
    {
      g_autoptr(GBytes) bytes = piece_bytes (f, p);
      g_autoptr(GError) error = NULL;

      g_assert_true (write_piece (f, p, bytes, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (odd_files); i++)
    assert_file_content (f, i);

  /* Blocks across file boundaries: a|b in piece 0, b|c|d in piece 2. */
  assert_block (f, 0, 4000, 2000);
  assert_block (f, 2, 12000, 1200);
  assert_block (f, 2, 0, PIECE);
  assert_block (f, 4, 0, shoal_metainfo_get_piece_size (f->info, 4));
  assert_block (f, 4, shoal_metainfo_get_piece_size (f->info, 4) - 1, 1);
}

static void
test_pad_files (Fixture       *f,
                gconstpointer  data)
{
  static const FileSpec files[] = {
    { "a.bin", 10000, FALSE },
    { ".pad/6384", 6384, TRUE },
    { "b.bin", 20000, FALSE },
  };
  g_autofree char *pad_dir = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GError) error = NULL;
  guint n_pads = 0;

  fixture_load (f, files, G_N_ELEMENTS (files), PIECE);
  for (guint i = 0; i < shoal_metainfo_get_n_files (f->info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->info, i);

      if (mf->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          g_autofree char *path = shoal_storage_dup_file_path (f->storage, i);

          n_pads++;
          pad_dir = g_path_get_dirname (path);
        }
    }
  g_assert_cmpuint (n_pads, ==, 1);

  write_all (f);
  assert_file_content (f, 0);
  assert_file_content (f, 2);
  g_assert_false (g_file_test (pad_dir, G_FILE_TEST_EXISTS));

  /* The pad region reads as zeros, also at the end of a block. */
  block = read_block (f, 0, 9000, PIECE - 9000, &error);
  g_assert_no_error (error);
  for (gsize i = 1000; i < g_bytes_get_size (block); i++)
    g_assert_cmpint (((const guint8 *) g_bytes_get_data (block, NULL))[i], ==, 0);
  assert_block (f, 0, 9000, PIECE - 9000);
}

static void
test_lazy_sparse (Fixture       *f,
                  gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 1024 * 1024, FALSE },
    { "other/small.bin", 100, FALSE },
  };
  g_autofree char *big = NULL;
  g_autofree char *small = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  fixture_load (f, files, G_N_ELEMENTS (files), PIECE);
  big = torrent_path (f, "torrent/big.bin");
  small = torrent_path (f, "torrent/other/small.bin");
  g_assert_false (g_file_test (f->save_dir, G_FILE_TEST_EXISTS));

  bytes = piece_bytes (f, 10);
  g_assert_true (write_piece (f, 10, bytes, &error));
  g_assert_no_error (error);

  g_assert_false (g_file_test (small, G_FILE_TEST_EXISTS));
  {
    g_autofree char *other = torrent_path (f, "torrent/other");

    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpint (stat (big, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 1024 * 1024);
  /* One piece written: far fewer blocks than the file's length. */
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 256 * 1024);
  assert_block (f, 10, 0, PIECE);
}

static void
test_hash_mismatch (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) good = NULL;
  g_autoptr(GBytes) bad = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *copy;
  gsize len;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  good = piece_bytes (f, 1);
  g_bytes_get_data (good, &len);
  copy = g_memdup2 (g_bytes_get_data (good, NULL), len);
  copy[len / 2] ^= 0x01;
  bad = g_bytes_new_take (copy, len);

  g_assert_false (write_piece (f, 1, bad, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
  g_assert_false (g_file_test (f->save_dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A piece of the wrong size is refused up front. */
  g_assert_false (write_piece (f, 4, good, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (write_piece (f, 99, good, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_assert_false (g_file_test (f->save_dir, G_FILE_TEST_EXISTS));
}

static void
test_read_bounds (Fixture       *f,
                  gconstpointer  data)
{
  struct { guint piece; guint64 offset; guint64 length; } cases[] = {
    { 0, 0, PIECE + 1 },
    { 0, PIECE, 1 },
    { 0, 1, PIECE },
    { 0, 0, 0 },
    { 4, 0, PIECE },      /* the last piece is shorter */
    { 5, 0, 1 },
    { G_MAXUINT, 0, 1 },
    { 0, G_MAXUINT64, 2 },   /* offset + length wraps around */
    { 0, 2, G_MAXUINT64 },
  };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) block = read_block (f, cases[i].piece, cases[i].offset,
                                            cases[i].length, &error);

      g_assert_null (block);
      g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
    }
}

static void
test_read_missing (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  block = read_block (f, 0, 0, 100, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING);
  g_assert_nonnull (strstr (error->message, "a.bin” is missing"));
  g_clear_error (&error);

  /* A file cut short is reported too. */
  write_all (f);
  {
    g_autofree char *path = torrent_path (f, "torrent/d.bin");

    g_assert_cmpint (truncate (path, 100), ==, 0);
  }
  block = read_block (f, 4, 0, 1000, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_MISSING);
}

static void
test_recheck (Fixture       *f,
              gconstpointer  data)
{
  static const FileSpec files[] = {
    { "a.bin", 3 * PIECE + 100, FALSE },
    { "b.bin", 2 * PIECE, FALSE },
    { "c.bin", PIECE + 7, FALSE },
  };
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  Progress progress = { f, 0, 0, 0 };
  guint n;
  int fd;

  fixture_load (f, files, G_N_ELEMENTS (files), PIECE);
  n = shoal_metainfo_get_n_pieces (f->info);
  g_assert_cmpuint (n, ==, 7);

  /* Nothing on disk: nothing had, and no error. */
  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_empty (have));
  g_clear_pointer (&have, shoal_bitfield_free);

  write_all (f);
  have = recheck (f, &progress, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
  g_assert_cmpuint (progress.calls, >=, 1);
  g_assert_cmpuint (progress.last_done, ==, n);
  g_assert_cmpuint (progress.total, ==, n);
  g_clear_pointer (&have, shoal_bitfield_free);

  /* Corrupt one byte of piece 1 (in a.bin) and delete b.bin, which holds
   * part of piece 3 and all of pieces 4 and 5 (piece 3 starts in a.bin). */
  a = torrent_path (f, "torrent/a.bin");
  fd = open (a, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "X", 1, PIECE + 5), ==, 1);
  close (fd);
  b = torrent_path (f, "torrent/b.bin");
  g_assert_cmpint (g_unlink (b), ==, 0);

  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_get (have, 0));
  g_assert_false (shoal_bitfield_get (have, 1));
  g_assert_true (shoal_bitfield_get (have, 2));
  g_assert_false (shoal_bitfield_get (have, 3));
  g_assert_false (shoal_bitfield_get (have, 4));
  g_assert_false (shoal_bitfield_get (have, 5));
  g_assert_true (shoal_bitfield_get (have, 6));
  g_assert_cmpuint (shoal_bitfield_count (have), ==, 3);
}

static void
test_recheck_threads (Fixture       *f,
                      gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 48 * 1024 * 1024, FALSE },
  };
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Progress progress = { f, 0, 0, 0 };
  gsize len;
  const guint8 *content;

  fixture_load (f, files, G_N_ELEMENTS (files), 256 * 1024);
  path = torrent_path (f, "big.bin");
  g_assert_cmpint (g_mkdir_with_parents (f->save_dir, 0755), ==, 0);
  content = g_bytes_get_data (f->content, &len);
  g_file_set_contents (path, (const char *) content, (gssize) len, &error);
  g_assert_no_error (error);

  have = recheck (f, &progress, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
  g_assert_cmpuint (progress.last_done, ==, shoal_metainfo_get_n_pieces (f->info));
  /* Both worker threads hashed. */
  g_assert_cmpuint (shoal_disk_pool_get_n_threads (f->pool), ==, 2);
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_threads (f->storage), ==, 2);
}

static void
test_recheck_cancel (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = { f, NULL };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  g_cancellable_cancel (cancellable);
  shoal_storage_recheck_async (f->storage, cancellable, NULL, NULL, async_done_cb, &waiter);
  result = wait_result (&waiter);
  have = shoal_storage_recheck_finish (f->storage, result, &error);
  g_assert_null (have);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_recheck_pieces (Fixture       *f,
                     gconstpointer  data)
{
  static const FileSpec files[] = {
    { "a.bin", 3 * PIECE + 100, FALSE },
    { "b.bin", 2 * PIECE, FALSE },
    { "c.bin", PIECE + 7, FALSE },
  };
  static const int some[] = { 0, 2, 3, -1 };
  static const int others[] = { 1, 5, 6, -1 };
  static const int none[] = { -1 };
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *c = NULL;
  Progress progress = { f, 0, 0, 0 };
  int fd;

  fixture_load (f, files, G_N_ELEMENTS (files), PIECE);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (f->info), ==, 7);
  write_all (f);

  /* Corrupt piece 1 and delete c.bin (the end of piece 5, all of piece
   * 6): none of them is selected, so nothing changes for pieces 0, 2, 3
   * (piece 3 spans a.bin and b.bin), and only their bytes are read. */
  a = torrent_path (f, "torrent/a.bin");
  fd = open (a, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "X", 1, PIECE + 5), ==, 1);
  close (fd);
  c = torrent_path (f, "torrent/c.bin");
  g_assert_cmpint (g_unlink (c), ==, 0);

  have = recheck_pieces (f, some, &progress, &error);
  g_assert_no_error (error);
  g_assert_nonnull (have);
  g_assert_cmpuint (shoal_bitfield_get_size (have), ==, 7);
  g_assert_true (shoal_bitfield_get (have, 0));
  g_assert_true (shoal_bitfield_get (have, 2));
  g_assert_true (shoal_bitfield_get (have, 3));
  /* Pieces left out are reported as not had. */
  g_assert_cmpuint (shoal_bitfield_count (have), ==, 3);
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 3);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==, 3 * PIECE);
  /* Progress counts the selected pieces only. */
  g_assert_cmpuint (progress.calls, >=, 1);
  g_assert_cmpuint (progress.last_done, ==, 3);
  g_assert_cmpuint (progress.total, ==, 3);
  g_clear_pointer (&have, shoal_bitfield_free);

  /* The damaged pieces themselves: 1 is hashed and fails, 5 and 6 cannot
   * be read whole, so they are not had without being hashed. */
  have = recheck_pieces (f, others, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_empty (have));
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 1);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==,
                    2 * PIECE + 107);
  g_clear_pointer (&have, shoal_bitfield_free);

  /* An empty selection reads nothing. */
  progress = (Progress) { f, 0, 0, 0 };
  have = recheck_pieces (f, none, &progress, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_empty (have));
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 0);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==, 0);
  g_assert_cmpuint (progress.last_done, ==, 0);
  g_clear_pointer (&have, shoal_bitfield_free);

  /* The full recheck sees all the damage. */
  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_bitfield_count (have), ==, 4);
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 5);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==, 6 * PIECE + 107);
}

static void
test_recheck_pieces_chunks (Fixture       *f,
                            gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 48 * 1024 * 1024, FALSE },
  };
  const guint64 piece_length = 256 * 1024;
  g_autoptr(ShoalBitfield) pieces = NULL;
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Progress progress = { f, 0, 0, 0 };
  Waiter waiter = { f, NULL };
  guint n_pieces;
  guint n_selected;
  gsize len;
  const guint8 *content;
  int fd;

  fixture_load (f, files, G_N_ELEMENTS (files), piece_length);
  n_pieces = shoal_metainfo_get_n_pieces (f->info);
  g_assert_cmpuint (n_pieces, ==, 192);
  path = torrent_path (f, "big.bin");
  g_assert_cmpint (g_mkdir_with_parents (f->save_dir, 0755), ==, 0);
  content = g_bytes_get_data (f->content, &len);
  g_file_set_contents (path, (const char *) content, (gssize) len, &error);
  g_assert_no_error (error);

  /* Corrupt every piece whose index is a multiple of 7, then check all
   * the others: runs of six pieces, cut into more than one chunk (four
   * pieces of 256 KiB make a chunk), each broken off by a piece left
   * out. */
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  for (guint p = 0; p < n_pieces; p += 7)
    g_assert_cmpint (pwrite (fd, "X", 1, (off_t) (p * piece_length + 1000)), ==, 1);
  close (fd);

  pieces = shoal_bitfield_new (n_pieces);
  for (guint p = 0; p < n_pieces; p++)
    shoal_bitfield_set (pieces, p, p % 7 != 0);
  n_selected = shoal_bitfield_count (pieces);
  g_assert_cmpuint (n_selected, ==, 192 - 28);

  shoal_storage_recheck_pieces_async (f->storage, pieces, NULL, progress_cb, &progress,
                                      async_done_cb, &waiter);
  result = wait_result (&waiter);
  have = shoal_storage_recheck_finish (f->storage, result, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_equal (have, pieces));
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, n_selected);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==,
                    n_selected * piece_length);
  g_assert_cmpuint (progress.last_done, ==, n_selected);
  g_assert_cmpuint (progress.total, ==, n_selected);
  /* In parallel, like the full recheck. */
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_threads (f->storage), ==, 2);
}

static const FileSpec skip_files[] = {
  { "wanted.bin", PIECE + 1000, FALSE },
  { "skipped/unwanted.bin", 2 * PIECE + 3000, FALSE },
  { "tail.bin", 500, FALSE },
};

static void
test_skipped (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *unwanted = NULL;
  g_autofree char *unwanted_dir = NULL;
  g_autofree char *part = NULL;
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  Waiter waiter = { f, NULL };

  fixture_load (f, skip_files, G_N_ELEMENTS (skip_files), PIECE);
  part = g_build_filename (f->tmp, "resume", "torrent.parts", NULL);
  shoal_storage_set_part_file_path (f->storage, part);
  shoal_storage_set_file_skipped (f->storage, 1, TRUE);
  g_assert_true (shoal_storage_get_file_skipped (f->storage, 1));
  unwanted = torrent_path (f, "torrent/skipped/unwanted.bin");

  /* Piece 1 is shared by wanted.bin and unwanted.bin: written, read back
   * whole (the unwanted bytes from the part file), unwanted.bin absent. */
  {
    g_autoptr(GBytes) bytes = piece_bytes (f, 1);

    g_assert_true (write_piece (f, 1, bytes, &error));
    g_assert_no_error (error);
  }
  g_assert_false (g_file_test (unwanted, G_FILE_TEST_EXISTS));
  unwanted_dir = g_path_get_dirname (unwanted);
  g_assert_false (g_file_test (unwanted_dir, G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  assert_block (f, 1, 0, PIECE);
  assert_block (f, 1, 500, 1000);

  write_all (f);
  g_assert_false (g_file_test (unwanted, G_FILE_TEST_EXISTS));
  assert_file_content (f, 0);
  assert_file_content (f, 2);
  for (guint p = 0; p < 4; p++)
    assert_block (f, p, 0, shoal_metainfo_get_piece_size (f->info, p));

  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
  g_clear_pointer (&have, shoal_bitfield_free);

  /* Checking only pieces kept in the part file reads them from there. */
  {
    static const int kept[] = { 1, 2, 3, -1 };

    have = recheck_pieces (f, kept, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (shoal_bitfield_count (have), ==, 3);
    g_assert_false (shoal_bitfield_get (have, 0));
    g_clear_pointer (&have, shoal_bitfield_free);
  }

  /* The part file is durable: a new storage reads it back. */
  wait_pool_idle (f->pool);
  g_assert_finalize_object (f->storage);
  f->storage = shoal_storage_new (f->info, f->save_dir, f->pool);
  shoal_storage_set_part_file_path (f->storage, part);
  shoal_storage_set_file_skipped (f->storage, 1, TRUE);
  assert_block (f, 2, 0, PIECE);
  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
  g_clear_pointer (&have, shoal_bitfield_free);

  /* Un-skip: the bytes move into the file, and the part file goes. */
  shoal_storage_set_file_skipped (f->storage, 1, FALSE);
  shoal_storage_apply_skipped_async (f->storage, NULL, async_done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_true (shoal_storage_apply_skipped_finish (f->storage, result, &error));
  g_assert_no_error (error);
  assert_file_content (f, 1);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
}

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
} Gate;

static void
gate_job (gpointer data)
{
  Gate *gate = data;

  g_mutex_lock (&gate->lock);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

static void
test_recheck_pieces_errors (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(ShoalBitfield) pieces = NULL;
  g_autoptr(ShoalBitfield) wrong_size = NULL;
  g_autoptr(ShoalBitfield) have = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = { f, NULL };
  Gate gate = { 0, };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  write_all (f);
  pieces = shoal_bitfield_new (shoal_metainfo_get_n_pieces (f->info));
  shoal_bitfield_set_all (pieces, TRUE);

  g_cancellable_cancel (cancellable);
  shoal_storage_recheck_pieces_async (f->storage, pieces, cancellable, NULL, NULL,
                                      async_done_cb, &waiter);
  have = shoal_storage_recheck_finish (f->storage, wait_result (&waiter), &error);
  g_clear_object (&waiter.result);
  g_assert_null (have);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* A selection that does not fit the torrent, e.g. from stale resume
   * data, is an error rather than a guess. */
  wrong_size = shoal_bitfield_new (shoal_metainfo_get_n_pieces (f->info) + 1);
  shoal_bitfield_set_all (wrong_size, TRUE);
  shoal_storage_recheck_pieces_async (f->storage, wrong_size, NULL, NULL, NULL,
                                      async_done_cb, &waiter);
  have = shoal_storage_recheck_finish (f->storage, wait_result (&waiter), &error);
  g_clear_object (&waiter.result);
  g_assert_null (have);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  have = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
  g_clear_pointer (&have, shoal_bitfield_free);
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==,
                    shoal_metainfo_get_n_pieces (f->info));

  /* Cancelled once queued: the workers stop before reading anything. */
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  shoal_disk_pool_push (f->pool, gate_job, &gate, NULL, 0);
  shoal_disk_pool_push (f->pool, gate_job, &gate, NULL, 0);
  shoal_storage_recheck_pieces_async (f->storage, pieces, cancellable, NULL, NULL,
                                      async_done_cb, &waiter);
  g_cancellable_cancel (cancellable);
  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
  have = shoal_storage_recheck_finish (f->storage, wait_result (&waiter), &error);
  g_clear_object (&waiter.result);
  g_assert_null (have);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (shoal_storage_get_last_recheck_n_hashed (f->storage), ==, 0);
  g_assert_cmpuint (shoal_storage_get_last_recheck_bytes_read (f->storage), ==, 0);
  wait_pool_idle (f->pool);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

static void
test_pending_bytes (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) bytes = NULL;
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Gate gate = { 0, };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  bytes = piece_bytes (f, 0);
  g_assert_cmpuint (shoal_disk_pool_get_pending_bytes (f->pool), ==, 0);

  /* Keep both threads busy so the write stays queued. */
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  shoal_disk_pool_push (f->pool, gate_job, &gate, NULL, 0);
  shoal_disk_pool_push (f->pool, gate_job, &gate, NULL, 0);
  shoal_storage_write_piece_async (f->storage, 0, bytes, NULL, async_done_cb, &waiter);
  shoal_storage_write_piece_async (f->storage, 0, bytes, NULL, NULL, NULL);
  g_assert_cmpuint (shoal_disk_pool_get_pending_bytes (f->pool), ==, 2 * PIECE);
  g_assert_cmpuint (shoal_disk_pool_get_pending_jobs (f->pool), ==, 4);

  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
  result = wait_result (&waiter);
  g_assert_true (shoal_storage_write_piece_finish (f->storage, result, &error));
  g_assert_no_error (error);
  wait_pool_idle (f->pool);
  g_assert_cmpuint (shoal_disk_pool_get_pending_bytes (f->pool), ==, 0);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

static void
test_cancelled_write (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Waiter waiter = { f, NULL };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  bytes = piece_bytes (f, 0);
  g_cancellable_cancel (cancellable);
  shoal_storage_write_piece_async (f->storage, 0, bytes, cancellable, async_done_cb, &waiter);
  result = wait_result (&waiter);
  g_assert_false (shoal_storage_write_piece_finish (f->storage, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (f->save_dir, G_FILE_TEST_EXISTS));
}

static gboolean
mount_tmpfs (const char *dir,
             const char *size)
{
  g_autofree char *options = g_strdup_printf ("size=%s", size);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return mount ("tmpfs", dir, "tmpfs", 0, options) == 0;
}

/* Direct writes */

#define MIB (1024 * 1024)

/* The piece as a torrent hands it over: in a buffer from
 * shoal_storage_alloc_buffer(), @shift bytes in (0: aligned). */
static GBytes *
aligned_piece_bytes (Fixture *f,
                     guint    piece,
                     gsize    shift)
{
  guint64 start = (guint64) piece * shoal_metainfo_get_piece_length (f->info);
  gsize size = (gsize) shoal_metainfo_get_piece_size (f->info, piece);
  guint8 *data = shoal_storage_alloc_buffer (size + shift);

  g_assert_cmpuint (GPOINTER_TO_SIZE (data) % 4096, ==, 0);
  memcpy (data + shift, (const guint8 *) g_bytes_get_data (f->content, NULL) + start, size);
  return g_bytes_new_with_free_func (data + shift, size, g_aligned_free, data);
}

static void
write_pieces_aligned (Fixture     *f,
                      const guint *order,
                      guint        n,
                      gsize        shift)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) bytes = aligned_piece_bytes (f, order[i], shift);
      g_autoptr(GError) error = NULL;

      g_assert_true (write_piece (f, order[i], bytes, &error));
      g_assert_no_error (error);
    }
}

/* Whether @dir's file system takes O_DIRECT writes at all (tmpfs did not
 * before Linux 6.6): where it does not, storage writes through the cache
 * and there is nothing direct to test. */
static gboolean
dir_takes_direct_writes (const char *dir)
{
  g_autofree char *probe = g_build_filename (dir, "direct-probe", NULL);
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  fd = open (probe, O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0644);
  if (fd >= 0)
    close (fd);
  g_unlink (probe);
  return fd >= 0;
}

static void
assert_all_pieces_good (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBitfield) have = recheck (f, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (shoal_bitfield_is_full (have));
}

/* Whole 1 MiB pieces of a one-file torrent, written out of order, go past
 * the cache; the short last piece through it. The file is allocated in
 * full at its first write, and reads see what was written directly. */
static void
test_direct_writes (Fixture       *f,
                    gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 4 * MIB + 100 * 1024, FALSE },
  };
  static const guint order[] = { 3, 0, 4, 1, 2 };
  g_autofree char *path = NULL;
  struct stat st;

  if (!dir_takes_direct_writes (f->save_dir))
    {
      g_test_skip ("The file system of the temporary folder refuses O_DIRECT");
      return;
    }
  shoal_disk_pool_set_direct_writes (f->pool, TRUE);
  fixture_load (f, files, G_N_ELEMENTS (files), MIB);

  write_pieces_aligned (f, order, 1, 0);
  path = torrent_path (f, "big.bin");
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, files[0].length);
  /* Allocated in full, not only the piece written. */
  g_assert_cmpint ((gint64) st.st_blocks * 512, >=, (gint64) files[0].length);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 1);

  write_pieces_aligned (f, order + 1, G_N_ELEMENTS (order) - 1, 0);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 4);
  assert_file_content (f, 0);
  assert_block (f, 3, 16 * 1024, 16 * 1024);
  assert_all_pieces_good (f);
}

/* Files that do not start on a 4 KiB boundary of the piece stream cannot
 * be written directly (the buffer and the file are never aligned
 * together); those that do are, their unaligned ends through the cache,
 * and every byte lands where it should. */
static void
test_direct_writes_unaligned (Fixture       *f,
                              gconstpointer  data)
{
  static const FileSpec files[] = {
    { "a.bin", 100 * 4096, FALSE },        /* starts at 0 */
    { "sub/b.bin", 1500000, FALSE },       /* starts at 409,600: aligned */
    { "c.bin", 700001, FALSE },            /* starts at 1,909,600: not */
  };
  static const guint order[] = { 4, 2, 0, 3, 1 };

  if (!dir_takes_direct_writes (f->save_dir))
    {
      g_test_skip ("The file system of the temporary folder refuses O_DIRECT");
      return;
    }
  shoal_disk_pool_set_direct_writes (f->pool, TRUE);
  fixture_load (f, files, G_N_ELEMENTS (files), 512 * 1024);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (f->info), ==, G_N_ELEMENTS (order));

  write_pieces_aligned (f, order, G_N_ELEMENTS (order), 0);
  /* a.bin in piece 0 (409,600 bytes); b.bin in pieces 1, 2 and 3 (the
   * last one's aligned 335,872 bytes of 336,736); c.bin never. */
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    assert_file_content (f, i);
  assert_all_pieces_good (f);
}

/* Nothing is written directly when the pool says so, from a buffer that
 * is not aligned, or on a file system refusing O_DIRECT: the same bytes
 * go through the cache, and files are not allocated ahead. */
static void
test_direct_writes_fallback (Fixture       *f,
                             gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 4 * MIB, FALSE },
  };
  static const guint order[] = { 2, 0, 3, 1 };
  g_autofree char *path = NULL;
  struct stat st;

  fixture_load (f, files, G_N_ELEMENTS (files), MIB);
  path = torrent_path (f, "big.bin");

  /* Off (a new pool's default): sparse, all through the cache. */
  write_pieces_aligned (f, order, 1, 0);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 2 * MIB);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 0);

  /* On, but the buffer is 16 bytes off. */
  shoal_disk_pool_set_direct_writes (f->pool, TRUE);
  write_pieces_aligned (f, order + 1, 1, 16);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 0);

  /* On, aligned, but the file system refuses to open the file so. */
  f->storage->refuse_direct_for_testing = 1;
  write_pieces_aligned (f, order + 2, 2, 0);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 0);

  assert_file_content (f, 0);
  assert_all_pieces_good (f);
}

/* A file system that opens files for direct writes but refuses the writes
 * (EINVAL: an alignment it does not take): each piece still lands whole,
 * through the cache, and the descriptor is not tried again. */
static void
test_direct_writes_refused (Fixture       *f,
                            gconstpointer  data)
{
  static const FileSpec files[] = {
    { "big.bin", 3 * MIB, FALSE },
  };
  static const guint order[] = { 1, 2, 0 };

  if (!dir_takes_direct_writes (f->save_dir))
    {
      g_test_skip ("The file system of the temporary folder refuses O_DIRECT");
      return;
    }
  shoal_disk_pool_set_direct_writes (f->pool, TRUE);
  fixture_load (f, files, G_N_ELEMENTS (files), MIB);
  f->storage->refuse_direct_for_testing = 2;
  write_pieces_aligned (f, order, G_N_ELEMENTS (order), 0);
  g_assert_cmpuint (_shoal_storage_get_n_direct_writes (f->storage), ==, 0);
  g_assert_cmpuint (f->storage->fds[0].direct_state, ==, DIRECT_REFUSED);
  assert_file_content (f, 0);
  assert_all_pieces_good (f);
}

/* Writes a one-file torrent's pieces in order into a tmpfs of @size until
 * one fails: the error must say the disk is full and name the file, and a
 * recheck must find every piece written before intact and not the one that
 * failed. With @direct, from aligned buffers with direct writes on: the file
 * is not allocated ahead (it would not fit). */
static void
fill_disk (Fixture        *f,
           const FileSpec *file,
           guint64         piece_length,
           const char     *size,
           gboolean        direct)
{
  g_autoptr(GError) error = NULL;
  guint n_pieces;
  guint written = 0;
  guint p;

  g_free (f->save_dir);
  f->save_dir = g_build_filename (f->tmp, "tiny", NULL);
  if (!mount_tmpfs (f->save_dir, size))
    {
      g_test_skip ("Cannot mount a tmpfs to fill up");
      return;
    }
  shoal_disk_pool_set_direct_writes (f->pool, direct);
  fixture_load (f, file, 1, piece_length);
  n_pieces = shoal_metainfo_get_n_pieces (f->info);
  for (p = 0; p < n_pieces; p++)
    {
      g_autoptr(GBytes) bytes = direct ? aligned_piece_bytes (f, p, 0) : piece_bytes (f, p);

      if (!write_piece (f, p, bytes, &error))
        break;
      written++;
    }
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_DISK_FULL);
  g_assert_nonnull (strstr (error->message, "No space left on device while writing “"));
  g_assert_nonnull (strstr (error->message, "big.bin”"));
  g_assert_cmpuint (written, >=, 1);
  g_assert_cmpuint (written, <, n_pieces);

  {
    g_autoptr(ShoalBitfield) have = recheck (f, NULL, NULL);

    g_assert_nonnull (have);
    for (guint i = 0; i < written; i++)
      g_assert_true (shoal_bitfield_get (have, i));
    g_assert_false (shoal_bitfield_get (have, p));
  }

  wait_pool_idle (f->pool);
  g_clear_object (&f->storage);
  g_assert_cmpint (umount (f->save_dir), ==, 0);
}

static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  static const FileSpec file = { "big.bin", 32 * PIECE, FALSE };

  fill_disk (f, &file, PIECE, "128k", FALSE);
}

static void
test_direct_writes_disk_full (Fixture       *f,
                              gconstpointer  data)
{
  static const FileSpec file = { "big.bin", 8 * MIB, FALSE };

  fill_disk (f, &file, MIB, "3m", TRUE);
}

static void
test_file_too_large (Fixture       *f,
                     gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      static const FileSpec files[] = {
        { "big.bin", 8 * PIECE, FALSE },
      };
      struct rlimit limit = { 4 * PIECE, 4 * PIECE };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;

      /* Without this, exceeding the limit kills instead of failing. */
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      fixture_load (f, files, G_N_ELEMENTS (files), PIECE);
      bytes = piece_bytes (f, 6);
      g_assert_false (write_piece (f, 6, bytes, &error));
      g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "big.bin"));
      return;
    }

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_permission_denied (Fixture       *f,
                        gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;

      /* Root ignores permissions: become nobody for this process. */
      g_assert_cmpint (g_mkdir_with_parents (f->save_dir, 0755), ==, 0);
      g_assert_cmpint (chmod (f->save_dir, 0555), ==, 0);
      if (geteuid () == 0)
        {
          struct passwd *nobody = getpwnam ("nobody");

          /* Hand the directories over so that teardown can remove them. */
          if (nobody == NULL ||
              chown (f->tmp, nobody->pw_uid, nobody->pw_gid) < 0 ||
              chown (f->save_dir, nobody->pw_uid, nobody->pw_gid) < 0 ||
              setgid (nobody->pw_gid) < 0 || setuid (nobody->pw_uid) < 0)
            {
              g_test_skip ("Cannot drop root privileges");
              return;
            }
        }
      fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
      bytes = piece_bytes (f, 0);
      g_assert_false (write_piece (f, 0, bytes, &error));
      g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_PERMISSION_DENIED);
      return;
    }

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gboolean
delete_files (Fixture  *f,
              GError  **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  shoal_storage_delete_files_async (f->storage, NULL, NULL, async_done_cb, &waiter);
  result = wait_result (&waiter);
  return shoal_storage_delete_files_finish (f->storage, result, error);
}

static guint
count_dir_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_delete_files (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *keep = NULL;
  g_autofree char *root = NULL;
  g_autofree char *part = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, skip_files, G_N_ELEMENTS (skip_files), PIECE);
  shoal_storage_set_file_skipped (f->storage, 1, TRUE);
  write_all (f);
  keep = g_build_filename (f->save_dir, "not-ours.txt", NULL);
  g_file_set_contents (keep, "x", 1, &error);
  g_assert_no_error (error);
  {
    g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->info);
    g_autofree char *name = g_strdup_printf (".%s.parts", hex);

    part = g_build_filename (f->save_dir, name, NULL);
  }
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  g_assert_true (delete_files (f, &error));
  g_assert_no_error (error);
  root = torrent_path (f, "torrent");
  g_assert_false (g_file_test (root, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (keep, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (f->save_dir, G_FILE_TEST_IS_DIR));
  /* Nothing left behind, the hidden directory of the deletion included. */
  g_assert_cmpuint (count_dir_entries (f->save_dir), ==, 1);
}

/* The names are free as soon as the call returns: a file created there
 * at once (the torrent added again) survives the deletion's thread. */
static void
test_delete_files_names_free (Fixture       *f,
                              gconstpointer  data)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;

  fixture_load (f, skip_files, G_N_ELEMENTS (skip_files), PIECE);
  write_all (f);
  path = shoal_storage_dup_file_path (f->storage, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  shoal_storage_delete_files_async (f->storage, NULL, NULL, async_done_cb, &waiter);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  {
    g_autofree char *dir = g_path_get_dirname (path);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  }
  g_file_set_contents (path, "new", 3, &error);
  g_assert_no_error (error);

  result = wait_result (&waiter);
  g_assert_true (shoal_storage_delete_files_finish (f->storage, result, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "new");
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static GMutex gate;

static void
wait_at_gate (gpointer data)
{
  g_mutex_lock (&gate);
  g_mutex_unlock (&gate);
}

/* A deletion is recorded in the journal until its thread is done. */
static void
test_delete_files_journal (Fixture       *f,
                           gconstpointer  data)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (f->tmp, "removing", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *trash = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  const char *name;

  fixture_load (f, skip_files, G_N_ELEMENTS (skip_files), PIECE);
  write_all (f);
  /* Both threads of the pool wait, so the deletion's job cannot run yet. */
  g_mutex_lock (&gate);
  for (guint i = 0; i < shoal_disk_pool_get_n_threads (f->pool); i++)
    shoal_disk_pool_push (f->pool, wait_at_gate, NULL, NULL, 0);
  shoal_storage_delete_files_async (f->storage, journal, NULL, async_done_cb, &waiter);

  dir = g_dir_open (journal, 0, &error);
  g_assert_no_error (error);
  name = g_dir_read_name (dir);
  g_assert_nonnull (name);
  entry = g_build_filename (journal, name, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_file_get_contents (entry, &trash, NULL, &error);
  g_assert_no_error (error);
  parent = g_path_get_dirname (trash);
  base = g_path_get_basename (trash);
  g_assert_cmpstr (parent, ==, f->save_dir);
  g_assert_true (g_str_has_prefix (base, ".shoal-removing-"));
  g_mutex_unlock (&gate);

  result = wait_result (&waiter);
  g_assert_true (shoal_storage_delete_files_finish (f->storage, result, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (entry, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (trash, G_FILE_TEST_EXISTS));
}

static gboolean
journal_empty (const char *journal)
{
  g_autoptr(GDir) dir = g_dir_open (journal, 0, NULL);

  return dir == NULL || g_dir_read_name (dir) == NULL;
}

/* What a killed session left is finished at the next start, and only that:
 * a hostile or stale entry deletes nothing else. */
static void
test_finish_deletions (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *journal = g_build_filename (f->tmp, "removing", NULL);
  g_autofree char *left = g_build_filename (f->tmp, "save", ".shoal-removing-AbC123", NULL);
  g_autofree char *left0 = g_build_filename (left, "0", NULL);
  g_autofree char *left7 = g_build_filename (left, "7", NULL);
  g_autofree char *mixed = g_build_filename (f->tmp, "save", ".shoal-removing-XyZ789", NULL);
  g_autofree char *mixed0 = g_build_filename (mixed, "0", NULL);
  g_autofree char *notes = g_build_filename (mixed, "notes.txt", NULL);
  g_autofree char *important = g_build_filename (f->tmp, "save", "important", "keep.txt", NULL);
  g_autofree char *e1 = g_build_filename (journal, "one", NULL);
  g_autofree char *e2 = g_build_filename (journal, "two", NULL);
  g_autofree char *e3 = g_build_filename (journal, "three", NULL);
  g_autofree char *e4 = g_build_filename (journal, "four", NULL);
  g_autofree char *important_dir = g_path_get_dirname (important);
  g_autofree char *relative = g_strdup (".shoal-removing-AbC123");
  gint64 deadline;

  write_file (left0, "data");
  write_file (left7, "more data");
  write_file (mixed0, "data");
  write_file (notes, "not ours");
  write_file (important, "mine");
  write_file (e1, left);
  write_file (e2, mixed);
  write_file (e3, important_dir);
  write_file (e4, relative);

  shoal_storage_finish_deletions (f->pool, journal);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!journal_empty (journal) && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  wait_pool_idle (f->pool);

  g_assert_true (journal_empty (journal));
  g_assert_false (g_file_test (left, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (mixed0, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (notes, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (important, G_FILE_TEST_IS_REGULAR));
}

static gboolean
move (Fixture     *f,
      const char  *dest,
      GError     **error)
{
  Waiter waiter = { f, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  shoal_storage_move_async (f->storage, dest, NULL, async_done_cb, &waiter);
  result = wait_result (&waiter);
  return shoal_storage_move_finish (f->storage, result, error);
}

static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *dest = g_build_filename (f->tmp, "moved", "here", NULL);
  g_autofree char *blocker = NULL;
  g_autofree char *other_fs = g_build_filename (f->tmp, "otherfs", NULL);
  g_autofree char *old_root = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  write_all (f);
  old_root = torrent_path (f, "torrent");

  /* A file in the way: nothing moves. */
  blocker = g_build_filename (dest, "torrent", "d.bin", NULL);
  {
    g_autofree char *blocker_dir = g_path_get_dirname (blocker);

    g_assert_cmpint (g_mkdir_with_parents (blocker_dir, 0755), ==, 0);
  }
  g_file_set_contents (blocker, "", 0, &error);
  g_assert_no_error (error);
  g_assert_false (move (f, dest, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILE_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_test (old_root, G_FILE_TEST_IS_DIR));
  for (guint i = 0; i < G_N_ELEMENTS (odd_files); i++)
    assert_file_content (f, i);
  g_unlink (blocker);

  /* Same file system: rename. */
  g_assert_true (move (f, dest, &error));
  g_assert_no_error (error);
  dir = shoal_storage_dup_save_dir (f->storage);
  g_assert_cmpstr (dir, ==, dest);
  g_assert_false (g_file_test (old_root, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < G_N_ELEMENTS (odd_files); i++)
    assert_file_content (f, i);
  assert_block (f, 2, 0, PIECE);

  /* Another file system: copy, then delete. */
  if (mount_tmpfs (other_fs, "16m"))
    {
      g_autofree char *moved_root = g_build_filename (dest, "torrent", NULL);
      g_autoptr(ShoalBitfield) have = NULL;

      g_assert_true (move (f, other_fs, &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (moved_root, G_FILE_TEST_EXISTS));
      for (guint i = 0; i < G_N_ELEMENTS (odd_files); i++)
        assert_file_content (f, i);
      have = recheck (f, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (shoal_bitfield_is_full (have));

      wait_pool_idle (f->pool);
      g_clear_object (&f->storage);
      g_assert_cmpint (umount (other_fs), ==, 0);
    }
}

static void
test_file_stats (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *path = NULL;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  before = shoal_storage_get_file_stats (f->storage);
  g_assert_cmpuint (before->len, ==, G_N_ELEMENTS (odd_files));
  g_assert_false (g_array_index (before, ShoalStorageFileStat, 0).exists);
  g_assert_true (shoal_storage_files_unchanged (f->storage, before));

  write_all (f);
  g_assert_false (shoal_storage_files_unchanged (f->storage, before));
  after = shoal_storage_get_file_stats (f->storage);
  g_assert_true (g_array_index (after, ShoalStorageFileStat, 1).exists);
  g_assert_cmpuint (g_array_index (after, ShoalStorageFileStat, 1).size, ==, 40001);
  g_assert_true (shoal_storage_files_unchanged (f->storage, after));

  /* Only the modification time changes. */
  path = torrent_path (f, "torrent/sub/c.bin");
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
  g_assert_false (shoal_storage_files_unchanged (f->storage, after));

  g_array_set_size (after, 2);
  g_assert_false (shoal_storage_files_unchanged (f->storage, after));
}

/* Links below the save directory */

static void
assert_file_is (const char *path,
                const char *expected)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, expected);
}

static void
make_dirs (const char *path)
{
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

/* A link placed where a file of the torrent goes: writing the piece fails
 * with an error naming it, and the file it points to is untouched; it is
 * neither read for upload nor counted by a recheck. */
static void
test_symlink_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *target = g_build_filename (outside, "target.txt", NULL);
  g_autofree char *root = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GBytes) piece0 = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(ShoalBitfield) good = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  make_dirs (outside);
  g_file_set_contents (target, "precious", -1, &error);
  g_assert_no_error (error);
  root = torrent_path (f, "torrent");
  make_dirs (root);
  link = torrent_path (f, "torrent/a.bin");
  g_assert_cmpint (symlink ("../../outside/target.txt", link), ==, 0);

  piece0 = piece_bytes (f, 0);
  g_assert_false (write_piece (f, 0, piece0, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_assert_nonnull (strstr (error->message, "torrent/a.bin"));
  g_clear_error (&error);
  assert_file_is (target, "precious");

  block = read_block (f, 0, 0, 100, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_clear_error (&error);

  /* A dangling link is no better: it must not create its target. */
  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (symlink ("../../outside/new.txt", link), ==, 0);
  g_assert_false (write_piece (f, 0, piece0, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_clear_error (&error);
  {
    g_autofree char *created = g_build_filename (outside, "new.txt", NULL);

    g_assert_false (g_file_test (created, G_FILE_TEST_EXISTS));
  }

  /* With the real file in place the other pieces check fine, not piece 0. */
  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (symlink ("../../outside/target.txt", link), ==, 0);
  for (guint p = 1; p < shoal_metainfo_get_n_pieces (f->info); p++)
    {
      g_autoptr(GBytes) piece = piece_bytes (f, p);

      g_assert_true (write_piece (f, p, piece, &error));
      g_assert_no_error (error);
    }
  good = recheck (f, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_bitfield_get (good, 0));
  g_assert_true (shoal_bitfield_get (good, 1));
  assert_file_is (target, "precious");

  /* The file's snapshot does not describe the link's target. */
  {
    g_autoptr(GArray) stats = shoal_storage_get_file_stats (f->storage);

    g_assert_false (g_array_index (stats, ShoalStorageFileStat, 0).exists);
  }

  /* Deleting the torrent's data removes the link, not what it points to. */
  g_assert_true (delete_files (f, &error));
  g_assert_no_error (error);
  assert_file_is (target, "precious");
  g_assert_false (g_file_test (link, G_FILE_TEST_EXISTS));
}

/* A link to a directory placed where a directory of the torrent goes:
 * nothing is written through it, and deleting the torrent's data does
 * not delete what is behind it. */
static void
test_symlink_dir (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *theirs = g_build_filename (outside, "b.bin", NULL);
  g_autofree char *root = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GBytes) piece1 = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  make_dirs (outside);
  root = torrent_path (f, "torrent");
  make_dirs (root);
  link = torrent_path (f, "torrent/sub");
  g_assert_cmpint (symlink ("../../outside", link), ==, 0);

  piece1 = piece_bytes (f, 1);   /* all in sub/b.bin */
  g_assert_false (write_piece (f, 1, piece1, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_assert_nonnull (strstr (error->message, "torrent/sub"));
  g_clear_error (&error);
  g_assert_cmpuint (count_dir_entries (outside), ==, 0);

  /* Someone else's file behind the link survives the deletion. */
  g_file_set_contents (theirs, "theirs", -1, &error);
  g_assert_no_error (error);
  g_assert_false (delete_files (f, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_clear_error (&error);
  assert_file_is (theirs, "theirs");
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_DIR));
}

/* Moving the data never follows a link, at the source or the destination;
 * nor is the part file in the save directory opened through one. */
static void
test_symlink_move_and_part_file (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *target = g_build_filename (outside, "target.txt", NULL);
  g_autofree char *dest = g_build_filename (f->tmp, "dest", NULL);
  g_autofree char *dest_link = g_build_filename (dest, "torrent", NULL);
  g_autofree char *part = NULL;
  g_autoptr(GBytes) piece1 = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, skip_files, G_N_ELEMENTS (skip_files), PIECE);
  make_dirs (outside);
  g_file_set_contents (target, "precious", -1, &error);
  g_assert_no_error (error);

  /* The part file's place (in the save directory) holds a link. */
  {
    g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->info);
    g_autofree char *name = g_strdup_printf (".%s.parts", hex);

    make_dirs (f->save_dir);
    part = g_build_filename (f->save_dir, name, NULL);
  }
  g_assert_cmpint (symlink (target, part), ==, 0);
  shoal_storage_set_file_skipped (f->storage, 1, TRUE);
  piece1 = piece_bytes (f, 1);   /* wanted.bin and the skipped file */
  g_assert_false (write_piece (f, 1, piece1, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_clear_error (&error);
  assert_file_is (target, "precious");
  g_assert_cmpint (g_unlink (part), ==, 0);
  write_all (f);

  /* A link at the destination: nothing moves, nothing lands outside. */
  make_dirs (dest);
  g_assert_cmpint (symlink (outside, dest_link), ==, 0);
  g_assert_false (move (f, dest, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_clear_error (&error);
  g_assert_cmpuint (count_dir_entries (outside), ==, 1);
  assert_file_content (f, 0);

  /* Without it, the move goes through. */
  g_assert_cmpint (g_unlink (dest_link), ==, 0);
  g_assert_true (move (f, dest, &error));
  g_assert_no_error (error);
  assert_file_content (f, 0);
  assert_block (f, 1, 0, PIECE);
}

static const FileSpec deep_files[] = {
  { "x/y/z/deep.bin", 20000, FALSE },
  { "top.bin", 3000, FALSE },
};

/* A link deeper down the path, below real directories; and the save
 * directory itself may be a link, which the user chose. */
static void
test_symlink_deeper (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *real_save = g_build_filename (f->tmp, "real-save", NULL);
  g_autofree char *mid = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece0 = NULL;

  make_dirs (outside);
  make_dirs (real_save);
  g_assert_cmpint (symlink ("real-save", f->save_dir), ==, 0);
  fixture_load (f, deep_files, G_N_ELEMENTS (deep_files), PIECE);
  mid = torrent_path (f, "torrent/x");
  make_dirs (mid);
  link = torrent_path (f, "torrent/x/y");
  g_assert_cmpint (symlink ("../../../outside", link), ==, 0);

  piece0 = piece_bytes (f, 0);
  g_assert_false (write_piece (f, 0, piece0, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_SYMLINK);
  g_assert_nonnull (strstr (error->message, "torrent/x/y"));
  g_clear_error (&error);
  g_assert_cmpuint (count_dir_entries (outside), ==, 0);

  /* Without the link, everything goes through the linked save directory. */
  g_assert_cmpint (g_unlink (link), ==, 0);
  write_all (f);
  {
    g_autofree char *real = g_build_filename (real_save, "torrent", "x", "y", "z", "deep.bin", NULL);

    g_assert_true (g_file_test (real, G_FILE_TEST_IS_REGULAR));
  }
  assert_block (f, 1, 0, 100);
  g_assert_true (shoal_storage_check_files (f->storage, &error));
  g_assert_no_error (error);
}

/* The save directory removed while files in it are open: writes through
 * the cached descriptors go into files that no longer exist. That is
 * caught when the piece is written, and the torrent is not complete. */
static void
test_removed_directory (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) piece0 = NULL;
  g_autoptr(GBytes) piece1 = NULL;
  g_autoptr(GBytes) piece3 = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  piece0 = piece_bytes (f, 0);
  g_assert_true (write_piece (f, 0, piece0, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_storage_check_files (f->storage, &error) == FALSE);
  g_clear_error (&error);   /* d.bin was never written: not complete */

  rm_rf (f->save_dir);

  /* sub/b.bin is open from piece 0: the write itself succeeds. */
  piece1 = piece_bytes (f, 1);
  g_assert_false (write_piece (f, 1, piece1, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED);
  g_assert_nonnull (strstr (error->message, "was removed"));
  g_clear_error (&error);
  g_assert_false (g_file_test (f->save_dir, G_FILE_TEST_EXISTS));

  /* Nor is a file of ours that vanished created afresh, even when the
   * directory comes back (the user recreated it, say). */
  make_dirs (f->save_dir);
  g_assert_false (write_piece (f, 1, piece1, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED);
  g_clear_error (&error);

  /* A file never opened before may be created; but the torrent is not
   * complete with a.bin gone. */
  piece3 = piece_bytes (f, 3);
  g_assert_true (write_piece (f, 3, piece3, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_storage_check_files (f->storage, &error));
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED);
  g_clear_error (&error);

  /* A recheck starts from what is there: the pieces are fetched again. */
  {
    g_autoptr(ShoalBitfield) good = recheck (f, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (shoal_bitfield_count (good), ==, 1);
  }
  write_all (f);
  g_assert_true (shoal_storage_check_files (f->storage, &error));
  g_assert_no_error (error);
}

/* A single file removed (not the directory) while open, found when the
 * descriptor is used again after a while. */
static void
test_removed_file_reused_fd (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GError) error = NULL;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  write_all (f);
  assert_block (f, 4, 0, 100);
  path = torrent_path (f, "torrent/d.bin");
  g_assert_cmpint (g_unlink (path), ==, 0);
  /* The check of a cached descriptor runs when it was not checked for two
   * seconds: wait a little longer (no tight timing either way). */
  g_usleep (2500 * 1000);
  block = read_block (f, 4, 0, 100, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_FILES_REMOVED);
  g_assert_nonnull (strstr (error->message, "d.bin"));
}

/* Resume data trusts a file whose size and mtime did not change. A block
 * zeroed in place, the mtime put back, must still not be served: the
 * first read of each piece after a restart hashes it. */
static void
test_zeroed_piece_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) stats = NULL;
  g_autoptr(GBytes) block = NULL;
  g_autoptr(GBytes) piece1 = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  struct timespec times[2];
  guint8 zeros[4096] = { 0 };
  int fd;

  fixture_load (f, odd_files, G_N_ELEMENTS (odd_files), PIECE);
  write_all (f);
  stats = shoal_storage_get_file_stats (f->storage);
  wait_pool_idle (f->pool);
  g_assert_finalize_object (f->storage);

  /* Zero 4 KiB of piece 1 (all in sub/b.bin), keeping size and mtime. */
  path = torrent_path (f, "torrent/sub/b.bin");
  g_assert_cmpint (stat (path, &st), ==, 0);
  fd = open (path, O_WRONLY);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, zeros, sizeof zeros, PIECE - 5000 + 1000), ==, sizeof zeros);
  close (fd);
  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);

  /* The restart: a new storage, and resume data that sees no change. */
  f->storage = shoal_storage_new (f->info, f->save_dir, f->pool);
  g_assert_true (shoal_storage_files_unchanged (f->storage, stats));

  /* Even a block outside the zeroed range: the piece as a whole is bad. */
  block = read_block (f, 1, 0, 512, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  block = read_block (f, 1, 8192, 512, &error);
  g_assert_null (block);
  g_assert_error (error, SHOAL_STORAGE_ERROR, SHOAL_STORAGE_ERROR_HASH_MISMATCH);
  g_clear_error (&error);

  /* The other pieces are served, and right. */
  for (guint p = 0; p < shoal_metainfo_get_n_pieces (f->info); p++)
    if (p != 1)
      assert_block (f, p, 0, shoal_metainfo_get_piece_size (f->info, p));
  assert_block (f, 2, 100, 200);

  /* Downloaded again, the piece is served again. */
  piece1 = piece_bytes (f, 1);
  g_assert_true (write_piece (f, 1, piece1, &error));
  g_assert_no_error (error);
  assert_block (f, 1, 0, PIECE);
}

static void
test_pool_threads (void)
{
  g_autoptr(ShoalDiskPool) pool = shoal_disk_pool_new (0);
  g_autoptr(ShoalDiskPool) one = shoal_disk_pool_new (1);

  g_assert_cmpuint (shoal_disk_pool_get_n_threads (pool), ==,
                    MAX (2, (guint) g_get_num_processors ()));
  /* One thread is never enough: hashing must not wait behind the disk. */
  g_assert_cmpuint (shoal_disk_pool_get_n_threads (one), ==, 2);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/disk-pool/threads", test_pool_threads);
  ADD ("/engine/storage/mapping-odd-sizes", test_mapping);
  ADD ("/engine/storage/pad-files-never-created", test_pad_files);
  ADD ("/engine/storage/lazy-sparse", test_lazy_sparse);
  ADD ("/engine/storage/hash-mismatch-writes-nothing", test_hash_mismatch);
  ADD ("/engine/storage/read-bounds", test_read_bounds);
  ADD ("/engine/storage/read-missing", test_read_missing);
  ADD ("/engine/storage/recheck", test_recheck);
  ADD ("/engine/storage/recheck-both-threads", test_recheck_threads);
  ADD ("/engine/storage/recheck-cancel", test_recheck_cancel);
  ADD ("/engine/storage/recheck-pieces", test_recheck_pieces);
  ADD ("/engine/storage/recheck-pieces-chunks", test_recheck_pieces_chunks);
  ADD ("/engine/storage/recheck-pieces-errors", test_recheck_pieces_errors);
  ADD ("/engine/storage/skipped-part-file", test_skipped);
  ADD ("/engine/storage/pending-bytes", test_pending_bytes);
  ADD ("/engine/storage/cancelled-write", test_cancelled_write);
  ADD ("/engine/storage/disk-full", test_disk_full);
  ADD ("/engine/storage/file-too-large", test_file_too_large);
  ADD ("/engine/storage/direct-writes", test_direct_writes);
  ADD ("/engine/storage/direct-writes-unaligned", test_direct_writes_unaligned);
  ADD ("/engine/storage/direct-writes-fallback", test_direct_writes_fallback);
  ADD ("/engine/storage/direct-writes-refused", test_direct_writes_refused);
  ADD ("/engine/storage/direct-writes-disk-full", test_direct_writes_disk_full);
  ADD ("/engine/storage/permission-denied", test_permission_denied);
  ADD ("/engine/storage/delete-files", test_delete_files);
  ADD ("/engine/storage/delete-files-names-free", test_delete_files_names_free);
  ADD ("/engine/storage/delete-files-journal", test_delete_files_journal);
  ADD ("/engine/storage/finish-deletions", test_finish_deletions);
  ADD ("/engine/storage/move", test_move);
  ADD ("/engine/storage/file-stats", test_file_stats);
  ADD ("/engine/storage/symlink-file-not-followed", test_symlink_file);
  ADD ("/engine/storage/symlink-dir-not-followed", test_symlink_dir);
  ADD ("/engine/storage/symlink-deeper-not-followed", test_symlink_deeper);
  ADD ("/engine/storage/symlink-move-and-part-file", test_symlink_move_and_part_file);
  ADD ("/engine/storage/removed-directory-detected", test_removed_directory);
  ADD ("/engine/storage/removed-file-reused-fd", test_removed_file_reused_fd);
  ADD ("/engine/storage/zeroed-piece-refused-on-first-upload", test_zeroed_piece_refused);

  return g_test_run ();
}
