/* shoal-peer-candidates.c: the peer addresses a torrent may dial
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-peer-candidates.h"

/* What a source may hold of the table, in percent: no single source, and
 * above all no peer-controlled one (PEX, DHT), can fill it. */
static const guint source_share[SHOAL_PEER_N_SOURCES] = {
  [SHOAL_PEER_SOURCE_MANUAL] = 100,
  [SHOAL_PEER_SOURCE_TRACKER] = 50,
  [SHOAL_PEER_SOURCE_LSD] = 10,
  [SHOAL_PEER_SOURCE_INCOMING] = 25,
  [SHOAL_PEER_SOURCE_DHT] = 40,
  [SHOAL_PEER_SOURCE_PEX] = 40,
};

/* What one PEX sender may hold: two full messages' worth (BEP 11 allows 50
 * added peers a message). Other named origins (a tracker) get a quarter. */
#define MAX_PER_PEX_ORIGIN 100u

/* Dials each source may cause: a steady rate and a burst, so that one
 * ut_pex message or DHT answer cannot turn into a volley of connects. 0 is
 * no limit. */
static const struct
{
  double rate;  /* per second */
  double burst;
} source_budget[SHOAL_PEER_N_SOURCES] = {
  [SHOAL_PEER_SOURCE_MANUAL] = { 0, 0 },
  [SHOAL_PEER_SOURCE_TRACKER] = { 8, 50 },
  [SHOAL_PEER_SOURCE_LSD] = { 4, 16 },
  [SHOAL_PEER_SOURCE_INCOMING] = { 4, 16 },
  [SHOAL_PEER_SOURCE_DHT] = { 4, 16 },
  [SHOAL_PEER_SOURCE_PEX] = { 2, 8 },
};

typedef struct
{
  double tokens;
  gint64 last_us;
  gboolean started;
} Budget;

struct _ShoalPeerCandidates
{
  GHashTable *table;    /* key -> ShoalPeerCandidate, owned */
  GHashTable *origins;  /* origin -> count, as GUINT_TO_POINTER */
  guint       max_size;
  guint       count[SHOAL_PEER_N_SOURCES];
  guint64     next_seq;
  Budget      budget[SHOAL_PEER_N_SOURCES];
};

ShoalPeerSource
shoal_peer_source_from_flags (ShoalPeerFlags flags)
{
  /* The most trusted source present wins. */
  if ((flags & (SHOAL_PEER_FLAG_FROM_TRACKER | SHOAL_PEER_FLAG_FROM_DHT | SHOAL_PEER_FLAG_FROM_PEX |
                SHOAL_PEER_FLAG_FROM_LSD | SHOAL_PEER_FLAG_INCOMING)) == 0)
    return SHOAL_PEER_SOURCE_MANUAL;
  if (flags & SHOAL_PEER_FLAG_FROM_TRACKER)
    return SHOAL_PEER_SOURCE_TRACKER;
  if (flags & SHOAL_PEER_FLAG_FROM_LSD)
    return SHOAL_PEER_SOURCE_LSD;
  if (flags & SHOAL_PEER_FLAG_INCOMING)
    return SHOAL_PEER_SOURCE_INCOMING;
  if (flags & SHOAL_PEER_FLAG_FROM_DHT)
    return SHOAL_PEER_SOURCE_DHT;
  return SHOAL_PEER_SOURCE_PEX;
}

const char *
shoal_peer_source_to_string (ShoalPeerSource source)
{
  static const char *const names[SHOAL_PEER_N_SOURCES] = {
    "manual", "tracker", "LSD", "incoming", "DHT", "PEX",
  };

  g_return_val_if_fail (source < SHOAL_PEER_N_SOURCES, "?");
  return names[source];
}

/* The address filter */

typedef enum
{
  ADDRESS_PUBLIC,
  ADDRESS_PRIVATE,
  ADDRESS_LOOPBACK,
  ADDRESS_BOGUS,    /* unspecified, multicast, broadcast, reserved */
} AddressClass;

/* Classifies @address (already unmapped). @block says which private range
 * it is in, so that two addresses can be compared. */
static AddressClass
classify (GInetAddress *address,
          guint        *block)
{
  const guint8 *b = g_inet_address_to_bytes (address);

  *block = 0;
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      if (b[0] == 127)
        return ADDRESS_LOOPBACK;
      /* 0.0.0.0/8 "this network", 224/4 multicast, 240/4 reserved and the
       * broadcast address. */
      if (b[0] == 0 || b[0] >= 224)
        return ADDRESS_BOGUS;
      if (b[0] == 10)
        *block = 1;
      else if (b[0] == 172 && (b[1] & 0xf0) == 16)
        *block = 2;
      else if (b[0] == 192 && b[1] == 168)
        *block = 3;
      else if (b[0] == 100 && (b[1] & 0xc0) == 64)
        *block = 4;  /* carrier-grade NAT */
      else if (b[0] == 169 && b[1] == 254)
        *block = 5;  /* link-local */
      return *block != 0 ? ADDRESS_PRIVATE : ADDRESS_PUBLIC;
    }
  if (g_inet_address_get_is_loopback (address))
    return ADDRESS_LOOPBACK;
  if (g_inet_address_get_is_any (address) || b[0] == 0xff)
    return ADDRESS_BOGUS;
  if ((b[0] & 0xfe) == 0xfc)
    *block = 6;  /* unique local */
  else if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    *block = 7;  /* link-local */
  return *block != 0 ? ADDRESS_PRIVATE : ADDRESS_PUBLIC;
}

/**
 * shoal_peer_address_is_acceptable:
 * @address: a peer address some source gave us
 * @source: that source
 * @sender: (nullable): the address of whoever told us (the PEX peer, the
 *   tracker, the LSD announcer, our own DHT socket's address), when known
 * @local_networks: (element-type GInetAddressMask) (nullable): the networks
 *   we are on
 * @reason: (out) (optional): why it was refused
 *
 * Decides whether @address may be dialled. Never: port 0, unspecified,
 * multicast, broadcast and reserved addresses. From PEX and the DHT, which
 * anyone can fill, not privileged ports (below 1024) either: they make us
 * knock on other services. Loopback addresses only when the sender itself
 * is on loopback (it is then on our host: the tests' own swarms), and
 * private ones only when we are on that network, or the sender is on the
 * same private range. A user's own choice (a manual peer) passes
 * everything else.
 *
 * Returns: %TRUE if the address may become a candidate
 */
gboolean
shoal_peer_address_is_acceptable (GInetSocketAddress  *address,
                                  ShoalPeerSource      source,
                                  GInetAddress        *sender,
                                  GPtrArray           *local_networks,
                                  const char         **reason)
{
  g_autoptr(GInetAddress) ip = NULL;
  g_autoptr(GInetAddress) from = NULL;
  guint16 port;
  guint block, sender_block = 0;
  AddressClass class, sender_class = ADDRESS_PUBLIC;
  const char *dummy;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), FALSE);

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  port = g_inet_socket_address_get_port (address);
  ip = shoal_inet_address_unmap (g_inet_socket_address_get_address (address));
  class = classify (ip, &block);
  if (sender != NULL)
    {
      from = shoal_inet_address_unmap (sender);
      sender_class = classify (from, &sender_block);
    }

  if (port == 0)
    {
      *reason = "port 0";
      return FALSE;
    }
  if (class == ADDRESS_BOGUS)
    {
      *reason = "unspecified, multicast, broadcast or reserved address";
      return FALSE;
    }
  if ((source == SHOAL_PEER_SOURCE_PEX || source == SHOAL_PEER_SOURCE_DHT) && port < 1024)
    {
      *reason = "privileged port";
      return FALSE;
    }
  if (source == SHOAL_PEER_SOURCE_MANUAL || source == SHOAL_PEER_SOURCE_INCOMING)
    return TRUE;
  if (class == ADDRESS_LOOPBACK)
    {
      if (sender_class == ADDRESS_LOOPBACK && from != NULL)
        return TRUE;
      *reason = "loopback address from a source that is not on this host";
      return FALSE;
    }
  if (class == ADDRESS_PRIVATE)
    {
      if (shoal_peer_address_is_on_network (ip, local_networks))
        return TRUE;
      if (from != NULL && sender_class == ADDRESS_PRIVATE && sender_block == block)
        return TRUE;
      *reason = "private address of a network we are not on";
      return FALSE;
    }
  return TRUE;
}

/* The candidate table */

static void
candidate_free (gpointer data)
{
  ShoalPeerCandidate *c = data;

  g_clear_object (&c->address);
  g_free (c->key);
  g_free (c->origin);
  g_free (c);
}

/**
 * shoal_peer_candidates_new:
 * @max_size: how many candidates the table may hold
 *
 * Returns: (transfer full): an empty table
 */
ShoalPeerCandidates *
shoal_peer_candidates_new (guint max_size)
{
  ShoalPeerCandidates *self = g_new0 (ShoalPeerCandidates, 1);

  self->table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, candidate_free);
  self->origins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_size = MAX (max_size, 1);
  return self;
}

void
shoal_peer_candidates_free (ShoalPeerCandidates *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->table);
  g_hash_table_unref (self->origins);
  g_free (self);
}

guint
shoal_peer_candidates_get_size (ShoalPeerCandidates *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->table);
}

/**
 * shoal_peer_candidates_count_source:
 *
 * Returns: how many candidates have @source as their most trusted source
 */
guint
shoal_peer_candidates_count_source (ShoalPeerCandidates *self,
                                    ShoalPeerSource      source)
{
  g_return_val_if_fail (self != NULL && source < SHOAL_PEER_N_SOURCES, 0);
  return self->count[source];
}

ShoalPeerCandidate *
shoal_peer_candidates_lookup (ShoalPeerCandidates *self,
                              const char          *key)
{
  g_return_val_if_fail (self != NULL, NULL);
  return key != NULL ? g_hash_table_lookup (self->table, key) : NULL;
}

static guint
origin_load (ShoalPeerCandidates *self,
             const char          *origin)
{
  return origin != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (self->origins, origin)) : 0;
}

static guint
origin_quota (ShoalPeerCandidates *self,
              ShoalPeerSource      source)
{
  if (source == SHOAL_PEER_SOURCE_PEX)
    return MAX_PER_PEX_ORIGIN;
  if (source == SHOAL_PEER_SOURCE_MANUAL)
    return G_MAXUINT;
  return MAX (self->max_size / 4, 1);
}

static guint
source_quota (ShoalPeerCandidates *self,
              ShoalPeerSource      source)
{
  return MAX ((guint) ((guint64) self->max_size * source_share[source] / 100), 1);
}

static void
count (ShoalPeerCandidates *self,
       ShoalPeerCandidate  *c,
       int                  delta)
{
  self->count[c->best] += (guint) delta;
  if (c->origin != NULL)
    {
      guint n = origin_load (self, c->origin) + (guint) delta;

      if (n == 0)
        g_hash_table_remove (self->origins, c->origin);
      else
        g_hash_table_replace (self->origins, g_strdup (c->origin), GUINT_TO_POINTER (n));
    }
}

/* What ranks a candidate, best first: fewer failures; a more trusted
 * source; an origin that gave us fewer addresses (one PEX peer's flood
 * waits behind everybody else's handful); then first come, first served,
 * so that later floods do not jump the queue. */
typedef struct
{
  guint           failures;
  ShoalPeerSource best;
  guint           load;
  guint64         seq;
} Rank;

static Rank
rank_of (ShoalPeerCandidates *self,
         ShoalPeerCandidate  *c)
{
  Rank r = { c->failures, c->best, origin_load (self, c->origin), c->seq };

  return r;
}

static int
rank_compare (const Rank *a,
              const Rank *b)
{
  if (a->failures != b->failures)
    return a->failures < b->failures ? -1 : 1;
  if (a->best != b->best)
    return a->best < b->best ? -1 : 1;
  if (a->load != b->load)
    return a->load < b->load ? -1 : 1;
  if (a->seq != b->seq)
    return a->seq < b->seq ? -1 : 1;
  return 0;
}

/* The worst candidate we may drop (never one in use) among those of
 * @origin, or of @source, or all of them. */
static ShoalPeerCandidate *
find_worst (ShoalPeerCandidates *self,
            const char          *origin,
            int                  source,
            Rank                *worst_rank)
{
  GHashTableIter iter;
  ShoalPeerCandidate *c, *worst = NULL;

  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    {
      Rank r;

      if (c->connected || (origin != NULL && g_strcmp0 (c->origin, origin) != 0) ||
          (source >= 0 && c->best != (ShoalPeerSource) source))
        continue;
      r = rank_of (self, c);
      if (worst == NULL || rank_compare (&r, worst_rank) > 0)
        {
          worst = c;
          *worst_rank = r;
        }
    }
  return worst;
}

static void
remove_candidate (ShoalPeerCandidates *self,
                  ShoalPeerCandidate  *c)
{
  count (self, c, -1);
  g_hash_table_remove (self->table, c->key);
}

static char *
make_key (GInetSocketAddress *address)
{
  GInetAddress *inet = g_inet_socket_address_get_address (address);
  g_autofree char *ip = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (address));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (address));
}

/**
 * shoal_peer_candidates_add:
 * @self: a table
 * @address: an address that passed shoal_peer_address_is_acceptable()
 * @source: where it came from (one of the FROM flags, INCOMING, or none
 *   for the user)
 * @origin: (nullable): who told us: the PEX peer's or tracker's address
 * @now_us: the monotonic time
 *
 * Records @address, or refreshes it when known. A new address that would
 * take its source (or origin) past its quota, or the table past its size,
 * replaces the worst-ranked candidate it outranks, or is dropped.
 *
 * Returns: (transfer none) (nullable): the candidate, or %NULL if dropped
 */
ShoalPeerCandidate *
shoal_peer_candidates_add (ShoalPeerCandidates *self,
                           GInetSocketAddress  *address,
                           ShoalPeerFlags       source,
                           const char          *origin,
                           gint64               now_us)
{
  g_autofree char *key = NULL;
  ShoalPeerCandidate *c, *victim = NULL;
  ShoalPeerSource best = shoal_peer_source_from_flags (source);
  Rank victim_rank = { 0 };

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);

  key = make_key (address);
  c = g_hash_table_lookup (self->table, key);
  if (c != NULL)
    {
      c->source |= source;
      /* Addresses that failed for good are not revived by rumours. */
      if (c->failures < SHOAL_PEER_CANDIDATES_MAX_FAILURES || best == SHOAL_PEER_SOURCE_MANUAL)
        c->last_seen_us = now_us;
      if (best < c->best)
        {
          count (self, c, -1);
          c->best = best;
          g_free (c->origin);
          c->origin = g_strdup (origin);
          count (self, c, +1);
        }
      return c;
    }

  if (origin != NULL && origin_load (self, origin) >= origin_quota (self, best))
    victim = find_worst (self, origin, -1, &victim_rank);
  else if (self->count[best] >= source_quota (self, best))
    victim = find_worst (self, NULL, best, &victim_rank);
  else if (g_hash_table_size (self->table) >= self->max_size)
    victim = find_worst (self, NULL, -1, &victim_rank);
  else
    goto insert;

  {
    Rank mine = { 0, best, origin_load (self, origin), self->next_seq };

    if (victim == NULL || rank_compare (&mine, &victim_rank) >= 0)
      return NULL;
    remove_candidate (self, victim);
  }

insert:
  c = g_new0 (ShoalPeerCandidate, 1);
  c->address = g_object_ref (address);
  c->key = g_steal_pointer (&key);
  c->source = source;
  c->best = best;
  c->origin = g_strdup (origin);
  c->last_seen_us = now_us;
  c->seq = self->next_seq++;
  g_hash_table_insert (self->table, c->key, c);
  count (self, c, +1);
  return c;
}

/**
 * shoal_peer_candidates_failed:
 * @self: a table
 * @candidate: a candidate whose connection failed or was refused
 * @now_us: the monotonic time
 *
 * Counts a failure and backs off: 30 s, 1 min, 2 min… After
 * %SHOAL_PEER_CANDIDATES_MAX_FAILURES it is not dialled again, ranks last,
 * and goes when space is needed or it ages out.
 */
void
shoal_peer_candidates_failed (ShoalPeerCandidates *self,
                              ShoalPeerCandidate  *candidate,
                              gint64               now_us)
{
  g_return_if_fail (self != NULL && candidate != NULL);

  candidate->failures++;
  candidate->retry_after_us = now_us + (gint64) (30 << MIN (candidate->failures, 6)) * G_USEC_PER_SEC / 2;
}

/**
 * shoal_peer_candidates_prune:
 * @self: a table
 * @now_us: the monotonic time
 *
 * Forgets candidates that failed and have not been heard of for
 * %SHOAL_PEER_CANDIDATES_MAX_AGE. The user's own stay.
 *
 * Returns: how many went
 */
guint
shoal_peer_candidates_prune (ShoalPeerCandidates *self,
                             gint64               now_us)
{
  GHashTableIter iter;
  ShoalPeerCandidate *c;
  guint n = 0;

  g_return_val_if_fail (self != NULL, 0);

  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (!c->connected && c->failures > 0 && c->best != SHOAL_PEER_SOURCE_MANUAL &&
        now_us - c->last_seen_us > SHOAL_PEER_CANDIDATES_MAX_AGE)
      {
        count (self, c, -1);
        g_hash_table_iter_remove (&iter);
        n++;
      }
  return n;
}

typedef struct
{
  Rank                rank;
  ShoalPeerCandidate *candidate;
} Ranked;

static int
compare_ranked (gconstpointer a,
                gconstpointer b)
{
  return rank_compare (&((const Ranked *) a)->rank, &((const Ranked *) b)->rank);
}

/**
 * shoal_peer_candidates_rank:
 * @self: a table
 * @now_us: the monotonic time
 * @seeding: whether we only upload: a seed does not retry peers that failed
 *
 * Lists the candidates that may be dialled now, best first: not connected,
 * not backing off, not failed for good.
 *
 * Returns: (transfer container) (element-type ShoalPeerCandidate): the list
 */
GPtrArray *
shoal_peer_candidates_rank (ShoalPeerCandidates *self,
                            gint64               now_us,
                            gboolean             seeding)
{
  g_autoptr(GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  ShoalPeerCandidate *c;

  g_return_val_if_fail (self != NULL, out);

  /* Ranks are computed once, not at every comparison. */
  g_hash_table_iter_init (&iter, self->table);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (!c->connected && c->retry_after_us <= now_us && c->failures < SHOAL_PEER_CANDIDATES_MAX_FAILURES &&
        !(seeding && c->failures > 0))
      {
        Ranked r = { rank_of (self, c), c };

        g_array_append_val (ranked, r);
      }
  g_array_sort (ranked, compare_ranked);
  for (guint i = 0; i < ranked->len; i++)
    g_ptr_array_add (out, g_array_index (ranked, Ranked, i).candidate);
  return out;
}

/**
 * shoal_peer_candidates_take_dial:
 * @self: a table
 * @candidate: a candidate about to be dialled
 * @now_us: the monotonic time
 *
 * Charges a dial to the candidate's source.
 *
 * Returns: %TRUE if its source may cause one more dial now
 */
gboolean
shoal_peer_candidates_take_dial (ShoalPeerCandidates *self,
                                 ShoalPeerCandidate  *candidate,
                                 gint64               now_us)
{
  Budget *b;
  double rate, burst;

  g_return_val_if_fail (self != NULL && candidate != NULL, FALSE);

  rate = source_budget[candidate->best].rate;
  burst = source_budget[candidate->best].burst;
  if (rate <= 0)
    return TRUE;
  b = &self->budget[candidate->best];
  if (!b->started)
    {
      b->tokens = burst;
      b->started = TRUE;
    }
  else if (now_us > b->last_us)
    b->tokens = MIN (burst, b->tokens + rate * (double) (now_us - b->last_us) / G_USEC_PER_SEC);
  b->last_us = MAX (b->last_us, now_us);
  if (b->tokens < 1)
    return FALSE;
  b->tokens -= 1;
  return TRUE;
}
