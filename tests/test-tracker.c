/* test-tracker.c: tracker URL building, response parsing, and the HTTP and
 * UDP clients against in-process fake trackers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <glib/gstdio.h>

#include "shoal-http-redirect.h"
#include "shoal-tracker.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

#define BYTES(lit) g_bytes_new_static ((lit), sizeof (lit) - 1)
/* No test may wait longer than this for an async result. */
#define WAIT_LIMIT_MS 10000

static void
make_request (ShoalTrackerRequest *req)
{
  memset (req, 0, sizeof *req);
  /* Bytes that must all be escaped, plus some that must not. */
  for (guint i = 0; i < 20; i++)
    req->info_hash[i] = (guint8) (i * 13);
  memcpy (req->peer_id, "-SH0100-", 8);
  for (guint i = 8; i < 20; i++)
    req->peer_id[i] = (guint8) (0xf0 + i - 8);
  req->port = 6881;
  req->uploaded = 1;
  req->downloaded = 2;
  req->left = G_GUINT64_CONSTANT (5000000000);
  req->event = SHOAL_TRACKER_EVENT_NONE;
  req->numwant = -1;
  req->key = 0xdeadbeef;
}

#define EXPECTED_PARAMS \
  "info_hash=%00%0D%1A%274AN%5Bhu%82%8F%9C%A9%B6%C3%D0%DD%EA%F7" \
  "&peer_id=-SH0100-%F0%F1%F2%F3%F4%F5%F6%F7%F8%F9%FA%FB" \
  "&port=6881&uploaded=1&downloaded=2&left=5000000000&compact=1&key=DEADBEEF"

/* URL building */

static void
test_url_binary_escaping (void)
{
  ShoalTrackerRequest req;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;

  make_request (&req);
  url = shoal_tracker_http_build_announce_url ("http://tracker.example:8080/announce", &req, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://tracker.example:8080/announce?" EXPECTED_PARAMS);
}

static void
test_url_existing_query (void)
{
  ShoalTrackerRequest req;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *url2 = NULL;
  g_autofree gchar *url3 = NULL;

  make_request (&req);
  url = shoal_tracker_http_build_announce_url ("https://t.example/announce.php?passkey=a%2Fb", &req, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "https://t.example/announce.php?passkey=a%2Fb&" EXPECTED_PARAMS);

  /* A trailing '?' or '&' is not doubled; a fragment is dropped. */
  url2 = shoal_tracker_http_build_announce_url ("http://t.example/a?x=1&", &req, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url2, ==, "http://t.example/a?x=1&" EXPECTED_PARAMS);
  url3 = shoal_tracker_http_build_announce_url ("http://t.example/a?#frag", &req, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url3, ==, "http://t.example/a?" EXPECTED_PARAMS);
}

static void
test_url_optional_params (void)
{
  ShoalTrackerRequest req;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;

  make_request (&req);
  req.event = SHOAL_TRACKER_EVENT_STARTED;
  req.numwant = 50;
  req.tracker_id = "id 1/2";
  url = shoal_tracker_http_build_announce_url ("http://[::1]:6969/announce", &req, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, "http://[::1]:6969/announce?" EXPECTED_PARAMS
                   "&event=started&numwant=50&trackerid=id%201%2F2");
}

static void
test_url_reject_bad (void)
{
  const char *bad[] = {
    "udp://t.example:80/announce",
    "ftp://t.example/announce",
    "not a url",
    "http:///announce",
    "/announce",
    "http://t.example/ann ounce",
  };
  ShoalTrackerRequest req;

  make_request (&req);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *url = shoal_tracker_http_build_announce_url (bad[i], &req, &error);

      g_assert_null (url);
      g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL);
    }
}

static void
test_scrape_url (void)
{
  static const struct { const char *announce; const char *scrape; } good[] = {
    { "http://t.example/announce", "http://t.example/scrape?info_hash=" },
    { "http://t.example/x/announce.php", "http://t.example/x/scrape.php?info_hash=" },
    { "http://t.example/announce?passkey=k", "http://t.example/scrape?passkey=k&info_hash=" },
    { "https://t.example:443/announce#f", "https://t.example:443/scrape?info_hash=" },
  };
  const char *unsupported[] = {
    "http://t.example/a",
    "http://t.example/announce/x",
    "http://t.example/x%064announce",
    "http://announce.example",
    "http://announce.example?announce",
    "http://t.example/?announce",
  };
  guint8 hashes[2 * 20];

  memset (hashes, 'a', 20);
  memset (hashes + 20, 0xff, 20);
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *url = shoal_tracker_http_build_scrape_url (good[i].announce, hashes, 1, &error);
      g_autofree gchar *expected = g_strconcat (good[i].scrape, "aaaaaaaaaaaaaaaaaaaa", NULL);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, expected);
    }
  for (guint i = 0; i < G_N_ELEMENTS (unsupported); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gchar *url = shoal_tracker_http_build_scrape_url (unsupported[i], hashes, 1, &error);

      g_assert_null (url);
      g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_SCRAPE_UNSUPPORTED);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *url = shoal_tracker_http_build_scrape_url ("http://t.example/announce", hashes, 2, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (url, ==, "http://t.example/scrape?info_hash=aaaaaaaaaaaaaaaaaaaa&info_hash="
                     "%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF%FF");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree gchar *url = shoal_tracker_http_build_scrape_url ("http://t.example/announce", hashes, 0, &error);

    g_assert_null (url);
    g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_INVALID_REQUEST);
  }
}

/* HTTP announce parsing */

static ShoalTrackerResponse *
parse_ok (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  ShoalTrackerResponse *resp = shoal_tracker_http_parse_announce (body, &error);

  g_assert_no_error (error);
  g_assert_nonnull (resp);
  g_bytes_unref (body);
  return resp;
}

static void
assert_peer (ShoalTrackerResponse *resp,
             guint                 index,
             const char           *expected)
{
  g_autofree gchar *str = NULL;

  g_assert_cmpuint (index, <, resp->peers->len);
  str = shoal_tracker_peer_to_string (&g_array_index (resp->peers, ShoalTrackerPeer, index));
  g_assert_cmpstr (str, ==, expected);
}

static void
test_parse_compact_peers (void)
{
  g_autoptr(ShoalTrackerResponse) resp = NULL;
  g_autoptr(GSocketAddress) sa = NULL;

  /* The middle peer has port 0 and must be skipped. */
  resp = parse_ok (BYTES ("d8:completei5e10:incompletei7e8:intervali1800e12:min intervali60e"
                          "5:peers18:\x0a\x00\x00\x01\x1a\xe1" "\x0a\x00\x00\x02\x00\x00" "\xc0\xa8\x01\x02\xff\xff"
                          "10:tracker id3:abc15:warning message8:be\x01nice\xff" "e"));
  g_assert_cmpint (resp->interval, ==, 1800);
  g_assert_cmpint (resp->min_interval, ==, 60);
  g_assert_cmpint (resp->seeders, ==, 5);
  g_assert_cmpint (resp->leechers, ==, 7);
  g_assert_cmpstr (resp->tracker_id, ==, "abc");
  g_assert_cmpstr (resp->warning, ==, "be nice\xef\xbf\xbd");
  g_assert_cmpuint (resp->peers->len, ==, 2);
  assert_peer (resp, 0, "10.0.0.1:6881");
  assert_peer (resp, 1, "192.168.1.2:65535");

  sa = shoal_tracker_peer_to_socket_address (&g_array_index (resp->peers, ShoalTrackerPeer, 0));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)), ==, 6881);
}

static void
test_parse_minimal (void)
{
  g_autoptr(ShoalTrackerResponse) resp = parse_ok (BYTES ("d8:intervali0e5:peers0:e\r\n"));

  g_assert_cmpint (resp->interval, ==, 0);
  g_assert_cmpint (resp->min_interval, ==, -1);
  g_assert_cmpint (resp->seeders, ==, -1);
  g_assert_cmpint (resp->leechers, ==, -1);
  g_assert_null (resp->tracker_id);
  g_assert_null (resp->warning);
  g_assert_cmpuint (resp->peers->len, ==, 0);
}

static void
test_parse_dict_peers (void)
{
  g_autoptr(ShoalTrackerResponse) resp = NULL;

  /* Host names, bad ports, missing keys and non-dictionaries are skipped. */
  resp = parse_ok (BYTES ("d8:intervali900e5:peersl"
                          "d2:ip8:10.1.2.37:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti51413ee"
                          "d2:ip11:example.com4:porti1ee"
                          "d2:ip7:1.2.3.44:porti0ee"
                          "d2:ip7:1.2.3.44:porti65536ee"
                          "d2:ip7:1.2.3.44:port2:80e"
                          "d4:porti80ee"
                          "i5e"
                          "d2:ip8:1.2.3\x00" "454:porti1ee"
                          "d2:ip11:2001:db8::14:porti6881ee"
                          "ee"));
  g_assert_cmpuint (resp->peers->len, ==, 2);
  assert_peer (resp, 0, "10.1.2.3:51413");
  assert_peer (resp, 1, "[2001:db8::1]:6881");
}

static void
test_parse_peers6 (void)
{
  g_autoptr(ShoalTrackerResponse) resp = NULL;

  resp = parse_ok (BYTES ("d8:intervali60e5:peers6:\x7f\x00\x00\x01\x00\x50"
                          "6:peers636:"
                          "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x1a\xe1"
                          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01"
                          "e"));
  g_assert_cmpuint (resp->peers->len, ==, 3);
  assert_peer (resp, 0, "127.0.0.1:80");
  assert_peer (resp, 1, "[2001:db8::2]:6881");
  assert_peer (resp, 2, "[::1]:1");
  g_assert_cmpint (g_array_index (resp->peers, ShoalTrackerPeer, 1).family, ==, G_SOCKET_FAMILY_IPV6);
}

static void
test_parse_failure_reason (void)
{
  g_autoptr(GBytes) body = BYTES ("d14:failure reason23:Torrent not\nregistered.8:intervali60ee");
  g_autoptr(GBytes) empty = BYTES ("d14:failure reason0:e");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;

  g_assert_null (shoal_tracker_http_parse_announce (body, &error));
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  g_assert_cmpstr (error->message, ==, "Torrent not registered.");

  g_assert_null (shoal_tracker_http_parse_announce (empty, &error2));
  g_assert_error (error2, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  g_assert_cmpstr (error2->message, !=, "");
}

typedef struct
{
  const char *name;
  const char *body;
  gsize       len;
  gint        code;
} BadCase;

#define BAD(name, lit, code) { name, lit, sizeof (lit) - 1, SHOAL_TRACKER_ERROR_ ## code }

static const BadCase bad_announces[] = {
  BAD ("empty", "", MALFORMED),
  BAD ("not-bencode", "<html>oops</html>", MALFORMED),
  BAD ("truncated", "d8:intervali60e5:peers6:abc", MALFORMED),
  BAD ("not-a-dict", "l8:intervali60ee", MALFORMED),
  BAD ("trailing-garbage", "d8:intervali60ee!", MALFORMED),
  BAD ("no-interval", "d5:peers0:e", MALFORMED),
  BAD ("negative-interval", "d8:intervali-1ee", MALFORMED),
  BAD ("huge-interval", "d8:intervali4294967296ee", MALFORMED),
  BAD ("string-interval", "d8:interval4:1800e", MALFORMED),
  BAD ("negative-complete", "d8:completei-5e8:intervali60ee", MALFORMED),
  BAD ("peers-integer", "d8:intervali60e5:peersi5ee", MALFORMED),
  BAD ("peers-bad-length", "d8:intervali60e5:peers7:\x01\x02\x03\x04\x05\x06\x07" "e", MALFORMED),
  BAD ("peers6-bad-length", "d8:intervali60e6:peers617:aaaaaaaaaaaaaaaaae", MALFORMED),
  BAD ("peers6-list", "d8:intervali60e6:peers6lee", MALFORMED),
  BAD ("failure-not-string", "d14:failure reasoni1ee", MALFORMED),
  BAD ("warning-not-string", "d8:intervali60e15:warning messagei1ee", MALFORMED),
  BAD ("tracker-id-not-string", "d8:intervali60e10:tracker idi1ee", MALFORMED),
  BAD ("too-deep", "d8:intervali60e1:xlllllllllllllllllllleeeeeeeeeeeeeeeeeeeee", MALFORMED),
};

static void
test_parse_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GBytes) body = g_bytes_new_static (c->body, c->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) resp = shoal_tracker_http_parse_announce (body, &error);

  g_assert_null (resp);
  g_assert_error (error, SHOAL_TRACKER_ERROR, c->code);
}

static void
test_parse_oversized (void)
{
  gsize len = SHOAL_TRACKER_MAX_RESPONSE + 1;
  g_autofree gchar *data = g_malloc (len);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) resp = NULL;

  /* A valid response padded to one byte over the limit. */
  memset (data, ' ', len);
  memcpy (data, "d8:intervali60ee", 16);
  body = g_bytes_new_take (g_steal_pointer (&data), len);
  resp = shoal_tracker_http_parse_announce (body, &error);
  g_assert_null (resp);
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE);
}

static void
test_parse_peer_limit (void)
{
  guint n = SHOAL_TRACKER_MAX_PEERS + 500;
  g_autoptr(GString) str = g_string_new (NULL);
  g_autoptr(ShoalTrackerResponse) resp = NULL;

  g_string_append_printf (str, "d8:intervali60e5:peers%u:", n * 6);
  for (guint i = 0; i < n; i++)
    {
      guint8 peer[6] = { 10, (guint8) (i >> 16), (guint8) (i >> 8), (guint8) i, 0x1a, 0xe1 };

      g_string_append_len (str, (const gchar *) peer, 6);
    }
  g_string_append_c (str, 'e');
  resp = parse_ok (g_bytes_new (str->str, str->len));
  g_assert_cmpuint (resp->peers->len, ==, SHOAL_TRACKER_MAX_PEERS);
  assert_peer (resp, SHOAL_TRACKER_MAX_PEERS - 1, "10.0.3.231:6881");
}

/* HTTP scrape parsing */

static void
test_parse_scrape (void)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerScrapeEntry *e;

  body = BYTES ("d5:filesd"
                "3:bad" "d8:completei1ee"
                "20:aaaaaaaaaaaaaaaaaaaa" "d8:completei3e10:downloadedi10e10:incompletei4ee"
                "20:bbbbbbbbbbbbbbbbbbbb" "de"
                "ee");
  entries = shoal_tracker_http_parse_scrape (body, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);
  g_assert_cmpmem (e->info_hash, 20, "aaaaaaaaaaaaaaaaaaaa", 20);
  g_assert_cmpint (e->complete, ==, 3);
  g_assert_cmpint (e->incomplete, ==, 4);
  g_assert_cmpint (e->downloaded, ==, 10);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 1);
  g_assert_cmpmem (e->info_hash, 20, "bbbbbbbbbbbbbbbbbbbb", 20);
  g_assert_cmpint (e->complete, ==, -1);
  g_assert_cmpint (e->incomplete, ==, -1);
  g_assert_cmpint (e->downloaded, ==, -1);
}

static void
test_parse_scrape_bad (void)
{
  static const BadCase cases[] = {
    BAD ("failure", "d14:failure reason4:nopee", FAILURE),
    BAD ("no-files", "d5:filesi1ee", MALFORMED),
    BAD ("missing-files", "de", MALFORMED),
    BAD ("entry-not-dict", "d5:filesd20:aaaaaaaaaaaaaaaaaaaai1eee", MALFORMED),
    BAD ("negative", "d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei-1eeee", MALFORMED),
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new_static (cases[i].body, cases[i].len);
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) entries = shoal_tracker_http_parse_scrape (body, &error);

      g_test_message ("case %s", cases[i].name);
      g_assert_null (entries);
      g_assert_error (error, SHOAL_TRACKER_ERROR, cases[i].code);
    }
}

static void
test_sanitize_text (void)
{
  g_autofree gchar *a = shoal_tracker_sanitize_text ((const guint8 *) "\tok\x1b[31m\x00z ", 11);
  g_autofree gchar *long_text = g_malloc (5000);
  g_autofree gchar *b = NULL;

  g_assert_cmpstr (a, ==, "ok [31m\xef\xbf\xbdz");
  memset (long_text, 'x', 5000);
  b = shoal_tracker_sanitize_text ((const guint8 *) long_text, 5000);
  g_assert_cmpuint (strlen (b), ==, SHOAL_TRACKER_MAX_TEXT);
}

/* UDP codecs */

static void
test_udp_build_announce (void)
{
  ShoalTrackerRequest req;
  guint8 pkt[SHOAL_TRACKER_UDP_ANNOUNCE_LEN];
  static const guint8 tail[] = {
    0, 0, 0, 0, 0, 0, 0, 2,                  /* downloaded */
    0, 0, 0, 1, 0x2a, 0x05, 0xf2, 0x00,      /* left = 5e9 */
    0, 0, 0, 0, 0, 0, 0, 1,                  /* uploaded */
    0, 0, 0, 2,                              /* event started */
    0, 0, 0, 0,                              /* IP */
    0xde, 0xad, 0xbe, 0xef,                  /* key */
    0xff, 0xff, 0xff, 0xff,                  /* numwant -1 */
    0x1a, 0xe1,                              /* port */
  };

  make_request (&req);
  req.event = SHOAL_TRACKER_EVENT_STARTED;
  shoal_tracker_udp_build_announce (&req, G_GUINT64_CONSTANT (0x0102030405060708), 0xa1b2c3d4, pkt);
  g_assert_cmpmem (pkt, 16, "\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x01\xa1\xb2\xc3\xd4", 16);
  g_assert_cmpmem (pkt + 16, 20, req.info_hash, 20);
  g_assert_cmpmem (pkt + 36, 20, req.peer_id, 20);
  g_assert_cmpmem (pkt + 56, sizeof tail, tail, sizeof tail);
}

static void
test_udp_parse_announce (void)
{
  static const guint8 v4[] = {
    0, 0, 0, 1, 9, 9, 9, 9, 0, 0, 0x07, 0x08, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff,
    127, 0, 0, 1, 0x1a, 0xe1,
    127, 0, 0, 2, 0, 0,
  };
  static const guint8 v6[] = {
    0, 0, 0, 1, 9, 9, 9, 9, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x50,
  };
  g_autoptr(ShoalTrackerResponse) r4 = NULL;
  g_autoptr(ShoalTrackerResponse) r6 = NULL;
  g_autoptr(GError) error = NULL;

  r4 = shoal_tracker_udp_parse_announce (v4, sizeof v4, G_SOCKET_FAMILY_IPV4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r4->interval, ==, 1800);
  g_assert_cmpint (r4->leechers, ==, 2);
  g_assert_cmpint (r4->seeders, ==, G_MAXUINT32);
  g_assert_cmpuint (r4->peers->len, ==, 1);
  assert_peer (r4, 0, "127.0.0.1:6881");

  r6 = shoal_tracker_udp_parse_announce (v6, sizeof v6, G_SOCKET_FAMILY_IPV6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r6->peers->len, ==, 1);
  assert_peer (r6, 0, "[::1]:80");

  /* Lengths that do not divide, a short header, another action. */
  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autoptr(GError) e4 = NULL;
    g_autoptr(GError) e5 = NULL;
    guint8 wrong_action[20] = { 0, 0, 0, 2 };

    g_assert_null (shoal_tracker_udp_parse_announce (v4, sizeof v4, G_SOCKET_FAMILY_IPV6, &e1));
    g_assert_error (e1, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
    g_assert_null (shoal_tracker_udp_parse_announce (v6, sizeof v6 - 1, G_SOCKET_FAMILY_IPV6, &e2));
    g_assert_error (e2, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
    g_assert_null (shoal_tracker_udp_parse_announce (v4, 19, G_SOCKET_FAMILY_IPV4, &e3));
    g_assert_error (e3, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
    g_assert_null (shoal_tracker_udp_parse_announce (wrong_action, 20, G_SOCKET_FAMILY_IPV4, &e4));
    g_assert_error (e4, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
    /* The bare header is how opentracker refuses an unknown torrent. */
    g_assert_null (shoal_tracker_udp_parse_announce (v4, 8, G_SOCKET_FAMILY_IPV4, &e5));
    g_assert_error (e5, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  }
}

static void
test_udp_parse_scrape (void)
{
  static const guint8 resp[] = {
    0, 0, 0, 2, 1, 2, 3, 4,
    0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7,
  };
  guint8 hashes[40];
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  ShoalTrackerScrapeEntry *e;

  memset (hashes, 'h', 20);
  memset (hashes + 20, 'i', 20);
  entries = shoal_tracker_udp_parse_scrape (resp, sizeof resp, hashes, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);
  g_assert_cmpmem (e->info_hash, 20, hashes, 20);
  g_assert_cmpint (e->complete, ==, 5);
  g_assert_cmpint (e->downloaded, ==, 6);
  g_assert_cmpint (e->incomplete, ==, 7);

  g_assert_null (shoal_tracker_udp_parse_scrape (resp, sizeof resp - 1, hashes, 2, &e1));
  g_assert_error (e1, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
  g_assert_null (shoal_tracker_udp_parse_scrape (resp, sizeof resp, hashes, 0, &e2));
  g_assert_error (e2, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_MALFORMED);
}

static void
test_udp_url (void)
{
  const char *bad[] = { "udp://t.example", "http://t.example:80", "udp://:80", "udp://t.example:0", "udp//x" };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerUdp) t = shoal_tracker_udp_new ("udp://[::1]:6969/announce", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (shoal_tracker_udp_get_host (t), ==, "::1");
  g_assert_cmpuint (shoal_tracker_udp_get_port (t), ==, 6969);
  g_assert_false (shoal_tracker_udp_has_connection_id (t));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(ShoalTrackerUdp) u = shoal_tracker_udp_new (bad[i], &e);

      g_assert_null (u);
      g_assert_error (e, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_URL);
    }
}

/* Async helpers */

static void
capture_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until @slot is filled, for at most
 * WAIT_LIMIT_MS; also returns how long that took. */
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

/* A fake HTTP tracker */

typedef struct
{
  SoupServer *server;
  gchar      *base;
  gchar      *last_query;
  guint       n_requests;
  gchar      *redirect_to;  /* where /redirect/announce sends the client */
} HttpFixture;

static void
http_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  HttpFixture *f = user_data;
  const char *q = g_uri_get_query (soup_server_message_get_uri (msg));

  g_free (f->last_query);
  f->last_query = g_strdup (q);
  f->n_requests++;

  if (g_str_equal (path, "/redirect/announce") && f->redirect_to != NULL)
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, f->redirect_to);
  else if (g_str_equal (path, "/loop/announce"))
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/loop/announce");
  else if (g_str_equal (path, "/announce"))
    {
      static const char body[] = "d8:intervali120e5:peers6:\x7f\x00\x00\x01\x1a\xe1" "e";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, body, sizeof body - 1);
    }
  else if (g_str_equal (path, "/scrape"))
    {
      static const char body[] = "d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei1e10:downloadedi2e10:incompletei3eeee";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, body, sizeof body - 1);
    }
  else if (g_str_equal (path, "/refused/announce"))
    {
      static const char body[] = "d14:failure reason12:unregisterede";

      soup_server_message_set_status (msg, 403, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, body, sizeof body - 1);
    }
  else if (g_str_equal (path, "/broken/announce"))
    {
      static const char body[] = "<h1>Internal error</h1>";

      soup_server_message_set_status (msg, 500, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, body, sizeof body - 1);
    }
  else if (g_str_equal (path, "/big/announce") || g_str_equal (path, "/chunked/announce"))
    {
      SoupMessageBody *out = soup_server_message_get_response_body (msg);
      g_autofree gchar *chunk = g_malloc (256 * 1024);

      /* 2.25 MiB: past the limit however it is framed. */
      memset (chunk, ' ', 256 * 1024);
      if (g_str_equal (path, "/chunked/announce"))
        soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                           SOUP_ENCODING_CHUNKED);
      soup_message_body_append (out, SOUP_MEMORY_COPY, "d8:intervali60ee", 16);
      for (guint i = 0; i < 9; i++)
        soup_message_body_append (out, SOUP_MEMORY_COPY, chunk, 256 * 1024);
      soup_message_body_complete (out);
      soup_server_message_set_status (msg, 200, NULL);
    }
  else if (g_str_equal (path, "/slow/announce"))
    {
      /* Never answered: the client must time out. */
      soup_server_message_pause (msg);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
http_setup (HttpFixture   *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, http_handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
http_teardown (HttpFixture   *f,
               gconstpointer  data)
{
  soup_server_disconnect (f->server);
  g_assert_finalize_object (f->server);
  g_free (f->base);
  g_free (f->last_query);
  g_free (f->redirect_to);
}

static ShoalTrackerResponse *
http_announce (HttpFixture  *f,
               const char   *path,
               guint         timeout_ms,
               GError      **error)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree gchar *url = g_strconcat (f->base, path, NULL);
  ShoalTrackerRequest req;

  make_request (&req);
  shoal_tracker_http_announce_async (session, url, &req, timeout_ms, NULL, capture_cb, &result);
  wait_for (&result, NULL);
  return shoal_tracker_http_announce_finish (result, error);
}

static void
test_http_announce (HttpFixture   *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) resp = http_announce (f, "/announce?passkey=x", 0, &error);

  g_assert_no_error (error);
  g_assert_cmpint (resp->interval, ==, 120);
  assert_peer (resp, 0, "127.0.0.1:6881");
  /* The binary escaping reaches the server untouched. */
  g_assert_cmpstr (f->last_query, ==, "passkey=x&" EXPECTED_PARAMS);
}

static void
test_http_scrape (HttpFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = g_strconcat (f->base, "/announce", NULL);
  ShoalTrackerScrapeEntry *e;

  shoal_tracker_http_scrape_async (session, url, (const guint8 *) "aaaaaaaaaaaaaaaaaaaa", 1, 0,
                                   NULL, capture_cb, &result);
  entries = shoal_tracker_http_scrape_finish (wait_for (&result, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  e = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);
  g_assert_cmpint (e->complete, ==, 1);
  g_assert_cmpint (e->downloaded, ==, 2);
  g_assert_cmpint (e->incomplete, ==, 3);
  g_assert_cmpstr (f->last_query, ==, "info_hash=aaaaaaaaaaaaaaaaaaaa");
}

static void
test_http_errors (HttpFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;
  g_autoptr(GError) e5 = NULL;

  /* A failure reason beats the HTTP status it came with. */
  g_assert_null (http_announce (f, "/refused/announce", 0, &e1));
  g_assert_error (e1, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  g_assert_cmpstr (e1->message, ==, "unregistered");

  g_assert_null (http_announce (f, "/broken/announce", 0, &e2));
  g_assert_error (e2, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_HTTP);

  g_assert_null (http_announce (f, "/big/announce", 0, &e3));
  g_assert_error (e3, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE);

  g_assert_null (http_announce (f, "/chunked/announce", 0, &e4));
  g_assert_error (e4, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TOO_LARGE);

  g_assert_null (http_announce (f, "/nothing/here", 0, &e5));
  g_assert_error (e5, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_HTTP);
}

static void
test_http_timeout (HttpFixture   *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_null (http_announce (f, "/slow/announce", 200, &error));
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT);
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, >=, 190);
}

static void
test_http_cancel (HttpFixture   *f,
                  gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = g_strconcat (f->base, "/slow/announce", NULL);
  ShoalTrackerRequest req;

  make_request (&req);
  shoal_tracker_http_announce_async (session, url, &req, 5000, cancellable, capture_cb, &result);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  g_assert_null (shoal_tracker_http_announce_finish (wait_for (&result, NULL), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Redirects */

typedef struct
{
  const char       *original;
  const char       *target;
  ShoalHttpRedirect verdict;
} RedirectCase;

static void
test_redirect_rule (void)
{
  static const RedirectCase cases[] = {
    /* The attack of issue 11, and its variants. */
    { "http://tracker.example/announce", "http://127.0.0.2/internal-admin", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://10.1.2.3/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://172.16.0.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://172.31.255.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://192.168.1.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://169.254.169.254/latest/meta-data/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://100.64.0.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://0.0.0.0:8080/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "https://[::1]:8443/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://[fe80::1]/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://[fd12:3456::1]/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://[::ffff:127.0.0.1]/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://localhost:631/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://LocalHost./", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://admin.localhost/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://router/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    /* Old IPv4 forms the resolver still reads as 127.0.0.1. */
    { "http://tracker.example/announce", "http://127.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://2130706433/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    { "http://tracker.example/announce", "http://0x7f.0.0.1/", SHOAL_HTTP_REDIRECT_LOCAL_HOST },
    /* Public targets are fine. */
    { "http://tracker.example/announce", "http://other.example:6969/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://tracker.example/announce", "https://tracker.example/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://tracker.example/announce", "http://198.51.100.7/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://tracker.example/announce", "http://[2001:db8::1]/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://tracker.example/announce", "http://172.32.0.1/", SHOAL_HTTP_REDIRECT_ALLOWED },
    /* A tracker on a local host may send us to another. */
    { "http://127.0.0.1:6969/announce", "http://127.0.0.2/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://127.0.0.1:6969/announce", "http://[::1]:6969/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://192.168.1.5/announce", "http://10.0.0.1/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    { "http://localhost/announce", "http://tracker.example/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    /* Never from https to http, wherever the tracker is. */
    { "https://tracker.example/announce", "http://tracker.example/announce", SHOAL_HTTP_REDIRECT_DOWNGRADE },
    { "HTTPS://tracker.example/announce", "http://mirror.example/announce", SHOAL_HTTP_REDIRECT_DOWNGRADE },
    { "https://127.0.0.1/announce", "http://127.0.0.1/announce", SHOAL_HTTP_REDIRECT_DOWNGRADE },
    { "https://tracker.example/announce", "https://mirror.example/announce", SHOAL_HTTP_REDIRECT_ALLOWED },
    /* Nothing but http(s). */
    { "http://tracker.example/announce", "ftp://tracker.example/announce", SHOAL_HTTP_REDIRECT_NOT_HTTP },
    { "http://tracker.example/announce", "file:///etc/passwd", SHOAL_HTTP_REDIRECT_NOT_HTTP },
    { "http://127.0.0.1/announce", "udp://127.0.0.1:6969/announce", SHOAL_HTTP_REDIRECT_NOT_HTTP },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GUri) original = g_uri_parse (cases[i].original, G_URI_FLAGS_ENCODED, NULL);
      g_autoptr(GUri) target = g_uri_parse (cases[i].target, G_URI_FLAGS_ENCODED, NULL);

      g_test_message ("%s -> %s", cases[i].original, cases[i].target);
      g_assert_nonnull (original);
      g_assert_nonnull (target);
      g_assert_cmpint (shoal_http_redirect_check (original, target), ==, cases[i].verdict);
    }
}

/* A tracker on 127.0.0.1 may send us to another loopback host. */
static void
test_http_redirect_local_followed (HttpFixture   *f,
                                   gconstpointer  data)
{
  g_autoptr(SoupServer) other = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) lo2 = g_inet_address_new_from_string ("127.0.0.2");
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (lo2, 0);
  g_autoptr(GError) listen_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) resp = NULL;
  HttpFixture other_f = { 0 };
  GSList *uris;

  soup_server_add_handler (other, NULL, http_handler, &other_f, NULL);
  if (!soup_server_listen (other, sa, 0, &listen_error))
    {
      g_test_skip_printf ("Cannot listen on 127.0.0.2: %s", listen_error->message);
      return;
    }
  uris = soup_server_get_uris (other);
  f->redirect_to = g_strdup_printf ("http://127.0.0.2:%d/announce", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  resp = http_announce (f, "/redirect/announce", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resp->interval, ==, 120);
  g_assert_cmpuint (other_f.n_requests, ==, 1);

  soup_server_disconnect (other);
  g_free (other_f.last_query);
}

/* Redirects are followed a few times, not until libsoup's own limit. */
static void
test_http_redirect_loop (HttpFixture   *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (http_announce (f, "/loop/announce", 0, &error));
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_REDIRECT);
  g_assert_nonnull (strstr (error->message, "redirected more than"));
  g_assert_cmpuint (f->n_requests, <=, 6);
}

/* A self-signed certificate for 127.0.0.1, made here so that the test
 * needs no tool; its PEM also goes to @ca_path, for the client to trust. */
static GTlsCertificate *
make_local_certificate (const char *ca_path)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_datum_t key_pem = { 0 };
  gnutls_datum_t crt_pem = { 0 };
  static const guint8 ip[4] = { 127, 0, 0, 1 };
  static const guint8 serial[1] = { 1 };
  time_t now = time (NULL);
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *cert;

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_version (crt, 3), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_activation_time (crt, now - 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_expiration_time (crt, now + 24 * 3600), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, "127.0.0.1", 9), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ip, sizeof ip,
                                                         GNUTLS_FSAN_SET), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_basic_constraints (crt, 1, -1), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_set_key (crt, key), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2 (key, GNUTLS_X509_FMT_PEM, &key_pem), ==, 0);

  g_assert_true (g_file_set_contents (ca_path, (const char *) crt_pem.data, crt_pem.size, NULL));
  pem = g_strdup_printf ("%.*s%.*s", (int) crt_pem.size, crt_pem.data, (int) key_pem.size, key_pem.data);
  cert = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);

  gnutls_free (crt_pem.data);
  gnutls_free (key_pem.data);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  return cert;
}

/* An HTTPS tracker (on 127.0.0.1, so no local-host rule helps) that
 * redirects to plain HTTP is not followed: the plain server sees nothing. */
static void
test_http_redirect_downgrade (HttpFixture   *f,
                              gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("shoal-tracker-tls-XXXXXX", NULL);
  g_autofree char *ca_path = g_build_filename (dir, "ca.pem", NULL);
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(SoupServer) tls_server = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GTlsDatabase) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tls_base = NULL;
  HttpFixture tls_f = { 0 };
  ShoalTrackerRequest req;
  GSList *uris;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("No TLS backend");
      return;
    }
  cert = make_local_certificate (ca_path);
  tls_server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (tls_server, NULL, http_handler, &tls_f, NULL);
  soup_server_listen_local (tls_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (tls_server);
  tls_base = g_strdup_printf ("https://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  db = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, db);
  make_request (&req);

  /* The HTTPS tracker works... */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(ShoalTrackerResponse) resp = NULL;
    g_autofree char *url = g_strconcat (tls_base, "/announce", NULL);

    shoal_tracker_http_announce_async (session, url, &req, 0, NULL, capture_cb, &result);
    resp = shoal_tracker_http_announce_finish (wait_for (&result, NULL), &error);
    g_assert_no_error (error);
    g_assert_cmpint (resp->interval, ==, 120);
  }

  /* ...and its redirect to plain HTTP is refused, saying so. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autofree char *url = g_strconcat (tls_base, "/redirect/announce", NULL);

    tls_f.redirect_to = g_strconcat (f->base, "/announce", NULL);
    shoal_tracker_http_announce_async (session, url, &req, 0, NULL, capture_cb, &result);
    g_assert_null (shoal_tracker_http_announce_finish (wait_for (&result, NULL), &error));
    g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_BAD_REDIRECT);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "from HTTPS to plain HTTP"));
    g_assert_cmpuint (f->n_requests, ==, 0);
  }

  soup_server_disconnect (tls_server);
  g_free (tls_f.last_query);
  g_free (tls_f.redirect_to);
  g_unlink (ca_path);
  g_rmdir (dir);
}

/* A fake UDP tracker */

typedef struct
{
  GSocket  *socket;
  GSocket  *decoy;         /* answers from the wrong port */
  GSource  *source;
  guint16   port;
  guint64   connection_id;
  guint     n_connects;
  guint     n_announces;
  guint     n_scrapes;
  guint     drop;          /* datagrams to ignore before answering */
  gboolean  refuse;        /* answer announces with an error */
  gboolean  stray_first;   /* send junk and a wrong transaction id first */
} UdpFixture;

static void
udp_reply (UdpFixture     *f,
           GSocket        *from,
           GSocketAddress *to,
           const guint8   *data,
           gsize           len)
{
  g_autoptr(GError) error = NULL;

  g_socket_send_to (from, to, (const gchar *) data, len, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
udp_server_cb (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  UdpFixture *f = user_data;
  g_autoptr(GSocketAddress) from = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buf[2048];
  guint8 out[64] = { 0, };
  gssize n;
  guint32 action;

  n = g_socket_receive_from (socket, &from, (gchar *) buf, sizeof buf, NULL, &error);
  if (n < 0)
    return G_SOURCE_CONTINUE;
  g_assert_cmpint (n, >=, 16);
  if (f->drop > 0)
    {
      f->drop--;
      return G_SOURCE_CONTINUE;
    }

  action = ((guint32) buf[8] << 24) | ((guint32) buf[9] << 16) | ((guint32) buf[10] << 8) | buf[11];
  memcpy (out + 4, buf + 12, 4);  /* transaction id */
  if (action == SHOAL_TRACKER_UDP_ACTION_CONNECT)
    {
      g_assert_cmpmem (buf, 8, "\x00\x00\x04\x17\x27\x10\x19\x80", 8);
      f->n_connects++;
      f->connection_id = g_random_int ();
      out[3] = 0;
      for (guint i = 0; i < 8; i++)
        out[8 + i] = (guint8) (f->connection_id >> (56 - 8 * i));
      udp_reply (f, socket, from, out, 16);
      return G_SOURCE_CONTINUE;
    }

  /* Every other request must carry the id we handed out. */
  for (guint i = 0; i < 8; i++)
    g_assert_cmpuint (buf[i], ==, (guint8) (f->connection_id >> (56 - 8 * i)));

  if (action == SHOAL_TRACKER_UDP_ACTION_ANNOUNCE)
    {
      g_assert_cmpint (n, ==, SHOAL_TRACKER_UDP_ANNOUNCE_LEN);
      f->n_announces++;
      if (f->refuse)
        {
          out[3] = 3;
          memcpy (out + 8, "go away", 7);
          udp_reply (f, socket, from, out, 15);
          return G_SOURCE_CONTINUE;
        }
      out[3] = 1;
      out[11] = 60;       /* interval */
      out[15] = 4;        /* leechers */
      out[19] = 5;        /* seeders */
      memcpy (out + 20, "\x0a\x00\x00\x09\x1a\xe1", 6);
      if (f->stray_first)
        {
          guint8 junk[26];

          memcpy (junk, out, 26);
          junk[23] = 66;
          udp_reply (f, f->decoy, from, junk, 26);   /* right id, wrong address */
          junk[7] ^= 0xff;
          udp_reply (f, socket, from, junk, 26);     /* wrong transaction id */
          udp_reply (f, socket, from, junk, 3);      /* runt */
        }
      udp_reply (f, socket, from, out, 26);
      return G_SOURCE_CONTINUE;
    }

  g_assert_cmpuint (action, ==, SHOAL_TRACKER_UDP_ACTION_SCRAPE);
  g_assert_cmpint (n, ==, 16 + 40);
  f->n_scrapes++;
  out[3] = 2;
  out[11] = 1;
  out[15] = 2;
  out[19] = 3;
  out[23] = 4;
  out[27] = 5;
  out[31] = 6;
  udp_reply (f, socket, from, out, 32);
  return G_SOURCE_CONTINUE;
}

static GSocket *
udp_bind_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  g_socket_bind (socket, addr, FALSE, &error);
  g_assert_no_error (error);
  return socket;
}

static void
udp_setup (UdpFixture    *f,
           gconstpointer  data)
{
  g_autoptr(GSocketAddress) local = NULL;

  f->socket = udp_bind_loopback ();
  f->decoy = udp_bind_loopback ();
  local = g_socket_get_local_address (f->socket, NULL);
  f->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  f->source = g_socket_create_source (f->socket, G_IO_IN, NULL);
  g_source_set_callback (f->source, G_SOURCE_FUNC (udp_server_cb), f, NULL);
  g_source_attach (f->source, NULL);
}

static void
udp_teardown (UdpFixture    *f,
              gconstpointer  data)
{
  g_source_destroy (f->source);
  g_source_unref (f->source);
  g_assert_finalize_object (f->socket);
  g_assert_finalize_object (f->decoy);
}

static ShoalTrackerUdp *
udp_client (UdpFixture *f,
            guint       base_ms,
            guint       tries)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = g_strdup_printf ("udp://127.0.0.1:%u/announce", f->port);
  ShoalTrackerUdp *t = shoal_tracker_udp_new (url, &error);

  g_assert_no_error (error);
  shoal_tracker_udp_set_retransmission (t, base_ms, tries);
  return t;
}

static ShoalTrackerResponse *
udp_announce (ShoalTrackerUdp  *t,
              gint64           *elapsed_ms,
              GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  ShoalTrackerRequest req;

  make_request (&req);
  shoal_tracker_udp_announce_async (t, &req, NULL, capture_cb, &result);
  wait_for (&result, elapsed_ms);
  return shoal_tracker_udp_announce_finish (t, result, error);
}

static void
test_udp_announce_caches_connection_id (UdpFixture    *f,
                                        gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 200, 4);
  g_autoptr(ShoalTrackerResponse) r1 = NULL;
  g_autoptr(ShoalTrackerResponse) r2 = NULL;
  g_autoptr(GError) error = NULL;

  r1 = udp_announce (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r1->interval, ==, 60);
  g_assert_cmpint (r1->leechers, ==, 4);
  g_assert_cmpint (r1->seeders, ==, 5);
  assert_peer (r1, 0, "10.0.0.9:6881");
  g_assert_true (shoal_tracker_udp_has_connection_id (t));

  r2 = udp_announce (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_connects, ==, 1);
  g_assert_cmpuint (f->n_announces, ==, 2);
}

static void
test_udp_ignores_strays (UdpFixture    *f,
                         gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 200, 4);
  g_autoptr(ShoalTrackerResponse) r = NULL;
  g_autoptr(GError) error = NULL;

  f->stray_first = TRUE;
  r = udp_announce (t, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->peers->len, ==, 1);
  assert_peer (r, 0, "10.0.0.9:6881");
  g_assert_cmpuint (f->n_announces, ==, 1);
}

static void
test_udp_retransmits (UdpFixture    *f,
                      gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 100, 4);
  g_autoptr(ShoalTrackerResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 elapsed;

  /* Lose the first connect: it is sent again after 100 ms. */
  f->drop = 1;
  r = udp_announce (t, &elapsed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_connects, ==, 1);
  g_assert_cmpint (elapsed, >=, 90);

  f->drop = 1;
  g_clear_pointer (&r, shoal_tracker_response_free);
  r = udp_announce (t, &elapsed, &error);
  g_assert_no_error (error);
  /* A cached id that goes unanswered is dropped and a new one fetched. */
  g_assert_cmpuint (f->n_connects, ==, 2);
  g_assert_cmpuint (f->n_announces, ==, 2);
}

static void
test_udp_error_action (UdpFixture    *f,
                       gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 200, 4);
  g_autoptr(GError) error = NULL;

  f->refuse = TRUE;
  g_assert_null (udp_announce (t, NULL, &error));
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_FAILURE);
  g_assert_cmpstr (error->message, ==, "go away");
}

static void
test_udp_gives_up (UdpFixture    *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 50, 3);
  g_autoptr(GError) error = NULL;
  gint64 elapsed;

  /* Three sends, waits of 50 + 100 + 200 ms, then the error. */
  f->drop = 100;
  g_assert_null (udp_announce (t, &elapsed, &error));
  g_assert_error (error, SHOAL_TRACKER_ERROR, SHOAL_TRACKER_ERROR_TIMEOUT);
  g_assert_cmpuint (f->drop, ==, 97);
  g_assert_cmpint (elapsed, >=, 340);
  g_assert_cmpint (elapsed, <, 5000);
}

static void
test_udp_scrape (UdpFixture    *f,
                 gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 200, 4);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hashes[40];

  memset (hashes, 1, 20);
  memset (hashes + 20, 2, 20);
  shoal_tracker_udp_scrape_async (t, hashes, 2, NULL, capture_cb, &result);
  entries = shoal_tracker_udp_scrape_finish (t, wait_for (&result, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpint (g_array_index (entries, ShoalTrackerScrapeEntry, 1).complete, ==, 4);
  g_assert_cmpint (g_array_index (entries, ShoalTrackerScrapeEntry, 1).downloaded, ==, 5);
  g_assert_cmpint (g_array_index (entries, ShoalTrackerScrapeEntry, 1).incomplete, ==, 6);
  g_assert_cmpmem (g_array_index (entries, ShoalTrackerScrapeEntry, 1).info_hash, 20, hashes + 20, 20);
  g_assert_cmpuint (f->n_scrapes, ==, 1);
}

static void
test_udp_cancel (UdpFixture    *f,
                 gconstpointer  data)
{
  g_autoptr(ShoalTrackerUdp) t = udp_client (f, 5000, 4);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTrackerRequest req;

  f->drop = 100;
  make_request (&req);
  shoal_tracker_udp_announce_async (t, &req, cancellable, capture_cb, &result);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  g_assert_null (shoal_tracker_udp_announce_finish (t, wait_for (&result, NULL), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/tracker/http/url-binary-escaping", test_url_binary_escaping);
  g_test_add_func ("/engine/tracker/http/url-existing-query", test_url_existing_query);
  g_test_add_func ("/engine/tracker/http/url-optional-params", test_url_optional_params);
  g_test_add_func ("/engine/tracker/http/url-reject-bad", test_url_reject_bad);
  g_test_add_func ("/engine/tracker/http/scrape-url", test_scrape_url);
  g_test_add_func ("/engine/tracker/http/parse-compact-peers", test_parse_compact_peers);
  g_test_add_func ("/engine/tracker/http/parse-minimal", test_parse_minimal);
  g_test_add_func ("/engine/tracker/http/parse-dict-peers", test_parse_dict_peers);
  g_test_add_func ("/engine/tracker/http/parse-peers6", test_parse_peers6);
  g_test_add_func ("/engine/tracker/http/parse-failure-reason", test_parse_failure_reason);
  for (guint i = 0; i < G_N_ELEMENTS (bad_announces); i++)
    {
      g_autofree gchar *path = g_strconcat ("/engine/tracker/http/reject-", bad_announces[i].name, NULL);

      g_test_add_data_func (path, &bad_announces[i], test_parse_bad);
    }
  g_test_add_func ("/engine/tracker/http/reject-oversized", test_parse_oversized);
  g_test_add_func ("/engine/tracker/http/peer-limit", test_parse_peer_limit);
  g_test_add_func ("/engine/tracker/http/parse-scrape", test_parse_scrape);
  g_test_add_func ("/engine/tracker/http/parse-scrape-bad", test_parse_scrape_bad);
  g_test_add_func ("/engine/tracker/sanitize-text", test_sanitize_text);
  g_test_add_func ("/engine/tracker/udp/build-announce", test_udp_build_announce);
  g_test_add_func ("/engine/tracker/udp/parse-announce", test_udp_parse_announce);
  g_test_add_func ("/engine/tracker/udp/parse-scrape", test_udp_parse_scrape);
  g_test_add_func ("/engine/tracker/udp/url", test_udp_url);

  g_test_add ("/engine/tracker/http/announce", HttpFixture, NULL, http_setup, test_http_announce, http_teardown);
  g_test_add ("/engine/tracker/http/scrape", HttpFixture, NULL, http_setup, test_http_scrape, http_teardown);
  g_test_add ("/engine/tracker/http/errors", HttpFixture, NULL, http_setup, test_http_errors, http_teardown);
  g_test_add ("/engine/tracker/http/timeout", HttpFixture, NULL, http_setup, test_http_timeout, http_teardown);
  g_test_add ("/engine/tracker/http/cancel", HttpFixture, NULL, http_setup, test_http_cancel, http_teardown);
  g_test_add_func ("/engine/tracker/http/redirect-rule", test_redirect_rule);
  g_test_add ("/engine/tracker/http/redirect-local-followed", HttpFixture, NULL, http_setup,
              test_http_redirect_local_followed, http_teardown);
  g_test_add ("/engine/tracker/http/redirect-loop", HttpFixture, NULL, http_setup,
              test_http_redirect_loop, http_teardown);
  g_test_add ("/engine/tracker/http/redirect-downgrade", HttpFixture, NULL, http_setup,
              test_http_redirect_downgrade, http_teardown);

  g_test_add ("/engine/tracker/udp/announce-caches-connection-id", UdpFixture, NULL,
              udp_setup, test_udp_announce_caches_connection_id, udp_teardown);
  g_test_add ("/engine/tracker/udp/ignores-strays", UdpFixture, NULL,
              udp_setup, test_udp_ignores_strays, udp_teardown);
  g_test_add ("/engine/tracker/udp/retransmits", UdpFixture, NULL,
              udp_setup, test_udp_retransmits, udp_teardown);
  g_test_add ("/engine/tracker/udp/error-action", UdpFixture, NULL,
              udp_setup, test_udp_error_action, udp_teardown);
  g_test_add ("/engine/tracker/udp/gives-up", UdpFixture, NULL,
              udp_setup, test_udp_gives_up, udp_teardown);
  g_test_add ("/engine/tracker/udp/scrape", UdpFixture, NULL,
              udp_setup, test_udp_scrape, udp_teardown);
  g_test_add ("/engine/tracker/udp/cancel", UdpFixture, NULL,
              udp_setup, test_udp_cancel, udp_teardown);

  return g_test_run ();
}
