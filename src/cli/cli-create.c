/* cli-create.c: `shoal-cli create`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-session.h"
#include "shoal-cli.h"
#include "shoal-engine.h"

typedef struct
{
  GMainLoop    *loop;
  GCancellable *cancellable;
  gboolean      tty;
  gboolean      quiet;
  gboolean      line_open;
  gint64        started_us;
  gint64        last_line_us;
  GBytes       *bytes;
  ShoalMetainfo *metainfo;
  GError       *error;
  gboolean      interrupted;
} Create;

static void
end_line (Create *c)
{
  if (c->line_open)
    printf ("\n");
  c->line_open = FALSE;
}

static void
progress_cb (ShoalTorrentCreator *creator,
             guint64              hashed,
             guint64              total,
             gpointer             user_data)
{
  Create *c = user_data;
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - c->started_us) / (double) G_USEC_PER_SEC;
  g_autofree char *done = g_format_size_full (hashed, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *all = g_format_size_full (total, G_FORMAT_SIZE_IEC_UNITS);

  if (c->quiet)
    return;
  if (c->tty)
    {
      printf ("\r\033[KHashing %6.2f%%  %s of %s  %.1f MiB/s", 100.0 * hashed / total, done, all,
              seconds > 0 ? hashed / 1048576.0 / seconds : 0.0);
      fflush (stdout);
      c->line_open = TRUE;
    }
  else if (now - c->last_line_us >= 2 * G_USEC_PER_SEC || hashed == total)
    {
      /* Logs get a line every two seconds, not ten a second. */
      printf ("Hashing %6.2f%%  %s of %s\n", 100.0 * hashed / total, done, all);
      fflush (stdout);
      c->last_line_us = now;
    }
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Create *c = user_data;

  c->bytes = shoal_torrent_creator_create_finish (SHOAL_TORRENT_CREATOR (source), result,
                                                  &c->metainfo, &c->error);
  g_main_loop_quit (c->loop);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Create *c = user_data;

  c->interrupted = TRUE;
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_CONTINUE;
}

/* "auto", a number of bytes, or one with a K/M suffix (binary units). */
static gboolean
parse_piece_size (const char *text,
                  guint64    *out,
                  GError    **error)
{
  g_autofree char *digits = NULL;
  guint64 unit = 1;
  gsize len;

  if (text == NULL || g_ascii_strcasecmp (text, "auto") == 0)
    {
      *out = 0;
      return TRUE;
    }
  len = strlen (text);
  if (len > 0 && (text[len - 1] == 'K' || text[len - 1] == 'k'))
    unit = 1024;
  else if (len > 0 && (text[len - 1] == 'M' || text[len - 1] == 'm'))
    unit = 1024 * 1024;
  digits = g_strndup (text, unit == 1 ? len : len - 1);
  if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT32, out, error))
    return FALSE;
  *out *= unit;
  return TRUE;
}

static GPtrArray *
parse_trackers (char   **trackers,
                GError **error)
{
  GPtrArray *tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; trackers != NULL && trackers[i] != NULL; i++)
    {
      g_auto(GStrv) urls = g_strsplit (trackers[i], ",", -1);
      g_autoptr(GStrvBuilder) tier = g_strv_builder_new ();

      for (guint j = 0; urls[j] != NULL; j++)
        {
          g_strstrip (urls[j]);
          if (urls[j][0] == '\0')
            continue;
          if (!shoal_announce_url_check (urls[j], SHOAL_ANNOUNCE_URL_FLAGS_NONE, error))
            {
              g_ptr_array_unref (tiers);
              return NULL;
            }
          g_strv_builder_add (tier, urls[j]);
        }
      g_ptr_array_add (tiers, g_strv_builder_end (tier));
    }
  return tiers;
}

static void
print_result (ShoalMetainfo *info,
              const char    *out_path)
{
  g_autofree char *size = g_format_size_full (shoal_metainfo_get_content_size (info), G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *piece = g_format_size_full (shoal_metainfo_get_piece_length (info), G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *magnet = shoal_metainfo_to_magnet (info);
  guint n_files = 0;

  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    if (!(shoal_metainfo_get_file (info, i)->attributes & SHOAL_FILE_ATTRIBUTE_PAD))
      n_files++;

  printf ("Created %s: “%s”, %u file%s, %s, %u pieces of %s (%s)\n", out_path, shoal_metainfo_get_name (info),
          n_files, n_files == 1 ? "" : "s", size, shoal_metainfo_get_n_pieces (info), piece,
          shoal_metainfo_get_version (info) == SHOAL_TORRENT_VERSION_HYBRID ? "hybrid v1+v2"
          : shoal_metainfo_get_version (info) == SHOAL_TORRENT_VERSION_V2 ? "v2" : "v1");
  if (shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V1)
    {
      g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (info);

      printf ("Info-hash v1: %s\n", hex);
    }
  if (shoal_metainfo_get_version (info) & SHOAL_TORRENT_VERSION_V2)
    {
      g_autofree char *hex = shoal_metainfo_dup_info_hash_v2_hex (info);

      printf ("Info-hash v2: %s\n", hex);
    }
  printf ("Magnet: %s\n", magnet);
  fflush (stdout);
}

typedef struct
{
  GMainLoop *loop;
  int        status;
} Seed;

static gboolean
stop_cb (gpointer user_data)
{
  Seed *seed = user_data;

  g_main_loop_quit (seed->loop);
  return G_SOURCE_CONTINUE;
}

static void
torrent_error_cb (ShoalTorrent *torrent,
                  GError       *error,
                  Seed         *seed)
{
  fprintf (stderr, "shoal-cli create: %s: %s\n", shoal_torrent_get_name (torrent), error->message);
  seed->status = 1;
  g_main_loop_quit (seed->loop);
}

/* Seeds what was just created, from where it lies: the data is correct by
 * construction, so the torrent goes straight to seeding without a check. */
static int
seed_created (ShoalMetainfo           *info,
              const char              *data_dir,
              const CliSessionOptions *options,
              gboolean                 quiet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *dir = g_canonicalize_filename (data_dir, NULL);
  g_autofree char *state = shoal_cli_dup_state_dir (options->state_dir, dir);
  g_autoptr(ShoalSession) session = NULL;
  ShoalTorrent *torrent;
  guint sigint_id, sigterm_id;
  Seed seed = { loop, 0 };

  session = cli_session_new (options, state, &error);
  if (session == NULL)
    {
      fprintf (stderr, "shoal-cli create: %s\n", error->message);
      return error->domain == G_OPTION_ERROR ? 2 : 1;
    }
  /* The state is saved as for `shoal-cli seed`, which can then go on
   * seeding from here without a check. */
  torrent = shoal_session_add_torrent (session, info, dir, SHOAL_ADD_FLAGS_SEED_MODE, &error);
  if (torrent == NULL)
    {
      fprintf (stderr, "shoal-cli create: cannot seed: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; options->peers != NULL && options->peers[i] != NULL; i++)
    if (!shoal_torrent_add_peer (torrent, options->peers[i], &error))
      {
        fprintf (stderr, "shoal-cli create: --peer: %s\n", error->message);
        g_clear_error (&error);
        seed.status = 2;
      }
  g_signal_connect (torrent, "error", G_CALLBACK (torrent_error_cb), &seed);
  shoal_torrent_start (torrent);
  if (!quiet)
    printf ("Seeding “%s” from %s (listening on port %u); Ctrl-C stops\n", shoal_torrent_get_name (torrent),
            data_dir, shoal_session_get_listen_port (session));
  fflush (stdout);

  sigint_id = g_unix_signal_add (SIGINT, stop_cb, &seed);
  sigterm_id = g_unix_signal_add (SIGTERM, stop_cb, &seed);
  if (seed.status == 0)
    g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (torrent, &seed);

  /* Give the trackers our `stopped` before exiting. */
  cli_session_close (session, loop);
  return seed.status;
}

int
shoal_cli_create (int    argc,
                  char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *piece_size_text = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *source = NULL;
  g_auto(GStrv) trackers = NULL;
  g_auto(GStrv) web_seeds = NULL;
  g_auto(CliSessionOptions) session_options = { 0 };
  gboolean is_private = FALSE, v1 = FALSE, v2 = FALSE, hybrid = FALSE, seed = FALSE, quiet = FALSE, no_date = FALSE;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the .torrent (default: NAME.torrent)", "FILE" },
    { "tracker", 't', 0, G_OPTION_ARG_STRING_ARRAY, &trackers,
      "Announce URL; each --tracker is a tier of its own, and URL1,URL2 puts several in one tier", "URL[,URL…]" },
    { "web-seed", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &web_seeds, "Web seed URL (BEP 19)", "URL" },
    { "piece-size", 0, 0, G_OPTION_ARG_STRING, &piece_size_text,
      "Piece size: auto (default), bytes, or with a K or M suffix (power of two, 16K to 256M)", "SIZE" },
    { "private", 0, 0, G_OPTION_ARG_NONE, &is_private, "Private torrent: peers from the trackers only", NULL },
    { "comment", 'c', 0, G_OPTION_ARG_STRING, &comment, "Comment", "TEXT" },
    { "source", 's', 0, G_OPTION_ARG_STRING, &source, "Source tag (changes the info-hash)", "TEXT" },
    { "v1", 0, 0, G_OPTION_ARG_NONE, &v1, "BitTorrent v1 only", NULL },
    { "v2", 0, 0, G_OPTION_ARG_NONE, &v2, "BitTorrent v2 only: no pad files, but clients that know only v1 cannot open it", NULL },
    { "hybrid", 0, 0, G_OPTION_ARG_NONE, &hybrid, "Hybrid v1+v2, readable by every client (default)", NULL },
    { "no-date", 0, 0, G_OPTION_ARG_NONE, &no_date, "Leave out the creation date (reproducible output)", NULL },
    { "seed", 0, 0, G_OPTION_ARG_NONE, &seed, "Then seed it from where the data is, until interrupted", NULL },
    { NULL }
  };
  const GOptionEntry last[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print no progress", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("PATH — make a .torrent of a file or directory");
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTorrentCreator) creator = NULL;
  g_autoptr(GPtrArray) tiers = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autofree char *out_path = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *data_dir = NULL;
  Create c = { 0 };
  guint64 piece_size;
  guint sigint_id, sigterm_id;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  cli_session_options_add_entries (&session_options, context);
  g_option_context_add_main_entries (context, last, NULL);
  g_option_context_set_description (context,
    "Hidden files are included; sockets, FIFOs, devices and symbolic links that lead outside PATH or to\n"
    "directories are skipped with a warning; links to files inside PATH are shared as plain files.\n"
    "Files are listed in path order, so the same data always gives the same info-hash.\n"
    "With --seed, Shoal seeds from the directory holding PATH without checking the data again.\n"
    "The options from --port to --state-dir apply with --seed only, as they do to “shoal-cli seed”.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli create: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || session_options.port < 0 || session_options.port > 65535 || v1 + v2 + hybrid > 1)
    {
      fprintf (stderr, "shoal-cli create: expected one file or directory (see --help)\n");
      return 2;
    }
  if (seed && !cli_session_options_check (&session_options, &error))
    {
      fprintf (stderr, "shoal-cli create: %s\n", error->message);
      return 2;
    }
  if (!parse_piece_size (piece_size_text, &piece_size, &error))
    {
      fprintf (stderr, "shoal-cli create: --piece-size %s: %s\n", piece_size_text, error->message);
      return 2;
    }

  canonical = g_canonicalize_filename (argv[1], NULL);
  creator = shoal_torrent_creator_new (canonical);
  tiers = parse_trackers (trackers, &error);
  if (tiers == NULL)
    {
      fprintf (stderr, "shoal-cli create: --tracker: %s\n", error->message);
      return 2;
    }
  shoal_torrent_creator_set_trackers (creator, tiers);
  shoal_torrent_creator_set_web_seeds (creator, (const char * const *) web_seeds);
  shoal_torrent_creator_set_piece_size (creator, piece_size);
  shoal_torrent_creator_set_private (creator, is_private);
  shoal_torrent_creator_set_comment (creator, comment);
  shoal_torrent_creator_set_source (creator, source);
  shoal_torrent_creator_set_version (creator, v1 ? SHOAL_TORRENT_VERSION_V1
                                              : v2 ? SHOAL_TORRENT_VERSION_V2 : SHOAL_TORRENT_VERSION_HYBRID);
  if (no_date)
    shoal_torrent_creator_set_creation_date (creator, SHOAL_TORRENT_CREATOR_DATE_NONE);

  c.loop = loop;
  c.cancellable = cancellable;
  c.tty = isatty (STDOUT_FILENO);
  c.quiet = quiet;
  c.started_us = g_get_monotonic_time ();
  c.last_line_us = 0;
  sigint_id = g_unix_signal_add (SIGINT, interrupt_cb, &c);
  sigterm_id = g_unix_signal_add (SIGTERM, interrupt_cb, &c);
  shoal_torrent_creator_create_async (creator, cancellable, progress_cb, created_cb, &c);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  end_line (&c);

  for (const char * const *s = shoal_torrent_creator_get_skipped (creator); *s != NULL; s++)
    fprintf (stderr, "shoal-cli create: warning: skipped %s\n", *s);

  if (c.bytes == NULL)
    {
      if (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fprintf (stderr, "shoal-cli create: cancelled\n");
      else
        fprintf (stderr, "shoal-cli create: %s\n", c.error->message);
      g_clear_error (&c.error);
      return 1;
    }

  out_path = output ? g_strdup (output) : g_strdup_printf ("%s.torrent", shoal_metainfo_get_name (c.metainfo));
  if (!g_file_set_contents (out_path, g_bytes_get_data (c.bytes, NULL), (gssize) g_bytes_get_size (c.bytes), &error))
    {
      fprintf (stderr, "shoal-cli create: %s\n", error->message);
      status = 1;
    }
  else
    {
      if (!quiet)
        printf ("Hashed in %.2f s\n", (g_get_monotonic_time () - c.started_us) / (double) G_USEC_PER_SEC);
      print_result (c.metainfo, out_path);
    }

  data_dir = g_path_get_dirname (canonical);
  if (status == 0 && seed)
    status = seed_created (c.metainfo, data_dir, &session_options, quiet);

  g_clear_pointer (&c.bytes, g_bytes_unref);
  g_clear_object (&c.metainfo);
  return status;
}
