/* test-session-idle.c: an idle session's tick does not grow with its torrents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session ticks once a second; it ticks only the torrents with something
 * to do (session/shoal-session-ticks.c). Sessions of 10 and 2,000 seeding
 * torrents without peers: the torrent ticks of an idle window are counted
 * through the test hook and must not grow with the torrents. And what the
 * tick did for a torrent still happens once it sleeps: a changed option is
 * saved, the seeding time limit ends seeding.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "session-fixture.h"
#include "shoal-dht.h"
#include "shoal-session-private.h"
#include "shoal-session-testing.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  (void) data;
  f->dir = g_dir_make_tmp ("shoal-idle-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  (void) data;
  sf_rm_rf (f->dir);
  g_free (f->dir);
}

static guint
count_seeding (ShoalSession *session)
{
  GListModel *list = shoal_session_get_torrents (session);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (list, i);

      n += shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING;
    }
  return n;
}

/* @n seeding torrents of one small file each, data in place; the first
 * @n_saved keep resume state, the others none (adding is then quick). */
static void
add_seeding (SfNode *node,
             guint   n,
             guint   n_saved)
{
  const guint64 len = 2048;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("idle-%05u", i);
      g_autoptr(SfTorrent) st = sf_torrent_new (name, &len, 1, 16384, 1000 + i);
      g_autoptr(GError) error = NULL;
      ShoalAddFlags flags = SHOAL_ADD_FLAGS_SEED_MODE | (i < n_saved ? 0 : SHOAL_ADD_FLAGS_NO_SAVE);

      sf_torrent_write (st, node->data_dir);
      g_assert_nonnull (shoal_session_add_torrent (node->session, st->info, node->data_dir, flags, &error));
      g_assert_no_error (error);
    }
}

/* Torrent ticks over @ms of a session left alone. */
static guint64
idle_ticks (SfNode *node,
            guint   ms)
{
  guint64 before = _shoal_session_get_n_torrent_ticks (node->session);

  sf_run_for (ms);
  return _shoal_session_get_n_torrent_ticks (node->session) - before;
}

/* Until a window of 1.5 s without a torrent tick (at most @seconds). */
static gboolean
wait_asleep (SfNode *node,
             guint   seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    if (idle_ticks (node, 1500) == 0)
      return TRUE;
  return FALSE;
}

static guint64
ticks_with (Fixture *f,
            guint    n)
{
  g_autofree char *name = g_strdup_printf ("n%u", n);
  SfNode *node = sf_node_new (f->dir, name);
  struct timespec cpu0, cpu1;
  guint64 ticks;

  add_seeding (node, n, 0);
  g_assert_cmpuint (count_seeding (node->session), ==, n);
  /* Two ticks for the start to settle, then a window of three. */
  sf_run_for (2500);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  ticks = idle_ticks (node, 3000);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  /* The CPU is for information only: no test depends on timing. */
  g_test_message ("%u seeding torrents without peers: %" G_GUINT64_FORMAT " torrent ticks in 3 s, "
                  "%.1f ms of CPU", n, ticks,
                  (double) (cpu1.tv_sec - cpu0.tv_sec) * 1e3 + (double) (cpu1.tv_nsec - cpu0.tv_nsec) / 1e6);
  sf_node_free (node);
  return ticks;
}

static void
test_ticks_bounded (Fixture       *f,
                    gconstpointer  data)
{
  guint64 small, large;

  (void) data;
  small = ticks_with (f, 10);
  large = ticks_with (f, 2000);
  /* Ticked every second, 2,000 torrents give 6,000 ticks in 3 s. Idle,
   * neither session ticks more than a few of its torrents. */
  g_assert_cmpuint (small, <=, 30);
  g_assert_cmpuint (large, <=, 2 * small + 30);
}

static char *
resume_contents (SfNode       *node,
                 ShoalTorrent *t)
{
  g_autofree char *name = g_strdup_printf ("%s.resume", shoal_torrent_get_info_hash_hex (t));
  g_autofree char *path = g_build_filename (node->state_dir, "torrents", name, NULL);
  char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return g_strdup ("");
  return contents;
}

/* A torrent the tick let sleep still gets its changes saved, and its
 * seeding time limit still ends its seeding. */
static void
test_sleeping_torrent_works (Fixture       *f,
                             gconstpointer  data)
{
  SfNode *node = sf_node_new (f->dir, "sleep");
  ShoalTorrent *t = NULL;
  g_autofree char *saved = NULL;
  guint64 before;
  gint64 added_us = g_get_monotonic_time ();
  gint64 limit_s;

  (void) data;
  add_seeding (node, 1, 1);
  t = g_list_model_get_item (shoal_session_get_torrents (node->session), 0);
  g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_SEEDING);
  /* Asleep once its state is saved (within 5 s of the add). */
  g_assert_true (wait_asleep (node, 20));
  saved = resume_contents (node, t);
  g_assert_cmpstr (saved, !=, "");

  /* An option changed: written within the tick's 5 s (and some). */
  before = _shoal_session_get_n_torrent_ticks (node->session);
  shoal_torrent_set_seed_ratio_limit (t, 7.5);
  SF_WAIT (({ g_autofree char *now = resume_contents (node, t); g_strcmp0 (now, saved) != 0 && *now != '\0'; }), 20);
  g_assert_cmpuint (_shoal_session_get_n_torrent_ticks (node->session), >, before);

  /* Asleep again; a seeding time limit 15 s ahead: it wakes for
   * it, and ends seeding on time. (Seed mode: seeding since the add.) */
  g_assert_true (wait_asleep (node, 20));
  limit_s = (g_get_monotonic_time () - added_us) / G_USEC_PER_SEC + 15;
  shoal_torrent_set_seed_time_limit (t, limit_s);
  g_assert_true (wait_asleep (node, 20));
  g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_SEEDING);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_FINISHED, limit_s + 20);
  g_assert_cmpint (g_get_monotonic_time () - added_us, >=, limit_s * G_USEC_PER_SEC);
  g_clear_object (&t);
  sf_node_free (node);
}

/* Two sessions with their DHT on 127.0.0.1, each the other's only
 * bootstrap node (never a public router). */
static void
start_dht_pair (SfNode *a,
                SfNode *b)
{
  g_autofree char *a_node = NULL;

  /* A closed port on 127.0.0.1 stands for a's bootstrap node: with none
   * named, a session would ask the public routers. */
  shoal_session_add_dht_bootstrap_node (a->session, "127.0.0.1:1");
  shoal_session_set_dht_enabled (a->session, TRUE);
  g_assert_nonnull (shoal_session_get_dht (a->session));
  a_node = g_strdup_printf ("127.0.0.1:%u", shoal_dht_get_port (shoal_session_get_dht (a->session)));
  shoal_session_add_dht_bootstrap_node (b->session, a_node);
  shoal_session_set_dht_enabled (b->session, TRUE);
  g_assert_nonnull (shoal_session_get_dht (b->session));
  SF_WAIT (shoal_dht_get_n_nodes (shoal_session_get_dht (b->session)) >= 1, 20);
}

/* A seed announces to the DHT every 15 minutes, a download with few peers
 * every minute; and many torrents due at once share the session's budget
 * (10 a second) instead of all asking in the same second. */
static void
test_dht_announce_pace (Fixture       *f,
                        gconstpointer  data)
{
  SfNode *a = sf_node_new (f->dir, "dht-a");
  SfNode *b = sf_node_new (f->dir, "dht-b");
  const guint64 len = 40000;
  g_autoptr(SfTorrent) wanted = sf_torrent_new ("wanted", &len, 1, 16384, 77);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *seed, *download;
  guint64 before, started;
  gint64 t0;
  double elapsed;

  (void) data;
  start_dht_pair (a, b);
  add_seeding (b, 1, 0);
  seed = g_list_model_get_item (shoal_session_get_torrents (b->session), 0);
  g_object_unref (seed); /* the session keeps it */
  download = shoal_session_add_torrent (b->session, wanted->info, NULL, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  SF_WAIT (_shoal_session_get_n_dht_announces (b->session) >= 2, 20);
  /* Each announce reached a (the only node): no retry a minute later. */
  SF_WAIT (_shoal_torrent_get_dht_announce_in (seed) > 14 * 60, 20);
  g_assert_cmpint (_shoal_torrent_get_dht_announce_in (download), <=, 60);

  /* 60 more seeds at once: at most 10 announces start in any second. */
  before = _shoal_session_get_n_dht_announces (b->session);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *name = g_strdup_printf ("many-%02u", i);
      const guint64 small = 3000;
      g_autoptr(SfTorrent) st = sf_torrent_new (name, &small, 1, 16384, 2000 + i);

      sf_torrent_write (st, b->data_dir);
      g_assert_nonnull (shoal_session_add_torrent (b->session, st->info, b->data_dir,
                                                   SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_NO_SAVE, &error));
      g_assert_no_error (error);
    }
  sf_run_for (2500);
  started = _shoal_session_get_n_dht_announces (b->session) - before;
  elapsed = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  g_test_message ("60 seeds added: %" G_GUINT64_FORMAT " DHT announces in the first %.1f s", started, elapsed);
  /* A budget per calendar second: at most 10 in each second touched. */
  g_assert_cmpuint (started, <=, 10 * ((guint64) elapsed + 2));
  if (elapsed < 4.0)
    g_assert_cmpuint (started, <, 60);
  /* And all of them, soon. */
  SF_WAIT (_shoal_session_get_n_dht_announces (b->session) - before >= 60, 30);
  sf_node_free (b);
  sf_node_free (a);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sf_init_logging ();
  g_test_add ("/engine/session-idle/ticks-bounded", Fixture, NULL, fixture_setup, test_ticks_bounded,
              fixture_teardown);
  g_test_add ("/engine/session-idle/sleeping-torrent-works", Fixture, NULL, fixture_setup,
              test_sleeping_torrent_works, fixture_teardown);
  g_test_add ("/engine/session-idle/dht-announce-pace", Fixture, NULL, fixture_setup,
              test_dht_announce_pace, fixture_teardown);
  return g_test_run ();
}
