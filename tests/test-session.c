/* test-session.c: the engine's API, with sessions talking to each other on
 * 127.0.0.1 in one process and one main loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test builds a small torrent over generated data (several files of odd
 * sizes, a few MiB), starts a seeding session and a downloading one with
 * their own state and data directories, and runs the main loop until what
 * it waits for happens, within a bounded time. Rate limits are only ever
 * checked as lower bounds on time, never as upper bounds on speed.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "session-fixture.h"

#define WAIT_S 20 /* for anything that should take a few seconds at most */

static const guint64 default_lengths[] = { 123457, 700001, 33333, 1000003, 250000, 500007 };

typedef struct
{
  char         *tmp;
  SfTorrent    *data;
  SfNode       *seed;
  SfNode       *leech;
  ShoalTorrent *st;           /* the seeder's torrent, not owned */
  ShoalTorrent *lt;           /* the leecher's torrent, not owned */

  /* What the leecher's torrent reported */
  GArray       *states;       /* of ShoalTorrentState, every notify::state */
  GArray       *verified;     /* of guint, piece-verified in order */
  guint         n_completed;
  guint         n_session_completed;
  guint         n_errors;
  gboolean      missing_when_downloading; /* see test_verify_repairs */
  guint         watch_piece;
  char         *mount_point;  /* a tmpfs to unmount, see test_error_disk_full */
} Fixture;

static const char *
state_name (ShoalTorrentState state)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (SHOAL_TYPE_TORRENT_STATE);
  GEnumValue *v = g_enum_get_value (klass, (gint) state);

  return v ? v->value_nick : "?";
}

static gboolean
saw_state (GArray            *states,
           ShoalTorrentState  state)
{
  for (guint i = 0; i < states->len; i++)
    if (g_array_index (states, ShoalTorrentState, i) == state)
      return TRUE;
  return FALSE;
}

static char *
states_to_string (GArray *states)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < states->len; i++)
    g_string_append_printf (s, "%s%s", i ? " -> " : "", state_name (g_array_index (states, ShoalTorrentState, i)));
  return g_string_free (s, FALSE);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("shoal-session-XXXXXX", &error);
  g_assert_no_error (error);
  f->states = g_array_new (FALSE, FALSE, sizeof (ShoalTorrentState));
  f->verified = g_array_new (FALSE, FALSE, sizeof (guint));
  f->data = sf_torrent_new ("odd sizes", default_lengths, G_N_ELEMENTS (default_lengths), 32 * 1024, 1);
  f->seed = sf_node_new (f->tmp, "seed");
  f->leech = sf_node_new (f->tmp, "leech");
  f->watch_piece = G_MAXUINT;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  g_clear_pointer (&f->leech, sf_node_free);
  g_clear_pointer (&f->seed, sf_node_free);
  if (f->mount_point != NULL)
    {
      const char *umount_argv[] = { "umount", f->mount_point, NULL };

      /* Also when the test failed half-way: no mount outlives it. */
      g_assert_true (g_spawn_sync (NULL, (char **) umount_argv, NULL, G_SPAWN_SEARCH_PATH,
                                   NULL, NULL, NULL, NULL, NULL, NULL));
      g_clear_pointer (&f->mount_point, g_free);
    }
  g_clear_pointer (&f->data, sf_torrent_free);
  g_clear_pointer (&f->states, g_array_unref);
  g_clear_pointer (&f->verified, g_array_unref);
  sf_allow_warning (NULL);
  sf_rm_rf (f->tmp);
  g_free (f->tmp);
}

/* Signal handlers for the leecher's torrent */

static void
state_cb (ShoalTorrent *torrent,
          GParamSpec   *pspec,
          Fixture      *f)
{
  ShoalTorrentState state = shoal_torrent_get_state (torrent);

  g_array_append_val (f->states, state);
  if (state == SHOAL_TORRENT_STATE_DOWNLOADING && f->watch_piece != G_MAXUINT &&
      !shoal_bitfield_get (shoal_torrent_get_pieces (torrent), f->watch_piece))
    f->missing_when_downloading = TRUE;
}

static void
completed_cb (ShoalTorrent *torrent,
              Fixture      *f)
{
  g_assert_true (torrent == f->lt);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_SEEDING);
  f->n_completed++;
}

static void
session_completed_cb (ShoalSession *session,
                      ShoalTorrent *torrent,
                      Fixture      *f)
{
  g_assert_true (torrent == f->lt);
  f->n_session_completed++;
}

static void
piece_verified_cb (ShoalTorrent *torrent,
                   guint         piece,
                   Fixture      *f)
{
  g_assert_cmpuint (piece, <, shoal_metainfo_get_n_pieces (shoal_torrent_get_metainfo (torrent)));
  g_assert_true (shoal_bitfield_get (shoal_torrent_get_pieces (torrent), piece));
  g_array_append_val (f->verified, piece);
}

static void
error_cb (ShoalTorrent *torrent,
          const GError *error,
          Fixture      *f)
{
  g_assert_nonnull (error);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_ERROR);
  f->n_errors++;
}

static void
watch_torrent (Fixture      *f,
               ShoalTorrent *torrent)
{
  g_signal_connect (torrent, "notify::state", G_CALLBACK (state_cb), f);
  g_signal_connect (torrent, "completed", G_CALLBACK (completed_cb), f);
  g_signal_connect (torrent, "piece-verified", G_CALLBACK (piece_verified_cb), f);
  g_signal_connect (torrent, "error", G_CALLBACK (error_cb), f);
}

/* Setting up the two sides */

/* The seeder gets the complete data, added in seed mode. */
static void
add_seeder (Fixture   *f,
            SfTorrent *data)
{
  g_autoptr(GError) error = NULL;

  sf_torrent_write (data, f->seed->data_dir);
  f->st = shoal_session_add_torrent (f->seed->session, data->info, f->seed->data_dir,
                                     SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->st);
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->st), ==, 1.0);
}

/* The leecher's torrent, watched, not connected yet. */
static void
add_leecher (Fixture       *f,
             SfTorrent     *data,
             ShoalAddFlags  flags)
{
  g_autoptr(GError) error = NULL;

  f->lt = shoal_session_add_torrent (f->leech->session, data->info, f->leech->data_dir, flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->lt);
  watch_torrent (f, f->lt);
  g_signal_connect (f->leech->session, "torrent-completed", G_CALLBACK (session_completed_cb), f);
}

static void
connect_leecher (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = sf_node_address (f->seed);

  g_assert_true (shoal_torrent_add_peer (f->lt, address, &error));
  g_assert_no_error (error);
}

static gboolean
is_state (ShoalTorrent      *t,
          ShoalTorrentState  state)
{
  return shoal_torrent_get_state (t) == state;
}

static guint
n_have (ShoalTorrent *t)
{
  return shoal_bitfield_count (shoal_torrent_get_pieces (t));
}

static ShoalPeer *
first_peer (ShoalTorrent *t)
{
  GListModel *peers = shoal_torrent_get_peers (t);
  g_autoptr(ShoalPeer) peer = NULL;

  if (g_list_model_get_n_items (peers) == 0)
    return NULL;
  peer = g_list_model_get_item (peers, 0);
  /* The model keeps it alive. */
  return peer;
}

static gboolean
peer_is (ShoalTorrent   *t,
         const char     *client,
         ShoalPeerFlags  set,
         ShoalPeerFlags  clear)
{
  ShoalPeer *p = first_peer (t);

  return p != NULL && g_strcmp0 (shoal_peer_get_client (p), client) == 0 &&
         (shoal_peer_get_flags (p) & set) == set && (shoal_peer_get_flags (p) & clear) == 0;
}

static char *
state_file (SfNode       *node,
            ShoalTorrent *t,
            const char   *suffix)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", shoal_torrent_get_info_hash_hex (t), suffix);

  return g_build_filename (node->state_dir, "torrents", name, NULL);
}

/* 1. A whole download */

static void
test_download (Fixture       *f,
               gconstpointer  user_data)
{
  guint64 total = shoal_metainfo_get_total_length (f->data->info);
  g_autofree char *seed_address = sf_node_address (f->seed);
  g_autofree char *states = NULL;
  ShoalPeer *peer;

  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  g_assert_cmpuint (shoal_torrent_get_size_wanted (f->lt), ==, total);
  /* Slow enough (about 2.5 s) that both sides see each other for a while. */
  shoal_torrent_set_download_limit (f->lt, 1024 * 1024);
  g_assert_cmpuint (shoal_torrent_get_download_limit (f->lt), ==, 1024 * 1024);
  connect_leecher (f);

  /* While connected, each side lists the other with its client name and
   * the flags of a seed and a leecher that want each other. */
  SF_WAIT (peer_is (f->lt, "Shoal 0.1.0",
                    SHOAL_PEER_FLAG_SEED | SHOAL_PEER_FLAG_AM_INTERESTED,
                    SHOAL_PEER_FLAG_INCOMING | SHOAL_PEER_FLAG_PEER_CHOKING |
                    SHOAL_PEER_FLAG_PEER_INTERESTED | SHOAL_PEER_FLAG_WEB_SEED) ||
           is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  peer = first_peer (f->lt);
  g_assert_cmpstr (shoal_peer_get_address (peer), ==, seed_address);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_torrent_get_peers (f->lt)), ==, 1);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->lt), ==, 1);
  g_assert_cmpuint (shoal_torrent_get_n_seeds (f->lt), ==, 1);

  SF_WAIT (peer_is (f->st, "Shoal 0.1.0",
                    SHOAL_PEER_FLAG_INCOMING | SHOAL_PEER_FLAG_PEER_INTERESTED,
                    SHOAL_PEER_FLAG_SEED | SHOAL_PEER_FLAG_AM_CHOKING | SHOAL_PEER_FLAG_AM_INTERESTED) ||
           is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 1);
  g_assert_cmpfloat (shoal_peer_get_progress (first_peer (f->st)), <, 1.0);

  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  /* Let a tick or two pass: nothing is signalled twice. */
  sf_run_for (1200);

  sf_torrent_assert_files (f->data, f->leech->data_dir);
  states = states_to_string (f->states);
  g_test_message ("leecher states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_DOWNLOADING));
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_ERROR));
  g_assert_cmpint (g_array_index (f->states, ShoalTorrentState, f->states->len - 1), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpuint (f->n_completed, ==, 1);
  g_assert_cmpuint (f->n_session_completed, ==, 1);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), ==, 1.0);
  g_assert_cmpuint (shoal_torrent_get_have_wanted (f->lt), ==, total);
  g_assert_cmpint (shoal_torrent_get_eta (f->lt), ==, 0);
  g_assert_cmpint (shoal_torrent_get_completed_time (f->lt), >=, shoal_torrent_get_added_time (f->lt));
  g_assert_cmpuint (f->verified->len, ==, shoal_metainfo_get_n_pieces (f->data->info));
  for (guint i = 0; i < shoal_torrent_get_n_files (f->lt); i++)
    g_assert_cmpuint (shoal_torrent_get_file_have (f->lt, i), ==, shoal_metainfo_get_file (f->data->info, i)->length);

  /* Payload counters: everything once, with room for a few duplicate
   * blocks, on both sides. */
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->lt), >=, total);
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->lt), <=, total + total / 20);
  g_assert_cmpuint (shoal_torrent_get_uploaded (f->st), >=, total);
  g_assert_cmpuint (shoal_torrent_get_uploaded (f->st), <=, total + total / 20);
  g_assert_cmpuint (shoal_torrent_get_uploaded (f->lt), ==, 0);
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->st), ==, 0);
}

/* 2. Pause and resume in the middle */

static void
test_pause_resume (Fixture       *f,
                   gconstpointer  user_data)
{
  guint had, pieces = shoal_metainfo_get_n_pieces (f->data->info);
  guint64 downloaded;

  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  shoal_torrent_set_download_limit (f->lt, 256 * 1024);
  connect_leecher (f);

  SF_WAIT (n_have (f->lt) >= 4, WAIT_S);
  g_assert_cmpuint (n_have (f->lt), <, pieces);
  shoal_torrent_pause (f->lt);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->lt), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_torrent_get_peers (f->lt)), ==, 0);
  had = n_have (f->lt);
  downloaded = shoal_torrent_get_downloaded (f->lt);

  /* The seeder sees the connection go, and nothing more arrives. */
  SF_WAIT (shoal_torrent_get_n_connected (f->st) == 0, WAIT_S);
  sf_run_for (1500);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpuint (n_have (f->lt), ==, had);
  g_assert_cmpuint (f->verified->len, ==, had);
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->lt), ==, downloaded);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->lt), ==, 0);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 0);
  g_assert_cmpuint (shoal_torrent_get_download_rate (f->lt), <, 256 * 1024);

  g_array_set_size (f->states, 0);
  shoal_torrent_set_download_limit (f->lt, 0);
  shoal_torrent_start (f->lt);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  /* The files were not touched while paused: no check. */
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpuint (f->n_completed, ==, 1);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
}

/* 3. Rate limits: only lower bounds on the time taken */

static SfTorrent *
two_mib_torrent (void)
{
  static const guint64 lengths[] = { 2 * 1024 * 1024 - 4567, 4567 };

  return sf_torrent_new ("two mebibytes", lengths, G_N_ELEMENTS (lengths), 64 * 1024, 2);
}

static void
check_limited_download (Fixture *f,
                        SfTorrent *data,
                        guint64  limit)
{
  guint64 total = shoal_metainfo_get_total_length (data->info);
  double min_s = 0.7 * (double) total / (double) limit;
  gint64 start, elapsed_us;

  connect_leecher (f);
  start = g_get_monotonic_time ();
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  elapsed_us = g_get_monotonic_time () - start;
  g_test_message ("%" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT " B/s took %.2f s (at least %.2f s expected)",
                  total, limit, elapsed_us / 1e6, min_s);
  g_assert_cmpfloat (elapsed_us / 1e6, >=, min_s);
  sf_torrent_assert_files (data, f->leech->data_dir);
}

static void
test_download_limit (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(SfTorrent) data = two_mib_torrent ();

  add_seeder (f, data);
  add_leecher (f, data, SHOAL_ADD_FLAGS_NONE);
  shoal_torrent_set_download_limit (f->lt, 512 * 1024);
  check_limited_download (f, data, 512 * 1024);
}

static void
test_upload_limit (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(SfTorrent) data = two_mib_torrent ();

  shoal_session_set_upload_limit (f->seed->session, 512 * 1024);
  g_assert_cmpuint (shoal_session_get_upload_limit (f->seed->session), ==, 512 * 1024);
  add_seeder (f, data);
  add_leecher (f, data, SHOAL_ADD_FLAGS_NONE);
  check_limited_download (f, data, 512 * 1024);
}

/* 4. Skipped files */

static void
test_skip_file (Fixture       *f,
                gconstpointer  user_data)
{
  const guint skipped = 1;
  const ShoalMetainfoFile *sf = shoal_metainfo_get_file (f->data->info, skipped);
  guint64 total = shoal_metainfo_get_total_length (f->data->info);
  guint64 pl = shoal_metainfo_get_piece_length (f->data->info);
  g_autofree char *skipped_path = sf_torrent_file_path (f->data, f->leech->data_dir, skipped);

  /* The file starts and ends inside pieces shared with its neighbours. */
  g_assert_cmpuint (sf->offset % pl, !=, 0);
  g_assert_cmpuint ((sf->offset + sf->length) % pl, !=, 0);

  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_PAUSED);
  shoal_torrent_set_file_priority (f->lt, skipped, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpint (shoal_torrent_get_file_priority (f->lt, skipped), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpuint (shoal_torrent_get_size_wanted (f->lt), ==, total - sf->length);
  shoal_torrent_start (f->lt);
  connect_leecher (f);

  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  g_assert_false (g_file_test (skipped_path, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < shoal_metainfo_get_n_files (f->data->info); i++)
    if (i != skipped)
      g_assert_true (sf_torrent_file_matches (f->data, f->leech->data_dir, i));
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), ==, 1.0);
  g_assert_cmpuint (shoal_torrent_get_have_wanted (f->lt), ==, total - sf->length);
  g_assert_cmpuint (shoal_torrent_get_file_have (f->lt, skipped), <, sf->length);
  g_assert_false (shoal_bitfield_is_full (shoal_torrent_get_pieces (f->lt)));
  g_assert_cmpuint (f->n_completed, ==, 1);

  /* Wanted again: it is fetched, and the bytes of its boundary pieces that
   * were kept aside land in it. */
  shoal_torrent_set_file_priority (f->lt, skipped, SHOAL_FILE_PRIORITY_HIGH);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), <, 1.0);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING) && shoal_bitfield_is_full (shoal_torrent_get_pieces (f->lt)),
           WAIT_S);
  /* Moving the part file's data is asynchronous too. */
  SF_WAIT (sf_torrent_file_matches (f->data, f->leech->data_dir, skipped), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), ==, 1.0);
}

/* 5. Sequential mode */

typedef struct
{
  guint tolerance;
  gint  highest;   /* highest piece verified so far, -1 before any */
  guint n_late;
  guint max_lag;
} OrderStats;

static void
sequential_verified_cb (ShoalTorrent *torrent,
                        guint         piece,
                        OrderStats   *stats)
{
  if (stats->highest >= 0 && (guint) stats->highest > piece)
    {
      guint lag = (guint) stats->highest - piece;

      stats->max_lag = MAX (stats->max_lag, lag);
      if (lag > stats->tolerance)
        stats->n_late++;
    }
  stats->highest = MAX (stats->highest, (gint) piece);
}

static void
test_sequential (Fixture       *f,
                 gconstpointer  user_data)
{
  static const guint64 lengths[] = { 1500000, 777777, 1900001 };
  g_autoptr(SfTorrent) data = sf_torrent_new ("sequential", lengths, G_N_ELEMENTS (lengths), 16 * 1024, 3);
  guint n_pieces = shoal_metainfo_get_n_pieces (data->info);
  OrderStats stats = { 0, -1, 0, 0 };

  /*
   * In sequential mode pieces are asked for lowest first, and one peer on
   * one TCP stream answers in that order, so pieces are verified in order
   * but for two sources of reordering:
   * - the seeder reads up to 8 blocks at once (MAX_READS_IN_FLIGHT in
   *   shoal-torrent-peers.c), which can complete, and be sent, in any
   *   order: with one block per 16 KiB piece, up to 8 pieces;
   * - the leecher hashes and writes complete pieces on its disk pool,
   *   MAX (2, processors) threads taking jobs in order but finishing in
   *   any order.
   * A piece is "late" when a piece more than 8 + threads (+ 2 for slack)
   * above it was verified first. A write that stalls (the first one to a
   * file, a busy machine) makes the piece it writes late however long the
   * window, while the other threads go on: so a few late pieces are
   * allowed, at most 5 %. Rarest-first with random ties, as without
   * sequential mode, makes most pieces late.
   */
  stats.tolerance = 8 + MAX (2, g_get_num_processors ()) + 2;
  g_assert_cmpuint (n_pieces, >, 10 * stats.tolerance);

  add_seeder (f, data);
  add_leecher (f, data, SHOAL_ADD_FLAGS_SEQUENTIAL);
  g_assert_true (shoal_torrent_get_sequential (f->lt));
  g_signal_connect (f->lt, "piece-verified", G_CALLBACK (sequential_verified_cb), &stats);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);

  g_test_message ("%u of %u pieces verified more than %u after a higher one; largest lag %u",
                  stats.n_late, n_pieces, stats.tolerance, stats.max_lag);
  g_assert_cmpuint (f->verified->len, ==, n_pieces);
  g_assert_cmpuint (stats.n_late, <=, n_pieces / 20);
  sf_torrent_assert_files (data, f->leech->data_dir);
}

/* 6. Resume across sessions */

static void
download_all (Fixture *f)
{
  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
}

/* Restarts the leecher's session and finds its torrent, watched from the
 * moment the session creates it (it may start checking at once). */
static void
restart_leecher (Fixture *f)
{
  GListModel *torrents;

  f->lt = NULL;
  sf_node_restart (f->leech);
  torrents = shoal_session_get_torrents (f->leech->session);
  g_assert_cmpuint (g_list_model_get_n_items (torrents), ==, 1);
  f->lt = shoal_session_find_torrent (f->leech->session, shoal_metainfo_get_info_hash_v1 (f->data->info));
  g_assert_nonnull (f->lt);
  g_array_set_size (f->states, 0);
  g_array_set_size (f->verified, 0);
  {
    ShoalTorrentState now = shoal_torrent_get_state (f->lt);

    g_array_append_val (f->states, now);
  }
  watch_torrent (f, f->lt);
}

static void
test_resume (Fixture       *f,
             gconstpointer  user_data)
{
  gint64 added, completed;
  guint64 downloaded, uploaded;
  g_autofree char *torrent_file = NULL;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  added = shoal_torrent_get_added_time (f->lt);
  completed = shoal_torrent_get_completed_time (f->lt);
  downloaded = shoal_torrent_get_downloaded (f->lt);
  uploaded = shoal_torrent_get_uploaded (f->lt);
  torrent_file = state_file (f->leech, f->lt, "torrent");
  g_assert_true (g_file_test (torrent_file, G_FILE_TEST_IS_REGULAR));

  restart_leecher (f);
  /* Give a check (if one started) time to show. */
  sf_run_for (1500);
  states = states_to_string (f->states);
  g_test_message ("states after the restart: %s", states);
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), ==, 1.0);
  g_assert_true (shoal_bitfield_is_full (shoal_torrent_get_pieces (f->lt)));
  g_assert_cmpstr (shoal_torrent_get_save_dir (f->lt), ==, f->leech->data_dir);
  g_assert_cmpint (shoal_torrent_get_added_time (f->lt), ==, added);
  g_assert_cmpint (shoal_torrent_get_completed_time (f->lt), ==, completed);
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->lt), ==, downloaded);
  g_assert_cmpuint (shoal_torrent_get_uploaded (f->lt), ==, uploaded);
  g_assert_cmpuint (f->n_completed, ==, 1);
}

static void
test_resume_modified (Fixture       *f,
                      gconstpointer  user_data)
{
  const guint damaged = 5;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_node_stop (f->leech);
  f->lt = NULL;
  /* Same size, new bytes and a new mtime, as a user editing it would. */
  sf_torrent_corrupt_piece (f->data, f->leech->data_dir, damaged);

  restart_leecher (f);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states after the restart: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), damaged));
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), <, 1.0);
  g_assert_cmpuint (n_have (f->lt), ==, shoal_metainfo_get_n_pieces (f->data->info) - 1);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
}

/* 6b. Resume data that disagrees with the files on disk: the files win */

/* Gives @path the modification time it had (@st), to the nanosecond, so that
 * only its bytes differ from what the resume data recorded. */
static void
restore_mtime (const char        *path,
               const struct stat *st)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

/* Copies the torrent's files from @from to @to with their sizes and
 * modification times, as `cp -a` or a backup tool would. */
static void
copy_data_keeping_mtimes (SfTorrent  *data,
                          const char *from,
                          const char *to)
{
  for (guint i = 0; i < shoal_metainfo_get_n_files (data->info); i++)
    {
      g_autofree char *src = sf_torrent_file_path (data, from, i);
      g_autofree char *dst = sf_torrent_file_path (data, to, i);
      g_autofree char *dst_dir = g_path_get_dirname (dst);
      g_autofree char *contents = NULL;
      gsize len;
      struct stat st;
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (stat (src, &st), ==, 0);
      g_assert_true (g_file_get_contents (src, &contents, &len, &error));
      g_assert_cmpint (g_mkdir_with_parents (dst_dir, 0700), ==, 0);
      g_assert_true (g_file_set_contents (dst, contents, (gssize) len, &error));
      g_assert_no_error (error);
      restore_mtime (dst, &st);
    }
}

/* Changes a byte of @piece under @save_dir, keeping every file's size and
 * modification time. */
static void
corrupt_piece_keeping_mtimes (SfTorrent  *data,
                              const char *save_dir,
                              guint       piece)
{
  guint n_files = shoal_metainfo_get_n_files (data->info);
  g_autofree struct stat *st = g_new0 (struct stat, n_files);

  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = sf_torrent_file_path (data, save_dir, i);

      g_assert_cmpint (stat (path, &st[i]), ==, 0);
    }
  sf_torrent_corrupt_piece (data, save_dir, piece);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = sf_torrent_file_path (data, save_dir, i);

      restore_mtime (path, &st[i]);
    }
}

/* Replaces, in the leecher's resume file (its session stopped), the
 * bencoded value after @key (a string or an empty list) with @value,
 * already bencoded. */
static void
edit_resume (Fixture    *f,
             const char *key,
             const char *value)
{
  g_autofree char *hex = shoal_hex_encode (shoal_metainfo_get_info_hash_v1 (f->data->info), 20);
  g_autofree char *name = g_strdup_printf ("%s.resume", hex);
  g_autofree char *path = g_build_filename (f->leech->state_dir, "torrents", name, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *bkey = g_strdup_printf ("%zu:%s", strlen (key), key);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *at, *rest;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  at = g_strstr_len (contents, (gssize) len, bkey);
  g_assert_nonnull (at);
  rest = at + strlen (bkey);
  if (*rest == 'l')
    {
      g_assert_cmpint (rest[1], ==, 'e');
      rest += 2;
    }
  else
    {
      char *colon;
      guint64 n = g_ascii_strtoull (rest, &colon, 10);

      g_assert_cmpint (*colon, ==, ':');
      rest = colon + 1 + n;
    }
  g_string_append_len (out, contents, at - contents);
  g_string_append (out, bkey);
  g_string_append (out, value);
  g_string_append_len (out, rest, (gssize) (len - (gsize) (rest - contents)));
  g_assert_true (g_file_set_contents (path, out->str, (gssize) out->len, &error));
}

/* Restarts the leecher's session restoring no saved torrent, as a
 * command-line front end does. */
static void
restart_leecher_bare (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->lt = NULL;
  sf_node_stop (f->leech);
  f->leech->session = shoal_session_new (f->leech->state_dir);
  shoal_session_set_listen_address (f->leech->session, "127.0.0.1");
  shoal_session_set_listen_port (f->leech->session, 0);
  shoal_session_set_restore_saved_torrents (f->leech->session, FALSE);
  g_assert_true (shoal_session_start (f->leech->session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->leech->session)), ==, 0);
}

/* Adds the torrent with SHOAL_ADD_FLAGS_RESUME into @dir, watched from the
 * state it starts in. */
static void
add_leecher_resuming (Fixture    *f,
                      const char *dir)
{
  g_autoptr(GError) error = NULL;
  ShoalTorrentState now;

  f->lt = shoal_session_add_torrent (f->leech->session, f->data->info, dir, SHOAL_ADD_FLAGS_RESUME, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->lt);
  g_array_set_size (f->states, 0);
  g_array_set_size (f->verified, 0);
  now = shoal_torrent_get_state (f->lt);
  g_array_append_val (f->states, now);
  watch_torrent (f, f->lt);
}

static void
test_resume_same_dir_not_restored (Fixture       *f,
                                   gconstpointer  user_data)
{
  guint64 downloaded;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  downloaded = shoal_torrent_get_downloaded (f->lt);

  /* Nothing comes back by itself; the torrent added again into the same
   * directory picks up its state, with no check. */
  restart_leecher_bare (f);
  add_leecher_resuming (f, f->leech->data_dir);
  sf_run_for (1500);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_true (shoal_bitfield_is_full (shoal_torrent_get_pieces (f->lt)));
  g_assert_cmpuint (shoal_torrent_get_downloaded (f->lt), ==, downloaded);
}

static void
test_resume_magnet_saved_metadata (Fixture       *f,
                                   gconstpointer  user_data)
{
  g_autofree char *hex = shoal_hex_encode (shoal_metainfo_get_info_hash_v1 (f->data->info), 20);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&tr=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fannounce", hex);
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *states = NULL;
  ShoalTorrentState now;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;

  /* The same torrent as a magnet link: its metadata, saved in the first
   * run, is used at once, with the link's tracker, and nothing is checked. */
  restart_leecher_bare (f);
  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  f->lt = shoal_session_add_magnet (f->leech->session, magnet, f->leech->data_dir, SHOAL_ADD_FLAGS_RESUME, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->lt);
  g_array_set_size (f->states, 0);
  now = shoal_torrent_get_state (f->lt);
  g_array_append_val (f->states, now);
  watch_torrent (f, f->lt);
  g_assert_nonnull (shoal_torrent_get_metainfo (f->lt));
  sf_run_for (1500);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_FETCHING_METADATA));
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_true (shoal_bitfield_is_full (shoal_torrent_get_pieces (f->lt)));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_torrent_get_trackers (f->lt)), ==, 1);
}

static void
test_resume_other_dir (Fixture       *f,
                       gconstpointer  user_data)
{
  const guint damaged = 3;
  g_autofree char *other = g_build_filename (f->tmp, "other-data", NULL);
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  f->lt = NULL;
  sf_node_stop (f->leech);
  /* A copy elsewhere that agrees with the saved sizes and times, but not in
   * its bytes: the saved state speaks for the first directory only. */
  copy_data_keeping_mtimes (f->data, f->leech->data_dir, other);
  corrupt_piece_keeping_mtimes (f->data, other, damaged);

  restart_leecher_bare (f);
  add_leecher_resuming (f, other);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpstr (shoal_torrent_get_save_dir (f->lt), ==, other);
  g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), damaged));
  g_assert_cmpuint (n_have (f->lt), ==, shoal_metainfo_get_n_pieces (f->data->info) - 1);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
}

static void
test_resume_unusable_save_dir (Fixture       *f,
                               gconstpointer  user_data)
{
  const guint damaged = 4;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_node_stop (f->leech);
  /* The saved directory cannot be used: the torrent comes back in the
   * download directory, where the saved state vouches for nothing. */
  edit_resume (f, "save-dir", "8:relative");
  f->lt = NULL;
  corrupt_piece_keeping_mtimes (f->data, f->leech->data_dir, damaged);

  restart_leecher (f);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpstr (shoal_torrent_get_save_dir (f->lt), ==, f->leech->data_dir);
  g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), damaged));
  g_assert_cmpuint (n_have (f->lt), ==, shoal_metainfo_get_n_pieces (f->data->info) - 1);
}

static void
test_resume_non_utf8_save_dir (Fixture       *f,
                               gconstpointer  user_data)
{
  g_autofree char *dir = g_build_filename (f->tmp, "data \xff\xfe", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *states = NULL;

  /* File names are bytes: a directory whose name is not UTF-8 is still
   * where the data is, after a restart too. */
  add_seeder (f, f->data);
  f->lt = shoal_session_add_torrent (f->leech->session, f->data->info, dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  watch_torrent (f, f->lt);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, dir);

  restart_leecher (f);
  sf_run_for (1500);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_cmpstr (shoal_torrent_get_save_dir (f->lt), ==, dir);
  g_assert_false (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_SEEDING);
}

static void
test_resume_check_interrupted (Fixture       *f,
                               gconstpointer  user_data)
{
  const guint damaged = 6;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_node_stop (f->leech);
  f->lt = NULL;
  sf_torrent_corrupt_piece (f->data, f->leech->data_dir, damaged);

  /* The check of the changed file is cut short at once: the state saved
   * then must not vouch for the file as it is now. */
  restart_leecher (f);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_CHECKING);
  f->lt = NULL;
  sf_node_stop (f->leech);

  restart_leecher (f);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), damaged));
  g_assert_cmpuint (n_have (f->lt), ==, shoal_metainfo_get_n_pieces (f->data->info) - 1);
}

static void
test_resume_dirty_file_truncated (Fixture       *f,
                                  gconstpointer  user_data)
{
  const guint file = 1;
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->data->info, file);
  guint64 pl = shoal_metainfo_get_piece_length (f->data->info);
  guint64 cut = mf->length / 2;
  g_autofree char *path = sf_torrent_file_path (f->data, f->leech->data_dir, file);
  g_autofree char *states = NULL;
  guint first_lost, last_lost;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_node_stop (f->leech);
  /* Killed while writing to the file (it is saved as dirty), then the
   * file was cut short by someone else: what is gone is not had. */
  edit_resume (f, "dirty-files", "li1ee");
  f->lt = NULL;
  g_assert_cmpint (truncate (path, (off_t) cut), ==, 0);

  restart_leecher (f);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  first_lost = (guint) ((mf->offset + cut) / pl);
  last_lost = (guint) ((mf->offset + mf->length - 1) / pl);
  for (guint p = first_lost; p <= last_lost; p++)
    g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), p));
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), <, 1.0);
}

static void
test_resume_dirty_file_unchanged (Fixture       *f,
                                  gconstpointer  user_data)
{
  const guint file = 1;
  const ShoalMetainfoFile *mf = shoal_metainfo_get_file (f->data->info, file);
  guint n_pieces = shoal_metainfo_get_n_pieces (f->data->info);
  guint piece = (guint) (mf->offset / shoal_metainfo_get_piece_length (f->data->info));
  g_autofree guint8 *bits = g_malloc0 ((n_pieces + 7) / 8);
  g_autoptr(GString) value = g_string_new (NULL);
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_node_stop (f->leech);
  /* Killed with a write in flight whose data landed before the save's
   * stat(), its piece not had yet: the file's size and mtime are as saved,
   * but it is dirty, so its missing piece is checked and found, not
   * downloaded again. */
  for (guint p = 0; p < n_pieces; p++)
    if (p != piece)
      bits[p / 8] |= (guint8) (0x80 >> (p % 8));
  g_string_printf (value, "%u:", (n_pieces + 7) / 8);
  for (guint i = 0; i < (n_pieces + 7) / 8; i++)
    {
      g_assert_cmpuint (bits[i], !=, 0);
      g_string_append_c (value, (char) bits[i]);
    }
  edit_resume (f, "dirty-files", "li1ee");
  edit_resume (f, "have", value->str);
  f->lt = NULL;

  restart_leecher (f);
  SF_WAIT (!is_state (f->lt, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states: %s", states);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_true (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), piece));
  g_assert_cmpuint (n_have (f->lt), ==, n_pieces);
}

/* 7. Verify finds damage, and the piece comes again */

static void
test_verify_repairs (Fixture       *f,
                     gconstpointer  user_data)
{
  const guint damaged = 7;
  g_autofree char *states = NULL;

  download_all (f);
  if (f->lt == NULL || !is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING))
    return;
  sf_torrent_corrupt_piece (f->data, f->leech->data_dir, damaged);
  g_array_set_size (f->states, 0);
  g_array_set_size (f->verified, 0);
  f->watch_piece = damaged;

  shoal_torrent_verify (f->lt);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_CHECKING);
  SF_WAIT (f->states->len >= 2 && is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  states = states_to_string (f->states);
  g_test_message ("states during the verify: %s", states);
  g_assert_true (f->missing_when_downloading);
  g_assert_true (saw_state (f->states, SHOAL_TORRENT_STATE_DOWNLOADING));
  /* Only the damaged piece came again. */
  g_assert_cmpuint (f->verified->len, ==, 1);
  g_assert_cmpuint (g_array_index (f->verified, guint, 0), ==, damaged);
  g_assert_cmpuint (f->n_completed, ==, 2);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
}

/* 8. Removing */

static void
test_remove_keep_data (Fixture       *f,
                       gconstpointer  user_data)
{
  g_autofree char *resume = NULL;
  g_autofree char *torrent = NULL;

  add_seeder (f, f->data);
  /* The resume file is written (by a worker) when the torrent starts. */
  resume = state_file (f->seed, f->st, "resume");
  torrent = state_file (f->seed, f->st, "torrent");
  SF_WAIT (g_file_test (resume, G_FILE_TEST_IS_REGULAR), WAIT_S);
  g_assert_true (g_file_test (resume, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (torrent, G_FILE_TEST_IS_REGULAR));

  shoal_session_remove_torrent (f->seed->session, f->st, FALSE);
  f->st = NULL;
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->seed->session)), ==, 0);
  g_assert_null (shoal_session_find_torrent (f->seed->session, shoal_metainfo_get_info_hash_v1 (f->data->info)));
  g_assert_false (g_file_test (resume, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (torrent, G_FILE_TEST_EXISTS));
  sf_torrent_assert_files (f->data, f->seed->data_dir);

  /* Nothing comes back on the next start either. */
  sf_node_restart (f->seed);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->seed->session)), ==, 0);
  sf_torrent_assert_files (f->data, f->seed->data_dir);
}

/* The session's tick keeps an array of its torrents: a removed torrent
 * must not live on in it. */
static void
test_remove_releases_torrent (Fixture       *f,
                              gconstpointer  user_data)
{
  g_autofree char *resume = NULL;
  ShoalTorrent *weak;

  add_seeder (f, f->data);
  resume = state_file (f->seed, f->st, "resume");
  SF_WAIT (g_file_test (resume, G_FILE_TEST_IS_REGULAR), WAIT_S);
  /* At least one tick (once a second) sees the torrent. */
  sf_run_for (1500);

  weak = f->st;
  g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
  shoal_session_remove_torrent (f->seed->session, f->st, FALSE);
  f->st = NULL;
  SF_WAIT (weak == NULL, WAIT_S);
  if (weak != NULL)
    g_object_remove_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
}

static void
test_remove_delete_data (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autofree char *resume = NULL;
  g_autofree char *torrent = NULL;
  g_autofree char *parts = NULL;
  g_autofree char *top = g_build_filename (f->leech->data_dir, shoal_metainfo_get_name (f->data->info), NULL);

  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_PAUSED);
  /* A skipped file leaves bytes in the part file, which goes too. */
  shoal_torrent_set_file_priority (f->lt, 3, SHOAL_FILE_PRIORITY_SKIP);
  shoal_torrent_start (f->lt);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  shoal_session_save (f->leech->session);
  resume = state_file (f->leech, f->lt, "resume");
  torrent = state_file (f->leech, f->lt, "torrent");
  parts = state_file (f->leech, f->lt, "parts");
  g_assert_true (g_file_test (resume, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (torrent, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (parts, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (top, G_FILE_TEST_IS_DIR));

  shoal_session_remove_torrent (f->leech->session, f->lt, TRUE);
  f->lt = NULL;
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->leech->session)), ==, 0);
  g_assert_false (g_file_test (resume, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (torrent, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (parts, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < shoal_metainfo_get_n_files (f->data->info); i++)
    {
      g_autofree char *path = sf_torrent_file_path (f->data, f->leech->data_dir, i);

      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_false (g_file_test (top, G_FILE_TEST_EXISTS));
  /* The save directory itself is the user's. */
  g_assert_true (g_file_test (f->leech->data_dir, G_FILE_TEST_IS_DIR));
  /* Closing the session later must not write the state back. */
  sf_node_stop (f->leech);
  g_assert_false (g_file_test (resume, G_FILE_TEST_EXISTS));
}

/* A session killed while it deleted a removed torrent's data finishes the
 * deletion at its next start. */
static gboolean
path_gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_remove_delete_after_restart (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *trash = g_build_filename (f->leech->data_dir, ".shoal-removing-Qw3rty", NULL);
  g_autofree char *file = g_build_filename (trash, "0", NULL);
  g_autofree char *journal = g_build_filename (f->leech->state_dir, "removing", NULL);
  g_autofree char *entry = g_build_filename (journal, "entry", NULL);
  g_autoptr(GError) error = NULL;

  sf_node_stop (f->leech);
  g_assert_cmpint (g_mkdir_with_parents (trash, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (journal, 0700), ==, 0);
  g_file_set_contents (file, "left behind", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (entry, trash, -1, &error);
  g_assert_no_error (error);

  sf_node_restart (f->leech);
  SF_WAIT (path_gone (trash), WAIT_S);
  SF_WAIT (path_gone (entry), WAIT_S);
  g_assert_true (g_file_test (f->leech->data_dir, G_FILE_TEST_IS_DIR));
}

/* 9. Moving the data */

typedef struct
{
  gboolean  done;
  GError   *error;
} MoveResult;

static void
move_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  MoveResult *move = user_data;

  shoal_torrent_set_location_finish (SHOAL_TORRENT (source), result, &move->error);
  move->done = TRUE;
}

static void
test_set_location (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autofree char *new_dir = g_build_filename (f->tmp, "moved", "here", NULL);
  MoveResult move = { FALSE, NULL };
  ShoalTorrent *st;

  add_seeder (f, f->data);
  st = f->st;
  shoal_torrent_set_location_async (st, new_dir, NULL, move_done_cb, &move);
  SF_WAIT (move.done, WAIT_S);
  g_assert_no_error (move.error);
  g_assert_cmpstr (shoal_torrent_get_save_dir (st), ==, new_dir);
  sf_torrent_assert_files (f->data, new_dir);
  for (guint i = 0; i < shoal_metainfo_get_n_files (f->data->info); i++)
    {
      g_autofree char *old = sf_torrent_file_path (f->data, f->seed->data_dir, i);

      g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
    }
  g_assert_cmpint (shoal_torrent_get_state (st), ==, SHOAL_TORRENT_STATE_SEEDING);

  /* It serves from the new place... */
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);

  /* ...finds all its pieces there... */
  shoal_torrent_verify (st);
  g_assert_cmpint (shoal_torrent_get_state (st), ==, SHOAL_TORRENT_STATE_CHECKING);
  SF_WAIT (!is_state (st, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  g_assert_cmpint (shoal_torrent_get_state (st), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_true (shoal_bitfield_is_full (shoal_torrent_get_pieces (st)));

  /* ...and comes back there. */
  sf_node_restart (f->seed);
  st = shoal_session_find_torrent (f->seed->session, shoal_metainfo_get_info_hash_v1 (f->data->info));
  g_assert_nonnull (st);
  g_assert_cmpstr (shoal_torrent_get_save_dir (st), ==, new_dir);
  SF_WAIT (!is_state (st, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  g_assert_cmpint (shoal_torrent_get_state (st), ==, SHOAL_TORRENT_STATE_SEEDING);
}

/* 10. Errors */

static void
seeder_error_cb (ShoalTorrent *torrent,
                 const GError *error,
                 guint        *n)
{
  (*n)++;
}

static void
seeder_state_cb (ShoalTorrent *torrent,
                 GParamSpec   *pspec,
                 GArray       *states)
{
  ShoalTorrentState state = shoal_torrent_get_state (torrent);

  g_array_append_val (states, state);
}

static void
test_error_missing_file (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autofree char *victim = sf_torrent_file_path (f->data, f->seed->data_dir, 3);
  g_autoptr(GArray) seed_states = g_array_new (FALSE, FALSE, sizeof (ShoalTorrentState));
  const GError *error;
  guint n_errors = 0;

  sf_allow_warning ("f3.bin");
  add_seeder (f, f->data);
  g_signal_connect (f->st, "error", G_CALLBACK (seeder_error_cb), &n_errors);
  g_signal_connect (f->st, "notify::state", G_CALLBACK (seeder_state_cb), seed_states);
  g_assert_cmpint (g_unlink (victim), ==, 0);

  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  connect_leecher (f);
  SF_WAIT (is_state (f->st, SHOAL_TORRENT_STATE_ERROR), WAIT_S);
  error = shoal_torrent_get_error (f->st);
  g_assert_nonnull (error);
  g_test_message ("seeder error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "f3.bin"));
  g_assert_cmpuint (n_errors, ==, 1);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 0);

  /* The leecher lives on, without the seeder. */
  SF_WAIT (shoal_torrent_get_n_connected (f->lt) == 0, WAIT_S);
  sf_run_for (500);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 0);
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_ERROR);

  /* Starting again looks at the files: what is gone is missing. */
  g_array_set_size (seed_states, 0);
  shoal_torrent_start (f->st);
  SF_WAIT (seed_states->len > 0 && !is_state (f->st, SHOAL_TORRENT_STATE_CHECKING), WAIT_S);
  g_assert_true (saw_state (seed_states, SHOAL_TORRENT_STATE_CHECKING));
  g_assert_null (shoal_torrent_get_error (f->st));
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->st), <, 1.0);
  g_assert_cmpuint (shoal_torrent_get_file_have (f->st, 0), ==, shoal_metainfo_get_file (f->data->info, 0)->length);
  g_assert_cmpuint (shoal_torrent_get_file_have (f->st, 3), ==, 0);
}

static gboolean
run_command (const char * const *argv,
             char              **output)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, output, NULL, &status, &error))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
piece_on_disk_matches (SfTorrent  *data,
                       const char *save_dir,
                       guint       piece)
{
  guint64 pl = shoal_metainfo_get_piece_length (data->info);
  guint64 start = (guint64) piece * pl;
  guint64 end = start + shoal_metainfo_get_piece_size (data->info, piece);
  const guint8 *content = g_bytes_get_data (data->content, NULL);

  for (guint i = 0; i < shoal_metainfo_get_n_files (data->info); i++)
    {
      const ShoalMetainfoFile *mf = shoal_metainfo_get_file (data->info, i);
      guint64 s = MAX (start, mf->offset), e = MIN (end, mf->offset + mf->length);
      g_autofree char *path = NULL;
      g_autofree char *contents = NULL;
      gsize len;

      if (s >= e)
        continue;
      path = sf_torrent_file_path (data, save_dir, i);
      if (!g_file_get_contents (path, &contents, &len, NULL) || len < e - mf->offset ||
          memcmp (contents + (s - mf->offset), content + s, e - s) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_error_disk_full (Fixture       *f,
                      gconstpointer  user_data)
{
  static const guint64 lengths[] = { 300001, 2000000 };
  g_autoptr(SfTorrent) data = sf_torrent_new ("too big", lengths, G_N_ELEMENTS (lengths), 32 * 1024, 4);
  const char *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", f->leech->data_dir, NULL };
  const GError *error;
  guint had;

  if (!run_command (mount_argv, NULL))
    {
      g_test_skip ("Cannot mount a tmpfs (not root, or no CAP_SYS_ADMIN)");
      return;
    }
  f->mount_point = g_strdup (f->leech->data_dir);
  sf_allow_warning ("No space left");
  add_seeder (f, data);
  /* In order, so that the first file is written before the disk fills. */
  add_leecher (f, data, SHOAL_ADD_FLAGS_SEQUENTIAL);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_ERROR), WAIT_S);
  error = shoal_torrent_get_error (f->lt);
  g_assert_nonnull (error);
  g_test_message ("leecher error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "No space left"));
  g_assert_cmpuint (f->n_errors, ==, 1);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->lt), ==, 0);

  /* What was verified before stays had, and is on disk. */
  had = n_have (f->lt);
  g_test_message ("%u pieces had when the disk filled", had);
  g_assert_cmpuint (had, >, 0);
  g_assert_cmpuint (had, ==, f->verified->len);
  for (guint i = 0; i < f->verified->len; i++)
    {
      guint piece = g_array_index (f->verified, guint, i);

      g_assert_true (shoal_bitfield_get (shoal_torrent_get_pieces (f->lt), piece));
      g_assert_true (piece_on_disk_matches (data, f->leech->data_dir, piece));
    }
  sf_run_for (500);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_ERROR);
  g_assert_cmpuint (n_have (f->lt), ==, had);

}

/* 11. Seed ratio limit */

static void
test_seed_ratio (Fixture       *f,
                 gconstpointer  user_data)
{
  guint64 total = shoal_metainfo_get_total_length (f->data->info);
  guint64 uploaded;
  guint had;

  add_seeder (f, f->data);
  shoal_torrent_set_seed_ratio_limit (f->st, 0.25);
  /* Slow, so the limit is reached long before the leecher is done. */
  shoal_torrent_set_upload_limit (f->st, 512 * 1024);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  connect_leecher (f);

  SF_WAIT (is_state (f->st, SHOAL_TORRENT_STATE_FINISHED), WAIT_S);
  uploaded = shoal_torrent_get_uploaded (f->st);
  g_assert_cmpuint (uploaded, >=, total / 4);
  g_assert_cmpfloat (shoal_torrent_get_ratio (f->st), >=, 0.25);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 0);

  /* It stays stopped: nothing more goes out, the leecher gets nothing. */
  SF_WAIT (shoal_torrent_get_n_connected (f->lt) == 0, WAIT_S);
  had = n_have (f->lt);
  sf_run_for (2500);
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_FINISHED);
  g_assert_cmpuint (shoal_torrent_get_uploaded (f->st), ==, uploaded);
  g_assert_cmpuint (n_have (f->lt), ==, had);
  g_assert_cmpfloat (shoal_torrent_get_progress (f->lt), <, 1.0);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_DOWNLOADING);
}

/* 12. What cannot be added */

static void
test_duplicate (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) again = NULL;
  GBytes *bytes = shoal_metainfo_get_bytes (f->data->info);

  add_seeder (f, f->data);
  /* The same torrent parsed again: another object, the same info-hash. */
  again = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_null (shoal_session_add_torrent (f->seed->session, again, f->seed->data_dir,
                                            SHOAL_ADD_FLAGS_NONE, &error));
  g_assert_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_null (shoal_session_add_torrent (f->seed->session, f->data->info, NULL,
                                            SHOAL_ADD_FLAGS_SEED_MODE, &error));
  g_assert_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->seed->session)), ==, 1);
  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_SEEDING);
}

static void
test_v2_only (Fixture       *f,
              gconstpointer  user_data)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autofree char *torrents_dir = g_build_filename (f->seed->state_dir, "torrents", NULL);
  g_autoptr(GDir) dir = NULL;
  ShoalTorrent *torrent;
  guint8 block[16384];
  guint8 root[SHOAL_SHA256_LEN];

  /* One file of one 16 KiB block: its pieces root is the block's hash and
   * it needs no piece layer. */
  memset (block, 0x42, sizeof block);
  shoal_sha256 (block, sizeof block, root);
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "file tree");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "a.bin");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "length");
  shoal_bencode_writer_integer (w, sizeof block);
  shoal_bencode_writer_cstring (w, "pieces root");
  shoal_bencode_writer_string (w, root, sizeof root);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "meta version");
  shoal_bencode_writer_integer (w, 2);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, "v2 only");
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, 16384);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "piece layers");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_metainfo_get_version (info), ==, SHOAL_TORRENT_VERSION_V2);

  /* Taken (BEP 52), known by its v2 info-hash truncated to 20 bytes, and
   * saved for the next run. */
  torrent = shoal_session_add_torrent (f->seed->session, info, NULL, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  g_assert_cmpmem (shoal_torrent_get_info_hash (torrent), 20, shoal_metainfo_get_info_hash_v2 (info), 20);
  g_assert_true (shoal_session_find_torrent (f->seed->session, shoal_metainfo_get_info_hash_v2 (info)) == torrent);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (f->seed->session)), ==, 1);
  dir = g_dir_open (torrents_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_nonnull (g_dir_read_name (dir));
  /* The same torrent again is refused. */
  g_assert_null (shoal_session_add_torrent (f->seed->session, info, NULL, SHOAL_ADD_FLAGS_NONE, &error));
  g_assert_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE);
}

/* 13. Bad incoming peers */

typedef struct
{
  GSocketConnection *conn;
  guint8             buf[4096];
  gsize              received;
  gboolean           closed;
} RawPeer;

static void
raw_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawPeer *raw = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      /* EOF or a reset: either way the peer was dropped. */
      raw->closed = TRUE;
      return;
    }
  raw->received += (gsize) n;
  g_input_stream_read_async (G_INPUT_STREAM (source), raw->buf, sizeof raw->buf, G_PRIORITY_DEFAULT,
                             NULL, raw_read_cb, raw);
}

/* Connects to @node, sends @bytes and reads until the other side closes. */
static void
raw_peer_start (RawPeer    *raw,
                SfNode     *node,
                const void *bytes,
                gsize       len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  gsize written;

  memset (raw, 0, sizeof *raw);
  raw->conn = g_socket_client_connect_to_host (client, "127.0.0.1", shoal_session_get_listen_port (node->session),
                                               NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (raw->conn));
  g_output_stream_write_all (out, bytes, len, &written, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (raw->conn)), raw->buf, sizeof raw->buf,
                             G_PRIORITY_DEFAULT, NULL, raw_read_cb, raw);
}

static void
raw_handshake (GByteArray   *out,
               const guint8  info_hash[20])
{
  static const guint8 reserved[8] = { 0, 0, 0, 0, 0, 0x10, 0, 0x04 };
  static const char peer_id[] = "-XX0001-abcdefghijkl";

  g_byte_array_append (out, (const guint8 *) "\x13" "BitTorrent protocol", 20);
  g_byte_array_append (out, reserved, sizeof reserved);
  g_byte_array_append (out, info_hash, 20);
  g_byte_array_append (out, (const guint8 *) peer_id, 20);
}

static void
test_bad_peers (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GByteArray) wrong_hash = g_byte_array_new ();
  g_autoptr(GByteArray) bad_message = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  guint8 garbage[2048];
  guint8 hash[20];
  RawPeer raws[3];

  add_seeder (f, f->data);

  /* A well-formed handshake for a torrent the session does not have. */
  memcpy (hash, shoal_metainfo_get_info_hash_v1 (f->data->info), 20);
  hash[0] ^= 0xff;
  raw_handshake (wrong_hash, hash);
  /* Bytes that are no handshake at all. An encrypted (MSE) handshake also
   * starts with random bytes, so there are more of them than one may hold
   * (96 bytes of key, up to 512 of padding, then a 20-byte marker). */
  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int (rand);
  /* The right torrent, then a message claiming to be 1 GiB long. */
  raw_handshake (bad_message, shoal_metainfo_get_info_hash_v1 (f->data->info));
  g_byte_array_append (bad_message, (const guint8 *) "\x40\x00\x00\x00\x07", 5);

  raw_peer_start (&raws[0], f->seed, wrong_hash->data, wrong_hash->len);
  raw_peer_start (&raws[1], f->seed, garbage, sizeof garbage);
  raw_peer_start (&raws[2], f->seed, bad_message->data, bad_message->len);
  /* Dropped long before the 20 s handshake timeout. */
  SF_WAIT (raws[0].closed, 10);
  SF_WAIT (raws[1].closed, 10);
  SF_WAIT (raws[2].closed, 10);
  /* The wrong info-hash learns nothing: no handshake comes back. */
  g_assert_cmpuint (raws[0].received, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (raws); i++)
    g_clear_object (&raws[i].conn);

  g_assert_cmpint (shoal_torrent_get_state (f->st), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpuint (shoal_torrent_get_n_connected (f->st), ==, 0);

  /* A real peer still gets everything. */
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
}

/* 14. A magnet link: the metadata comes from the seeder, so= (BEP 53)
 * chooses the files, and the .torrent is kept for later sessions. */

static void
test_magnet_select_only (Fixture       *f,
                         gconstpointer  user_data)
{
  const guint skipped = 1;
  guint n_files = shoal_metainfo_get_n_files (f->data->info);
  g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->data->info);
  g_autofree char *skipped_path = sf_torrent_file_path (f->data, f->leech->data_dir, skipped);
  g_autofree char *uri = NULL;
  g_autofree char *torrent_file = NULL;
  g_autoptr(GString) so = g_string_new (NULL);
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n_files; i++)
    if (i != skipped)
      g_string_append_printf (so, "%s%u", so->len > 0 ? "," : "", i);
  uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=from-the-link&so=%s", hex, so->str);
  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);

  add_seeder (f, f->data);
  f->lt = shoal_session_add_magnet (f->leech->session, magnet, f->leech->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->lt);
  watch_torrent (f, f->lt);
  g_assert_cmpint (shoal_torrent_get_state (f->lt), ==, SHOAL_TORRENT_STATE_FETCHING_METADATA);
  g_assert_null (shoal_torrent_get_metainfo (f->lt));
  g_assert_null (shoal_torrent_get_pieces (f->lt));
  g_assert_cmpstr (shoal_torrent_get_name (f->lt), ==, "from-the-link");

  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  g_assert_nonnull (shoal_torrent_get_metainfo (f->lt));
  g_assert_cmpstr (shoal_torrent_get_name (f->lt), ==, shoal_metainfo_get_name (f->data->info));
  g_assert_cmpint (shoal_torrent_get_file_priority (f->lt, skipped), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_false (g_file_test (skipped_path, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < n_files; i++)
    if (i != skipped)
      g_assert_true (sf_torrent_file_matches (f->data, f->leech->data_dir, i));
  torrent_file = state_file (f->leech, f->lt, "torrent");
  g_assert_true (g_file_test (torrent_file, G_FILE_TEST_IS_REGULAR));
}

/* 15. Peer exchange: a third peer learns of the leecher from the seeder
 * (BEP 11); never for a private torrent (BEP 27). */

static gboolean
has_peer (ShoalTorrent *t,
          const char   *address)
{
  GListModel *peers = shoal_torrent_get_peers (t);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(ShoalPeer) p = g_list_model_get_item (peers, i);

      if (g_strcmp0 (shoal_peer_get_address (p), address) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
run_pex (Fixture  *f,
         gboolean  private_torrent)
{
  static const guint64 lengths[] = { 3 * 1024 * 1024 + 17, 1024 * 1024 };
  g_autoptr(SfTorrent) data = private_torrent
                              ? sf_torrent_new_private ("pex private", lengths, G_N_ELEMENTS (lengths), 32768, 7)
                              : sf_torrent_new ("pex public", lengths, G_N_ELEMENTS (lengths), 32768, 7);
  SfNode *third = sf_node_new (f->tmp, "third");
  g_autofree char *leech_address = sf_node_address (f->leech);
  g_autofree char *seed_address = sf_node_address (f->seed);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *tt;

  g_assert_cmpint (shoal_metainfo_is_private (data->info), ==, private_torrent);
  add_seeder (f, data);
  add_leecher (f, data, SHOAL_ADD_FLAGS_NONE);
  /* Slow enough to still be a leecher when the third peer comes. */
  shoal_torrent_set_download_limit (f->lt, 64 * 1024);
  connect_leecher (f);
  SF_WAIT (shoal_torrent_get_n_connected (f->st) == 1, WAIT_S);

  tt = shoal_session_add_torrent (third->session, data->info, third->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  shoal_torrent_set_download_limit (tt, 64 * 1024);
  g_assert_true (shoal_torrent_add_peer (tt, seed_address, &error));

  if (private_torrent)
    {
      sf_run_for (5000);
      g_assert_false (has_peer (tt, leech_address));
    }
  else
    SF_WAIT (has_peer (tt, leech_address), WAIT_S);
  g_assert_true (has_peer (tt, seed_address));
  sf_node_free (third);
}

static void
test_pex (Fixture       *f,
          gconstpointer  user_data)
{
  run_pex (f, FALSE);
}

static void
test_pex_private (Fixture       *f,
                  gconstpointer  user_data)
{
  run_pex (f, TRUE);
}

/* 15b. A PEX flood (issue 11, 7.3): peers on 45 addresses each send a
 * ut_pex message of 50 dead addresses (2,250 in all, more than the
 * candidate table holds), then the user names the real seed. It must be
 * dialled, and soon: no source may fill the table, and the best-ranked
 * candidates go first. */

#define N_FLOODERS 45

static void
flooder_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GSocketConnection **conn = user_data;
  g_autoptr(GError) error = NULL;

  *conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

/* The bytes a PEX peer sends: a handshake, an extension handshake, and
 * one ut_pex message naming @compact (6 bytes a peer). */
static GByteArray *
pex_message_bytes (const guint8  info_hash[20],
                   GByteArray   *compact)
{
  GByteArray *out = g_byte_array_new ();
  static const char ext_handshake[] = "d1:md6:ut_pexi1eee";
  g_autofree char *head = g_strdup_printf ("d5:added%u:", compact->len);
  guint32 len;

  raw_handshake (out, info_hash);
  len = GUINT32_TO_BE (2 + (guint32) strlen (ext_handshake));
  g_byte_array_append (out, (const guint8 *) &len, 4);
  g_byte_array_append (out, (const guint8 *) "\x14\x00", 2);
  g_byte_array_append (out, (const guint8 *) ext_handshake, strlen (ext_handshake));
  /* ut_pex has id 2 in Shoal's extension handshake (its `m` dictionary). */
  len = GUINT32_TO_BE (2 + (guint32) strlen (head) + compact->len + 1);
  g_byte_array_append (out, (const guint8 *) &len, 4);
  g_byte_array_append (out, (const guint8 *) "\x14\x02", 2);
  g_byte_array_append (out, (const guint8 *) head, (guint) strlen (head));
  g_byte_array_append (out, compact->data, compact->len);
  g_byte_array_append (out, (const guint8 *) "e", 1);
  return out;
}

static void
append_compact (GByteArray *compact,
                guint8      a,
                guint8      b,
                guint8      c,
                guint8      d,
                guint16     port)
{
  guint8 peer[6] = { a, b, c, d, port >> 8, port & 0xff };

  g_byte_array_append (compact, peer, sizeof peer);
}

/* A flooder's message: 50 addresses at 127.9.@index.x:@port, where nothing
 * listens. */
static GByteArray *
pex_flood_bytes (const guint8 info_hash[20],
                 guint        index,
                 guint16      port)
{
  g_autoptr(GByteArray) compact = g_byte_array_new ();

  for (guint i = 0; i < 50; i++)
    append_compact (compact, 127, 9, (guint8) index, (guint8) (i + 1), port);
  return pex_message_bytes (info_hash, compact);
}

static void
test_pex_flood (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GPtrArray) flooders = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *seed_address = sf_node_address (f->seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) reserved = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (any, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint16 dead_port;
  gint64 start;

  /* A port bound on every address but not listening: the flood's
   * addresses refuse at once, and no other program on this machine (a
   * client on 6881, say) can be listening there. */
  reserved = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (reserved, any_port, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (reserved, &error);
  g_assert_no_error (error);
  dead_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  add_seeder (f, f->data);
  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  /* Peers are only taken once the torrent has checked its (empty) files. */
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_DOWNLOADING), WAIT_S);
  for (guint i = 0; i < N_FLOODERS; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autofree char *local_ip = g_strdup_printf ("127.0.1.%u", i + 1);
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (local_ip, 0);
      g_autoptr(GByteArray) bytes = pex_flood_bytes (shoal_metainfo_get_info_hash_v1 (f->data->info), i, dead_port);
      GSocketConnection *conn = NULL;

      /* Each flooder on its own address: one host, many peers. The main
       * loop runs meanwhile, so that the session accepts. */
      g_socket_client_set_local_address (client, local);
      g_socket_client_connect_to_host_async (client, "127.0.0.1", shoal_session_get_listen_port (f->leech->session),
                                             NULL, flooder_connected_cb, &conn);
      SF_WAIT (conn != NULL, 10);
      g_ptr_array_add (flooders, conn);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), bytes->data, bytes->len,
                                 NULL, NULL, &error);
      g_assert_no_error (error);
    }
  SF_WAIT (shoal_torrent_get_n_connected (f->lt) >= N_FLOODERS, WAIT_S);
  /* Let every ut_pex message be read, and dials to the dead go on. */
  sf_run_for (2000);

  start = g_get_monotonic_time ();
  g_assert_true (shoal_torrent_add_peer (f->lt, seed_address, &error));
  g_assert_no_error (error);
  SF_WAIT (has_peer (f->lt, seed_address), 10);
  g_test_message ("the seed was connected %.1f s after it was named",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);

  for (guint i = 0; i < flooders->len; i++)
    g_io_stream_close (flooders->pdata[i], NULL, NULL);
}

/* 15c. Addresses from PEX are filtered (issue 11, 7.6): a privileged port
 * named by a peer is never dialled, while an ordinary one in the same
 * message is. (Both on loopback, since the sender is: the tests' own
 * swarms.) Binding a port below 1024 needs root; elsewhere it is skipped. */

static guint
accept_all (GSocket *listener)
{
  guint n = 0;

  for (;;)
    {
      g_autoptr(GSocket) s = g_socket_accept (listener, NULL, NULL);

      if (s == NULL)
        return n;
      n++;
    }
}

static GSocket *
listen_on (const char  *ip,
           guint16      port,
           GError     **error)
{
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (ip, port);

  if (s == NULL || !g_socket_bind (s, address, TRUE, error) || !g_socket_listen (s, error))
    return NULL;
  g_socket_set_blocking (s, FALSE);
  return g_steal_pointer (&s);
}

static guint16
port_of (GSocket *s)
{
  g_autoptr(GSocketAddress) a = g_socket_get_local_address (s, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (a));
}

static void
test_pex_filter (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autoptr(GSocket) privileged = NULL;
  g_autoptr(GSocket) ordinary = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string ("127.0.1.200", 0);
  g_autoptr(GByteArray) compact = g_byte_array_new ();
  g_autoptr(GByteArray) bytes = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  guint n_privileged = 0, n_ordinary = 0;

  privileged = listen_on ("127.0.3.1", 1000, &error);
  if (privileged == NULL)
    {
      g_test_skip_printf ("Cannot listen on a privileged port here: %s", error->message);
      return;
    }
  ordinary = listen_on ("127.0.3.1", 0, &error);
  g_assert_no_error (error);

  add_leecher (f, f->data, SHOAL_ADD_FLAGS_NONE);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_DOWNLOADING), WAIT_S);
  append_compact (compact, 127, 0, 3, 1, 1000);
  append_compact (compact, 127, 0, 3, 1, port_of (ordinary));
  bytes = pex_message_bytes (shoal_metainfo_get_info_hash_v1 (f->data->info), compact);
  g_socket_client_set_local_address (client, local);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", shoal_session_get_listen_port (f->leech->session),
                                          NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), bytes->data, bytes->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);

  /* The ordinary port is dialled: the message was read. */
  SF_WAIT ((n_ordinary += accept_all (ordinary), n_privileged += accept_all (privileged), n_ordinary > 0), WAIT_S);
  /* A little longer, for a dial to the other that would come later. */
  sf_run_for (2000);
  n_privileged += accept_all (privileged);
  g_assert_cmpuint (n_privileged, ==, 0);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
}

/* 15d. Metadata bans are by address (issue 11, 7.10): a peer whose
 * metadata failed the info-hash is not asked again when it reconnects. */

typedef struct
{
  GSocketConnection *conn;
  GByteArray        *in;          /* received, not parsed yet */
  gboolean           got_handshake;
  gboolean           closed;
  guint              n_requests;  /* ut_metadata requests */
  GBytes            *metadata;    /* what it serves: wrong bytes */
} Liar;

#define LIAR_UT_METADATA 3

static void
liar_connect (Liar         *liar,
              SfNode       *node,
              const char   *local_ip,
              const guint8  info_hash[20],
              GBytes       *metadata)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string (local_ip, 0);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ext = g_strdup_printf ("d1:md11:ut_metadatai%dee13:metadata_sizei%" G_GSIZE_FORMAT "ee",
                                          LIAR_UT_METADATA, g_bytes_get_size (metadata));
  guint32 len = GUINT32_TO_BE (2 + (guint32) strlen (ext));

  memset (liar, 0, sizeof *liar);
  liar->in = g_byte_array_new ();
  liar->metadata = g_bytes_ref (metadata);
  g_socket_client_set_local_address (client, local);
  liar->conn = g_socket_client_connect_to_host (client, "127.0.0.1", shoal_session_get_listen_port (node->session),
                                                NULL, &error);
  g_assert_no_error (error);
  raw_handshake (out, info_hash);
  g_byte_array_append (out, (const guint8 *) &len, 4);
  g_byte_array_append (out, (const guint8 *) "\x14\x00", 2);
  g_byte_array_append (out, (const guint8 *) ext, strlen (ext));
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (liar->conn)), out->data, out->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (g_socket_connection_get_socket (liar->conn), FALSE);
}

static void
liar_clear (Liar *liar)
{
  if (liar->conn != NULL)
    g_io_stream_close (G_IO_STREAM (liar->conn), NULL, NULL);
  g_clear_object (&liar->conn);
  g_clear_pointer (&liar->in, g_byte_array_unref);
  g_clear_pointer (&liar->metadata, g_bytes_unref);
}

/* Reads what has come, answers ut_metadata requests with its wrong
 * metadata, and returns TRUE once Shoal has hung up. */
static gboolean
liar_poll (Liar *liar)
{
  GSocket *socket = g_socket_connection_get_socket (liar->conn);

  while (!liar->closed)
    {
      guint8 buf[4096];
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n <= 0)
        liar->closed = TRUE;
      else
        g_byte_array_append (liar->in, buf, (guint) n);
    }
  if (!liar->got_handshake && liar->in->len >= 68)
    {
      g_byte_array_remove_range (liar->in, 0, 68);
      liar->got_handshake = TRUE;
    }
  while (liar->got_handshake && liar->in->len >= 4)
    {
      const char *payload = (const char *) liar->in->data + 6;
      guint32 len;

      memcpy (&len, liar->in->data, 4);
      len = GUINT32_FROM_BE (len);
      g_assert_cmpuint (len, <, 1024 * 1024);
      if (liar->in->len < 4 + len)
        break;
      if (len >= 2 && liar->in->data[4] == 20 && liar->in->data[5] == LIAR_UT_METADATA &&
          g_strstr_len (payload, len - 2, "8:msg_typei0e") != NULL)
        {
          g_autoptr(GByteArray) answer = g_byte_array_new ();
          g_autofree char *dict = g_strdup_printf ("d8:msg_typei1e5:piecei0e10:total_sizei%" G_GSIZE_FORMAT "ee",
                                                   g_bytes_get_size (liar->metadata));
          guint32 answer_len = GUINT32_TO_BE (2 + (guint32) (strlen (dict) + g_bytes_get_size (liar->metadata)));
          /* ut_metadata has id 1 in Shoal's extension handshake. */
          guint8 head[2] = { 20, 1 };

          liar->n_requests++;
          g_byte_array_append (answer, (const guint8 *) &answer_len, 4);
          g_byte_array_append (answer, head, 2);
          g_byte_array_append (answer, (const guint8 *) dict, (guint) strlen (dict));
          g_byte_array_append (answer, g_bytes_get_data (liar->metadata, NULL), (guint) g_bytes_get_size (liar->metadata));
          g_socket_set_blocking (socket, TRUE);
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (liar->conn)), answer->data,
                                     answer->len, NULL, NULL, NULL);
          g_socket_set_blocking (socket, FALSE);
        }
      g_byte_array_remove_range (liar->in, 0, 4 + len);
    }
  return liar->closed;
}

static void
test_metadata_ban_by_address (Fixture       *f,
                              gconstpointer  user_data)
{
  g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->data->info);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s", hex);
  GBytes *info = shoal_metainfo_get_info_bytes (f->data->info);
  g_autofree guint8 *wrong_data = g_memdup2 (g_bytes_get_data (info, NULL), g_bytes_get_size (info));
  g_autoptr(GBytes) wrong = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(GError) error = NULL;
  Liar first, again;

  /* One ut_metadata piece: one answer makes a whole (wrong) assembly. */
  g_assert_cmpuint (g_bytes_get_size (info), <=, 16384);
  wrong_data[g_bytes_get_size (info) / 2] ^= 0x55;
  wrong = g_bytes_new (wrong_data, g_bytes_get_size (info));
  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  f->lt = shoal_session_add_magnet (f->leech->session, magnet, f->leech->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  watch_torrent (f, f->lt);

  liar_connect (&first, f->leech, "127.0.2.1", shoal_metainfo_get_info_hash_v1 (f->data->info), wrong);
  SF_WAIT (liar_poll (&first), 10);
  g_assert_cmpuint (first.n_requests, >=, 1);
  liar_clear (&first);

  /* The same host on a new connection: not asked, hung up on. */
  liar_connect (&again, f->leech, "127.0.2.1", shoal_metainfo_get_info_hash_v1 (f->data->info), wrong);
  SF_WAIT (liar_poll (&again), 10);
  g_assert_cmpuint (again.n_requests, ==, 0);
  liar_clear (&again);

  /* An honest seed elsewhere still gives the metadata and the data. */
  add_seeder (f, f->data);
  connect_leecher (f);
  SF_WAIT (is_state (f->lt, SHOAL_TORRENT_STATE_SEEDING), WAIT_S);
  sf_torrent_assert_files (f->data, f->leech->data_dir);
}

/* The listening port changes while the session runs: the new port is
 * open before the old one closes, and a port in use leaves it where it
 * was. */

static gboolean
can_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

static GSocket *
listen_on_free_port (guint16 *port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_change_listen_port (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autofree char *state = g_build_filename (f->tmp, "port-state", NULL);
  g_autoptr(ShoalSession) session = shoal_session_new (state);
  g_autoptr(GSocket) held = NULL;
  g_autoptr(GError) error = NULL;
  guint16 first, second, taken;
  guint notified = 0;

  shoal_session_set_listen_port (session, 0);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  first = shoal_session_get_listen_port (session);
  g_assert_cmpuint (first, !=, 0);
  g_assert_true (can_connect (first));
  g_signal_connect (session, "notify::listen-port", G_CALLBACK (notify_count_cb), &notified);

  /* A free port: taken at once, the old one closed */
  g_clear_object (&held);
  held = listen_on_free_port (&second);
  g_socket_close (held, NULL);
  g_assert_true (shoal_session_change_listen_port (session, second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_session_get_listen_port (session), ==, second);
  g_assert_cmpuint (notified, >=, 1);
  g_assert_true (can_connect (second));
  g_assert_false (can_connect (first));

  /* A port another program holds: an error, and the session stays */
  g_clear_object (&held);
  held = listen_on_free_port (&taken);
  g_assert_false (shoal_session_change_listen_port (session, taken, &error));
  g_assert_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN);
  g_assert_cmpuint (shoal_session_get_listen_port (session), ==, second);
  g_assert_true (can_connect (second));

  /* The same port again: nothing to do */
  g_clear_error (&error);
  g_assert_true (shoal_session_change_listen_port (session, second, &error));
  g_assert_true (can_connect (second));

  shoal_session_close (session);
}

/* 16. IPv6 (BEP 7): the same transfer between two sessions on ::1. */

static ShoalSession *
start_ipv6_session (const char *state_dir)
{
  ShoalSession *session = shoal_session_new (state_dir);
  g_autoptr(GError) error = NULL;

  shoal_session_set_listen_address (session, "::1");
  shoal_session_set_listen_port (session, 0);
  if (!shoal_session_start (session, &error))
    {
      g_test_skip_printf ("No IPv6 loopback here: %s", error->message);
      g_clear_object (&session);
    }
  return session;
}

static void
test_ipv6 (Fixture       *f,
           gconstpointer  user_data)
{
  g_autofree char *seed_state = g_build_filename (f->tmp, "v6-seed-state", NULL);
  g_autofree char *seed_data = g_build_filename (f->tmp, "v6-seed-data", NULL);
  g_autofree char *leech_state = g_build_filename (f->tmp, "v6-leech-state", NULL);
  g_autofree char *leech_data = g_build_filename (f->tmp, "v6-leech-data", NULL);
  g_autoptr(ShoalSession) seeder = start_ipv6_session (seed_state);
  g_autoptr(ShoalSession) leecher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  ShoalTorrent *st, *lt;

  if (seeder == NULL)
    return;
  leecher = start_ipv6_session (leech_state);
  g_assert_nonnull (leecher);
  g_mkdir_with_parents (seed_data, 0700);
  g_mkdir_with_parents (leech_data, 0700);
  sf_torrent_write (f->data, seed_data);
  st = shoal_session_add_torrent (seeder, f->data->info, seed_data, SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  lt = shoal_session_add_torrent (leecher, f->data->info, leech_data, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  address = g_strdup_printf ("[::1]:%u", shoal_session_get_listen_port (seeder));
  g_assert_true (shoal_torrent_add_peer (lt, address, &error));
  g_assert_no_error (error);

  SF_WAIT (shoal_torrent_get_state (lt) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);
  sf_torrent_assert_files (f->data, leech_data);
  g_assert_cmpuint (shoal_torrent_get_uploaded (st), >=, shoal_metainfo_get_content_size (f->data->info));
  shoal_session_close (seeder);
  shoal_session_close (leecher);
}

/* 17. Closing one session waits for its own pending work only: here the
 * `stopped` announce of another session to a tracker that never answers. */

static void
close_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *order = user_data;
  static guint n_done;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_session_close_finish (SHOAL_SESSION (source), result, &error));
  g_assert_no_error (error);
  *order = ++n_done;
}

static gboolean
silent_tracker_heard (GSocket  *socket,
                      gboolean *heard)
{
  guint8 buf[2048];

  if (g_socket_receive (socket, (char *) buf, sizeof buf, NULL, NULL) > 0)
    *heard = TRUE;
  return *heard;
}

static void
test_close_waits_for_own_work (Fixture       *f,
                               gconstpointer  user_data)
{
  g_autoptr(GSocket) silent = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  ShoalTorrent *st;
  guint seed_closed = 0;
  guint leech_closed = 0;
  gboolean heard = FALSE;

  g_assert_nonnull (silent);
  g_socket_set_blocking (silent, FALSE);
  g_assert_true (g_socket_bind (silent, any_port, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (silent, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("udp://127.0.0.1:%u/announce",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  sf_torrent_write (f->data, f->seed->data_dir);
  st = shoal_session_add_torrent (f->seed->session, f->data->info, f->seed->data_dir,
                                  SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_PAUSED, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_torrent_add_tracker (st, url, 0, &error));
  g_assert_no_error (error);
  shoal_torrent_start (st);
  /* The `started` announce is under way: closing sends `stopped`, which
   * waits for an answer that never comes (for seconds). */
  SF_WAIT (silent_tracker_heard (silent, &heard), WAIT_S);

  shoal_session_close_async (f->seed->session, NULL, close_done_cb, &seed_closed);
  shoal_session_close_async (f->leech->session, NULL, close_done_cb, &leech_closed);
  SF_WAIT (leech_closed != 0, WAIT_S);
  /* The other session has nothing to wait for: it is done first. */
  g_assert_cmpuint (seed_closed, ==, 0);
  SF_WAIT (seed_closed != 0, WAIT_S);
  g_assert_cmpuint (seed_closed, >, leech_closed);
}

/* The kinds of proxy a session takes, and what each leaves off. */
static void
test_proxy_kinds (void)
{
  static const struct { const char *uri; gboolean ok; gboolean peers; const char *note; } cases[] = {
    { "socks5://user:pass@10.1.2.3:1080", TRUE, TRUE,
      "Local peer discovery is off: it cannot go through the SOCKS5 proxy" },
    { "http://10.1.2.3:3128", TRUE, FALSE, "Not asked: UDP trackers cannot go through an HTTP proxy" },
    { "system", TRUE, FALSE, "Not asked: UDP trackers cannot go through the system proxy" },
    { "ftp://10.1.2.3:21", FALSE, FALSE, NULL },
    { "socks5://10.1.2.3", FALSE, FALSE, NULL },
    { "socks5://:1080", FALSE, FALSE, NULL },
    { "not a uri", FALSE, FALSE, NULL },
  };
  g_autofree char *dir = g_dir_make_tmp ("shoal-test-proxy-XXXXXX", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ShoalSession) session = shoal_session_new (dir);
      g_autoptr(GError) error = NULL;
      gboolean ok = shoal_session_set_proxy (session, cases[i].uri, &error);

      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          g_assert_null (shoal_session_get_proxy (session));
          continue;
        }
      g_assert_cmpstr (shoal_session_get_proxy (session), ==, cases[i].uri);
      g_assert_cmpint (shoal_session_get_proxy_peers (session), ==, cases[i].peers);
      g_assert_cmpstr (shoal_session_get_proxy_note (session), ==, cases[i].note);
    }
  {
    /* SOCKS5 carrying trackers and web seeds only */
    g_autoptr(ShoalSession) session = shoal_session_new (dir);

    shoal_session_set_proxy_peers (session, FALSE);
    g_assert_true (shoal_session_set_proxy (session, "socks5://10.1.2.3:1080", NULL));
    g_assert_false (shoal_session_get_proxy_peers (session));
    g_assert_null (shoal_session_get_proxy_note (session));
    g_assert_true (shoal_session_set_proxy (session, NULL, NULL));
    g_assert_null (shoal_session_get_proxy (session));
  }
  g_rmdir (dir);
}

/* The interface and the proxy change on a started session: the listening
 * socket moves (to the interface's address, then back to any), keeps its
 * port, and what the session reports follows. */
static void
test_network_live (void)
{
  g_autofree char *dir = g_dir_make_tmp ("shoal-test-netlive-XXXXXX", NULL);
  g_autoptr(ShoalSession) session = shoal_session_new (dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint16 port;

  shoal_session_set_listen_port (session, 0);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  port = shoal_session_get_listen_port (session);
  g_assert_true (can_connect (port));

  g_assert_true (shoal_session_set_interface (session, "lo", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_session_get_interface (session), ==, "lo");
  g_object_get (session, "listen-address", &address, NULL);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_clear_pointer (&address, g_free);
  g_assert_cmpuint (shoal_session_get_listen_port (session), ==, port);
  g_assert_true (can_connect (port));
  g_assert_true (shoal_session_get_interface_up (session));

  /* An interface that does not exist: refused, the one set stays. */
  g_assert_false (shoal_session_set_interface (session, "shoal-no-such0", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpstr (shoal_session_get_interface (session), ==, "lo");
  g_assert_true (can_connect (port));

  g_assert_true (shoal_session_set_proxy (session, "socks5://127.0.0.1:9", &error));
  g_assert_cmpstr (shoal_session_get_proxy (session), ==, "socks5://127.0.0.1:9");
  g_assert_true (shoal_session_get_proxy_peers (session));
  g_assert_true (shoal_session_set_proxy (session, NULL, &error));
  g_assert_null (shoal_session_get_proxy (session));

  /* No interface: back to the address set before (any). */
  g_assert_true (shoal_session_set_interface (session, NULL, &error));
  g_assert_null (shoal_session_get_interface (session));
  g_object_get (session, "listen-address", &address, NULL);
  g_assert_null (address);
  g_assert_cmpuint (shoal_session_get_listen_port (session), ==, port);
  g_assert_true (can_connect (port));

  shoal_session_close (session);
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);
  /* A failed check reports and goes on with the other tests: each test has
   * its own sessions and directories. */
  g_test_set_nonfatal_assertions ();

#define ADD(path, func) g_test_add ("/engine/session/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("download", test_download);
  ADD ("pause-resume", test_pause_resume);
  ADD ("download-limit", test_download_limit);
  ADD ("upload-limit", test_upload_limit);
  ADD ("skip-file", test_skip_file);
  ADD ("magnet-select-only", test_magnet_select_only);
  ADD ("pex", test_pex);
  ADD ("pex-private", test_pex_private);
  ADD ("pex-flood", test_pex_flood);
  ADD ("metadata-ban-by-address", test_metadata_ban_by_address);
  ADD ("pex-filter", test_pex_filter);
  ADD ("ipv6", test_ipv6);
  ADD ("sequential", test_sequential);
  ADD ("resume", test_resume);
  ADD ("resume-modified-file", test_resume_modified);
  ADD ("resume-same-dir-not-restored", test_resume_same_dir_not_restored);
  ADD ("resume-magnet-saved-metadata", test_resume_magnet_saved_metadata);
  ADD ("resume-other-dir-checks-files", test_resume_other_dir);
  ADD ("resume-unusable-save-dir-checks-files", test_resume_unusable_save_dir);
  ADD ("resume-non-utf8-save-dir", test_resume_non_utf8_save_dir);
  ADD ("resume-dirty-file-truncated", test_resume_dirty_file_truncated);
  ADD ("resume-dirty-file-unchanged", test_resume_dirty_file_unchanged);
  ADD ("resume-check-interrupted", test_resume_check_interrupted);
  ADD ("verify-repairs", test_verify_repairs);
  ADD ("remove-keep-data", test_remove_keep_data);
  ADD ("remove-releases-torrent", test_remove_releases_torrent);
  ADD ("remove-delete-data", test_remove_delete_data);
  ADD ("remove-delete-after-restart", test_remove_delete_after_restart);
  ADD ("set-location", test_set_location);
  ADD ("error-missing-file", test_error_missing_file);
  ADD ("error-disk-full", test_error_disk_full);
  ADD ("seed-ratio", test_seed_ratio);
  ADD ("duplicate", test_duplicate);
  ADD ("v2-only", test_v2_only);
  ADD ("bad-peers", test_bad_peers);
  ADD ("close-waits-for-own-work", test_close_waits_for_own_work);
  ADD ("change-listen-port", test_change_listen_port);
#undef ADD
  g_test_add_func ("/engine/session/proxy-kinds", test_proxy_kinds);
  g_test_add_func ("/engine/session/network-live", test_network_live);

  return g_test_run ();
}
