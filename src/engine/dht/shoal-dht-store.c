/* shoal-dht-store.c: announce tokens, announced peers, query rate limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All three are bounded however many addresses talk to us: the peer store
 * by torrents and peers per torrent, the rate limiter by the number of
 * source addresses it tracks. Time is passed in so tests can move it.
 */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "shoal-dht-store.h"

/* Tokens */

static void
random_secret (guint8 out[20])
{
  if (gnutls_rnd (GNUTLS_RND_KEY, out, 20) < 0)
    for (guint i = 0; i < 20; i++)
      out[i] = (guint8) g_random_int_range (0, 256);
}

void
shoal_dht_tokens_init (ShoalDhtTokens *self,
                       gint64          now)
{
  random_secret (self->secret);
  random_secret (self->previous);
  self->rotated_at = now;
}

/**
 * shoal_dht_tokens_rotate:
 * @self: tokens
 * @now: monotonic time, µs
 *
 * Starts a new secret; tokens made with the one before stay valid until the
 * next rotation, so a peer has at least one full period to announce.
 */
void
shoal_dht_tokens_rotate (ShoalDhtTokens *self,
                         gint64          now)
{
  memcpy (self->previous, self->secret, sizeof self->secret);
  random_secret (self->secret);
  self->rotated_at = now;
}

gboolean
shoal_dht_tokens_maybe_rotate (ShoalDhtTokens *self,
                               gint64          now)
{
  if (now - self->rotated_at < SHOAL_DHT_TOKEN_ROTATE_USEC)
    return FALSE;
  shoal_dht_tokens_rotate (self, now);
  return TRUE;
}

static void
token_for (const guint8        secret[20],
           const ShoalDhtAddr *addr,
           guint8              out[SHOAL_DHT_TOKEN_LEN])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, secret, 20);
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  /* The IP only: a peer may query from one port and announce another. */
  g_hmac_update (hmac, &addr->family, 1);
  g_hmac_update (hmac, addr->ip, shoal_dht_addr_ip_len (addr));
  g_hmac_get_digest (hmac, digest, &digest_len);
  memcpy (out, digest, SHOAL_DHT_TOKEN_LEN);
}

void
shoal_dht_tokens_make (const ShoalDhtTokens *self,
                       const ShoalDhtAddr   *addr,
                       guint8                out[SHOAL_DHT_TOKEN_LEN])
{
  token_for (self->secret, addr, out);
}

static gboolean
equal_constant_time (const guint8 *a,
                     const guint8 *b,
                     gsize         len)
{
  guint8 diff = 0;

  for (gsize i = 0; i < len; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}

/**
 * shoal_dht_tokens_check:
 * @self: tokens
 * @addr: the address an announce came from
 * @token: the token it carries
 * @token_len: its length
 *
 * Returns: %TRUE if we gave @token to @addr's IP under the current or the
 *   previous secret
 */
gboolean
shoal_dht_tokens_check (const ShoalDhtTokens *self,
                        const ShoalDhtAddr   *addr,
                        const guint8         *token,
                        gsize                 token_len)
{
  guint8 current[SHOAL_DHT_TOKEN_LEN];
  guint8 previous[SHOAL_DHT_TOKEN_LEN];
  gboolean ok;

  if (token_len != SHOAL_DHT_TOKEN_LEN)
    return FALSE;
  token_for (self->secret, addr, current);
  token_for (self->previous, addr, previous);
  ok = equal_constant_time (token, current, SHOAL_DHT_TOKEN_LEN);
  ok |= equal_constant_time (token, previous, SHOAL_DHT_TOKEN_LEN);
  return ok;
}

/* Announced peers */

typedef struct
{
  ShoalDhtAddr addr;
  gint64       expires;
} StoredPeer;

/* One host may announce a few ports per torrent (several clients behind
 * one NAT) and a bounded number of entries in all, so that it cannot fill
 * a torrent's list or the store with made-up peers. Loopback is exempt:
 * only this host can use it. */
struct _ShoalDhtPeerStore
{
  GHashTable *torrents;  /* info-hash (20 bytes, owned) → GArray of StoredPeer */
  GHashTable *per_ip;    /* ShoalDhtAddr with port 0 (owned) → entries held */
  guint       max_torrents;
  guint       max_peers;
};

static ShoalDhtAddr
ip_key (const ShoalDhtAddr *addr)
{
  ShoalDhtAddr key = { .family = addr->family };

  memcpy (key.ip, addr->ip, shoal_dht_addr_ip_len (addr));
  return key;
}

static guint
ip_count (ShoalDhtPeerStore  *self,
          const ShoalDhtAddr *addr)
{
  ShoalDhtAddr key = ip_key (addr);

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->per_ip, &key));
}

static void
ip_count_add (ShoalDhtPeerStore  *self,
              const ShoalDhtAddr *addr,
              gint                delta)
{
  ShoalDhtAddr key = ip_key (addr);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_ip, &key));

  g_assert (delta > 0 || n >= (guint) -delta);
  n = (guint) ((gint) n + delta);
  if (n == 0)
    g_hash_table_remove (self->per_ip, &key);
  else
    g_hash_table_insert (self->per_ip, g_memdup2 (&key, sizeof key), GUINT_TO_POINTER (n));
}

static guint
info_hash_hash (gconstpointer key)
{
  guint h;

  /* Info-hashes are SHA-1 outputs: any four bytes are well spread. */
  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
info_hash_equal (gconstpointer a,
                 gconstpointer b)
{
  return memcmp (a, b, SHOAL_DHT_ID_LEN) == 0;
}

ShoalDhtPeerStore *
shoal_dht_peer_store_new (guint max_torrents,
                          guint max_peers)
{
  ShoalDhtPeerStore *self = g_new0 (ShoalDhtPeerStore, 1);

  self->torrents = g_hash_table_new_full (info_hash_hash, info_hash_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  self->per_ip = g_hash_table_new_full (shoal_dht_addr_hash_func, shoal_dht_addr_equal_func, g_free, NULL);
  self->max_torrents = MAX (max_torrents, 1);
  self->max_peers = MAX (max_peers, 1);
  return self;
}

void
shoal_dht_peer_store_free (ShoalDhtPeerStore *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->torrents);
  g_hash_table_unref (self->per_ip);
  g_free (self);
}

static void
expire_peers (ShoalDhtPeerStore *self,
              GArray            *peers,
              gint64             now)
{
  for (guint i = peers->len; i > 0; i--)
    if (g_array_index (peers, StoredPeer, i - 1).expires <= now)
      {
        ip_count_add (self, &g_array_index (peers, StoredPeer, i - 1).addr, -1);
        g_array_remove_index_fast (peers, i - 1);
      }
}

void
shoal_dht_peer_store_expire (ShoalDhtPeerStore *self,
                             gint64             now)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->torrents);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      expire_peers (self, value, now);
      if (((GArray *) value)->len == 0)
        g_hash_table_iter_remove (&iter);
    }
}

/**
 * shoal_dht_peer_store_announce:
 * @self: a peer store
 * @info_hash: the torrent
 * @peer: the peer's address (IP and BitTorrent port)
 * @now: monotonic time, µs
 *
 * Stores or refreshes @peer for %SHOAL_DHT_PEER_TTL_USEC. A full torrent
 * drops the peer closest to expiry; when the store holds as many torrents
 * as it may, announces for new ones are refused. An IP that already has
 * %SHOAL_DHT_MAX_PORTS_PER_IP ports in the torrent replaces its oldest one;
 * one that holds %SHOAL_DHT_MAX_ANNOUNCES_PER_IP entries in all is refused
 * (both unless it is a loopback address).
 *
 * Returns: %TRUE if the peer is stored
 */
gboolean
shoal_dht_peer_store_announce (ShoalDhtPeerStore  *self,
                               const guint8        info_hash[SHOAL_DHT_ID_LEN],
                               const ShoalDhtAddr *peer,
                               gint64              now)
{
  GArray *peers = g_hash_table_lookup (self->torrents, info_hash);
  StoredPeer stored = { .addr = *peer, .expires = now + SHOAL_DHT_PEER_TTL_USEC };
  gboolean limited = !shoal_dht_addr_is_loopback (peer);
  guint oldest = 0;
  guint same_ip = 0;
  gint oldest_same_ip = -1;

  if (!shoal_dht_addr_is_usable (peer))
    return FALSE;

  for (guint i = 0; peers != NULL && i < peers->len; i++)
    {
      StoredPeer *p = &g_array_index (peers, StoredPeer, i);

      if (shoal_dht_addr_equal (&p->addr, peer))
        {
          p->expires = stored.expires;
          return TRUE;
        }
      if (shoal_dht_addr_ip_equal (&p->addr, peer))
        {
          same_ip++;
          if (oldest_same_ip < 0 || p->expires < g_array_index (peers, StoredPeer, oldest_same_ip).expires)
            oldest_same_ip = (gint) i;
        }
    }
  if (limited && same_ip >= SHOAL_DHT_MAX_PORTS_PER_IP)
    {
      /* A new port of a host we know: its latest ports are what count. */
      g_array_index (peers, StoredPeer, oldest_same_ip) = stored;
      return TRUE;
    }
  if (limited && ip_count (self, peer) >= SHOAL_DHT_MAX_ANNOUNCES_PER_IP)
    {
      g_debug ("DHT: refused an announce from an IP that has %u in the store already",
               SHOAL_DHT_MAX_ANNOUNCES_PER_IP);
      return FALSE;
    }

  if (peers == NULL)
    {
      if (g_hash_table_size (self->torrents) >= self->max_torrents)
        shoal_dht_peer_store_expire (self, now);
      if (g_hash_table_size (self->torrents) >= self->max_torrents)
        return FALSE;
      peers = g_array_new (FALSE, FALSE, sizeof (StoredPeer));
      g_hash_table_insert (self->torrents, g_memdup2 (info_hash, SHOAL_DHT_ID_LEN), peers);
    }

  for (guint i = 0; i < peers->len; i++)
    if (g_array_index (peers, StoredPeer, i).expires < g_array_index (peers, StoredPeer, oldest).expires)
      oldest = i;
  if (peers->len >= self->max_peers)
    {
      ip_count_add (self, &g_array_index (peers, StoredPeer, oldest).addr, -1);
      g_array_index (peers, StoredPeer, oldest) = stored;
    }
  else
    g_array_append_val (peers, stored);
  ip_count_add (self, peer, 1);
  return TRUE;
}

/**
 * shoal_dht_peer_store_get:
 * @self: a peer store
 * @info_hash: the torrent
 * @family: 4 or 6: BEP 32 answers with peers of the query's family
 * @max: how many peers to return at most
 * @now: monotonic time, µs
 * @out: a #GArray of #ShoalDhtAddr to append to
 *
 * When there are more than @max peers, a random window of them is returned
 * so that every peer gets handed out.
 *
 * Returns: how many peers were appended
 */
guint
shoal_dht_peer_store_get (ShoalDhtPeerStore  *self,
                          const guint8        info_hash[SHOAL_DHT_ID_LEN],
                          guint8              family,
                          guint               max,
                          gint64              now,
                          GArray             *out)
{
  GArray *peers = g_hash_table_lookup (self->torrents, info_hash);
  guint start;
  guint n = 0;

  if (peers == NULL)
    return 0;
  expire_peers (self, peers, now);
  if (peers->len == 0)
    return 0;
  start = peers->len > max ? (guint) g_random_int_range (0, (gint32) peers->len) : 0;
  for (guint i = 0; i < peers->len && n < max; i++)
    {
      const StoredPeer *p = &g_array_index (peers, StoredPeer, (start + i) % peers->len);

      if (p->addr.family != family)
        continue;
      g_array_append_val (out, p->addr);
      n++;
    }
  return n;
}

guint
shoal_dht_peer_store_get_n_torrents (ShoalDhtPeerStore *self)
{
  return g_hash_table_size (self->torrents);
}

guint
shoal_dht_peer_store_get_n_peers (ShoalDhtPeerStore *self,
                                  const guint8       info_hash[SHOAL_DHT_ID_LEN])
{
  GArray *peers = g_hash_table_lookup (self->torrents, info_hash);

  return peers != NULL ? peers->len : 0;
}

/* Rate limiter */

typedef struct
{
  ShoalDhtAddr ip;  /* port 0 */
  double       tokens;
  gint64       last;
} RateBucket;

struct _ShoalDhtRateLimiter
{
  GHashTable *sources; /* RateBucket* → itself */
  double      rate;
  double      burst;
};

static guint
rate_bucket_hash (gconstpointer key)
{
  return shoal_dht_addr_hash (&((const RateBucket *) key)->ip);
}

static gboolean
rate_bucket_equal (gconstpointer a,
                   gconstpointer b)
{
  return shoal_dht_addr_equal (&((const RateBucket *) a)->ip, &((const RateBucket *) b)->ip);
}

ShoalDhtRateLimiter *
shoal_dht_rate_limiter_new (double rate,
                            double burst)
{
  ShoalDhtRateLimiter *self = g_new0 (ShoalDhtRateLimiter, 1);

  self->sources = g_hash_table_new_full (rate_bucket_hash, rate_bucket_equal, g_free, NULL);
  shoal_dht_rate_limiter_set (self, rate, burst);
  return self;
}

void
shoal_dht_rate_limiter_free (ShoalDhtRateLimiter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->sources);
  g_free (self);
}

void
shoal_dht_rate_limiter_set (ShoalDhtRateLimiter *self,
                            double               rate,
                            double               burst)
{
  self->rate = MAX (rate, 0.001);
  self->burst = MAX (burst, 1.0);
}

static gboolean
refilled (gpointer key,
          gpointer value,
          gpointer data)
{
  ShoalDhtRateLimiter *self = ((gpointer *) data)[0];
  gint64 now = *(gint64 *) ((gpointer *) data)[1];
  RateBucket *b = value;

  return b->tokens + (now - b->last) / (double) G_USEC_PER_SEC * self->rate >= self->burst;
}

/**
 * shoal_dht_rate_limiter_allow:
 * @self: a rate limiter
 * @source: where a query came from (the port is ignored)
 * @now: monotonic time, µs
 *
 * Takes a token from @source's bucket. When the limiter already tracks
 * %SHOAL_DHT_MAX_RATE_SOURCES addresses and none of them has a full bucket
 * again, queries from new addresses are refused: under a flood from many
 * spoofed addresses the node goes quiet rather than amplify it.
 *
 * Returns: %TRUE if the query may be answered
 */
gboolean
shoal_dht_rate_limiter_allow (ShoalDhtRateLimiter *self,
                              const ShoalDhtAddr  *source,
                              gint64               now)
{
  RateBucket key = { .ip = *source };
  RateBucket *b;

  key.ip.port = 0;
  b = g_hash_table_lookup (self->sources, &key);
  if (b == NULL)
    {
      if (g_hash_table_size (self->sources) >= SHOAL_DHT_MAX_RATE_SOURCES)
        {
          gpointer data[2] = { self, &now };

          g_hash_table_foreach_remove (self->sources, refilled, data);
          if (g_hash_table_size (self->sources) >= SHOAL_DHT_MAX_RATE_SOURCES)
            return FALSE;
        }
      b = g_memdup2 (&key, sizeof key);
      b->tokens = self->burst;
      b->last = now;
      g_hash_table_add (self->sources, b);
    }
  else if (now > b->last)
    {
      b->tokens = MIN (self->burst, b->tokens + (now - b->last) / (double) G_USEC_PER_SEC * self->rate);
      b->last = now;
    }
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}
