/* shoal-dht-lookup.c: iterative find_node / get_peers lookups and announces
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lookup keeps the candidates it has heard of sorted by XOR distance to
 * the target, and queries the closest ones it has not asked yet, at most
 * alpha at a time. It ends when the k closest candidates that did not fail
 * have all answered (the "k closest known" rule of Kademlia), or after a
 * bounded number of queries. An announce is a get_peers lookup followed by
 * announce_peer to the k closest nodes that gave us a token.
 */
#include "config.h"

#include <string.h>

#include "shoal-dht-private.h"

#define MAX_CANDIDATES   64
#define MAX_QUERIES      128
#define MAX_PEERS_TOTAL  2000

typedef enum
{
  CANDIDATE_NEW,
  CANDIDATE_IN_FLIGHT,
  CANDIDATE_RESPONDED,
  CANDIDATE_FAILED,
} CandidateState;

typedef struct
{
  ShoalDhtNodeInfo info;
  CandidateState   state;
  guint8           token[SHOAL_DHT_MAX_TOKEN_LEN];
  gsize            token_len;
} Candidate;

struct _ShoalDhtLookup
{
  gint               ref_count;
  ShoalDht          *dht;        /* unowned; a stopped node aborts its lookups */
  ShoalDhtLookupKind kind;
  guint8             target[SHOAL_DHT_ID_LEN];
  GArray            *candidates; /* of Candidate, closest first */
  GHashTable        *queried;    /* ShoalDhtAddr → itself */
  guint              in_flight;
  guint              n_queries;
  guint              n_responded;
  gboolean           done;

  GTask             *task;
  GSource           *cancel_source;
  ShoalDhtPeersFunc  peers_func;
  gpointer           peers_data;
  GDestroyNotify     peers_destroy;
  GPtrArray         *peers;      /* of GSocketAddress */
  GHashTable        *peers_seen; /* ShoalDhtAddr → itself */

  guint16            announce_port;
  gboolean           announcing;
  guint              announce_pending;
  guint              announced;
};

ShoalDhtLookup *
shoal_dht_lookup_ref (ShoalDhtLookup *lookup)
{
  g_atomic_int_inc (&lookup->ref_count);
  return lookup;
}

void
shoal_dht_lookup_unref (ShoalDhtLookup *lookup)
{
  if (!g_atomic_int_dec_and_test (&lookup->ref_count))
    return;
  g_assert (lookup->task == NULL);
  g_clear_pointer (&lookup->candidates, g_array_unref);
  g_clear_pointer (&lookup->queried, g_hash_table_unref);
  g_clear_pointer (&lookup->peers, g_ptr_array_unref);
  g_clear_pointer (&lookup->peers_seen, g_hash_table_unref);
  if (lookup->peers_destroy != NULL)
    lookup->peers_destroy (lookup->peers_data);
  g_free (lookup);
}

gboolean
shoal_dht_lookup_is_background (ShoalDhtLookup *lookup)
{
  return lookup->task == NULL;
}

static gboolean
is_self_lookup (ShoalDhtLookup *lookup)
{
  return lookup->kind == SHOAL_DHT_LOOKUP_FIND_NODE &&
         memcmp (lookup->target, lookup->dht->id, SHOAL_DHT_ID_LEN) == 0;
}

/* Ends the lookup: exactly one of @error and @result is used. */
static void
lookup_complete (ShoalDhtLookup *lookup,
                 GError         *error,
                 gpointer        result,
                 GDestroyNotify  result_destroy)
{
  g_autoptr(GTask) task = NULL;

  g_assert (!lookup->done);
  lookup->done = TRUE;
  if (is_self_lookup (lookup))
    lookup->dht->self_lookup_running = FALSE;
  if (lookup->cancel_source != NULL)
    {
      g_source_destroy (lookup->cancel_source);
      g_clear_pointer (&lookup->cancel_source, g_source_unref);
    }
  task = g_steal_pointer (&lookup->task);
  if (g_ptr_array_remove (lookup->dht->lookups, lookup))
    shoal_dht_lookup_unref (lookup);

  if (task == NULL)
    {
      g_clear_error (&error);
      if (result_destroy != NULL)
        result_destroy (result);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else if (result_destroy != NULL)
    g_task_return_pointer (task, result, result_destroy);
  else
    g_task_return_int (task, GPOINTER_TO_INT (result));
}

void
shoal_dht_lookup_abort (ShoalDhtLookup *lookup)
{
  if (!lookup->done)
    lookup_complete (lookup, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "The DHT lookup was cancelled"),
                     NULL, NULL);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  g_autoptr(ShoalDhtLookup) lookup = shoal_dht_lookup_ref (data);

  shoal_dht_lookup_abort (lookup);
  return G_SOURCE_REMOVE;
}

static Candidate *
find_candidate (ShoalDhtLookup     *lookup,
                const ShoalDhtAddr *addr)
{
  for (guint i = 0; i < lookup->candidates->len; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

      if (shoal_dht_addr_equal (&c->info.addr, addr))
        return c;
    }
  return NULL;
}

static void
add_candidate (ShoalDhtLookup         *lookup,
               const ShoalDhtNodeInfo *info)
{
  Candidate c = { .info = *info, .state = CANDIDATE_NEW };
  guint pos;

  if (!shoal_dht_addr_is_usable (&info->addr) || !shoal_dht_has_family (lookup->dht, info->addr.family) ||
      memcmp (info->id, lookup->dht->id, SHOAL_DHT_ID_LEN) == 0 ||
      g_hash_table_contains (lookup->queried, &info->addr) || find_candidate (lookup, &info->addr) != NULL)
    return;

  for (pos = 0; pos < lookup->candidates->len; pos++)
    if (shoal_dht_id_compare_distance (lookup->target, info->id,
                                       g_array_index (lookup->candidates, Candidate, pos).info.id) < 0)
      break;

  if (lookup->candidates->len >= MAX_CANDIDATES)
    {
      guint last = lookup->candidates->len;

      /* Make room by dropping the farthest candidate not waiting on us. */
      while (last > 0 && g_array_index (lookup->candidates, Candidate, last - 1).state == CANDIDATE_IN_FLIGHT)
        last--;
      if (last == 0 || pos >= last)
        return;
      g_array_remove_index (lookup->candidates, last - 1);
    }
  g_array_insert_val (lookup->candidates, pos, c);
}

static void
report_peers (ShoalDhtLookup *lookup,
              GArray         *values)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < values->len; i++)
    {
      const ShoalDhtAddr *addr = &g_array_index (values, ShoalDhtAddr, i);

      if (!shoal_dht_addr_is_usable (addr) || g_hash_table_contains (lookup->peers_seen, addr) ||
          g_hash_table_size (lookup->peers_seen) >= MAX_PEERS_TOTAL)
        continue;
      g_hash_table_add (lookup->peers_seen, g_memdup2 (addr, sizeof *addr));
      g_ptr_array_add (batch, shoal_dht_addr_to_socket_address (addr));
      g_ptr_array_add (lookup->peers, shoal_dht_addr_to_socket_address (addr));
    }
  if (batch->len == 0)
    return;
  if (lookup->peers_func != NULL)
    lookup->peers_func (lookup->dht, lookup->target, batch, lookup->peers_data);
  if (!lookup->done)
    shoal_dht_emit_peers (lookup->dht, lookup->target, batch);
}

static void
finish_announce (ShoalDhtLookup *lookup)
{
  if (lookup->announced > 0)
    lookup_complete (lookup, NULL, GUINT_TO_POINTER (lookup->announced), NULL);
  else
    lookup_complete (lookup, g_error_new_literal (SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_ANNOUNCE_FAILED,
                                                  "No DHT node accepted the announce"),
                     NULL, NULL);
}

static void
start_announce (ShoalDhtLookup *lookup)
{
  guint live = 0;

  lookup->announcing = TRUE;
  for (guint i = 0; i < lookup->candidates->len && live < SHOAL_DHT_K; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);
      ShoalDhtMessage q;

      if (c->state != CANDIDATE_RESPONDED || c->token_len == 0)
        continue;
      live++;
      shoal_dht_message_init (&q);
      q.method = SHOAL_DHT_METHOD_ANNOUNCE_PEER;
      memcpy (q.target, lookup->target, SHOAL_DHT_ID_LEN);
      memcpy (q.token, c->token, c->token_len);
      q.token_len = c->token_len;
      /* Port 0: peers reach us on the DHT port (uTP); BEP 5 implied_port. */
      q.implied_port = lookup->announce_port == 0;
      q.port = lookup->announce_port != 0 ? lookup->announce_port : shoal_dht_get_port (lookup->dht);
      if (shoal_dht_send_query (lookup->dht, &c->info.addr, &q, lookup, FALSE))
        lookup->announce_pending++;
      shoal_dht_message_clear (&q);
    }
  if (lookup->announce_pending > 0)
    return;
  if (lookup->n_responded == 0)
    lookup_complete (lookup, g_error_new_literal (SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NO_NODES,
                                                  "No DHT node answered"),
                     NULL, NULL);
  else
    finish_announce (lookup);
}

static void
finish_search (ShoalDhtLookup *lookup)
{
  switch (lookup->kind)
    {
    case SHOAL_DHT_LOOKUP_ANNOUNCE:
      start_announce (lookup);
      return;
    case SHOAL_DHT_LOOKUP_GET_PEERS:
    case SHOAL_DHT_LOOKUP_FIND_NODE:
      if (lookup->n_responded == 0)
        lookup_complete (lookup, g_error_new_literal (SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NO_NODES,
                                                      "No DHT node answered"),
                         NULL, NULL);
      else
        lookup_complete (lookup, NULL, g_ptr_array_ref (lookup->peers),
                         (GDestroyNotify) g_ptr_array_unref);
      return;
    default:
      g_assert_not_reached ();
    }
}

static void
lookup_step (ShoalDhtLookup *lookup)
{
  guint live = 0;

  if (lookup->done || lookup->announcing)
    return;
  for (guint i = 0; i < lookup->candidates->len && live < SHOAL_DHT_K; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);
      ShoalDhtMessage q;

      if (c->state == CANDIDATE_FAILED)
        continue;
      live++;
      if (c->state != CANDIDATE_NEW || lookup->in_flight >= SHOAL_DHT_ALPHA ||
          lookup->n_queries >= MAX_QUERIES)
        continue;

      shoal_dht_message_init (&q);
      q.method = lookup->kind == SHOAL_DHT_LOOKUP_FIND_NODE ? SHOAL_DHT_METHOD_FIND_NODE
                                                            : SHOAL_DHT_METHOD_GET_PEERS;
      memcpy (q.target, lookup->target, SHOAL_DHT_ID_LEN);
      q.want = shoal_dht_own_want (lookup->dht);
      g_hash_table_add (lookup->queried, g_memdup2 (&c->info.addr, sizeof c->info.addr));
      if (shoal_dht_send_query (lookup->dht, &c->info.addr, &q, lookup, FALSE))
        {
          c->state = CANDIDATE_IN_FLIGHT;
          lookup->in_flight++;
          lookup->n_queries++;
        }
      else
        {
          /* It no longer counts among the k closest: look one further. */
          c->state = CANDIDATE_FAILED;
          live--;
        }
      shoal_dht_message_clear (&q);
    }
  if (lookup->in_flight == 0)
    finish_search (lookup);
}

/**
 * shoal_dht_lookup_reply:
 * @lookup_in: a lookup
 * @from: the node that answered
 * @method: the method of the query it answers
 * @reply: (nullable): its response or error, or %NULL if it timed out
 *
 * Called by the transaction layer for each query the lookup sent.
 */
void
shoal_dht_lookup_reply (ShoalDhtLookup        *lookup_in,
                        const ShoalDhtAddr    *from,
                        ShoalDhtMethod         method,
                        const ShoalDhtMessage *reply)
{
  /* Completing the lookup drops the node's reference to it. */
  g_autoptr(ShoalDhtLookup) lookup = shoal_dht_lookup_ref (lookup_in);
  gboolean ok = reply != NULL && reply->type == SHOAL_DHT_MESSAGE_RESPONSE;
  Candidate *c;

  if (lookup->done)
    return;

  if (method == SHOAL_DHT_METHOD_ANNOUNCE_PEER)
    {
      g_assert (lookup->announce_pending > 0);
      lookup->announce_pending--;
      if (ok)
        lookup->announced++;
      if (lookup->announce_pending == 0)
        finish_announce (lookup);
      return;
    }

  c = find_candidate (lookup, from);
  if (c == NULL || c->state != CANDIDATE_IN_FLIGHT)
    return;
  lookup->in_flight--;
  if (!ok)
    c->state = CANDIDATE_FAILED;
  else
    {
      c->state = CANDIDATE_RESPONDED;
      lookup->n_responded++;
      memcpy (c->token, reply->token, reply->token_len);
      c->token_len = reply->token_len;
      /* add_candidate() may move @c: it is not used past here. */
      for (guint i = 0; reply->nodes != NULL && i < reply->nodes->len; i++)
        add_candidate (lookup, &g_array_index (reply->nodes, ShoalDhtNodeInfo, i));
      if (reply->values != NULL && lookup->kind != SHOAL_DHT_LOOKUP_FIND_NODE)
        report_peers (lookup, reply->values);
    }
  lookup_step (lookup);
}

static ShoalDhtLookup *
lookup_new (ShoalDht           *dht,
            ShoalDhtLookupKind  kind,
            const guint8       *target,
            GTask              *task)
{
  ShoalDhtLookup *lookup = g_new0 (ShoalDhtLookup, 1);

  lookup->ref_count = 1;
  lookup->dht = dht;
  lookup->kind = kind;
  memcpy (lookup->target, target, SHOAL_DHT_ID_LEN);
  lookup->candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  lookup->queried = g_hash_table_new_full (shoal_dht_addr_hash_func, shoal_dht_addr_equal_func, g_free, NULL);
  lookup->peers = g_ptr_array_new_with_free_func (g_object_unref);
  lookup->peers_seen = g_hash_table_new_full (shoal_dht_addr_hash_func, shoal_dht_addr_equal_func, g_free, NULL);
  lookup->task = task != NULL ? g_object_ref (task) : NULL;
  return lookup;
}

static void
lookup_run (ShoalDhtLookup *lookup,
            GArray         *seeds)
{
  ShoalDht *dht = lookup->dht;
  gint64 now = g_get_monotonic_time ();
  GCancellable *cancellable = lookup->task != NULL ? g_task_get_cancellable (lookup->task) : NULL;

  g_ptr_array_add (dht->lookups, shoal_dht_lookup_ref (lookup));
  if (is_self_lookup (lookup))
    dht->self_lookup_running = TRUE;
  if (cancellable != NULL)
    {
      lookup->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (lookup->cancel_source, (GSourceFunc) (void (*) (void)) cancelled_cb, lookup, NULL);
      g_source_attach (lookup->cancel_source, dht->context);
    }

  for (guint8 family = 4; family <= 6; family += 2)
    {
      ShoalDhtNodeInfo nodes[2 * SHOAL_DHT_K];
      guint n = shoal_dht_routing_table_closest (shoal_dht_table_for (dht, family), lookup->target,
                                                 G_N_ELEMENTS (nodes), FALSE, now, nodes);

      for (guint i = 0; i < n; i++)
        add_candidate (lookup, &nodes[i]);
    }
  for (guint i = 0; seeds != NULL && i < seeds->len; i++)
    add_candidate (lookup, &g_array_index (seeds, ShoalDhtNodeInfo, i));
  lookup_step (lookup);
}

/**
 * shoal_dht_lookup_start:
 * @dht: a started DHT
 * @kind: what to look up
 * @target: the id or info-hash
 * @seeds: (nullable): nodes to start from besides the routing table's
 * @task: (nullable): the task to complete, or %NULL for a lookup that only
 *   fills the routing table
 *
 * Returns: (transfer full): the lookup, possibly already done
 */
ShoalDhtLookup *
shoal_dht_lookup_start (ShoalDht           *dht,
                        ShoalDhtLookupKind  kind,
                        const guint8       *target,
                        GArray             *seeds,
                        GTask              *task)
{
  ShoalDhtLookup *lookup = lookup_new (dht, kind, target, task);

  lookup_run (lookup, seeds);
  return lookup;
}

/* Public API */

/**
 * shoal_dht_get_peers_async:
 * @self: a started DHT
 * @info_hash: (array fixed-size=20): the torrent
 * @cancellable: (nullable): a #GCancellable
 * @peers_func: (nullable) (scope notified): called with each batch of new
 *   peers as answers arrive
 * @peers_data: data for @peers_func
 * @peers_destroy: (nullable): frees @peers_data when the lookup is over
 * @callback: called when the lookup ends
 * @user_data: data for @callback
 *
 * Looks up peers for @info_hash: an iterative get_peers towards the nodes
 * closest to it. Peers are also reported through #ShoalDht::peers-found.
 */
void
shoal_dht_get_peers_async (ShoalDht            *self,
                           const guint8        *info_hash,
                           GCancellable        *cancellable,
                           ShoalDhtPeersFunc    peers_func,
                           gpointer             peers_data,
                           GDestroyNotify       peers_destroy,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ShoalDhtLookup) lookup = NULL;

  g_return_if_fail (SHOAL_IS_DHT (self));
  g_return_if_fail (info_hash != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_dht_get_peers_async);
  if (!shoal_dht_is_started (self))
    {
      if (peers_destroy != NULL)
        peers_destroy (peers_data);
      g_task_return_new_error (task, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED,
                               "The DHT node is not started");
      return;
    }
  lookup = lookup_new (self, SHOAL_DHT_LOOKUP_GET_PEERS, info_hash, task);
  lookup->peers_func = peers_func;
  lookup->peers_data = peers_data;
  lookup->peers_destroy = peers_destroy;
  lookup_run (lookup, NULL);
}

/**
 * shoal_dht_get_peers_finish:
 * @self: a DHT
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type GInetSocketAddress): every
 *   peer found (maybe none), or %NULL if no node answered or the lookup was
 *   cancelled
 */
GPtrArray *
shoal_dht_get_peers_finish (ShoalDht      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_dht_announce_async:
 * @self: a started DHT
 * @info_hash: (array fixed-size=20): the torrent
 * @port: the port peers should connect to, or 0 to announce the DHT's own
 *   port (implied_port, for a client that takes uTP on it)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the announce is over
 * @user_data: data for @callback
 *
 * Looks up the nodes closest to @info_hash (reporting the peers they know
 * through #ShoalDht::peers-found) and announces us to those that gave a
 * token. Announces last 30 minutes on most nodes: repeat every 15 or so.
 */
void
shoal_dht_announce_async (ShoalDht            *self,
                          const guint8        *info_hash,
                          guint16              port,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ShoalDhtLookup) lookup = NULL;

  g_return_if_fail (SHOAL_IS_DHT (self));
  g_return_if_fail (info_hash != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_dht_announce_async);
  if (!shoal_dht_is_started (self))
    {
      g_task_return_new_error (task, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_NOT_STARTED,
                               "The DHT node is not started");
      return;
    }
  lookup = lookup_new (self, SHOAL_DHT_LOOKUP_ANNOUNCE, info_hash, task);
  lookup->announce_port = port;
  lookup_run (lookup, NULL);
}

/**
 * shoal_dht_announce_finish:
 * @self: a DHT
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: how many nodes accepted the announce; 0 with @error set if none
 */
guint
shoal_dht_announce_finish (ShoalDht      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  n = g_task_propagate_int (G_TASK (result), error);
  return n > 0 ? (guint) n : 0;
}
