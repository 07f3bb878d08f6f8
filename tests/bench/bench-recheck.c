/* bench-recheck.c: how fast a hot-cache recheck runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-recheck [MiB] [piece KiB] [threads]
 *
 * Writes a torrent of random data (1 GiB, 1 MiB pieces by default) into a
 * temporary directory, reads it once so it is in the page cache, then
 * times shoal_storage_recheck_async() over it and prints MiB/s, after the
 * speed of SHA-1 alone on one core for comparison.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-storage-private.h"

typedef struct
{
  ShoalBitfield *have;
  gboolean       done;
} Result;

static void
recheck_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *r = user_data;
  g_autoptr(GError) error = NULL;

  r->have = shoal_storage_recheck_finish (SHOAL_STORAGE (source), result, &error);
  if (error != NULL)
    g_error ("Recheck failed: %s", error->message);
  r->done = TRUE;
}

static ShoalMetainfo *
make_torrent (const char *path,
              guint64     size,
              guint64     piece_length)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GByteArray) hashes = g_byte_array_new ();
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *piece = g_malloc (piece_length);
  GRand *rand = g_rand_new_with_seed (1);
  FILE *out = fopen (path, "wb");
  ShoalMetainfo *info;

  if (out == NULL)
    g_error ("Cannot create %s", path);
  for (guint64 off = 0; off < size; off += piece_length)
    {
      gsize len = MIN (piece_length, size - off);
      guint8 digest[SHOAL_SHA1_LEN];

      for (gsize i = 0; i + 4 <= len; i += 4)
        {
          guint32 v = g_rand_int (rand);

          memcpy (piece + i, &v, 4);
        }
      shoal_sha1 (piece, len, digest);
      g_byte_array_append (hashes, digest, sizeof digest);
      if (fwrite (piece, 1, len, out) != len)
        g_error ("Cannot write %s", path);
    }
  fclose (out);
  g_rand_free (rand);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "length");
  shoal_bencode_writer_integer (w, (gint64) size);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, "data.bin");
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) piece_length);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes->data, hashes->len);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  torrent = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (torrent, &error);
  if (info == NULL)
    g_error ("Bad torrent: %s", error->message);
  return info;
}

/* The ceiling a recheck on n threads can reach is n times this. */
static void
print_sha1_speed (guint64 piece_length)
{
  const guint64 total = 256 * 1024 * 1024;
  g_autofree guint8 *buf = g_malloc (piece_length);
  guint8 digest[SHOAL_SHA1_LEN];
  gint64 start;
  double seconds;

  memset (buf, 0x5a, piece_length);
  start = g_get_monotonic_time ();
  for (guint64 done = 0; done < total; done += piece_length)
    shoal_sha1 (buf, piece_length, digest);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_print ("SHA-1 on one core, %" G_GUINT64_FORMAT " KiB pieces: %.0f MiB/s\n",
           piece_length / 1024, (double) (total / (1024 * 1024)) / seconds);
}

int
main (int   argc,
      char *argv[])
{
  guint64 mib = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 1024;
  guint64 piece_kib = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 1024;
  guint threads = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 0;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-bench-XXXXXX", &error);
  g_autofree char *data_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalDiskPool) pool = NULL;
  g_autoptr(ShoalStorage) storage = NULL;
  gsize len = 0;

  if (dir == NULL)
    g_error ("%s", error->message);
  data_path = g_build_filename (dir, "data.bin", NULL);
  info = make_torrent (data_path, mib * 1024 * 1024, piece_kib * 1024);

  /* Write the file back now, so that writeback does not compete with the
   * first run, then warm the page cache. */
  sync ();
  if (!g_file_get_contents (data_path, &contents, &len, &error))
    g_error ("%s", error->message);
  g_clear_pointer (&contents, g_free);

  print_sha1_speed (piece_kib * 1024);
  pool = shoal_disk_pool_new (threads);
  storage = shoal_storage_new (info, dir, pool);

  for (guint run = 0; run < 3; run++)
    {
      Result r = { NULL, FALSE };
      gint64 start = g_get_monotonic_time ();
      double seconds;

      shoal_storage_recheck_async (storage, NULL, NULL, NULL, recheck_cb, &r);
      while (!r.done)
        g_main_context_iteration (NULL, TRUE);
      seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      if (!shoal_bitfield_is_full (r.have))
        g_error ("Recheck missed pieces");
      g_print ("run %u: %" G_GUINT64_FORMAT " MiB in %.3f s with %u threads (%u hashed): %.0f MiB/s\n",
               run, mib, seconds, shoal_disk_pool_get_n_threads (pool),
               shoal_storage_get_last_recheck_n_threads (storage), (double) mib / seconds);
      shoal_bitfield_free (r.have);
    }

  g_clear_object (&storage);
  g_unlink (data_path);
  g_rmdir (dir);
  return EXIT_SUCCESS;
}
