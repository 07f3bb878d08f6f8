/* test-feed-download.c: a rule's torrent downloaded from a libtorrent seed,
 * and what feed refreshes cost the main loop meanwhile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A libtorrent seed (feed-seed.py, Debian's /usr/bin/python3) seeds a
 * 1 GiB torrent on 127.0.0.1 (FEED_TEST_SIZE_MIB changes the size). An
 * HTTP server in a thread of this test serves a feed whose item has the
 * .torrent as enclosure, and a feed of 20,000 items. The rule adds the
 * torrent with its folder and label; it downloads from the seed while the
 * big feed is fetched and parsed again and again. A 1 ms timer of high
 * priority on the main loop records the gaps between its runs and the
 * main thread's CPU time in each: no gap may hold 30 ms of the main
 * thread's work. Then a restart downloads nothing again.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../feed-server.h"
#include "../session-fixture.h"

#define MAX_STALL_MS  30

typedef struct
{
  int      fd;
  gint64   last_us;
  guint64  last_wait_ns;
  guint64  last_cpu_ns;
  gint64   max_cpu_us;
  gint64   max_gap_us;
  gint64   max_own_us;
  guint    n_over_gap;
  guint    n_over_own;
  guint    ticks;
} Stall;

/* The thread's time on a CPU (CLOCK_THREAD_CPUTIME_ID, exact) and waiting
 * for one (schedstat), in ns. */
static void
read_schedstat (Stall   *s,
                guint64 *cpu,
                guint64 *wait)
{
  char buf[128];
  ssize_t n = pread (s->fd, buf, sizeof buf - 1, 0);
  guint64 on_cpu = 0;
  struct timespec ts;

  *wait = 0;
  if (n > 0)
    {
      buf[n] = '\0';
      if (sscanf (buf, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &on_cpu, wait) != 2)
        *wait = 0;
    }
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  *cpu = (guint64) ts.tv_sec * 1000000000 + (guint64) ts.tv_nsec;
}

static gboolean
stall_tick_cb (gpointer data)
{
  Stall *s = data;
  gint64 now = g_get_monotonic_time ();
  guint64 cpu, wait;

  read_schedstat (s, &cpu, &wait);

  if (s->last_us != 0)
    {
      gint64 gap = now - s->last_us;
      gint64 own = gap - (gint64) ((wait - s->last_wait_ns) / 1000);
      gint64 on_cpu = (gint64) ((cpu - s->last_cpu_ns) / 1000);

      s->max_cpu_us = MAX (s->max_cpu_us, on_cpu);
      s->max_gap_us = MAX (s->max_gap_us, gap);
      s->max_own_us = MAX (s->max_own_us, own);
      if (gap > MAX_STALL_MS * 1000)
        s->n_over_gap++;
      if (own > MAX_STALL_MS * 1000)
        {
          s->n_over_own++;
          g_test_message ("stall of %" G_GINT64_FORMAT " ms (%" G_GINT64_FORMAT " ms less waits for a CPU, "
                          "%" G_GINT64_FORMAT " ms on a CPU), ending at %.3f",
                          gap / 1000, own / 1000, on_cpu / 1000, now / 1e6);
        }
    }
  s->ticks++;
  s->last_us = now;
  s->last_wait_ns = wait;
  s->last_cpu_ns = cpu;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  ShoalFeedManager *manager;
  ShoalFeed        *many;
  guint             port;
  ShoalTorrent     *torrent;
  guint             n_added;
  gboolean          refreshing;
  guint             n_refreshes;
  GError           *error;
} Run;

static void
torrent_added_cb (ShoalFeedManager *manager,
                  ShoalFeed        *feed,
                  ShoalFeedItem    *item,
                  ShoalTorrent     *torrent,
                  Run              *run)
{
  g_autofree char *peer = g_strdup_printf ("127.0.0.1:%u", run->port);
  g_autoptr(GError) error = NULL;

  run->n_added++;
  g_set_object (&run->torrent, torrent);
  g_assert_true (shoal_torrent_add_peer (torrent, peer, &error));
  g_assert_no_error (error);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;

  g_clear_error (&run->error);
  if (shoal_feed_manager_refresh_finish (SHOAL_FEED_MANAGER (source), result, &run->error))
    run->n_refreshes++;
  run->refreshing = FALSE;
}

static gboolean
refresh_many_cb (gpointer data)
{
  Run *run = data;

  if (!run->refreshing)
    {
      run->refreshing = TRUE;
      shoal_feed_manager_refresh_async (run->manager, run->many, NULL, refreshed_cb, run);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
refresh_all (Run *run)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  run->refreshing = TRUE;
  shoal_feed_manager_refresh_async (run->manager, NULL, NULL, refreshed_cb, run);
  while (run->refreshing && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  return !run->refreshing;
}

static void
test_download_and_stall (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("shoal-feed-dl-XXXXXX", NULL);
  g_autofree char *seed_dir = g_build_filename (tmp, "seed", NULL);
  g_autofree char *dl = g_build_filename (tmp, "downloads", NULL);
  g_autofree char *torrent_path = g_build_filename (seed_dir, "big.torrent", NULL);
  g_autofree char *size_env = g_strdup (g_getenv ("FEED_TEST_SIZE_MIB"));
  guint64 size_mib = size_env ? g_ascii_strtoull (size_env, NULL, 10) : 1024;
  g_autofree char *size_arg = g_strdup_printf ("%" G_GUINT64_FORMAT, size_mib);
  g_autoptr(GSubprocess) seed = NULL;
  g_autoptr(GDataInputStream) seed_out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FeedServer) server = feed_server_new ();
  g_autoptr(GString) many = g_string_new ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title>");
  g_autoptr(GBytes) many_bytes = NULL;
  g_autoptr(GBytes) series = NULL;
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("big");
  g_autofree char *port_line = NULL;
  g_autofree char *torrent_data = NULL;
  g_autofree char *enclosure = NULL;
  g_autofree char *series_xml = NULL;
  g_autofree char *series_url = NULL;
  g_autofree char *many_url = NULL;
  g_autofree char *file = NULL;
  gsize torrent_len;
  SfNode *node;
  Run run = { 0 };
  Stall stall = { 0 };
  guint tick, refresher;
  gint64 started, elapsed, deadline;
  GStatBuf st;

  g_assert_cmpint (g_mkdir_with_parents (seed_dir, 0700), ==, 0);
  seed = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                           "/usr/bin/python3", FEED_SEED, seed_dir, size_arg, NULL);
  g_assert_no_error (error);
  seed_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (seed));
  port_line = g_data_input_stream_read_line (seed_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (port_line);
  run.port = (guint) g_ascii_strtoull (port_line, NULL, 10);
  g_assert_cmpuint (run.port, >, 0);

  /* The feeds: one item with the torrent as enclosure; 20,000 others. */
  g_assert_true (g_file_get_contents (torrent_path, &torrent_data, &torrent_len, NULL));
  {
    g_autoptr(GBytes) t = g_bytes_new_take (g_steal_pointer (&torrent_data), torrent_len);

    feed_server_set (server, "/big.torrent", 200, "application/x-bittorrent", t, 0);
  }
  enclosure = feed_server_url (server, "/big.torrent");
  series_xml = g_strdup_printf ("<rss version=\"2.0\"><channel><title>Big</title>"
                                "<item><title>Big S01E01</title><guid>big-1</guid>"
                                "<enclosure url=\"%s\" type=\"application/x-bittorrent\" length=\"%" G_GUINT64_FORMAT "\"/>"
                                "</item></channel></rss>", enclosure, size_mib * 1024 * 1024);
  series = g_bytes_new (series_xml, strlen (series_xml));
  feed_server_set (server, "/series.xml", 200, "application/rss+xml", series, 0);
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (many, "<item><title>Item %u S03E%02u 1080p</title><guid>item-%u</guid>"
                            "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>"
                            "<enclosure url=\"http://127.0.0.1:1/%u.torrent\" length=\"1000\" "
                            "type=\"application/x-bittorrent\"/><description>%s</description></item>",
                            i, i % 50, i, i, "a description of some length, as feeds have them");
  g_string_append (many, "</channel></rss>");
  many_bytes = g_string_free_to_bytes (g_steal_pointer (&many));
  feed_server_set (server, "/many.xml", 200, "application/rss+xml", many_bytes, FEED_ROUTE_GZIP);
  g_test_message ("big feed: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (many_bytes));

  node = sf_node_new (tmp, "client");
  run.manager = shoal_feed_manager_new (node->session);
  g_signal_connect (run.manager, "torrent-added", G_CALLBACK (torrent_added_cb), &run);
  series_url = feed_server_url (server, "/series.xml");
  many_url = feed_server_url (server, "/many.xml");
  g_assert_nonnull (shoal_feed_manager_add_feed (run.manager, series_url, &error));
  run.many = shoal_feed_manager_add_feed (run.manager, many_url, &error);
  g_assert_no_error (error);
  g_object_set (rule, "must-contain", "big", "save-dir", dl, "label", "Big", NULL);
  g_assert_true (shoal_feed_manager_add_rule (run.manager, rule, &error));

  /* Measure from the first refresh to the end of the download. */
  {
    g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/schedstat", (int) gettid ());

    stall.fd = open (path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint (stall.fd, >=, 0);
  }
  tick = g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_tick_cb, &stall, NULL);
  started = g_get_monotonic_time ();
  g_assert_true (refresh_all (&run));
  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_added, ==, 1);
  g_assert_nonnull (run.torrent);

  /* FEED_TEST_NO_REFRESH=1: the same download without the refreshes, to
   * compare. */
  refresher = g_timeout_add (300, g_getenv ("FEED_TEST_NO_REFRESH") ? sf_wake_cb : refresh_many_cb, &run);
  deadline = g_get_monotonic_time () + 150 * G_USEC_PER_SEC;
  /* (a small FEED_TEST_SIZE_MIB completes before two refreshes) */
  while (((shoal_torrent_get_state (run.torrent) != SHOAL_TORRENT_STATE_SEEDING &&
           shoal_torrent_get_state (run.torrent) != SHOAL_TORRENT_STATE_ERROR) ||
          (run.n_refreshes < 2 && g_getenv ("FEED_TEST_NO_REFRESH") == NULL)) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - started;
  g_source_remove (refresher);
  g_source_remove (tick);
  close (stall.fd);
  while (run.refreshing)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("downloaded %" G_GUINT64_FORMAT " MiB in %.1f s with %u refreshes of the big feed; "
                  "%u ticks; longest gap %.1f ms, less waits for a CPU %.1f ms, most CPU time between ticks %.1f ms; "
                  "gaps over %d ms: %u, less waits: %u",
                  size_mib, elapsed / 1e6, run.n_refreshes, stall.ticks, stall.max_gap_us / 1000.0,
                  stall.max_own_us / 1000.0, stall.max_cpu_us / 1000.0, MAX_STALL_MS, stall.n_over_gap,
                  stall.n_over_own);
  g_assert_cmpint (shoal_torrent_get_state (run.torrent), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpstr (shoal_torrent_get_save_dir (run.torrent), ==, dl);
  g_assert_cmpstrv (shoal_torrent_get_labels (run.torrent), ((const char *[]) { "Big", NULL }));
  file = g_build_filename (dl, "big.bin", NULL);
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, (gint64) size_mib * 1024 * 1024);
  if (g_getenv ("FEED_TEST_NO_REFRESH") == NULL)
    g_assert_cmpuint (run.n_refreshes, >=, 2);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (run.many)), ==, 20000);
  /* The feeds' work on the main loop is CPU work (the fetch reads, the
   * merge and the rules, in slices); the main thread's CPU time between
   * two ticks bounds what it holds the loop. The longest gap, and the
   * gap less the waits for a CPU, are reported: on this shared machine
   * they include the container's CPU quota (a throttled thread neither
   * runs nor waits on a run queue), which FEED_TEST_NO_REFRESH=1 shows
   * as well without any feed. */
  g_assert_cmpint (stall.max_cpu_us, <, MAX_STALL_MS * 1000);

  /* A restart: the torrent comes back, the rule adds nothing again. */
  g_clear_object (&run.torrent);
  g_clear_object (&run.manager);
  run.n_added = 0;
  sf_node_restart (node);
  run.manager = shoal_feed_manager_new (node->session);
  g_signal_connect (run.manager, "torrent-added", G_CALLBACK (torrent_added_cb), &run);
  g_assert_true (shoal_feed_manager_load (run.manager, &error));
  g_assert_no_error (error);
  g_assert_true (refresh_all (&run));
  g_assert_no_error (run.error);
  g_assert_cmpuint (run.n_added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (node->session)), ==, 1);

  g_clear_object (&run.manager);
  sf_node_free (node);
  g_output_stream_close (g_subprocess_get_stdin_pipe (seed), NULL, NULL);
  g_subprocess_wait (seed, NULL, NULL);
  sf_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sf_init_logging ();
  g_test_add_func ("/interop/feeds/download-during-refreshes", test_download_and_stall);
  return g_test_run ();
}
