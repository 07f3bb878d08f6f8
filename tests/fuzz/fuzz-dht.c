/* fuzz-dht.c: the KRPC message parser of the DHT, and the routing table
 * fed with what it returns
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is one datagram. Whatever parses must stay within the parser's
 * bounds, re-encode to a message that parses to the same fields, and its
 * nodes must be safe to put in a routing table and look up again.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-dht-message.h"
#include "shoal-dht-routing.h"

static guint
count_family (const ShoalDhtMessage *msg,
              guint8                 family)
{
  guint n = 0;

  for (guint i = 0; msg->nodes != NULL && i < msg->nodes->len; i++)
    n += g_array_index (msg->nodes, ShoalDhtNodeInfo, i).addr.family == family;
  return n;
}

static void
check_same (const ShoalDhtMessage *a,
            const ShoalDhtMessage *b)
{
  guint a_nodes = a->nodes != NULL ? a->nodes->len : 0;
  guint b_nodes = b->nodes != NULL ? b->nodes->len : 0;
  guint a_values = a->values != NULL ? a->values->len : 0;
  guint b_values = b->values != NULL ? b->values->len : 0;

  g_assert (a->type == b->type);
  g_assert (a->tid_len == b->tid_len && memcmp (a->tid, b->tid, a->tid_len) == 0);
  g_assert (strcmp (a->version, b->version) == 0);
  g_assert (a->read_only == b->read_only);
  g_assert (a->has_id == b->has_id && memcmp (a->id, b->id, SHOAL_DHT_ID_LEN) == 0);
  g_assert (a->token_len == b->token_len && memcmp (a->token, b->token, a->token_len) == 0);

  switch (a->type)
    {
    case SHOAL_DHT_MESSAGE_QUERY:
      g_assert (a->method == b->method);
      g_assert (a->want == b->want);
      if (a->method != SHOAL_DHT_METHOD_PING && a->method != SHOAL_DHT_METHOD_UNKNOWN)
        g_assert (memcmp (a->target, b->target, SHOAL_DHT_ID_LEN) == 0);
      if (a->method == SHOAL_DHT_METHOD_ANNOUNCE_PEER)
        g_assert (a->port == b->port && a->implied_port == b->implied_port);
      break;
    case SHOAL_DHT_MESSAGE_RESPONSE:
      g_assert (a_nodes == b_nodes);
      for (guint i = 0; i < a_nodes; i++)
        {
          const ShoalDhtNodeInfo *na = &g_array_index (a->nodes, ShoalDhtNodeInfo, i);
          const ShoalDhtNodeInfo *nb = &g_array_index (b->nodes, ShoalDhtNodeInfo, i);

          g_assert (memcmp (na->id, nb->id, SHOAL_DHT_ID_LEN) == 0);
          g_assert (shoal_dht_addr_equal (&na->addr, &nb->addr));
        }
      g_assert (a_values == b_values);
      for (guint i = 0; i < a_values; i++)
        g_assert (shoal_dht_addr_equal (&g_array_index (a->values, ShoalDhtAddr, i),
                                        &g_array_index (b->values, ShoalDhtAddr, i)));
      break;
    case SHOAL_DHT_MESSAGE_ERROR_REPLY:
      g_assert (a->error_code == b->error_code);
      g_assert (strcmp (a->error_message, b->error_message) == 0);
      break;
    case SHOAL_DHT_MESSAGE_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
}

static void
feed_routing_table (const ShoalDhtMessage *msg)
{
  g_autoptr(ShoalDhtRoutingTable) table = NULL;
  ShoalDhtNodeInfo closest[SHOAL_DHT_K];
  gint64 now = 1000 * G_USEC_PER_SEC;
  guint n;

  table = shoal_dht_routing_table_new (msg->id);
  for (guint i = 0; i < msg->nodes->len; i++)
    {
      const ShoalDhtNodeInfo *info = &g_array_index (msg->nodes, ShoalDhtNodeInfo, i);
      ShoalDhtNodeInfo to_ping;

      shoal_dht_routing_table_heard (table, info, TRUE, now + i, &to_ping);
      if (i % 3 == 0)
        shoal_dht_routing_table_failed (table, &info->addr, now + i);
    }
  g_assert (shoal_dht_routing_table_get_n_nodes (table) <= msg->nodes->len);
  n = shoal_dht_routing_table_closest (table, msg->id, SHOAL_DHT_K, FALSE, now, closest);
  for (guint i = 1; i < n; i++)
    g_assert (shoal_dht_id_compare_distance (msg->id, closest[i - 1].id, closest[i].id) <= 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ShoalDhtMessage msg;
  ShoalDhtMessage again;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) wire = NULL;
  g_autofree guint8 *copy = NULL;
  gsize len;

  fuzz_set_up ();

  /* A copy of exactly @size bytes, so reads past it trip the sanitizers. */
  copy = g_memdup2 (data, size);
  shoal_dht_message_init (&msg);
  if (!shoal_dht_message_parse (copy, size, &msg, &error))
    {
      g_assert (error != NULL && error->domain == SHOAL_DHT_MESSAGE_ERROR);
      g_assert (msg.tid_len <= SHOAL_DHT_MAX_TID_LEN);
      shoal_dht_message_clear (&msg);
      return 0;
    }
  g_assert (error == NULL);
  g_assert (size <= SHOAL_DHT_MAX_DATAGRAM);
  g_assert (msg.tid_len > 0 && msg.tid_len <= SHOAL_DHT_MAX_TID_LEN);
  g_assert (msg.token_len <= SHOAL_DHT_MAX_TOKEN_LEN);
  g_assert (count_family (&msg, 4) <= SHOAL_DHT_MAX_PARSED_NODES);
  g_assert (count_family (&msg, 6) <= SHOAL_DHT_MAX_PARSED_NODES);
  g_assert (msg.values == NULL || msg.values->len <= SHOAL_DHT_MAX_PARSED_VALUES);
  g_assert (msg.error_message == NULL || g_utf8_validate (msg.error_message, -1, NULL));

  wire = shoal_dht_message_encode (&msg);
  g_assert (wire != NULL);
  shoal_dht_message_init (&again);
  /* Error text made valid UTF-8 can outgrow a datagram; nothing else can. */
  if (g_bytes_get_size (wire) <= SHOAL_DHT_MAX_DATAGRAM)
    {
      const guint8 *bytes = g_bytes_get_data (wire, &len);

      g_assert (shoal_dht_message_parse (bytes, len, &again, NULL));
      check_same (&msg, &again);
    }
  else
    g_assert (msg.type == SHOAL_DHT_MESSAGE_ERROR_REPLY);

  if (msg.nodes != NULL)
    feed_routing_table (&msg);

  shoal_dht_message_clear (&again);
  shoal_dht_message_clear (&msg);
  return 0;
}
