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
#include "shoal-bencode.h"
#include "shoal-session.h"
#include "shoal-session-testing.h"
#include "shoal-state-store.h"
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

  /* Nothing leaves 127.0.0.1, even if the defaults change. */
  _shoal_session_set_test_hooks (session, &(ShoalSessionTestHooks) { .dht_bootstrap = "none", .lsd_off = TRUE });
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

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "data", "state-v1", NULL);
}

/* The store reads main's files as main wrote them, and writes the resume
 * file back byte for byte. */
static void
test_fixture_parses (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autoptr(ShoalStateStore) store = shoal_state_store_new (dir);
  g_auto(GStrv) magnets = shoal_state_store_list_magnets (store);
  g_auto(GStrv) metainfos = shoal_state_store_list_metainfos (store);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalResumeData) resume = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autofree char *save_dir = NULL;
  g_autofree char *resume_path = NULL;
  g_autofree char *contents = NULL;
  const ShoalResumeFileStat *st;
  gsize len;

  g_assert_cmpstrv (magnets, ((const char * const[]) { FIXTURE_MAGNET, NULL }));
  g_assert_cmpstrv (metainfos, ((const char * const[]) { FIXTURE_HASH, NULL }));

  info = shoal_state_store_load_metainfo (store, FIXTURE_HASH, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_metainfo_get_name (info), ==, "fixture");
  g_assert_cmpuint (shoal_metainfo_get_n_files (info), ==, 3);

  magnet = shoal_state_store_load_magnet (store, FIXTURE_MAGNET, &save_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "fixture-magnet");
  g_assert_cmpstr (save_dir, ==, "/tmp/shoal-state-fixture/magnet-data");

  resume = shoal_state_store_load_resume (store, FIXTURE_HASH, &error);
  g_assert_no_error (error);
  g_assert_true (resume->has_added_time);
  g_assert_cmpint (resume->added_time, ==, FIXTURE_TIME);
  g_assert_cmpint (resume->completed_time, ==, FIXTURE_TIME);
  g_assert_cmpint (resume->downloaded, ==, 0);
  g_assert_cmpint (resume->uploaded, ==, 0);
  g_assert_cmpint (resume->seeding_seconds, ==, 0);
  g_assert_cmpint (resume->download_limit, ==, 50000);
  g_assert_cmpint (resume->upload_limit, ==, 20000);
  g_assert_true (resume->paused);
  g_assert_true (resume->sequential);
  g_assert_cmpstr (resume->save_dir, ==, "/tmp/shoal-state-fixture/data");
  g_assert_true (resume->save_dir_usable);
  /* 110000 bytes in pieces of 16384: 7 pieces, all had. */
  g_assert_cmpuint (g_bytes_get_size (resume->have), ==, 1);
  g_assert_cmpuint (*(const guint8 *) g_bytes_get_data (resume->have, NULL), ==, 0xfe);
  g_assert_cmpmem (resume->file_priorities->data, resume->file_priorities->len, "\4\4\7", 3);
  g_assert_cmpuint (resume->dirty_files->len, ==, 0);
  g_assert_cmpuint (resume->file_stats->len, ==, 3);
  st = &g_array_index (resume->file_stats, ShoalResumeFileStat, 2);
  g_assert_true (st->exists);
  g_assert_cmpint (st->size, ==, 70000);
  g_assert_cmpint (st->mtime_ns, ==, G_GINT64_CONSTANT (1796645867543109549));
  g_assert_cmpuint (resume->trackers->len, ==, 2);
  g_assert_cmpstrv (resume->trackers->pdata[0], ((const char * const[]) { "http://127.0.0.1:1/announce", NULL }));
  g_assert_cmpstrv (resume->trackers->pdata[1], ((const char * const[]) { "udp://127.0.0.1:2/announce", NULL }));

  /* Written again, it is the same but for the two keys that version wrote
   * out of order. */
  resume_path = g_build_filename (dir, "torrents", FIXTURE_HASH ".resume", NULL);
  g_assert_true (g_file_get_contents (resume_path, &contents, &len, &error));
  written = shoal_resume_data_to_bytes (resume);
  {
    g_autoptr(GString) expected = g_string_new_len (contents, (gssize) len);

    g_assert_cmpuint (g_string_replace (expected, "14:download-limiti50000e11:dirty-filesle",
                                        "11:dirty-filesle14:download-limiti50000e", 1), ==, 1);
    g_assert_cmpmem (g_bytes_get_data (written, NULL), g_bytes_get_size (written),
                     expected->str, expected->len);
  }
}

/* A strict reading of bencoding (BEP 3): a dictionary's keys are strings,
 * sorted as raw bytes, each once. The parser accepts other orders, so
 * that files of older versions still load; what we write must be strict. */
static gboolean
is_canonical (const ShoalBencodeNode *node)
{
  const guint8 *prev = NULL;
  gsize prev_len = 0;
  gboolean key = TRUE;

  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_LIST) && !shoal_bencode_node_is (node, SHOAL_BENCODE_DICT))
    return TRUE;
  for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (node); c != NULL;
       c = shoal_bencode_node_get_next (c))
    {
      if (shoal_bencode_node_is (node, SHOAL_BENCODE_DICT) && key)
        {
          gsize len;
          const guint8 *k = shoal_bencode_node_get_string (c, &len);
          int cmp;

          if (k == NULL)
            return FALSE;
          if (prev != NULL)
            {
              cmp = memcmp (prev, k, MIN (prev_len, len));
              if (cmp > 0 || (cmp == 0 && prev_len >= len))
                return FALSE;
            }
          prev = k;
          prev_len = len;
        }
      else if (!is_canonical (c))
        return FALSE;
      key = !key;
    }
  return TRUE;
}

static gboolean
bytes_are_canonical (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse (bytes, &error);

  g_assert_no_error (error);
  return is_canonical (shoal_bencode_get_root (doc));
}

/* Every dictionary of a resume file, with every key we may write. */
static void
test_resume_canonical (void)
{
  g_autoptr(ShoalResumeData) data = shoal_resume_data_new ();
  g_autoptr(ShoalResumeData) back = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) old = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fixture = fixture_dir ();
  g_autofree char *resume_path = g_build_filename (fixture, "torrents", FIXTURE_HASH ".resume", NULL);
  g_autofree char *contents = NULL;
  const guint dirty[] = { 0, 2 };
  gsize len;

  /* The checker itself: the fixture, from a version that wrote two keys
   * out of order, and small cases. */
  g_assert_true (g_file_get_contents (resume_path, &contents, &len, &error));
  old = g_bytes_new_take (g_steal_pointer (&contents), len);
  g_assert_false (bytes_are_canonical (old));
  {
    g_autoptr(GBytes) ok = g_bytes_new_static ("d1:ad1:xi1e1:yi2ee2:aai0e1:bli0eee", 34);
    g_autoptr(GBytes) nested = g_bytes_new_static ("d1:ald1:yi1e1:xi2eeee", 21);
    g_autoptr(GBytes) prefix = g_bytes_new_static ("d2:aai0e1:ai0ee", 15);

    g_assert_true (bytes_are_canonical (ok));
    g_assert_false (bytes_are_canonical (nested));
    g_assert_false (bytes_are_canonical (prefix));
  }

  data->has_added_time = TRUE;
  data->added_time = 1;
  data->completed_time = 2;
  data->downloaded = 3;
  data->uploaded = 4;
  data->seeding_seconds = 5;
  data->download_limit = 6;
  data->upload_limit = 7;
  data->paused = TRUE;
  data->sequential = TRUE;
  data->labels = g_strdupv ((char *[]) { (char *) "b", (char *) "a", NULL });
  data->save_dir = g_strdup ("/srv/data");
  data->have = g_bytes_new ("\xff", 1);
  data->file_priorities = g_array_new (FALSE, FALSE, 1);
  g_array_set_size (data->file_priorities, 3);
  g_array_append_vals (data->dirty_files, dirty, G_N_ELEMENTS (dirty));
  data->file_stats = g_array_new (FALSE, FALSE, sizeof (ShoalResumeFileStat));
  g_array_set_size (data->file_stats, 3);
  data->trackers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (data->trackers, g_strdupv ((char *[]) { (char *) "http://127.0.0.1:1/a", NULL }));
  data->queue_position = 3;
  data->seed_ratio_milli = 1500;
  data->seed_time_limit = 600;
  data->seed_idle_limit = 1800;
  data->max_peers = 20;
  data->first_last_pieces = TRUE;
  data->stream_piece = 4;
  data->final_dir = g_strdup ("/srv/done");
  data->file_paths = g_strdupv ((char *[]) { (char *) "x", (char *) "y", (char *) "z", NULL });

  bytes = shoal_resume_data_to_bytes (data);
  g_assert_true (bytes_are_canonical (bytes));
  back = shoal_resume_data_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->download_limit, ==, 6);
  g_assert_cmpint (back->seed_idle_limit, ==, 1800);
  g_assert_cmpint (back->seed_time_limit, ==, 600);
  g_assert_cmpuint (back->dirty_files->len, ==, 2);
  g_assert_cmpuint (g_array_index (back->dirty_files, guint, 1), ==, 2);

  /* And with the optional keys left out. */
  g_clear_pointer (&bytes, g_bytes_unref);
  g_clear_pointer (&data, shoal_resume_data_free);
  data = shoal_resume_data_new ();
  bytes = shoal_resume_data_to_bytes (data);
  g_assert_true (bytes_are_canonical (bytes));
}

static void
assert_same_resume (const ShoalResumeData *a,
                    const ShoalResumeData *b)
{
  g_assert_cmpint (a->has_added_time, ==, b->has_added_time);
  g_assert_cmpint (a->added_time, ==, b->added_time);
  g_assert_cmpint (a->completed_time, ==, b->completed_time);
  g_assert_cmpint (a->downloaded, ==, b->downloaded);
  g_assert_cmpint (a->uploaded, ==, b->uploaded);
  g_assert_cmpint (a->seeding_seconds, ==, b->seeding_seconds);
  g_assert_cmpint (a->download_limit, ==, b->download_limit);
  g_assert_cmpint (a->upload_limit, ==, b->upload_limit);
  g_assert_cmpint (a->paused, ==, b->paused);
  g_assert_cmpint (a->sequential, ==, b->sequential);
  g_assert_cmpstr (a->save_dir, ==, b->save_dir);
  g_assert_cmpint (a->save_dir_usable, ==, b->save_dir_usable);
  g_assert_true (g_bytes_equal (a->have, b->have));
  g_assert_cmpmem (a->file_priorities->data, a->file_priorities->len,
                   b->file_priorities->data, b->file_priorities->len);
  g_assert_cmpmem (a->dirty_files->data, a->dirty_files->len * sizeof (guint),
                   b->dirty_files->data, b->dirty_files->len * sizeof (guint));
  g_assert_cmpuint (a->file_stats->len, ==, b->file_stats->len);
  for (guint i = 0; i < a->file_stats->len; i++)
    {
      const ShoalResumeFileStat *x = &g_array_index (a->file_stats, ShoalResumeFileStat, i);
      const ShoalResumeFileStat *y = &g_array_index (b->file_stats, ShoalResumeFileStat, i);

      g_assert_cmpint (x->exists, ==, y->exists);
      g_assert_cmpint (x->size, ==, y->size);
      g_assert_cmpint (x->mtime_ns, ==, y->mtime_ns);
    }
  g_assert_cmpuint (a->trackers->len, ==, b->trackers->len);
  for (guint i = 0; i < a->trackers->len; i++)
    g_assert_cmpstrv (a->trackers->pdata[i], b->trackers->pdata[i]);
}

/* Each file written is read back as it was; removing a torrent leaves
 * nothing of it. */
static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-state-XXXXXX", &error);
  g_autofree char *fixture = fixture_dir ();
  g_autofree char *torrent_file = g_build_filename (fixture, "torrents", FIXTURE_HASH ".torrent", NULL);
  g_autoptr(ShoalStateStore) store = shoal_state_store_new (dir);
  g_autoptr(ShoalResumeData) saved = shoal_resume_data_new ();
  g_autoptr(ShoalResumeData) loaded = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GBytes) nodes = g_bytes_new_static ("d2:id20:abcdefghij0123456789e", 27);
  g_autoptr(GBytes) nodes_back = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalMagnet) magnet_back = NULL;
  g_autofree char *magnet_dir = NULL;
  g_autofree char *parts = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) ids = NULL;
  const guint8 prios[] = { 0, 1, 4, 7 };
  const guint dirty[] = { 1, 3 };
  const ShoalResumeFileStat stats[] = { { TRUE, 12, 34 }, { FALSE, -1, -1 }, { TRUE, 1LL << 40, -5 }, { TRUE, 0, 0 } };
  const char *tier0[] = { "http://127.0.0.1:1/a", "http://127.0.0.1:2/a", NULL };
  const char *tier1[] = { "udp://[::1]:3/a", NULL };
  gsize len;

  g_assert_no_error (error);
  g_assert_true (shoal_state_store_prepare (store, &error));
  g_assert_no_error (error);

  saved->has_added_time = TRUE;
  saved->added_time = 1700000000;
  saved->completed_time = 1700000100;
  saved->downloaded = G_GINT64_CONSTANT (5000000000);
  saved->uploaded = 77;
  saved->seeding_seconds = 3600;
  saved->download_limit = 1000;
  saved->upload_limit = 2000;
  saved->paused = TRUE;
  saved->sequential = TRUE;
  /* File names are bytes: not UTF-8 here. */
  saved->save_dir = g_strdup ("/srv/d\xe9j\xe0");
  saved->save_dir_usable = TRUE;
  saved->have = g_bytes_new ("\xf0\x0f", 2);
  saved->file_priorities = g_array_new (FALSE, FALSE, 1);
  g_array_append_vals (saved->file_priorities, prios, G_N_ELEMENTS (prios));
  g_array_append_vals (saved->dirty_files, dirty, G_N_ELEMENTS (dirty));
  saved->file_stats = g_array_new (FALSE, FALSE, sizeof (ShoalResumeFileStat));
  g_array_append_vals (saved->file_stats, stats, G_N_ELEMENTS (stats));
  saved->trackers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (saved->trackers, g_strdupv ((char **) tier0));
  g_ptr_array_add (saved->trackers, g_strdupv ((char **) tier1));

  bytes = shoal_resume_data_to_bytes (saved);
  g_assert_true (shoal_state_store_save_resume (store, FIXTURE_HASH, bytes, &error));
  g_assert_no_error (error);
  loaded = shoal_state_store_load_resume (store, FIXTURE_HASH, &error);
  g_assert_no_error (error);
  assert_same_resume (saved, loaded);

  /* The metainfo, and a magnet link until it is replaced by it. */
  g_assert_true (g_file_get_contents (torrent_file, &contents, &len, &error));
  torrent = g_bytes_new_take (g_steal_pointer (&contents), len);
  magnet = shoal_magnet_new_from_uri ("magnet:?xt=urn:btih:" FIXTURE_HASH "&dn=x", &error);
  g_assert_no_error (error);
  g_assert_true (shoal_state_store_save_magnet (store, FIXTURE_HASH, magnet, "/srv/x", &error));
  g_assert_no_error (error);
  magnet_back = shoal_state_store_load_magnet (store, FIXTURE_HASH, &magnet_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shoal_magnet_get_info_hash_v1 (magnet_back), 20, shoal_magnet_get_info_hash_v1 (magnet), 20);
  g_assert_cmpstr (magnet_dir, ==, "/srv/x");
  {
    g_auto(GStrv) labels = shoal_state_store_load_magnet_labels (store, FIXTURE_HASH);
    g_autoptr(ShoalMagnet) again = NULL;
    g_autofree char *again_dir = NULL;

    g_assert_cmpstrv (labels, ((const char * const[]) { NULL }));
    g_clear_pointer (&labels, g_strfreev);
    g_assert_true (shoal_state_store_save_magnet_with_labels (store, FIXTURE_HASH, magnet, "/srv/x",
                                                              (const char * const[]) { "TV", "a\tb\\c", NULL }, &error));
    g_assert_no_error (error);
    labels = shoal_state_store_load_magnet_labels (store, FIXTURE_HASH);
    g_assert_cmpstrv (labels, ((const char * const[]) { "TV", "a\tb\\c", NULL }));
    again = shoal_state_store_load_magnet (store, FIXTURE_HASH, &again_dir, &error);
    g_assert_no_error (error);
    g_assert_nonnull (again);
    g_assert_cmpstr (again_dir, ==, "/srv/x");
  }
  ids = shoal_state_store_list_magnets (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { FIXTURE_HASH, NULL }));
  g_clear_pointer (&ids, g_strfreev);

  g_assert_true (shoal_state_store_save_fetched_metainfo (store, FIXTURE_HASH, torrent, &error));
  g_assert_no_error (error);
  ids = shoal_state_store_list_magnets (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { NULL }));
  g_clear_pointer (&ids, g_strfreev);
  ids = shoal_state_store_list_metainfos (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { FIXTURE_HASH, NULL }));
  g_clear_pointer (&ids, g_strfreev);
  info = shoal_state_store_load_metainfo (store, FIXTURE_HASH, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (shoal_metainfo_get_bytes (info), torrent));

  /* Paths that others fill, all inside the state directory. */
  parts = shoal_state_store_dup_parts_path (store, FIXTURE_HASH);
  g_assert_true (g_str_has_prefix (parts, dir));
  g_assert_true (g_file_set_contents (parts, "x", 1, &error));
  journal = shoal_state_store_dup_deletion_journal (store);
  g_assert_true (g_str_has_prefix (journal, dir));

  shoal_state_store_save_dht_nodes (store, nodes);
  nodes_back = shoal_state_store_load_dht_nodes (store);
  g_assert_true (g_bytes_equal (nodes, nodes_back));

  shoal_state_store_remove_torrent (store, FIXTURE_HASH);
  ids = shoal_state_store_list_metainfos (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { NULL }));
  g_assert_false (g_file_test (parts, G_FILE_TEST_EXISTS));
  g_clear_pointer (&loaded, shoal_resume_data_free);
  loaded = shoal_state_store_load_resume (store, FIXTURE_HASH, &error);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_null (loaded);

  rm_rf (dir);
}

static ShoalResumeData *
parse_string (const char  *text,
              gsize        len,
              GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, len);

  return shoal_resume_data_parse (bytes, error);
}

#define PARSE(text, error) parse_string ((text), sizeof (text) - 1, (error))

/* A file that is not resume data is refused with an error naming it; one
 * with values of the wrong type or out of range loads without them. */
static void
test_corrupt_resume (void)
{
  static const char * const corrupt[] = { "", "garbage", "li1ee", "d10:added-timei1", "i5e", "d1:ai1e1:ai2ee" };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-state-XXXXXX", &error);
  g_autoptr(ShoalStateStore) store = shoal_state_store_new (dir);
  g_autofree char *path = NULL;
  ShoalResumeData *data;

  g_assert_no_error (error);
  g_assert_true (shoal_state_store_prepare (store, &error));
  path = g_build_filename (dir, "torrents", FIXTURE_HASH ".resume", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (corrupt); i++)
    {
      g_assert_true (g_file_set_contents (path, corrupt[i], -1, &error));
      data = shoal_state_store_load_resume (store, FIXTURE_HASH, &error);
      g_assert_null (data);
      g_assert_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
    }

  /* Wrong types: nothing recorded. */
  data = PARSE ("d10:added-time1:x4:havei5e15:file-prioritiesi3e8:trackers3:abc"
                "10:file-stats3:abc11:dirty-filesi1e8:save-dirle6:pausedi1ee", &error);
  g_assert_no_error (error);
  g_assert_false (data->has_added_time);
  g_assert_null (data->have);
  g_assert_null (data->file_priorities);
  g_assert_null (data->trackers);
  g_assert_null (data->file_stats);
  g_assert_cmpuint (data->dirty_files->len, ==, 0);
  g_assert_null (data->save_dir);
  g_assert_false (data->save_dir_usable);
  g_assert_true (data->paused);
  shoal_resume_data_free (data);

  /* Out of range: clamped or left out; entries of the wrong shape. */
  data = PARSE ("d11:dirty-filesli-1ei2ei4294967296e1:xe10:file-statsli1el3:abcei4ee"
                "15:file-prioritiesli-5ei99e3:abci2ee8:save-dir8:relative"
                "8:trackersl3:abcl3:\xff\xfe\xfdi1e3:udpeee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (data->dirty_files->len, ==, 1);
  g_assert_cmpuint (g_array_index (data->dirty_files, guint, 0), ==, 2);
  g_assert_cmpmem (data->file_priorities->data, data->file_priorities->len, "\0\7\4\2", 4);
  g_assert_cmpuint (data->file_stats->len, ==, 3);
  g_assert_false (g_array_index (data->file_stats, ShoalResumeFileStat, 0).exists);
  g_assert_false (g_array_index (data->file_stats, ShoalResumeFileStat, 1).exists);
  g_assert_cmpint (g_array_index (data->file_stats, ShoalResumeFileStat, 1).size, ==, -1);
  g_assert_cmpstr (data->save_dir, ==, "relative");
  g_assert_false (data->save_dir_usable);
  g_assert_cmpuint (data->trackers->len, ==, 1);
  g_assert_cmpstrv (data->trackers->pdata[0], ((const char * const[]) { "udp", NULL }));
  shoal_resume_data_free (data);

  /* A save directory with a NUL in it is no usable path. */
  data = PARSE ("d8:save-dir4:/a\0be", &error);
  g_assert_no_error (error);
  g_assert_false (data->save_dir_usable);
  shoal_resume_data_free (data);

  /* Nor one longer than any path can be. */
  for (gsize n = 4095; n <= 4097; n++)
    {
      g_autofree char *long_dir = g_strnfill (n, 'a');
      g_autofree char *text = NULL;

      long_dir[0] = '/';
      text = g_strdup_printf ("d8:save-dir%zu:%se", n, long_dir);
      data = parse_string (text, strlen (text), &error);
      g_assert_no_error (error);
      g_assert_cmpint (data->save_dir_usable, ==, n <= 4096);
      shoal_resume_data_free (data);
    }

  /* A magnet file with no link in it. */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "torrents", FIXTURE_MAGNET ".magnet", NULL);
  g_assert_true (g_file_set_contents (path, "", 0, &error));
  g_assert_null (shoal_state_store_load_magnet (store, FIXTURE_MAGNET, NULL, &error));
  g_assert_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "http://example.invalid/\n/srv\n", -1, &error));
  g_assert_null (shoal_state_store_load_magnet (store, FIXTURE_MAGNET, NULL, &error));
  g_assert_error (error, SHOAL_STATE_STORE_ERROR, SHOAL_STATE_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* A metainfo file that is none: named in the error. */
  g_clear_pointer (&path, g_free);
  path = g_build_filename (dir, "torrents", FIXTURE_HASH ".torrent", NULL);
  g_assert_true (g_file_set_contents (path, "d4:infoi1ee", -1, &error));
  g_assert_null (shoal_state_store_load_metainfo (store, FIXTURE_HASH, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  rm_rf (dir);
}

/* A state directory not made yet: nothing is saved in it, writes fail
 * until shoal_state_store_prepare() makes it (for the user alone). */
static void
test_missing_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_dir_make_tmp ("shoal-state-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (parent, "not", "yet", NULL);
  g_autofree char *file = g_build_filename (parent, "file", NULL);
  g_autofree char *torrents = g_build_filename (dir, "torrents", NULL);
  g_autoptr(ShoalStateStore) store = shoal_state_store_new (dir);
  g_autoptr(ShoalStateStore) on_file = shoal_state_store_new (file);
  g_autoptr(GBytes) resume = g_bytes_new_static ("de", 2);
  g_auto(GStrv) ids = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  ids = shoal_state_store_list_metainfos (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { NULL }));
  g_clear_pointer (&ids, g_strfreev);
  ids = shoal_state_store_list_magnets (store);
  g_assert_cmpstrv (ids, ((const char * const[]) { NULL }));
  g_assert_null (shoal_state_store_load_resume (store, FIXTURE_HASH, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_null (shoal_state_store_load_metainfo (store, FIXTURE_HASH, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (shoal_state_store_load_magnet (store, FIXTURE_HASH, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_assert_null (shoal_state_store_load_dht_nodes (store));
  g_assert_false (shoal_state_store_save_resume (store, FIXTURE_HASH, resume, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  shoal_state_store_remove_torrent (store, FIXTURE_HASH);

  g_assert_true (shoal_state_store_prepare (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (torrents, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (shoal_state_store_save_resume (store, FIXTURE_HASH, resume, &error));
  g_assert_no_error (error);

  /* In the way: a file where the directory should be. */
  g_assert_true (g_file_set_contents (file, "", 0, &error));
  g_assert_false (shoal_state_store_prepare (on_file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, file));

  rm_rf (parent);
}

/* A torrent's labels: written only when there are some, read back as
 * written; labels that are not UTF-8, empty or too long are left out. */
static void
test_labels (void)
{
  g_autoptr(ShoalResumeData) data = shoal_resume_data_new ();
  g_autoptr(ShoalResumeData) back = NULL;
  g_autoptr(ShoalResumeData) none = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) without = NULL;
  g_autoptr(GBytes) hostile = NULL;
  g_autoptr(ShoalResumeData) cleaned = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new ("d6:labelsl2:TV0:");

  without = shoal_resume_data_to_bytes (data);
  g_assert_null (memmem (g_bytes_get_data (without, NULL), g_bytes_get_size (without), "labels", 6));
  none = shoal_resume_data_parse (without, &error);
  g_assert_no_error (error);
  g_assert_null (none->labels);

  data->labels = g_strdupv ((char *[]) { (char *) "TV", (char *) "Séries", NULL });
  bytes = shoal_resume_data_to_bytes (data);
  back = shoal_resume_data_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (back->labels, ((const char *[]) { "TV", "Séries", NULL }));

  /* "TV", "", bad UTF-8, 300 bytes, an integer, "ok" */
  g_string_append (big, "2:\xff\xfe" "300:");
  for (guint i = 0; i < 300; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "i5e2:okee");
  hostile = g_bytes_new (big->str, big->len);
  cleaned = shoal_resume_data_parse (hostile, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (cleaned->labels, ((const char *[]) { "TV", "ok", NULL }));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/state-store/main-state-loads", test_main_state_loads);
  g_test_add_func ("/engine/state-store/fixture-parses", test_fixture_parses);
  g_test_add_func ("/engine/state-store/round-trip", test_round_trip);
  g_test_add_func ("/engine/state-store/corrupt-resume", test_corrupt_resume);
  g_test_add_func ("/engine/state-store/missing-dir", test_missing_dir);
  g_test_add_func ("/engine/state-store/labels", test_labels);
  g_test_add_func ("/engine/state-store/resume-canonical", test_resume_canonical);

  return g_test_run ();
}
