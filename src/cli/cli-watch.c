/* cli-watch.c: `shoal-cli watch`: a headless session fed by a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>

#include "cli-session.h"
#include "shoal-cli.h"

typedef struct
{
  GMainLoop  *loop;
  gboolean    quiet;
  char      **peers;  /* --peer: given to every torrent added */
} Watch;

static void
completed_cb (ShoalSession *session,
              ShoalTorrent *torrent,
              Watch        *w)
{
  if (!w->quiet)
    printf ("Completed “%s”\n", shoal_torrent_get_name (torrent));
  fflush (stdout);
}

static void
items_changed_cb (GListModel *list,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Watch      *w)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (list, i);

      if (!w->quiet)
        printf ("Added “%s”\n", shoal_torrent_get_name (t));
      for (guint j = 0; w->peers != NULL && w->peers[j] != NULL; j++)
        {
          g_autoptr(GError) error = NULL;

          if (!shoal_torrent_add_peer (t, w->peers[j], &error))
            fprintf (stderr, "shoal-cli: --peer: %s\n", error->message);
        }
    }
  fflush (stdout);
}

static gboolean
signal_cb (gpointer user_data)
{
  Watch *w = user_data;

  if (!w->quiet)
    printf ("Stopping…\n");
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

int
shoal_cli_watch (int    argc,
                 char **argv)
{
  g_auto(CliSessionOptions) session_options = { .restore_saved = TRUE };
  g_autofree char *out_dir = NULL;
  g_autofree char *incomplete_dir = NULL;
  gboolean remove = FALSE, quiet = FALSE;
  gint max_active = 0, max_seeds = 0;
  double ratio = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Directory to save into (default: current)", "DIR" },
    { "incomplete-dir", 0, 0, G_OPTION_ARG_FILENAME, &incomplete_dir, "Download here, move to the output directory once complete", "DIR" },
    { "remove", 0, 0, G_OPTION_ARG_NONE, &remove, "Remove .torrent files once added (default: rename them .torrent.added)", NULL },
    { "max-active", 0, 0, G_OPTION_ARG_INT, &max_active, "Download at most this many torrents at once, the others queued", "N" },
    { "max-seeds", 0, 0, G_OPTION_ARG_INT, &max_seeds, "Seed at most this many torrents at once", "N" },
    { "ratio-limit", 0, 0, G_OPTION_ARG_DOUBLE, &ratio, "Stop seeding at this upload ratio", "RATIO" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only errors", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("DIR — add the .torrent files put in DIR, until interrupted");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *watch_dir = NULL;
  g_autofree char *state = NULL;
  Watch w = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  cli_session_options_add_entries (&session_options, context);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli watch: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || max_active < 0 || max_seeds < 0 || session_options.port < 0 || session_options.port > 65535)
    {
      fprintf (stderr, "shoal-cli watch: expected one directory to watch (see --help)\n");
      return 2;
    }
  watch_dir = g_canonicalize_filename (argv[1], NULL);
  if (!g_file_test (watch_dir, G_FILE_TEST_IS_DIR))
    {
      fprintf (stderr, "shoal-cli watch: “%s” is not a directory\n", argv[1]);
      return 1;
    }
  dir = g_canonicalize_filename (out_dir ? out_dir : ".", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      fprintf (stderr, "shoal-cli: cannot create “%s”: %s\n", dir, g_strerror (errno));
      return 1;
    }
  /* The torrents it adds come back at its next run in the same directory. */
  state = shoal_cli_dup_state_dir (session_options.state_dir, dir);
  loop = g_main_loop_new (NULL, FALSE);
  session = cli_session_new (&session_options, state, &error);
  if (session == NULL)
    {
      fprintf (stderr, "shoal-cli: %s\n", error->message);
      return error->domain == G_OPTION_ERROR ? 2 : 1;
    }
  w.loop = loop;
  w.quiet = quiet;
  w.peers = session_options.peers;
  g_signal_connect (session, "torrent-completed", G_CALLBACK (completed_cb), &w);
  g_signal_connect (shoal_session_get_torrents (session), "items-changed", G_CALLBACK (items_changed_cb), &w);
  shoal_session_set_download_dir (session, dir);
  if (ratio > 0)
    shoal_session_set_seed_limits (session, ratio, 0);
  g_object_set (session,
                "max-active-downloads", (guint) max_active,
                "max-active-seeds", (guint) max_seeds,
                "incomplete-dir", incomplete_dir,
                "watch-remove", remove,
                "watch-dir", watch_dir,
                NULL);
  if (!quiet)
    printf ("Watching %s, saving into %s (listening on port %u)\n", watch_dir, dir,
            shoal_session_get_listen_port (session));
  fflush (stdout);
  g_unix_signal_add (SIGINT, signal_cb, &w);
  g_unix_signal_add (SIGTERM, signal_cb, &w);
  g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_data (shoal_session_get_torrents (session), &w);
  g_signal_handlers_disconnect_by_data (session, &w);
  cli_session_close (session, loop);
  return 0;
}
