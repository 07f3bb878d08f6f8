/* test-pex.c: peer exchange (BEP 11)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-pex.h"

#define SEC G_USEC_PER_SEC

static ShoalPexPeer
peer4 (guint8  a,
       guint8  b,
       guint8  c,
       guint8  d,
       guint16 port,
       guint8  flags)
{
  ShoalPexPeer p;

  memset (&p, 0, sizeof p);
  p.addr[0] = a;
  p.addr[1] = b;
  p.addr[2] = c;
  p.addr[3] = d;
  p.addr_len = 4;
  p.port = port;
  p.flags = flags;
  return p;
}

static ShoalPexPeer
peer6 (guint16 last,
       guint16 port,
       guint8  flags)
{
  ShoalPexPeer p;

  memset (&p, 0, sizeof p);
  p.addr[0] = 0x20;
  p.addr[1] = 0x01;
  p.addr[2] = 0x0d;
  p.addr[3] = 0xb8;
  p.addr[14] = (guint8) (last >> 8);
  p.addr[15] = (guint8) last;
  p.addr_len = 16;
  p.port = port;
  p.flags = flags;
  return p;
}

static ShoalPexMessage *
parse_string (const char  *s,
              gsize        len,
              GError     **error)
{
  return shoal_pex_parse ((const guint8 *) s, len, error);
}

static void
test_parse_exact (void)
{
  /* 10.0.0.1:6881 (seed, encryption), 192.168.1.2:80, [2001:db8::1]:443;
   * dropped 1.2.3.4:1000. */
  static const char msg[] =
    "d5:added12:\x0a\x00\x00\x01\x1a\xe1\xc0\xa8\x01\x02\x00\x50"
    "7:added.f2:\x03\x00"
    "6:added618:\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\xbb"
    "8:added6.f1:\x10"
    "7:dropped6:\x01\x02\x03\x04\x03\xe8"
    "e";
  g_autoptr(ShoalPexMessage) m = NULL;
  g_autoptr(GError) error = NULL;
  const ShoalPexPeer *p;
  g_autoptr(GInetSocketAddress) addr = NULL;
  g_autofree char *str = NULL;

  m = parse_string (msg, sizeof msg - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->added->len, ==, 3);
  g_assert_cmpuint (m->dropped->len, ==, 1);
  g_assert_false (m->truncated);
  g_assert_cmpuint (m->skipped, ==, 0);

  p = &g_array_index (m->added, ShoalPexPeer, 0);
  g_assert_cmpuint (p->addr_len, ==, 4);
  g_assert_cmpuint (p->port, ==, 6881);
  g_assert_cmpuint (p->flags, ==, SHOAL_PEX_FLAG_ENCRYPTION | SHOAL_PEX_FLAG_SEED);
  addr = shoal_pex_peer_to_address (p);
  str = g_inet_address_to_string (g_inet_socket_address_get_address (addr));
  g_assert_cmpstr (str, ==, "10.0.0.1");
  g_assert_cmpuint (g_inet_socket_address_get_port (addr), ==, 6881);

  p = &g_array_index (m->added, ShoalPexPeer, 1);
  g_assert_cmpuint (p->port, ==, 80);
  g_assert_cmpuint (p->flags, ==, 0);
  p = &g_array_index (m->added, ShoalPexPeer, 2);
  g_assert_cmpuint (p->addr_len, ==, 16);
  g_assert_cmpuint (p->port, ==, 443);
  g_assert_cmpuint (p->flags, ==, SHOAL_PEX_FLAG_REACHABLE);
  p = &g_array_index (m->dropped, ShoalPexPeer, 0);
  g_assert_cmpuint (p->port, ==, 1000);
  g_assert_cmpmem (p->addr, 4, "\x01\x02\x03\x04", 4);
}

static void
test_roundtrip (void)
{
  ShoalPexPeer added[] = {
    peer4 (10, 0, 0, 1, 6881, SHOAL_PEX_FLAG_SEED),
    peer6 (7, 51413, SHOAL_PEX_FLAG_UTP | SHOAL_PEX_FLAG_HOLEPUNCH),
    peer4 (172, 16, 0, 9, 1, SHOAL_PEX_FLAG_REACHABLE),
  };
  ShoalPexPeer dropped[] = { peer6 (9, 2, 0), peer4 (8, 8, 8, 8, 65535, 0) };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalPexMessage) m = NULL;
  g_autoptr(GError) error = NULL;

  shoal_pex_encode (out, added, G_N_ELEMENTS (added), dropped, G_N_ELEMENTS (dropped));
  m = shoal_pex_parse (out->data, out->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->added->len, ==, 3);
  g_assert_cmpuint (m->dropped->len, ==, 2);
  /* IPv4 first, then IPv6, each in order; flags travel with added peers. */
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->added, ShoalPexPeer, 0), &added[0]));
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->added, ShoalPexPeer, 1), &added[2]));
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->added, ShoalPexPeer, 2), &added[1]));
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 0).flags, ==, SHOAL_PEX_FLAG_SEED);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 1).flags, ==, SHOAL_PEX_FLAG_REACHABLE);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 2).flags, ==,
                    SHOAL_PEX_FLAG_UTP | SHOAL_PEX_FLAG_HOLEPUNCH);
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->dropped, ShoalPexPeer, 0), &dropped[1]));
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->dropped, ShoalPexPeer, 1), &dropped[0]));
}

static void
test_encode_empty (void)
{
  static const char expected[] = "d5:added0:7:added.f0:6:added60:8:added6.f0:7:dropped0:8:dropped60:e";
  g_autoptr(GByteArray) out = g_byte_array_new ();

  shoal_pex_encode (out, NULL, 0, NULL, 0);
  g_assert_cmpmem (out->data, out->len, expected, strlen (expected));
}

typedef struct
{
  const char    *name;
  const char    *data;
  gsize          len;
  ShoalPexError  code;
} BadMessage;

#define BAD(n, s, c) { n, s, sizeof s - 1, c }
static const BadMessage bad_messages[] = {
  BAD ("empty", "", SHOAL_PEX_ERROR_MALFORMED),
  BAD ("not-bencode", "xyz", SHOAL_PEX_ERROR_MALFORMED),
  BAD ("list", "le", SHOAL_PEX_ERROR_MALFORMED),
  BAD ("trailing", "de0", SHOAL_PEX_ERROR_MALFORMED),
  BAD ("added-integer", "d5:addedi1ee", SHOAL_PEX_ERROR_MALFORMED),
  BAD ("added-5-bytes", "d5:added5:abcdee", SHOAL_PEX_ERROR_BAD_LENGTH),
  BAD ("added6-6-bytes", "d6:added66:abcdefe", SHOAL_PEX_ERROR_BAD_LENGTH),
  BAD ("dropped-7-bytes", "d7:dropped7:abcdefge", SHOAL_PEX_ERROR_BAD_LENGTH),
  BAD ("dropped6-list", "d8:dropped6lee", SHOAL_PEX_ERROR_MALFORMED),
};

static void
test_reject_bad (gconstpointer data)
{
  const BadMessage *bad = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_memdup2 (bad->data, bad->len + 1);

  g_assert_null (parse_string (copy, bad->len, &error));
  g_assert_error (error, SHOAL_PEX_ERROR, (gint) bad->code);
}

static GByteArray *
message_with_list (const char *key,
                   guint       n,
                   gsize       entry_len)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree char *head = g_strdup_printf ("d%zu:%s%zu:", strlen (key), key, n * entry_len);

  g_byte_array_append (out, (const guint8 *) head, strlen (head));
  for (guint i = 0; i < n; i++)
    {
      guint8 e[18] = { 0 };

      e[0] = 10;
      e[1] = (guint8) (i >> 8);
      e[2] = (guint8) i;
      e[3] = 1;
      if (entry_len == 18)
        {
          e[0] = 0x20;
          e[15] = (guint8) i;
        }
      e[entry_len - 1] = 1;
      g_byte_array_append (out, e, (guint) entry_len);
    }
  g_byte_array_append (out, (const guint8 *) "e", 1);
  return out;
}

static void
test_flood (void)
{
  g_autoptr(GByteArray) big = message_with_list ("added", SHOAL_PEX_MAX_LIST + 1, 6);
  g_autoptr(GByteArray) some = message_with_list ("added", 120, 6);
  g_autoptr(GByteArray) dropped = message_with_list ("dropped6", 80, 18);
  g_autoptr(ShoalPexMessage) m = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (shoal_pex_parse (big->data, big->len, &error));
  g_assert_error (error, SHOAL_PEX_ERROR, SHOAL_PEX_ERROR_TOO_MANY);
  g_clear_error (&error);

  /* Within the hard limit, the extra entries are cut. */
  m = shoal_pex_parse (some->data, some->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->added->len, ==, SHOAL_PEX_MAX_ADDED);
  g_assert_true (m->truncated);
  g_clear_pointer (&m, shoal_pex_message_free);

  m = shoal_pex_parse (dropped->data, dropped->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->dropped->len, ==, SHOAL_PEX_MAX_DROPPED);
  g_assert_cmpuint (m->added->len, ==, 0);
  g_assert_true (m->truncated);
}

static void
test_truncate_fair (void)
{
  ShoalPexPeer v4[80], v6[80];
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalPexMessage) m = NULL;
  guint n4 = 0, n6 = 0;
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (ShoalPexPeer));

  for (guint i = 0; i < 80; i++)
    {
      v4[i] = peer4 (10, 1, (guint8) i, 1, 1000, 0);
      v6[i] = peer6 ((guint16) i, 1000, 0);
    }
  /* A flood of IPv4 does not crowd out the IPv6 peers. */
  g_array_append_vals (all, v4, 80);
  g_array_append_vals (all, v6, 10);
  shoal_pex_encode (out, (ShoalPexPeer *) (gpointer) all->data, all->len, NULL, 0);
  m = shoal_pex_parse (out->data, out->len, NULL);
  g_assert_nonnull (m);
  for (guint i = 0; i < m->added->len; i++)
    {
      if (g_array_index (m->added, ShoalPexPeer, i).addr_len == 4)
        n4++;
      else
        n6++;
    }
  g_assert_cmpuint (n4, ==, 40);
  g_assert_cmpuint (n6, ==, 10);
  g_clear_pointer (&m, shoal_pex_message_free);

  /* Both flooding: half each. */
  g_byte_array_set_size (out, 0);
  g_array_set_size (all, 0);
  g_array_append_vals (all, v4, 80);
  g_array_append_vals (all, v6, 80);
  shoal_pex_encode (out, (ShoalPexPeer *) (gpointer) all->data, all->len, NULL, 0);
  m = shoal_pex_parse (out->data, out->len, NULL);
  g_assert_nonnull (m);
  n4 = n6 = 0;
  for (guint i = 0; i < m->added->len; i++)
    {
      if (g_array_index (m->added, ShoalPexPeer, i).addr_len == 4)
        n4++;
      else
        n6++;
    }
  g_assert_cmpuint (n4, ==, 25);
  g_assert_cmpuint (n6, ==, 25);
}

static void
test_skip_invalid (void)
{
  ShoalPexPeer peers[] = {
    peer4 (10, 0, 0, 1, 0, 0),          /* port 0 */
    peer4 (0, 0, 0, 0, 80, 0),          /* unspecified */
    peer4 (0, 1, 2, 3, 80, 0),          /* 0/8 */
    peer4 (224, 0, 0, 1, 80, 0),        /* multicast */
    peer4 (255, 255, 255, 255, 80, 0),  /* broadcast */
    peer4 (127, 0, 0, 1, 80, 0),        /* loopback: the caller decides */
    peer4 (192, 168, 0, 1, 80, 0),      /* private: the caller decides */
    peer6 (1, 80, 0),
  };
  ShoalPexPeer v6_bad[2];
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalPexMessage) m = NULL;

  memset (v6_bad, 0, sizeof v6_bad);
  v6_bad[0].addr_len = 16;                 /* :: */
  v6_bad[0].port = 80;
  v6_bad[1] = peer6 (1, 80, 0);
  v6_bad[1].addr[0] = 0xff;                /* multicast */

  shoal_pex_encode (out, peers, G_N_ELEMENTS (peers), v6_bad, G_N_ELEMENTS (v6_bad));
  m = shoal_pex_parse (out->data, out->len, NULL);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->added->len, ==, 3);
  g_assert_cmpuint (m->dropped->len, ==, 0);
  g_assert_cmpuint (m->skipped, ==, 7);
  g_assert_false (m->truncated);
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->added, ShoalPexPeer, 0), &peers[5]));
}

static void
test_flags_length_mismatch (void)
{
  /* Two peers, one flags byte: the second peer has no flags. Three flags
   * bytes for one peer: the extra is ignored. */
  static const char msg[] =
    "d5:added12:\x0a\x00\x00\x01\x00\x01\x0a\x00\x00\x02\x00\x02"
    "7:added.f1:\x02"
    "6:added618:\x20\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x03"
    "8:added6.f3:\x04\x05\x06"
    "e";
  g_autoptr(ShoalPexMessage) m = parse_string (msg, sizeof msg - 1, NULL);

  g_assert_nonnull (m);
  g_assert_cmpuint (m->added->len, ==, 3);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 0).flags, ==, 2);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 1).flags, ==, 0);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 2).flags, ==, 4);
}

static void
test_peer_address (void)
{
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string ("2001:db8::5", 6881);
  g_autoptr(GSocketAddress) zero = g_inet_socket_address_new_from_string ("10.0.0.1", 0);
  g_autoptr(GInetSocketAddress) back = NULL;
  g_autofree char *str = NULL;
  ShoalPexPeer p;

  g_assert_true (shoal_pex_peer_set_address (&p, G_INET_SOCKET_ADDRESS (addr), SHOAL_PEX_FLAG_SEED));
  g_assert_cmpuint (p.addr_len, ==, 16);
  g_assert_cmpuint (p.port, ==, 6881);
  g_assert_cmpuint (p.flags, ==, SHOAL_PEX_FLAG_SEED);
  back = shoal_pex_peer_to_address (&p);
  str = g_inet_address_to_string (g_inet_socket_address_get_address (back));
  g_assert_cmpstr (str, ==, "2001:db8::5");
  g_assert_false (shoal_pex_peer_set_address (&p, G_INET_SOCKET_ADDRESS (zero), 0));
}

static ShoalPexMessage *
build_and_parse (ShoalPexState      *state,
                 const ShoalPexPeer *connected,
                 guint               n,
                 gint64              now)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (!shoal_pex_state_build (state, connected, n, now, out))
    {
      g_assert_cmpuint (out->len, ==, 0);
      return NULL;
    }
  return shoal_pex_parse (out->data, out->len, NULL);
}

static void
test_state_diff (void)
{
  g_autoptr(ShoalPexState) state = shoal_pex_state_new ();
  ShoalPexPeer a = peer4 (10, 0, 0, 1, 1, SHOAL_PEX_FLAG_SEED);
  ShoalPexPeer b = peer4 (10, 0, 0, 2, 2, 0);
  ShoalPexPeer c = peer6 (3, 3, 0);
  ShoalPexPeer first[] = { a, b, a };
  ShoalPexPeer second[] = { b, c };
  g_autoptr(ShoalPexMessage) m = NULL;

  g_assert_true (shoal_pex_state_should_send (state, 0));
  m = build_and_parse (state, first, G_N_ELEMENTS (first), 0);
  g_assert_nonnull (m);
  /* Duplicates in the connected list are sent once. */
  g_assert_cmpuint (m->added->len, ==, 2);
  g_assert_cmpuint (m->dropped->len, ==, 0);
  g_assert_cmpuint (g_array_index (m->added, ShoalPexPeer, 0).flags, ==, SHOAL_PEX_FLAG_SEED);
  g_clear_pointer (&m, shoal_pex_message_free);

  /* Once a minute. */
  g_assert_false (shoal_pex_state_should_send (state, SHOAL_PEX_INTERVAL - 1));
  g_assert_null (build_and_parse (state, second, G_N_ELEMENTS (second), SHOAL_PEX_INTERVAL - 1));
  g_assert_true (shoal_pex_state_should_send (state, SHOAL_PEX_INTERVAL));

  m = build_and_parse (state, second, G_N_ELEMENTS (second), SHOAL_PEX_INTERVAL);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->added->len, ==, 1);
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->added, ShoalPexPeer, 0), &c));
  g_assert_cmpuint (m->dropped->len, ==, 1);
  g_assert_true (shoal_pex_peer_equal (&g_array_index (m->dropped, ShoalPexPeer, 0), &a));
  g_clear_pointer (&m, shoal_pex_message_free);

  /* Nothing changed: nothing to send, and the next change may go at once. */
  g_assert_null (build_and_parse (state, second, G_N_ELEMENTS (second), 2 * SHOAL_PEX_INTERVAL));
  g_assert_true (shoal_pex_state_should_send (state, 2 * SHOAL_PEX_INTERVAL + 1));
  m = build_and_parse (state, NULL, 0, 2 * SHOAL_PEX_INTERVAL + 1);
  g_assert_nonnull (m);
  g_assert_cmpuint (m->added->len, ==, 0);
  g_assert_cmpuint (m->dropped->len, ==, 2);
}

static void
test_state_limits (void)
{
  g_autoptr(ShoalPexState) state = shoal_pex_state_new ();
  ShoalPexPeer many[120];
  g_autoptr(ShoalPexMessage) m = NULL;
  gint64 now = 0;
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = peer4 (10, 2, (guint8) i, 1, 7000, 0);

  /* 120 new peers go out 50 at a time, a minute apart. */
  for (guint round = 0; round < 3; round++)
    {
      m = build_and_parse (state, many, G_N_ELEMENTS (many), now);
      g_assert_nonnull (m);
      g_assert_cmpuint (m->added->len, <=, SHOAL_PEX_MAX_ADDED);
      total += m->added->len;
      g_clear_pointer (&m, shoal_pex_message_free);
      now += SHOAL_PEX_INTERVAL;
    }
  g_assert_cmpuint (total, ==, 120);
  g_assert_null (build_and_parse (state, many, G_N_ELEMENTS (many), now));

  /* And all dropped, 50 at a time. */
  total = 0;
  for (guint round = 0; round < 3; round++)
    {
      m = build_and_parse (state, NULL, 0, now);
      g_assert_nonnull (m);
      g_assert_cmpuint (m->dropped->len, <=, SHOAL_PEX_MAX_DROPPED);
      total += m->dropped->len;
      g_clear_pointer (&m, shoal_pex_message_free);
      now += SHOAL_PEX_INTERVAL;
    }
  g_assert_cmpuint (total, ==, 120);
  g_assert_null (build_and_parse (state, NULL, 0, now));
}

static void
test_state_incoming (void)
{
  g_autoptr(ShoalPexState) state = shoal_pex_state_new ();

  g_assert_true (shoal_pex_state_accept_incoming (state, 100 * SEC));
  g_assert_false (shoal_pex_state_accept_incoming (state, 100 * SEC + 1));
  g_assert_false (shoal_pex_state_accept_incoming (state, 100 * SEC + SHOAL_PEX_MIN_INCOMING_INTERVAL - 1));
  g_assert_true (shoal_pex_state_accept_incoming (state, 100 * SEC + SHOAL_PEX_MIN_INCOMING_INTERVAL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/pex/parse-exact", test_parse_exact);
  g_test_add_func ("/engine/pex/roundtrip", test_roundtrip);
  g_test_add_func ("/engine/pex/encode-empty", test_encode_empty);
  for (guint i = 0; i < G_N_ELEMENTS (bad_messages); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/pex/reject-%s", bad_messages[i].name);

      g_test_add_data_func (path, &bad_messages[i], test_reject_bad);
    }
  g_test_add_func ("/engine/pex/flood", test_flood);
  g_test_add_func ("/engine/pex/truncate-fair", test_truncate_fair);
  g_test_add_func ("/engine/pex/skip-invalid", test_skip_invalid);
  g_test_add_func ("/engine/pex/flags-length-mismatch", test_flags_length_mismatch);
  g_test_add_func ("/engine/pex/peer-address", test_peer_address);
  g_test_add_func ("/engine/pex/state-diff", test_state_diff);
  g_test_add_func ("/engine/pex/state-limits", test_state_limits);
  g_test_add_func ("/engine/pex/state-incoming", test_state_incoming);

  return g_test_run ();
}
