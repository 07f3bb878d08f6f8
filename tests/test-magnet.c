/* test-magnet.c: tests for magnet link parsing and generation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-magnet.h"

#define HEX       "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
#define HEX_UPPER "C12FE1C06BBA254A9DC9F519B335AA7C1367A88A"
#define B32       "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK"
#define HEX2      "0123456789abcdef0123456789abcdef01234567"
#define B32_2     "AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH"
#define V2HEX     "888696c38e895dd742b8494f449219c12a256a16d0841b93813c841a298df92c"
#define V2HEX2    "0000000000000000000000000000000000000000000000000000000000000001"
#define BTIH      "xt=urn:btih:" HEX
#define BTMH      "xt=urn:btmh:1220" V2HEX

static ShoalMagnet *
parse_ok (const char *uri)
{
  g_autoptr(GError) error = NULL;
  ShoalMagnet *magnet = shoal_magnet_new_from_uri (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (magnet);
  return magnet;
}

static void
assert_parse_error (const char *uri,
                    gint        code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);

  g_assert_error (error, SHOAL_MAGNET_ERROR, code);
  g_assert_null (magnet);
  /* Every error must tell a person something. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), >, 20);
}

static void
assert_hash (const guint8 *hash,
             gsize         len,
             const char   *expected_hex)
{
  g_autofree char *hex = NULL;

  g_assert_nonnull (hash);
  hex = shoal_hex_encode (hash, len);
  g_assert_cmpstr (hex, ==, expected_hex);
}

static void
assert_strv (const char * const *actual,
             const char * const *expected)
{
  g_assert_nonnull (actual);
  g_assert_cmpstrv (actual, expected);
}

static void
assert_magnet_equal (ShoalMagnet *a,
                     ShoalMagnet *b)
{
  const guint8 *ha = shoal_magnet_get_info_hash_v1 (a);
  const guint8 *hb = shoal_magnet_get_info_hash_v1 (b);
  const ShoalMagnetRange *ra;
  const ShoalMagnetRange *rb;
  guint na;
  guint nb;

  g_assert_true ((ha == NULL) == (hb == NULL));
  if (ha != NULL)
    g_assert_cmpmem (ha, SHOAL_SHA1_LEN, hb, SHOAL_SHA1_LEN);
  ha = shoal_magnet_get_info_hash_v2 (a);
  hb = shoal_magnet_get_info_hash_v2 (b);
  g_assert_true ((ha == NULL) == (hb == NULL));
  if (ha != NULL)
    g_assert_cmpmem (ha, SHOAL_SHA256_LEN, hb, SHOAL_SHA256_LEN);
  g_assert_cmpstr (shoal_magnet_get_display_name (a), ==, shoal_magnet_get_display_name (b));
  g_assert_cmpstrv (shoal_magnet_get_trackers (a), shoal_magnet_get_trackers (b));
  g_assert_cmpstrv (shoal_magnet_get_web_seeds (a), shoal_magnet_get_web_seeds (b));
  g_assert_cmpstrv (shoal_magnet_get_peers (a), shoal_magnet_get_peers (b));
  ra = shoal_magnet_get_select_only (a, &na);
  rb = shoal_magnet_get_select_only (b, &nb);
  g_assert_true ((ra == NULL) == (rb == NULL));
  g_assert_cmpmem (ra, na * sizeof *ra, rb, nb * sizeof *rb);
}

static void
test_hex_hash (void)
{
  const char *links[] = {
    "magnet:?" BTIH,
    "magnet:?xt=urn:btih:" HEX_UPPER,
    "magnet:?xt=URN:BTIH:" HEX,
    "MAGNET:?xt=urn:btih:" HEX,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      ShoalMagnet *magnet = parse_ok (links[i]);

      assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
      g_assert_null (shoal_magnet_get_info_hash_v2 (magnet));
      g_assert_null (shoal_magnet_get_display_name (magnet));
      g_assert_nonnull (shoal_magnet_get_trackers (magnet));
      g_assert_null (shoal_magnet_get_trackers (magnet)[0]);
      g_assert_null (shoal_magnet_get_web_seeds (magnet)[0]);
      g_assert_null (shoal_magnet_get_peers (magnet)[0]);
      g_assert_finalize_object (magnet);
    }
}

static void
test_base32_hash (void)
{
  g_autoptr(ShoalMagnet) upper = parse_ok ("magnet:?xt=urn:btih:" B32);
  g_autofree char *lower_b32 = g_ascii_strdown (B32, -1);
  g_autofree char *lower_link = g_strconcat ("magnet:?xt=urn:btih:", lower_b32, NULL);
  g_autoptr(ShoalMagnet) lower = parse_ok (lower_link);
  g_autoptr(ShoalMagnet) other = parse_ok ("magnet:?xt=urn:btih:" B32_2);

  assert_hash (shoal_magnet_get_info_hash_v1 (upper), SHOAL_SHA1_LEN, HEX);
  assert_hash (shoal_magnet_get_info_hash_v1 (lower), SHOAL_SHA1_LEN, HEX);
  assert_hash (shoal_magnet_get_info_hash_v1 (other), SHOAL_SHA1_LEN, HEX2);
}

static void
test_v2_hash (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?" BTMH "&dn=v2");
  g_autoptr(ShoalMagnet) upper = NULL;
  g_autofree char *upper_hex = g_ascii_strup (V2HEX, -1);
  g_autofree char *upper_link = g_strconcat ("magnet:?xt=urn:btmh:1220", upper_hex, NULL);

  assert_hash (shoal_magnet_get_info_hash_v2 (magnet), SHOAL_SHA256_LEN, V2HEX);
  g_assert_null (shoal_magnet_get_info_hash_v1 (magnet));
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "v2");

  upper = parse_ok (upper_link);
  assert_hash (shoal_magnet_get_info_hash_v2 (upper), SHOAL_SHA256_LEN, V2HEX);
}

static void
test_hybrid (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?" BTMH "&" BTIH);

  assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
  assert_hash (shoal_magnet_get_info_hash_v2 (magnet), SHOAL_SHA256_LEN, V2HEX);
}

static void
test_same_hash_repeated (void)
{
  /* The same v1 hash in hex and base32, and the same v2 hash twice. */
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?" BTIH "&xt=urn:btih:" B32 "&xt=urn:btih:" HEX_UPPER
                                            "&" BTMH "&" BTMH);

  assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
  assert_hash (shoal_magnet_get_info_hash_v2 (magnet), SHOAL_SHA256_LEN, V2HEX);
}

static void
test_display_name (void)
{
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalMagnet) first = NULL;
  g_autoptr(ShoalMagnet) empty = NULL;

  /* '+' is a space in dn (form encoding), %2B is a literal '+'. */
  magnet = parse_ok ("magnet:?" BTIH "&dn=Big+Buck%20Bunny%2B%2b%C3%A9%26x%3Dy");
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "Big Buck Bunny++é&x=y");

  first = parse_ok ("magnet:?" BTIH "&dn=first&dn=second");
  g_assert_cmpstr (shoal_magnet_get_display_name (first), ==, "first");

  empty = parse_ok ("magnet:?" BTIH "&dn=&dn=");
  g_assert_null (shoal_magnet_get_display_name (empty));
}

static void
test_plus_kept_outside_dn (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?" BTIH "&tr=http://t.example/a+b"
                                            "&ws=http://w.example/c+d%20e");
  const char *trackers[] = { "http://t.example/a+b", NULL };
  const char *seeds[] = { "http://w.example/c+d e", NULL };

  assert_strv (shoal_magnet_get_trackers (magnet), trackers);
  assert_strv (shoal_magnet_get_web_seeds (magnet), seeds);
}

static void
test_trackers_order_dedup (void)
{
  g_autoptr(ShoalMagnet) magnet = NULL;
  const char *expected[] = {
    "udp://b.example:80/announce",
    "http://a.example/announce?x=1&y=2",
    "https://c.example/announce",
    NULL,
  };

  magnet = parse_ok ("magnet:?tr=udp%3A%2F%2Fb.example%3A80%2Fannounce"
                     "&" BTIH
                     "&tr=http%3A%2F%2Fa.example%2Fannounce%3Fx%3D1%26y%3D2"
                     "&tr=udp://b.example:80/announce"
                     "&tr="
                     "&tr=https://c.example/announce"
                     "&tr=http%3A%2F%2Fa.example%2Fannounce%3Fx%3D1%26y%3D2");
  assert_strv (shoal_magnet_get_trackers (magnet), expected);
}

/* A link with n values "<prefix><i><suffix>" for key, i counting from first. */
static GString *
link_with_repeats (const char *key,
                   const char *prefix,
                   guint       first,
                   guint       n,
                   const char *suffix)
{
  GString *uri = g_string_new ("magnet:?" BTIH);

  for (guint i = first; i < first + n; i++)
    g_string_append_printf (uri, "&%s=%s%u%s", key, prefix, i, suffix);
  return uri;
}

static void
test_trackers_bound (void)
{
  g_autoptr(GString) max = link_with_repeats ("tr", "udp://t", 0, SHOAL_MAGNET_MAX_TRACKERS, ".example:80");
  g_autoptr(GString) over = link_with_repeats ("tr", "udp://t", 0, SHOAL_MAGNET_MAX_TRACKERS + 1, ".example:80");
  g_autoptr(ShoalMagnet) magnet = NULL;

  /* Duplicates do not count against the bound. */
  g_string_append (max, "&tr=udp://t0.example:80&tr=udp://t1.example:80");
  magnet = parse_ok (max->str);
  g_assert_cmpuint (g_strv_length ((char **) shoal_magnet_get_trackers (magnet)), ==, SHOAL_MAGNET_MAX_TRACKERS);
  assert_parse_error (over->str, SHOAL_MAGNET_ERROR_TOO_MANY);
}

static void
test_web_seeds (void)
{
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(GString) max = link_with_repeats ("ws", "http://w.example/", 0, SHOAL_MAGNET_MAX_WEB_SEEDS, "");
  g_autoptr(GString) over = link_with_repeats ("ws", "http://w.example/", 0, SHOAL_MAGNET_MAX_WEB_SEEDS + 1, "");
  g_autoptr(ShoalMagnet) max_magnet = NULL;
  const char *expected[] = { "http://w.example/file", "http://m.example/path%2Fx", NULL };

  magnet = parse_ok ("magnet:?" BTIH "&ws=http%3A%2F%2Fw.example%2Ffile&ws=http://m.example/path%252Fx"
                     "&ws=http://w.example/file");
  assert_strv (shoal_magnet_get_web_seeds (magnet), expected);

  max_magnet = parse_ok (max->str);
  g_assert_cmpuint (g_strv_length ((char **) shoal_magnet_get_web_seeds (max_magnet)), ==, SHOAL_MAGNET_MAX_WEB_SEEDS);
  assert_parse_error (over->str, SHOAL_MAGNET_ERROR_TOO_MANY);
}

static void
test_peers (void)
{
  g_autoptr(ShoalMagnet) magnet = NULL;
  const char *expected[] = {
    "192.0.2.1:6881",
    "[2001:db8::1]:51413",
    "peer.example.org:1",
    "xn--rksmrgs-5wao1o.example:65535",
    NULL,
  };

  /* The same peer with a zero-padded port is kept once. */
  magnet = parse_ok ("magnet:?" BTIH
                     "&x.pe=192.0.2.1:6881"
                     "&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A51413"
                     "&x.pe=peer.example.org:1"
                     "&x.pe=192.0.2.1:06881"
                     "&x.pe=r%C3%A4ksm%C3%B6rg%C3%A5s.example:65535");
  assert_strv (shoal_magnet_get_peers (magnet), expected);
}

static void
test_peers_bound (void)
{
  /* Ports start at 1. */
  g_autoptr(GString) max = link_with_repeats ("x.pe", "10.0.0.1:", 1, SHOAL_MAGNET_MAX_PEERS, "");
  g_autoptr(GString) over = link_with_repeats ("x.pe", "10.0.0.1:", 1, SHOAL_MAGNET_MAX_PEERS + 1, "");
  g_autoptr(ShoalMagnet) magnet = NULL;

  magnet = parse_ok (max->str);
  g_assert_cmpuint (g_strv_length ((char **) shoal_magnet_get_peers (magnet)), ==, SHOAL_MAGNET_MAX_PEERS);
  assert_parse_error (over->str, SHOAL_MAGNET_ERROR_TOO_MANY);
}

static void
test_peer_rejects (void)
{
  const char *peers[] = {
    "192.0.2.1",               /* no port */
    "192.0.2.1:",              /* empty port */
    "192.0.2.1:0",             /* port 0 */
    "192.0.2.1:70000",         /* port too big */
    "192.0.2.1:655350",        /* too many digits */
    "192.0.2.1:%2B80",         /* signed port */
    "192.0.2.1:80x",
    "garbage",
    "%21%21%21:80",
    ":6881",                   /* no host */
    "2001:db8::1:6881",        /* IPv6 without brackets */
    "[2001:db8::1]",           /* no port */
    "[2001:db8::1]6881",
    "[2001:db8::1:6881",       /* unclosed */
    "[192.0.2.1]:6881",        /* IPv4 in brackets */
    "[fe80::1%25eth0]:6881",   /* scope id */
    "[not-an-address]:6881",
    "256.1.1.1:80",            /* not an address, not a name */
    "1.2.3:80",
    "under_score.example:80",
    "-lead.example:80",
    "trail-.example:80",
    "double..dot:80",
    "%20:80",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      g_autofree char *uri = g_strconcat ("magnet:?" BTIH "&x.pe=", peers[i], NULL);

      g_test_message ("x.pe=%s", peers[i]);
      assert_parse_error (uri, SHOAL_MAGNET_ERROR_BAD_PEER);
    }
}

static void
test_select_only (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?" BTIH "&so=0,2,4-6&so=9-9,4294967295");
  g_autoptr(ShoalMagnet) all = parse_ok ("magnet:?" BTIH);
  g_autoptr(ShoalMagnet) escaped = parse_ok ("magnet:?" BTIH "&so=1%2C3-4");
  const ShoalMagnetRange *ranges;
  guint n = 99;

  ranges = shoal_magnet_get_select_only (magnet, &n);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (ranges[0].first, ==, 0);
  g_assert_cmpuint (ranges[0].last, ==, 0);
  g_assert_cmpuint (ranges[1].first, ==, 2);
  g_assert_cmpuint (ranges[1].last, ==, 2);
  g_assert_cmpuint (ranges[2].first, ==, 4);
  g_assert_cmpuint (ranges[2].last, ==, 6);
  g_assert_cmpuint (ranges[3].first, ==, 9);
  g_assert_cmpuint (ranges[3].last, ==, 9);
  g_assert_cmpuint (ranges[4].first, ==, G_MAXUINT32);
  g_assert_cmpuint (ranges[4].last, ==, G_MAXUINT32);

  g_assert_true (shoal_magnet_is_file_selected (magnet, 0));
  g_assert_false (shoal_magnet_is_file_selected (magnet, 1));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 2));
  g_assert_false (shoal_magnet_is_file_selected (magnet, 3));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 4));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 5));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 6));
  g_assert_false (shoal_magnet_is_file_selected (magnet, 7));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 9));
  g_assert_false (shoal_magnet_is_file_selected (magnet, 10));
  g_assert_true (shoal_magnet_is_file_selected (magnet, G_MAXUINT32));

  n = 99;
  g_assert_null (shoal_magnet_get_select_only (all, &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (shoal_magnet_is_file_selected (all, 0));
  g_assert_true (shoal_magnet_is_file_selected (all, 12345));

  ranges = shoal_magnet_get_select_only (escaped, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (ranges[1].first, ==, 3);
  g_assert_cmpuint (ranges[1].last, ==, 4);
  g_assert_false (shoal_magnet_is_file_selected (escaped, 0));
}

static void
test_select_only_rejects (void)
{
  const char *values[] = {
    "", ",", "1,", ",1", "1,,2", "-1", "1-", "3-1", "1--2", "1-2-3",
    "4294967296", "0-4294967296", "99999999999999999999", "a", "1;2", "1 2", "%2B1",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *uri = g_strconcat ("magnet:?" BTIH "&so=", values[i], NULL);

      g_test_message ("so=%s", values[i]);
      assert_parse_error (uri, SHOAL_MAGNET_ERROR_BAD_SELECT_ONLY);
    }
}

static void
test_select_only_bound (void)
{
  g_autoptr(GString) max = g_string_new ("magnet:?" BTIH "&so=0");
  g_autoptr(GString) over = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  guint n;

  for (guint i = 1; i < SHOAL_MAGNET_MAX_SELECT_RANGES; i++)
    g_string_append_printf (max, ",%u", 2 * i);
  magnet = parse_ok (max->str);
  g_assert_nonnull (shoal_magnet_get_select_only (magnet, &n));
  g_assert_cmpuint (n, ==, SHOAL_MAGNET_MAX_SELECT_RANGES);

  /* The bound covers all so= parameters together. */
  over = g_string_new (max->str);
  g_string_append (over, "&so=1");
  assert_parse_error (over->str, SHOAL_MAGNET_ERROR_TOO_MANY);
}

static void
test_numeric_suffix (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?xt.1=urn:btih:" HEX "&dn.1=name&tr.1=udp://a.example:1"
                                            "&tr.2=udp://b.example:2&ws.1=http://w.example/"
                                            "&x.pe.1=192.0.2.7:7&so.1=3&XT.2=urn:btmh:1220" V2HEX);
  const char *trackers[] = { "udp://a.example:1", "udp://b.example:2", NULL };
  const char *seeds[] = { "http://w.example/", NULL };
  const char *peers[] = { "192.0.2.7:7", NULL };

  assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
  assert_hash (shoal_magnet_get_info_hash_v2 (magnet), SHOAL_SHA256_LEN, V2HEX);
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "name");
  assert_strv (shoal_magnet_get_trackers (magnet), trackers);
  assert_strv (shoal_magnet_get_web_seeds (magnet), seeds);
  assert_strv (shoal_magnet_get_peers (magnet), peers);
  g_assert_false (shoal_magnet_is_file_selected (magnet, 0));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 3));

  /* Suffixes do not make two different torrents acceptable. */
  assert_parse_error ("magnet:?xt.1=urn:btih:" HEX "&xt.2=urn:btih:" HEX2,
                      SHOAL_MAGNET_ERROR_CONFLICTING_HASHES);
}

static void
test_unknown_keys_ignored (void)
{
  g_autoptr(ShoalMagnet) magnet = NULL;

  /* Unknown keys, other URNs and non-suffix dotted keys carry no meaning
   * for us, even when their values would be invalid for a known key. */
  magnet = parse_ok ("magnet:?xl=1234&kt=a+b&as=http://x/&xs=%C3%28&mt=x&foo=&x.foo=bar"
                     "&tr.x=not-a-tracker&xt=urn:sha1:ABCDEFG&xt=urn:ed2k:1&xt=btih&" BTIH
                     "&x.pe.x=garbage&so.z=zz");
  assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
  g_assert_null (shoal_magnet_get_trackers (magnet)[0]);
  g_assert_null (shoal_magnet_get_peers (magnet)[0]);
  g_assert_null (shoal_magnet_get_display_name (magnet));
  g_assert_true (shoal_magnet_is_file_selected (magnet, 1));
}

static void
test_empty_parameters (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("magnet:?&&" BTIH "&&&dn=x&");

  assert_hash (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, HEX);
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "x");
}

static void
test_error_not_magnet (void)
{
  assert_parse_error ("", SHOAL_MAGNET_ERROR_NOT_MAGNET);
  assert_parse_error ("magnet:", SHOAL_MAGNET_ERROR_NOT_MAGNET);
  assert_parse_error ("magnet?" BTIH, SHOAL_MAGNET_ERROR_NOT_MAGNET);
  assert_parse_error ("magnet:" BTIH, SHOAL_MAGNET_ERROR_NOT_MAGNET);
  assert_parse_error (" magnet:?" BTIH, SHOAL_MAGNET_ERROR_NOT_MAGNET);
  assert_parse_error ("http://example.com/?" BTIH, SHOAL_MAGNET_ERROR_NOT_MAGNET);
}

static void
test_error_too_long (void)
{
  g_autoptr(GString) uri = g_string_new ("magnet:?" BTIH "&dn=");
  g_autoptr(ShoalMagnet) magnet = NULL;

  while (uri->len < SHOAL_MAGNET_MAX_LENGTH)
    g_string_append_c (uri, 'a');
  magnet = parse_ok (uri->str);
  g_assert_cmpuint (strlen (shoal_magnet_get_display_name (magnet)), ==,
                    SHOAL_MAGNET_MAX_LENGTH - strlen ("magnet:?" BTIH "&dn="));

  g_string_append_c (uri, 'a');
  assert_parse_error (uri->str, SHOAL_MAGNET_ERROR_TOO_LONG);
  /* Length is checked before anything else. */
  g_string_overwrite (uri, 0, "http");
  assert_parse_error (uri->str, SHOAL_MAGNET_ERROR_TOO_LONG);
}

static void
test_error_too_many_parameters (void)
{
  g_autoptr(GString) uri = g_string_new ("magnet:?" BTIH);
  g_autoptr(ShoalMagnet) magnet = NULL;

  for (guint i = 1; i < SHOAL_MAGNET_MAX_PARAMETERS; i++)
    g_string_append (uri, "&&k=v");
  magnet = parse_ok (uri->str);

  g_string_append (uri, "&k=v");
  assert_parse_error (uri->str, SHOAL_MAGNET_ERROR_TOO_MANY);
}

static void
test_error_bad_escape (void)
{
  /* The link is before + after; the bad escape starts after "before". */
  struct { const char *before; const char *after; } cases[] = {
    { "magnet:?" BTIH "&dn=", "%G1" },
    { "magnet:?" BTIH "&dn=", "%1G" },
    { "magnet:?" BTIH "&dn=abc", "%4" },
    { "magnet:?" BTIH "&dn=", "%" },
    { "magnet:?" BTIH "&dn=", "%%41" },
    { "magnet:?" BTIH "&tr=", "%zz&dn=x" },
    { "magnet:?d", "%n=x&" BTIH },
    { "magnet:?" BTIH "&unknown=", "%" },
    { "magnet:?" BTIH "&dn=%41", "%4&dn=x" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *uri = g_strconcat (cases[i].before, cases[i].after, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);
      g_autofree char *where = g_strdup_printf ("Invalid percent escape at position %" G_GSIZE_FORMAT " ",
                                                strlen (cases[i].before));

      g_test_message ("%s", uri);
      g_assert_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_BAD_ESCAPE);
      g_assert_null (magnet);
      g_assert_true (g_str_has_prefix (error->message, where));
    }
}

static void
test_error_no_info_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri ("magnet:?dn=x&tr=udp://t:1", &error);

  g_assert_error (error, SHOAL_MAGNET_ERROR, SHOAL_MAGNET_ERROR_NO_INFO_HASH);
  g_assert_null (magnet);
  g_assert_nonnull (strstr (error->message, "xt=urn:btih:"));
  assert_parse_error ("magnet:?", SHOAL_MAGNET_ERROR_NO_INFO_HASH);
  assert_parse_error ("magnet:?&&&", SHOAL_MAGNET_ERROR_NO_INFO_HASH);
  assert_parse_error ("magnet:?xt=urn:sha1:" B32, SHOAL_MAGNET_ERROR_NO_INFO_HASH);
}

static void
test_error_bad_info_hash (void)
{
  const char *xts[] = {
    "urn:btih:",
    "urn:btih:" HEX "0",                     /* 41 hex */
    "urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88",  /* 39 hex */
    "urn:btih:g12fe1c06bba254a9dc9f519b335aa7c1367a88a", /* not hex */
    "urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1",          /* not base32 */
    "urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE",           /* 31 base32 */
    "urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK%3D",       /* padding */
    "urn:btih:" HEX "%00",
    "urn:btmh:",
    "urn:btmh:12",
    "urn:btmh:1220",
    "urn:btmh:1114" HEX,                      /* SHA-1 multihash */
    "urn:btmh:1320" V2HEX,                    /* SHA-512 code */
    "urn:btmh:1240" V2HEX V2HEX,              /* wrong length code */
    "urn:btmh:" V2HEX,                        /* no multihash prefix */
    "urn:btmh:1220" V2HEX "00",
    "urn:btmh:1220888696c38e895dd742b8494f449219c12a256a16d0841b93813c841a298df92",
    "urn:btmh:1220x88696c38e895dd742b8494f449219c12a256a16d0841b93813c841a298df92c",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (xts); i++)
    {
      g_autofree char *uri = g_strconcat ("magnet:?dn=x&xt=", xts[i], NULL);

      g_test_message ("xt=%s", xts[i]);
      assert_parse_error (uri, SHOAL_MAGNET_ERROR_BAD_INFO_HASH);
    }
}

static void
test_error_conflicting_hashes (void)
{
  assert_parse_error ("magnet:?" BTIH "&xt=urn:btih:" HEX2, SHOAL_MAGNET_ERROR_CONFLICTING_HASHES);
  assert_parse_error ("magnet:?" BTIH "&xt=urn:btih:" B32_2, SHOAL_MAGNET_ERROR_CONFLICTING_HASHES);
  assert_parse_error ("magnet:?" BTMH "&xt=urn:btmh:1220" V2HEX2, SHOAL_MAGNET_ERROR_CONFLICTING_HASHES);
}

static void
test_error_bad_parameter (void)
{
  const char *links[] = {
    "magnet:?" BTIH "&dn",
    "magnet:?" BTIH "&novalue&dn=x",
    "magnet:?" BTIH "&dn=%FF",
    "magnet:?" BTIH "&dn=%C3%28",
    "magnet:?" BTIH "&dn=a%00b",
    "magnet:?" BTIH "&tr=udp://t%00.example:1",
    "magnet:?" BTIH "&tr=http://%E9t%E9/",
    "magnet:?" BTIH "&ws=http://w/%80",
    "magnet:?" BTIH "&ws=http://w/%00",
    "magnet:?" BTIH "&x.pe=%FF:80",
    "magnet:?" BTIH "&x.pe=a%00b:80",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_test_message ("%s", links[i]);
      assert_parse_error (links[i], SHOAL_MAGNET_ERROR_BAD_PARAMETER);
    }
}

static void
test_escape_value (void)
{
  g_autofree char *plain = shoal_magnet_escape_value ("AZaz09-._~");
  g_autofree char *url = shoal_magnet_escape_value ("http://t.example/a?b=c&d=e+f%20#g");
  g_autofree char *utf8 = shoal_magnet_escape_value ("é ");
  g_autofree char *empty = shoal_magnet_escape_value ("");

  g_assert_cmpstr (plain, ==, "AZaz09-._~");
  g_assert_cmpstr (url, ==, "http%3A%2F%2Ft.example%2Fa%3Fb%3Dc%26d%3De%2Bf%2520%23g");
  g_assert_cmpstr (utf8, ==, "%C3%A9%20");
  g_assert_cmpstr (empty, ==, "");
}

static void
test_to_uri_canonical (void)
{
  g_autoptr(ShoalMagnet) magnet = parse_ok ("MAGNET:?so=4-6,1&x.pe=[::1]:0080&tr=http://t/?a=1%26b"
                                            "&dn=A+b%2B&ws=http://w/&xt=urn:btmh:1220" V2HEX
                                            "&xt=urn:btih:" B32);
  g_autofree char *uri = shoal_magnet_to_uri (magnet);

  g_assert_cmpstr (uri, ==,
                   "magnet:?xt=urn:btih:" HEX "&xt=urn:btmh:1220" V2HEX
                   "&dn=A%20b%2B&tr=http%3A%2F%2Ft%2F%3Fa%3D1%26b&ws=http%3A%2F%2Fw%2F"
                   "&x.pe=%5B%3A%3A1%5D%3A80&so=4-6,1");
}

static void
test_round_trip (void)
{
  const char *links[] = {
    "magnet:?" BTIH,
    "magnet:?" BTMH,
    "magnet:?xt=urn:btih:" B32 "&" BTMH "&dn=%E6%97%A5%E6%9C%AC+%2B%25&tr=http://t.example/a?x=1%26y=%2B%20"
    "&tr=udp://u.example:6969&ws=https://w.example/f%20g&x.pe=192.0.2.1:1&x.pe=[2001:db8::2]:65535"
    "&x.pe=Host.Example:80&so=0,2,4-6,4294967295",
    "magnet:?" BTIH "&so=0-4294967295&dn=~-._",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autoptr(ShoalMagnet) first = parse_ok (links[i]);
      g_autofree char *uri = shoal_magnet_to_uri (first);
      g_autoptr(ShoalMagnet) second = parse_ok (uri);
      g_autofree char *again = shoal_magnet_to_uri (second);

      g_test_message ("%s -> %s", links[i], uri);
      assert_magnet_equal (first, second);
      g_assert_cmpstr (uri, ==, again);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/magnet/hex-hash", test_hex_hash);
  g_test_add_func ("/engine/magnet/base32-hash", test_base32_hash);
  g_test_add_func ("/engine/magnet/v2-hash", test_v2_hash);
  g_test_add_func ("/engine/magnet/hybrid", test_hybrid);
  g_test_add_func ("/engine/magnet/same-hash-repeated", test_same_hash_repeated);
  g_test_add_func ("/engine/magnet/display-name", test_display_name);
  g_test_add_func ("/engine/magnet/plus-kept-outside-dn", test_plus_kept_outside_dn);
  g_test_add_func ("/engine/magnet/trackers-order-dedup", test_trackers_order_dedup);
  g_test_add_func ("/engine/magnet/trackers-bound", test_trackers_bound);
  g_test_add_func ("/engine/magnet/web-seeds", test_web_seeds);
  g_test_add_func ("/engine/magnet/peers", test_peers);
  g_test_add_func ("/engine/magnet/peers-bound", test_peers_bound);
  g_test_add_func ("/engine/magnet/reject-bad-peer", test_peer_rejects);
  g_test_add_func ("/engine/magnet/select-only", test_select_only);
  g_test_add_func ("/engine/magnet/reject-bad-select-only", test_select_only_rejects);
  g_test_add_func ("/engine/magnet/select-only-bound", test_select_only_bound);
  g_test_add_func ("/engine/magnet/numeric-suffix", test_numeric_suffix);
  g_test_add_func ("/engine/magnet/unknown-keys-ignored", test_unknown_keys_ignored);
  g_test_add_func ("/engine/magnet/empty-parameters", test_empty_parameters);
  g_test_add_func ("/engine/magnet/reject-not-magnet", test_error_not_magnet);
  g_test_add_func ("/engine/magnet/reject-too-long", test_error_too_long);
  g_test_add_func ("/engine/magnet/reject-too-many-parameters", test_error_too_many_parameters);
  g_test_add_func ("/engine/magnet/reject-bad-escape", test_error_bad_escape);
  g_test_add_func ("/engine/magnet/reject-no-info-hash", test_error_no_info_hash);
  g_test_add_func ("/engine/magnet/reject-bad-info-hash", test_error_bad_info_hash);
  g_test_add_func ("/engine/magnet/reject-conflicting-hashes", test_error_conflicting_hashes);
  g_test_add_func ("/engine/magnet/reject-bad-parameter", test_error_bad_parameter);
  g_test_add_func ("/engine/magnet/escape-value", test_escape_value);
  g_test_add_func ("/engine/magnet/to-uri-canonical", test_to_uri_canonical);
  g_test_add_func ("/engine/magnet/round-trip", test_round_trip);

  return g_test_run ();
}
