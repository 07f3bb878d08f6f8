/* test-state-store.c: what the engine keeps under its state directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tests/data/state-v1/ is a state directory written by the engine as it was
 * when the state store was written (Shoal main at 06d9d76): a session
 * added a three-file torrent ("fixture", data in /tmp/shoal-state-fixture/
 * data, checked complete, file 2 high priority, limits 50000/20000 B/s, two
 * trackers, sequential, paused) and a magnet link still without metadata,
 * then closed. Existing users' state must keep loading.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "shoal-announcer.h"
#include "shoal-session.h"
#include "shoal-torrent.h"

#define FIXTURE_HASH   "18bf4d4185b7e74901bbdc243bd994f6aa981436"
#define FIXTURE_MAGNET "0123456789abcdef0123456789abcdef01234567"
#define FIXTURE_TIME   G_GINT64_CONSTANT (1796645867)

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* A copy of tests/data/state-v1 in a new temporary directory. */
static char *
copy_fixture (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *from = g_test_build_filename (G_TEST_DIST, "data", "state-v1", "torrents", NULL);
  char *state = g_dir_make_tmp ("shoal-state-XXXXXX", &error);
  g_autofree char *to = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_no_error (error);
  to = g_build_filename (state, "torrents", NULL);
  g_assert_cmpint (g_mkdir (to, 0700), ==, 0);
  dir = g_dir_open (from, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (src, &contents, &len, &error));
      g_assert_true (g_file_set_contents (dst, contents, (gssize) len, &error));
    }
  return state;
}

static char **
dup_tracker_urls (ShoalTorrent *torrent,
                  guint        *tiers)
{
  GListModel *trackers = shoal_torrent_get_trackers (torrent);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (trackers); i++)
    {
      g_autoptr(ShoalTrackerInfo) t = g_list_model_get_item (trackers, i);

      g_strv_builder_add (b, shoal_tracker_info_get_url (t));
      tiers[i] = shoal_tracker_info_get_tier (t);
    }
  return g_strv_builder_end (b);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop (at most 20 s) until @torrent's check is over. */
static void
wait_not_checking (ShoalTorrent *torrent)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, wake_cb, NULL);

  while (shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_CHECKING && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

/* A session started on the fixture brings both torrents back as they were
 * saved. */
static void
test_main_state_loads (void)
{
  g_autofree char *state = copy_fixture ();
  g_autoptr(ShoalSession) session = shoal_session_new (state);
  g_autoptr(GError) error = NULL;
  GListModel *torrents;
  g_autoptr(ShoalTorrent) magnet = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_auto(GStrv) urls = NULL;
  guint tiers[8] = { 0 };

  shoal_session_set_listen_address (session, "127.0.0.1");
  shoal_session_set_listen_port (session, 0);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  torrents = shoal_session_get_torrents (session);
  g_assert_cmpuint (g_list_model_get_n_items (torrents), ==, 2);

  /* Magnet links first, then torrents, each by hash. */
  magnet = g_list_model_get_item (torrents, 0);
  g_assert_cmpstr (shoal_torrent_get_info_hash_hex (magnet), ==, FIXTURE_MAGNET);
  g_assert_null (shoal_torrent_get_metainfo (magnet));
  g_assert_cmpstr (shoal_torrent_get_name (magnet), ==, "fixture-magnet");
  g_assert_cmpstr (shoal_torrent_get_save_dir (magnet), ==, "/tmp/shoal-state-fixture/magnet-data");
  urls = dup_tracker_urls (magnet, tiers);
  g_assert_cmpstrv (urls, ((const char * const[]) { "http://127.0.0.1:3/announce", NULL }));
  g_clear_pointer (&urls, g_strfreev);

  torrent = g_list_model_get_item (torrents, 1);
  g_assert_cmpstr (shoal_torrent_get_info_hash_hex (torrent), ==, FIXTURE_HASH);
  g_assert_nonnull (shoal_torrent_get_metainfo (torrent));
  g_assert_cmpstr (shoal_torrent_get_name (torrent), ==, "fixture");
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, "/tmp/shoal-state-fixture/data");
  /* Its files are not there: they are checked, and it stays paused. */
  wait_not_checking (torrent);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpint (shoal_torrent_get_added_time (torrent), ==, FIXTURE_TIME);
  g_assert_cmpint (shoal_torrent_get_completed_time (torrent), ==, FIXTURE_TIME);
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 50000);
  g_assert_cmpuint (shoal_torrent_get_upload_limit (torrent), ==, 20000);
  g_assert_true (shoal_torrent_get_sequential (torrent));
  g_assert_cmpuint (shoal_torrent_get_n_files (torrent), ==, 3);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 0), ==, SHOAL_FILE_PRIORITY_NORMAL);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 1), ==, SHOAL_FILE_PRIORITY_NORMAL);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 2), ==, SHOAL_FILE_PRIORITY_HIGH);
  urls = dup_tracker_urls (torrent, tiers);
  g_assert_cmpstrv (urls, ((const char * const[]) { "http://127.0.0.1:1/announce",
                                                     "udp://127.0.0.1:2/announce", NULL }));
  g_assert_cmpuint (tiers[0], ==, 0);
  g_assert_cmpuint (tiers[1], ==, 1);

  g_clear_object (&magnet);
  g_clear_object (&torrent);
  shoal_session_close (session);
  g_clear_object (&session);
  rm_rf (state);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/state-store/main-state-loads", test_main_state_loads);

  return g_test_run ();
}
