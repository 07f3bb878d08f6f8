/* test-lsd.c: local service discovery (BEP 14)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parser and formatter are tested everywhere. The tests under
 * /engine/lsd/netns/ send multicast, so they only run inside a network
 * namespace of their own, which tests/lsd-netns.sh creates; anywhere else
 * they skip.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "shoal-hash.h"
#include "shoal-lsd.h"

static const guint8 hash1[20] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11,
                                  0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
static const guint8 hash2[20] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0xff, 0xee,
                                  0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44 };

static gboolean
parse_string (const char        *s,
              ShoalLsdAnnounce  *announce,
              GError           **error)
{
  gsize len = strlen (s);
  g_autofree guint8 *copy = g_memdup2 (s, len);

  return shoal_lsd_parse_announce (copy, len, announce, error);
}

static void
test_format_exact (void)
{
  static const char expected[] =
    "BT-SEARCH * HTTP/1.1\r\n"
    "Host: 239.192.152.143:6771\r\n"
    "Port: 6881\r\n"
    "Infohash: 0123456789abcdef00112233445566778899aabb\r\n"
    "cookie: c00k1e\r\n"
    "\r\n\r\n";
  g_autoptr(GBytes) msg = shoal_lsd_format_announce ("239.192.152.143:6771", 6881, hash1, 1, "c00k1e");
  gsize len;
  const char *data = g_bytes_get_data (msg, &len);

  g_assert_cmpmem (data, len, expected, strlen (expected));
}

static void
test_roundtrip (void)
{
  guint8 hashes[SHOAL_LSD_MAX_HASHES * 20];
  g_autoptr(GBytes) msg = NULL;
  ShoalLsdAnnounce a;
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data;

  for (guint i = 0; i < sizeof hashes; i++)
    hashes[i] = (guint8) (i * 13 + 1);
  msg = shoal_lsd_format_announce ("[ff15::efc0:988f]:6771", 65535, hashes, SHOAL_LSD_MAX_HASHES,
                                   "0123456789abcdef");
  data = g_bytes_get_data (msg, &len);
  g_assert_cmpuint (len, <=, SHOAL_LSD_MAX_MESSAGE);
  g_assert_true (shoal_lsd_parse_announce (data, len, &a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.port, ==, 65535);
  g_assert_cmpuint (a.n_hashes, ==, SHOAL_LSD_MAX_HASHES);
  g_assert_cmpmem (a.hashes, SHOAL_LSD_MAX_HASHES * 20, hashes, sizeof hashes);
  g_assert_cmpstr (a.cookie, ==, "0123456789abcdef");
}

static void
test_parse_lenient_where_allowed (void)
{
  /* Header names in any case, spaces around values, unknown headers,
   * upper-case hex, repeated hashes once, and anything after the empty
   * line. No cookie. */
  static const char msg[] =
    "BT-SEARCH * HTTP/1.1\r\n"
    "HOST:239.192.152.143:6771\r\n"
    "port:\t 51413 \r\n"
    "X-Other: whatever: really\r\n"
    "INFOHASH: 0123456789ABCDEF00112233445566778899AABB\r\n"
    "infohash: fedcba9876543210ffeeddccbbaa998877665544\r\n"
    "Infohash: 0123456789abcdef00112233445566778899aabb\r\n"
    "\r\n"
    "garbage after the headers\n\x01";
  ShoalLsdAnnounce a;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_lsd_parse_announce ((const guint8 *) msg, sizeof msg - 1, &a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.port, ==, 51413);
  g_assert_cmpuint (a.n_hashes, ==, 2);
  g_assert_cmpmem (a.hashes[0], 20, hash1, 20);
  g_assert_cmpmem (a.hashes[1], 20, hash2, 20);
  g_assert_cmpstr (a.cookie, ==, "");
}

typedef struct
{
  const char    *name;
  const char    *text;
  ShoalLsdError  code;
} BadAnnounce;

#define HEAD "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n"
#define IH   "Infohash: 0123456789abcdef00112233445566778899aabb\r\n"
static const BadAnnounce bad_announces[] = {
  { "empty", "", SHOAL_LSD_ERROR_MALFORMED },
  { "http-get", "GET / HTTP/1.1\r\nPort: 1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "http-1-0", "BT-SEARCH * HTTP/1.0\r\nPort: 1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "bare-lf", "BT-SEARCH * HTTP/1.1\nPort: 1\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "bare-cr", HEAD "Port: 1\r" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "truncated", HEAD "Port: 1\r\n" IH, SHOAL_LSD_ERROR_MALFORMED },
  { "no-port", HEAD IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-zero", HEAD "Port: 0\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-too-big", HEAD "Port: 65536\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-long", HEAD "Port: 000001\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-letters", HEAD "Port: 68a1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-negative", HEAD "Port: -1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "port-empty", HEAD "Port:\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "two-ports", HEAD "Port: 1\r\nPort: 2\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "no-infohash", HEAD "Port: 1\r\n\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "short-infohash", HEAD "Port: 1\r\nInfohash: 0123456789abcdef00112233445566778899aab\r\n\r\n",
    SHOAL_LSD_ERROR_MALFORMED },
  { "long-infohash", HEAD "Port: 1\r\nInfohash: 0123456789abcdef00112233445566778899aabbc\r\n\r\n",
    SHOAL_LSD_ERROR_MALFORMED },
  { "non-hex-infohash", HEAD "Port: 1\r\nInfohash: 0123456789abcdef00112233445566778899aabg\r\n\r\n",
    SHOAL_LSD_ERROR_MALFORMED },
  { "no-colon", HEAD "Port 1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "empty-name", HEAD ": 1\r\nPort: 1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "space-in-name", HEAD "Po rt: 1\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "non-ascii", HEAD "Port: 1\r\nX: \xc3\xa9\r\n" IH "\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "empty-cookie", HEAD "Port: 1\r\n" IH "cookie:\r\n\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "two-cookies", HEAD "Port: 1\r\n" IH "cookie: a\r\ncookie: b\r\n\r\n", SHOAL_LSD_ERROR_MALFORMED },
  { "long-cookie", HEAD "Port: 1\r\n" IH
    "cookie: 0123456789012345678901234567890123456789012345678901234567890123x\r\n\r\n",
    SHOAL_LSD_ERROR_MALFORMED },
};

static void
test_reject_bad (gconstpointer data)
{
  const BadAnnounce *bad = data;
  ShoalLsdAnnounce a;
  g_autoptr(GError) error = NULL;

  g_assert_false (parse_string (bad->text, &a, &error));
  g_assert_error (error, SHOAL_LSD_ERROR, (gint) bad->code);
}

static void
test_reject_nul (void)
{
  static const char msg[] = HEAD "Port: 1\0\r\n" IH "\r\n";
  ShoalLsdAnnounce a;
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_lsd_parse_announce ((const guint8 *) msg, sizeof msg - 1, &a, &error));
  g_assert_error (error, SHOAL_LSD_ERROR, SHOAL_LSD_ERROR_MALFORMED);
}

static void
test_reject_too_large (void)
{
  g_autoptr(GString) s = g_string_new (HEAD "Port: 1\r\n" IH);
  ShoalLsdAnnounce a;
  g_autoptr(GError) error = NULL;

  /* Over 1400 bytes, however well-formed. */
  while (s->len <= SHOAL_LSD_MAX_MESSAGE)
    g_string_append (s, "X-Padding: 0123456789\r\n");
  g_string_append (s, "\r\n");
  g_assert_false (parse_string (s->str, &a, &error));
  g_assert_error (error, SHOAL_LSD_ERROR, SHOAL_LSD_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* More distinct hashes than allowed, within 1400 bytes. */
  g_string_assign (s, "BT-SEARCH * HTTP/1.1\r\nPort:1\r\n");
  for (guint i = 0; i <= SHOAL_LSD_MAX_PARSED_HASHES; i++)
    g_string_append_printf (s, "infohash:%040x\r\n", i);
  g_string_append (s, "\r\n");
  g_assert_cmpuint (s->len, <=, SHOAL_LSD_MAX_MESSAGE);
  g_assert_false (parse_string (s->str, &a, &error));
  g_assert_error (error, SHOAL_LSD_ERROR, SHOAL_LSD_ERROR_TOO_LARGE);
}

static void
test_bad_interface (void)
{
  g_autoptr(ShoalLsd) lsd = shoal_lsd_new (6881);
  g_autoptr(GError) error = NULL;

  /* Fails before any socket is made, so this is safe outside a namespace. */
  shoal_lsd_set_interface (lsd, "shoal-no-such0");
  g_assert_false (shoal_lsd_start (lsd, &error));
  g_assert_error (error, SHOAL_LSD_ERROR, SHOAL_LSD_ERROR_BAD_INTERFACE);
  g_assert_false (shoal_lsd_has_ipv4 (lsd));
  g_assert_false (shoal_lsd_has_ipv6 (lsd));
  g_assert_finalize_object (g_steal_pointer (&lsd));
}

/* Network namespace tests */

static gboolean
in_own_netns (void)
{
  const char *name = g_getenv ("SHOAL_LSD_NETNS");
  g_autofree char *path = NULL;
  struct stat self_ns, named_ns;

  if (name == NULL || name[0] == '\0' || strchr (name, '/') != NULL || name[0] == '.')
    return FALSE;
  /* Belt and braces: never multicast unless this process really is in the
   * namespace the driver made, even if the variable leaked elsewhere. */
  path = g_build_filename ("/run/netns", name, NULL);
  if (stat ("/proc/self/ns/net", &self_ns) != 0 || stat (path, &named_ns) != 0)
    return FALSE;
  return self_ns.st_dev == named_ns.st_dev && self_ns.st_ino == named_ns.st_ino;
}

typedef struct
{
  GPtrArray *seen;   /* "hex port family" strings */
} Collector;

static void
peer_cb (ShoalLsd           *lsd,
         GBytes             *info_hash,
         GInetSocketAddress *address,
         gpointer            user_data)
{
  Collector *c = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (info_hash, &len);
  g_autofree char *hex = NULL;
  GInetAddress *inet = g_inet_socket_address_get_address (address);

  g_assert_cmpuint (len, ==, 20);
  hex = shoal_hex_encode (data, len);
  g_ptr_array_add (c->seen, g_strdup_printf ("%s %u %s", hex,
                                             g_inet_socket_address_get_port (address),
                                             g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6
                                             ? "ipv6" : "ipv4"));
}

static gboolean
seen (Collector    *c,
      const guint8 *hash,
      guint         port,
      const char   *family)
{
  g_autofree char *hex = shoal_hex_encode (hash, 20);
  g_autofree char *want = g_strdup_printf ("%s %u %s", hex, port, family);

  for (guint i = 0; i < c->seen->len; i++)
    if (g_str_equal (c->seen->pdata[i], want))
      return TRUE;
  return FALSE;
}

static gboolean
seen_any (Collector    *c,
          const guint8 *hash,
          guint         port)
{
  return seen (c, hash, port, "ipv4") || seen (c, hash, port, "ipv6");
}

static void
iterate_for (gint64 usec)
{
  gint64 end = g_get_monotonic_time () + usec;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_pending (NULL))
        g_usleep (1000);
      g_main_context_iteration (NULL, FALSE);
    }
}

/* Runs the main loop until @c has seen @hash from @port over @family (NULL:
 * either), or five seconds passed. */
static gboolean
wait_seen (Collector    *c,
           const guint8 *hash,
           guint         port,
           const char   *family)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      if (family != NULL ? seen (c, hash, port, family) : seen_any (c, hash, port))
        return TRUE;
      iterate_for (10 * 1000);
    }
  return FALSE;
}

static ShoalLsd *
start_lsd (guint16    port,
           Collector *c)
{
  ShoalLsd *lsd = shoal_lsd_new (port);
  g_autoptr(GError) error = NULL;

  shoal_lsd_set_interface (lsd, g_getenv ("SHOAL_LSD_IFACE") != NULL ? g_getenv ("SHOAL_LSD_IFACE") : "lo");
  g_assert_true (shoal_lsd_start (lsd, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_lsd_has_ipv4 (lsd));
  g_signal_connect (lsd, "peer", G_CALLBACK (peer_cb), c);
  return lsd;
}

/* Waits until @lsd has sent @n datagrams; returns when it did, or -1. */
static gint64
wait_sent (ShoalLsd *lsd,
           guint     n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      if (shoal_lsd_get_n_sent (lsd) >= n)
        return g_get_monotonic_time ();
      iterate_for (5 * 1000);
    }
  return -1;
}

static void
test_netns_two_instances (void)
{
  Collector ca = { g_ptr_array_new_with_free_func (g_free) };
  Collector cb = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(ShoalLsd) a = NULL;
  g_autoptr(ShoalLsd) b = NULL;
  guint n_sent;

  if (!in_own_netns ())
    {
      g_test_skip ("Only inside the network namespace of tests/lsd-netns.sh");
      goto out;
    }

  a = start_lsd (1111, &ca);
  b = start_lsd (2222, &cb);
  g_assert_cmpstr (shoal_lsd_get_cookie (a), !=, shoal_lsd_get_cookie (b));
  shoal_lsd_set_intervals (a, 60 * G_USEC_PER_SEC, 300 * 1000);
  shoal_lsd_set_intervals (b, 60 * G_USEC_PER_SEC, 300 * 1000);
  shoal_lsd_add_torrent (a, hash1);
  shoal_lsd_add_torrent (b, hash1);
  shoal_lsd_add_torrent (b, hash2);

  g_assert_true (wait_seen (&ca, hash1, 2222, "ipv4"));
  g_assert_true (wait_seen (&cb, hash1, 1111, "ipv4"));
  if (shoal_lsd_has_ipv6 (a) && shoal_lsd_has_ipv6 (b))
    {
      g_assert_true (wait_seen (&ca, hash1, 2222, "ipv6"));
      g_assert_true (wait_seen (&cb, hash1, 1111, "ipv6"));
    }
  else
    g_test_message ("IPv6 multicast is not available here; tested IPv4 only");

  /* Let any stray message arrive, then check what must not be there: our
   * own announces, and torrents we did not register. */
  iterate_for (300 * 1000);
  g_assert_false (seen_any (&ca, hash1, 1111));
  g_assert_false (seen_any (&cb, hash1, 2222));
  g_assert_false (seen_any (&ca, hash2, 2222));
  g_assert_false (seen_any (&cb, hash2, 1111));

  /* A new port goes out once the rate limit allows. */
  shoal_lsd_set_listen_port (a, 3333);
  g_assert_true (wait_seen (&cb, hash1, 3333, NULL));

  /* After removal, its peers are no longer reported. */
  shoal_lsd_remove_torrent (a, hash1);
  g_ptr_array_set_size (ca.seen, 0);
  n_sent = shoal_lsd_get_n_sent (b);
  shoal_lsd_set_listen_port (b, 4444);
  g_assert_cmpint (wait_sent (b, n_sent + 1), >, 0);
  iterate_for (300 * 1000);
  g_assert_false (seen_any (&ca, hash1, 4444));

  shoal_lsd_stop (a);
  shoal_lsd_stop (b);
  g_assert_finalize_object (g_steal_pointer (&a));
  g_assert_finalize_object (g_steal_pointer (&b));

out:
  g_ptr_array_unref (ca.seen);
  g_ptr_array_unref (cb.seen);
}

static void
test_netns_rate_limit (void)
{
  Collector c = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(ShoalLsd) lsd = NULL;
  guint per_round;
  gint64 t1, t2, t3;

  if (!in_own_netns ())
    {
      g_test_skip ("Only inside the network namespace of tests/lsd-netns.sh");
      goto out;
    }

  lsd = start_lsd (5555, &c);
  per_round = shoal_lsd_has_ipv6 (lsd) ? 2 : 1;
  shoal_lsd_set_intervals (lsd, 2 * G_USEC_PER_SEC, G_USEC_PER_SEC);

  /* Two torrents added together share one message per family. */
  shoal_lsd_add_torrent (lsd, hash1);
  shoal_lsd_add_torrent (lsd, hash2);
  t1 = wait_sent (lsd, per_round);
  g_assert_cmpint (t1, >, 0);
  iterate_for (100 * 1000);
  g_assert_cmpuint (shoal_lsd_get_n_sent (lsd), ==, per_round);

  /* Removed and added again at once: not announced before a minute (here,
   * a second) has passed. */
  shoal_lsd_remove_torrent (lsd, hash1);
  shoal_lsd_add_torrent (lsd, hash1);
  iterate_for (500 * 1000);
  g_assert_cmpuint (shoal_lsd_get_n_sent (lsd), ==, per_round);
  t2 = wait_sent (lsd, 2 * per_round);
  g_assert_cmpint (t2, >, 0);
  g_assert_cmpint (t2 - t1, >=, 900 * 1000);

  /* And then on the announce interval. */
  t3 = wait_sent (lsd, 3 * per_round);
  g_assert_cmpint (t3, >, 0);
  g_assert_cmpint (t3 - t1, >=, 1900 * 1000);

  /* Its own announces never come back as peers. */
  g_assert_cmpuint (c.seen->len, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&lsd));

out:
  g_ptr_array_unref (c.seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/lsd/format-exact", test_format_exact);
  g_test_add_func ("/engine/lsd/roundtrip", test_roundtrip);
  g_test_add_func ("/engine/lsd/parse-lenient-where-allowed", test_parse_lenient_where_allowed);
  for (guint i = 0; i < G_N_ELEMENTS (bad_announces); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/lsd/reject-%s", bad_announces[i].name);

      g_test_add_data_func (path, &bad_announces[i], test_reject_bad);
    }
  g_test_add_func ("/engine/lsd/reject-nul", test_reject_nul);
  g_test_add_func ("/engine/lsd/reject-too-large", test_reject_too_large);
  g_test_add_func ("/engine/lsd/bad-interface", test_bad_interface);
  g_test_add_func ("/engine/lsd/netns/two-instances", test_netns_two_instances);
  g_test_add_func ("/engine/lsd/netns/rate-limit", test_netns_rate_limit);

  return g_test_run ();
}
