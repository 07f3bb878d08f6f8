/* shoal-dht-store.h: the DHT node's server-side state: announce tokens,
 * announced peers and per-address query rate limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-dht-message.h"

G_BEGIN_DECLS

#define SHOAL_DHT_TOKEN_LEN            8
#define SHOAL_DHT_TOKEN_ROTATE_USEC    (5 * 60 * G_USEC_PER_SEC)
/* BEP 5 leaves this open; 30 minutes is what deployed nodes use, and
 * clients re-announce well within it. */
#define SHOAL_DHT_PEER_TTL_USEC        (30 * 60 * G_USEC_PER_SEC)
#define SHOAL_DHT_DEFAULT_MAX_TORRENTS 2000
#define SHOAL_DHT_DEFAULT_MAX_PEERS    200
#define SHOAL_DHT_MAX_RATE_SOURCES     4096
/* Ports one IP may have announced for one torrent, and entries it may
 * hold in the whole store. */
#define SHOAL_DHT_MAX_PORTS_PER_IP     4
#define SHOAL_DHT_MAX_ANNOUNCES_PER_IP 64

/* Tokens: HMAC-SHA1 of the requester's IP under a secret that rotates; a
 * token stays valid for one to two rotation periods. */
typedef struct
{
  guint8 secret[20];
  guint8 previous[20];
  gint64 rotated_at;
} ShoalDhtTokens;

void     shoal_dht_tokens_init         (ShoalDhtTokens     *self,
                                        gint64              now);
void     shoal_dht_tokens_rotate       (ShoalDhtTokens     *self,
                                        gint64              now);
gboolean shoal_dht_tokens_maybe_rotate (ShoalDhtTokens     *self,
                                        gint64              now);
void     shoal_dht_tokens_make         (const ShoalDhtTokens *self,
                                        const ShoalDhtAddr   *addr,
                                        guint8                out[SHOAL_DHT_TOKEN_LEN]);
gboolean shoal_dht_tokens_check        (const ShoalDhtTokens *self,
                                        const ShoalDhtAddr   *addr,
                                        const guint8         *token,
                                        gsize                 token_len);

/* Announced peers */
typedef struct _ShoalDhtPeerStore ShoalDhtPeerStore;

ShoalDhtPeerStore *shoal_dht_peer_store_new        (guint max_torrents,
                                                    guint max_peers);
void               shoal_dht_peer_store_free       (ShoalDhtPeerStore *self);
gboolean           shoal_dht_peer_store_announce   (ShoalDhtPeerStore  *self,
                                                    const guint8        info_hash[SHOAL_DHT_ID_LEN],
                                                    const ShoalDhtAddr *peer,
                                                    gint64              now);
guint              shoal_dht_peer_store_get        (ShoalDhtPeerStore  *self,
                                                    const guint8        info_hash[SHOAL_DHT_ID_LEN],
                                                    guint8              family,
                                                    guint               max,
                                                    gint64              now,
                                                    GArray             *out);
void               shoal_dht_peer_store_expire     (ShoalDhtPeerStore  *self,
                                                    gint64              now);
guint              shoal_dht_peer_store_get_n_torrents (ShoalDhtPeerStore *self);
guint              shoal_dht_peer_store_get_n_peers    (ShoalDhtPeerStore *self,
                                                        const guint8       info_hash[SHOAL_DHT_ID_LEN]);

/* Token bucket per source IP */
typedef struct _ShoalDhtRateLimiter ShoalDhtRateLimiter;

ShoalDhtRateLimiter *shoal_dht_rate_limiter_new   (double rate,
                                                   double burst);
void                 shoal_dht_rate_limiter_free  (ShoalDhtRateLimiter *self);
void                 shoal_dht_rate_limiter_set   (ShoalDhtRateLimiter *self,
                                                   double               rate,
                                                   double               burst);
gboolean             shoal_dht_rate_limiter_allow (ShoalDhtRateLimiter *self,
                                                   const ShoalDhtAddr  *source,
                                                   gint64               now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDhtPeerStore, shoal_dht_peer_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDhtRateLimiter, shoal_dht_rate_limiter_free)

G_END_DECLS
