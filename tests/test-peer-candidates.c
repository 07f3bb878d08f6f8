/* test-peer-candidates.c: the candidate table and the peer address filter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Socket-free: addresses here are only ever compared, never dialled.
 */
#include "config.h"

#include "shoal-peer-candidates.h"

#define SEC G_GINT64_CONSTANT (1000000)

static GInetSocketAddress *
addr (const char *ip,
      guint16     port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (ip, port));
}

static ShoalPeerCandidate *
add (ShoalPeerCandidates *t,
     const char          *ip,
     guint16              port,
     ShoalPeerFlags       source,
     const char          *origin,
     gint64               now)
{
  g_autoptr(GInetSocketAddress) a = addr (ip, port);

  return shoal_peer_candidates_add (t, a, source, origin, now);
}

/* @n dead addresses from each of @n_origins PEX peers (203.0.113.x, a
 * documentation range: nothing is dialled here anyway). */
static void
flood (ShoalPeerCandidates *t,
       guint                n_origins,
       guint                n,
       gint64               now)
{
  for (guint o = 0; o < n_origins; o++)
    {
      g_autofree char *origin = g_strdup_printf ("198.51.100.%u", o + 1);

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *ip = g_strdup_printf ("203.0.%u.%u", 113 + o / 4, 1 + (o % 4) * 60 + i % 60);

          add (t, ip, (guint16) (10000 + i), SHOAL_PEER_FLAG_FROM_PEX, origin, now);
        }
    }
}

/* The report's case: 42 PEX messages of 50 dead addresses each, then a
 * tracker names one genuine peer. It gets into the table, and is the
 * first to be dialled. */
static void
test_junk_flood_then_tracker (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (SHOAL_PEER_CANDIDATES_MAX);
  g_autoptr(GPtrArray) ranked = NULL;
  ShoalPeerCandidate *genuine;
  gint64 now = 1000 * SEC;

  flood (t, 42, 50, now);
  g_assert_cmpuint (shoal_peer_candidates_count_source (t, SHOAL_PEER_SOURCE_PEX), <=,
                    SHOAL_PEER_CANDIDATES_MAX * 40 / 100);
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), <=, SHOAL_PEER_CANDIDATES_MAX);

  genuine = add (t, "192.0.2.7", 51413, SHOAL_PEER_FLAG_FROM_TRACKER, "192.0.2.1", now + SEC);
  g_assert_nonnull (genuine);
  ranked = shoal_peer_candidates_rank (t, now + SEC, FALSE);
  g_assert_cmpuint (ranked->len, >, 1);
  g_assert_true (ranked->pdata[0] == genuine);
  g_assert_cmpstr (genuine->key, ==, "192.0.2.7:51413");
}

/* Even a table full of junk takes a genuine address in, in place of the
 * worst candidate. */
static void
test_full_table_evicts_worst (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (20);
  g_autoptr(GPtrArray) ranked = NULL;
  ShoalPeerCandidate *genuine;
  gint64 now = 1000 * SEC;

  /* Five origins of four, as much as the PEX share (8) and more. */
  flood (t, 5, 4, now);
  g_assert_cmpuint (shoal_peer_candidates_count_source (t, SHOAL_PEER_SOURCE_PEX), ==, 8);
  /* Fill the rest with tracker and DHT peers, then fail them all for good. */
  for (guint i = 0; shoal_peer_candidates_get_size (t) < 20 && i < 100; i++)
    {
      g_autofree char *ip = g_strdup_printf ("192.0.2.%u", 10 + i);
      g_autofree char *origin = g_strdup_printf ("192.0.2.%u", 200 + i % 4);
      ShoalPeerCandidate *c = add (t, ip, 6881, i % 2 ? SHOAL_PEER_FLAG_FROM_TRACKER : SHOAL_PEER_FLAG_FROM_DHT,
                                   i % 2 ? origin : NULL, now);

      for (guint f = 0; c != NULL && f < SHOAL_PEER_CANDIDATES_MAX_FAILURES; f++)
        shoal_peer_candidates_failed (t, c, now);
    }
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 20);

  genuine = add (t, "192.0.2.99", 6881, SHOAL_PEER_FLAG_NONE, NULL, now);
  g_assert_nonnull (genuine);
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 20);
  ranked = shoal_peer_candidates_rank (t, now, FALSE);
  g_assert_true (ranked->pdata[0] == genuine);
  /* Connected candidates are never evicted. */
  for (guint i = 0; i < ranked->len; i++)
    ((ShoalPeerCandidate *) ranked->pdata[i])->connected = TRUE;
  g_assert_null (add (t, "192.0.2.98", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.77", now));
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 20);
}

/* One PEX peer holds at most two messages' worth; another PEX peer's
 * handful is dialled before the rest of the flood. */
static void
test_per_origin_quota (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (SHOAL_PEER_CANDIDATES_MAX);
  g_autoptr(GPtrArray) ranked = NULL;
  ShoalPeerCandidate *other;
  gint64 now = 1000 * SEC;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *ip = g_strdup_printf ("203.0.113.%u", 1 + i % 250);

      add (t, ip, (guint16) (20000 + i), SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.1", now);
    }
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 100);

  other = add (t, "192.0.2.5", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.2", now + SEC);
  g_assert_nonnull (other);
  ranked = shoal_peer_candidates_rank (t, now + SEC, FALSE);
  g_assert_true (ranked->pdata[0] == other);
}

/* Failures rank a candidate down, back it off, and after
 * SHOAL_PEER_CANDIDATES_MAX_FAILURES it is not dialled; failed candidates
 * age out unless heard of again; the user's own never do. */
static void
test_failures_and_ageing (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (100);
  g_autoptr(GPtrArray) r1 = NULL;
  g_autoptr(GPtrArray) r2 = NULL;
  g_autoptr(GPtrArray) r3 = NULL;
  g_autoptr(GPtrArray) seeding = NULL;
  ShoalPeerCandidate *a, *b, *manual;
  gint64 now = 1000 * SEC;

  a = add (t, "192.0.2.1", 6881, SHOAL_PEER_FLAG_FROM_TRACKER, NULL, now);
  b = add (t, "192.0.2.2", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.1", now);
  manual = add (t, "192.0.2.3", 6881, SHOAL_PEER_FLAG_NONE, NULL, now);
  shoal_peer_candidates_failed (t, a, now);
  shoal_peer_candidates_failed (t, manual, now);
  g_assert_cmpint (a->retry_after_us, >, now);

  r1 = shoal_peer_candidates_rank (t, now, FALSE);
  g_assert_cmpuint (r1->len, ==, 1);
  g_assert_true (r1->pdata[0] == b);
  /* Once the backoff ends, the failed tracker peer comes after the fresh
   * PEX one. */
  r2 = shoal_peer_candidates_rank (t, now + 3600 * SEC, FALSE);
  g_assert_cmpuint (r2->len, ==, 3);
  g_assert_true (r2->pdata[0] == b);
  seeding = shoal_peer_candidates_rank (t, now + 3600 * SEC, TRUE);
  g_assert_cmpuint (seeding->len, ==, 1);

  for (guint i = 1; i < SHOAL_PEER_CANDIDATES_MAX_FAILURES; i++)
    shoal_peer_candidates_failed (t, a, now);
  r3 = shoal_peer_candidates_rank (t, now + 24 * 3600 * SEC, FALSE);
  g_assert_false (g_ptr_array_find (r3, a, NULL));

  /* Failed candidates age out after a silence, unless heard of again; one
   * that failed for good is not revived by being heard of. */
  shoal_peer_candidates_failed (t, b, now);
  g_assert_cmpuint (shoal_peer_candidates_prune (t, now + SHOAL_PEER_CANDIDATES_MAX_AGE / 2), ==, 0);
  add (t, "192.0.2.1", 6881, SHOAL_PEER_FLAG_FROM_TRACKER, NULL, now + SHOAL_PEER_CANDIDATES_MAX_AGE / 2);
  add (t, "192.0.2.2", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.1", now + SHOAL_PEER_CANDIDATES_MAX_AGE / 2);
  g_assert_cmpuint (shoal_peer_candidates_prune (t, now + SHOAL_PEER_CANDIDATES_MAX_AGE + SEC), ==, 1);
  g_assert_null (shoal_peer_candidates_lookup (t, "192.0.2.1:6881"));
  g_assert_nonnull (shoal_peer_candidates_lookup (t, "192.0.2.2:6881"));
  /* The user's own stay. */
  g_assert_nonnull (shoal_peer_candidates_lookup (t, "192.0.2.3:6881"));
  g_assert_cmpuint (shoal_peer_candidates_prune (t, now + 10 * SHOAL_PEER_CANDIDATES_MAX_AGE), ==, 1);
  g_assert_nonnull (shoal_peer_candidates_lookup (t, "192.0.2.3:6881"));
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 1);
}

/* A peer heard of from a better source moves up, and its counts move with it. */
static void
test_upgrade_source (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (100);
  ShoalPeerCandidate *c;
  gint64 now = 1000 * SEC;

  c = add (t, "192.0.2.1", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.1", now);
  g_assert_cmpint (c->best, ==, SHOAL_PEER_SOURCE_PEX);
  g_assert_true (add (t, "192.0.2.1", 6881, SHOAL_PEER_FLAG_FROM_TRACKER, NULL, now) == c);
  g_assert_cmpint (c->best, ==, SHOAL_PEER_SOURCE_TRACKER);
  g_assert_cmpuint (c->source, ==, SHOAL_PEER_FLAG_FROM_PEX | SHOAL_PEER_FLAG_FROM_TRACKER);
  g_assert_cmpuint (shoal_peer_candidates_count_source (t, SHOAL_PEER_SOURCE_PEX), ==, 0);
  g_assert_cmpuint (shoal_peer_candidates_count_source (t, SHOAL_PEER_SOURCE_TRACKER), ==, 1);
  g_assert_cmpuint (shoal_peer_candidates_get_size (t), ==, 1);
}

/* PEX makes at most a burst of dials, then a few a second; the user's own
 * peers are never held back. */
static void
test_dial_budget (void)
{
  g_autoptr(ShoalPeerCandidates) t = shoal_peer_candidates_new (100);
  ShoalPeerCandidate *pex, *manual;
  gint64 now = 1000 * SEC;
  guint n = 0;

  pex = add (t, "192.0.2.1", 6881, SHOAL_PEER_FLAG_FROM_PEX, "198.51.100.1", now);
  manual = add (t, "192.0.2.2", 6881, SHOAL_PEER_FLAG_NONE, NULL, now);
  for (guint i = 0; i < 100; i++)
    n += shoal_peer_candidates_take_dial (t, pex, now);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 16);
  g_assert_false (shoal_peer_candidates_take_dial (t, pex, now));
  for (guint i = 0; i < 100; i++)
    g_assert_true (shoal_peer_candidates_take_dial (t, manual, now));
  /* Ten seconds later, a few more, not a new volley of a hundred. */
  n = 0;
  for (guint i = 0; i < 100; i++)
    n += shoal_peer_candidates_take_dial (t, pex, now + 10 * SEC);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 30);
}

/* The address filter */

typedef struct
{
  const char      *address;
  guint16          port;
  ShoalPeerSource  source;
  const char      *sender;   /* NULL: unknown */
  gboolean         accepted;
} FilterCase;

/* Our networks in these cases: 192.168.1.0/24, 10.77.0.0/24, 127.0.0.0/8,
 * fd00:5401::/64. */
static const FilterCase filter_cases[] = {
  /* Never: port 0, unspecified, multicast, broadcast, reserved. */
  { "192.0.2.1", 0, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "192.0.2.1", 0, SHOAL_PEER_SOURCE_MANUAL, NULL, FALSE },
  { "0.0.0.0", 6881, SHOAL_PEER_SOURCE_MANUAL, NULL, FALSE },
  { "0.1.2.3", 6881, SHOAL_PEER_SOURCE_PEX, "192.0.2.9", FALSE },
  { "224.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "192.0.2.9", FALSE },
  { "239.192.152.143", 6771, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "255.255.255.255", 6881, SHOAL_PEER_SOURCE_MANUAL, NULL, FALSE },
  { "240.0.0.1", 6881, SHOAL_PEER_SOURCE_DHT, NULL, FALSE },
  { "::", 6881, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "ff02::1", 6881, SHOAL_PEER_SOURCE_PEX, "2001:db8::1", FALSE },
  { "::ffff:224.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "192.0.2.9", FALSE },
  /* Public addresses: fine, but not privileged ports from PEX or the DHT. */
  { "192.0.2.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", TRUE },
  { "192.0.2.1", 6881, SHOAL_PEER_SOURCE_DHT, NULL, TRUE },
  { "2001:db8::7", 51413, SHOAL_PEER_SOURCE_PEX, "2001:db8::1", TRUE },
  { "192.0.2.1", 22, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.0.2.1", 80, SHOAL_PEER_SOURCE_DHT, NULL, FALSE },
  { "192.0.2.1", 1023, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.0.2.1", 1024, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", TRUE },
  { "192.0.2.1", 80, SHOAL_PEER_SOURCE_TRACKER, NULL, TRUE },
  { "192.0.2.1", 80, SHOAL_PEER_SOURCE_MANUAL, NULL, TRUE },
  /* Loopback: only from a sender on loopback (or the user). */
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "10.77.0.1", FALSE },
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_DHT, NULL, FALSE },
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "::ffff:127.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "::1", 6881, SHOAL_PEER_SOURCE_PEX, "2001:db8::1", FALSE },
  { "127.9.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "127.0.0.4", TRUE },
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_DHT, "127.0.0.1", TRUE },
  { "127.0.0.2", 6881, SHOAL_PEER_SOURCE_TRACKER, "127.0.0.1", TRUE },
  { "127.0.0.2", 6881, SHOAL_PEER_SOURCE_LSD, "127.0.0.2", TRUE },
  { "::1", 6881, SHOAL_PEER_SOURCE_PEX, "::1", TRUE },
  { "127.0.0.1", 6881, SHOAL_PEER_SOURCE_MANUAL, NULL, TRUE },
  { "127.0.0.1", 22, SHOAL_PEER_SOURCE_PEX, "127.0.0.1", FALSE },
  /* Private: only on our networks, or the sender's own range. */
  { "10.0.0.1", 22, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "10.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.168.0.1", 80, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.168.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.168.0.1", 6881, SHOAL_PEER_SOURCE_DHT, NULL, FALSE },
  { "172.16.5.4", 6881, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "100.64.1.1", 6881, SHOAL_PEER_SOURCE_TRACKER, "192.0.2.1", FALSE },
  { "169.254.1.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "fd12::1", 6881, SHOAL_PEER_SOURCE_PEX, "2001:db8::1", FALSE },
  { "fe80::1", 6881, SHOAL_PEER_SOURCE_DHT, NULL, FALSE },
  { "::ffff:10.0.0.1", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", FALSE },
  { "192.168.1.20", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", TRUE },
  { "192.168.1.20", 6881, SHOAL_PEER_SOURCE_DHT, NULL, TRUE },
  { "10.77.0.2", 6881, SHOAL_PEER_SOURCE_TRACKER, "10.77.0.1", TRUE },
  { "10.77.0.2", 6881, SHOAL_PEER_SOURCE_TRACKER, NULL, TRUE },
  { "10.77.5.2", 6881, SHOAL_PEER_SOURCE_TRACKER, NULL, FALSE },
  { "10.77.5.2", 6881, SHOAL_PEER_SOURCE_PEX, "10.1.2.3", TRUE },
  { "10.77.5.2", 6881, SHOAL_PEER_SOURCE_PEX, "192.168.7.7", FALSE },
  { "fd00:5401::9", 6881, SHOAL_PEER_SOURCE_PEX, "2001:db8::1", TRUE },
  { "::ffff:192.168.1.9", 6881, SHOAL_PEER_SOURCE_PEX, "198.51.100.1", TRUE },
  { "10.0.0.1", 22, SHOAL_PEER_SOURCE_MANUAL, NULL, TRUE },
};

static GPtrArray *
test_networks (void)
{
  static const char *const nets[] = { "192.168.1.0/24", "10.77.0.0/24", "127.0.0.0/8", "fd00:5401::/64" };
  GPtrArray *networks = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < G_N_ELEMENTS (nets); i++)
    {
      g_autoptr(GError) error = NULL;
      GInetAddressMask *m = g_inet_address_mask_new_from_string (nets[i], &error);

      g_assert_no_error (error);
      g_ptr_array_add (networks, m);
    }
  return networks;
}

static void
test_filter (gconstpointer data)
{
  const FilterCase *fc = data;
  g_autoptr(GPtrArray) networks = test_networks ();
  g_autoptr(GInetSocketAddress) a = addr (fc->address, fc->port);
  g_autoptr(GInetAddress) sender = fc->sender != NULL ? g_inet_address_new_from_string (fc->sender) : NULL;
  const char *reason = NULL;
  gboolean ok;

  g_assert_nonnull (a);
  g_assert_true (fc->sender == NULL || sender != NULL);
  ok = shoal_peer_address_is_acceptable (a, fc->source, sender, networks, &reason);
  if (ok != fc->accepted)
    g_test_fail_printf ("%s port %u from %s (sender %s): %s, expected %s (%s)", fc->address, fc->port,
                        shoal_peer_source_to_string (fc->source), fc->sender ? fc->sender : "unknown",
                        ok ? "accepted" : "refused", fc->accepted ? "accepted" : "refused",
                        reason ? reason : "no reason");
  g_assert_true (ok || reason != NULL);
}

/* This host's own networks include loopback, and its addresses are on them. */
static void
test_local_networks (void)
{
  g_autoptr(GPtrArray) networks = shoal_peer_address_local_networks ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) other = g_inet_address_new_from_string ("192.0.2.1");

  g_assert_true (shoal_peer_address_is_on_network (lo, networks));
  /* A documentation address is nobody's network (unless a test set it up). */
  if (shoal_peer_address_is_on_network (other, networks))
    g_test_message ("192.0.2.1 is on a local network here");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/peer-candidates/junk-flood-then-tracker", test_junk_flood_then_tracker);
  g_test_add_func ("/engine/peer-candidates/full-table-evicts-worst", test_full_table_evicts_worst);
  g_test_add_func ("/engine/peer-candidates/per-origin-quota", test_per_origin_quota);
  g_test_add_func ("/engine/peer-candidates/failures-and-ageing", test_failures_and_ageing);
  g_test_add_func ("/engine/peer-candidates/upgrade-source", test_upgrade_source);
  g_test_add_func ("/engine/peer-candidates/dial-budget", test_dial_budget);
  for (guint i = 0; i < G_N_ELEMENTS (filter_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/peer-filter/%s/%s/%u", filter_cases[i].address,
                                               shoal_peer_source_to_string (filter_cases[i].source),
                                               filter_cases[i].port);
      const FilterCase *fc = &filter_cases[i];

      if (fc->sender != NULL)
        {
          g_autofree char *p = g_strdup_printf ("%s-from-%s", path, fc->sender);

          g_test_add_data_func (p, fc, test_filter);
        }
      else
        g_test_add_data_func (path, fc, test_filter);
    }
  g_test_add_func ("/engine/peer-filter/local-networks", test_local_networks);

  return g_test_run ();
}
