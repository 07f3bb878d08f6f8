/* test-creator.c: ShoalTorrentCreator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shoal-bencode.h"
#include "shoal-engine.h"

#define KiB 1024

typedef struct
{
  char *dir;
} Fixture;

typedef struct
{
  GMainLoop     *loop;
  GBytes        *bytes;
  ShoalMetainfo *metainfo;
  GError        *error;
  GCancellable  *cancel_on_progress;
  GThread       *main_thread;
  guint          n_progress;
  guint64        last_hashed;
  guint64        last_total;
  gboolean       off_thread;
  gboolean       went_back;
} Run;

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          struct stat st;

          if (lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("shoal-test-creator-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  remove_tree (f->dir);
  g_free (f->dir);
}

/* Deterministic content: byte i of a file is (i * mul + add) mod 256. */
static GBytes *
pattern (gsize len,
         guint mul,
         guint add)
{
  guint8 *data = g_malloc (MAX (len, 1));

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) ((i * mul + add) & 0xff);
  return g_bytes_new_take (data, len);
}

static char *
write_file (const char *root,
            const char *rel,
            GBytes     *content)
{
  char *path = g_build_filename (root, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (content, NULL), (gssize) g_bytes_get_size (content), &error);
  g_assert_no_error (error);
  return path;
}

static void
progress_cb (ShoalTorrentCreator *creator,
             guint64              hashed,
             guint64              total,
             gpointer             user_data)
{
  Run *run = user_data;

  if (g_thread_self () != run->main_thread)
    run->off_thread = TRUE;
  if (hashed < run->last_hashed)
    run->went_back = TRUE;
  run->n_progress++;
  run->last_hashed = hashed;
  run->last_total = total;
  if (run->cancel_on_progress != NULL)
    g_cancellable_cancel (run->cancel_on_progress);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Run *run = user_data;

  run->bytes = shoal_torrent_creator_create_finish (SHOAL_TORRENT_CREATOR (source), result,
                                                    &run->metainfo, &run->error);
  g_main_loop_quit (run->loop);
}

static void
run_creator (ShoalTorrentCreator *creator,
             GCancellable        *cancellable,
             Run                 *run)
{
  run->loop = g_main_loop_new (NULL, FALSE);
  run->main_thread = g_thread_self ();
  shoal_torrent_creator_create_async (creator, cancellable, progress_cb, created_cb, run);
  g_main_loop_run (run->loop);
  g_main_loop_unref (run->loop);
  g_assert_true ((run->bytes != NULL) == (run->error == NULL));
  g_assert_true ((run->bytes != NULL) == (run->metainfo != NULL));
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->bytes, g_bytes_unref);
  g_clear_object (&run->metainfo);
  g_clear_error (&run->error);
}

/* Builds the piece stream of @info from the files under @root (pad files
 * as zeros) and checks every v1 piece hash against it. */
static void
assert_pieces_match (ShoalMetainfo *info,
                     const char    *root)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  guint64 plen = shoal_metainfo_get_piece_length (info);

  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (info, i);

      g_assert_cmpuint (file->offset, ==, stream->len);
      if (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          g_autofree guint8 *zeros = g_malloc0 (file->length);

          g_byte_array_append (stream, zeros, (guint) file->length);
        }
      else
        {
          g_autofree char *path = g_build_filename (root, file->path, NULL);
          g_autofree char *data = NULL;
          gsize len;

          g_assert_true (g_file_get_contents (path, &data, &len, NULL));
          g_assert_cmpuint (len, ==, file->length);
          g_byte_array_append (stream, (guint8 *) data, (guint) len);
        }
    }
  g_assert_cmpuint (stream->len, ==, shoal_metainfo_get_total_length (info));
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (info), ==, (stream->len + plen - 1) / plen);
  for (guint p = 0; p < shoal_metainfo_get_n_pieces (info); p++)
    {
      guint8 hash[SHOAL_SHA1_LEN];
      guint64 start = p * plen;

      shoal_sha1 (stream->data + start, (gsize) MIN (plen, stream->len - start), hash);
      g_assert_cmpmem (hash, sizeof hash, shoal_metainfo_get_piece_hash (info, p), SHOAL_SHA1_LEN);
    }
}

static void
test_single_file (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GBytes) content = pattern (100 * 1000, 7, 1);
  g_autofree char *path = write_file (f->dir, "single.bin", content);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (path);
  Run run = { 0 };

  shoal_torrent_creator_set_piece_size (creator, 16 * KiB);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V1);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);

  g_assert_cmpint (shoal_metainfo_get_version (run.metainfo), ==, SHOAL_TORRENT_VERSION_V1);
  g_assert_false (shoal_metainfo_is_multi_file (run.metainfo));
  g_assert_cmpstr (shoal_metainfo_get_name (run.metainfo), ==, "single.bin");
  g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, 1);
  g_assert_cmpuint (shoal_metainfo_get_file (run.metainfo, 0)->length, ==, 100 * 1000);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (run.metainfo), ==, 7);
  g_assert_cmpstr (shoal_metainfo_get_created_by (run.metainfo), ==, "Shoal " PACKAGE_VERSION);
  g_assert_cmpint (shoal_metainfo_get_creation_date (run.metainfo), >, 1600000000);
  assert_pieces_match (run.metainfo, f->dir);
  run_clear (&run);

  /* The same file as hybrid: no pad file, one pieces root. */
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_HYBRID);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_cmpint (shoal_metainfo_get_version (run.metainfo), ==, SHOAL_TORRENT_VERSION_HYBRID);
  g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, 1);
  g_assert_nonnull (shoal_metainfo_get_file (run.metainfo, 0)->pieces_root);
  assert_pieces_match (run.metainfo, f->dir);
  run_clear (&run);
}

/* The tree used by several tests: odd sizes, an empty file, an empty
 * directory, names whose byte order differs from their tree order. */
static char *
make_tree (const char *root)
{
  static const struct { const char *rel; gsize len; } layout[] = {
    { "tree/z.bin", 40000 },
    { "tree/a-b/y", 70001 },
    { "tree/a/x", 5 },
    { "tree/a/deeper/w", 16384 },
    { "tree/empty", 0 },
    { "tree/.hidden", 3 },
    { "tree/m.txt", 100 },
  };
  g_autofree char *empty_dir = g_build_filename (root, "tree", "nothing", "here", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (layout); i++)
    {
      g_autoptr(GBytes) content = pattern (layout[i].len, 11 + i, i);

      g_free (write_file (root, layout[i].rel, content));
    }
  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  return g_build_filename (root, "tree", NULL);
}

static const char *const tree_order[] = {
  "tree/.hidden", "tree/a/deeper/w", "tree/a/x", "tree/a-b/y", "tree/empty", "tree/m.txt", "tree/z.bin",
};
static const guint64 tree_sizes[] = { 3, 16384, 5, 70001, 0, 100, 40000 };

static void
test_directory_v1 (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *tree = make_tree (f->dir);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (tree);
  Run run = { 0 };

  shoal_torrent_creator_set_piece_size (creator, 32 * KiB);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V1);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);

  g_assert_true (shoal_metainfo_is_multi_file (run.metainfo));
  g_assert_cmpstr (shoal_metainfo_get_name (run.metainfo), ==, "tree");
  /* Component order ("a/…" before "a-b/…"), hidden files in, the empty
   * file kept, the empty directory gone. */
  g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, G_N_ELEMENTS (tree_order));
  for (guint i = 0; i < G_N_ELEMENTS (tree_order); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (run.metainfo, i);

      g_assert_cmpstr (file->path, ==, tree_order[i]);
      g_assert_cmpuint (file->length, ==, tree_sizes[i]);
      g_assert_cmpint (file->attributes, ==, SHOAL_FILE_ATTRIBUTE_NONE);
    }
  g_assert_cmpuint (shoal_metainfo_get_content_size (run.metainfo), ==, 126493);
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (run.metainfo), ==, (126493 + 32 * KiB - 1) / (32 * KiB));
  assert_pieces_match (run.metainfo, f->dir);
  run_clear (&run);
}

/* An independent v2 root: leaves over 16 KiB blocks, zero leaves up to a
 * power of two, pairs hashed up to the top. */
static void
merkle_root_of (GBytes *content,
                guint8  out[SHOAL_SHA256_LEN])
{
  gsize len;
  const guint8 *data = g_bytes_get_data (content, &len);
  gsize n = (len + 16 * KiB - 1) / (16 * KiB);
  gsize width = 1;
  g_autofree guint8 *layer = NULL;

  while (width < n)
    width *= 2;
  layer = g_malloc0 (width * SHOAL_SHA256_LEN);
  for (gsize i = 0; i < n; i++)
    shoal_sha256 (data + i * 16 * KiB, MIN (16 * KiB, len - i * 16 * KiB), layer + i * SHOAL_SHA256_LEN);
  for (; width > 1; width /= 2)
    for (gsize i = 0; i < width / 2; i++)
      shoal_sha256 (layer + 2 * i * SHOAL_SHA256_LEN, 2 * SHOAL_SHA256_LEN, layer + i * SHOAL_SHA256_LEN);
  memcpy (out, layer, SHOAL_SHA256_LEN);
}

static void
test_directory_hybrid (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *tree = make_tree (f->dir);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (tree);
  g_autofree char *z_path = g_build_filename (tree, "z.bin", NULL);
  g_autofree char *z_data = NULL;
  g_autoptr(GBytes) z = NULL;
  guint8 expected_root[SHOAL_SHA256_LEN];
  guint real = 0, pads = 0;
  guint64 plen = 16 * KiB;
  gsize len;
  Run run = { 0 };

  shoal_torrent_creator_set_piece_size (creator, plen);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_cmpint (shoal_metainfo_get_version (run.metainfo), ==, SHOAL_TORRENT_VERSION_HYBRID);

  for (guint i = 0; i < shoal_metainfo_get_n_files (run.metainfo); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (run.metainfo, i);

      if (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD)
        {
          const ShoalMetainfoFile *before = shoal_metainfo_get_file (run.metainfo, i - 1);

          /* A pad file only ever completes the piece of the file before. */
          g_assert_cmpuint (file->length, ==, plen - (before->offset + before->length) % plen);
          g_assert_cmpuint ((file->offset + file->length) % plen, ==, 0);
          pads++;
          continue;
        }
      g_assert_cmpstr (file->path, ==, tree_order[real]);
      g_assert_cmpuint (file->length, ==, tree_sizes[real]);
      g_assert_cmpuint (file->offset % plen, ==, 0);
      g_assert_true ((file->pieces_root != NULL) == (file->length > 0));
      real++;
    }
  g_assert_cmpuint (real, ==, G_N_ELEMENTS (tree_order));
  /* Every non-empty file not ending on a boundary, the last included. */
  g_assert_cmpuint (pads, ==, 5);
  g_assert_cmpuint (shoal_metainfo_get_total_length (run.metainfo) % plen, ==, 0);
  assert_pieces_match (run.metainfo, f->dir);

  /* z.bin (40000 bytes, three pieces) has a piece layer; its root is
   * checked against one computed here. */
  g_assert_true (g_file_get_contents (z_path, &z_data, &len, NULL));
  z = g_bytes_new (z_data, len);
  merkle_root_of (z, expected_root);
  for (guint i = 0; i < shoal_metainfo_get_n_files (run.metainfo); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (run.metainfo, i);
      gsize n_hashes = 0;

      if (g_strcmp0 (file->path, "tree/z.bin") != 0)
        continue;
      g_assert_cmpmem (file->pieces_root, SHOAL_SHA256_LEN, expected_root, SHOAL_SHA256_LEN);
      g_assert_nonnull (shoal_metainfo_get_piece_layer (run.metainfo, i, &n_hashes));
      g_assert_cmpuint (n_hashes, ==, 3);
    }
  run_clear (&run);
}

/* Whether the info dictionary of @info has @key at its top level. */
static gboolean
info_has (ShoalMetainfo *info,
          const char    *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse (shoal_metainfo_get_info_bytes (info), &error);

  g_assert_no_error (error);
  return shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), key) != NULL;
}

/* v2 only: the file tree and piece layers, no v1 part at all (no pad
 * files, no "pieces", no "files" or "length"), each file's root checked
 * against one computed here, with pieces smaller and larger than files. */
static void
test_directory_v2 (Fixture       *f,
                   gconstpointer  data)
{
  static const guint64 piece_sizes[] = { 16 * KiB, 32 * KiB, 128 * KiB };
  g_autofree char *tree = make_tree (f->dir);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (tree);

  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V2);
  for (guint s = 0; s < G_N_ELEMENTS (piece_sizes); s++)
    {
      guint64 plen = piece_sizes[s];
      Run run = { 0 };

      shoal_torrent_creator_set_piece_size (creator, plen);
      run_creator (creator, NULL, &run);
      g_assert_no_error (run.error);
      g_assert_cmpint (shoal_metainfo_get_version (run.metainfo), ==, SHOAL_TORRENT_VERSION_V2);
      g_assert_null (shoal_metainfo_get_info_hash_v1 (run.metainfo));
      g_assert_nonnull (shoal_metainfo_get_info_hash_v2 (run.metainfo));
      g_assert_true (info_has (run.metainfo, "meta version"));
      g_assert_true (info_has (run.metainfo, "file tree"));
      g_assert_false (info_has (run.metainfo, "pieces"));
      g_assert_false (info_has (run.metainfo, "files"));
      g_assert_false (info_has (run.metainfo, "length"));
      g_assert_true (shoal_metainfo_is_multi_file (run.metainfo));
      g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, G_N_ELEMENTS (tree_order));

      for (guint i = 0; i < G_N_ELEMENTS (tree_order); i++)
        {
          const ShoalMetainfoFile *file = shoal_metainfo_get_file (run.metainfo, i);
          g_autofree char *path = g_build_filename (f->dir, tree_order[i], NULL);
          g_autofree char *content = NULL;
          g_autoptr(GBytes) bytes = NULL;
          guint8 expected[SHOAL_SHA256_LEN];
          const guint8 *layer;
          gsize n_hashes = 0;
          gsize len;

          g_assert_cmpstr (file->path, ==, tree_order[i]);
          g_assert_cmpuint (file->length, ==, tree_sizes[i]);
          g_assert_false (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD);
          if (file->length == 0)
            {
              g_assert_null (file->pieces_root);
              continue;
            }
          g_assert_true (g_file_get_contents (path, &content, &len, NULL));
          bytes = g_bytes_new (content, len);
          merkle_root_of (bytes, expected);
          g_assert_cmpmem (file->pieces_root, SHOAL_SHA256_LEN, expected, SHOAL_SHA256_LEN);
          layer = shoal_metainfo_get_piece_layer (run.metainfo, i, &n_hashes);
          if (file->length > plen)
            {
              g_assert_nonnull (layer);
              g_assert_cmpuint (n_hashes, ==, (file->length + plen - 1) / plen);
            }
          else
            g_assert_true (layer == NULL || n_hashes <= 1);
        }
      run_clear (&run);
    }
}

/* A lone file as v2: the file tree holds it under its own name. */
static void
test_single_file_v2 (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) content = pattern (100 * 1000, 7, 1);
  g_autofree char *path = write_file (f->dir, "single.bin", content);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (path);
  guint8 expected[SHOAL_SHA256_LEN];
  gsize n_hashes = 0;
  Run run = { 0 };

  shoal_torrent_creator_set_piece_size (creator, 16 * KiB);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V2);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_cmpint (shoal_metainfo_get_version (run.metainfo), ==, SHOAL_TORRENT_VERSION_V2);
  g_assert_false (shoal_metainfo_is_multi_file (run.metainfo));
  g_assert_cmpstr (shoal_metainfo_get_name (run.metainfo), ==, "single.bin");
  g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, 1);
  g_assert_false (info_has (run.metainfo, "pieces"));
  g_assert_false (info_has (run.metainfo, "length"));
  merkle_root_of (content, expected);
  g_assert_cmpmem (shoal_metainfo_get_file (run.metainfo, 0)->pieces_root, SHOAL_SHA256_LEN,
                   expected, SHOAL_SHA256_LEN);
  g_assert_nonnull (shoal_metainfo_get_piece_layer (run.metainfo, 0, &n_hashes));
  g_assert_cmpuint (n_hashes, ==, 7);
  g_assert_cmpuint (run.last_hashed, ==, 100 * 1000);
  run_clear (&run);
}

static void
test_auto_piece_size (void)
{
  static const struct { guint64 total; guint64 piece; } table[] = {
    { 1, 16 * KiB },
    { 32 * 1024 * KiB, 16 * KiB },
    { 32 * 1024 * KiB + 1, 32 * KiB },
    { 100 * 1024 * KiB, 64 * KiB },
    { G_GUINT64_CONSTANT (1) << 30, 512 * KiB },
    { (G_GUINT64_CONSTANT (1) << 30) + 1, 1024 * KiB },
    { G_GUINT64_CONSTANT (4) << 30, 2048 * KiB },
    { G_GUINT64_CONSTANT (32) << 30, 16384 * KiB },
    { G_GUINT64_CONSTANT (1) << 40, 16384 * KiB },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      guint64 piece = shoal_torrent_creator_auto_piece_size (table[i].total);

      g_assert_cmpuint (piece, ==, table[i].piece);
      g_assert_cmpuint (piece & (piece - 1), ==, 0);
    }
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  static const guint64 bad_sizes[] = { 1000, 8 * KiB, 3 * 16 * KiB, G_GUINT64_CONSTANT (512) << 20 };
  g_autoptr(GBytes) content = pattern (1000, 3, 3);
  g_autofree char *file = write_file (f->dir, "ok/file", content);
  g_autofree char *ok_dir = g_build_filename (f->dir, "ok", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autofree char *empty1 = write_file (f->dir, "empties/a", nothing);
  g_autofree char *empty2 = write_file (f->dir, "empties/b/c", nothing);
  g_autofree char *empties = g_build_filename (f->dir, "empties", NULL);
  g_autofree char *bad_name = g_build_filename (f->dir, "badname", "caf\xe9", NULL);
  g_autofree char *bad_dir = g_build_filename (f->dir, "badname", NULL);
  Run run = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    {
      g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (ok_dir);

      shoal_torrent_creator_set_piece_size (creator, bad_sizes[i]);
      run_creator (creator, NULL, &run);
      g_assert_error (run.error, SHOAL_TORRENT_CREATOR_ERROR, SHOAL_TORRENT_CREATOR_ERROR_BAD_PIECE_SIZE);
      run_clear (&run);
    }

  {
    g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (missing);

    run_creator (creator, NULL, &run);
    g_assert_error (run.error, SHOAL_TORRENT_CREATOR_ERROR, SHOAL_TORRENT_CREATOR_ERROR_NOT_FOUND);
    run_clear (&run);
  }
  {
    g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (empties);

    run_creator (creator, NULL, &run);
    g_assert_error (run.error, SHOAL_TORRENT_CREATOR_ERROR, SHOAL_TORRENT_CREATOR_ERROR_EMPTY);
    run_clear (&run);
  }
  {
    g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (bad_dir);
    g_autofree char *bad_file = write_file (f->dir, "badname/caf\xe9", content);

    g_assert_true (g_file_test (bad_file, G_FILE_TEST_IS_REGULAR));
    run_creator (creator, NULL, &run);
    g_assert_error (run.error, SHOAL_TORRENT_CREATOR_ERROR, SHOAL_TORRENT_CREATOR_ERROR_BAD_FILE_NAME);
    run_clear (&run);
  }
  g_assert_nonnull (bad_name);
  g_assert_nonnull (file);
  g_assert_nonnull (empty1);
  g_assert_nonnull (empty2);
}

/* A large sparse file takes long enough to hash for cancellation to land
 * mid-way, without writing much to disk. */
static char *
make_sparse (const char *root,
             guint64     size)
{
  char *path = g_build_filename (root, "sparse.bin", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  g_assert_cmpint (pwrite (fd, "x", 1, (off_t) size - 1), ==, 1);
  close (fd);
  return path;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = make_sparse (f->dir, G_GUINT64_CONSTANT (8) << 30);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Run run = { 0 };
  gint64 start;

  /* Cancelled before it starts. */
  g_cancellable_cancel (cancellable);
  run_creator (creator, cancellable, &run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  run_clear (&run);

  /* Cancelled from the first progress report: 8 GiB cannot have been hashed
   * by then, and the workers must notice within moments. */
  g_cancellable_reset (cancellable);
  run.cancel_on_progress = cancellable;
  start = g_get_monotonic_time ();
  run_creator (creator, cancellable, &run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (run.n_progress, >=, 1);
  g_assert_cmpuint (run.last_hashed, <, run.last_total);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  run_clear (&run);
}

static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *path = make_sparse (f->dir, G_GUINT64_CONSTANT (256) << 20);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (path);
  Run run = { 0 };
  gint64 start = g_get_monotonic_time ();
  double seconds;

  run_creator (creator, NULL, &run);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_assert_no_error (run.error);
  g_assert_false (run.off_thread);
  g_assert_false (run.went_back);
  g_assert_cmpuint (run.n_progress, >=, 1);
  /* The last report is the final count, and they come at most ~10×/s. */
  g_assert_cmpuint (run.last_hashed, ==, G_GUINT64_CONSTANT (256) << 20);
  g_assert_cmpuint (run.last_total, ==, G_GUINT64_CONSTANT (256) << 20);
  g_assert_cmpfloat (run.n_progress, <=, seconds * 10 + 2);
  g_test_message ("%u progress reports in %.2f s", run.n_progress, seconds);
  run_clear (&run);
}

static void
test_special_files (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) content = pattern (5000, 5, 9);
  g_autoptr(GBytes) outside_content = pattern (10, 1, 1);
  g_autofree char *regular = write_file (f->dir, "share/regular", content);
  g_autofree char *outside = write_file (f->dir, "outside", outside_content);
  g_autofree char *share = g_build_filename (f->dir, "share", NULL);
  g_autofree char *fifo = g_build_filename (share, "fifo", NULL);
  g_autofree char *sock_path = g_build_filename (share, "socket", NULL);
  g_autofree char *link_in = g_build_filename (share, "link-in", NULL);
  g_autofree char *link_out = g_build_filename (share, "link-out", NULL);
  g_autofree char *link_dir = g_build_filename (share, "link-dir", NULL);
  g_autofree char *dangling = g_build_filename (share, "dangling", NULL);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (share);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char * const *skipped;
  int sock;
  Run run = { 0 };

  g_assert_true (g_file_test (regular, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  sock = socket (AF_UNIX, SOCK_STREAM, 0);
  g_assert_cmpint (sock, >=, 0);
  g_assert_cmpuint (strlen (sock_path), <, sizeof addr.sun_path);
  strcpy (addr.sun_path, sock_path);
  g_assert_cmpint (bind (sock, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (symlink ("regular", link_in), ==, 0);
  g_assert_cmpint (symlink (outside, link_out), ==, 0);
  g_assert_cmpint (symlink (".", link_dir), ==, 0);
  g_assert_cmpint (symlink ("nowhere", dangling), ==, 0);

  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V1);
  run_creator (creator, NULL, &run);
  close (sock);
  g_assert_no_error (run.error);

  /* Only the regular file and the link to it, with the same content. */
  g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, 2);
  g_assert_cmpstr (shoal_metainfo_get_file (run.metainfo, 0)->path, ==, "share/link-in");
  g_assert_cmpuint (shoal_metainfo_get_file (run.metainfo, 0)->length, ==, 5000);
  g_assert_cmpstr (shoal_metainfo_get_file (run.metainfo, 1)->path, ==, "share/regular");
  assert_pieces_match (run.metainfo, f->dir);

  skipped = shoal_torrent_creator_get_skipped (creator);
  g_assert_cmpuint (g_strv_length ((char **) skipped), ==, 5);
  for (guint i = 0; skipped[i] != NULL; i++)
    g_test_message ("skipped %s", skipped[i]);
  g_assert_nonnull (strstr (skipped[0], "dangling"));
  g_assert_nonnull (strstr (skipped[1], "fifo"));
  g_assert_nonnull (strstr (skipped[2], "link-dir"));
  g_assert_nonnull (strstr (skipped[2], "directory"));
  g_assert_nonnull (strstr (skipped[3], "link-out"));
  g_assert_nonnull (strstr (skipped[3], "outside"));
  g_assert_nonnull (strstr (skipped[4], "socket"));
  run_clear (&run);
}

static void
test_metadata (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) content = pattern (3000, 1, 2);
  g_autofree char *path = write_file (f->dir, "meta/f", content);
  g_autofree char *exe = write_file (f->dir, "meta/run.sh", content);
  g_autofree char *dir = g_build_filename (f->dir, "meta", NULL);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (dir);
  g_autoptr(GPtrArray) tiers = g_ptr_array_new ();
  const char *tier1[] = { "http://a.example/announce", "udp://b.example:6969/announce", NULL };
  const char *tier2[] = { "http://c.example/announce", NULL };
  const char *empty_tier[] = { NULL };
  const char *seeds[] = { "https://w.example/files/", "https://x.example/", NULL };
  g_autoptr(GBytes) first = NULL;
  g_autofree char *hash_without_source = NULL;
  g_autofree char *hash_with_source = NULL;
  Run run = { 0 };

  g_assert_cmpint (chmod (exe, 0755), ==, 0);
  g_ptr_array_add (tiers, tier1);
  g_ptr_array_add (tiers, empty_tier);
  g_ptr_array_add (tiers, tier2);
  shoal_torrent_creator_set_trackers (creator, tiers);
  shoal_torrent_creator_set_web_seeds (creator, seeds);
  shoal_torrent_creator_set_private (creator, TRUE);
  shoal_torrent_creator_set_comment (creator, "a comment");
  shoal_torrent_creator_set_created_by (creator, "test-creator");
  shoal_torrent_creator_set_creation_date (creator, 1700000000);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);

  g_assert_cmpuint (shoal_metainfo_get_n_tiers (run.metainfo), ==, 2);
  g_assert_cmpstrv (shoal_metainfo_get_tier (run.metainfo, 0), tier1);
  g_assert_cmpstrv (shoal_metainfo_get_tier (run.metainfo, 1), tier2);
  g_assert_cmpstrv (shoal_metainfo_get_web_seeds (run.metainfo), seeds);
  g_assert_true (shoal_metainfo_is_private (run.metainfo));
  g_assert_cmpstr (shoal_metainfo_get_comment (run.metainfo), ==, "a comment");
  g_assert_cmpstr (shoal_metainfo_get_created_by (run.metainfo), ==, "test-creator");
  g_assert_cmpint (shoal_metainfo_get_creation_date (run.metainfo), ==, 1700000000);
  g_assert_null (shoal_metainfo_get_source (run.metainfo));
  /* BEP 47 "x" for the executable, nothing for the other. */
  g_assert_cmpstr (shoal_metainfo_get_file (run.metainfo, 0)->path, ==, "meta/f");
  g_assert_cmpint (shoal_metainfo_get_file (run.metainfo, 0)->attributes, ==, SHOAL_FILE_ATTRIBUTE_NONE);
  g_assert_cmpstr (shoal_metainfo_get_file (run.metainfo, 2)->path, ==, "meta/run.sh");
  g_assert_cmpint (shoal_metainfo_get_file (run.metainfo, 2)->attributes, ==, SHOAL_FILE_ATTRIBUTE_EXECUTABLE);
  hash_without_source = shoal_metainfo_dup_info_hash_v1_hex (run.metainfo);
  first = g_bytes_ref (run.bytes);
  run_clear (&run);

  /* Same settings, same bytes. */
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_true (g_bytes_equal (first, run.bytes));
  run_clear (&run);

  /* A source tag lands in the info dictionary; no date, no creator. */
  shoal_torrent_creator_set_source (creator, "TRACKER");
  shoal_torrent_creator_set_created_by (creator, NULL);
  shoal_torrent_creator_set_creation_date (creator, SHOAL_TORRENT_CREATOR_DATE_NONE);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  g_assert_cmpstr (shoal_metainfo_get_source (run.metainfo), ==, "TRACKER");
  g_assert_null (shoal_metainfo_get_created_by (run.metainfo));
  g_assert_cmpint (shoal_metainfo_get_creation_date (run.metainfo), ==, 0);
  hash_with_source = shoal_metainfo_dup_info_hash_v1_hex (run.metainfo);
  g_assert_cmpstr (hash_with_source, !=, hash_without_source);
  run_clear (&run);
  g_assert_nonnull (path);
}

/* Info-hashes that libtorrent-rasterbar 2.0.8 gives for the same files and
 * settings, produced once with:
 *
 *   fs = lt.file_storage()
 *   for p, s in [('kat/one', 20000), ('kat/sub/two', 33333), ('kat/zero', 0)]:
 *       fs.add_file(p, s)
 *   ct = lt.create_torrent(fs, 16384, flags=FLAGS)   # v1_only, 0 (hybrid), v2_only
 *   lt.set_piece_hashes(ct, '.')
 *   print(lt.torrent_info(ct.generate()).info_hashes())
 *
 * with the file contents of pattern() below. The interop test
 * tests/interop/test-create.py compares against libtorrent live. */
static void
test_known_answer (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) one = pattern (20000, 7, 3);
  g_autoptr(GBytes) two = pattern (33333, 13, 5);
  g_autoptr(GBytes) zero = g_bytes_new (NULL, 0);
  g_autofree char *p1 = write_file (f->dir, "kat/one", one);
  g_autofree char *p2 = write_file (f->dir, "kat/sub/two", two);
  g_autofree char *p3 = write_file (f->dir, "kat/zero", zero);
  g_autofree char *dir = g_build_filename (f->dir, "kat", NULL);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (dir);
  g_autofree char *v1 = NULL;
  g_autofree char *h1 = NULL;
  g_autofree char *h2 = NULL;
  Run run = { 0 };

  shoal_torrent_creator_set_piece_size (creator, 16 * KiB);
  shoal_torrent_creator_set_creation_date (creator, 1700000000);
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V1);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  v1 = shoal_metainfo_dup_info_hash_v1_hex (run.metainfo);
  g_assert_cmpstr (v1, ==, "ff06daaa5dfd7e216a5c0cc6eb3f79e889331f20");
  run_clear (&run);

  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_HYBRID);
  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  h1 = shoal_metainfo_dup_info_hash_v1_hex (run.metainfo);
  h2 = shoal_metainfo_dup_info_hash_v2_hex (run.metainfo);
  g_assert_cmpstr (h1, ==, "63cd06a496bf0aeaaddcaceccbc59abd7d0ad506");
  g_assert_cmpstr (h2, ==, "d42428d9819a3a78c3322e6c1f38e36de9eae40bf665999bf39f6d199f25a2a5");
  run_clear (&run);

  /* v2 only, with pieces smaller and larger than the files. */
  shoal_torrent_creator_set_version (creator, SHOAL_TORRENT_VERSION_V2);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *v2 = NULL;

      shoal_torrent_creator_set_piece_size (creator, i == 0 ? 16 * KiB : 64 * KiB);
      run_creator (creator, NULL, &run);
      g_assert_no_error (run.error);
      g_assert_null (shoal_metainfo_dup_info_hash_v1_hex (run.metainfo));
      v2 = shoal_metainfo_dup_info_hash_v2_hex (run.metainfo);
      g_assert_cmpstr (v2, ==, i == 0 ? "cbc94f1773e5cb37b08aa709b7941ce140e7d94724719301022c683053547bc9"
                                      : "93be3f58c0f6e4de12b709912f54fa50093fbb7d13af0538e40b8f9baee464c9");
      run_clear (&run);
    }
  g_assert_nonnull (p1);
  g_assert_nonnull (p2);
  g_assert_nonnull (p3);
}

/* A directory holding one file, alone or in nested folders: a multi-file
 * torrent with one entry and no pad file, as libtorrent 2.0 makes it (the
 * expected hashes are libtorrent's for the same data). */
static void
test_folder_with_one_file (Fixture       *f,
                           gconstpointer  data)
{
  static const struct
  {
    const char *rel;
    const char *dir;
    const char *v1;
    const char *hybrid_v1;
    const char *hybrid_v2;
  } cases[] = {
    { "Movie (2020)/movie.mkv", "Movie (2020)", "2a6b0c4ddffcf04668431ae40eeb33691c4f51db",
      "5cff4e8335c741082535433198f78db77a03929a",
      "7305f56f26578836eab8f98f744eac0c220081a53da85e59a29846aa6edc318f" },
    { "N/a/b/f.bin", "N", "b2d91f07ba84064f9fefa730bd5134310bdda5e5",
      "77c9ac119e4af54fe9e7842b7b3c20e9db18d5c9",
      "1f4acdac825f2d1e09e8da345c0be40a95d8c28c061903996852cae59f220afa" },
  };
  g_autoptr(GBytes) content = pattern (100 * 1000, 7, 1);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_file (f->dir, cases[i].rel, content);
      g_autofree char *dir = g_build_filename (f->dir, cases[i].dir, NULL);
      g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new (dir);
      Run run = { 0 };

      shoal_torrent_creator_set_piece_size (creator, 16 * KiB);
      for (guint hybrid = 0; hybrid < 2; hybrid++)
        {
          g_autofree char *v1 = NULL;
          g_autofree char *v2 = NULL;
          const ShoalMetainfoFile *file;

          shoal_torrent_creator_set_version (creator, hybrid ? SHOAL_TORRENT_VERSION_HYBRID
                                                             : SHOAL_TORRENT_VERSION_V1);
          run_creator (creator, NULL, &run);
          g_assert_no_error (run.error);
          g_assert_true (shoal_metainfo_is_multi_file (run.metainfo));
          g_assert_cmpstr (shoal_metainfo_get_name (run.metainfo), ==, cases[i].dir);
          g_assert_cmpuint (shoal_metainfo_get_n_files (run.metainfo), ==, 1);
          file = shoal_metainfo_get_file (run.metainfo, 0);
          g_assert_cmpstr (file->path, ==, cases[i].rel);
          g_assert_cmpuint (file->length, ==, 100 * 1000);
          g_assert_true ((file->pieces_root != NULL) == (hybrid != 0));
          g_assert_cmpuint (shoal_metainfo_get_n_pieces (run.metainfo), ==, 7);
          assert_pieces_match (run.metainfo, f->dir);
          v1 = shoal_metainfo_dup_info_hash_v1_hex (run.metainfo);
          v2 = shoal_metainfo_dup_info_hash_v2_hex (run.metainfo);
          g_assert_cmpstr (v1, ==, hybrid ? cases[i].hybrid_v1 : cases[i].v1);
          g_assert_cmpstr (v2, ==, hybrid ? cases[i].hybrid_v2 : NULL);
          run_clear (&run);
        }
      g_assert_nonnull (path);
    }
}

static void
test_finalize (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) content = pattern (70000, 3, 1);
  g_autofree char *path = write_file (f->dir, "fin", content);
  ShoalTorrentCreator *creator = shoal_torrent_creator_new (path);
  Run run = { 0 };

  gpointer weak = creator;
  gint64 deadline;

  run_creator (creator, NULL, &run);
  g_assert_no_error (run.error);
  run_clear (&run);

  /* The worker thread drops its reference to the task (and so to the
   * creator) a moment after the result reached the main context. */
  g_object_add_weak_pointer (G_OBJECT (creator), &weak);
  g_object_unref (creator);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (weak != NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_null (weak);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/creator/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("single-file", test_single_file);
  ADD ("directory-v1", test_directory_v1);
  ADD ("directory-hybrid-pad-files", test_directory_hybrid);
  ADD ("directory-v2-only", test_directory_v2);
  ADD ("single-file-v2-only", test_single_file_v2);
  g_test_add_func ("/engine/creator/auto-piece-size", test_auto_piece_size);
  ADD ("bad-input", test_bad_input);
  ADD ("cancel", test_cancel);
  ADD ("progress-on-main-thread", test_progress);
  ADD ("skip-special-files-and-outside-links", test_special_files);
  ADD ("metadata", test_metadata);
  ADD ("known-answer-libtorrent", test_known_answer);
  ADD ("folder-with-one-file", test_folder_with_one_file);
  ADD ("finalize", test_finalize);

#undef ADD

  return g_test_run ();
}
