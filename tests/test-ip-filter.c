/* test-ip-filter.c: blocklists (src/engine/ipfilter)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "shoal-ip-filter.h"

static ShoalIpRanges *
parse (const char          *text,
       ShoalIpRangesReport *report,
       GError             **error)
{
  return shoal_ip_ranges_parse_data ((const guint8 *) text, strlen (text), report, error);
}

static gboolean
blocked (ShoalIpRanges *ranges,
         const char    *ip)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (ip);

  g_assert_nonnull (a);
  return shoal_ip_ranges_contains (ranges, a);
}

static void
test_p2p (void)
{
  ShoalIpRangesReport report;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalIpRanges) r = parse ("# a comment\n"
                                      "Some Org:1.2.3.0-1.2.3.255\n"
                                      "Name: with: colons, and a comma:10.0.0.5-10.0.0.9\r\n"
                                      "\n"
                                      "dash-name:200.1.1.1-200.1.1.1",
                                      &report, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (report.n_ranges, ==, 3);
  g_assert_cmpuint (report.n_malformed, ==, 0);
  g_assert_cmpuint (report.n_lines, ==, 5);
  g_assert_true (blocked (r, "1.2.3.0"));
  g_assert_true (blocked (r, "1.2.3.128"));
  g_assert_true (blocked (r, "1.2.3.255"));
  g_assert_false (blocked (r, "1.2.4.0"));
  g_assert_false (blocked (r, "1.2.2.255"));
  g_assert_true (blocked (r, "10.0.0.5"));
  g_assert_true (blocked (r, "10.0.0.9"));
  g_assert_false (blocked (r, "10.0.0.10"));
  g_assert_false (blocked (r, "10.0.0.4"));
  g_assert_true (blocked (r, "200.1.1.1"));
  g_assert_false (blocked (r, "200.1.1.2"));
  /* an IPv4-mapped IPv6 address is the IPv4 address */
  g_assert_true (blocked (r, "::ffff:1.2.3.4"));
  g_assert_false (blocked (r, "::1"));
  shoal_ip_ranges_report_clear (&report);
}

static void
test_dat (void)
{
  ShoalIpRangesReport report;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalIpRanges) r = parse ("001.002.003.000 - 001.002.003.255 , 000 , Some Org\n"
                                      "// comment\n"
                                      "010.000.000.000 - 010.255.255.255 , 200 , allowed by its level\n"
                                      "192.168.001.001 - 192.168.001.010 , 127 , last blocked level\n"
                                      "5.5.5.5-5.5.5.6,100,no spaces\n",
                                      &report, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (report.n_ranges, ==, 3);
  g_assert_cmpuint (report.n_allowed, ==, 1);
  g_assert_cmpuint (report.n_malformed, ==, 0);
  g_assert_true (blocked (r, "1.2.3.4"));
  g_assert_false (blocked (r, "10.1.2.3"));
  g_assert_true (blocked (r, "192.168.1.10"));
  g_assert_false (blocked (r, "192.168.1.11"));
  g_assert_true (blocked (r, "5.5.5.6"));
  shoal_ip_ranges_report_clear (&report);
}

static void
test_cidr (void)
{
  ShoalIpRangesReport report;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalIpRanges) r = parse ("10.20.0.0/16\n"
                                      "10.30.1.7/24\n"          /* host bits set: the /24 */
                                      "8.8.8.8\n"
                                      "2001:db8::/32\n"
                                      "fe80::1-fe80::ff\n"
                                      "name:2001:db9::1-2001:db9::2\n"
                                      "0.0.0.0/0 ; no: a comment does not follow\n"
                                      "::/128\n",
                                      &report, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (report.n_ranges, ==, 7);
  g_assert_cmpuint (report.n_malformed, ==, 1);
  g_assert_true (blocked (r, "10.20.255.255"));
  g_assert_false (blocked (r, "10.21.0.0"));
  g_assert_true (blocked (r, "10.30.1.0"));
  g_assert_true (blocked (r, "10.30.1.255"));
  g_assert_false (blocked (r, "10.30.2.0"));
  g_assert_true (blocked (r, "8.8.8.8"));
  g_assert_false (blocked (r, "8.8.8.9"));
  g_assert_true (blocked (r, "2001:db8:ffff::1"));
  g_assert_false (blocked (r, "2001:db9::3"));
  g_assert_true (blocked (r, "2001:db9::2"));
  g_assert_true (blocked (r, "fe80::80"));
  g_assert_false (blocked (r, "fe80::100"));
  g_assert_true (blocked (r, "::"));
  g_assert_false (blocked (r, "::1"));
  g_assert_cmpuint (shoal_ip_ranges_get_n_ipv4 (r), ==, 3);
  shoal_ip_ranges_report_clear (&report);
}

static void
test_merge (void)
{
  ShoalIpRangesReport report;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalIpRanges) r = parse ("1.0.0.10-1.0.0.20\n"
                                      "1.0.0.0-1.0.0.12\n"
                                      "1.0.0.21-1.0.0.30\n"   /* adjacent */
                                      "1.0.0.15-1.0.0.16\n"   /* inside */
                                      "1.0.0.32-1.0.0.40\n"   /* a gap of one */
                                      "255.255.255.0-255.255.255.255\n"
                                      "255.255.0.0-255.255.255.255\n"
                                      "ffff::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"
                                      "ffff:ffff::/32\n",
                                      &report, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (shoal_ip_ranges_get_n_ranges (r), ==, 4);
  g_assert_true (blocked (r, "1.0.0.0"));
  g_assert_true (blocked (r, "1.0.0.30"));
  g_assert_false (blocked (r, "1.0.0.31"));
  g_assert_true (blocked (r, "1.0.0.32"));
  g_assert_true (blocked (r, "255.255.255.255"));
  g_assert_true (blocked (r, "255.255.0.0"));
  g_assert_false (blocked (r, "255.254.255.255"));
  g_assert_true (blocked (r, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  shoal_ip_ranges_report_clear (&report);
}

/* Lines a hostile or broken list may hold: each is counted and skipped,
 * and the good lines around them still count. */
static void
test_hostile (void)
{
  static const char *bad[] = {
    "garbage",
    "name:1.2.3.4",              /* P2P names a start-end range */
    "1.2.3.256-1.2.3.257",
    "1.2.3-1.2.3.4",
    "1.2.3.4.5-1.2.3.6",
    "0001.2.3.4-1.2.3.5",
    "9.9.9.9-9.9.9.1",            /* ends before it starts */
    "1.2.3.4-2001:db8::1",        /* two families */
    "1.2.3.0/33",
    "2001:db8::/129",
    "1.2.3.0/",
    "1.2.3.0/x",
    "1.2.3.0 - 1.2.3.255 , x , bad level",
    "1.2.3.0 - 1.2.3.255 , 1000 , level too long",
    "::::::::-1.1.1.1",
    "name:",
    ":",
    "-",
    "/",
    ",",
    "1.2.3.4-",
    "-1.2.3.4",
    "+1.2.3.4",
    "1 .2.3.4",
  };
  g_autoptr(GString) text = g_string_new ("3.3.3.0-3.3.3.255\n");
  g_autofree char *longline = NULL;
  g_autoptr(ShoalIpRanges) r = NULL;
  g_autoptr(GError) error = NULL;
  ShoalIpRangesReport report;
  guint expected_bad = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ShoalIpRanges) one = NULL;
      g_autoptr(GError) one_error = NULL;
      ShoalIpRangesReport one_report;

      one = parse (bad[i], &one_report, &one_error);
      g_test_message ("%s → %s", bad[i], one_error ? one_error->message : "(parsed)");
      g_assert_error (one_error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_NO_RANGES);
      g_assert_null (one);
      g_assert_cmpuint (one_report.n_malformed, ==, 1);
      g_assert_nonnull (one_report.first_reason);
      expected_bad++;
      shoal_ip_ranges_report_clear (&one_report);
      g_string_append_printf (text, "%s\n", bad[i]);
    }
  /* A line over the bound, then a NUL byte in a line, then a good line. */
  longline = g_strnfill (SHOAL_IP_RANGES_MAX_LINE * 3, 'x');
  g_string_append_printf (text, "x:%s:4.4.4.4-4.4.4.5\n", longline);
  g_string_append_len (text, "5.5.5.5\0-5.5.5.6\n", 17);
  g_string_append (text, "6.6.6.6-6.6.6.7");
  expected_bad += 2;

  r = shoal_ip_ranges_parse_data ((const guint8 *) text->str, text->len, &report, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_malformed, ==, expected_bad);
  g_assert_cmpuint (report.first_malformed, ==, 2);
  g_assert_cmpstr (report.first_reason, ==, "not an address");
  g_assert_true (blocked (r, "3.3.3.3"));
  g_assert_false (blocked (r, "1.2.3.4"));
  g_assert_false (blocked (r, "4.4.4.4"));
  g_assert_false (blocked (r, "5.5.5.5"));
  g_assert_true (blocked (r, "6.6.6.7"));
  shoal_ip_ranges_report_clear (&report);
}

static GBytes *
gzip (const char *text)
{
  g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_data (text, (gssize) strlen (text), NULL);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, G_CONVERTER (gz));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL), >, 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_gzip (void)
{
  g_autoptr(GBytes) gz = gzip ("a:7.7.7.0-7.7.7.255\n2001:db8::/32\n");
  g_autoptr(GInputStream) in = g_memory_input_stream_new_from_bytes (gz);
  g_autoptr(GError) error = NULL;
  ShoalIpRangesReport report;
  g_autoptr(ShoalIpRanges) r = shoal_ip_ranges_parse_stream (in, NULL, &report, &error);
  g_autoptr(GBytes) broken = NULL;
  g_autoptr(GInputStream) in2 = NULL;
  g_autoptr(ShoalIpRanges) r2 = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (gz, &len);

  g_assert_no_error (error);
  g_assert_true (blocked (r, "7.7.7.7"));
  g_assert_true (blocked (r, "2001:db8::7"));
  g_assert_cmpuint (report.n_ranges, ==, 2);
  shoal_ip_ranges_report_clear (&report);

  /* a truncated gzip stream is an error, not half a list */
  broken = g_bytes_new (data, len / 2);
  in2 = g_memory_input_stream_new_from_bytes (broken);
  r2 = shoal_ip_ranges_parse_stream (in2, NULL, &report, &error);
  g_assert_null (r2);
  g_assert_nonnull (error);
  g_test_message ("truncated gzip: %s", error->message);
  shoal_ip_ranges_report_clear (&report);
}

/* ShoalIpFilter, from a file and from a URL, with updates. */

typedef struct
{
  GMainLoop *loop;
  guint      n_loaded;
} Waiter;

static void
loaded_cb (ShoalIpFilter *filter,
           Waiter        *w)
{
  w->n_loaded++;
  g_main_loop_quit (w->loop);
}

static gboolean
timeout_cb (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
wait_loaded (ShoalIpFilter *filter,
             Waiter        *w,
             guint          n)
{
  guint id = g_timeout_add_seconds (30, timeout_cb, NULL);

  while (w->n_loaded < n)
    g_main_loop_run (w->loop);
  g_source_remove (id);
}

static void
test_filter_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-ipfilter-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "list.p2p.gz", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GBytes) gz = gzip ("x:9.9.9.0-9.9.9.255\nbad line\n");
  g_autoptr(ShoalIpFilter) filter = shoal_ip_filter_new (NULL);
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string ("9.9.9.9");
  Waiter w = { g_main_loop_new (NULL, FALSE), 0 };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (gz, NULL), (gssize) g_bytes_get_size (gz), &error));
  g_signal_connect (filter, "loaded", G_CALLBACK (loaded_cb), &w);

  shoal_ip_filter_set_source (filter, path);
  wait_loaded (filter, &w, 1);
  g_assert_null (shoal_ip_filter_get_error (filter));
  g_assert_true (shoal_ip_filter_is_blocked (filter, a));
  g_assert_cmpuint (shoal_ip_filter_get_n_ranges (filter), ==, 1);
  g_assert_cmpuint (shoal_ip_filter_get_report (filter)->n_malformed, ==, 1);

  /* A source that fails keeps nothing from elsewhere and says why. */
  shoal_ip_filter_set_source (filter, missing);
  wait_loaded (filter, &w, 2);
  g_assert_error (shoal_ip_filter_get_error (filter), G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (shoal_ip_filter_is_blocked (filter, a)); /* the previous list stays */

  shoal_ip_filter_set_source (filter, NULL);
  g_assert_false (shoal_ip_filter_is_blocked (filter, a));

  g_unlink (path);
  g_rmdir (dir);
  g_main_loop_unref (w.loop);
}

typedef struct
{
  char  *body;
  guint  status;
  guint  n_requests;
} Served;

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Served *s = user_data;

  s->n_requests++;
  soup_server_message_set_status (msg, s->status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, s->body, strlen (s->body));
}

static void
test_filter_url (void)
{
  Served served = { g_strdup ("a:11.0.0.0-11.0.0.255\n"), 200, 0 };
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autoptr(ShoalIpFilter) filter = shoal_ip_filter_new (soup);
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string ("11.0.0.1");
  g_autoptr(GInetAddress) b = g_inet_address_new_from_string ("12.0.0.1");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *url = NULL;
  Waiter w = { g_main_loop_new (NULL, FALSE), 0 };
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);

  soup_server_add_handler (server, "/list", server_cb, &served, NULL);
  g_assert_true (soup_server_listen (server, addr, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/list", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_signal_connect (filter, "loaded", G_CALLBACK (loaded_cb), &w);
  shoal_ip_filter_set_update_interval (filter, 1);
  shoal_ip_filter_set_source (filter, url);
  wait_loaded (filter, &w, 1);
  g_assert_null (shoal_ip_filter_get_error (filter));
  g_assert_true (shoal_ip_filter_is_blocked (filter, a));
  g_assert_false (shoal_ip_filter_is_blocked (filter, b));

  /* the periodic update picks up a new list */
  g_free (served.body);
  served.body = g_strdup ("12.0.0.0/8\n");
  wait_loaded (filter, &w, 2);
  g_assert_null (shoal_ip_filter_get_error (filter));
  g_assert_false (shoal_ip_filter_is_blocked (filter, a));
  g_assert_true (shoal_ip_filter_is_blocked (filter, b));

  /* a server error keeps the list */
  served.status = 404;
  wait_loaded (filter, &w, 3);
  g_assert_error (shoal_ip_filter_get_error (filter), SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_READ);
  g_assert_true (shoal_ip_filter_is_blocked (filter, b));
  g_assert_cmpuint (served.n_requests, >=, 3);

  shoal_ip_filter_set_source (filter, NULL);
  g_free (served.body);
  g_main_loop_unref (w.loop);
}

static guint64
vm_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *p;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  p = strstr (status, field);
  g_assert_nonnull (p);
  return g_ascii_strtoull (p + strlen (field) + 1, NULL, 10);
}

/* A million ranges (P2P lines, as the big public lists are) load in under
 * a second and under 40 MiB. The bounds asserted are looser (the machine
 * is shared): the figures are printed. */
static void
test_million (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-ipfilter-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "million.p2p", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_autoptr(GBufferedOutputStream) bout = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(ShoalIpRanges) r = NULL;
  ShoalIpRangesReport report;
  guint64 rss_before, hwm_after;
  gint64 t0, t1;
  guint32 x = 0x12345678;

  g_assert_no_error (error);
  bout = G_BUFFERED_OUTPUT_STREAM (g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (out), 1 << 20));
  for (guint i = 0; i < 1000000; i++)
    {
      /* disjoint ranges, in random order: 256 addresses every 4096 */
      guint32 slot = (guint32) (((guint64) i * 7919) % 1000000); /* 7919 is prime: a permutation */
      guint32 start = slot * 4096 + 16;
      char line[128];
      int n;

      x = x * 1103515245u + 12345u;
      n = g_snprintf (line, sizeof line, "Range %u of some org:%u.%u.%u.%u-%u.%u.%u.%u\n", x >> 8,
                      start >> 24, (start >> 16) & 255, (start >> 8) & 255, start & 255,
                      (start + 255) >> 24, ((start + 255) >> 16) & 255, ((start + 255) >> 8) & 255,
                      (start + 255) & 255);
      g_assert_true (g_output_stream_write_all (G_OUTPUT_STREAM (bout), line, (gsize) n, NULL, NULL, &error));
    }
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (bout), NULL, &error));

  /* start the peak (VmHWM) over from what we use now */
  {
    FILE *f = fopen ("/proc/self/clear_refs", "w");

    if (f == NULL || fputs ("5", f) < 0 || fclose (f) != 0)
      g_test_message ("could not reset VmHWM: the peak may be the whole test's");
  }
  rss_before = vm_kib ("VmRSS:");
  t0 = g_get_monotonic_time ();
  in = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  r = shoal_ip_ranges_parse_stream (G_INPUT_STREAM (in), NULL, &report, &error);
  t1 = g_get_monotonic_time ();
  hwm_after = vm_kib ("VmHWM:");
  g_assert_no_error (error);
  g_assert_cmpuint (report.n_ranges, ==, 1000000);
  g_assert_cmpuint (shoal_ip_ranges_get_n_ranges (r), ==, 1000000);

  g_test_message ("1,000,000 P2P ranges: loaded in %.3f s, peak memory %.1f MiB above the start, %.1f MiB kept",
                  (t1 - t0) / 1e6, (hwm_after - MIN (hwm_after, rss_before)) / 1024.0,
                  shoal_ip_ranges_get_memory (r) / (1024.0 * 1024.0));
  g_assert_cmpfloat ((t1 - t0) / 1e6, <, 8.0);
  g_assert_cmpuint (hwm_after - MIN (hwm_after, rss_before), <, 40 * 1024);

  /* and each lookup answers right */
  t0 = g_get_monotonic_time ();
  for (guint32 slot = 0; slot < 1000000; slot += 7)
    {
      guint32 start = slot * 4096 + 16;
      guint8 b[4] = { start >> 24, (start >> 16) & 255, (start >> 8) & 255, start & 255 };
      guint8 before[4] = { (start - 1) >> 24, ((start - 1) >> 16) & 255, ((start - 1) >> 8) & 255, (start - 1) & 255 };
      guint8 after[4] = { (start + 256) >> 24, ((start + 256) >> 16) & 255, ((start + 256) >> 8) & 255, (start + 256) & 255 };

      g_assert_true (shoal_ip_ranges_contains_bytes (r, b, 4));
      g_assert_false (shoal_ip_ranges_contains_bytes (r, before, 4));
      g_assert_false (shoal_ip_ranges_contains_bytes (r, after, 4));
    }
  t1 = g_get_monotonic_time ();
  g_test_message ("428,574 lookups in %.3f s", (t1 - t0) / 1e6);

  shoal_ip_ranges_report_clear (&report);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ipfilter/p2p", test_p2p);
  g_test_add_func ("/engine/ipfilter/dat", test_dat);
  g_test_add_func ("/engine/ipfilter/cidr", test_cidr);
  g_test_add_func ("/engine/ipfilter/merge", test_merge);
  g_test_add_func ("/engine/ipfilter/hostile-lines", test_hostile);
  g_test_add_func ("/engine/ipfilter/gzip", test_gzip);
  g_test_add_func ("/engine/ipfilter/filter-file", test_filter_file);
  g_test_add_func ("/engine/ipfilter/filter-url-updates", test_filter_url);
  g_test_add_func ("/engine/ipfilter/million-ranges", test_million);

  return g_test_run ();
}
