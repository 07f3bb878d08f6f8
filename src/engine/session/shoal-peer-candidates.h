/* shoal-peer-candidates.h: the peer addresses a torrent may dial
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Socket-free policy: which addresses learnt from trackers, the DHT, LSD
 * and PEX are worth keeping (the address filter), how many each source may
 * hold (quotas), which to dial first (ranking), how fast each source may
 * make us dial (budgets), and when to forget them (ageing).
 */
#pragma once

#include <gio/gio.h>

#include "shoal-peer-address.h"
#include "shoal-types.h"

G_BEGIN_DECLS

/**
 * ShoalPeerSource:
 * @SHOAL_PEER_SOURCE_MANUAL: the user named it
 * @SHOAL_PEER_SOURCE_TRACKER: a tracker's answer
 * @SHOAL_PEER_SOURCE_LSD: a local service discovery announce
 * @SHOAL_PEER_SOURCE_INCOMING: it connected to us
 * @SHOAL_PEER_SOURCE_DHT: a DHT get_peers answer
 * @SHOAL_PEER_SOURCE_PEX: another peer's ut_pex message
 *
 * Where an address came from, most trusted first: the order is also the
 * order in which fresh candidates are dialled.
 */
typedef enum
{
  SHOAL_PEER_SOURCE_MANUAL,
  SHOAL_PEER_SOURCE_TRACKER,
  SHOAL_PEER_SOURCE_LSD,
  SHOAL_PEER_SOURCE_INCOMING,
  SHOAL_PEER_SOURCE_DHT,
  SHOAL_PEER_SOURCE_PEX,
  SHOAL_PEER_N_SOURCES,
} ShoalPeerSource;

#define SHOAL_PEER_CANDIDATES_MAX          2000
#define SHOAL_PEER_CANDIDATES_MAX_FAILURES 5
/* A candidate that failed and was not heard of again for this long goes. */
#define SHOAL_PEER_CANDIDATES_MAX_AGE      (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

/* A peer address we know of and may connect to. */
typedef struct
{
  GInetSocketAddress *address;
  char               *key;        /* "ip:port" */
  ShoalPeerFlags      source;     /* every source that named it */
  ShoalPeerSource     best;       /* the most trusted of them */
  char               *origin;     /* who told us (PEX sender, tracker host), or NULL */
  guint               failures;
  gint64              retry_after_us;
  gint64              last_seen_us;
  guint64             seq;        /* order of arrival */
  gboolean            connected;
  gboolean            plaintext_only; /* it did not answer an obfuscated handshake */
  gboolean            utp;            /* it says it speaks uTP (PEX flag) */
  gboolean            utp_failed;     /* a uTP dial failed before the handshake */
  gboolean            tcp_failed;     /* a TCP dial did */
} ShoalPeerCandidate;

ShoalPeerSource     shoal_peer_source_from_flags       (ShoalPeerFlags       flags);
const char         *shoal_peer_source_to_string        (ShoalPeerSource      source);

/* The address filter */

gboolean            shoal_peer_address_is_acceptable   (GInetSocketAddress  *address,
                                                        ShoalPeerSource      source,
                                                        GInetAddress        *sender,
                                                        GPtrArray           *local_networks,
                                                        const char         **reason);

/* The candidate table */

typedef struct _ShoalPeerCandidates ShoalPeerCandidates;

ShoalPeerCandidates *shoal_peer_candidates_new         (guint                max_size);
void                shoal_peer_candidates_free         (ShoalPeerCandidates *self);
guint               shoal_peer_candidates_get_size     (ShoalPeerCandidates *self);
guint               shoal_peer_candidates_count_source (ShoalPeerCandidates *self,
                                                        ShoalPeerSource      source);
ShoalPeerCandidate *shoal_peer_candidates_lookup       (ShoalPeerCandidates *self,
                                                        const char          *key);
ShoalPeerCandidate *shoal_peer_candidates_add          (ShoalPeerCandidates *self,
                                                        GInetSocketAddress  *address,
                                                        ShoalPeerFlags       source,
                                                        const char          *origin,
                                                        gint64               now_us);
void                shoal_peer_candidates_failed       (ShoalPeerCandidates *self,
                                                        ShoalPeerCandidate  *candidate,
                                                        gint64               now_us);
guint               shoal_peer_candidates_prune        (ShoalPeerCandidates *self,
                                                        gint64               now_us);
GPtrArray          *shoal_peer_candidates_rank         (ShoalPeerCandidates *self,
                                                        gint64               now_us,
                                                        gboolean             seeding);
gboolean            shoal_peer_candidates_take_dial    (ShoalPeerCandidates *self,
                                                        ShoalPeerCandidate  *candidate,
                                                        gint64               now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPeerCandidates, shoal_peer_candidates_free)

G_END_DECLS
