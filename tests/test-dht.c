/* test-dht.c: KRPC codec, routing table, tokens, peer store, rate limits,
 * and DHT nodes talking to each other on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-dht.h"
#include "shoal-dht-message.h"
#include "shoal-dht-private.h"
#include "shoal-dht-routing.h"
#include "shoal-dht-store.h"

#define MIN_USEC (60 * G_USEC_PER_SEC)

static void
id_fill (guint8 id[SHOAL_DHT_ID_LEN],
         guint8 value)
{
  memset (id, value, SHOAL_DHT_ID_LEN);
}

static ShoalDhtAddr
addr4 (guint8  a,
       guint8  b,
       guint8  c,
       guint8  d,
       guint16 port)
{
  ShoalDhtAddr addr = { .family = 4, .ip = { a, b, c, d }, .port = port };

  return addr;
}

static gboolean
parse_str (const char      *text,
           gsize            len,
           ShoalDhtMessage *msg,
           GError         **error)
{
  shoal_dht_message_init (msg);
  return shoal_dht_message_parse ((const guint8 *) text, len, msg, error);
}

/* Codec */

static void
test_message_bep5_examples (void)
{
  static const struct
  {
    const char *wire;
    ShoalDhtMessageType type;
    ShoalDhtMethod method;
  } examples[] = {
    { "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", SHOAL_DHT_MESSAGE_QUERY, SHOAL_DHT_METHOD_PING },
    { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_QUERY, SHOAL_DHT_METHOD_FIND_NODE },
    { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_QUERY, SHOAL_DHT_METHOD_GET_PEERS },
    { "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_QUERY, SHOAL_DHT_METHOD_ANNOUNCE_PEER },
    { "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_RESPONSE, SHOAL_DHT_METHOD_UNKNOWN },
    { "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
      SHOAL_DHT_MESSAGE_RESPONSE, SHOAL_DHT_METHOD_UNKNOWN },
    { "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee", SHOAL_DHT_MESSAGE_ERROR_REPLY, SHOAL_DHT_METHOD_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      ShoalDhtMessage msg;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) again = NULL;

      g_assert_true (parse_str (examples[i].wire, strlen (examples[i].wire), &msg, &error));
      g_assert_no_error (error);
      g_assert_cmpint (msg.type, ==, examples[i].type);
      g_assert_cmpint (msg.method, ==, examples[i].method);
      g_assert_cmpmem (msg.tid, msg.tid_len, "aa", 2);
      /* Our encoder writes exactly what BEP 5 shows. */
      again = shoal_dht_message_encode (&msg);
      g_assert_cmpmem (g_bytes_get_data (again, NULL), g_bytes_get_size (again),
                       examples[i].wire, strlen (examples[i].wire));
      if (i == 3)
        {
          g_assert_true (msg.implied_port);
          g_assert_cmpuint (msg.port, ==, 6881);
          g_assert_cmpmem (msg.token, msg.token_len, "aoeusnth", 8);
        }
      if (i == 5)
        {
          g_assert_cmpuint (msg.values->len, ==, 2);
          g_assert_cmpuint (g_array_index (msg.values, ShoalDhtAddr, 0).port, ==, ('.' << 8) | 'u');
        }
      if (i == 6)
        {
          g_assert_cmpint (msg.error_code, ==, 201);
          g_assert_cmpstr (msg.error_message, ==, "A Generic Error Ocurred");
        }
      shoal_dht_message_clear (&msg);
    }
}

static void
test_message_response_roundtrip (void)
{
  ShoalDhtMessage msg, back;
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GError) error = NULL;

  shoal_dht_message_init (&msg);
  msg.type = SHOAL_DHT_MESSAGE_RESPONSE;
  memcpy (msg.tid, "\x01\x02\x03", 3);
  msg.tid_len = 3;
  id_fill (msg.id, 0x11);
  memcpy (msg.token, "tok", 3);
  msg.token_len = 3;
  memcpy (msg.version, "SH01", 4);
  for (guint i = 0; i < 8; i++)
    {
      ShoalDhtNodeInfo n = { .addr = addr4 (10, 0, 0, (guint8) i + 1, (guint16) (6881 + i)) };
      ShoalDhtNodeInfo n6 = { .addr = { .family = 6, .ip = { 0x20, 0x01, 0x0d, 0xb8 }, .port = 7000 } };
      ShoalDhtAddr peer = addr4 (192, 168, 1, (guint8) i + 1, 51413);

      id_fill (n.id, (guint8) i);
      id_fill (n6.id, (guint8) (0x80 + i));
      n6.addr.ip[15] = (guint8) i;
      shoal_dht_message_add_node (&msg, &n);
      shoal_dht_message_add_node (&msg, &n6);
      shoal_dht_message_add_value (&msg, &peer);
    }
  wire = shoal_dht_message_encode (&msg);
  g_assert_cmpuint (g_bytes_get_size (wire), <=, SHOAL_DHT_MAX_DATAGRAM);

  g_assert_true (parse_str (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back.type, ==, SHOAL_DHT_MESSAGE_RESPONSE);
  g_assert_cmpmem (back.tid, back.tid_len, msg.tid, msg.tid_len);
  g_assert_cmpmem (back.id, 20, msg.id, 20);
  g_assert_cmpmem (back.token, back.token_len, "tok", 3);
  g_assert_cmpstr (back.version, ==, "SH01");
  g_assert_cmpuint (back.nodes->len, ==, 16);
  g_assert_cmpuint (back.values->len, ==, 8);
  /* The encoder groups nodes by family: IPv4 ("nodes") first. */
  for (guint i = 0; i < 8; i++)
    {
      const ShoalDhtNodeInfo *n4 = &g_array_index (back.nodes, ShoalDhtNodeInfo, i);
      const ShoalDhtNodeInfo *n6 = &g_array_index (back.nodes, ShoalDhtNodeInfo, 8 + i);
      ShoalDhtAddr peer = addr4 (192, 168, 1, (guint8) i + 1, 51413);

      g_assert_cmpuint (n4->addr.family, ==, 4);
      g_assert_cmpuint (n4->addr.port, ==, 6881 + i);
      g_assert_cmpuint (n4->id[0], ==, i);
      g_assert_cmpuint (n6->addr.family, ==, 6);
      g_assert_cmpuint (n6->addr.ip[15], ==, i);
      g_assert_cmpuint (n6->id[19], ==, 0x80 + i);
      g_assert_true (shoal_dht_addr_equal (&g_array_index (back.values, ShoalDhtAddr, i), &peer));
    }
  shoal_dht_message_clear (&back);
  shoal_dht_message_clear (&msg);
}

static void
test_message_query_want (void)
{
  ShoalDhtMessage msg, back;
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GError) error = NULL;

  shoal_dht_message_init (&msg);
  msg.type = SHOAL_DHT_MESSAGE_QUERY;
  msg.method = SHOAL_DHT_METHOD_GET_PEERS;
  msg.tid[0] = 'x';
  msg.tid_len = 1;
  id_fill (msg.id, 1);
  id_fill (msg.target, 2);
  msg.want = SHOAL_DHT_WANT_N4 | SHOAL_DHT_WANT_N6;
  msg.read_only = TRUE;
  wire = shoal_dht_message_encode (&msg);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), "4:wantl2:n42:n6e"));

  g_assert_true (parse_str (g_bytes_get_data (wire, NULL), g_bytes_get_size (wire), &back, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back.method, ==, SHOAL_DHT_METHOD_GET_PEERS);
  g_assert_cmpint (back.want, ==, SHOAL_DHT_WANT_N4 | SHOAL_DHT_WANT_N6);
  g_assert_true (back.read_only);
  g_assert_cmpmem (back.target, 20, msg.target, 20);
  shoal_dht_message_clear (&back);
  shoal_dht_message_clear (&msg);
}

static void
test_message_reject_malformed (void)
{
  static const struct
  {
    const char *wire;
    ShoalDhtMessageError code;
    gboolean keeps_query_tid;
  } cases[] = {
    { "", SHOAL_DHT_MESSAGE_ERROR_BENCODE, FALSE },
    { "d1:t2:aa1:y1:q", SHOAL_DHT_MESSAGE_ERROR_BENCODE, FALSE },
    { "d1:t2:aa1:y1:qee", SHOAL_DHT_MESSAGE_ERROR_BENCODE, FALSE },
    { "li1ee", SHOAL_DHT_MESSAGE_ERROR_NOT_A_DICT, FALSE },
    { "d1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION, FALSE },
    { "d1:t0:1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION, FALSE },
    { "d1:t17:aaaaaaaaaaaaaaaaa1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_BAD_TRANSACTION, FALSE },
    { "d1:t2:aa1:y1:xe", SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE, FALSE },
    { "d1:t2:aa1:yi1ee", SHOAL_DHT_MESSAGE_ERROR_BAD_TYPE, FALSE },
    { "d1:t2:aa1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, TRUE },
    { "d1:q4:ping1:t2:aa1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, TRUE },
    { "d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_BAD_ID, TRUE },
    { "d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe", SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, TRUE },
    { "d1:ad2:id20:abcdefghij01234567896:target19:mnopqrstuvwxyz12345e1:q9:find_node1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_ERROR_BAD_ID, TRUE },
    { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881ee1:q13:announce_peer1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, TRUE },
    { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti65536e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_ERROR_BAD_PORT, TRUE },
    { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_ERROR_BAD_PORT, TRUE },
    { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti1e5:token0:e1:q13:announce_peer1:t2:aa1:y1:qe",
      SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN, TRUE },
    { "d1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_ERROR_MISSING_ARGUMENT, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234565:nodes25:aaaaaaaaaaaaaaaaaaaaaaaaae1:t2:aa1:y1:re",
      SHOAL_DHT_MESSAGE_ERROR_BAD_NODES, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234566:nodes6i1ee1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_ERROR_BAD_NODES, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl5:abcdeee1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234566:valuesli1eee1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234566:values6:abcdefe1:t2:aa1:y1:re", SHOAL_DHT_MESSAGE_ERROR_BAD_VALUES, FALSE },
    { "d1:rd2:id20:mnopqrstuvwxyz1234565:token33:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaae1:t2:aa1:y1:re",
      SHOAL_DHT_MESSAGE_ERROR_BAD_TOKEN, FALSE },
    { "d1:e3:abc1:t2:aa1:y1:ee", SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR, FALSE },
    { "d1:el3:abce1:t2:aa1:y1:ee", SHOAL_DHT_MESSAGE_ERROR_BAD_ERROR, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ShoalDhtMessage msg;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u: %s", i, cases[i].wire);
      g_assert_false (parse_str (cases[i].wire, strlen (cases[i].wire), &msg, &error));
      g_assert_error (error, SHOAL_DHT_MESSAGE_ERROR, (gint) cases[i].code);
      /* What the node needs to answer with error 203. */
      g_assert_cmpint (cases[i].keeps_query_tid,
                       ==, msg.type == SHOAL_DHT_MESSAGE_QUERY && msg.tid_len == 2);
      shoal_dht_message_clear (&msg);
    }
}

static void
test_message_reject_oversized (void)
{
  g_autoptr(GString) big = g_string_new ("d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl");
  ShoalDhtMessage msg;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = g_string_new ("d1:t2:aa1:y1:r1:xd");

  while (big->len < SHOAL_DHT_MAX_DATAGRAM)
    g_string_append (big, "6:abcdef");
  g_string_append (big, "ee1:t2:aa1:y1:re");
  g_assert_false (parse_str (big->str, big->len, &msg, &error));
  g_assert_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_TOO_LARGE);
  shoal_dht_message_clear (&msg);
  g_clear_error (&error);

  /* Nesting deeper than KRPC ever needs is refused by the bencode layer. */
  for (guint i = 0; i < 20; i++)
    g_string_append (deep, "1:xl");
  for (guint i = 0; i < 20; i++)
    g_string_append (deep, "e");
  g_string_append (deep, "ee");
  g_assert_false (parse_str (deep->str, deep->len, &msg, &error));
  g_assert_error (error, SHOAL_DHT_MESSAGE_ERROR, SHOAL_DHT_MESSAGE_ERROR_BENCODE);
  shoal_dht_message_clear (&msg);
}

static void
test_message_values_bounded (void)
{
  g_autoptr(GString) s = g_string_new ("d1:rd2:id20:mnopqrstuvwxyz1234566:valuesl");
  ShoalDhtMessage msg;
  g_autoptr(GError) error = NULL;

  /* 180 peers fit in a datagram; the parser keeps them all, as it is under
   * SHOAL_DHT_MAX_PARSED_VALUES, and each is an exact copy. */
  for (guint i = 0; i < 180; i++)
    g_string_append_printf (s, "6:%c%c%c%c%c%c", 10, 0, 0, 1, (char) (i >> 8 | 0x10), (char) (i & 0x7f) | 1);
  g_string_append (s, "ee1:t2:aa1:y1:re");
  g_assert_cmpuint (s->len, <=, SHOAL_DHT_MAX_DATAGRAM);
  g_assert_true (parse_str (s->str, s->len, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg.values->len, ==, 180);
  g_assert_cmpuint (msg.values->len, <=, SHOAL_DHT_MAX_PARSED_VALUES);
  shoal_dht_message_clear (&msg);
}

/* Routing table */

static ShoalDhtNodeInfo
node_with_prefix (const guint8 own[20],
                  guint        prefix,
                  guint        salt)
{
  /* Each in its own /24, as unrelated nodes are. */
  ShoalDhtNodeInfo info = { .addr = addr4 (10, (guint8) (salt >> 8), (guint8) salt, 1, 6881) };

  shoal_dht_id_random_in_bucket (own, prefix, TRUE, info.id);
  /* Differ from our id exactly at bit @prefix. */
  info.id[prefix / 8] ^= ((own[prefix / 8] ^ info.id[prefix / 8]) & (0x80 >> (prefix % 8))) ^ (0x80 >> (prefix % 8));
  g_assert_cmpuint (shoal_dht_id_common_prefix (own, info.id), ==, prefix);
  return info;
}

static void
test_routing_split (void)
{
  guint8 own[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtNodeInfo to_ping;
  guint salt = 1;

  id_fill (own, 0x5a);
  table = shoal_dht_routing_table_new (own);
  g_assert_cmpuint (shoal_dht_routing_table_get_n_buckets (table), ==, 1);

  /* 8 far nodes fill the single bucket; a 9th close one splits it. */
  for (guint i = 0; i < SHOAL_DHT_K; i++)
    {
      ShoalDhtNodeInfo n = node_with_prefix (own, 0, salt++);

      g_assert_cmpint (shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping), ==,
                       SHOAL_DHT_ROUTING_ADDED);
    }
  {
    ShoalDhtNodeInfo close = node_with_prefix (own, 5, salt++);

    g_assert_cmpint (shoal_dht_routing_table_heard (table, &close, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_ADDED);
  }
  g_assert_cmpuint (shoal_dht_routing_table_get_n_buckets (table), ==, 2);
  g_assert_cmpuint (shoal_dht_routing_table_get_n_nodes (table), ==, SHOAL_DHT_K + 1);

  /* Bucket 0 is full and no longer ours to split: a 9th far node waits. */
  {
    ShoalDhtNodeInfo far = node_with_prefix (own, 0, salt++);

    g_assert_cmpint (shoal_dht_routing_table_heard (table, &far, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_REPLACEMENT);
    /* Everyone in bucket 0 is good: nobody to ping. */
    g_assert_cmpuint (to_ping.addr.port, ==, 0);
  }

  /* Close nodes keep splitting the last bucket, up to deep prefixes. */
  for (guint p = 1; p < 40; p++)
    for (guint i = 0; i < 3; i++)
      {
        ShoalDhtNodeInfo n = node_with_prefix (own, p, salt++);

        shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping);
      }
  g_assert_cmpuint (shoal_dht_routing_table_get_n_buckets (table), >=, 30);
  g_assert_cmpuint (shoal_dht_routing_table_get_n_nodes (table), ==, SHOAL_DHT_K + 1 + 39 * 3);
  for (guint p = 1; p < 30; p++)
    {
      ShoalDhtNodeInfo probe = node_with_prefix (own, p, 0);

      g_assert_cmpuint (shoal_dht_routing_table_bucket_index (table, probe.id), ==, p);
    }

  /* Our own id and unusable addresses never get in. */
  {
    ShoalDhtNodeInfo me = { .addr = addr4 (10, 9, 9, 9, 1) };
    ShoalDhtNodeInfo port0 = node_with_prefix (own, 3, salt++);

    memcpy (me.id, own, 20);
    port0.addr.port = 0;
    g_assert_cmpint (shoal_dht_routing_table_heard (table, &me, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_REJECTED);
    g_assert_cmpint (shoal_dht_routing_table_heard (table, &port0, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_REJECTED);
  }
}

static void
test_routing_eviction (void)
{
  guint8 own[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtNodeInfo nodes[SHOAL_DHT_K];
  ShoalDhtNodeInfo to_ping;
  ShoalDhtNodeInfo newcomer;
  ShoalDhtNodeInfo closest[SHOAL_DHT_K + 1];
  guint n;
  gboolean found;

  id_fill (own, 0);
  table = shoal_dht_routing_table_new (own);
  /* One close node first, so that bucket 0 splits off and is full. */
  for (guint i = 0; i < SHOAL_DHT_K; i++)
    {
      nodes[i] = node_with_prefix (own, 0, 100 + i);
      shoal_dht_routing_table_heard (table, &nodes[i], TRUE, now + i, &to_ping);
    }
  {
    ShoalDhtNodeInfo close = node_with_prefix (own, 10, 1);

    shoal_dht_routing_table_heard (table, &close, TRUE, now, &to_ping);
  }
  g_assert_cmpuint (shoal_dht_routing_table_get_n_buckets (table), ==, 2);

  /* A node that only queried us is not inserted. */
  newcomer = node_with_prefix (own, 0, 999);
  g_assert_cmpint (shoal_dht_routing_table_heard (table, &newcomer, FALSE, now, &to_ping), ==,
                   SHOAL_DHT_ROUTING_REJECTED);

  /* 16 minutes later everyone is questionable: the least recently seen
   * (nodes[0]) is handed out for a ping. */
  now += 16 * MIN_USEC;
  g_assert_cmpint (shoal_dht_routing_table_heard (table, &newcomer, TRUE, now, &to_ping), ==,
                   SHOAL_DHT_ROUTING_REPLACEMENT);
  g_assert_true (shoal_dht_addr_equal (&to_ping.addr, &nodes[0].addr));
  g_assert_cmpint (shoal_dht_node_get_status (shoal_dht_routing_table_lookup (table, &nodes[0].addr), now),
                   ==, SHOAL_DHT_NODE_QUESTIONABLE);

  /* It answers nothing, twice: it is bad and the newcomer takes its slot. */
  shoal_dht_routing_table_failed (table, &nodes[0].addr, now);
  g_assert_nonnull (shoal_dht_routing_table_lookup (table, &nodes[0].addr));
  shoal_dht_routing_table_failed (table, &nodes[0].addr, now);
  g_assert_null (shoal_dht_routing_table_lookup (table, &nodes[0].addr));
  g_assert_nonnull (shoal_dht_routing_table_lookup (table, &newcomer.addr));

  /* A node that answers again is good again. */
  shoal_dht_routing_table_heard (table, &nodes[1], TRUE, now, &to_ping);
  g_assert_cmpint (shoal_dht_node_get_status (shoal_dht_routing_table_lookup (table, &nodes[1].addr), now),
                   ==, SHOAL_DHT_NODE_GOOD);

  /* Bad nodes are never handed out as closest. */
  shoal_dht_routing_table_failed (table, &nodes[2].addr, now);
  shoal_dht_routing_table_failed (table, &nodes[2].addr, now);
  n = shoal_dht_routing_table_closest (table, nodes[2].id, G_N_ELEMENTS (closest), FALSE, now, closest);
  found = FALSE;
  for (guint i = 0; i < n; i++)
    found |= shoal_dht_addr_equal (&closest[i].addr, &nodes[2].addr);
  g_assert_false (found);

  /* An address may not change its id (no slot hijacking). */
  {
    ShoalDhtNodeInfo hijack = nodes[3];

    hijack.id[19] ^= 1;
    g_assert_cmpint (shoal_dht_routing_table_heard (table, &hijack, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_REJECTED);
  }
}

static guint
count_ip (GArray             *nodes,
          const ShoalDhtAddr *ip)
{
  guint n = 0;

  for (guint i = 0; i < nodes->len; i++)
    n += shoal_dht_addr_ip_equal (&g_array_index (nodes, ShoalDhtNodeInfo, i).addr, ip);
  return n;
}

/* The attack of issue 11: one host answering from many ports (each with a
 * made-up id) took every slot of the table. */
static void
test_routing_one_entry_per_ip (void)
{
  guint8 own[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  g_autoptr(GArray) nodes = NULL;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtNodeInfo to_ping;
  ShoalDhtAddr attacker = addr4 (203, 0, 113, 7, 0);
  guint n_subnet = 0;

  id_fill (own, 0x3c);
  table = shoal_dht_routing_table_new (own);
  /* 24 nodes of one IP, spread over the buckets as a Sybil attack would. */
  for (guint i = 0; i < 24; i++)
    {
      ShoalDhtNodeInfo n = node_with_prefix (own, i % 6, 500 + i);

      n.addr = attacker;
      n.addr.port = (guint16) (20000 + i);
      shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping);
    }
  nodes = shoal_dht_routing_table_dup_nodes (table, SHOAL_DHT_NODE_QUESTIONABLE, now);
  g_test_message ("%u of %u nodes in the table are the attacker's", count_ip (nodes, &attacker), nodes->len);
  g_assert_cmpuint (count_ip (nodes, &attacker), ==, 1);
  g_clear_pointer (&nodes, g_array_unref);

  /* The IP stays taken whatever the port, even for a replacement. */
  {
    ShoalDhtNodeInfo again = node_with_prefix (own, 0, 600);

    again.addr = attacker;
    again.addr.port = 30000;
    g_assert_cmpint (shoal_dht_routing_table_heard (table, &again, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_REJECTED);
  }

  /* One /24 holds at most SHOAL_DHT_MAX_PER_SUBNET nodes of a bucket, and as
   * many of its replacements, however many of its IPs answer. */
  for (guint i = 0; i < 24; i++)
    {
      ShoalDhtNodeInfo n = node_with_prefix (own, 0, 700 + i);

      n.addr = addr4 (198, 51, 100, (guint8) (10 + i), 6881);
      shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping);
    }
  nodes = shoal_dht_routing_table_dup_nodes (table, SHOAL_DHT_NODE_QUESTIONABLE, now);
  for (guint i = 0; i < nodes->len; i++)
    {
      const ShoalDhtNodeInfo *n = &g_array_index (nodes, ShoalDhtNodeInfo, i);

      if (n->addr.ip[0] == 198 && n->addr.ip[1] == 51 && n->addr.ip[2] == 100)
        {
          g_assert_cmpuint (shoal_dht_id_common_prefix (own, n->id), ==, 0);
          n_subnet++;
        }
    }
  g_assert_cmpuint (n_subnet, ==, SHOAL_DHT_MAX_PER_SUBNET);
  g_clear_pointer (&nodes, g_array_unref);
  /* Other nodes still get in. */
  {
    ShoalDhtNodeInfo other = node_with_prefix (own, 0, 800);

    g_assert_cmpint (shoal_dht_routing_table_heard (table, &other, TRUE, now, &to_ping), ==,
                     SHOAL_DHT_ROUTING_ADDED);
  }

  /* Loopback is exempt: a test DHT runs every node on 127.0.0.1. */
  for (guint i = 0; i < 6; i++)
    {
      ShoalDhtNodeInfo n = node_with_prefix (own, 1, 900 + i);

      n.addr = addr4 (127, 0, 0, 1, (guint16) (40000 + i));
      g_assert_cmpint (shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping), ==,
                       SHOAL_DHT_ROUTING_ADDED);
    }
}

/* A node that turns bad gives its slot only to a replacement whose subnet
 * has room in the bucket. */
static void
test_routing_subnet_replacement (void)
{
  guint8 own[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtNodeInfo to_ping;
  ShoalDhtNodeInfo first[SHOAL_DHT_K];
  ShoalDhtNodeInfo waiting;
  ShoalDhtNodeInfo same_subnet;

  id_fill (own, 0x00);
  table = shoal_dht_routing_table_new (own);
  for (guint i = 0; i < SHOAL_DHT_K; i++)
    {
      first[i] = node_with_prefix (own, 0, 100 + i);
      /* Two of them in 198.51.100.0/24. */
      if (i < 2)
        first[i].addr = addr4 (198, 51, 100, (guint8) (1 + i), 6881);
      g_assert_cmpint (shoal_dht_routing_table_heard (table, &first[i], TRUE, now, &to_ping), ==,
                       SHOAL_DHT_ROUTING_ADDED);
    }
  {
    ShoalDhtNodeInfo close = node_with_prefix (own, 10, 1);

    shoal_dht_routing_table_heard (table, &close, TRUE, now, &to_ping);
  }
  /* A third of that /24 waits, then an unrelated node waits. */
  same_subnet = node_with_prefix (own, 0, 300);
  same_subnet.addr = addr4 (198, 51, 100, 3, 6881);
  g_assert_cmpint (shoal_dht_routing_table_heard (table, &same_subnet, TRUE, now, &to_ping), ==,
                   SHOAL_DHT_ROUTING_REPLACEMENT);
  waiting = node_with_prefix (own, 0, 301);
  g_assert_cmpint (shoal_dht_routing_table_heard (table, &waiting, TRUE, now, &to_ping), ==,
                   SHOAL_DHT_ROUTING_REPLACEMENT);
  /* A node outside that /24 fails: the unrelated replacement takes over. */
  shoal_dht_routing_table_failed (table, &first[5].addr, now);
  shoal_dht_routing_table_failed (table, &first[5].addr, now);
  g_assert_nonnull (shoal_dht_routing_table_lookup (table, &waiting.addr));
  /* Another one fails: the same-/24 replacement may not take its slot. */
  shoal_dht_routing_table_failed (table, &first[6].addr, now);
  shoal_dht_routing_table_failed (table, &first[6].addr, now);
  g_assert_null (shoal_dht_routing_table_lookup (table, &same_subnet.addr));
  /* One of the /24 fails: now it may. */
  shoal_dht_routing_table_failed (table, &first[0].addr, now);
  shoal_dht_routing_table_failed (table, &first[0].addr, now);
  g_assert_nonnull (shoal_dht_routing_table_lookup (table, &same_subnet.addr));
}

static gint
compare_by_distance (gconstpointer a,
                     gconstpointer b,
                     gpointer      target)
{
  return shoal_dht_id_compare_distance (target, ((const ShoalDhtNodeInfo *) a)->id,
                                        ((const ShoalDhtNodeInfo *) b)->id);
}

static void
test_routing_closest (void)
{
  guint8 own[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GArray) all = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < 20; i++)
    own[i] = (guint8) g_rand_int_range (rand, 0, 256);
  table = shoal_dht_routing_table_new (own);
  for (guint i = 0; i < 2000; i++)
    {
      ShoalDhtNodeInfo n = { .addr = addr4 (10, 2, (guint8) (i >> 8), (guint8) i, 1000) };
      ShoalDhtNodeInfo to_ping;

      for (guint j = 0; j < 20; j++)
        n.id[j] = (guint8) g_rand_int_range (rand, 0, 256);
      /* Some ids close to ours, so that the table grows deep. */
      if (i % 3 == 0)
        memcpy (n.id, own, 1 + i % 7);
      shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping);
    }
  g_assert_cmpuint (shoal_dht_routing_table_get_n_nodes (table), <=,
                    shoal_dht_routing_table_get_n_buckets (table) * SHOAL_DHT_K);
  all = shoal_dht_routing_table_dup_nodes (table, SHOAL_DHT_NODE_QUESTIONABLE, now);
  g_assert_cmpuint (all->len, ==, shoal_dht_routing_table_get_n_nodes (table));

  for (guint round = 0; round < 50; round++)
    {
      guint8 target[20];
      ShoalDhtNodeInfo got[SHOAL_DHT_K];
      guint n;

      for (guint j = 0; j < 20; j++)
        target[j] = (guint8) g_rand_int_range (rand, 0, 256);
      if (round % 2 == 0)
        memcpy (target, own, 2);
      n = shoal_dht_routing_table_closest (table, target, SHOAL_DHT_K, FALSE, now, got);
      g_assert_cmpuint (n, ==, SHOAL_DHT_K);
      g_array_sort_with_data (all, compare_by_distance, target);
      for (guint i = 0; i < n; i++)
        g_assert_cmpmem (got[i].id, 20, g_array_index (all, ShoalDhtNodeInfo, i).id, 20);
    }
}

static void
test_routing_refresh (void)
{
  guint8 own[20];
  guint8 target[20];
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtNodeInfo to_ping;
  ShoalDhtNodeInfo n;
  ShoalDhtNodeInfo ping[4];

  id_fill (own, 0x33);
  table = shoal_dht_routing_table_new (own);
  n = node_with_prefix (own, 2, 1);
  shoal_dht_routing_table_heard (table, &n, TRUE, now, &to_ping);
  g_assert_false (shoal_dht_routing_table_next_refresh (table, now + MIN_USEC, target));
  g_assert_true (shoal_dht_routing_table_next_refresh (table, now + 16 * MIN_USEC, target));
  /* Only one bucket, so the refresh target can be any id. The bucket now
   * counts as refreshed. */
  g_assert_false (shoal_dht_routing_table_next_refresh (table, now + 16 * MIN_USEC, target));

  /* Liveness pings go to questionable nodes, once a minute at most. */
  g_assert_cmpuint (shoal_dht_routing_table_questionable (table, now + MIN_USEC, 4, ping), ==, 0);
  g_assert_cmpuint (shoal_dht_routing_table_questionable (table, now + 16 * MIN_USEC, 4, ping), ==, 1);
  g_assert_cmpuint (shoal_dht_routing_table_questionable (table, now + 16 * MIN_USEC + 1, 4, ping), ==, 0);

  /* Random ids in a bucket land in that bucket. */
  for (guint p = 0; p < 160; p += 7)
    {
      shoal_dht_id_random_in_bucket (own, p, FALSE, target);
      g_assert_cmpuint (shoal_dht_id_common_prefix (own, target), ==, p);
    }
}

/* Tokens, peer store, rate limiter */

static void
test_token_rotation (void)
{
  ShoalDhtTokens tokens;
  gint64 now = g_get_monotonic_time ();
  ShoalDhtAddr a = addr4 (203, 0, 113, 7, 6881);
  ShoalDhtAddr a_other_port = addr4 (203, 0, 113, 7, 9999);
  ShoalDhtAddr b = addr4 (203, 0, 113, 8, 6881);
  guint8 tok[SHOAL_DHT_TOKEN_LEN];
  guint8 tok_b[SHOAL_DHT_TOKEN_LEN];

  shoal_dht_tokens_init (&tokens, now);
  shoal_dht_tokens_make (&tokens, &a, tok);
  shoal_dht_tokens_make (&tokens, &b, tok_b);
  g_assert_true (shoal_dht_tokens_check (&tokens, &a, tok, sizeof tok));
  g_assert_true (shoal_dht_tokens_check (&tokens, &a_other_port, tok, sizeof tok));
  g_assert_false (shoal_dht_tokens_check (&tokens, &b, tok, sizeof tok));
  g_assert_false (memcmp (tok, tok_b, sizeof tok) == 0);
  g_assert_false (shoal_dht_tokens_check (&tokens, &a, tok, sizeof tok - 1));

  /* Not yet time to rotate. */
  g_assert_false (shoal_dht_tokens_maybe_rotate (&tokens, now + 4 * MIN_USEC));
  /* One rotation: the old token still works. */
  g_assert_true (shoal_dht_tokens_maybe_rotate (&tokens, now + 5 * MIN_USEC));
  g_assert_true (shoal_dht_tokens_check (&tokens, &a, tok, sizeof tok));
  {
    guint8 fresh[SHOAL_DHT_TOKEN_LEN];

    shoal_dht_tokens_make (&tokens, &a, fresh);
    g_assert_false (memcmp (fresh, tok, sizeof tok) == 0);
    g_assert_true (shoal_dht_tokens_check (&tokens, &a, fresh, sizeof fresh));
  }
  /* Two rotations: it has expired. */
  g_assert_true (shoal_dht_tokens_maybe_rotate (&tokens, now + 10 * MIN_USEC));
  g_assert_false (shoal_dht_tokens_check (&tokens, &a, tok, sizeof tok));
}

static void
test_peer_store_bounds (void)
{
  g_autoptr(ShoalDhtPeerStore) store = shoal_dht_peer_store_new (3, 5);
  gint64 now = g_get_monotonic_time ();
  guint8 ih[20];
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (ShoalDhtAddr));
  ShoalDhtAddr v6 = { .family = 6, .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, .port = 7 };

  for (guint8 t = 0; t < 3; t++)
    {
      id_fill (ih, t);
      g_assert_true (shoal_dht_peer_store_announce (store, ih, &(ShoalDhtAddr) { 0 }, now) == FALSE);
      for (guint8 p = 0; p < 8; p++)
        {
          ShoalDhtAddr peer = addr4 (10, 0, t, p + 1, 5000);

          g_assert_true (shoal_dht_peer_store_announce (store, ih, &peer, now + p));
        }
      g_assert_cmpuint (shoal_dht_peer_store_get_n_peers (store, ih), ==, 5);
    }
  /* A 4th torrent does not fit. */
  id_fill (ih, 9);
  g_assert_false (shoal_dht_peer_store_announce (store, ih, &v6, now));
  g_assert_cmpuint (shoal_dht_peer_store_get_n_torrents (store), ==, 3);

  /* The peers kept are the most recent; answers are bounded and of one family. */
  id_fill (ih, 1);
  g_assert_true (shoal_dht_peer_store_announce (store, ih, &v6, now + 100));
  g_assert_cmpuint (shoal_dht_peer_store_get (store, ih, 4, 3, now + 200, out), ==, 3);
  g_array_set_size (out, 0);
  g_assert_cmpuint (shoal_dht_peer_store_get (store, ih, 4, 100, now + 200, out), ==, 4);
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, ShoalDhtAddr, i).ip[3], >=, 5);
  g_array_set_size (out, 0);
  g_assert_cmpuint (shoal_dht_peer_store_get (store, ih, 6, 100, now + 200, out), ==, 1);

  /* Re-announcing refreshes instead of duplicating. */
  g_assert_true (shoal_dht_peer_store_announce (store, ih, &v6, now + 300));
  g_assert_cmpuint (shoal_dht_peer_store_get_n_peers (store, ih), ==, 5);

  /* After the TTL everything expires, and room frees up. */
  shoal_dht_peer_store_expire (store, now + SHOAL_DHT_PEER_TTL_USEC + 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (shoal_dht_peer_store_get_n_torrents (store), ==, 0);
  id_fill (ih, 9);
  g_assert_true (shoal_dht_peer_store_announce (store, ih, &v6, now + SHOAL_DHT_PEER_TTL_USEC));
}

/* The attack of issue 11: one IP announced 150 ports for one torrent, and
 * could as well have filled the store across torrents. */
static void
test_peer_store_per_ip (void)
{
  g_autoptr(ShoalDhtPeerStore) store = shoal_dht_peer_store_new (2000, 200);
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (ShoalDhtAddr));
  gint64 now = g_get_monotonic_time ();
  guint8 ih[20];
  guint stored = 0;

  id_fill (ih, 0x42);
  for (guint i = 0; i < 150; i++)
    {
      ShoalDhtAddr peer = addr4 (203, 0, 113, 9, (guint16) (1000 + i));

      g_assert_true (shoal_dht_peer_store_announce (store, ih, &peer, now + i));
    }
  g_test_message ("%u of 150 announced ports of one IP stored", shoal_dht_peer_store_get_n_peers (store, ih));
  g_assert_cmpuint (shoal_dht_peer_store_get_n_peers (store, ih), ==, SHOAL_DHT_MAX_PORTS_PER_IP);
  /* The latest ports are the ones kept. */
  g_assert_cmpuint (shoal_dht_peer_store_get (store, ih, 4, 100, now + 200, out), ==, SHOAL_DHT_MAX_PORTS_PER_IP);
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpuint (g_array_index (out, ShoalDhtAddr, i).port, >=, 1150 - SHOAL_DHT_MAX_PORTS_PER_IP);

  /* Across torrents, one IP holds a bounded number of entries. */
  for (guint t = 0; t < 150; t++)
    {
      ShoalDhtAddr peer = addr4 (203, 0, 113, 9, 6881);

      id_fill (ih, (guint8) t);
      ih[19] = 0xee;
      stored += shoal_dht_peer_store_announce (store, ih, &peer, now);
    }
  g_assert_cmpuint (stored, ==, SHOAL_DHT_MAX_ANNOUNCES_PER_IP - SHOAL_DHT_MAX_PORTS_PER_IP);
  g_assert_cmpuint (shoal_dht_peer_store_get_n_torrents (store), ==,
                    1 + SHOAL_DHT_MAX_ANNOUNCES_PER_IP - SHOAL_DHT_MAX_PORTS_PER_IP);
  /* Other hosts are not held back, and the same holds for IPv6. */
  {
    ShoalDhtAddr other = addr4 (203, 0, 113, 10, 6881);
    ShoalDhtAddr v6 = { .family = 6, .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 }, .port = 1 };

    g_assert_true (shoal_dht_peer_store_announce (store, ih, &other, now));
    id_fill (ih, 0x43);
    for (guint i = 0; i < 20; i++)
      {
        v6.port = (guint16) (1 + i);
        shoal_dht_peer_store_announce (store, ih, &v6, now + i);
      }
    g_assert_cmpuint (shoal_dht_peer_store_get_n_peers (store, ih), ==, SHOAL_DHT_MAX_PORTS_PER_IP);
  }

  /* Expired entries free the IP's share. */
  shoal_dht_peer_store_expire (store, now + SHOAL_DHT_PEER_TTL_USEC + 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (shoal_dht_peer_store_get_n_torrents (store), ==, 0);
  id_fill (ih, 0x44);
  for (guint t = 0; t < SHOAL_DHT_MAX_ANNOUNCES_PER_IP; t++)
    {
      ShoalDhtAddr peer = addr4 (203, 0, 113, 9, 6881);

      ih[0] = (guint8) t;
      g_assert_true (shoal_dht_peer_store_announce (store, ih, &peer, now + SHOAL_DHT_PEER_TTL_USEC));
    }

  /* Loopback is exempt: peers of a test swarm all live on 127.0.0.1. */
  id_fill (ih, 0x45);
  for (guint i = 0; i < 150; i++)
    {
      ShoalDhtAddr peer = addr4 (127, 0, 0, 1, (guint16) (1000 + i));

      g_assert_true (shoal_dht_peer_store_announce (store, ih, &peer, now + SHOAL_DHT_PEER_TTL_USEC));
    }
  g_assert_cmpuint (shoal_dht_peer_store_get_n_peers (store, ih), ==, 150);
}

static void
test_rate_limiter (void)
{
  g_autoptr(ShoalDhtRateLimiter) rl = shoal_dht_rate_limiter_new (20, 50);
  gint64 now = g_get_monotonic_time ();
  ShoalDhtAddr a = addr4 (198, 51, 100, 1, 1);
  ShoalDhtAddr a2 = addr4 (198, 51, 100, 1, 2);
  ShoalDhtAddr b = addr4 (198, 51, 100, 2, 1);
  guint allowed = 0;

  for (guint i = 0; i < 200; i++)
    allowed += shoal_dht_rate_limiter_allow (rl, i % 2 ? &a : &a2, now);
  /* The port does not matter: one IP, one bucket. */
  g_assert_cmpuint (allowed, ==, 50);
  g_assert_true (shoal_dht_rate_limiter_allow (rl, &b, now));
  /* Half a second refills 10. */
  allowed = 0;
  for (guint i = 0; i < 100; i++)
    allowed += shoal_dht_rate_limiter_allow (rl, &a, now + G_USEC_PER_SEC / 2);
  g_assert_cmpuint (allowed, ==, 10);

  /* Many sources: the table stays bounded and new sources are refused
   * while every tracked one is still limited. */
  for (guint i = 0; i < SHOAL_DHT_MAX_RATE_SOURCES + 10; i++)
    {
      ShoalDhtAddr s = addr4 (100, 64, (guint8) (i >> 8), (guint8) i, 1);

      for (guint j = 0; j < 3; j++)
        shoal_dht_rate_limiter_allow (rl, &s, now);
    }
  {
    ShoalDhtAddr late = addr4 (100, 65, 0, 1, 1);

    g_assert_false (shoal_dht_rate_limiter_allow (rl, &late, now));
    /* Ten seconds later the others are full again and get forgotten. */
    g_assert_true (shoal_dht_rate_limiter_allow (rl, &late, now + 10 * G_USEC_PER_SEC));
  }
}

/* Nodes on 127.0.0.1 */

static gboolean
timeout_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until *@done or @seconds pass. */
static gboolean
wait_until (const gboolean *done,
            guint           seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_flag_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *done;
}

static gboolean
poll_flag_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_for_nodes (ShoalDht *dht,
                guint     n,
                guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint id = g_timeout_add (20, poll_flag_cb, NULL);

  while (shoal_dht_get_n_nodes (dht) < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return shoal_dht_get_n_nodes (dht) >= n;
}

static ShoalDht *
start_node (guint8 id_byte)
{
  guint8 id[20];
  ShoalDht *dht;
  g_autoptr(GError) error = NULL;

  id_fill (id, id_byte);
  dht = shoal_dht_new (id);
  g_assert_true (shoal_dht_start (dht, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_dht_get_port (dht), !=, 0);
  shoal_dht_set_query_timeout (dht, 500);
  return dht;
}

static void
bootstrap_from (ShoalDht *dht,
                ShoalDht *from)
{
  g_autofree char *hp = g_strdup_printf ("127.0.0.1:%u", shoal_dht_get_port (from));
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_dht_add_bootstrap_node (dht, hp, &error));
  g_assert_no_error (error);
}

typedef struct
{
  gboolean   done;
  GError    *error;
  GPtrArray *peers;
  guint      announced;
  guint      batches;
  guint      signals;
} Result;

static void
result_clear (Result *r)
{
  g_clear_error (&r->error);
  g_clear_pointer (&r->peers, g_ptr_array_unref);
  memset (r, 0, sizeof *r);
}

static void
got_peers_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Result *r = data;

  r->peers = shoal_dht_get_peers_finish (SHOAL_DHT (source), result, &r->error);
  r->done = TRUE;
}

static void
announced_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Result *r = data;

  r->announced = shoal_dht_announce_finish (SHOAL_DHT (source), result, &r->error);
  r->done = TRUE;
}

static void
peers_batch_cb (ShoalDht     *self,
                const guint8 *info_hash,
                GPtrArray    *peers,
                gpointer      data)
{
  Result *r = data;

  g_assert_cmpuint (peers->len, >, 0);
  r->batches++;
}

static void
peers_found_cb (ShoalDht  *self,
                GBytes    *info_hash,
                GPtrArray *peers,
                gpointer   data)
{
  Result *r = data;

  g_assert_cmpuint (g_bytes_get_size (info_hash), ==, 20);
  r->signals++;
}

static gboolean
peers_contain (GPtrArray  *peers,
               const char *ip,
               guint16     port)
{
  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      GInetSocketAddress *sa = peers->pdata[i];
      g_autofree char *s = g_inet_address_to_string (g_inet_socket_address_get_address (sa));

      if (g_str_equal (s, ip) && g_inet_socket_address_get_port (sa) == port)
        return TRUE;
    }
  return FALSE;
}

static void
test_network_three_nodes (void)
{
  g_autoptr(ShoalDht) a = start_node (0x10);
  g_autoptr(ShoalDht) b = start_node (0x20);
  g_autoptr(ShoalDht) c = start_node (0x30);
  guint8 ih[20];
  Result r = { 0 };
  gulong handler;

  bootstrap_from (b, a);
  bootstrap_from (c, a);
  /* B and C learn of each other through A's answers. */
  g_assert_true (wait_for_nodes (b, 2, 10));
  g_assert_true (wait_for_nodes (c, 2, 10));
  g_assert_true (wait_for_nodes (a, 2, 10));

  id_fill (ih, 0x2f);
  shoal_dht_announce_async (c, ih, 5555, NULL, announced_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.announced, >=, 2);
  result_clear (&r);

  /* A announces with implied_port: peers reach it on its DHT port. */
  shoal_dht_announce_async (a, ih, 0, NULL, announced_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  result_clear (&r);

  handler = g_signal_connect (b, "peers-found", G_CALLBACK (peers_found_cb), &r);
  shoal_dht_get_peers_async (b, ih, NULL, peers_batch_cb, &r, NULL, got_peers_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  g_assert_true (peers_contain (r.peers, "127.0.0.1", 5555));
  g_assert_true (peers_contain (r.peers, "127.0.0.1", shoal_dht_get_port (a)));
  g_assert_cmpuint (r.peers->len, ==, 2);
  g_assert_cmpuint (r.batches, >=, 1);
  g_assert_cmpuint (r.signals, ==, r.batches);
  g_signal_handler_disconnect (b, handler);
  result_clear (&r);

  /* Nobody announced this one: the lookup succeeds with no peers. */
  id_fill (ih, 0x77);
  shoal_dht_get_peers_async (b, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.peers->len, ==, 0);
  result_clear (&r);

  /* Save B's nodes; a fresh node D started from them finds the peers. */
  {
    g_autoptr(GBytes) saved = shoal_dht_dup_nodes (b);
    g_autoptr(ShoalDht) d = start_node (0x40);
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (shoal_dht_add_nodes_from_saved (d, saved, &error), ==, 2);
    g_assert_no_error (error);
    g_assert_true (wait_for_nodes (d, 2, 10));
    id_fill (ih, 0x2f);
    shoal_dht_get_peers_async (d, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
    g_assert_true (wait_until (&r.done, 15));
    g_assert_no_error (r.error);
    g_assert_true (peers_contain (r.peers, "127.0.0.1", 5555));
    result_clear (&r);
    shoal_dht_stop (d);
  }
  shoal_dht_stop (a);
  shoal_dht_stop (b);
  shoal_dht_stop (c);
}

static void
test_network_errors (void)
{
  g_autoptr(ShoalDht) lonely = start_node (0x50);
  g_autoptr(ShoalDht) stopped = shoal_dht_new (NULL);
  g_autoptr(GError) error = NULL;
  guint8 ih[20];
  Result r = { 0 };
  g_autoptr(GBytes) garbage = g_bytes_new_static ("d5:nodes3:abce", 14);

  id_fill (ih, 1);
  /* No nodes at all. */
  shoal_dht_get_peers_async (lonely, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
  g_assert_true (wait_until (&r.done, 5));
  g_assert_error (r.error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NO_NODES);
  result_clear (&r);

  /* Not started. */
  shoal_dht_get_peers_async (stopped, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
  g_assert_true (wait_until (&r.done, 5));
  g_assert_error (r.error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED);
  result_clear (&r);
  g_assert_false (shoal_dht_add_bootstrap_node (stopped, "127.0.0.1:1", &error));
  g_assert_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED);
  g_clear_error (&error);

  /* Bad bootstrap and saved data. */
  g_assert_false (shoal_dht_add_bootstrap_node (lonely, "no port here", &error));
  g_assert_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_ADDRESS);
  g_clear_error (&error);
  g_assert_cmpuint (shoal_dht_add_nodes_from_saved (lonely, garbage, &error), ==, 0);
  g_assert_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_SAVED_NODES);
  g_clear_error (&error);
  g_assert_false (shoal_dht_start (stopped, "not-an-ip", 0, &error));
  g_assert_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_ADDRESS);
  g_clear_error (&error);
  /* The port is taken (by @lonely). */
  g_assert_false (shoal_dht_start (stopped, "127.0.0.1", shoal_dht_get_port (lonely), &error));
  g_assert_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BIND);
  g_clear_error (&error);
}

static ShoalDht *
start_node6 (guint8 id_byte)
{
  guint8 id[20];
  g_autoptr(ShoalDht) dht = NULL;

  id_fill (id, id_byte);
  dht = shoal_dht_new (id);
  if (!shoal_dht_start (dht, "::1", 0, NULL))
    return NULL;
  shoal_dht_set_query_timeout (dht, 500);
  return g_steal_pointer (&dht);
}

static void
test_network_ipv6 (void)
{
  g_autoptr(ShoalDht) a = start_node6 (0x13);
  g_autoptr(ShoalDht) b = NULL;
  g_autoptr(ShoalDht) c = NULL;
  g_autofree char *hp = NULL;
  guint8 ih[20];
  Result r = { 0 };

  if (a == NULL)
    {
      g_test_skip ("No IPv6 loopback here");
      return;
    }
  b = start_node6 (0x23);
  c = start_node6 (0x33);
  hp = g_strdup_printf ("[::1]:%u", shoal_dht_get_port (a));
  g_assert_true (shoal_dht_add_bootstrap_node (b, hp, NULL));
  g_assert_true (shoal_dht_add_bootstrap_node (c, hp, NULL));
  /* BEP 32: nodes6 in the answers let B and C meet. */
  g_assert_true (wait_for_nodes (b, 2, 10));
  g_assert_true (wait_for_nodes (c, 2, 10));

  id_fill (ih, 0x66);
  shoal_dht_announce_async (c, ih, 6666, NULL, announced_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.announced, >=, 2);
  result_clear (&r);

  shoal_dht_get_peers_async (b, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
  g_assert_true (wait_until (&r.done, 15));
  g_assert_no_error (r.error);
  g_assert_true (peers_contain (r.peers, "::1", 6666));
  result_clear (&r);

  /* The saved nodes carry them as "nodes6". */
  {
    g_autoptr(GBytes) saved = shoal_dht_dup_nodes (b);
    g_autoptr(ShoalDht) d = start_node6 (0x43);

    g_assert_cmpuint (shoal_dht_add_nodes_from_saved (d, saved, NULL), ==, 2);
    g_assert_true (wait_for_nodes (d, 2, 10));
  }
}

/* A raw UDP socket to talk KRPC by hand. */
typedef struct
{
  GSocket        *sock;
  GSocketAddress *to;
} Raw;

static void
raw_open (Raw      *raw,
          ShoalDht *dht)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);

  raw->sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_true (g_socket_bind (raw->sock, any, FALSE, NULL));
  g_socket_set_blocking (raw->sock, FALSE);
  raw->to = g_inet_socket_address_new (lo, shoal_dht_get_port (dht));
}

static void
raw_close (Raw *raw)
{
  g_clear_object (&raw->sock);
  g_clear_object (&raw->to);
}

static void
raw_send (Raw        *raw,
          const char *data,
          gsize       len)
{
  g_assert_cmpint (g_socket_send_to (raw->sock, raw->to, data, len, NULL, NULL), ==, (gssize) len);
}

/* Collects replies for @ms milliseconds while the DHT runs. */
static guint
raw_collect (Raw       *raw,
             guint      ms,
             GPtrArray *out)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;
  guint n = 0;

  while (g_get_monotonic_time () < end)
    {
      char buf[2048];
      gssize got;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      got = g_socket_receive (raw->sock, buf, sizeof buf, NULL, NULL);
      if (got > 0)
        {
          n++;
          if (out != NULL)
            g_ptr_array_add (out, g_bytes_new (buf, (gsize) got));
        }
      else
        g_usleep (1000);
    }
  return n;
}

static void
test_network_krpc_errors (void)
{
  g_autoptr(ShoalDht) dht = start_node (0x60);
  g_autoptr(GPtrArray) replies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  Raw raw;
  static const char missing_target[] = "d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:m11:y1:qe";
  static const char unknown[] = "d1:ad2:id20:abcdefghij0123456789e1:q6:frobnu1:t2:u11:y1:qe";
  static const char bad_token[] =
    "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:b11:y1:qe";
  static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:p11:y1:qe";
  static const char garbage[] = "this is not bencode";

  raw_open (&raw, dht);
  raw_send (&raw, missing_target, sizeof missing_target - 1);
  raw_send (&raw, unknown, sizeof unknown - 1);
  raw_send (&raw, bad_token, sizeof bad_token - 1);
  raw_send (&raw, garbage, sizeof garbage - 1);
  raw_send (&raw, ping, sizeof ping - 1);
  raw_collect (&raw, 300, replies);

  /* Four answers; the garbage gets none. The node also pings us back to
   * see if we are a node worth keeping: skip those. */
  {
    guint n_replies = 0;
    gboolean seen[4] = { FALSE };

    for (guint i = 0; i < replies->len; i++)
      {
        ShoalDhtMessage msg;
        g_autoptr(GError) error = NULL;
        gsize len;
        const guint8 *data = g_bytes_get_data (replies->pdata[i], &len);

        shoal_dht_message_init (&msg);
        g_assert_true (shoal_dht_message_parse (data, len, &msg, &error));
        if (msg.type == SHOAL_DHT_MESSAGE_QUERY)
          {
            g_assert_cmpint (msg.method, ==, SHOAL_DHT_METHOD_PING);
            shoal_dht_message_clear (&msg);
            continue;
          }
        n_replies++;
        if (memcmp (msg.tid, "m1", 2) == 0)
          {
            g_assert_cmpint (msg.type, ==, SHOAL_DHT_MESSAGE_ERROR_REPLY);
            g_assert_cmpint (msg.error_code, ==, 203);
            seen[0] = TRUE;
          }
        else if (memcmp (msg.tid, "u1", 2) == 0)
          {
            g_assert_cmpint (msg.error_code, ==, 204);
            seen[1] = TRUE;
          }
        else if (memcmp (msg.tid, "b1", 2) == 0)
          {
            g_assert_cmpint (msg.error_code, ==, 203);
            seen[2] = TRUE;
          }
        else if (memcmp (msg.tid, "p1", 2) == 0)
          {
            g_assert_cmpint (msg.type, ==, SHOAL_DHT_MESSAGE_RESPONSE);
            g_assert_cmpmem (msg.id, 20, shoal_dht_get_node_id (dht), 20);
            seen[3] = TRUE;
          }
        shoal_dht_message_clear (&msg);
      }
    g_assert_cmpuint (n_replies, ==, 4);
    g_assert_true (seen[0] && seen[1] && seen[2] && seen[3]);
  }
  raw_close (&raw);
}

static void
test_network_rate_limit (void)
{
  g_autoptr(ShoalDht) dht = start_node (0x70);
  Raw raw;
  static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
  gint64 start = g_get_monotonic_time ();
  guint replies = 0;
  double elapsed;

  raw_open (&raw, dht);
  /* In rounds, so that no datagram is lost to a full socket buffer and
   * every one is either answered or counted as dropped. */
  for (guint i = 0; i < 300; i++)
    {
      raw_send (&raw, ping, sizeof ping - 1);
      if (i % 25 == 24)
        replies += raw_collect (&raw, 5, NULL);
    }
  replies += raw_collect (&raw, 300, NULL);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%u replies to 300 pings in %.2f s, %" G_GUINT64_FORMAT " dropped",
                  replies, elapsed, shoal_dht_get_n_rate_limited (dht));
  /* A burst of 50, 20 per second after that; plus at most one ping of
   * ours checking on the flooder. */
  g_assert_cmpuint (replies, >=, 50);
  g_assert_cmpuint (replies, <=, 50 + (guint) (20 * elapsed) + 2);
  g_assert_cmpuint (shoal_dht_get_n_rate_limited (dht) + replies, >=, 300);
  g_assert_cmpuint (shoal_dht_get_n_rate_limited (dht) + replies, <=, 301);
  raw_close (&raw);
}

static void
test_network_reply_source_checked (void)
{
  g_autoptr(ShoalDht) dht = start_node (0x11);
  Raw asked, other;
  g_autoptr(GPtrArray) queries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GSocketAddress) asked_addr = NULL;
  ShoalDhtMessage q, reply;
  g_autoptr(GBytes) wire = NULL;
  g_autoptr(GError) error = NULL;

  raw_open (&asked, dht);
  raw_open (&other, dht);
  asked_addr = g_socket_get_local_address (asked.sock, NULL);
  shoal_dht_add_node (dht, asked_addr);
  g_assert_cmpuint (raw_collect (&asked, 200, queries), ==, 1);
  shoal_dht_message_init (&q);
  g_assert_true (shoal_dht_message_parse (g_bytes_get_data (queries->pdata[0], NULL),
                                          g_bytes_get_size (queries->pdata[0]), &q, &error));
  g_assert_cmpint (q.method, ==, SHOAL_DHT_METHOD_PING);

  shoal_dht_message_init (&reply);
  reply.type = SHOAL_DHT_MESSAGE_RESPONSE;
  memcpy (reply.tid, q.tid, q.tid_len);
  reply.tid_len = q.tid_len;
  id_fill (reply.id, 0x99);
  wire = shoal_dht_message_encode (&reply);

  /* The right transaction id from the wrong address does nothing. */
  raw_send (&other, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  raw_collect (&other, 100, NULL);
  g_assert_cmpuint (shoal_dht_get_n_nodes (dht), ==, 0);
  /* A wrong transaction id from the right address neither. */
  reply.tid[0] ^= 0xff;
  {
    g_autoptr(GBytes) wrong = shoal_dht_message_encode (&reply);

    raw_send (&asked, g_bytes_get_data (wrong, NULL), g_bytes_get_size (wrong));
  }
  raw_collect (&asked, 100, NULL);
  g_assert_cmpuint (shoal_dht_get_n_nodes (dht), ==, 0);
  /* The real answer gets the node in. */
  raw_send (&asked, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  raw_collect (&asked, 100, NULL);
  g_assert_cmpuint (shoal_dht_get_n_nodes (dht), ==, 1);
  /* Replaying it is ignored (the transaction is gone). */
  raw_send (&asked, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  raw_collect (&asked, 100, NULL);
  g_assert_cmpuint (shoal_dht_get_n_nodes (dht), ==, 1);

  shoal_dht_message_clear (&q);
  shoal_dht_message_clear (&reply);
  raw_close (&asked);
  raw_close (&other);
}

/* Sends @query over @raw and returns the size of the answer to it; @raw
 * may also receive a ping of the DHT's, which is kept in @ping. */
static gsize
raw_ask (Raw             *raw,
         ShoalDhtMessage *query,
         gsize           *query_len,
         ShoalDhtMessage *reply,
         ShoalDhtMessage *ping)
{
  g_autoptr(GBytes) wire = shoal_dht_message_encode (query);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gsize reply_len = 0;
  guint seen = 0;

  *query_len = g_bytes_get_size (wire);
  raw_send (raw, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  /* Until the answer (and the ping, if asked for) came, however slow the
   * machine is. */
  while ((reply_len == 0 || (ping != NULL && ping->type == SHOAL_DHT_MESSAGE_UNKNOWN)) &&
         g_get_monotonic_time () < deadline)
    {
      raw_collect (raw, 20, got);
      for (; seen < got->len; seen++)
        {
          ShoalDhtMessage msg;
          g_autoptr(GError) error = NULL;

          shoal_dht_message_init (&msg);
          g_assert_true (shoal_dht_message_parse (g_bytes_get_data (got->pdata[seen], NULL),
                                                  g_bytes_get_size (got->pdata[seen]), &msg, &error));
          g_assert_no_error (error);
          if (msg.type == SHOAL_DHT_MESSAGE_RESPONSE && reply_len == 0)
            {
              reply_len = g_bytes_get_size (got->pdata[seen]);
              *reply = msg;
            }
          else if (msg.type == SHOAL_DHT_MESSAGE_QUERY && ping != NULL)
            {
              g_assert_cmpint (msg.method, ==, SHOAL_DHT_METHOD_PING);
              shoal_dht_message_clear (ping);
              *ping = msg;
            }
          else
            shoal_dht_message_clear (&msg);
        }
    }
  g_assert_cmpuint (reply_len, >, 0);
  return reply_len;
}

/* The attack of issue 11: a 111-byte get_peers from a spoofable source got
 * a 1,102-byte answer. Until the source shows it receives at its address,
 * answers stay within 3 times the query; after it answered our ping it gets
 * whole answers, which never outgrow a datagram. */
static void
test_network_reply_amplification (void)
{
  g_autoptr(ShoalDht) dht = start_node (0x71);
  Raw raw, other;
  ShoalDhtMessage query, reply, ping;
  gsize query_len, reply_len;
  gint64 now = g_get_monotonic_time ();
  guint8 ih[20];

  /* A full answer's worth of peers and nodes. */
  id_fill (ih, 0x72);
  for (guint i = 0; i < 150; i++)
    {
      ShoalDhtAddr peer = addr4 (127, 0, 0, 1, (guint16) (10000 + i));

      g_assert_true (shoal_dht_peer_store_announce (dht->store, ih, &peer, now));
    }
  for (guint i = 0; i < 2 * SHOAL_DHT_K; i++)
    {
      ShoalDhtNodeInfo node = { .addr = addr4 (127, 0, 0, 1, (guint16) (30000 + i)) };
      ShoalDhtNodeInfo to_ping;

      id_fill (node.id, (guint8) (0x80 + i));
      node.id[19] = 0x01;
      shoal_dht_routing_table_heard (dht->table4, &node, TRUE, now, &to_ping);
      node.addr.family = 6;
      memset (node.addr.ip, 0, 16);
      node.addr.ip[15] = 1;
      shoal_dht_routing_table_heard (dht->table6, &node, TRUE, now, &to_ping);
    }

  /* Our answer to its ping must not come too late on a slow machine. */
  shoal_dht_set_query_timeout (dht, 60000);
  raw_open (&raw, dht);
  shoal_dht_message_init (&ping);
  shoal_dht_message_init (&query);
  query.type = SHOAL_DHT_MESSAGE_QUERY;
  query.method = SHOAL_DHT_METHOD_GET_PEERS;
  memcpy (query.tid, "ab", 2);
  query.tid_len = 2;
  id_fill (query.id, 0x66);
  memcpy (query.target, ih, 20);
  query.want = SHOAL_DHT_WANT_N4 | SHOAL_DHT_WANT_N6;

  reply_len = raw_ask (&raw, &query, &query_len, &reply, &ping);
  g_test_message ("unverified get_peers: %" G_GSIZE_FORMAT " bytes for %" G_GSIZE_FORMAT " (%.1fx)",
                  reply_len, query_len, reply_len / (double) query_len);
  g_assert_cmpuint (reply_len, <=, 3 * query_len);
  /* Still a useful answer: a token and peers. */
  g_assert_cmpuint (reply.token_len, >, 0);
  g_assert_nonnull (reply.values);
  g_assert_cmpuint (reply.values->len, >, 0);
  shoal_dht_message_clear (&reply);

  /* We answer the DHT's ping (before it times out): the source is
   * shown to receive at its address. */
  g_assert_cmpint (ping.type, ==, SHOAL_DHT_MESSAGE_QUERY);
  {
    ShoalDhtMessage pong;
    g_autoptr(GBytes) wire = NULL;

    shoal_dht_message_init (&pong);
    pong.type = SHOAL_DHT_MESSAGE_RESPONSE;
    memcpy (pong.tid, ping.tid, ping.tid_len);
    pong.tid_len = ping.tid_len;
    id_fill (pong.id, 0x66);
    wire = shoal_dht_message_encode (&pong);
    raw_send (&raw, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
    raw_collect (&raw, 100, NULL);
    shoal_dht_message_clear (&pong);
  }
  shoal_dht_message_clear (&ping);

  /* Now whole answers, with the longest transaction id, within a datagram. */
  query.method = SHOAL_DHT_METHOD_GET_PEERS;
  memset (query.tid, 't', SHOAL_DHT_MAX_TID_LEN);
  query.tid_len = SHOAL_DHT_MAX_TID_LEN;
  reply_len = raw_ask (&raw, &query, &query_len, &reply, NULL);
  g_test_message ("verified get_peers: %" G_GSIZE_FORMAT " bytes, %u peers, %u nodes",
                  reply_len, reply.values->len, reply.nodes != NULL ? reply.nodes->len : 0);
  g_assert_cmpuint (reply_len, >, 3 * query_len);
  g_assert_cmpuint (reply_len, <=, 1400);
  g_assert_cmpuint (reply.values->len, >=, 100);
  g_assert_cmpuint (reply.nodes->len, >=, SHOAL_DHT_K);
  shoal_dht_message_clear (&reply);

  raw_open (&other, dht);
  query.want = SHOAL_DHT_WANT_N4;
  /* From another source, find_node gets nodes within the same bound. */
  query.method = SHOAL_DHT_METHOD_FIND_NODE;
  reply_len = raw_ask (&other, &query, &query_len, &reply, NULL);
  g_test_message ("unverified find_node: %" G_GSIZE_FORMAT " bytes for %" G_GSIZE_FORMAT " (%.1fx)",
                  reply_len, query_len, reply_len / (double) query_len);
  g_assert_cmpuint (reply_len, <=, 3 * query_len);
  g_assert_nonnull (reply.nodes);
  g_assert_cmpuint (reply.nodes->len, >, 0);
  shoal_dht_message_clear (&reply);


  /* A tiny malformed query gets an error no bigger than the bound either. */
  {
    static const char tiny[] = "d1:t2:zz1:y1:qe";
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    raw_send (&other, tiny, sizeof tiny - 1);
    while (got->len == 0 && g_get_monotonic_time () < deadline)
      raw_collect (&other, 20, got);
    g_assert_cmpuint (got->len, ==, 1);
    g_test_message ("unverified malformed query: %" G_GSIZE_FORMAT " bytes for %" G_GSIZE_FORMAT,
                    g_bytes_get_size (got->pdata[0]), sizeof tiny - 1);
    g_assert_cmpuint (g_bytes_get_size (got->pdata[0]), <=, 3 * (sizeof tiny - 1));
  }
  raw_close (&other);

  shoal_dht_message_clear (&query);
  raw_close (&raw);
}

static void
test_network_cancel (void)
{
  g_autoptr(ShoalDht) dht = start_node (0x12);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Raw mute;
  g_autoptr(GSocketAddress) mute_addr = NULL;
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 ih[20];
  Result r = { 0 };
  ShoalDhtMessage q, reply;
  g_autoptr(GBytes) wire = NULL;

  /* Get one node into the table by answering its ping by hand. */
  raw_open (&mute, dht);
  mute_addr = g_socket_get_local_address (mute.sock, NULL);
  shoal_dht_add_node (dht, mute_addr);
  g_assert_cmpuint (raw_collect (&mute, 200, got), ==, 1);
  shoal_dht_message_init (&q);
  g_assert_true (shoal_dht_message_parse (g_bytes_get_data (got->pdata[0], NULL),
                                          g_bytes_get_size (got->pdata[0]), &q, NULL));
  shoal_dht_message_init (&reply);
  reply.type = SHOAL_DHT_MESSAGE_RESPONSE;
  memcpy (reply.tid, q.tid, q.tid_len);
  reply.tid_len = q.tid_len;
  id_fill (reply.id, 0x98);
  wire = shoal_dht_message_encode (&reply);
  raw_send (&mute, g_bytes_get_data (wire, NULL), g_bytes_get_size (wire));
  raw_collect (&mute, 100, NULL);
  g_assert_cmpuint (shoal_dht_get_n_nodes (dht), ==, 1);

  /* Now a lookup waits on it (it never answers); cancelling ends it. */
  shoal_dht_set_query_timeout (dht, 60000);
  id_fill (ih, 3);
  shoal_dht_get_peers_async (dht, ih, cancellable, NULL, NULL, NULL, got_peers_cb, &r);
  g_ptr_array_set_size (got, 0);
  g_assert_cmpuint (raw_collect (&mute, 100, got), ==, 1);
  g_assert_false (r.done);
  g_cancellable_cancel (cancellable);
  g_assert_true (wait_until (&r.done, 5));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);

  /* Stopping the node ends lookups too. */
  shoal_dht_get_peers_async (dht, ih, NULL, NULL, NULL, NULL, got_peers_cb, &r);
  shoal_dht_stop (dht);
  g_assert_true (wait_until (&r.done, 5));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);

  shoal_dht_message_clear (&q);
  shoal_dht_message_clear (&reply);
  raw_close (&mute);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/dht/message/bep5-examples", test_message_bep5_examples);
  g_test_add_func ("/engine/dht/message/response-roundtrip", test_message_response_roundtrip);
  g_test_add_func ("/engine/dht/message/query-want", test_message_query_want);
  g_test_add_func ("/engine/dht/message/reject-malformed", test_message_reject_malformed);
  g_test_add_func ("/engine/dht/message/reject-oversized", test_message_reject_oversized);
  g_test_add_func ("/engine/dht/message/values-bounded", test_message_values_bounded);
  g_test_add_func ("/engine/dht/routing/split", test_routing_split);
  g_test_add_func ("/engine/dht/routing/eviction", test_routing_eviction);
  g_test_add_func ("/engine/dht/routing/closest", test_routing_closest);
  g_test_add_func ("/engine/dht/routing/refresh", test_routing_refresh);
  g_test_add_func ("/engine/dht/routing/one-entry-per-ip", test_routing_one_entry_per_ip);
  g_test_add_func ("/engine/dht/routing/subnet-replacement", test_routing_subnet_replacement);
  g_test_add_func ("/engine/dht/token/rotation", test_token_rotation);
  g_test_add_func ("/engine/dht/store/bounds", test_peer_store_bounds);
  g_test_add_func ("/engine/dht/store/per-ip", test_peer_store_per_ip);
  g_test_add_func ("/engine/dht/rate-limiter", test_rate_limiter);
  g_test_add_func ("/engine/dht/network/three-nodes", test_network_three_nodes);
  g_test_add_func ("/engine/dht/network/ipv6", test_network_ipv6);
  g_test_add_func ("/engine/dht/network/errors", test_network_errors);
  g_test_add_func ("/engine/dht/network/krpc-errors", test_network_krpc_errors);
  g_test_add_func ("/engine/dht/network/rate-limit", test_network_rate_limit);
  g_test_add_func ("/engine/dht/network/reply-source-checked", test_network_reply_source_checked);
  g_test_add_func ("/engine/dht/network/reply-amplification", test_network_reply_amplification);
  g_test_add_func ("/engine/dht/network/cancel", test_network_cancel);

  return g_test_run ();
}
