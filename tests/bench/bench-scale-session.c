/* bench-scale-session.c: a Shoal session holding many torrents, for bench-scale.py
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage:
 *   bench-scale-session add STATE_DIR SAVE_DIR TORRENT_DIR
 *     adds every TORRENT_DIR/.torrent (data in SAVE_DIR, checked), waits
 *     until each one seeds, and closes the session: its state is saved in
 *     STATE_DIR for the next run
 *   bench-scale-session load STATE_DIR SECONDS
 *     starts a session on STATE_DIR (it brings back the saved torrents),
 *     prints "loaded N SECONDS" once every torrent seeds, then runs SECONDS
 *     more and closes. bench-scale.py measures its time, memory and CPU
 *     from outside, as for the other clients.
 *
 * Built like a front end (shoal-engine.h): this is what the app and
 * shoal-cli see. No DHT, no LSD; only the torrents' tracker, on 127.0.0.1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shoal-engine.h>
#include "shoal-session-testing.h"

static ShoalSession *
make_session (const char *state_dir)
{
  const ShoalSessionTestHooks hooks = { .dht_bootstrap = "none", .lsd_off = TRUE };
  ShoalSession *session = shoal_session_new (state_dir);

  _shoal_session_set_test_hooks (session, &hooks);
  shoal_session_set_listen_address (session, "127.0.0.1");
  shoal_session_set_listen_port (session, 0);
  shoal_session_set_dht_enabled (session, FALSE);
  shoal_session_set_lsd_enabled (session, FALSE);
  return session;
}

/* How many torrents are not seeding yet (an error counts as done, and is
 * reported). */
static guint
n_not_seeding (ShoalSession *session,
               guint        *n_errors)
{
  GListModel *torrents = shoal_session_get_torrents (session);
  guint n = g_list_model_get_n_items (torrents);
  guint left = 0;

  *n_errors = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (torrents, i);
      ShoalTorrentState state = shoal_torrent_get_state (t);

      if (state == SHOAL_TORRENT_STATE_ERROR)
        (*n_errors)++;
      else if (state != SHOAL_TORRENT_STATE_SEEDING)
        left++;
    }
  return left;
}

static gboolean
wait_all_seeding (ShoalSession *session,
                  double        limit_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (limit_s * G_USEC_PER_SEC);
  guint errors = 0;

  while (n_not_seeding (session, &errors) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      /* Poll every 10 ms, but run whatever is ready first. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  if (errors > 0)
    g_printerr ("%u torrents stopped on an error\n", errors);
  return errors == 0;
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *done = user_data;

  shoal_session_close_finish (SHOAL_SESSION (source), result, NULL);
  *done = TRUE;
}

static void
close_session (ShoalSession *session)
{
  gboolean done = FALSE;

  shoal_session_close_async (session, NULL, close_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static int
run_add (const char *state_dir,
         const char *save_dir,
         const char *torrent_dir)
{
  g_autoptr(ShoalSession) session = make_session (state_dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  gint64 start = g_get_monotonic_time ();
  gint64 longest_add = 0;

  if (!shoal_session_start (session, &error))
    g_error ("Cannot start: %s", error->message);
  dir = g_dir_open (torrent_dir, 0, &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".torrent"))
      g_ptr_array_add (names, g_build_filename (torrent_dir, name, NULL));
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (names->pdata[i]);
      gint64 t0 = g_get_monotonic_time ();

      if (shoal_session_add_torrent_file (session, file, save_dir, SHOAL_ADD_FLAGS_NONE, &error) == NULL)
        g_error ("Cannot add %s: %s", (char *) names->pdata[i], error->message);
      longest_add = MAX (longest_add, g_get_monotonic_time () - t0);
      /* Keep the main loop turning, as an app adding files would. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  /* How long the calls themselves held the main loop. */
  g_print ("add-calls %u %.3f longest %.1f ms\n", names->len, (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC,
           longest_add / 1000.0);
  if (!wait_all_seeding (session, 600))
    g_error ("Not every torrent seeds");
  g_print ("added %u %.3f\n", names->len, (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  start = g_get_monotonic_time ();
  close_session (session);
  g_print ("closed %.3f\n", (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  return EXIT_SUCCESS;
}

static gboolean
quit_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
run_load (const char *state_dir,
          double      seconds)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(ShoalSession) session = make_session (state_dir);
  g_autoptr(GError) error = NULL;
  gboolean quit = FALSE;

  if (!shoal_session_start (session, &error))
    g_error ("Cannot start: %s", error->message);
  if (!wait_all_seeding (session, 600))
    g_error ("Not every torrent seeds");
  g_print ("loaded %u %.3f\n", g_list_model_get_n_items (shoal_session_get_torrents (session)),
           (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  g_timeout_add ((guint) (seconds * 1000), quit_cb, &quit);
  while (!quit)
    g_main_context_iteration (NULL, TRUE);
  close_session (session);
  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc == 5 && strcmp (argv[1], "add") == 0)
    return run_add (argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp (argv[1], "load") == 0)
    return run_load (argv[2], g_ascii_strtod (argv[3], NULL));
  g_printerr ("Usage: bench-scale-session add STATE_DIR SAVE_DIR TORRENT_DIR\n"
              "       bench-scale-session load STATE_DIR SECONDS\n");
  return 2;
}
