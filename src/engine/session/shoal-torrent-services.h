/* shoal-torrent-services.h: what a torrent may ask of its owner
 *
 * Owns nothing: a small interface the session fills once and hands to each
 * torrent it creates, so that the torrent's files need no session internals
 * (and the session none of the torrent's). Every entry is asked when needed,
 * so a setting changed later is seen at once. For this folder only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-announcer.h"
#include "shoal-dht.h"
#include "shoal-disk-pool.h"
#include "shoal-mse.h"
#include "shoal-net-bind.h"
#include "shoal-peer-connection.h"
#include "shoal-rate.h"
#include "shoal-session-testing.h"
#include "shoal-state-store.h"
#include "shoal-types.h"
#include "shoal-utp-manager.h"

G_BEGIN_DECLS

typedef struct
{
  gpointer owner; /* passed to every entry; outlives the torrents */

  /* Shared objects, owned by the owner. */
  SoupSession     *(*get_soup)          (gpointer owner);
  ShoalDiskPool   *(*get_disk_pool)     (gpointer owner);
  ShoalRateLimit  *(*get_down_limit)    (gpointer owner); /* owner-wide */
  ShoalRateLimit  *(*get_up_limit)      (gpointer owner);
  ShoalPeerLimits *(*get_peer_limits)   (gpointer owner);
  ShoalDht        *(*get_dht)           (gpointer owner); /* NULL: no DHT */
  /* One DHT announce from the owner's budget; FALSE: try again later. */
  gboolean         (*take_dht_announce) (gpointer owner);
  ShoalAnnouncerGroup *(*get_announcer_group) (gpointer owner);
  ShoalStateStore *(*get_state_store)   (gpointer owner);

  /* Settings. */
  const guint8    *(*get_peer_id)       (gpointer owner);
  guint16          (*get_listen_port)   (gpointer owner);
  guint16          (*get_announce_port) (gpointer owner); /* the port the outside sees */
  guint16          (*get_dht_announce_port) (gpointer owner); /* the DHT's, as the outside sees it */
  GInetAddress    *(*dup_bound_address) (gpointer owner); /* NULL unless a specific one */
  ShoalEncryptionPolicy (*get_encryption_policy) (gpointer owner);
  gboolean         (*get_pex_enabled)   (gpointer owner);
  gboolean         (*get_hide_client_name) (gpointer owner);
  ShoalNetBind    *(*get_net_bind)      (gpointer owner); /* NULL: any interface */
  gboolean         (*get_network_down)  (gpointer owner); /* its interface is down: send nothing */
  GProxyResolver  *(*get_proxy)         (gpointer owner); /* peers: NULL for direct */
  /* Why UDP trackers are off (NULL: on), and the SOCKS5 proxy they go through */
  const char      *(*get_udp_tracker_route) (gpointer owner, const char **socks_uri);
  guint            (*get_max_per_torrent) (gpointer owner);
  gint64           (*get_seed_idle_limit) (gpointer owner); /* s; 0: none */
  guint            (*get_udp_base_timeout_ms) (gpointer owner);
  const ShoalSessionTestHooks *(*get_test_hooks) (gpointer owner);

  /* Connection counts across all torrents. */
  guint            (*get_n_connections)   (gpointer owner);
  /* A torrent's own connections went up or down by @delta: kept as a
   * running total, so that counting them all is not a walk over every
   * torrent. */
  void             (*connections_changed) (gpointer owner,
                                           gint     delta);
  guint            (*get_max_connections) (gpointer owner);
  gboolean         (*limits_per_ip)       (gpointer        owner,
                                           GInetAddress   *address);
  gboolean         (*is_blocked)          (gpointer        owner, /* the blocklist; counts it */
                                           GInetAddress   *address);
  gboolean         (*blocklist_pending)   (gpointer        owner); /* dial nobody until it is loaded */

  /* Events. */
  void             (*torrent_completed)   (gpointer        owner,
                                           ShoalTorrent   *torrent);

  /* uTP: the manager (NULL while off) and the policy. */
  ShoalUtpManager *(*get_utp)             (gpointer        owner);
  ShoalUtpMode     (*get_utp_mode)        (gpointer        owner);

  /* The tick: the owner ticks only the torrents that may have something
   * to do (_shoal_torrent_can_sleep()); one woken is ticked again, one
   * closed never again. */
  void             (*torrent_wake)        (gpointer        owner,
                                           ShoalTorrent   *torrent);
  void             (*torrent_forget)      (gpointer        owner,
                                           ShoalTorrent   *torrent);
} ShoalTorrentServices;

G_END_DECLS
