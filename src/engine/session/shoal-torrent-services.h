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
#include "shoal-peer-connection.h"
#include "shoal-rate.h"
#include "shoal-session-testing.h"
#include "shoal-state-store.h"
#include "shoal-types.h"

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
  ShoalAnnouncerGroup *(*get_announcer_group) (gpointer owner);
  ShoalStateStore *(*get_state_store)   (gpointer owner);

  /* Settings. */
  const guint8    *(*get_peer_id)       (gpointer owner);
  guint16          (*get_listen_port)   (gpointer owner);
  GInetAddress    *(*dup_bound_address) (gpointer owner); /* NULL unless a specific one */
  ShoalEncryptionPolicy (*get_encryption_policy) (gpointer owner);
  gboolean         (*get_pex_enabled)   (gpointer owner);
  guint            (*get_max_per_torrent) (gpointer owner);
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

  /* Events. */
  void             (*torrent_completed)   (gpointer        owner,
                                           ShoalTorrent   *torrent);
} ShoalTorrentServices;

G_END_DECLS
