/* cli-download.c: `shoal-cli download` and `shoal-cli seed`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-session.h"
#include "shoal-cli.h"
#include "shoal-engine.h"

typedef struct
{
  GMainLoop    *loop;
  ShoalSession *session;
  ShoalTorrent *torrent;
  const char   *dir;
  gboolean      seed;
  gboolean      tty;
  gboolean      quiet;
  int           status;
  gint64        started_us;
  guint64       start_downloaded;
  gboolean      line_open;
  gboolean      done;
  gboolean      said_incomplete;
} Download;

/* What `download` and `seed` run with: the shared session options, then
 * their own. */
typedef struct
{
  CliSessionOptions   session;
  const char         *torrent;     /* path or magnet link */
  char               *out_dir;     /* (nullable): the current directory */
  gboolean            seed;
  char              **skip_files;
  gboolean            sequential;
  gboolean            quiet;
  double              ratio_limit;  /* 0: none */
  gint64              seed_time;    /* s, 0: none */
  gint                max_peers;    /* 0: the session's */
  gboolean            first_last;
} CliTransferOptions;

static void
cli_transfer_options_clear (CliTransferOptions *options)
{
  cli_session_options_clear (&options->session);
  g_clear_pointer (&options->out_dir, g_free);
  g_clear_pointer (&options->skip_files, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliTransferOptions, cli_transfer_options_clear)

/* The engine's word that the torrent is complete, confirmed on disk before
 * a person is told: it works in @dir, and every wanted file is there with
 * its full size. */
static gboolean
data_is_in_dir (ShoalTorrent  *torrent,
                const char    *dir,
                GError       **error)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);

  if (g_strcmp0 (shoal_torrent_get_save_dir (torrent), dir) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the data went to %s, not %s",
                   shoal_torrent_get_save_dir (torrent), dir);
      return FALSE;
    }
  for (guint i = 0; info != NULL && i < shoal_metainfo_get_n_files (info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (info, i);
      g_autofree char *path = NULL;
      GStatBuf st;

      if (f->length == 0 || (f->attributes & (SHOAL_FILE_ATTRIBUTE_PAD | SHOAL_FILE_ATTRIBUTE_SYMLINK)) ||
          shoal_torrent_get_file_priority (torrent, i) == SHOAL_FILE_PRIORITY_SKIP)
        continue;
      path = g_build_filename (dir, f->path, NULL);
      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size != f->length)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s is missing or not complete", path);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
format_rate (guint64 bytes_per_second)
{
  g_autofree char *s = g_format_size_full (bytes_per_second, G_FORMAT_SIZE_IEC_UNITS);

  return g_strdup_printf ("%s/s", s);
}

static const char *
state_name (ShoalTorrentState state)
{
  switch (state)
    {
    case SHOAL_TORRENT_STATE_PAUSED:
      return "paused";
    case SHOAL_TORRENT_STATE_CHECKING:
      return "checking";
    case SHOAL_TORRENT_STATE_DOWNLOADING:
      return "downloading";
    case SHOAL_TORRENT_STATE_SEEDING:
      return "seeding";
    case SHOAL_TORRENT_STATE_FINISHED:
      return "finished";
    case SHOAL_TORRENT_STATE_ERROR:
      return "error";
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      return "fetching metadata";
    case SHOAL_TORRENT_STATE_QUEUED:
      return "queued";
    default:
      return "unknown";
    }
}

static void
print_progress (Download *d)
{
  ShoalTorrent *t = d->torrent;
  ShoalTorrentState state = shoal_torrent_get_state (t);
  g_autofree char *down = format_rate (shoal_torrent_get_download_rate (t));
  g_autofree char *up = format_rate (shoal_torrent_get_upload_rate (t));
  gint64 eta = shoal_torrent_get_eta (t);
  g_autofree char *eta_text = eta < 0 ? g_strdup ("∞") : g_strdup_printf ("%" G_GINT64_FORMAT "s", eta);
  double progress = state == SHOAL_TORRENT_STATE_CHECKING ? shoal_torrent_get_check_progress (t)
                                                          : shoal_torrent_get_progress (t);
  g_autofree char *line = g_strdup_printf ("%-11s %6.2f%%  ↓ %-12s ↑ %-12s peers %u  ETA %s",
                                           state_name (state), progress * 100.0, down, up,
                                           shoal_torrent_get_n_connected (t), eta_text);

  if (d->quiet)
    return;
  if (d->tty)
    {
      printf ("\r\033[K%s", line);
      fflush (stdout);
      d->line_open = TRUE;
    }
  else
    printf ("%s\n", line);
}

static void
end_line (Download *d)
{
  if (d->line_open)
    printf ("\n");
  d->line_open = FALSE;
}

static gboolean
progress_cb (gpointer user_data)
{
  Download *d = user_data;

  print_progress (d);
  return G_SOURCE_CONTINUE;
}

static void
completed_cb (ShoalTorrent *torrent,
              Download     *d)
{
  double seconds = (g_get_monotonic_time () - d->started_us) / (double) G_USEC_PER_SEC;
  guint64 bytes = shoal_torrent_get_downloaded (torrent) - d->start_downloaded;
  g_autoptr(GError) error = NULL;

  if (d->done)
    return;
  d->done = TRUE;
  print_progress (d);
  end_line (d);
  if (!data_is_in_dir (torrent, d->dir, &error))
    {
      fprintf (stderr, "shoal-cli: “%s” is not complete in %s: %s\n", shoal_torrent_get_name (torrent), d->dir,
               error->message);
      d->status = 1;
      g_main_loop_quit (d->loop);
      return;
    }
  printf ("Completed “%s”: %.1f MiB in %.2f s (%.1f MiB/s)\n", shoal_torrent_get_name (torrent),
          bytes / 1048576.0, seconds, seconds > 0 ? bytes / 1048576.0 / seconds : 0.0);
  fflush (stdout);
  if (!d->seed)
    g_main_loop_quit (d->loop);
}

static void
error_cb (ShoalTorrent *torrent,
          GError       *error,
          Download     *d)
{
  end_line (d);
  fprintf (stderr, "shoal-cli: %s: %s\n", shoal_torrent_get_name (torrent), error->message);
  d->status = 1;
  g_main_loop_quit (d->loop);
}

static void
state_cb (ShoalTorrent *torrent,
          GParamSpec   *pspec,
          Download     *d)
{
  /* Data to seed that turns out incomplete: say so once, then fetch the
   * rest from peers like a download. */
  if (d->seed && !d->said_incomplete && shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_DOWNLOADING)
    {
      d->said_incomplete = TRUE;
      end_line (d);
      if (!d->quiet)
        printf ("Only %.1f%% of “%s” is in %s: downloading the rest first\n",
                shoal_torrent_get_progress (torrent) * 100.0, shoal_torrent_get_name (torrent), d->dir);
    }
  /* --ratio-limit or --seed-time reached: seeding is over. */
  if (shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_FINISHED)
    {
      end_line (d);
      if (!d->quiet)
        printf ("Seeding limit reached for “%s” (ratio %.2f)\n", shoal_torrent_get_name (torrent),
                shoal_torrent_get_ratio (torrent));
      g_main_loop_quit (d->loop);
      return;
    }
  /* A torrent that is complete as soon as it is checked. */
  if (!d->seed && shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_SEEDING &&
      shoal_torrent_get_progress (torrent) >= 1.0)
    completed_cb (torrent, d);
}

static gboolean
signal_cb (gpointer user_data)
{
  Download *d = user_data;

  end_line (d);
  if (!d->quiet)
    printf ("Stopping…\n");
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

typedef int CliLock;

static void
cli_lock_release (CliLock fd)
{
  close (fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CliLock, cli_lock_release, -1)

/* Two commands working on the same torrent in the same directory at once
 * would write the same files and the same resume data: the second is
 * refused. The lock goes with the process. */
static CliLock
lock_torrent (const char    *state_dir,
              const guint8  *info_hash,
              GError       **error)
{
  g_autofree char *hex = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  int fd;

  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create “%s”: %s", state_dir,
                   g_strerror (saved));
      return -1;
    }
  hex = info_hash ? shoal_hex_encode (info_hash, 20) : g_strdup ("v2");
  name = g_strdup_printf ("%s.lock", hex);
  path = g_build_filename (state_dir, name, NULL);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open “%s”: %s", path,
                   g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     "another shoal-cli is already working on this torrent in this directory");
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot lock “%s”: %s", path,
                     g_strerror (saved));
      return -1;
    }
  return fd;
}

static int
run (const CliTransferOptions *options)
{
  const char *torrent_path = options->torrent;
  char **skip_files = options->skip_files;
  g_autoptr(GError) error = NULL;
  gboolean is_magnet = g_ascii_strncasecmp (torrent_path, "magnet:", 7) == 0;
  g_autoptr(GFile) file = is_magnet ? NULL : g_file_new_for_commandline_arg (torrent_path);
  g_autoptr(ShoalMetainfo) info = is_magnet ? NULL : shoal_metainfo_new_from_file (file, NULL, &error);
  g_autoptr(ShoalMagnet) magnet = is_magnet ? shoal_magnet_new_from_uri (torrent_path, &error) : NULL;
  g_autofree char *state = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(ShoalSession) session = NULL;
  Download d = { 0 };
  ShoalTorrent *torrent;
  ShoalMetainfo *known;
  g_auto(CliLock) lock = -1;
  guint progress_id;

  if (info == NULL && magnet == NULL)
    {
      fprintf (stderr, "shoal-cli: %s: %s\n", is_magnet ? "invalid magnet link" : torrent_path, error->message);
      return 1;
    }

  if (info != NULL && skip_files != NULL)
    for (guint i = 0; skip_files[i] != NULL; i++)
      if (!g_ascii_string_to_unsigned (skip_files[i], 10, 0, shoal_metainfo_get_n_files (info) - 1, NULL, &error))
        {
          fprintf (stderr, "shoal-cli: --skip-file %s: %s\n", skip_files[i], error->message);
          return 2;
        }
  if (skip_files != NULL && skip_files[0] != NULL && info == NULL)
    {
      fprintf (stderr, "shoal-cli: --skip-file needs the torrent's files; for a magnet link, choose files with so=\n");
      return 2;
    }

  dir = g_canonicalize_filename (options->out_dir ? options->out_dir : ".", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      fprintf (stderr, "shoal-cli: cannot create “%s”: %s\n", dir, g_strerror (errno));
      return 1;
    }
  state = shoal_cli_dup_state_dir (options->session.state_dir, dir);
  lock = lock_torrent (state, info ? (shoal_metainfo_get_info_hash_v1 (info) ? shoal_metainfo_get_info_hash_v1 (info)
                                                                           : shoal_metainfo_get_info_hash_v2 (info))
                             : (shoal_magnet_get_info_hash_v1 (magnet) ? shoal_magnet_get_info_hash_v1 (magnet)
                                                                        : shoal_magnet_get_info_hash_v2 (magnet)),
                       &error);
  if (lock < 0)
    {
      fprintf (stderr, "shoal-cli: %s: %s\n", dir, error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  session = cli_session_new (&options->session, state, &error);
  if (session == NULL)
    {
      fprintf (stderr, "shoal-cli: %s\n", error->message);
      return error->domain == G_OPTION_ERROR ? 2 : 1;
    }

  {
    ShoalAddFlags flags = SHOAL_ADD_FLAGS_PAUSED | SHOAL_ADD_FLAGS_RESUME;

    if (options->sequential)
      flags |= SHOAL_ADD_FLAGS_SEQUENTIAL;
    if (info != NULL)
      torrent = shoal_session_add_torrent (session, info, dir, flags, &error);
    else
      torrent = shoal_session_add_magnet (session, magnet, dir, flags, &error);
    if (torrent == NULL)
      {
        fprintf (stderr, "shoal-cli: %s: %s\n", torrent_path, error->message);
        return 1;
      }
  }
  /* Progress saved by an earlier run in this directory came back (pieces
   * had, or at least data received: what a crash cut short is checked). */
  known = shoal_torrent_get_metainfo (torrent);
  if (!options->quiet && known != NULL &&
      (shoal_bitfield_count (shoal_torrent_get_pieces (torrent)) > 0 || shoal_torrent_get_downloaded (torrent) > 0))
    printf ("Resuming “%s” from the state saved for %s (%u of %u pieces had)\n", shoal_torrent_get_name (torrent),
            dir, shoal_bitfield_count (shoal_torrent_get_pieces (torrent)), shoal_metainfo_get_n_pieces (known));

  /* The files wanted are the ones this command names (or its magnet link
   * selects), whatever a run before chose. */
  for (guint i = 0; known != NULL && i < shoal_metainfo_get_n_files (known); i++)
    {
      gboolean skip = magnet != NULL && !shoal_magnet_is_file_selected (magnet, i);
      gboolean skipped = shoal_torrent_get_file_priority (torrent, i) == SHOAL_FILE_PRIORITY_SKIP;

      for (guint j = 0; skip_files != NULL && skip_files[j] != NULL; j++)
        skip = skip || g_ascii_strtoull (skip_files[j], NULL, 10) == i;
      if (skip != skipped)
        shoal_torrent_set_file_priority (torrent, i, skip ? SHOAL_FILE_PRIORITY_SKIP : SHOAL_FILE_PRIORITY_NORMAL);
    }
  if (options->sequential)
    shoal_torrent_set_sequential (torrent, TRUE);
  if (options->first_last)
    shoal_torrent_set_first_last_pieces (torrent, TRUE);
  if (options->max_peers > 0)
    shoal_torrent_set_max_connections (torrent, (guint) options->max_peers);
  if (options->ratio_limit > 0)
    shoal_torrent_set_seed_ratio_limit (torrent, options->ratio_limit);
  if (options->seed_time > 0)
    shoal_torrent_set_seed_time_limit (torrent, options->seed_time);
  for (guint i = 0; options->session.peers && options->session.peers[i]; i++)
    if (!shoal_torrent_add_peer (torrent, options->session.peers[i], &error))
      {
        fprintf (stderr, "shoal-cli: --peer: %s\n", error->message);
        return 2;
      }

  d.loop = loop;
  d.session = session;
  d.torrent = torrent;
  d.dir = dir;
  d.seed = options->seed;
  d.quiet = options->quiet;
  d.tty = isatty (STDOUT_FILENO);
  d.started_us = g_get_monotonic_time ();
  d.start_downloaded = shoal_torrent_get_downloaded (torrent);
  g_signal_connect (torrent, "completed", G_CALLBACK (completed_cb), &d);
  g_signal_connect (torrent, "error", G_CALLBACK (error_cb), &d);
  g_signal_connect (torrent, "notify::state", G_CALLBACK (state_cb), &d);
  g_unix_signal_add (SIGINT, signal_cb, &d);
  g_unix_signal_add (SIGTERM, signal_cb, &d);
  progress_id = g_timeout_add (d.tty ? 500 : 2000, progress_cb, &d);

  if (!options->quiet)
    printf ("%s “%s” into %s (listening on port %u)\n", options->seed ? "Seeding" : "Downloading",
            shoal_torrent_get_name (torrent), dir, shoal_session_get_listen_port (session));
  shoal_torrent_start (torrent);
  state_cb (torrent, NULL, &d);
  if (d.status == 0 && !(shoal_torrent_get_progress (torrent) >= 1.0 && !options->seed &&
                         shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_SEEDING))
    g_main_loop_run (loop);

  g_source_remove (progress_id);
  end_line (&d);
  g_signal_handlers_disconnect_by_data (torrent, &d);
  /* Give the trackers our `completed`/`stopped` before exiting. */
  cli_session_close (session, loop);
  return d.status;
}

int
shoal_cli_download (int    argc,
                    char **argv)
{
  g_auto(CliTransferOptions) options = { 0 };
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &options.out_dir, "Directory to save into (default: current)", "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_NONE, &options.seed, "Keep seeding after the download completes", NULL },
    { "skip-file", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.skip_files, "Do not download this file (index from “info”; not for magnet links)", "INDEX" },
    { "sequential", 0, 0, G_OPTION_ARG_NONE, &options.sequential, "Download pieces in order", NULL },
    { "first-last", 0, 0, G_OPTION_ARG_NONE, &options.first_last, "Download the first and last piece of each file first", NULL },
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &options.max_peers, "Connect to at most this many peers", "N" },
    { "ratio-limit", 0, 0, G_OPTION_ARG_DOUBLE, &options.ratio_limit, "With --seed: stop at this upload ratio", "RATIO" },
    { "seed-time", 0, 0, G_OPTION_ARG_INT64, &options.seed_time, "With --seed: stop after seeding this long", "SECONDS" },
    { NULL }
  };
  const GOptionEntry last[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.quiet, "Print only errors and the final line", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.torrent|MAGNET — download a torrent");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  cli_session_options_add_entries (&options.session, context);
  g_option_context_add_main_entries (context, last, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli download: %s\n", error->message);
      return 2;
    }
  options.session.quiet = options.quiet;
  if (argc != 2 || options.session.port < 0 || options.session.port > 65535)
    {
      fprintf (stderr, "shoal-cli download: expected one .torrent file (see --help)\n");
      return 2;
    }
  options.torrent = argv[1];
  return run (&options);
}

int
shoal_cli_seed (int    argc,
                char **argv)
{
  g_auto(CliTransferOptions) options = { .seed = TRUE };
  const GOptionEntry entries[] = {
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &options.max_peers, "Connect to at most this many peers", "N" },
    { "ratio-limit", 0, 0, G_OPTION_ARG_DOUBLE, &options.ratio_limit, "Stop at this upload ratio", "RATIO" },
    { "seed-time", 0, 0, G_OPTION_ARG_INT64, &options.seed_time, "Stop after seeding this long", "SECONDS" },
    { NULL }
  };
  const GOptionEntry last[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.quiet, "Print only errors", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.torrent DIR — check the data in DIR and seed it");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  cli_session_options_add_entries (&options.session, context);
  g_option_context_add_main_entries (context, last, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli seed: %s\n", error->message);
      return 2;
    }
  options.session.quiet = options.quiet;
  if (argc != 3 || options.session.port < 0 || options.session.port > 65535)
    {
      fprintf (stderr, "shoal-cli seed: expected a .torrent file and the directory holding its data\n");
      return 2;
    }
  /* It names where the data is: a mistyped directory is an error, not a
   * new directory to download into. */
  if (!g_file_test (argv[2], G_FILE_TEST_IS_DIR))
    {
      fprintf (stderr, "shoal-cli seed: “%s” is not a directory\n", argv[2]);
      return 1;
    }
  options.torrent = argv[1];
  options.out_dir = g_strdup (argv[2]);
  return run (&options);
}
