/* bench-ui-stall.c: how long the main window's main loop stalls with
 * 1,000 torrents and a download at full speed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage (a display, or Xvfb through run-gui-test.sh, and a session bus):
 *
 *   tests/run-gui-test.sh build/tests/bench-ui-stall [SECONDS] [N_TORRENTS]
 *
 * Starts the application with its window, adds N_TORRENTS (1,000) small
 * seeding torrents made of generated data, and one 1 GiB torrent (BENCH_SIZE_MIB) that
 * downloads on 127.0.0.1 from `shoal-cli seed` in another process (it is
 * removed and added again each time it completes, so it never stops).
 * Meanwhile a 1 ms timeout of high priority records the time between its
 * runs: any gap longer than that is the main loop busy with something
 * else. For SECONDS (20) per phase it prints the longest gap, the 99th
 * and 99.9th percentiles, and how many gaps exceeded 30 ms: first while
 * the download runs and nobody touches the window, then with the torrent
 * selected and the details pane switching to another page every three
 * seconds (user actions), with the list in its default order (newest
 * first) and then sorted by download rate, whose values change every
 * second.
 *
 * GTK draws with the cairo renderer unless GSK_RENDERER says otherwise:
 * under Xvfb the GL renderer runs on llvmpipe, which repaints the whole
 * window on the CPU at every frame (some 35 ms for 1280×760 on two
 * cores), and that would measure Mesa's rasterizer rather than Shoal.
 * Set GSK_RENDERER=gl to see it anyway.
 *
 * The seeder runs at a nice value of 10 (see seeder_setup()).
 *
 * Knobs: BENCH_SIZE_MIB=N sets the download's size (1024; at 4096 it does
 * not complete within a phase, so no removal and addition of a torrent
 * comes into the measure); BENCH_PAGE=NAME keeps one details page shown; BENCH_SEEDER_NICE=N
 * sets the seeder's nice value; BENCH_PLAINTEXT=1
 * turns peer encryption off on both ends; BENCH_LOG_STALLS=1 prints each
 * stall over 30 ms with its CLOCK_MONOTONIC bounds and the bench's last
 * action before it, to match with `perf record -k CLOCK_MONOTONIC`, and
 * how much of it the window's frames spent in layout and in paint.
 *
 * On a virtual machine the host may run something else on its virtual
 * CPUs for tens of milliseconds; the main thread then waits without
 * running. A stall spent mostly off the CPU while /proc/stat's steal time
 * grew by a tick or more is counted apart ("host steal"), and the longest
 * of the others is printed too.
 *
 * The exit status is 0 whatever the figures: it measures, it does not
 * judge.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "session-fixture.h"
#include "shoal-application.h"
#include "shoal-details-view.h"
#include "shoal-torrent-row.h"
#include "shoal-window-private.h"

#define BIG_SIZE       big_size ()
#define BIG_PIECE      (G_GUINT64_CONSTANT (1) << 20)
#define STALL_LIMIT_US 30000

/* BENCH_SIZE_MIB: the size of the download (1024 MiB). */
static guint64
big_size (void)
{
  const char *mib = g_getenv ("BENCH_SIZE_MIB");
  guint64 n = mib != NULL ? g_ascii_strtoull (mib, NULL, 10) : 1024;

  return CLAMP (n, 16, 64 * 1024) << 20;
}

static const char *last_event = "";
static gint64 last_event_time;
static ShoalApplication *app;
static ShoalWindow *window;
static char *tmp_dir;

/* Stall recording */

typedef struct
{
  GArray *gaps;        /* gint64 microseconds between two runs of the probe */
  gint64  last;
  gint64  last_cpu;    /* this thread's CPU time at the last run */
  gint64  last_steal;  /* the host's steal time, read at most 10 ms ago */
  guint   n_runs;
  guint   n_stolen;    /* stalls over the limit spent mostly off a stolen CPU */
  gint64  max_own;     /* the longest gap not counted in n_stolen */
  gint64  max_cpu;     /* the most CPU time the main thread spent in one gap */
  guint   n_cpu_over;  /* gaps in which it spent more than the limit */
  guint   id;
} Probe;

/* Time spent in the window's frames since the probe last ran: from the
 * frame clock's before-paint to the end of its layout phase (updates and
 * size allocation), then to the end of its paint phase (snapshot and
 * render). A stall with little of either is the main loop's own work. */
static gint64 frame_phase_start;
static gint64 frame_layout_us;
static gint64 frame_paint_us;

static void
frame_before_paint_cb (GdkFrameClock *clock)
{
  frame_phase_start = g_get_monotonic_time ();
}

static void
frame_layout_cb (GdkFrameClock *clock)
{
  gint64 now = g_get_monotonic_time ();

  frame_layout_us += now - frame_phase_start;
  frame_phase_start = now;
}

static void
frame_paint_cb (GdkFrameClock *clock)
{
  gint64 now = g_get_monotonic_time ();

  frame_paint_us += now - frame_phase_start;
  frame_phase_start = now;
}

static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* On a virtual machine, the time the host ran something else on this
 * machine's virtual CPUs (the "steal" column of /proc/stat, all CPUs
 * together), in microseconds. The kernel sees a thread running during
 * that time, but it does not run. */
static gint64
host_steal_time (void)
{
  g_autofree char *stat = NULL;
  guint64 v[8] = { 0 };

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL) ||
      sscanf (stat, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
    return 0;
  return (gint64) (v[7] * G_USEC_PER_SEC / (guint64) sysconf (_SC_CLK_TCK));
}

static gboolean
probe_cb (gpointer user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - probe->last;
  gint64 cpu = thread_cpu_time ();
  gint64 steal = 0;
  gboolean stolen = FALSE;

  g_array_append_val (probe->gaps, gap);
  if (gap > STALL_LIMIT_US || ++probe->n_runs % 10 == 0)
    {
      steal = host_steal_time ();
      /* Mostly off the CPU, while the host took at least a tick of it:
       * the stall is the virtual machine's, not the program's. */
      stolen = gap > STALL_LIMIT_US && steal - probe->last_steal >= 10000 && cpu - probe->last_cpu < gap / 2;
      probe->last_steal = steal;
    }
  if (stolen)
    probe->n_stolen++;
  else
    probe->max_own = MAX (probe->max_own, gap);
  /* On a loaded machine a gap is mostly waiting for a CPU: what the main
   * thread itself ran in it is the figure that load does not inflate. */
  probe->max_cpu = MAX (probe->max_cpu, cpu - probe->last_cpu);
  probe->n_cpu_over += cpu - probe->last_cpu > STALL_LIMIT_US;
  /* BENCH_LOG_STALLS=1: when each long stall happened, to match against
   * `perf record -k CLOCK_MONOTONIC` samples. */
  if (gap > STALL_LIMIT_US && g_getenv ("BENCH_LOG_STALLS") != NULL)
    g_printerr ("stall %.6f %.6f %.1f ms (%.1f ms on the CPU%s), %.0f ms after %s; frame layout %.1f ms, paint %.1f ms\n",
                probe->last / 1e6, now / 1e6, gap / 1e3, (cpu - probe->last_cpu) / 1e3,
                stolen ? ", host steal" : "", (probe->last - last_event_time) / 1e3, last_event,
                frame_layout_us / 1e3, frame_paint_us / 1e3);
  frame_layout_us = frame_paint_us = 0;
  probe->last = now;
  probe->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  probe->gaps = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 40000);
  probe->last = g_get_monotonic_time ();
  probe->last_cpu = thread_cpu_time ();
  probe->last_steal = host_steal_time ();
  probe->n_runs = probe->n_stolen = 0;
  probe->max_own = 0;
  probe->max_cpu = 0;
  probe->n_cpu_over = 0;
  probe->id = g_timeout_add_full (G_PRIORITY_HIGH, 1, probe_cb, probe, NULL);
}

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
probe_report (Probe      *probe,
              const char *phase)
{
  guint n = probe->gaps->len;
  guint over = 0;
  gint64 *v;

  g_clear_handle_id (&probe->id, g_source_remove);
  g_array_sort (probe->gaps, compare_gaps);
  v = (gint64 *) (gpointer) probe->gaps->data;
  for (guint i = 0; i < n; i++)
    over += v[i] > STALL_LIMIT_US;
  if (n == 0)
    g_print ("%-28s no samples\n", phase);
  else
    g_print ("%-28s samples %6u  p50 %5.1f ms  p99 %5.1f ms  p99.9 %5.1f ms  max %6.1f ms  >30 ms: %u"
             " (host steal: %u; max without them %.1f ms)\n",
             phase, n, v[n / 2] / 1000.0, v[(guint) (n * 0.99)] / 1000.0, v[(guint) (n * 0.999)] / 1000.0,
             v[n - 1] / 1000.0, over, probe->n_stolen, probe->max_own / 1000.0);
  if (n > 0)
    g_print ("%-28s most CPU time in one stall %.1f ms; stalls with over 30 ms of CPU: %u\n", "",
             probe->max_cpu / 1000.0, probe->n_cpu_over);
  g_array_unref (probe->gaps);
  probe->gaps = NULL;
}

/* Helpers */

static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

static ShoalSession *
session (void)
{
  return shoal_application_get_session (app);
}

/* A torrent of zeros: one piece hash repeated, and the seeder's data is a
 * sparse file, so 1 GiB costs neither memory nor disk to set up. */
static ShoalMetainfo *
make_zero_torrent (const char *name)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autofree guint8 *zeros = g_malloc0 (BIG_PIECE);
  g_autofree guint8 *hashes = g_malloc (BIG_SIZE / BIG_PIECE * 20);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 digest[SHOAL_SHA1_LEN];
  ShoalMetainfo *info;

  shoal_sha1 (zeros, BIG_PIECE, digest);
  for (guint64 i = 0; i < BIG_SIZE / BIG_PIECE; i++)
    memcpy (hashes + i * 20, digest, 20);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "length");
  shoal_bencode_writer_integer (w, (gint64) BIG_SIZE);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) BIG_PIECE);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes, BIG_SIZE / BIG_PIECE * 20);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return info;
}

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
port_open (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

/* The seeder: `shoal-cli seed` in its own process, so that its work does
 * not run on the main loop being measured. */
/* The seeder stands for a peer on another machine: here it shares the two
 * cores with the application measured, and would take the main loop's
 * turns on them (the kernel then reports the main thread runnable but
 * waiting, for 40 ms and more). A nice value of BENCH_SEEDER_NICE (10)
 * makes it yield to the application; 0 puts them on equal terms. */
static void
seeder_setup (gpointer user_data)
{
  const char *nice = g_getenv ("BENCH_SEEDER_NICE");

  (void) setpriority (PRIO_PROCESS, 0, nice != NULL ? atoi (nice) : 10);
}

static GPid
start_seeder (ShoalMetainfo *info,
              guint16        port)
{
  g_autofree char *seed_dir = g_build_filename (tmp_dir, "seeder", NULL);
  g_autofree char *data = g_build_filename (seed_dir, shoal_metainfo_get_name (info), NULL);
  g_autofree char *torrent = g_build_filename (tmp_dir, "big.torrent", NULL);
  g_autofree char *state = g_build_filename (tmp_dir, "seeder-state", NULL);
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
  g_autofree char *state_arg = g_strdup_printf ("--state-dir=%s", state);
  const char *cli = g_getenv ("SHOAL_CLI") != NULL ? g_getenv ("SHOAL_CLI") : SHOAL_CLI_PATH;
  const char *argv[] = { cli, "seed", "--quiet", "--listen-address=127.0.0.1", port_arg, state_arg,
                         torrent, seed_dir, NULL, NULL };
  GBytes *bytes = shoal_metainfo_get_bytes (info);
  g_autoptr(GError) error = NULL;
  GPid pid;
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (seed_dir, 0700), ==, 0);
  fd = g_open (data, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) BIG_SIZE), ==, 0);
  g_close (fd, NULL);
  g_file_set_contents (torrent, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  if (g_getenv ("BENCH_PLAINTEXT") != NULL)
    argv[8] = "--encryption=plaintext";
  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, seeder_setup, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* The downloading torrent */

typedef struct
{
  ShoalMetainfo *info;
  ShoalTorrent  *torrent;
  char          *peer;
  char          *save_dir;
  guint          readd_id;
  guint          rounds;
} Download;

static void download_add (Download *download);

static gboolean
readd_cb (gpointer user_data)
{
  Download *download = user_data;

  download->readd_id = 0;
  last_event = "re-adding the download";
  last_event_time = g_get_monotonic_time ();
  /* As a user removing it with its data: the file's name is free at once,
   * its blocks are freed by a worker thread. */
  shoal_session_remove_torrent (session (), download->torrent, TRUE);
  download->rounds++;
  download_add (download);
  return G_SOURCE_REMOVE;
}

static void
completed_cb (ShoalTorrent *torrent,
              Download     *download)
{
  /* Not from inside the engine's signal. */
  if (download->readd_id == 0)
    download->readd_id = g_idle_add (readd_cb, download);
}

static void
download_add (Download *download)
{
  g_autoptr(GError) error = NULL;

  download->torrent = shoal_session_add_torrent (session (), download->info, download->save_dir,
                                                 SHOAL_ADD_FLAGS_NO_SAVE, &error);
  g_assert_no_error (error);
  g_signal_connect (download->torrent, "completed", G_CALLBACK (completed_cb), download);
  shoal_torrent_add_peer (download->torrent, download->peer, &error);
  g_assert_no_error (error);
}

/* Phases */

static void
select_torrent (ShoalTorrent *torrent)
{
  GtkSelectionModel *selection = shoal_window_get_selection (window);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (shoal_torrent_row_get_torrent (row) == torrent)
        {
          gtk_selection_model_select_item (selection, i, TRUE);
          return;
        }
    }
}

static void
measure_phase (const char *name,
               Download   *download,
               guint       seconds)
{
  static const char *pages[] = { "general", "pieces", "peers", "files", "trackers", "bandwidth" };
  Probe probe = { 0 };
  guint64 received = 0;

  probe_start (&probe);
  for (guint s = 0; s < seconds; s++)
    {
      /* The selected torrent may have been added again meanwhile. */
      select_torrent (download->torrent);
      if (g_getenv ("BENCH_PAGE") != NULL)
        shoal_details_view_set_visible_page (SHOAL_DETAILS_VIEW (window->details_view), g_getenv ("BENCH_PAGE"));
      else if (s % 3 == 0)
        {
          last_event = pages[(s / 3) % G_N_ELEMENTS (pages)];
          last_event_time = g_get_monotonic_time ();
          shoal_details_view_set_visible_page (SHOAL_DETAILS_VIEW (window->details_view), last_event);
        }
      run_for (1000);
      received += shoal_torrent_get_download_rate (download->torrent);
    }
  probe_report (&probe, name);
  g_print ("%-28s download %.0f MiB/s on average, %u complete downloads so far\n", "",
           received / (double) seconds / (1 << 20), download->rounds);
}

static gboolean
window_shown (void)
{
  return gtk_widget_get_mapped (GTK_WIDGET (window));
}

int
main (int   argc,
      char *argv[])
{
  guint seconds = argc > 1 ? (guint) atoi (argv[1]) : 20;
  guint n_torrents = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *small_dir = NULL;
  g_autoptr(GPtrArray) small = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_torrent_free);
  Download download = { 0 };
  Probe probe = { 0 };
  guint16 port;
  GPid seeder;
  gint64 start;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    g_setenv ("GSETTINGS_SCHEMA_DIR", BENCH_SCHEMA_DIR, TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  /* Nothing outside this machine: no public DHT routers, no multicast. */
  g_setenv ("SHOAL_DHT_BOOTSTRAP", "none", FALSE);
  g_setenv ("SHOAL_LSD", "off", FALSE);
  gtk_init ();

  tmp_dir = g_dir_make_tmp ("shoal-bench-ui-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (tmp_dir, "state", NULL);
  small_dir = g_build_filename (tmp_dir, "small", NULL);
  download.save_dir = g_build_filename (tmp_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download.save_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (small_dir, 0700), ==, 0);
  g_setenv ("SHOAL_STATE_DIR", state_dir, TRUE);
  g_setenv ("SHOAL_DOWNLOAD_DIR", download.save_dir, TRUE);

  /* The seeder checks its 1 GiB while the rest is set up. */
  download.info = make_zero_torrent ("zeros.bin");
  port = free_port ();
  seeder = start_seeder (download.info, port);
  download.peer = g_strdup_printf ("127.0.0.1:%u", port);

  g_print ("Generating %u torrents…\n", n_torrents);
  for (guint i = 0; i < n_torrents; i++)
    {
      static const guint64 length = 16384;
      g_autofree char *name = g_strdup_printf ("small-%04u.bin", i);
      SfTorrent *t = sf_torrent_new (name, &length, 1, 16384, i + 1);

      sf_torrent_write (t, small_dir);
      g_ptr_array_add (small, t);
    }

  settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  g_settings_set_boolean (settings, "random-port", TRUE);
  g_settings_set_boolean (settings, "notify-on-complete", FALSE);
  g_settings_set_int (settings, "window-width", 1280);
  g_settings_set_int (settings, "window-height", 760);
  /* BENCH_PLAINTEXT=1: no RC4 on either side, to see what it costs. */
  if (g_getenv ("BENCH_PLAINTEXT") != NULL)
    g_settings_set_string (settings, "encryption", "allow-plaintext");

  app = shoal_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = SHOAL_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);
  while (!window_shown ())
    g_main_context_iteration (NULL, TRUE);
  run_for (500);
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

    g_signal_connect (clock, "before-paint", G_CALLBACK (frame_before_paint_cb), NULL);
    g_signal_connect (clock, "layout", G_CALLBACK (frame_layout_cb), NULL);
    g_signal_connect (clock, "paint", G_CALLBACK (frame_paint_cb), NULL);
  }
  g_print ("Renderer: %s\n", G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));

  /* Adding them all is a stall of its own, reported apart. */
  probe_start (&probe);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < small->len; i++)
    {
      SfTorrent *t = g_ptr_array_index (small, i);

      shoal_session_add_torrent (session (), t->info, small_dir, SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_NO_SAVE,
                                 &error);
      g_assert_no_error (error);
      /* As files dropped one after another would: the loop runs between. */
      g_main_context_iteration (NULL, FALSE);
    }
  g_print ("Added %u torrents in %.2f s\n", small->len, (g_get_monotonic_time () - start) / 1e6);
  run_for (2000);
  probe_report (&probe, "adding the torrents");

  probe_start (&probe);
  run_for (5000);
  probe_report (&probe, "idle list, no download");

  g_print ("Waiting for the seeder on port %u…\n", port);
  start = g_get_monotonic_time ();
  while (!port_open (port))
    {
      if (g_get_monotonic_time () - start > 120 * G_USEC_PER_SEC)
        g_error ("The seeder did not start");
      run_for (200);
    }
  download_add (&download);
  while (shoal_torrent_get_download_rate (download.torrent) == 0 &&
         g_get_monotonic_time () - start < 120 * G_USEC_PER_SEC)
    run_for (200);

  /* The steady state: downloading at full speed, the list refreshed every
   * second, nobody touching the window. */
  probe_start (&probe);
  run_for (seconds * 1000);
  probe_report (&probe, "downloading, no user action");

  measure_phase ("newest first", &download, seconds);
  shoal_window_set_sort (window, "download-rate", TRUE);
  measure_phase ("sorted by download rate", &download, seconds);

  g_clear_handle_id (&download.readd_id, g_source_remove);
  kill (seeder, SIGTERM);
  g_spawn_close_pid (seeder);
  gtk_window_destroy (GTK_WINDOW (window));
  shoal_session_close (session ());
  g_clear_object (&app);
  sf_rm_rf (tmp_dir);
  g_free (tmp_dir);
  g_free (download.peer);
  g_free (download.save_dir);
  g_clear_object (&download.info);
  return 0;
}
