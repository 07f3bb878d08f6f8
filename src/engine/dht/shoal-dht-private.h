/* shoal-dht-private.h: what shoal-dht.c (sockets, transactions, the
 * answering side) and shoal-dht-lookup.c (iterative lookups) share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-dht.h"
#include "shoal-dht-message.h"
#include "shoal-dht-routing.h"
#include "shoal-dht-store.h"
#include "shoal-net-bind.h"
#include "shoal-socks-udp.h"

G_BEGIN_DECLS

/* Queries in flight per lookup (BEP 5's alpha). */
#define SHOAL_DHT_ALPHA 3

typedef struct _ShoalDhtLookup ShoalDhtLookup;

typedef enum
{
  SHOAL_DHT_LOOKUP_FIND_NODE,
  SHOAL_DHT_LOOKUP_GET_PEERS,
  SHOAL_DHT_LOOKUP_ANNOUNCE,
} ShoalDhtLookupKind;

struct _ShoalDht
{
  GObject               parent_instance;

  guint8                id[SHOAL_DHT_ID_LEN];
  GMainContext         *context;
  GSocket              *sock4;
  GSocket              *sock6;
  GSource              *source4;
  GSource              *source6;
  gboolean              shared_sockets; /* the owner's, read by the owner */
  GSource              *maintenance;
  GCancellable         *cancellable;   /* for name resolution */
  guint16               port;

  ShoalDhtRoutingTable *table4;
  ShoalDhtRoutingTable *table6;
  ShoalDhtTokens        tokens;
  ShoalDhtPeerStore    *store;
  ShoalDhtRateLimiter  *limiter;

  GHashTable           *transactions;  /* tid (guint) → Transaction */
  guint16               next_tid;
  GPtrArray            *lookups;       /* of ShoalDhtLookup, running */
  GArray               *bootstrap;     /* of ShoalDhtAddr */
  GHashTable           *recently_pinged; /* ShoalDhtAddr → itself */
  GHashTable           *verified;      /* sources that answered us: VerifiedSource → itself */
  gint64                last_bootstrap;
  gboolean              self_lookup_running;
  guint                 query_timeout_ms;
  guint64               n_rate_limited;
  gboolean              hide_version;  /* no `v` key in what we send */
  ShoalNetBind         *bind;          /* the device our sockets are bound to, or NULL */
  ShoalSocksUdp        *relay;         /* a SOCKS5 proxy everything goes through, or NULL */
};

ShoalDhtRoutingTable *shoal_dht_table_for     (ShoalDht           *self,
                                               guint8              family);
gboolean              shoal_dht_has_family    (ShoalDht           *self,
                                               guint8              family);
ShoalDhtWant          shoal_dht_own_want      (ShoalDht           *self);
gboolean              shoal_dht_send_query    (ShoalDht           *self,
                                               const ShoalDhtAddr *addr,
                                               ShoalDhtMessage    *query,
                                               ShoalDhtLookup     *lookup,
                                               gboolean            bootstrap);
void                  shoal_dht_send_simple_query (ShoalDht           *self,
                                                   const ShoalDhtAddr *addr,
                                                   ShoalDhtMethod      method,
                                                   gboolean            bootstrap);
void                  shoal_dht_emit_peers    (ShoalDht           *self,
                                               const guint8       *info_hash,
                                               GPtrArray          *peers);

ShoalDhtLookup *shoal_dht_lookup_start        (ShoalDht           *self,
                                               ShoalDhtLookupKind  kind,
                                               const guint8       *target,
                                               GArray             *seeds,
                                               GTask              *task);
ShoalDhtLookup *shoal_dht_lookup_ref          (ShoalDhtLookup     *lookup);
void            shoal_dht_lookup_unref        (ShoalDhtLookup     *lookup);
void            shoal_dht_lookup_reply        (ShoalDhtLookup     *lookup,
                                               const ShoalDhtAddr *from,
                                               ShoalDhtMethod      method,
                                               const ShoalDhtMessage *reply);
void            shoal_dht_lookup_abort        (ShoalDhtLookup     *lookup);
gboolean        shoal_dht_lookup_is_background (ShoalDhtLookup    *lookup);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDhtLookup, shoal_dht_lookup_unref)

G_END_DECLS
