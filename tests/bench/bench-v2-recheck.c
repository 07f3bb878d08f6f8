/* bench-v2-recheck.c: the engine's recheck of any torrent's data, timed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-v2-recheck TORRENT DIR [threads]
 *
 * Rechecks the data of TORRENT (v1, v2-only or hybrid) under DIR through
 * shoal_storage_recheck_async() on a disk pool of as many threads as the
 * session would use (or [threads]), and prints
 *   checked HAVE/PIECES SECONDS THREADS
 * for bench-v2.py, which times the process around it. Unlike `shoal-cli
 * verify`, it needs no session, so it runs on v2-only torrents before the
 * session downloads them.
 */
#include "config.h"

#include <stdlib.h>

#include "shoal-storage-private.h"

typedef struct
{
  ShoalBitfield *have;
  GError        *error;
  gboolean       done;
} Result;

static void
recheck_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *r = user_data;

  r->have = shoal_storage_recheck_finish (SHOAL_STORAGE (source), result, &r->error);
  r->done = TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalDiskPool) pool = NULL;
  g_autoptr(ShoalStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  Result r = { NULL, NULL, FALSE };
  guint threads = MAX (2, g_get_num_processors ());
  gint64 start;
  double seconds;
  guint have;

  if (argc < 3)
    {
      g_printerr ("Usage: bench-v2-recheck TORRENT DIR [threads]\n");
      return 2;
    }
  if (argc > 3)
    threads = (guint) CLAMP (atoi (argv[3]), 1, 64);

  file = g_file_new_for_commandline_arg (argv[1]);
  info = shoal_metainfo_new_from_file (file, NULL, &error);
  if (info == NULL)
    {
      g_printerr ("%s: %s\n", argv[1], error->message);
      return 1;
    }
  pool = shoal_disk_pool_new (threads);
  storage = shoal_storage_new (info, argv[2], pool);

  start = g_get_monotonic_time ();
  shoal_storage_recheck_async (storage, NULL, NULL, NULL, recheck_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (r.error != NULL)
    {
      g_printerr ("Recheck failed: %s\n", r.error->message);
      g_error_free (r.error);
      return 1;
    }
  have = shoal_bitfield_count (r.have);
  g_print ("checked %u/%u %.4f %u\n", have, shoal_metainfo_get_n_pieces (info), seconds,
           shoal_storage_get_last_recheck_n_threads (storage));
  shoal_bitfield_free (r.have);
  /* Jobs drop their references just after the result is dispatched. */
  while (shoal_disk_pool_get_pending_jobs (pool) > 0)
    g_usleep (1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return have == shoal_metainfo_get_n_pieces (info) ? 0 : 1;
}
