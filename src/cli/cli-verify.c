/* cli-verify.c: `shoal-cli verify FILE.torrent DIR`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "shoal-cli.h"
#include "shoal-engine.h"

static void
state_cb (ShoalTorrent *torrent,
          GParamSpec   *pspec,
          GMainLoop    *loop)
{
  if (shoal_torrent_get_state (torrent) != SHOAL_TORRENT_STATE_CHECKING)
    g_main_loop_quit (loop);
}

/* The throw-away state directory of a verify: what a session makes in it
 * (an empty torrents/ directory), then itself. */
static void
remove_state_dir (const char *state_dir)
{
  g_autofree char *torrents = g_build_filename (state_dir, "torrents", NULL);

  g_rmdir (torrents);
  if (g_rmdir (state_dir) != 0)
    g_debug ("Could not remove %s: %s", state_dir, g_strerror (errno));
}

static int
verify_in (ShoalMetainfo *info,
           const char    *torrent_path,
           const char    *data_dir,
           const char    *state_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *dir = NULL;
  ShoalTorrent *torrent;
  const ShoalBitfield *pieces;
  gint64 start;
  double seconds;
  guint64 size;

  dir = g_canonicalize_filename (data_dir, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  session = shoal_session_new (state_dir);
  shoal_session_set_listen_address (session, "127.0.0.1");
  shoal_session_set_listen_port (session, 0);
  if (!shoal_session_start (session, &error))
    {
      fprintf (stderr, "shoal-cli: %s\n", error->message);
      return 1;
    }

  start = g_get_monotonic_time ();
  torrent = shoal_session_add_torrent (session, info, dir, SHOAL_ADD_FLAGS_PAUSED | SHOAL_ADD_FLAGS_NO_SAVE, &error);
  if (torrent == NULL)
    {
      fprintf (stderr, "shoal-cli: %s: %s\n", torrent_path, error->message);
      return 1;
    }
  g_signal_connect (torrent, "notify::state", G_CALLBACK (state_cb), loop);
  if (shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_CHECKING)
    g_main_loop_run (loop);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_signal_handlers_disconnect_by_data (torrent, loop);

  if (shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_ERROR)
    {
      fprintf (stderr, "shoal-cli: %s\n", shoal_torrent_get_error (torrent)->message);
      return 1;
    }
  pieces = shoal_torrent_get_pieces (torrent);
  size = shoal_metainfo_get_total_length (info);
  printf ("%u of %u pieces are correct (%.1f MiB checked in %.3f s, %.1f MiB/s)\n",
          shoal_bitfield_count (pieces), shoal_bitfield_get_size (pieces), size / 1048576.0, seconds,
          seconds > 0 ? size / 1048576.0 / seconds : 0.0);
  /* Which ones are not, the first few: what a damaged file costs. */
  if (!shoal_bitfield_is_full (pieces))
    {
      guint listed = 0, n_bad = shoal_bitfield_get_size (pieces) - shoal_bitfield_count (pieces);

      printf ("Wrong or missing pieces:");
      for (guint p = 0; p < shoal_bitfield_get_size (pieces) && listed < 20; p++)
        if (!shoal_bitfield_get (pieces, p))
          printf ("%s %u", listed++ == 0 ? "" : ",", p);
      if (n_bad > listed)
        printf (" and %u more", n_bad - listed);
      printf ("\n");
    }

  shoal_session_close (session);
  return shoal_bitfield_is_full (pieces) ? 0 : 1;
}

/**
 * shoal_cli_verify:
 *
 * Checks the data of a torrent in a directory, piece by piece, and prints
 * how much of it is correct. Exits 0 when every piece is, 1 otherwise.
 */
int
shoal_cli_verify (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE.torrent DIR — check the data in DIR against the torrent");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autofree char *state_dir = NULL;
  int status;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "shoal-cli verify: %s\n", error->message);
      return 2;
    }
  if (argc != 3)
    {
      fprintf (stderr, "shoal-cli verify: expected a .torrent file and the directory holding its data\n");
      return 2;
    }

  file = g_file_new_for_commandline_arg (argv[1]);
  info = shoal_metainfo_new_from_file (file, NULL, &error);
  if (info == NULL)
    {
      fprintf (stderr, "shoal-cli: %s: %s\n", argv[1], error->message);
      return 1;
    }
  /* A throw-away state directory: verifying must not touch saved state. */
  state_dir = g_dir_make_tmp ("shoal-verify-XXXXXX", &error);
  if (state_dir == NULL)
    {
      fprintf (stderr, "shoal-cli: %s\n", error->message);
      return 1;
    }
  status = verify_in (info, argv[1], argv[2], state_dir);
  remove_state_dir (state_dir);
  return status;
}
