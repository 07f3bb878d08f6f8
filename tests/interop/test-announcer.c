/* test-announcer.c: ShoalAnnouncer against a real opentracker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts its own opentracker on 127.0.0.1 (HTTP and UDP on one
 * port) with a whitelist holding one info-hash, so counts start from zero.
 * Every wait runs the main loop until a condition holds, bounded in time.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "shoal-announcer-testing.h"
#include "shoal-tracker-http.h"

#ifndef RUN_OPENTRACKER
#error "RUN_OPENTRACKER must name run-opentracker.sh"
#endif

#define WAIT_MS 20000u /* generous: CI machines are busy */

static const guint8 whitelisted_hash[20] = {
  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
  0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
};
static const guint8 other_hash[20] = {
  0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xfe, 0xdc,
  0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xfe, 0xdc, 0xba, 0x98,
};

typedef struct
{
  guint64 uploaded;
  guint64 left;
  guint   calls;
} Stats;

typedef struct
{
  ShoalAnnouncer *announcer;
  Stats           stats;
  guint           peers_signals;
  GArray         *last_peers;    /* ShoalTrackerPeer */
  gchar          *last_peers_url;
  guint           error_signals;
  GError         *last_error;
  gchar          *last_error_url;
} Client;

typedef struct
{
  GSubprocess *helper;
  GPid         pid;        /* opentracker itself */
  gchar       *dir;
  gchar       *whitelist;
  guint16      port;
  guint16      dead_port;
  gchar       *http_url;
  gchar       *udp_url;
  gchar       *dead_url;
  SoupSession *soup;
  Client       clients[2];
} Fixture;

/* Waiting ---------------------------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context until @cond holds or @timeout_ms passed. */
static gboolean
wait_until (Condition cond,
            gpointer  data,
            guint     timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  gboolean ok;

  while (!(ok = cond (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return ok;
}

/* Runs the main loop for @ms, for things that must not happen. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  gboolean              done;
  ShoalTrackerResponse *response;
  GError               *error;
} AnnounceResult;

static void
probe_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AnnounceResult *out = user_data;

  (void) source;
  out->response = shoal_tracker_http_announce_finish (result, &out->error);
  out->done = TRUE;
}

static gboolean
announce_done (gpointer data)
{
  return ((AnnounceResult *) data)->done;
}

/* opentracker ------------------------------------------------------------ */

/* A port free for both UDP and TCP on 127.0.0.1: opentracker listens on
 * both, and on a busy machine the TCP side of a free UDP port can be some
 * connection's ephemeral port. */
static guint16
free_port (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                             G_SOCKET_PROTOCOL_UDP, NULL);
      g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      guint16 port;

      g_assert_nonnull (udp);
      g_assert_nonnull (tcp);
      g_assert_true (g_socket_bind (udp, any, FALSE, NULL));
      bound = g_socket_get_local_address (udp, NULL);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      same = g_inet_socket_address_new (loopback, port);
      if (g_socket_bind (tcp, same, TRUE, NULL))
        return port;
    }
  g_assert_not_reached ();
}

/* Ready means listening with the whitelist loaded (opentracker reads it in
 * the background). A `stopped` announce is answered before the whitelist
 * is read (a loaded machine then refused the first real announce), so the
 * probe is a regular announce of the listed torrent, which only a loaded
 * whitelist lets through; a `stopped` then takes the probe's peer away, so
 * counts start from zero. */
static gboolean
probe_announce (Fixture           *fixture,
                ShoalTrackerEvent  event,
                GError           **error)
{
  ShoalTrackerRequest probe;
  AnnounceResult result = { FALSE, NULL, NULL };

  memset (&probe, 0, sizeof probe);
  memcpy (probe.info_hash, whitelisted_hash, 20);
  memcpy (probe.peer_id, "-SH0001-probeprobepr", 20);
  probe.port = 1;
  probe.event = event;
  probe.numwant = 0;
  shoal_tracker_http_announce_async (fixture->soup, fixture->http_url, &probe, 1000, NULL,
                                     probe_cb, &result);
  g_assert_true (wait_until (announce_done, &result, WAIT_MS));
  if (result.response == NULL)
    {
      g_propagate_error (error, result.error);
      return FALSE;
    }
  g_clear_pointer (&result.response, shoal_tracker_response_free);
  return TRUE;
}

static gboolean
opentracker_ready (Fixture *fixture)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr(GError) error = NULL;

      if (probe_announce (fixture, SHOAL_TRACKER_EVENT_NONE, &error))
        {
          g_assert_true (probe_announce (fixture, SHOAL_TRACKER_EVENT_STOPPED, NULL));
          return TRUE;
        }
      g_test_message ("opentracker not ready yet: %s", error->message);
      spin (100);
    }
  return FALSE;
}

static void
start_opentracker (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *opentracker = g_find_program_in_path ("opentracker");
  g_autofree gchar *port = NULL;
  g_autofree gchar *line = NULL;

  g_assert_nonnull (opentracker);
  fixture->port = free_port ();
  port = g_strdup_printf ("%u", fixture->port);

  /* The helper stops opentracker when our end of its stdin closes, even if
   * this test dies. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  fixture->helper = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", RUN_OPENTRACKER,
                                                 opentracker, fixture->whitelist, port, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->helper));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  fixture->pid = (GPid) g_ascii_strtoll (line, NULL, 10);
  g_assert_cmpint (fixture->pid, >, 1);
}

/* Clients ---------------------------------------------------------------- */

static void
stats_cb (gpointer  user_data,
          guint64  *uploaded,
          guint64  *downloaded,
          guint64  *left)
{
  Stats *stats = user_data;

  stats->calls++;
  *uploaded = stats->uploaded;
  *downloaded = 0;
  *left = stats->left;
}

static void
peers_cb (ShoalAnnouncer *announcer,
          GArray         *peers,
          const char     *url,
          Client         *client)
{
  g_assert_true (announcer == client->announcer);
  client->peers_signals++;
  g_clear_pointer (&client->last_peers, g_array_unref);
  client->last_peers = g_array_copy (peers);
  g_free (client->last_peers_url);
  client->last_peers_url = g_strdup (url);
}

static void
error_cb (ShoalAnnouncer *announcer,
          const char     *url,
          const GError   *error,
          Client         *client)
{
  g_assert_true (announcer == client->announcer);
  client->error_signals++;
  g_clear_error (&client->last_error);
  client->last_error = g_error_copy (error);
  g_free (client->last_error_url);
  client->last_error_url = g_strdup (url);
}

static ShoalAnnouncer *
client_new (Fixture      *fixture,
            guint         index,
            const guint8 *hash,
            guint16       port)
{
  Client *client = &fixture->clients[index];
  guint8 peer_id[20];

  g_assert_null (client->announcer);
  memcpy (peer_id, "-SH0001-", 8);
  for (guint i = 8; i < 20; i++)
    peer_id[i] = (guint8) ('a' + (gint) index + (gint) i);
  client->stats.left = 1000;
  client->announcer = shoal_announcer_new (fixture->soup, hash, peer_id, port, stats_cb, &client->stats);
  /* A dead tracker is given up on within 1.75 s; a live one on a loaded
   * machine gets three chances (with 100 ms and 2 tries, opentracker once
   * missed 300 ms under load, and the tier waited its 60 s retry). */
  shoal_announcer_set_udp_retransmission (client->announcer, 250, 3);
  g_signal_connect (client->announcer, "peers", G_CALLBACK (peers_cb), client);
  g_signal_connect (client->announcer, "error", G_CALLBACK (error_cb), client);
  return client->announcer;
}

static void
client_clear (Client *client)
{
  if (client->announcer != NULL)
    {
      shoal_announcer_stop (client->announcer);
      g_assert_finalize_object (g_steal_pointer (&client->announcer));
    }
  g_clear_pointer (&client->last_peers, g_array_unref);
  g_clear_pointer (&client->last_peers_url, g_free);
  g_clear_pointer (&client->last_error_url, g_free);
  g_clear_error (&client->last_error);
}

static ShoalTrackerInfo *
tracker_at (ShoalAnnouncer *announcer,
            guint           position)
{
  GListModel *model = shoal_announcer_get_trackers (announcer);
  g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (model, position);

  g_assert_nonnull (info);
  return info;  /* the model keeps it alive */
}

static ShoalTrackerInfo *
tracker_by_url (ShoalAnnouncer *announcer,
                const char     *url)
{
  GListModel *model = shoal_announcer_get_trackers (announcer);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      ShoalTrackerInfo *info = tracker_at (announcer, i);

      if (g_strcmp0 (shoal_tracker_info_get_url (info), url) == 0)
        return info;
    }
  g_assert_not_reached ();
  return NULL;
}

static void
set_tiers (ShoalAnnouncer *announcer,
           const char     *tier0,
           ...)
{
  g_autoptr(GPtrArray) tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  va_list args;
  const char *spec;

  /* Each argument is one tier, URLs separated by spaces; NULL ends. */
  va_start (args, tier0);
  for (spec = tier0; spec != NULL; spec = va_arg (args, const char *))
    g_ptr_array_add (tiers, g_strsplit (spec, " ", -1));
  va_end (args);
  shoal_announcer_set_tiers (announcer, tiers);
}

static gboolean
has_peer_port (GArray  *peers,
               guint16  port)
{
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      const ShoalTrackerPeer *peer = &g_array_index (peers, ShoalTrackerPeer, i);

      if (peer->family == G_SOCKET_FAMILY_IPV4 && peer->port == port &&
          memcmp (peer->addr, "\x7f\x00\x00\x01", 4) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Conditions ------------------------------------------------------------- */

typedef struct
{
  ShoalAnnouncer     *announcer;
  const char         *url;
  ShoalTrackerStatus  status;
} StatusWait;

static gboolean
status_is (gpointer data)
{
  StatusWait *wait = data;

  return shoal_tracker_info_get_status (tracker_by_url (wait->announcer, wait->url)) == wait->status;
}

static void
assert_status_reached (ShoalAnnouncer     *announcer,
                       const char         *url,
                       ShoalTrackerStatus  status)
{
  StatusWait wait = { announcer, url, status };

  if (!wait_until (status_is, &wait, WAIT_MS))
    {
      ShoalTrackerInfo *info = tracker_by_url (announcer, url);

      g_error ("%s: status %d (%s), expected %d", url, shoal_tracker_info_get_status (info),
               shoal_tracker_info_get_message (info), status);
    }
}

typedef struct
{
  guint *counter;
  guint  target;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return *wait->counter >= wait->target;
}

static void
assert_count_reached (guint *counter,
                      guint  target)
{
  CountWait wait = { counter, target };

  g_assert_true (wait_until (count_reached, &wait, WAIT_MS));
}

/* Scrape ----------------------------------------------------------------- */

typedef struct
{
  gboolean done;
  gint64   complete;
  gint64   incomplete;
  gint64   downloaded;
} ScrapeResult;

static void
scrape_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ScrapeResult *out = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = shoal_tracker_http_scrape_finish (result, &error);

  (void) source;
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  out->complete = g_array_index (entries, ShoalTrackerScrapeEntry, 0).complete;
  out->incomplete = g_array_index (entries, ShoalTrackerScrapeEntry, 0).incomplete;
  out->downloaded = g_array_index (entries, ShoalTrackerScrapeEntry, 0).downloaded;
  out->done = TRUE;
}

static gboolean
scrape_done (gpointer data)
{
  return ((ScrapeResult *) data)->done;
}

static ScrapeResult
scrape (Fixture *fixture)
{
  ScrapeResult result = { FALSE, -1, -1, -1 };

  shoal_tracker_http_scrape_async (fixture->soup, fixture->http_url, whitelisted_hash, 1, 5000,
                                   NULL, scrape_cb, &result);
  g_assert_true (wait_until (scrape_done, &result, WAIT_MS));
  return result;
}

/* Scrapes until the counts are the ones given, within WAIT_MS. */
static void
assert_scrape_reaches (Fixture *fixture,
                       gint64   complete,
                       gint64   incomplete,
                       gint64   downloaded)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  ScrapeResult result;

  for (;;)
    {
      result = scrape (fixture);
      if (result.complete == complete && result.incomplete == incomplete &&
          (downloaded < 0 || result.downloaded == downloaded))
        return;
      if (g_get_monotonic_time () > deadline)
        break;
      spin (100);
    }
  g_error ("scrape stayed at complete=%" G_GINT64_FORMAT " incomplete=%" G_GINT64_FORMAT
           " downloaded=%" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
           "/%" G_GINT64_FORMAT, result.complete, result.incomplete, result.downloaded,
           complete, incomplete, downloaded);
}

/* Fixture ---------------------------------------------------------------- */

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  fixture->dir = g_dir_make_tmp ("shoal-announcer-XXXXXX", &error);
  g_assert_no_error (error);
  /* opentracker reads the whitelist after dropping root for "nobody". */
  g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
  fixture->whitelist = g_build_filename (fixture->dir, "whitelist", NULL);
  g_file_set_contents_full (fixture->whitelist, "0123456789abcdef0123456789abcdef01234567\n", -1,
                            G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);

  fixture->soup = soup_session_new ();
  start_opentracker (fixture);
  /* Nothing listens here: a UDP tracker that never answers. */
  do
    fixture->dead_port = free_port ();
  while (fixture->dead_port == fixture->port);

  fixture->http_url = g_strdup_printf ("http://127.0.0.1:%u/announce", fixture->port);
  fixture->udp_url = g_strdup_printf ("udp://127.0.0.1:%u/announce", fixture->port);
  fixture->dead_url = g_strdup_printf ("udp://127.0.0.1:%u/announce", fixture->dead_port);
  g_assert_true (opentracker_ready (fixture));
}

static gboolean
helper_exited (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (fixture->clients); i++)
    client_clear (&fixture->clients[i]);
  /* Let the `stopped` announces finish before the tracker goes away. */
  spin (200);
  g_clear_object (&fixture->soup);

  g_assert_cmpint (kill (fixture->pid, SIGTERM), ==, 0);
  g_output_stream_close (g_subprocess_get_stdin_pipe (fixture->helper), NULL, NULL);
  g_subprocess_wait_async (fixture->helper, NULL, NULL, NULL);
  g_assert_true (wait_until (helper_exited, fixture->helper, WAIT_MS));
  g_clear_object (&fixture->helper);

  g_assert_cmpint (g_unlink (fixture->whitelist), ==, 0);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_clear_pointer (&fixture->whitelist, g_free);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->http_url, g_free);
  g_clear_pointer (&fixture->udp_url, g_free);
  g_clear_pointer (&fixture->dead_url, g_free);
}

/* Tests ------------------------------------------------------------------ */

/* A `started` announce registers us: a second client, over UDP, gets the
 * first one as a peer; the tracker's counts show in the list model. */
static void
test_started_peers (Fixture       *fixture,
                    gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalAnnouncer *b = client_new (fixture, 1, whitelisted_hash, 7002);
  ShoalTrackerInfo *info;
  gint64 now;

  (void) data;
  set_tiers (a, fixture->http_url, NULL);
  set_tiers (b, fixture->udp_url, NULL);

  info = tracker_at (a, 0);
  g_assert_cmpint (shoal_tracker_info_get_status (info), ==, SHOAL_TRACKER_STATUS_IDLE);
  g_assert_cmpint (shoal_tracker_info_get_last_announce (info), ==, 0);
  spin (100);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, 0);  /* nothing before start */

  shoal_announcer_start (a);
  g_assert_cmpint (shoal_tracker_info_get_status (info), ==, SHOAL_TRACKER_STATUS_ANNOUNCING);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  g_assert_cmpint (shoal_tracker_info_get_status (info), ==, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_cmpstr (fixture->clients[0].last_peers_url, ==, fixture->http_url);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, 1);

  now = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_cmpint (shoal_tracker_info_get_last_announce (info), >=, now - 5);
  g_assert_cmpint (shoal_tracker_info_get_last_announce (info), <=, now);
  /* opentracker asks for about half an hour; clamped to at most an hour. */
  g_assert_cmpint (shoal_tracker_info_get_next_announce (info), >=, now + 60);
  g_assert_cmpint (shoal_tracker_info_get_next_announce (info), <=, now + 3600 + 5);
  g_assert_cmpint (shoal_tracker_info_get_leechers (info), ==, 1);
  g_assert_cmpint (shoal_tracker_info_get_seeders (info), ==, 0);

  shoal_announcer_start (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 1);
  g_assert_cmpstr (fixture->clients[1].last_peers_url, ==, fixture->udp_url);
  g_assert_true (has_peer_port (fixture->clients[1].last_peers, 7001));
  info = tracker_at (b, 0);
  g_assert_cmpint (shoal_tracker_info_get_status (info), ==, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_cmpint (shoal_tracker_info_get_leechers (info), ==, 2);
  g_assert_cmpuint (shoal_tracker_info_get_last_peers (info), ==, fixture->clients[1].last_peers->len);
  g_assert_cmpuint (fixture->clients[0].error_signals + fixture->clients[1].error_signals, ==, 0);

  assert_scrape_reaches (fixture, 0, 2, 0);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *counter)
{
  (void) object;
  (void) pspec;
  (*counter)++;
}

/* With a short interval the announces repeat on their own; properties that
 * keep their value are not notified again. */
static void
test_reannounce (Fixture       *fixture,
                 gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalAnnouncer *b = client_new (fixture, 1, whitelisted_hash, 7002);
  ShoalTrackerInfo *info;
  guint leechers_notifies = 0, url_notifies = 0, last_announce_notifies = 0;

  (void) data;
  set_tiers (a, fixture->udp_url, NULL);
  set_tiers (b, fixture->http_url, NULL);
  shoal_announcer_set_intervals_for_testing (a, 200, 0);
  info = tracker_at (a, 0);
  g_signal_connect (info, "notify::leechers", G_CALLBACK (count_notify_cb), &leechers_notifies);
  g_signal_connect (info, "notify::url", G_CALLBACK (count_notify_cb), &url_notifies);
  g_signal_connect (info, "notify::last-announce", G_CALLBACK (count_notify_cb), &last_announce_notifies);

  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 4);
  g_assert_cmpuint (fixture->clients[0].stats.calls, >=, 4);
  g_assert_cmpuint (leechers_notifies, ==, 1);  /* -1 → 1, then unchanged */
  g_assert_cmpuint (url_notifies, ==, 0);
  g_assert_cmpuint (last_announce_notifies, >=, 1);

  /* The regular announces bring news: the second peer shows up. */
  shoal_announcer_start (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 1);
  fixture->clients[0].peers_signals = 0;
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  g_assert_true (has_peer_port (fixture->clients[0].last_peers, 7002));
  g_assert_cmpint (shoal_tracker_info_get_leechers (info), ==, 2);
  g_assert_cmpuint (leechers_notifies, ==, 2);

  /* announce_now() announces without waiting for the interval. */
  shoal_announcer_set_intervals_for_testing (b, 0, 0);
  fixture->clients[1].peers_signals = 0;
  shoal_announcer_announce_now (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 1);
  g_assert_true (has_peer_port (fixture->clients[1].last_peers, 7001));
}

/* numwant follows set_want_peers(). */
static void
test_want_peers (Fixture       *fixture,
                 gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalAnnouncer *b = client_new (fixture, 1, whitelisted_hash, 7002);

  (void) data;
  set_tiers (a, fixture->http_url, NULL);
  set_tiers (b, fixture->http_url, NULL);
  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);

  shoal_announcer_set_want_peers (b, FALSE);
  shoal_announcer_start (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 1);
  g_assert_cmpuint (fixture->clients[1].last_peers->len, ==, 0);
  g_assert_cmpint (shoal_tracker_info_get_leechers (tracker_at (b, 0)), ==, 2);

  shoal_announcer_set_want_peers (b, TRUE);
  shoal_announcer_announce_now (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 2);
  g_assert_true (has_peer_port (fixture->clients[1].last_peers, 7001));
}

/* A tracker that does not answer gives way to the next one of its tier,
 * which then moves to the front. */
static void
test_tier_fallover (Fixture       *fixture,
                    gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  g_autoptr(GPtrArray) tiers = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerInfo *dead, *live;

  (void) data;
  /* Added one by one, so the order is known (set_tiers shuffles). */
  g_assert_true (shoal_announcer_add_tracker (a, fixture->dead_url, 0, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_announcer_add_tracker (a, fixture->http_url, 0, &error));
  g_assert_no_error (error);
  dead = tracker_at (a, 0);
  live = tracker_at (a, 1);
  g_assert_cmpstr (shoal_tracker_info_get_url (dead), ==, fixture->dead_url);

  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  g_assert_cmpint (shoal_tracker_info_get_status (dead), ==, SHOAL_TRACKER_STATUS_ERROR);
  g_assert_nonnull (shoal_tracker_info_get_message (dead));
  g_assert_cmpint (shoal_tracker_info_get_status (live), ==, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_cmpuint (fixture->clients[0].error_signals, ==, 0);

  tiers = shoal_announcer_dup_tiers (a);
  g_assert_cmpuint (tiers->len, ==, 1);
  g_assert_cmpstr (((char **) tiers->pdata[0])[0], ==, fixture->http_url);
  g_assert_cmpstr (((char **) tiers->pdata[0])[1], ==, fixture->dead_url);
  g_assert_null (((char **) tiers->pdata[0])[2]);
  g_assert_true (tracker_at (a, 0) == live);
  g_assert_cmpint (shoal_tracker_info_get_next_announce (live), >, 0);
  g_assert_cmpint (shoal_tracker_info_get_next_announce (dead), ==, 0);

  /* The next round starts from the working tracker. */
  fixture->clients[0].peers_signals = 0;
  shoal_announcer_announce_now (a);
  g_assert_cmpint (shoal_tracker_info_get_status (live), ==, SHOAL_TRACKER_STATUS_ANNOUNCING);
  g_assert_cmpint (shoal_tracker_info_get_status (dead), ==, SHOAL_TRACKER_STATUS_ERROR);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  assert_scrape_reaches (fixture, 0, 1, 0);
}

/* Every tier is announced to, each to its first working tracker: a dead
 * first tier does not keep the second one from working. */
static void
test_next_tier (Fixture       *fixture,
                gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalTrackerInfo *dead, *live;

  (void) data;
  set_tiers (a, fixture->dead_url, fixture->udp_url, NULL);
  dead = tracker_at (a, 0);
  live = tracker_at (a, 1);
  g_assert_cmpuint (shoal_tracker_info_get_tier (dead), ==, 0);
  g_assert_cmpuint (shoal_tracker_info_get_tier (live), ==, 1);
  shoal_announcer_set_intervals_for_testing (a, 0, 60000);

  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  g_assert_cmpstr (fixture->clients[0].last_peers_url, ==, fixture->udp_url);
  g_assert_cmpint (shoal_tracker_info_get_status (live), ==, SHOAL_TRACKER_STATUS_WORKING);
  assert_status_reached (a, fixture->dead_url, SHOAL_TRACKER_STATUS_ERROR);
  /* The dead tier waits for its retry; a tier works, so no error. */
  g_assert_cmpint (shoal_tracker_info_get_next_announce (dead), >, g_get_real_time () / G_USEC_PER_SEC + 30);
  g_assert_cmpuint (fixture->clients[0].error_signals, ==, 0);
  assert_scrape_reaches (fixture, 0, 1, 0);
}

/* When no tracker of any tier answers, "error" is emitted, again at each
 * retry; trackers of an unknown scheme are shown and never contacted. */
static void
test_all_failed (Fixture       *fixture,
                 gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalTrackerInfo *wss;

  (void) data;
  set_tiers (a, "wss://127.0.0.1:1/announce", fixture->dead_url, NULL);
  wss = tracker_by_url (a, "wss://127.0.0.1:1/announce");
  g_assert_cmpint (shoal_tracker_info_get_status (wss), ==, SHOAL_TRACKER_STATUS_ERROR);
  g_assert_nonnull (strstr (shoal_tracker_info_get_message (wss), "wss"));
  shoal_announcer_set_intervals_for_testing (a, 0, 100);

  shoal_announcer_start (a);
  g_assert_cmpint (shoal_tracker_info_get_status (wss), ==, SHOAL_TRACKER_STATUS_ERROR);
  g_assert_cmpint (shoal_tracker_info_get_next_announce (wss), ==, 0);
  assert_count_reached (&fixture->clients[0].error_signals, 1);
  g_assert_cmpstr (fixture->clients[0].last_error_url, ==, fixture->dead_url);
  g_assert_error (fixture->clients[0].last_error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT);
  g_assert_cmpstr (shoal_tracker_info_get_message (tracker_by_url (a, fixture->dead_url)), ==,
                   fixture->clients[0].last_error->message);
  /* Retried with backoff (100 ms, 200 ms, …), failing each time. */
  assert_count_reached (&fixture->clients[0].error_signals, 3);
  g_assert_cmpuint (fixture->clients[0].peers_signals, ==, 0);

  /* Only unsupported trackers: one error at start, and nothing more. */
  fixture->clients[0].error_signals = 0;
  shoal_announcer_stop (a);
  set_tiers (a, "wss://127.0.0.1:1/announce", NULL);
  shoal_announcer_start (a);
  g_assert_cmpuint (fixture->clients[0].error_signals, ==, 1);
  g_assert_error (fixture->clients[0].last_error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_UNSUPPORTED);
  spin (300);
  g_assert_cmpuint (fixture->clients[0].error_signals, ==, 1);
}

/* A torrent the tracker does not serve: the tracker's reason is shown. */
static void
test_not_whitelisted (Fixture       *fixture,
                      gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, other_hash, 7001);
  ShoalTrackerInfo *http, *udp;

  (void) data;
  set_tiers (a, fixture->http_url, fixture->udp_url, NULL);
  http = tracker_by_url (a, fixture->http_url);
  udp = tracker_by_url (a, fixture->udp_url);
  shoal_announcer_set_intervals_for_testing (a, 0, 60000);

  shoal_announcer_start (a);
  assert_status_reached (a, fixture->http_url, SHOAL_TRACKER_STATUS_ERROR);
  assert_status_reached (a, fixture->udp_url, SHOAL_TRACKER_STATUS_ERROR);
  g_assert_cmpstr (shoal_tracker_info_get_message (http), ==,
                   "Requested download is not authorized for use with this tracker.");
  g_assert_nonnull (shoal_tracker_info_get_message (udp));
  assert_count_reached (&fixture->clients[0].error_signals, 1);
  g_assert_cmpuint (fixture->clients[0].peers_signals, ==, 0);
  g_assert_cmpint (shoal_tracker_info_get_last_announce (http), ==, 0);
}

static gboolean
downloaded_is_one (gpointer data)
{
  return shoal_tracker_info_get_downloaded (data) == 1;
}

/* `completed` and `stopped` reach the tracker: its counts follow. */
static void
test_completed_stopped (Fixture       *fixture,
                        gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalTrackerInfo *info;
  guint calls;

  (void) data;
  set_tiers (a, fixture->udp_url, NULL);
  info = tracker_at (a, 0);
  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  assert_scrape_reaches (fixture, 0, 1, 0);

  fixture->clients[0].stats.left = 0;
  calls = fixture->clients[0].stats.calls;
  shoal_announcer_completed (a);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, calls + 1);  /* at once */
  assert_count_reached (&fixture->clients[0].peers_signals, 2);
  assert_scrape_reaches (fixture, 1, 0, 1);

  /* Scrape fills the download count, which announces do not give. */
  g_assert_cmpint (shoal_tracker_info_get_downloaded (info), ==, 0);  /* scraped after `started` */
  shoal_announcer_scrape_now (a);
  g_assert_true (wait_until (downloaded_is_one, info, WAIT_MS));
  g_assert_cmpint (shoal_tracker_info_get_seeders (info), ==, 1);
  g_assert_cmpint (shoal_tracker_info_get_leechers (info), ==, 0);

  shoal_announcer_stop (a);
  g_assert_cmpint (shoal_tracker_info_get_status (info), ==, SHOAL_TRACKER_STATUS_IDLE);
  g_assert_cmpint (shoal_tracker_info_get_next_announce (info), ==, 0);
  /* The announcer need not outlive its `stopped` announce. */
  g_assert_finalize_object (g_steal_pointer (&fixture->clients[0].announcer));
  assert_scrape_reaches (fixture, 0, 0, 1);
}

/* `completed` goes only to trackers that had our `started`; a stopped
 * announcer schedules nothing. */
static void
test_completed_before_started (Fixture       *fixture,
                               gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);

  (void) data;
  set_tiers (a, fixture->http_url, NULL);
  shoal_announcer_completed (a);
  spin (200);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, 0);
  shoal_announcer_announce_now (a);
  spin (200);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, 0);

  /* Starting as a seed: `started` with nothing left makes us a seeder. */
  fixture->clients[0].stats.left = 0;
  shoal_announcer_start (a);
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  assert_scrape_reaches (fixture, 1, 0, 0);
  spin (200);
  g_assert_cmpuint (fixture->clients[0].stats.calls, ==, 1);
}

static guint
model_index_of (GListModel *model,
                const char *url)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (model, i);

      if (g_strcmp0 (shoal_tracker_info_get_url (info), url) == 0)
        return i;
    }
  return G_MAXUINT;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *counter)
{
  (void) model;
  (void) position;
  (void) removed;
  (void) added;
  (*counter)++;
}

/* add, remove and replace show in the list model and in dup_tiers. */
static void
test_list_model (Fixture       *fixture,
                 gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  GListModel *model = shoal_announcer_get_trackers (a);
  g_autoptr(GPtrArray) tiers = NULL;
  g_autoptr(GError) error = NULL;
  guint changes = 0;

  (void) data;
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  set_tiers (a, "http://a.invalid/announce http://b.invalid/announce", "udp://c.invalid:80", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (model_index_of (model, "udp://c.invalid:80"), ==, 2);

  g_assert_true (shoal_announcer_add_tracker (a, "http://d.invalid/announce", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (model_index_of (model, "http://d.invalid/announce"), ==, 2);
  g_assert_cmpuint (shoal_tracker_info_get_tier (tracker_at (a, 2)), ==, 0);
  g_assert_true (shoal_announcer_add_tracker (a, "udp://e.invalid:80", 5, &error));
  g_assert_cmpuint (model_index_of (model, "udp://e.invalid:80"), ==, 4);
  g_assert_cmpuint (changes, ==, 3);

  g_assert_false (shoal_announcer_add_tracker (a, "http://a.invalid/announce", 1, &error));
  g_assert_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_false (shoal_announcer_add_tracker (a, "not a url", 0, &error));
  g_assert_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_cmpuint (changes, ==, 3);

  tiers = shoal_announcer_dup_tiers (a);
  g_assert_cmpuint (tiers->len, ==, 3);
  g_assert_cmpuint (g_strv_length (tiers->pdata[0]), ==, 3);
  g_assert_cmpstr (((char **) tiers->pdata[0])[2], ==, "http://d.invalid/announce");
  g_assert_cmpstr (((char **) tiers->pdata[1])[0], ==, "udp://c.invalid:80");
  g_assert_cmpstr (((char **) tiers->pdata[2])[0], ==, "udp://e.invalid:80");
  g_clear_pointer (&tiers, g_ptr_array_unref);

  g_assert_true (shoal_announcer_replace_tracker (a, "udp://c.invalid:80", "udp://f.invalid:81", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (model_index_of (model, "udp://f.invalid:81"), ==, 3);
  g_assert_cmpuint (model_index_of (model, "udp://c.invalid:80"), ==, G_MAXUINT);
  g_assert_cmpuint (shoal_tracker_info_get_tier (tracker_at (a, 3)), ==, 1);
  g_assert_false (shoal_announcer_replace_tracker (a, "udp://c.invalid:80", "udp://g.invalid:81", &error));
  g_assert_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (shoal_announcer_replace_tracker (a, "udp://f.invalid:81", "http://d.invalid/announce", &error));
  g_assert_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE);
  g_clear_error (&error);
  g_assert_cmpuint (changes, ==, 4);

  g_assert_true (shoal_announcer_remove_tracker (a, "udp://e.invalid:80"));
  g_assert_false (shoal_announcer_remove_tracker (a, "udp://e.invalid:80"));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);
  g_assert_cmpuint (changes, ==, 5);
  tiers = shoal_announcer_dup_tiers (a);
  g_assert_cmpuint (tiers->len, ==, 2);
  g_clear_pointer (&tiers, g_ptr_array_unref);

  /* While running: replacing the working tracker starts the new one. */
  set_tiers (a, fixture->http_url, NULL);
  shoal_announcer_start (a);
  assert_status_reached (a, fixture->http_url, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_true (shoal_announcer_replace_tracker (a, fixture->http_url, fixture->udp_url, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  assert_status_reached (a, fixture->udp_url, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_cmpstr (fixture->clients[0].last_peers_url, ==, fixture->udp_url);

  /* Adding to a running announcer contacts the new tracker at once. */
  g_assert_true (shoal_announcer_add_tracker (a, fixture->http_url, 1, &error));
  g_assert_no_error (error);
  assert_status_reached (a, fixture->http_url, SHOAL_TRACKER_STATUS_WORKING);
  g_assert_true (shoal_announcer_remove_tracker (a, fixture->udp_url));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_signal_handlers_disconnect_by_func (model, items_changed_cb, &changes);
}

/* BEP 12: set_tiers shuffles each tier, and keeps the tiers' order. */
static void
test_shuffle (Fixture       *fixture,
              gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  const char *tier0 = "http://a.invalid/ http://b.invalid/ http://c.invalid/ http://d.invalid/ "
                      "http://e.invalid/ http://f.invalid/ http://g.invalid/ http://h.invalid/";
  gboolean shuffled = FALSE;

  (void) data;
  /* 8! orders: the same one 20 times in a row means no shuffling. */
  for (guint attempt = 0; attempt < 20 && !shuffled; attempt++)
    {
      g_autoptr(GPtrArray) tiers = NULL;
      g_auto(GStrv) expected = g_strsplit (tier0, " ", -1);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      char **got;

      set_tiers (a, tier0, "udp://z.invalid:1", NULL);
      tiers = shoal_announcer_dup_tiers (a);
      g_assert_cmpuint (tiers->len, ==, 2);
      got = tiers->pdata[0];
      g_assert_cmpuint (g_strv_length (got), ==, 8);
      for (guint i = 0; got[i] != NULL; i++)
        {
          g_assert_true (g_strv_contains ((const char * const *) expected, got[i]));
          g_assert_true (g_hash_table_add (seen, got[i]));
        }
      g_assert_cmpstr (((char **) tiers->pdata[1])[0], ==, "udp://z.invalid:1");
      shuffled = !g_strv_equal ((const char * const *) expected, (const char * const *) got);
    }
  g_assert_true (shuffled);
}

typedef struct
{
  guint n;
} PeersCount;

static void
group_peers_cb (ShoalAnnouncer *announcer,
                GArray         *peers,
                const char     *url,
                PeersCount     *count)
{
  count->n++;
}

static gboolean
one_announce (gpointer data)
{
  return ((PeersCount *) data)->n >= 1;
}

static gboolean
two_announces (gpointer data)
{
  return ((PeersCount *) data)->n >= 2;
}

/* The announcers of one group (a session) spread their `started`
 * announces: the first 50 go at once, the others wait their turn, and
 * all of them, and their regular announces after, run from the group's
 * one queue. */
static void
test_group_spreads_starts (Fixture       *fixture,
                           gconstpointer  data)
{
  enum { N = 200, BURST = 50, N_REPEATING = 3 };
  g_autoptr(ShoalAnnouncerGroup) group = shoal_announcer_group_new ();
  ShoalAnnouncer *announcers[N];
  PeersCount counts[N] = { { 0 } };
  guint n_waiting = 0;

  (void) data;
  for (guint i = 0; i < N; i++)
    {
      guint8 peer_id[20];

      /* 19 characters and the NUL: 20 bytes. */
      g_snprintf ((char *) peer_id, sizeof peer_id, "-SH0001-group%06u", i);
      announcers[i] = shoal_announcer_new (fixture->soup, whitelisted_hash, peer_id, (guint16) (7100 + i),
                                           stats_cb, &fixture->clients[0].stats);
      shoal_announcer_set_group (announcers[i], group);
      set_tiers (announcers[i], fixture->http_url, NULL);
      if (i < N_REPEATING)
        shoal_announcer_set_intervals_for_testing (announcers[i], 300, 0);
      g_signal_connect (announcers[i], "peers", G_CALLBACK (group_peers_cb), &counts[i]);
    }

  /* Started together: BURST of them are asking already, the others are
   * scheduled (a next-announce time shown), nothing sent yet; a few more
   * than BURST may go at once if starting them took long (50 a second). */
  for (guint i = 0; i < N; i++)
    shoal_announcer_start (announcers[i]);
  for (guint i = 0; i < N; i++)
    if (shoal_tracker_info_get_next_announce (tracker_at (announcers[i], 0)) != 0)
      n_waiting++;
  g_assert_cmpuint (n_waiting, <=, N - BURST);
  g_assert_cmpuint (n_waiting, >=, (N - BURST) / 2);

  /* Every one announces, and those with a short interval again. */
  for (guint i = 0; i < N; i++)
    g_assert_true (wait_until (i < N_REPEATING ? two_announces : one_announce, &counts[i], WAIT_MS));

  for (guint i = 0; i < N; i++)
    {
      shoal_announcer_stop (announcers[i]);
      g_assert_finalize_object (announcers[i]);
    }
}

/* A port change while an announce is in flight -------------------------- */

/* Between the announcer and opentracker: holds the first announce without
 * an answer (a slow tracker), forwards the others, and records the port
 * each one carries. Runs in its own threads, with blocking sockets. */
typedef struct
{
  GMutex   lock;
  GArray  *ports;          /* guint16, in order of arrival */
  gboolean held_closed;    /* the held request's connection was closed */
  guint16  upstream_port;
} Relay;

/* Reads up to the end of the headers; NULL on EOF or error. */
static char *
read_head (GInputStream *in)
{
  GString *head = g_string_new (NULL);
  char c;

  while (head->len < 16384 && !g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      if (g_input_stream_read (in, &c, 1, NULL, NULL) != 1)
        return (void) g_string_free (head, TRUE), NULL;
      g_string_append_c (head, c);
    }
  return g_string_free (head, FALSE);
}

static gboolean
relay_run (GThreadedSocketService *service,
           GSocketConnection      *connection,
           GObject                *source,
           gpointer                user_data)
{
  Relay *relay = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *head = read_head (in);
  const char *at;
  guint n;

  (void) service;
  (void) source;
  if (head == NULL || (at = strstr (head, "&port=")) == NULL)
    return FALSE;
  g_mutex_lock (&relay->lock);
  {
    guint16 port = (guint16) g_ascii_strtoull (at + 6, NULL, 10);

    g_array_append_val (relay->ports, port);
    n = relay->ports->len;
  }
  g_mutex_unlock (&relay->lock);
  /* The test waits in the main loop: it must look again. */
  g_main_context_wakeup (NULL);

  if (n == 1)
    {
      char c;

      /* Held: no answer until the client gives up on it (at most 30 s). */
      g_socket_set_timeout (g_socket_connection_get_socket (connection), 30);
      if (g_input_stream_read (in, &c, 1, NULL, NULL) <= 0)
        {
          g_mutex_lock (&relay->lock);
          relay->held_closed = TRUE;
          g_mutex_unlock (&relay->lock);
          g_main_context_wakeup (NULL);
        }
      return FALSE;
    }

  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) up = NULL;
    g_autofree char *answer = NULL;
    g_autofree char *body = NULL;
    const char *length;
    gsize body_len;

    g_socket_client_set_timeout (client, 10);
    up = g_socket_client_connect_to_host (client, "127.0.0.1", relay->upstream_port, NULL, NULL);
    if (up == NULL ||
        !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (up)), head, strlen (head),
                                    NULL, NULL, NULL) ||
        (answer = read_head (g_io_stream_get_input_stream (G_IO_STREAM (up)))) == NULL ||
        (length = strstr (answer, "Content-Length: ")) == NULL)
      return FALSE;
    body_len = MIN (g_ascii_strtoull (length + 16, NULL, 10), 65536);
    body = g_malloc (body_len);
    if (!g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (up)), body, body_len, NULL, NULL, NULL))
      return FALSE;
    g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
    g_output_stream_write_all (out, body, body_len, NULL, NULL, NULL);
  }
  return FALSE;
}

static guint
relay_count (Relay   *relay,
             guint16  port)
{
  guint n = 0;

  g_mutex_lock (&relay->lock);
  for (guint i = 0; i < relay->ports->len; i++)
    n += g_array_index (relay->ports, guint16, i) == port;
  g_mutex_unlock (&relay->lock);
  return n;
}

static gboolean
relay_saw_first (gpointer data)
{
  return relay_count (data, 7001) > 0;
}

static gboolean
relay_held_closed (gpointer data)
{
  Relay *relay = data;
  gboolean closed;

  g_mutex_lock (&relay->lock);
  closed = relay->held_closed;
  g_mutex_unlock (&relay->lock);
  return closed;
}

/* A router maps another external port while the first announce, with the
 * old port, waits for a slow tracker: change_port() asks again at once with
 * the new port, and the tracker hands that out. (announce_now() leaves a
 * tier with a request in flight alone: the old port would have been what
 * the tracker gave out until the next interval, half an hour.) */
static void
test_port_change_in_flight (Fixture       *fixture,
                            gconstpointer  data)
{
  ShoalAnnouncer *a = client_new (fixture, 0, whitelisted_hash, 7001);
  ShoalAnnouncer *b = client_new (fixture, 1, whitelisted_hash, 7100);
  g_autoptr(GSocketService) service = g_threaded_socket_service_new (4);
  g_autoptr(GError) error = NULL;
  g_autofree char *relay_url = NULL;
  Relay relay = { 0 };
  guint16 relay_port;

  (void) data;
  g_mutex_init (&relay.lock);
  relay.ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  relay.upstream_port = fixture->port;
  {
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_socket_listener_add_address (G_SOCKET_LISTENER (service), any, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
    g_assert_no_error (error);
    relay_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  g_signal_connect (service, "run", G_CALLBACK (relay_run), &relay);
  g_socket_service_start (service);
  relay_url = g_strdup_printf ("http://127.0.0.1:%u/announce", relay_port);

  set_tiers (a, relay_url, NULL);
  shoal_announcer_start (a);
  g_assert_true (wait_until (relay_saw_first, &relay, WAIT_MS));

  /* The same port again is no change: nothing is asked again. */
  shoal_announcer_change_port (a, 7001);
  spin (300);
  g_assert_cmpuint (relay.ports->len, ==, 1);

  shoal_announcer_change_port (a, 7002);
  /* The stale request is dropped, and the new port reaches the tracker. */
  g_assert_true (wait_until (relay_held_closed, &relay, WAIT_MS));
  assert_count_reached (&fixture->clients[0].peers_signals, 1);
  g_assert_cmpuint (relay_count (&relay, 7002), >=, 1);
  g_assert_cmpuint (relay_count (&relay, 7001), ==, 1);

  /* What another peer is told: the new port, never the old. */
  set_tiers (b, fixture->http_url, NULL);
  shoal_announcer_start (b);
  assert_count_reached (&fixture->clients[1].peers_signals, 1);
  g_assert_true (has_peer_port (fixture->clients[1].last_peers, 7002));
  g_assert_false (has_peer_port (fixture->clients[1].last_peers, 7001));

  shoal_announcer_stop (a);
  shoal_announcer_stop (b);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_array_unref (relay.ports);
  g_mutex_clear (&relay.lock);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/interop/announcer/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("started-peers", test_started_peers);
  ADD ("reannounce", test_reannounce);
  ADD ("want-peers", test_want_peers);
  ADD ("tier-fallover", test_tier_fallover);
  ADD ("next-tier", test_next_tier);
  ADD ("all-failed", test_all_failed);
  ADD ("not-whitelisted", test_not_whitelisted);
  ADD ("completed-stopped", test_completed_stopped);
  ADD ("completed-before-started", test_completed_before_started);
  ADD ("list-model", test_list_model);
  ADD ("shuffle", test_shuffle);
  ADD ("group-spreads-starts", test_group_spreads_starts);
  ADD ("port-change-in-flight", test_port_change_in_flight);

#undef ADD

  return g_test_run ();
}
