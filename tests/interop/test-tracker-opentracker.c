/* test-tracker-opentracker.c: the HTTP and UDP tracker clients against a
 * real opentracker on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts its own opentracker (through run-opentracker.sh, which
 * stops it when our end of its stdin closes), whitelisting two info-hashes:
 * the Debian build refuses every torrent that is not listed.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>

#include "shoal-hash.h"
#include "shoal-tracker.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

#ifndef RUN_OPENTRACKER
#error "RUN_OPENTRACKER must name run-opentracker.sh"
#endif

/* No single wait may take longer than this. */
#define WAIT_LIMIT_MS   15000
#define READY_ATTEMPTS  50

static const char hash_http_hex[] = "0123456789abcdef0123456789abcdef01234567";
static const char hash_udp_hex[]  = "fedcba9876543210fedcba9876543210fedcba98";
static const char hash_other_hex[] = "1111111111111111111111111111111111111111";
/* Listed last in the whitelist, used only by the readiness probe. */
static const char hash_probe_hex[] = "2222222222222222222222222222222222222222";

typedef struct
{
  gchar        *dir;
  gchar        *whitelist;
  GSubprocess  *helper;
  GPid          pid;        /* opentracker itself */
  guint16       port;
  gchar        *http_url;
  gchar        *udp_url;
  SoupSession  *session;
} Fixture;

static void
capture_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until @slot is filled, or fails the test
 * after WAIT_LIMIT_MS. */
static GAsyncResult *
wait_for (GAsyncResult **slot,
          gint64        *elapsed_ms)
{
  gboolean expired = FALSE;
  gint64 start = g_get_monotonic_time ();
  guint id = g_timeout_add (WAIT_LIMIT_MS, flag_cb, &expired);

  while (*slot == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  g_assert_nonnull (*slot);
  if (elapsed_ms != NULL)
    *elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  return *slot;
}

static void
sleep_in_loop (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GSocket *
bind_loopback (GSocketType   type,
               guint16       port,
               GError      **error)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, type,
                         type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP,
                         error);
  if (socket == NULL || !g_socket_bind (socket, addr, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

/* A port free for both TCP and UDP right now. Another process could still
 * take it before opentracker does; the readiness check would then fail. */
static guint16
pick_free_port (void)
{
  for (guint attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) tcp = bind_loopback (G_SOCKET_TYPE_STREAM, 0, &error);
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      guint16 port;

      g_assert_no_error (error);
      local = g_socket_get_local_address (tcp, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      udp = bind_loopback (G_SOCKET_TYPE_DATAGRAM, port, NULL);
      if (udp != NULL)
        return port;
    }
  g_assert_not_reached ();
}

static void
make_request (ShoalTrackerRequest *req,
              const char          *hash_hex,
              char                 peer_tag,
              guint16              port,
              ShoalTrackerEvent    event)
{
  memset (req, 0, sizeof *req);
  g_assert_true (shoal_hex_decode (hash_hex, 40, req->info_hash, 20));
  memcpy (req->peer_id, "-SH0001-", 8);
  memset (req->peer_id + 8, peer_tag, 12);
  req->port = port;
  req->left = 1000;
  req->event = event;
  req->numwant = 50;
  req->key = (guint32) peer_tag;
}

static ShoalTrackerResponse *
http_announce (Fixture                   *f,
               const ShoalTrackerRequest *req,
               guint                      timeout_ms,
               GError                   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  shoal_tracker_http_announce_async (f->session, f->http_url, req, timeout_ms, NULL, capture_cb, &result);
  return shoal_tracker_http_announce_finish (wait_for (&result, NULL), error);
}

static ShoalTrackerResponse *
udp_announce (ShoalTrackerUdp           *t,
              const ShoalTrackerRequest *req,
              gint64                    *elapsed_ms,
              GError                   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  shoal_tracker_udp_announce_async (t, req, NULL, capture_cb, &result);
  return shoal_tracker_udp_announce_finish (t, wait_for (&result, elapsed_ms), error);
}

static gboolean
has_peer (ShoalTrackerResponse *resp,
          const char           *expected)
{
  for (guint i = 0; i < resp->peers->len; i++)
    {
      g_autofree gchar *str = shoal_tracker_peer_to_string (&g_array_index (resp->peers, ShoalTrackerPeer, i));

      if (g_str_equal (str, expected))
        return TRUE;
    }
  return FALSE;
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  capture_cb (source, result, user_data);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree gchar *opentracker = g_find_program_in_path ("opentracker");
  g_autofree gchar *contents = NULL;
  g_autofree gchar *line = NULL;
  g_autofree gchar *port_str = NULL;
  ShoalTrackerRequest probe;
  guint attempt;

  g_assert_nonnull (opentracker);
  f->dir = g_dir_make_tmp ("shoal-opentracker-XXXXXX", &error);
  g_assert_no_error (error);
  /* opentracker reads the whitelist after dropping root for "nobody". */
  g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
  f->whitelist = g_build_filename (f->dir, "whitelist", NULL);
  contents = g_strdup_printf ("%s\n%s\n%s\n", hash_http_hex, hash_udp_hex, hash_probe_hex);
  g_file_set_contents_full (f->whitelist, contents, -1, G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);

  f->port = pick_free_port ();
  port_str = g_strdup_printf ("%u", f->port);
  f->http_url = g_strdup_printf ("http://127.0.0.1:%u/announce", f->port);
  f->udp_url = g_strdup_printf ("udp://127.0.0.1:%u/announce", f->port);
  f->session = soup_session_new ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  f->helper = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", RUN_OPENTRACKER,
                                           opentracker, f->whitelist, port_str, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->helper));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, read_line_cb, &result);
  line = g_data_input_stream_read_line_finish_utf8 (out, wait_for (&result, NULL), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  f->pid = (GPid) g_ascii_strtoll (line, NULL, 10);
  g_assert_cmpint (f->pid, >, 1);

  /* Ready means listening with the whitelist loaded (it is read in the
   * background, after the port is open). A `stopped` announce is no probe:
   * opentracker removes the peer without looking at the whitelist. A
   * `started` announce for the probe-only hash, listed last, is accepted
   * only once the whole list is in. */
  make_request (&probe, hash_probe_hex, 'p', 1, SHOAL_TRACKER_EVENT_STARTED);
  for (attempt = 0; attempt < READY_ATTEMPTS; attempt++)
    {
      g_autoptr(GError) probe_error = NULL;
      g_autoptr(ShoalTrackerResponse) resp = http_announce (f, &probe, 1000, &probe_error);

      if (resp != NULL)
        break;
      g_test_message ("opentracker not ready yet: %s", probe_error->message);
      sleep_in_loop (100);
    }
  g_assert_cmpuint (attempt, <, READY_ATTEMPTS);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Stop opentracker by its PID, then let the helper reap it and exit. */
  g_assert_cmpint (kill (f->pid, SIGTERM), ==, 0);
  g_output_stream_close (g_subprocess_get_stdin_pipe (f->helper), NULL, NULL);
  g_subprocess_wait_async (f->helper, NULL, capture_cb, &result);
  g_assert_true (g_subprocess_wait_finish (f->helper, wait_for (&result, NULL), &error));
  g_assert_no_error (error);
  g_assert_cmpint (kill (f->pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);

  g_assert_cmpint (g_unlink (f->whitelist), ==, 0);
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_clear_object (&f->helper);
  g_clear_object (&f->session);
  g_free (f->whitelist);
  g_free (f->dir);
  g_free (f->http_url);
  g_free (f->udp_url);
}

static ShoalTrackerScrapeEntry
http_scrape (Fixture    *f,
             const char *hash_hex)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[20];

  g_assert_true (shoal_hex_decode (hash_hex, 40, hash, 20));
  shoal_tracker_http_scrape_async (f->session, f->http_url, hash, 1, 5000, NULL, capture_cb, &result);
  entries = shoal_tracker_http_scrape_finish (wait_for (&result, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  g_assert_cmpmem (g_array_index (entries, ShoalTrackerScrapeEntry, 0).info_hash, 20, hash, 20);
  return g_array_index (entries, ShoalTrackerScrapeEntry, 0);
}

static void
test_http_announce_and_scrape (Fixture       *f,
                               gconstpointer  data)
{
  ShoalTrackerRequest a, b;
  g_autoptr(ShoalTrackerResponse) ra = NULL;
  g_autoptr(ShoalTrackerResponse) rb = NULL;
  g_autoptr(ShoalTrackerResponse) rc = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerScrapeEntry scrape;

  make_request (&a, hash_http_hex, 'a', 40001, SHOAL_TRACKER_EVENT_STARTED);
  make_request (&b, hash_http_hex, 'b', 40002, SHOAL_TRACKER_EVENT_STARTED);

  ra = http_announce (f, &a, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ra->interval, >, 0);

  rb = http_announce (f, &b, 5000, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (rb, "127.0.0.1:40001"));
  g_assert_cmpint (rb->leechers, ==, 2);
  g_assert_cmpint (rb->seeders, ==, 0);

  scrape = http_scrape (f, hash_http_hex);
  g_assert_cmpint (scrape.complete, ==, 0);
  g_assert_cmpint (scrape.incomplete, ==, 2);
  g_assert_cmpint (scrape.downloaded, ==, 0);

  /* Peer a finishes: one seeder, one leecher, one completed download. */
  a.event = SHOAL_TRACKER_EVENT_COMPLETED;
  a.left = 0;
  a.downloaded = 1000;
  rc = http_announce (f, &a, 5000, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (rc, "127.0.0.1:40002"));
  scrape = http_scrape (f, hash_http_hex);
  g_assert_cmpint (scrape.complete, ==, 1);
  g_assert_cmpint (scrape.incomplete, ==, 1);
  g_assert_cmpint (scrape.downloaded, ==, 1);
}

static void
test_http_not_whitelisted (Fixture       *f,
                           gconstpointer  data)
{
  ShoalTrackerRequest req;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) resp = NULL;

  make_request (&req, hash_other_hex, 'x', 40009, SHOAL_TRACKER_EVENT_STARTED);
  resp = http_announce (f, &req, 5000, &error);
  g_assert_null (resp);
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  g_assert_nonnull (strstr (error->message, "not authorized"));
}

static void
test_udp_announce_and_scrape (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = NULL;
  g_autoptr(ShoalTrackerResponse) ra = NULL;
  g_autoptr(ShoalTrackerResponse) rb = NULL;
  g_autoptr(ShoalTrackerResponse) rh = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerRequest a, b, h;
  ShoalTrackerScrapeEntry *e;
  guint8 hashes[40];

  t = shoal_tracker_udp_new (f->udp_url, &error);
  g_assert_no_error (error);
  shoal_tracker_udp_set_retransmission (t, 500, 4);

  make_request (&a, hash_udp_hex, 'c', 40011, SHOAL_TRACKER_EVENT_STARTED);
  make_request (&b, hash_udp_hex, 'd', 40012, SHOAL_TRACKER_EVENT_STARTED);
  b.left = 0;

  /* opentracker's UDP workers may see the whitelist a moment after the
   * HTTP side answered the readiness probe: a refusal is retried, briefly. */
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_clear_error (&error);
      ra = udp_announce (t, &a, NULL, &error);
      if (!g_error_matches (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE))
        break;
      g_test_message ("UDP announce refused, retrying: %s", error->message);
      sleep_in_loop (200);
    }
  g_assert_no_error (error);
  g_assert_cmpint (ra->interval, >, 0);
  g_assert_true (shoal_tracker_udp_has_connection_id (t));

  /* Second announce reuses the cached connection id. */
  rb = udp_announce (t, &b, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (rb, "127.0.0.1:40011"));
  g_assert_cmpint (rb->leechers, ==, 1);
  g_assert_cmpint (rb->seeders, ==, 1);

  /* One swarm, whichever protocol the peers used. */
  make_request (&h, hash_udp_hex, 'e', 40013, SHOAL_TRACKER_EVENT_STARTED);
  rh = http_announce (f, &h, 5000, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (rh, "127.0.0.1:40011"));
  g_assert_true (has_peer (rh, "127.0.0.1:40012"));

  /* Scrape a listed and an unlisted torrent in one request. */
  memcpy (hashes, a.info_hash, 20);
  g_assert_true (shoal_hex_decode (hash_other_hex, 40, hashes + 20, 20));
  shoal_tracker_udp_scrape_async (t, hashes, 2, NULL, capture_cb, &result);
  entries = shoal_tracker_udp_scrape_finish (t, wait_for (&result, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);
  g_assert_cmpmem (e->info_hash, 20, a.info_hash, 20);
  g_assert_cmpint (e->complete, ==, 1);
  g_assert_cmpint (e->incomplete, ==, 2);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 1);
  g_assert_cmpint (e->complete, ==, 0);
  g_assert_cmpint (e->incomplete, ==, 0);
}

static void
test_udp_not_whitelisted (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = NULL;
  g_autoptr(ShoalTrackerResponse) resp = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerRequest req;

  t = shoal_tracker_udp_new (f->udp_url, &error);
  g_assert_no_error (error);
  shoal_tracker_udp_set_retransmission (t, 500, 4);
  make_request (&req, hash_other_hex, 'y', 40019, SHOAL_TRACKER_EVENT_STARTED);
  /* opentracker refuses over UDP with a bare announce header, no text. */
  resp = udp_announce (t, &req, NULL, &error);
  g_assert_null (resp);
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
}

static void
test_udp_nothing_listening (void)
{
  g_autoptr(ShoalTrackerUdp) t = NULL;
  g_autoptr(ShoalTrackerResponse) resp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  ShoalTrackerRequest req;
  gint64 elapsed;
  guint16 port = pick_free_port ();

  url = g_strdup_printf ("udp://127.0.0.1:%u", port);
  t = shoal_tracker_udp_new (url, &error);
  g_assert_no_error (error);
  /* 3 sends: waits of 100 + 200 + 400 ms, then the error. */
  shoal_tracker_udp_set_retransmission (t, 100, 3);
  make_request (&req, hash_udp_hex, 'z', 40029, SHOAL_TRACKER_EVENT_STARTED);
  resp = udp_announce (t, &req, &elapsed, &error);
  g_assert_null (resp);
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, 690);
  g_assert_cmpint (elapsed, <, 5000);
  g_assert_false (shoal_tracker_udp_has_connection_id (t));
}

static void
test_skip (void)
{
  g_test_skip ("opentracker is not installed");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree gchar *opentracker = NULL;

  g_test_init (&argc, &argv, NULL);

  opentracker = g_find_program_in_path ("opentracker");
  if (opentracker == NULL)
    {
      g_test_add_func ("/interop/tracker/opentracker", test_skip);
      return g_test_run ();
    }

  g_test_add ("/interop/tracker/opentracker/http-announce-and-scrape", Fixture, NULL,
              fixture_setup, test_http_announce_and_scrape, fixture_teardown);
  g_test_add ("/interop/tracker/opentracker/http-not-whitelisted", Fixture, NULL,
              fixture_setup, test_http_not_whitelisted, fixture_teardown);
  g_test_add ("/interop/tracker/opentracker/udp-announce-and-scrape", Fixture, NULL,
              fixture_setup, test_udp_announce_and_scrape, fixture_teardown);
  g_test_add ("/interop/tracker/opentracker/udp-not-whitelisted", Fixture, NULL,
              fixture_setup, test_udp_not_whitelisted, fixture_teardown);
  g_test_add_func ("/interop/tracker/opentracker/udp-nothing-listening", test_udp_nothing_listening);

  return g_test_run ();
}
