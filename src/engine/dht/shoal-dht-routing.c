/* shoal-dht-routing.c: the k-bucket routing table of the mainline DHT
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bucket i (all but the last) holds the nodes whose ids share exactly i
 * leading bits with ours; the last bucket holds all the nodes closer than
 * that. Only the last bucket splits, which is the BEP 5 rule "split the
 * bucket our own id falls in" written as a list instead of a tree. The table
 * never holds more than 160 × k nodes plus as many replacements.
 *
 * Nodes enter only when they answer one of our queries: a node that merely
 * queried us may be spoofing its address, so the DHT pings it first. When a
 * bucket is full, a bad node gives way at once; otherwise the newcomer waits
 * in the bucket's replacement list and the least recently seen questionable
 * node is handed back to be pinged, and replaced if it stays silent.
 *
 * One host must not be able to fill the table (and so steer every lookup
 * and answer we give): an IP holds at most one entry in the whole table,
 * nodes and replacements together, and one /24 (IPv4) or /64 (IPv6) at most
 * SHOAL_DHT_MAX_PER_SUBNET of a bucket's nodes and as many of its
 * replacements, the restrictions BEP 42 asks for short of tying node ids to
 * addresses. Loopback addresses are exempt: only this host can use them.
 */
#include "config.h"

#include <string.h>

#include "shoal-dht-routing.h"

#define MAX_BUCKETS (SHOAL_DHT_ID_LEN * 8)
/* Do not ping the same questionable node more often than this. */
#define REPING_USEC (60 * G_USEC_PER_SEC)

typedef struct
{
  ShoalDhtNode nodes[SHOAL_DHT_K];
  guint        n_nodes;
  ShoalDhtNode replacements[SHOAL_DHT_K];
  guint        n_replacements;
  gint64       last_changed;
} Bucket;

struct _ShoalDhtRoutingTable
{
  guint8     own_id[SHOAL_DHT_ID_LEN];
  GPtrArray *buckets; /* of Bucket */
};

/* XOR metric */

guint
shoal_dht_id_common_prefix (const guint8 a[SHOAL_DHT_ID_LEN],
                            const guint8 b[SHOAL_DHT_ID_LEN])
{
  for (guint i = 0; i < SHOAL_DHT_ID_LEN; i++)
    {
      guint8 x = a[i] ^ b[i];

      if (x != 0)
        return i * 8 + (guint) __builtin_clz ((unsigned int) x) - (sizeof (unsigned int) * 8 - 8);
    }
  return SHOAL_DHT_ID_LEN * 8;
}

/**
 * shoal_dht_id_compare_distance:
 * @target: the id distances are measured from
 * @a: an id
 * @b: another id
 *
 * Returns: negative if @a is closer to @target than @b, positive if
 *   farther, 0 if they are the same id
 */
gint
shoal_dht_id_compare_distance (const guint8 target[SHOAL_DHT_ID_LEN],
                               const guint8 a[SHOAL_DHT_ID_LEN],
                               const guint8 b[SHOAL_DHT_ID_LEN])
{
  for (guint i = 0; i < SHOAL_DHT_ID_LEN; i++)
    {
      guint8 da = a[i] ^ target[i];
      guint8 db = b[i] ^ target[i];

      if (da != db)
        return da < db ? -1 : 1;
    }
  return 0;
}

/**
 * shoal_dht_id_random_in_bucket:
 * @own_id: our node id
 * @prefix: the bucket's index
 * @last: whether the bucket is the last one
 * @out: (out): a random id that falls in that bucket
 *
 * Used to refresh a bucket: a lookup of that id meets the nodes the bucket
 * should hold.
 */
void
shoal_dht_id_random_in_bucket (const guint8 own_id[SHOAL_DHT_ID_LEN],
                               guint        prefix,
                               gboolean     last,
                               guint8       out[SHOAL_DHT_ID_LEN])
{
  for (guint i = 0; i < SHOAL_DHT_ID_LEN; i++)
    out[i] = (guint8) g_random_int_range (0, 256);
  for (guint bit = 0; bit < prefix && bit < MAX_BUCKETS; bit++)
    {
      guint8 mask = 0x80 >> (bit % 8);

      out[bit / 8] = (out[bit / 8] & ~mask) | (own_id[bit / 8] & mask);
    }
  if (!last && prefix < MAX_BUCKETS)
    {
      guint8 mask = 0x80 >> (prefix % 8);

      out[prefix / 8] = (out[prefix / 8] & ~mask) | (~own_id[prefix / 8] & mask);
    }
}

/* Table */

ShoalDhtRoutingTable *
shoal_dht_routing_table_new (const guint8 own_id[SHOAL_DHT_ID_LEN])
{
  ShoalDhtRoutingTable *self = g_new0 (ShoalDhtRoutingTable, 1);
  Bucket *first = g_new0 (Bucket, 1);

  memcpy (self->own_id, own_id, SHOAL_DHT_ID_LEN);
  self->buckets = g_ptr_array_new_with_free_func (g_free);
  first->last_changed = g_get_monotonic_time ();
  g_ptr_array_add (self->buckets, first);
  return self;
}

void
shoal_dht_routing_table_free (ShoalDhtRoutingTable *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->buckets);
  g_free (self);
}

const guint8 *
shoal_dht_routing_table_get_own_id (ShoalDhtRoutingTable *self)
{
  return self->own_id;
}

guint
shoal_dht_routing_table_get_n_buckets (ShoalDhtRoutingTable *self)
{
  return self->buckets->len;
}

guint
shoal_dht_routing_table_get_n_nodes (ShoalDhtRoutingTable *self)
{
  guint n = 0;

  for (guint i = 0; i < self->buckets->len; i++)
    n += ((Bucket *) self->buckets->pdata[i])->n_nodes;
  return n;
}

guint
shoal_dht_routing_table_bucket_index (ShoalDhtRoutingTable *self,
                                      const guint8          id[SHOAL_DHT_ID_LEN])
{
  return MIN (shoal_dht_id_common_prefix (self->own_id, id), self->buckets->len - 1);
}

ShoalDhtNodeStatus
shoal_dht_node_get_status (const ShoalDhtNode *node,
                           gint64              now)
{
  if (node->fails >= SHOAL_DHT_NODE_MAX_FAILS)
    return SHOAL_DHT_NODE_BAD;
  if (node->fails == 0 && node->last_response != 0 &&
      (now - node->last_response < SHOAL_DHT_NODE_GOOD_USEC ||
       (node->last_query != 0 && now - node->last_query < SHOAL_DHT_NODE_GOOD_USEC)))
    return SHOAL_DHT_NODE_GOOD;
  return SHOAL_DHT_NODE_QUESTIONABLE;
}

static ShoalDhtNode *
find_by_addr (ShoalDhtRoutingTable *self,
              const ShoalDhtAddr   *addr,
              Bucket              **bucket_out)
{
  for (guint b = 0; b < self->buckets->len; b++)
    {
      Bucket *bucket = self->buckets->pdata[b];

      for (guint i = 0; i < bucket->n_nodes; i++)
        if (shoal_dht_addr_equal (&bucket->nodes[i].info.addr, addr))
          {
            if (bucket_out != NULL)
              *bucket_out = bucket;
            return &bucket->nodes[i];
          }
    }
  return NULL;
}

/* Whether another entry (another port) holds @addr's IP. */
static gboolean
ip_taken (ShoalDhtRoutingTable *self,
          const ShoalDhtAddr   *addr)
{
  for (guint b = 0; b < self->buckets->len; b++)
    {
      Bucket *bucket = self->buckets->pdata[b];

      for (guint i = 0; i < bucket->n_nodes; i++)
        if (shoal_dht_addr_ip_equal (&bucket->nodes[i].info.addr, addr) &&
            !shoal_dht_addr_equal (&bucket->nodes[i].info.addr, addr))
          return TRUE;
      for (guint i = 0; i < bucket->n_replacements; i++)
        if (shoal_dht_addr_ip_equal (&bucket->replacements[i].info.addr, addr) &&
            !shoal_dht_addr_equal (&bucket->replacements[i].info.addr, addr))
          return TRUE;
    }
  return FALSE;
}

/* Whether @nodes already hold as many of @addr's subnet as they may,
 * @addr itself and the entry at @skip (if not -1) not counted. */
static gboolean
subnet_full (const ShoalDhtNode *nodes,
             guint               n_nodes,
             const ShoalDhtAddr *addr,
             gint                skip)
{
  guint n = 0;

  if (shoal_dht_addr_is_loopback (addr))
    return FALSE;
  for (guint i = 0; i < n_nodes; i++)
    if ((gint) i != skip && !shoal_dht_addr_equal (&nodes[i].info.addr, addr) &&
        shoal_dht_addr_same_subnet (&nodes[i].info.addr, addr))
      n++;
  return n >= SHOAL_DHT_MAX_PER_SUBNET;
}

static void
remove_replacement (Bucket             *bucket,
                    const ShoalDhtAddr *addr)
{
  for (guint i = 0; i < bucket->n_replacements; i++)
    if (shoal_dht_addr_equal (&bucket->replacements[i].info.addr, addr))
      {
        memmove (&bucket->replacements[i], &bucket->replacements[i + 1],
                 (bucket->n_replacements - i - 1) * sizeof (ShoalDhtNode));
        bucket->n_replacements--;
        return;
      }
}

static void
split_last (ShoalDhtRoutingTable *self,
            gint64                now)
{
  guint last = self->buckets->len - 1;
  Bucket *old = self->buckets->pdata[last];
  Bucket *new = g_new0 (Bucket, 1);
  Bucket kept = { .last_changed = now };

  for (guint i = 0; i < old->n_nodes; i++)
    {
      Bucket *to = shoal_dht_id_common_prefix (self->own_id, old->nodes[i].info.id) > last ? new : &kept;

      to->nodes[to->n_nodes++] = old->nodes[i];
    }
  for (guint i = 0; i < old->n_replacements; i++)
    {
      Bucket *to = shoal_dht_id_common_prefix (self->own_id, old->replacements[i].info.id) > last ? new : &kept;

      to->replacements[to->n_replacements++] = old->replacements[i];
    }
  *old = kept;
  new->last_changed = now;
  g_ptr_array_add (self->buckets, new);
}

/**
 * shoal_dht_routing_table_heard:
 * @self: a routing table
 * @info: the node we heard from
 * @is_response: whether it answered one of our queries (rather than
 *   querying us)
 * @now: monotonic time, µs
 * @to_ping: (out): when the result is %SHOAL_DHT_ROUTING_REPLACEMENT and
 *   its port is not 0, a questionable node to ping: if it stays silent,
 *   @info takes its place
 *
 * Records that @info is alive, inserting it if it answered us and there is
 * room for it.
 *
 * Returns: what happened to @info
 */
ShoalDhtRoutingResult
shoal_dht_routing_table_heard (ShoalDhtRoutingTable   *self,
                               const ShoalDhtNodeInfo *info,
                               gboolean                is_response,
                               gint64                  now,
                               ShoalDhtNodeInfo       *to_ping)
{
  ShoalDhtNode *node;
  Bucket *bucket;
  ShoalDhtNode fresh = { .info = *info, .last_response = now };
  ShoalDhtNode *ping = NULL;

  memset (to_ping, 0, sizeof *to_ping);
  if (!shoal_dht_addr_is_usable (&info->addr) ||
      memcmp (info->id, self->own_id, SHOAL_DHT_ID_LEN) == 0)
    return SHOAL_DHT_ROUTING_REJECTED;

  node = find_by_addr (self, &info->addr, NULL);
  if (node != NULL)
    {
      /* An address that changes its id is either a restarted node or an
       * attempt to take over a slot; keep the entry we verified. */
      if (memcmp (node->info.id, info->id, SHOAL_DHT_ID_LEN) != 0)
        return SHOAL_DHT_ROUTING_REJECTED;
      if (is_response)
        {
          node->last_response = now;
          node->fails = 0;
        }
      else
        node->last_query = now;
      return SHOAL_DHT_ROUTING_UPDATED;
    }
  if (!is_response)
    return SHOAL_DHT_ROUTING_REJECTED;
  if (!shoal_dht_addr_is_loopback (&info->addr) && ip_taken (self, &info->addr))
    {
      g_debug ("DHT: a node on an IP already in the routing table was left out");
      return SHOAL_DHT_ROUTING_REJECTED;
    }

  for (;;)
    {
      guint index = shoal_dht_routing_table_bucket_index (self, info->id);

      bucket = self->buckets->pdata[index];
      for (guint i = 0; i < bucket->n_nodes; i++)
        if (memcmp (bucket->nodes[i].info.id, info->id, SHOAL_DHT_ID_LEN) == 0)
          return SHOAL_DHT_ROUTING_REJECTED;  /* same id, other address */
      if (subnet_full (bucket->nodes, bucket->n_nodes, &info->addr, -1))
        break;
      if (bucket->n_nodes < SHOAL_DHT_K)
        {
          remove_replacement (bucket, &info->addr);
          bucket->nodes[bucket->n_nodes++] = fresh;
          bucket->last_changed = now;
          return SHOAL_DHT_ROUTING_ADDED;
        }
      if (index + 1 == self->buckets->len && self->buckets->len < MAX_BUCKETS)
        {
          split_last (self, now);
          continue;
        }
      break;
    }

  /* Its subnet has all the slots it may have in this bucket: it may only
   * wait, in a replacement list where the same limit holds. */
  if (subnet_full (bucket->replacements, bucket->n_replacements, &info->addr, -1))
    {
      g_debug ("DHT: a node of a subnet that has enough nodes in its bucket was left out");
      return SHOAL_DHT_ROUTING_REJECTED;
    }

  for (guint i = 0; i < bucket->n_nodes; i++)
    {
      ShoalDhtNodeStatus status = shoal_dht_node_get_status (&bucket->nodes[i], now);

      if (status == SHOAL_DHT_NODE_BAD &&
          !subnet_full (bucket->nodes, bucket->n_nodes, &info->addr, (gint) i))
        {
          remove_replacement (bucket, &info->addr);
          bucket->nodes[i] = fresh;
          bucket->last_changed = now;
          return SHOAL_DHT_ROUTING_ADDED;
        }
      if (status == SHOAL_DHT_NODE_QUESTIONABLE &&
          (bucket->nodes[i].last_pinged == 0 || now - bucket->nodes[i].last_pinged >= REPING_USEC) &&
          (ping == NULL || bucket->nodes[i].last_response < ping->last_response))
        ping = &bucket->nodes[i];
    }

  remove_replacement (bucket, &info->addr);
  if (bucket->n_replacements == SHOAL_DHT_K)
    {
      memmove (&bucket->replacements[0], &bucket->replacements[1],
               (SHOAL_DHT_K - 1) * sizeof (ShoalDhtNode));
      bucket->n_replacements--;
    }
  bucket->replacements[bucket->n_replacements++] = fresh;
  if (ping != NULL)
    {
      ping->last_pinged = now;
      *to_ping = ping->info;
    }
  return SHOAL_DHT_ROUTING_REPLACEMENT;
}

/**
 * shoal_dht_routing_table_failed:
 * @self: a routing table
 * @addr: a node that did not answer a query
 * @now: monotonic time, µs
 *
 * Counts the failure; a node that turns bad gives its slot to the most
 * recently seen replacement at once.
 */
void
shoal_dht_routing_table_failed (ShoalDhtRoutingTable *self,
                                const ShoalDhtAddr   *addr,
                                gint64                now)
{
  Bucket *bucket = NULL;
  ShoalDhtNode *node = find_by_addr (self, addr, &bucket);

  if (node == NULL)
    {
      for (guint b = 0; b < self->buckets->len; b++)
        remove_replacement (self->buckets->pdata[b], addr);
      return;
    }
  node->fails++;
  if (shoal_dht_node_get_status (node, now) != SHOAL_DHT_NODE_BAD)
    return;
  /* The most recently seen replacement whose subnet has room. */
  for (guint r = bucket->n_replacements; r > 0; r--)
    {
      gint slot = (gint) (node - bucket->nodes);

      if (subnet_full (bucket->nodes, bucket->n_nodes, &bucket->replacements[r - 1].info.addr, slot))
        continue;
      *node = bucket->replacements[r - 1];
      memmove (&bucket->replacements[r - 1], &bucket->replacements[r],
               (bucket->n_replacements - r) * sizeof (ShoalDhtNode));
      bucket->n_replacements--;
      bucket->last_changed = now;
      return;
    }
}

const ShoalDhtNode *
shoal_dht_routing_table_lookup (ShoalDhtRoutingTable *self,
                                const ShoalDhtAddr   *addr)
{
  return find_by_addr (self, addr, NULL);
}

void
shoal_dht_routing_table_mark_pinged (ShoalDhtRoutingTable *self,
                                     const ShoalDhtAddr   *addr,
                                     gint64                now)
{
  ShoalDhtNode *node = find_by_addr (self, addr, NULL);

  if (node != NULL)
    node->last_pinged = now;
}

static gint
compare_distance_cb (gconstpointer a,
                     gconstpointer b,
                     gpointer      target)
{
  const ShoalDhtNodeInfo *na = a;
  const ShoalDhtNodeInfo *nb = b;

  return shoal_dht_id_compare_distance (target, na->id, nb->id);
}

/**
 * shoal_dht_routing_table_closest:
 * @self: a routing table
 * @target: an id
 * @max: how many nodes to return at most
 * @good_only: whether to leave out questionable nodes (bad ones are always
 *   left out)
 * @now: monotonic time, µs
 * @out: (out caller-allocates) (array length=max): the nodes, closest first
 *
 * Returns: how many nodes were written to @out
 */
guint
shoal_dht_routing_table_closest (ShoalDhtRoutingTable *self,
                                 const guint8          target[SHOAL_DHT_ID_LEN],
                                 guint                 max,
                                 gboolean              good_only,
                                 gint64                now,
                                 ShoalDhtNodeInfo     *out)
{
  g_autoptr(GArray) all = shoal_dht_routing_table_dup_nodes (self, good_only ? SHOAL_DHT_NODE_GOOD
                                                                              : SHOAL_DHT_NODE_QUESTIONABLE,
                                                             now);
  guint n;

  g_array_sort_with_data (all, compare_distance_cb, (gpointer) target);
  n = MIN (max, all->len);
  if (n > 0)
    memcpy (out, all->data, n * sizeof (ShoalDhtNodeInfo));
  return n;
}

/**
 * shoal_dht_routing_table_dup_nodes:
 * @self: a routing table
 * @worst: the worst status to include
 * @now: monotonic time, µs
 *
 * Returns: (transfer full): a #GArray of #ShoalDhtNodeInfo
 */
GArray *
shoal_dht_routing_table_dup_nodes (ShoalDhtRoutingTable *self,
                                   ShoalDhtNodeStatus    worst,
                                   gint64                now)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (ShoalDhtNodeInfo));

  for (guint b = 0; b < self->buckets->len; b++)
    {
      Bucket *bucket = self->buckets->pdata[b];

      for (guint i = 0; i < bucket->n_nodes; i++)
        if (shoal_dht_node_get_status (&bucket->nodes[i], now) <= worst)
          g_array_append_val (all, bucket->nodes[i].info);
    }
  return all;
}

/**
 * shoal_dht_routing_table_questionable:
 * @self: a routing table
 * @now: monotonic time, µs
 * @max: how many nodes to return at most
 * @out: (out caller-allocates) (array length=max): nodes to ping
 *
 * Picks questionable nodes not pinged within the last minute and marks them
 * pinged, so the caller can check they are still alive before they are
 * needed.
 *
 * Returns: how many nodes were written to @out
 */
guint
shoal_dht_routing_table_questionable (ShoalDhtRoutingTable *self,
                                      gint64                now,
                                      guint                 max,
                                      ShoalDhtNodeInfo     *out)
{
  guint n = 0;

  for (guint b = 0; b < self->buckets->len && n < max; b++)
    {
      Bucket *bucket = self->buckets->pdata[b];

      for (guint i = 0; i < bucket->n_nodes && n < max; i++)
        {
          ShoalDhtNode *node = &bucket->nodes[i];

          if (shoal_dht_node_get_status (node, now) != SHOAL_DHT_NODE_QUESTIONABLE ||
              (node->last_pinged != 0 && now - node->last_pinged < REPING_USEC))
            continue;
          node->last_pinged = now;
          out[n++] = node->info;
        }
    }
  return n;
}

/**
 * shoal_dht_routing_table_next_refresh:
 * @self: a routing table
 * @now: monotonic time, µs
 * @target: (out): a random id in a bucket that has not changed for 15
 *   minutes
 *
 * BEP 5 refreshes such a bucket by looking up a random id in its range. The
 * bucket counts as changed now, so each call returns another bucket.
 *
 * Returns: %TRUE if a bucket needs a refresh
 */
gboolean
shoal_dht_routing_table_next_refresh (ShoalDhtRoutingTable *self,
                                      gint64                now,
                                      guint8                target[SHOAL_DHT_ID_LEN])
{
  for (guint b = 0; b < self->buckets->len; b++)
    {
      Bucket *bucket = self->buckets->pdata[b];

      if (now - bucket->last_changed < SHOAL_DHT_BUCKET_REFRESH_USEC)
        continue;
      bucket->last_changed = now;
      shoal_dht_id_random_in_bucket (self->own_id, b, b + 1 == self->buckets->len, target);
      return TRUE;
    }
  return FALSE;
}
