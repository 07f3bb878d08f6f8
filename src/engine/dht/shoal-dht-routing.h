/* shoal-dht-routing.h: the k-bucket routing table of the mainline DHT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-dht-message.h"

G_BEGIN_DECLS

#define SHOAL_DHT_K                 8
/* BEP 5: a node is good for 15 minutes after it last answered us. */
#define SHOAL_DHT_NODE_GOOD_USEC    (15 * 60 * G_USEC_PER_SEC)
#define SHOAL_DHT_BUCKET_REFRESH_USEC (15 * 60 * G_USEC_PER_SEC)
/* Unanswered queries in a row after which a node is bad. */
#define SHOAL_DHT_NODE_MAX_FAILS    2
/* Nodes of one /24 (or IPv6 /64) a bucket holds at most, and as many
 * replacements. */
#define SHOAL_DHT_MAX_PER_SUBNET    2

typedef enum
{
  SHOAL_DHT_NODE_GOOD,
  SHOAL_DHT_NODE_QUESTIONABLE,
  SHOAL_DHT_NODE_BAD,
} ShoalDhtNodeStatus;

typedef struct
{
  ShoalDhtNodeInfo info;
  gint64           last_response;  /* monotonic µs, 0: never */
  gint64           last_query;     /* when it last queried us */
  gint64           last_pinged;    /* when we last pinged it for liveness */
  guint            fails;          /* unanswered queries in a row */
} ShoalDhtNode;

typedef enum
{
  SHOAL_DHT_ROUTING_ADDED,
  SHOAL_DHT_ROUTING_UPDATED,
  SHOAL_DHT_ROUTING_REPLACEMENT, /* kept aside until a slot frees up */
  SHOAL_DHT_ROUTING_REJECTED,
} ShoalDhtRoutingResult;

typedef struct _ShoalDhtRoutingTable ShoalDhtRoutingTable;

ShoalDhtRoutingTable *shoal_dht_routing_table_new        (const guint8 own_id[SHOAL_DHT_ID_LEN]);
void                  shoal_dht_routing_table_free       (ShoalDhtRoutingTable *self);
const guint8         *shoal_dht_routing_table_get_own_id (ShoalDhtRoutingTable *self);
guint                 shoal_dht_routing_table_get_n_buckets (ShoalDhtRoutingTable *self);
guint                 shoal_dht_routing_table_get_n_nodes (ShoalDhtRoutingTable *self);
guint                 shoal_dht_routing_table_bucket_index (ShoalDhtRoutingTable *self,
                                                            const guint8          id[SHOAL_DHT_ID_LEN]);

ShoalDhtRoutingResult shoal_dht_routing_table_heard      (ShoalDhtRoutingTable   *self,
                                                          const ShoalDhtNodeInfo *info,
                                                          gboolean                is_response,
                                                          gint64                  now,
                                                          ShoalDhtNodeInfo       *to_ping);
void                  shoal_dht_routing_table_failed     (ShoalDhtRoutingTable *self,
                                                          const ShoalDhtAddr   *addr,
                                                          gint64                now);
const ShoalDhtNode   *shoal_dht_routing_table_lookup     (ShoalDhtRoutingTable *self,
                                                          const ShoalDhtAddr   *addr);
void                  shoal_dht_routing_table_mark_pinged (ShoalDhtRoutingTable *self,
                                                           const ShoalDhtAddr   *addr,
                                                           gint64                now);
ShoalDhtNodeStatus    shoal_dht_node_get_status          (const ShoalDhtNode *node,
                                                          gint64              now);

guint                 shoal_dht_routing_table_closest    (ShoalDhtRoutingTable *self,
                                                          const guint8          target[SHOAL_DHT_ID_LEN],
                                                          guint                 max,
                                                          gboolean              good_only,
                                                          gint64                now,
                                                          ShoalDhtNodeInfo     *out);
GArray               *shoal_dht_routing_table_dup_nodes  (ShoalDhtRoutingTable *self,
                                                          ShoalDhtNodeStatus    worst,
                                                          gint64                now);
guint                 shoal_dht_routing_table_questionable (ShoalDhtRoutingTable *self,
                                                            gint64                now,
                                                            guint                 max,
                                                            ShoalDhtNodeInfo     *out);
gboolean              shoal_dht_routing_table_next_refresh (ShoalDhtRoutingTable *self,
                                                            gint64                now,
                                                            guint8                target[SHOAL_DHT_ID_LEN]);

/* XOR metric helpers */
gint                  shoal_dht_id_compare_distance      (const guint8 target[SHOAL_DHT_ID_LEN],
                                                          const guint8 a[SHOAL_DHT_ID_LEN],
                                                          const guint8 b[SHOAL_DHT_ID_LEN]);
guint                 shoal_dht_id_common_prefix         (const guint8 a[SHOAL_DHT_ID_LEN],
                                                          const guint8 b[SHOAL_DHT_ID_LEN]);
void                  shoal_dht_id_random_in_bucket      (const guint8 own_id[SHOAL_DHT_ID_LEN],
                                                          guint        prefix,
                                                          gboolean     last,
                                                          guint8       out[SHOAL_DHT_ID_LEN]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDhtRoutingTable, shoal_dht_routing_table_free)

G_END_DECLS
