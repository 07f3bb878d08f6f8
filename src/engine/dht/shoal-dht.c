/* shoal-dht.c: a mainline DHT node (BEP 5, BEP 32): sockets, transactions
 * and the answering side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One non-blocking UDP socket per address family, watched on the main
 * context the node was created in; nothing here blocks or uses threads.
 * Every query we send gets a two-byte transaction id and a timeout, and a
 * reply is accepted only with a known id and from the address the query went
 * to, so nobody can feed a lookup answers it did not ask for.
 *
 * Answering is where a DHT node can be abused: each source IP gets a token
 * bucket, answers never carry more than 8 nodes per family and 100 peers,
 * and the routing table and peer store are bounded. Nodes that query us
 * enter the routing table only after they answer a ping of ours.
 *
 * A query's source address may be spoofed, so a reply must not be a lever
 * to flood someone else: until a source has shown it receives at its
 * address (it answered one of our queries, whose transaction id it could
 * only have read there), its replies are cut to REPLY_FACTOR times the size
 * of its query. Every source we do not know is pinged once, so a real node
 * gets whole answers from its next query on. Every reply is built against a
 * byte budget, so none can outgrow a datagram.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "shoal-dht-private.h"
#include "shoal-net-bind.h"

#define DEFAULT_QUERY_TIMEOUT_MS 2000
#define MAINTENANCE_INTERVAL_S   5
#define DEFAULT_RATE             20.0
#define DEFAULT_BURST            50.0
#define MAX_DATAGRAMS_PER_WAKEUP 64
#define MAX_TRANSACTIONS         4096
#define MAX_RECENTLY_PINGED      1024
#define MAX_VALUES_V4            100
/* 40 IPv6 peers (800 bytes) plus 16 nodes still fit in 1500 bytes. */
#define MAX_VALUES_V6            40
#define REBOOTSTRAP_USEC         (15 * G_USEC_PER_SEC)
/* Replies to a source that has not shown it can receive at its address are
 * at most this many times the size of its query. */
#define REPLY_FACTOR             3
/* The largest reply we build, well under SHOAL_DHT_MAX_DATAGRAM. */
#define MAX_REPLY                1400
/* A source that answered us counts as able to receive for this long. */
#define VERIFIED_USEC            (15 * 60 * G_USEC_PER_SEC)
#define MAX_VERIFIED             4096
#define MAX_BACKGROUND_LOOKUPS   2
#define VERSION                  "SH01"

typedef struct
{
  ShoalDht       *dht;       /* unowned: transactions die with the node */
  guint16         tid;
  ShoalDhtAddr    addr;
  ShoalDhtMethod  method;
  GSource        *timeout;
  ShoalDhtLookup *lookup;    /* owned, may be NULL */
  gboolean        bootstrap;
} Transaction;

/* A source that answered one of our queries: it receives at its address. */
typedef struct
{
  ShoalDhtAddr addr;   /* first, so that the address hash and equal functions work */
  gint64       answered;
} VerifiedSource;

/* Upper bounds of what a reply's "values", "nodes" and "nodes6" keys cost
 * besides their entries: the key, and a list's ends or a string's length
 * prefix (at most 3 digits: 8 nodes are 208 or 304 bytes). */
#define VALUES_OVERHEAD  (8 + 2)
#define NODES4_OVERHEAD  (7 + 4)
#define NODES6_OVERHEAD  (8 + 4)

enum
{
  SIGNAL_PEERS_FOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (shoal-dht-error-quark, shoal_dht_error)
G_DEFINE_FINAL_TYPE (ShoalDht, shoal_dht, G_TYPE_OBJECT)

static void
transaction_free (gpointer data)
{
  Transaction *txn = data;

  if (txn->timeout != NULL)
    {
      g_source_destroy (txn->timeout);
      g_source_unref (txn->timeout);
    }
  g_clear_pointer (&txn->lookup, shoal_dht_lookup_unref);
  g_free (txn);
}

static void
shoal_dht_dispose (GObject *object)
{
  ShoalDht *self = SHOAL_DHT (object);

  shoal_dht_stop (self);

  G_OBJECT_CLASS (shoal_dht_parent_class)->dispose (object);
}

static void
shoal_dht_finalize (GObject *object)
{
  ShoalDht *self = SHOAL_DHT (object);

  g_clear_pointer (&self->transactions, g_hash_table_unref);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  g_clear_pointer (&self->lookups, g_ptr_array_unref);
  g_clear_pointer (&self->bootstrap, g_array_unref);
  g_clear_pointer (&self->recently_pinged, g_hash_table_unref);
  g_clear_pointer (&self->verified, g_hash_table_unref);
  g_clear_pointer (&self->table4, shoal_dht_routing_table_free);
  g_clear_pointer (&self->table6, shoal_dht_routing_table_free);
  g_clear_pointer (&self->store, shoal_dht_peer_store_free);
  g_clear_pointer (&self->limiter, shoal_dht_rate_limiter_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_dht_parent_class)->finalize (object);
}

static void
shoal_dht_class_init (ShoalDhtClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_dht_dispose;
  object_class->finalize = shoal_dht_finalize;

  /**
   * ShoalDht::peers-found:
   * @self: the DHT
   * @info_hash: the torrent's 20-byte info-hash
   * @peers: (element-type GInetSocketAddress): peers a lookup just found
   *
   * Emitted for each batch of new peers any get_peers or announce lookup
   * finds, so a session can feed every torrent from one handler.
   */
  signals[SIGNAL_PEERS_FOUND] =
    g_signal_new ("peers-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_PTR_ARRAY);
}

static void
shoal_dht_init (ShoalDht *self)
{
  self->transactions = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, transaction_free);
  self->lookups = g_ptr_array_new ();
  self->bootstrap = g_array_new (FALSE, FALSE, sizeof (ShoalDhtAddr));
  self->recently_pinged = g_hash_table_new_full (shoal_dht_addr_hash_func, shoal_dht_addr_equal_func, g_free, NULL);
  self->verified = g_hash_table_new_full (shoal_dht_addr_hash_func, shoal_dht_addr_equal_func, g_free, NULL);
  self->store = shoal_dht_peer_store_new (SHOAL_DHT_DEFAULT_MAX_TORRENTS, SHOAL_DHT_DEFAULT_MAX_PEERS);
  self->limiter = shoal_dht_rate_limiter_new (DEFAULT_RATE, DEFAULT_BURST);
  self->query_timeout_ms = DEFAULT_QUERY_TIMEOUT_MS;
  self->next_tid = (guint16) g_random_int_range (0, 65536);
  shoal_dht_tokens_init (&self->tokens, g_get_monotonic_time ());
}

/**
 * shoal_dht_new:
 * @node_id: (nullable) (array fixed-size=20): the node id to use, such as
 *   the one saved from the last run, or %NULL for a random one
 *
 * Creates a DHT node bound to the thread-default main context of the
 * caller; every later call and callback happens there.
 *
 * Returns: (transfer full): a new, stopped #ShoalDht
 */
ShoalDht *
shoal_dht_new (const guint8 *node_id)
{
  ShoalDht *self = g_object_new (SHOAL_TYPE_DHT, NULL);

  if (node_id != NULL)
    memcpy (self->id, node_id, SHOAL_DHT_ID_LEN);
  else if (gnutls_rnd (GNUTLS_RND_NONCE, self->id, SHOAL_DHT_ID_LEN) < 0)
    for (guint i = 0; i < SHOAL_DHT_ID_LEN; i++)
      self->id[i] = (guint8) g_random_int_range (0, 256);
  self->context = g_main_context_ref_thread_default ();
  self->table4 = shoal_dht_routing_table_new (self->id);
  self->table6 = shoal_dht_routing_table_new (self->id);
  return self;
}

/**
 * shoal_dht_get_node_id:
 * @self: a DHT
 *
 * Returns: (array fixed-size=20): our node id, worth saving so that the
 *   next run keeps its place in the DHT
 */
const guint8 *
shoal_dht_get_node_id (ShoalDht *self)
{
  g_return_val_if_fail (SHOAL_IS_DHT (self), NULL);
  return self->id;
}

/**
 * shoal_dht_get_port:
 * @self: a DHT
 *
 * Returns: the UDP port the node listens on, 0 when stopped
 */
guint16
shoal_dht_get_port (ShoalDht *self)
{
  g_return_val_if_fail (SHOAL_IS_DHT (self), 0);
  return self->port;
}

/**
 * shoal_dht_is_started:
 * @self: a DHT
 *
 * Returns: whether the node has a socket open
 */
gboolean
shoal_dht_is_started (ShoalDht *self)
{
  g_return_val_if_fail (SHOAL_IS_DHT (self), FALSE);
  return self->sock4 != NULL || self->sock6 != NULL;
}

/**
 * shoal_dht_get_n_nodes:
 * @self: a DHT
 *
 * Returns: how many good or questionable nodes the routing tables hold
 */
guint
shoal_dht_get_n_nodes (ShoalDht *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GArray) v4 = NULL;
  g_autoptr(GArray) v6 = NULL;

  g_return_val_if_fail (SHOAL_IS_DHT (self), 0);
  v4 = shoal_dht_routing_table_dup_nodes (self->table4, SHOAL_DHT_NODE_QUESTIONABLE, now);
  v6 = shoal_dht_routing_table_dup_nodes (self->table6, SHOAL_DHT_NODE_QUESTIONABLE, now);
  return v4->len + v6->len;
}

/**
 * shoal_dht_get_n_rate_limited:
 * @self: a DHT
 *
 * Returns: how many queries went unanswered because their source sent too
 *   many
 */
guint64
shoal_dht_get_n_rate_limited (ShoalDht *self)
{
  g_return_val_if_fail (SHOAL_IS_DHT (self), 0);
  return self->n_rate_limited;
}

/**
 * shoal_dht_set_query_rate_limit:
 * @self: a DHT
 * @queries_per_second: queries answered per second and source IP
 * @burst: how many may come at once
 *
 * Defaults to 20 per second with bursts of 50.
 */
void
shoal_dht_set_query_rate_limit (ShoalDht *self,
                                double    queries_per_second,
                                double    burst)
{
  g_return_if_fail (SHOAL_IS_DHT (self));
  shoal_dht_rate_limiter_set (self->limiter, queries_per_second, burst);
}

/**
 * shoal_dht_set_query_timeout:
 * @self: a DHT
 * @timeout_ms: how long to wait for an answer before a node counts as
 *   silent (default 2000)
 */
void
shoal_dht_set_query_timeout (ShoalDht *self,
                             guint     timeout_ms)
{
  g_return_if_fail (SHOAL_IS_DHT (self));
  self->query_timeout_ms = MAX (timeout_ms, 10);
}

/**
 * shoal_dht_set_hide_version:
 * @self: a DHT
 * @hide: %TRUE to send no client version (the `v` key, BEP 5) in queries
 *   and replies
 */
/**
 * shoal_dht_set_bind:
 * @bind: (nullable): the device to bind the sockets to when the DHT
 *   starts (the address is shoal_dht_start()'s)
 */
void
shoal_dht_set_bind (ShoalDht     *self,
                    ShoalNetBind *bind)
{
  g_return_if_fail (SHOAL_IS_DHT (self));
  if (bind != NULL)
    shoal_net_bind_ref (bind);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  self->bind = bind;
}

void
shoal_dht_set_hide_version (ShoalDht *self,
                            gboolean  hide)
{
  g_return_if_fail (SHOAL_IS_DHT (self));
  self->hide_version = !!hide;
}

ShoalDhtRoutingTable *
shoal_dht_table_for (ShoalDht *self,
                     guint8    family)
{
  return family == 6 ? self->table6 : self->table4;
}

gboolean
shoal_dht_has_family (ShoalDht *self,
                      guint8    family)
{
  return (family == 4 ? self->sock4 : self->sock6) != NULL;
}

ShoalDhtWant
shoal_dht_own_want (ShoalDht *self)
{
  /* BEP 32: only ask for both when we can use both. */
  if (self->sock4 != NULL && self->sock6 != NULL)
    return SHOAL_DHT_WANT_N4 | SHOAL_DHT_WANT_N6;
  return SHOAL_DHT_WANT_NONE;
}

void
shoal_dht_emit_peers (ShoalDht     *self,
                      const guint8 *info_hash,
                      GPtrArray    *peers)
{
  g_autoptr(GBytes) bytes = g_bytes_new (info_hash, SHOAL_DHT_ID_LEN);

  g_signal_emit (self, signals[SIGNAL_PEERS_FOUND], 0, bytes, peers);
}

/* Sending */

static void
send_message (ShoalDht              *self,
              const ShoalDhtAddr    *to,
              const ShoalDhtMessage *msg)
{
  GSocket *sock = to->family == 6 ? self->sock6 : self->sock4;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data;

  if (sock == NULL)
    return;
  bytes = shoal_dht_message_encode (msg);
  data = g_bytes_get_data (bytes, &len);
  /* Replies are built to fit (see fill_reply()); should one not, it is
   * dropped as the network would drop it. */
  if (len > SHOAL_DHT_MAX_DATAGRAM)
    {
      g_debug ("DHT: dropped a %" G_GSIZE_FORMAT "-byte message, more than a datagram holds", len);
      return;
    }
  sa = shoal_dht_addr_to_socket_address (to);
  /* A full send buffer drops the datagram, as the network would. */
  if (self->relay != NULL)
    {
      if (!shoal_socks_udp_send_to (self->relay, G_INET_SOCKET_ADDRESS (sa), data, len, &error))
        g_debug ("DHT: could not send to a node through the proxy: %s", error->message);
    }
  else if (g_socket_send_to (sock, sa, (const char *) data, len, NULL, &error) < 0)
    g_debug ("DHT: could not send to a node: %s", error->message);
}

static gboolean
transaction_timeout_cb (gpointer data)
{
  Transaction *txn = data;
  /* Callbacks of the lookup may drop the last other reference. */
  g_autoptr(ShoalDht) self = g_object_ref (txn->dht);
  gpointer key = GUINT_TO_POINTER (txn->tid | 0x10000u);
  g_autoptr(ShoalDhtLookup) lookup = NULL;
  ShoalDhtAddr addr = txn->addr;
  ShoalDhtMethod method = txn->method;

  lookup = g_steal_pointer (&txn->lookup);
  g_hash_table_remove (self->transactions, key);
  shoal_dht_routing_table_failed (shoal_dht_table_for (self, addr.family), &addr,
                                  g_get_monotonic_time ());
  if (lookup != NULL)
    shoal_dht_lookup_reply (lookup, &addr, method, NULL);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_dht_send_query:
 * @self: a DHT
 * @addr: the node to query
 * @query: the query; its transaction id, node id and version are filled in
 * @lookup: (nullable): the lookup to tell about the reply or the timeout
 * @bootstrap: whether a reply should start a lookup of our own id
 *
 * Returns: %FALSE if the query could not be sent (no socket for @addr's
 *   family, or too many queries in flight)
 */
gboolean
shoal_dht_send_query (ShoalDht           *self,
                      const ShoalDhtAddr *addr,
                      ShoalDhtMessage    *query,
                      ShoalDhtLookup     *lookup,
                      gboolean            bootstrap)
{
  Transaction *txn;

  if (!shoal_dht_has_family (self, addr->family) || !shoal_dht_addr_is_usable (addr) ||
      g_hash_table_size (self->transactions) >= MAX_TRANSACTIONS)
    return FALSE;

  while (g_hash_table_contains (self->transactions, GUINT_TO_POINTER (self->next_tid | 0x10000u)))
    self->next_tid++;

  txn = g_new0 (Transaction, 1);
  txn->dht = self;
  txn->tid = self->next_tid++;
  txn->addr = *addr;
  txn->method = query->method;
  txn->lookup = lookup != NULL ? shoal_dht_lookup_ref (lookup) : NULL;
  txn->bootstrap = bootstrap;
  txn->timeout = g_timeout_source_new (self->query_timeout_ms);
  g_source_set_callback (txn->timeout, transaction_timeout_cb, txn, NULL);
  g_source_attach (txn->timeout, self->context);
  g_hash_table_insert (self->transactions, GUINT_TO_POINTER (txn->tid | 0x10000u), txn);

  query->type = SHOAL_DHT_MESSAGE_QUERY;
  query->tid[0] = txn->tid >> 8;
  query->tid[1] = txn->tid & 0xff;
  query->tid_len = 2;
  memcpy (query->id, self->id, SHOAL_DHT_ID_LEN);
  if (!self->hide_version)
    memcpy (query->version, VERSION, strlen (VERSION));
  send_message (self, addr, query);
  return TRUE;
}

void
shoal_dht_send_simple_query (ShoalDht           *self,
                             const ShoalDhtAddr *addr,
                             ShoalDhtMethod      method,
                             gboolean            bootstrap)
{
  ShoalDhtMessage query;

  shoal_dht_message_init (&query);
  query.method = method;
  memcpy (query.target, self->id, SHOAL_DHT_ID_LEN);
  query.want = shoal_dht_own_want (self);
  shoal_dht_send_query (self, addr, &query, NULL, bootstrap);
  shoal_dht_message_clear (&query);
}

/* Answering */

static void
init_reply (ShoalDht              *self,
            const ShoalDhtMessage *query,
            ShoalDhtMessage       *reply,
            ShoalDhtMessageType    type)
{
  shoal_dht_message_init (reply);
  reply->type = type;
  memcpy (reply->tid, query->tid, query->tid_len);
  reply->tid_len = query->tid_len;
  memcpy (reply->id, self->id, SHOAL_DHT_ID_LEN);
  if (!self->hide_version)
    memcpy (reply->version, VERSION, strlen (VERSION));
}

static gsize
encoded_size (const ShoalDhtMessage *msg)
{
  g_autoptr(GBytes) bytes = shoal_dht_message_encode (msg);

  return g_bytes_get_size (bytes);
}

/* An error is small, but a tiny malformed query must not buy a bigger
 * answer either: beyond @budget bytes the text goes, then the answer. */
static void
send_error (ShoalDht              *self,
            const ShoalDhtAddr    *to,
            const ShoalDhtMessage *query,
            gsize                  budget,
            ShoalDhtKrpcError      code,
            const char            *text)
{
  ShoalDhtMessage reply;

  init_reply (self, query, &reply, SHOAL_DHT_MESSAGE_ERROR_REPLY);
  reply.error_code = code;
  reply.error_message = g_strdup (text);
  if (encoded_size (&reply) > budget)
    {
      g_clear_pointer (&reply.error_message, g_free);
      reply.version[0] = '\0';
    }
  if (encoded_size (&reply) <= budget)
    send_message (self, to, &reply);
  shoal_dht_message_clear (&reply);
}

static void
mark_verified (ShoalDht           *self,
               const ShoalDhtAddr *addr,
               gint64              now)
{
  VerifiedSource *v = g_hash_table_lookup (self->verified, addr);

  if (v == NULL)
    {
      if (g_hash_table_size (self->verified) >= MAX_VERIFIED)
        return;  /* the maintenance forgets old ones */
      v = g_new0 (VerifiedSource, 1);
      v->addr = *addr;
      g_hash_table_add (self->verified, v);
    }
  v->answered = now;
}

static gboolean
is_verified (ShoalDht           *self,
             const ShoalDhtAddr *addr,
             gint64              now)
{
  VerifiedSource *v = g_hash_table_lookup (self->verified, addr);

  return v != NULL && now - v->answered < VERIFIED_USEC;
}

/* How big a reply to a query of @query_len bytes from @from may be. */
static gsize
reply_budget (ShoalDht           *self,
              const ShoalDhtAddr *from,
              gsize               query_len,
              gint64              now)
{
  if (is_verified (self, from, now))
    return MAX_REPLY;
  return MIN (MAX_REPLY, REPLY_FACTOR * query_len);
}

static gboolean
verified_expired_cb (gpointer key,
                     gpointer value,
                     gpointer data)
{
  return *(gint64 *) data - ((VerifiedSource *) key)->answered >= VERIFIED_USEC;
}

/* Adds @values (of @from's family) and the closest nodes of the families
 * the query wants to @reply while the encoded reply stays within @budget
 * bytes. Peers come first, since they are what get_peers is for and other
 * nodes of the lookup give nodes too; then nodes of the querier's family. */
static void
fill_reply (ShoalDht              *self,
            const ShoalDhtAddr    *from,
            const ShoalDhtMessage *query,
            GArray                *values,
            gsize                  budget,
            gint64                 now,
            ShoalDhtMessage       *reply)
{
  ShoalDhtWant want = query->want;
  const guint8 families[2] = { from->family, from->family == 6 ? 4 : 6 };
  gsize used = encoded_size (reply);
  guint n_left_out = 0;

  if (values != NULL && values->len > 0)
    {
      /* A compact peer is a string: "6:" or "18:" and the bytes. */
      gsize each = from->family == 6 ? 3 + 18 : 2 + 6;

      used += VALUES_OVERHEAD;
      for (guint i = 0; i < values->len; i++)
        {
          if (used + each > budget)
            {
              n_left_out += values->len - i;
              break;
            }
          shoal_dht_message_add_value (reply, &g_array_index (values, ShoalDhtAddr, i));
          used += each;
        }
      if (reply->values == NULL)
        used -= VALUES_OVERHEAD;
    }

  if (want == SHOAL_DHT_WANT_NONE)
    want = from->family == 6 ? SHOAL_DHT_WANT_N6 : SHOAL_DHT_WANT_N4;
  for (guint f = 0; f < G_N_ELEMENTS (families); f++)
    {
      guint8 family = families[f];
      gsize each = family == 6 ? SHOAL_DHT_COMPACT_NODE6_LEN : SHOAL_DHT_COMPACT_NODE4_LEN;
      gsize overhead = family == 6 ? NODES6_OVERHEAD : NODES4_OVERHEAD;
      ShoalDhtNodeInfo nodes[SHOAL_DHT_K];
      guint n;
      guint added;

      if (!(want & (family == 4 ? SHOAL_DHT_WANT_N4 : SHOAL_DHT_WANT_N6)))
        continue;
      n = shoal_dht_routing_table_closest (shoal_dht_table_for (self, family), query->target,
                                           SHOAL_DHT_K, FALSE, now, nodes);
      if (n == 0)
        continue;
      used += overhead;
      for (added = 0; added < n; added++)
        {
          if (used + each > budget)
            {
              n_left_out += n - added;
              break;
            }
          shoal_dht_message_add_node (reply, &nodes[added]);
          used += each;
        }
      if (added == 0)
        used -= overhead;
    }
  if (n_left_out > 0)
    g_debug ("DHT: %u peers or nodes left out of a reply to keep it within %" G_GSIZE_FORMAT " bytes",
             n_left_out, budget);
}

static void
maybe_ping_querier (ShoalDht           *self,
                    const ShoalDhtAddr *from)
{
  if (g_hash_table_size (self->recently_pinged) >= MAX_RECENTLY_PINGED ||
      g_hash_table_contains (self->recently_pinged, from))
    return;
  g_hash_table_add (self->recently_pinged, g_memdup2 (from, sizeof *from));
  shoal_dht_send_simple_query (self, from, SHOAL_DHT_METHOD_PING, FALSE);
}

static void
handle_query (ShoalDht              *self,
              const ShoalDhtAddr    *from,
              const ShoalDhtMessage *query,
              gsize                  query_len,
              gint64                 now)
{
  ShoalDhtRoutingTable *table = shoal_dht_table_for (self, from->family);
  ShoalDhtMessage reply;
  gsize budget = reply_budget (self, from, query_len, now);

  if (!query->read_only)
    {
      ShoalDhtNodeInfo info = { .addr = *from };
      ShoalDhtNodeInfo unused;

      memcpy (info.id, query->id, SHOAL_DHT_ID_LEN);
      if (shoal_dht_routing_table_heard (table, &info, FALSE, now, &unused) == SHOAL_DHT_ROUTING_REJECTED &&
          shoal_dht_routing_table_lookup (table, from) == NULL)
        maybe_ping_querier (self, from);
    }

  init_reply (self, query, &reply, SHOAL_DHT_MESSAGE_RESPONSE);
  switch (query->method)
    {
    case SHOAL_DHT_METHOD_PING:
      break;
    case SHOAL_DHT_METHOD_FIND_NODE:
      fill_reply (self, from, query, NULL, budget, now, &reply);
      break;
    case SHOAL_DHT_METHOD_GET_PEERS:
      {
        g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (ShoalDhtAddr));

        shoal_dht_tokens_make (&self->tokens, from, reply.token);
        reply.token_len = SHOAL_DHT_TOKEN_LEN;
        shoal_dht_peer_store_get (self->store, query->target, from->family,
                                  from->family == 6 ? MAX_VALUES_V6 : MAX_VALUES_V4, now, values);
        fill_reply (self, from, query, values, budget, now, &reply);
        break;
      }
    case SHOAL_DHT_METHOD_ANNOUNCE_PEER:
      {
        ShoalDhtAddr peer = *from;

        if (!shoal_dht_tokens_check (&self->tokens, from, query->token, query->token_len))
          {
            shoal_dht_message_clear (&reply);
            send_error (self, from, query, budget, SHOAL_DHT_KRPC_PROTOCOL_ERROR, "Bad token");
            return;
          }
        if (!query->implied_port)
          peer.port = query->port;
        if (!shoal_dht_peer_store_announce (self->store, query->target, &peer, now))
          {
            shoal_dht_message_clear (&reply);
            send_error (self, from, query, budget, SHOAL_DHT_KRPC_SERVER_ERROR,
                        "Peer store full, or too many peers from this address");
            return;
          }
        break;
      }
    case SHOAL_DHT_METHOD_UNKNOWN:
      shoal_dht_message_clear (&reply);
      send_error (self, from, query, budget, SHOAL_DHT_KRPC_METHOD_UNKNOWN, "Method Unknown");
      return;
    default:
      g_assert_not_reached ();
    }
  send_message (self, from, &reply);
  shoal_dht_message_clear (&reply);
}

static void
handle_reply (ShoalDht              *self,
              const ShoalDhtAddr    *from,
              const ShoalDhtMessage *msg,
              gint64                 now)
{
  Transaction *txn;
  gpointer key;
  g_autoptr(ShoalDhtLookup) lookup = NULL;
  ShoalDhtMethod method;
  gboolean bootstrap;

  if (msg->tid_len != 2)
    return;
  key = GUINT_TO_POINTER (((guint) msg->tid[0] << 8 | msg->tid[1]) | 0x10000u);
  txn = g_hash_table_lookup (self->transactions, key);
  /* Only the node we asked may answer. */
  if (txn == NULL || !shoal_dht_addr_equal (&txn->addr, from))
    return;
  lookup = g_steal_pointer (&txn->lookup);
  method = txn->method;
  bootstrap = txn->bootstrap;
  g_hash_table_remove (self->transactions, key);
  /* It read our transaction id at its address. */
  mark_verified (self, from, now);

  if (msg->type == SHOAL_DHT_MESSAGE_RESPONSE && !msg->read_only)
    {
      ShoalDhtNodeInfo info = { .addr = *from };
      ShoalDhtNodeInfo to_ping;

      memcpy (info.id, msg->id, SHOAL_DHT_ID_LEN);
      if (shoal_dht_routing_table_heard (shoal_dht_table_for (self, from->family), &info, TRUE,
                                         now, &to_ping) == SHOAL_DHT_ROUTING_REPLACEMENT &&
          to_ping.addr.port != 0)
        shoal_dht_send_simple_query (self, &to_ping.addr, SHOAL_DHT_METHOD_PING, FALSE);
    }
  if (msg->type == SHOAL_DHT_MESSAGE_ERROR_REPLY)
    g_debug ("DHT: a node answered %s with error %" G_GINT64_FORMAT ": %s",
             shoal_dht_method_to_string (method), msg->error_code, msg->error_message);

  if (bootstrap && msg->type == SHOAL_DHT_MESSAGE_RESPONSE && !self->self_lookup_running)
    {
      ShoalDhtLookup *self_lookup;

      self_lookup = shoal_dht_lookup_start (self, SHOAL_DHT_LOOKUP_FIND_NODE, self->id, msg->nodes, NULL);
      g_clear_pointer (&self_lookup, shoal_dht_lookup_unref);
    }
  if (lookup != NULL)
    shoal_dht_lookup_reply (lookup, from, method, msg);
}

static void
handle_datagram (ShoalDht           *self,
                 const ShoalDhtAddr *from,
                 const guint8       *data,
                 gsize               len)
{
  ShoalDhtMessage msg;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_monotonic_time ();

  shoal_dht_message_init (&msg);
  if (!shoal_dht_message_parse (data, len, &msg, &error))
    {
      /* A query we can tell apart deserves a protocol error; anything else
       * is dropped without a word. */
      if (msg.type == SHOAL_DHT_MESSAGE_QUERY && msg.tid_len > 0 &&
          shoal_dht_rate_limiter_allow (self->limiter, from, now))
        send_error (self, from, &msg, reply_budget (self, from, len, now), SHOAL_DHT_KRPC_PROTOCOL_ERROR,
                    error->message);
      shoal_dht_message_clear (&msg);
      return;
    }

  if (msg.type == SHOAL_DHT_MESSAGE_QUERY)
    {
      if (shoal_dht_rate_limiter_allow (self->limiter, from, now))
        handle_query (self, from, &msg, len, now);
      else
        self->n_rate_limited++;
    }
  else
    handle_reply (self, from, &msg, now);
  shoal_dht_message_clear (&msg);
}

static gboolean
socket_ready_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  g_autoptr(ShoalDht) self = g_object_ref (data);
  guint8 buffer[SHOAL_DHT_MAX_DATAGRAM + 1];

  for (guint i = 0; i < MAX_DATAGRAMS_PER_WAKEUP; i++)
    {
      g_autoptr(GSocketAddress) sa = NULL;
      g_autoptr(GError) error = NULL;
      gssize n;
      ShoalDhtAddr from;

      /* The node may have been stopped by a callback of the last one. */
      if (socket != self->sock4 && socket != self->sock6)
        break;
      n = g_socket_receive_from (socket, &sa, (char *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        {
          /* ICMP errors surface here as ECONNREFUSED; read on past them. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          continue;
        }
      /* One byte more than allowed means the datagram was cut short. */
      if ((gsize) n > SHOAL_DHT_MAX_DATAGRAM || !shoal_dht_addr_from_socket_address (sa, &from) ||
          !shoal_dht_addr_is_usable (&from))
        continue;
      handle_datagram (self, &from, buffer, (gsize) n);
    }
  return G_SOURCE_CONTINUE;
}

/* Maintenance */

static guint
count_background_lookups (ShoalDht *self)
{
  guint n = 0;

  for (guint i = 0; i < self->lookups->len; i++)
    if (shoal_dht_lookup_is_background (self->lookups->pdata[i]))
      n++;
  return n;
}

static void
send_bootstrap_queries (ShoalDht *self)
{
  self->last_bootstrap = g_get_monotonic_time ();
  for (guint i = 0; i < self->bootstrap->len; i++)
    shoal_dht_send_simple_query (self, &g_array_index (self->bootstrap, ShoalDhtAddr, i),
                       SHOAL_DHT_METHOD_FIND_NODE, TRUE);
}

static gboolean
maintenance_cb (gpointer data)
{
  g_autoptr(ShoalDht) self = g_object_ref (data);
  gint64 now = g_get_monotonic_time ();

  shoal_dht_tokens_maybe_rotate (&self->tokens, now);
  shoal_dht_peer_store_expire (self->store, now);
  g_hash_table_remove_all (self->recently_pinged);
  g_hash_table_foreach_remove (self->verified, verified_expired_cb, &now);

  for (guint8 family = 4; family <= 6; family += 2)
    {
      ShoalDhtRoutingTable *table = shoal_dht_table_for (self, family);
      ShoalDhtNodeInfo ping[4];
      guint8 target[SHOAL_DHT_ID_LEN];
      guint n;

      if (!shoal_dht_has_family (self, family))
        continue;
      /* Check on questionable nodes before a lookup needs them. */
      n = shoal_dht_routing_table_questionable (table, now, G_N_ELEMENTS (ping), ping);
      for (guint i = 0; i < n; i++)
        shoal_dht_send_simple_query (self, &ping[i].addr, SHOAL_DHT_METHOD_PING, FALSE);

      if (shoal_dht_routing_table_get_n_nodes (table) > 0 &&
          count_background_lookups (self) < MAX_BACKGROUND_LOOKUPS &&
          shoal_dht_routing_table_next_refresh (table, now, target))
        {
          ShoalDhtLookup *lookup = shoal_dht_lookup_start (self, SHOAL_DHT_LOOKUP_FIND_NODE, target, NULL, NULL);

          g_clear_pointer (&lookup, shoal_dht_lookup_unref);
        }
    }

  if (shoal_dht_routing_table_get_n_nodes (self->table4) +
      shoal_dht_routing_table_get_n_nodes (self->table6) < SHOAL_DHT_K &&
      now - self->last_bootstrap >= REBOOTSTRAP_USEC)
    send_bootstrap_queries (self);
  return G_SOURCE_CONTINUE;
}

/* Starting and stopping */

static GSource *
watch_socket (ShoalDht *self,
              GSocket  *sock)
{
  GSource *source = g_socket_create_source (sock, G_IO_IN, NULL);

  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) socket_ready_cb, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static guint16
local_port (GSocket *sock)
{
  g_autoptr(GSocketAddress) sa = g_socket_get_local_address (sock, NULL);

  return sa != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)) : 0;
}

/**
 * shoal_dht_start:
 * @self: a stopped DHT
 * @bind_address: (nullable): an IPv4 or IPv6 address to listen on, or
 *   %NULL for every address of both families (IPv6 only if available)
 * @port: the UDP port, or 0 for any free one (see shoal_dht_get_port())
 * @error: return location for a #SHOAL_DHT_ERROR
 *
 * Opens the sockets and starts answering queries. The node knows nobody
 * yet: add bootstrap nodes or saved nodes next.
 *
 * Returns: %TRUE if the node listens
 */
gboolean
shoal_dht_start (ShoalDht    *self,
                 const char  *bind_address,
                 guint16      port,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (SHOAL_IS_DHT (self), FALSE);
  g_return_val_if_fail (!shoal_dht_is_started (self), FALSE);

  if (bind_address != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (bind_address);
      GSocket *sock;

      if (address == NULL)
        {
          g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BAD_ADDRESS,
                       "“%s” is not an IP address", bind_address);
          return FALSE;
        }
      sock = shoal_net_udp_socket_new (address, port, &local_error);
      if (sock == NULL)
        {
          g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BIND,
                       "Could not listen on %s port %u: %s", bind_address, port, local_error->message);
          return FALSE;
        }
      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        self->sock6 = sock;
      else
        self->sock4 = sock;
      self->port = local_port (sock);
    }
  else
    {
      g_autoptr(GInetAddress) any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);

      self->sock4 = shoal_net_udp_socket_new (any4, port, &local_error);
      if (self->sock4 == NULL)
        {
          g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BIND,
                       "Could not listen on UDP port %u: %s", port, local_error->message);
          return FALSE;
        }
      self->port = local_port (self->sock4);
      /* IPv6 on the same port when the host has it; IPv4 alone is fine. */
      self->sock6 = shoal_net_udp_socket_new (any6, self->port, NULL);
    }

  if ((self->sock4 != NULL && !shoal_net_bind_socket (self->bind, self->sock4, &local_error)) ||
      (self->sock6 != NULL && !shoal_net_bind_socket (self->bind, self->sock6, &local_error)))
    {
      g_set_error (error, SHOAL_DHT_ERROR, SHOAL_DHT_ERROR_BIND, "%s", local_error->message);
      g_clear_object (&self->sock4);
      g_clear_object (&self->sock6);
      return FALSE;
    }
  if (self->sock4 != NULL)
    self->source4 = watch_socket (self, self->sock4);
  if (self->sock6 != NULL)
    self->source6 = watch_socket (self, self->sock6);
  self->cancellable = g_cancellable_new ();
  self->maintenance = g_timeout_source_new_seconds (MAINTENANCE_INTERVAL_S);
  g_source_set_callback (self->maintenance, maintenance_cb, self, NULL);
  g_source_attach (self->maintenance, self->context);
  return TRUE;
}

/**
 * shoal_dht_start_relayed:
 * @self: a stopped DHT
 * @relay: (type ShoalSocksUdp): a UDP association with a SOCKS5 proxy
 *
 * Like shoal_dht_start_shared() on the association's socket (its owner
 * reads it, unwraps what it gets and hands it to
 * shoal_dht_handle_datagram()), sending every message through the
 * proxy's relay: nothing goes to a node directly. IPv4 nodes only.
 */
void
shoal_dht_start_relayed (ShoalDht *self,
                         gpointer  relay)
{
  g_return_if_fail (SHOAL_IS_SOCKS_UDP (relay));

  shoal_dht_start_shared (self, shoal_socks_udp_get_socket (relay), NULL);
  g_set_object (&self->relay, relay);
}

/**
 * shoal_dht_start_shared:
 * @self: a stopped DHT
 * @sock4: (nullable): a bound IPv4 UDP socket
 * @sock6: (nullable): a bound IPv6 UDP socket, on the same port
 *
 * Like shoal_dht_start(), on sockets its owner keeps and reads: the owner
 * hands the DHT its datagrams with shoal_dht_handle_datagram() (the UDP
 * port is shared with uTP), and shoal_dht_stop() leaves them open.
 */
void
shoal_dht_start_shared (ShoalDht *self,
                        GSocket  *sock4,
                        GSocket  *sock6)
{
  g_return_if_fail (SHOAL_IS_DHT (self));
  g_return_if_fail (!shoal_dht_is_started (self));
  g_return_if_fail (sock4 != NULL || sock6 != NULL);

  self->shared_sockets = TRUE;
  g_set_object (&self->sock4, sock4);
  g_set_object (&self->sock6, sock6);
  self->port = local_port (sock4 != NULL ? sock4 : sock6);
  self->cancellable = g_cancellable_new ();
  self->maintenance = g_timeout_source_new_seconds (MAINTENANCE_INTERVAL_S);
  g_source_set_callback (self->maintenance, maintenance_cb, self, NULL);
  g_source_attach (self->maintenance, self->context);
}

/**
 * shoal_dht_handle_datagram:
 * @self: a DHT started with shoal_dht_start_shared()
 * @from: the sender
 * @data: the datagram
 * @len: its length
 */
void
shoal_dht_handle_datagram (ShoalDht           *self,
                           GInetSocketAddress *from,
                           const guint8       *data,
                           gsize               len)
{
  ShoalDhtAddr addr;

  if (!shoal_dht_is_started (self) || len > SHOAL_DHT_MAX_DATAGRAM ||
      !shoal_dht_addr_from_socket_address (G_SOCKET_ADDRESS (from), &addr) || !shoal_dht_addr_is_usable (&addr))
    return;
  /* A callback may drop the owner's reference. */
  g_object_ref (self);
  handle_datagram (self, &addr, data, len);
  g_object_unref (self);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/**
 * shoal_dht_stop:
 * @self: a DHT
 *
 * Closes the sockets. Lookups in progress finish with
 * %G_IO_ERROR_CANCELLED; the routing table is kept, so
 * shoal_dht_dup_nodes() still works and the node can start again.
 */
void
shoal_dht_stop (ShoalDht *self)
{
  g_autoptr(GPtrArray) lookups = NULL;

  g_return_if_fail (SHOAL_IS_DHT (self));

  clear_source (&self->source4);
  clear_source (&self->source6);
  clear_source (&self->maintenance);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->sock4 != NULL && !self->shared_sockets)
    g_socket_close (self->sock4, NULL);
  if (self->sock6 != NULL && !self->shared_sockets)
    g_socket_close (self->sock6, NULL);
  self->shared_sockets = FALSE;
  g_clear_object (&self->relay);
  g_clear_object (&self->sock4);
  g_clear_object (&self->sock6);
  self->port = 0;

  if (self->lookups != NULL)
    {
      lookups = g_ptr_array_copy (self->lookups, (GCopyFunc) (void (*) (void)) shoal_dht_lookup_ref, NULL);
      g_ptr_array_set_free_func (lookups, (GDestroyNotify) shoal_dht_lookup_unref);
      for (guint i = 0; i < lookups->len; i++)
        shoal_dht_lookup_abort (lookups->pdata[i]);
    }
  if (self->transactions != NULL)
    g_hash_table_remove_all (self->transactions);
}
