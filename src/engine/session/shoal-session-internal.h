/* shoal-session-internal.h: what the parts of a session share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session is one object in six files: shoal-session.c (its type,
 * properties and signal, creation, finalization and settings),
 * shoal-session-listen.c (the listening socket, incoming connections until
 * their handshake names a torrent, the connection counts and per-IP
 * limits), shoal-session-discovery.c (the DHT node and local service
 * discovery), shoal-session-torrents.c (the torrent list: adding, removing,
 * restoring and saving torrents through the state store),
 * shoal-session-services.c (what its torrents may ask of it, the test
 * hooks) and shoal-session-lifecycle.c (starting, the tick, closing). This
 * header is for those files alone; the rest of session/ uses
 * shoal-session-private.h and shoal-session-limits.h.
 */
#pragma once

#ifndef SHOAL_SESSION_INSIDE
# error "only shoal-session*.c may include shoal-session-internal.h"
#endif

#include "shoal-bencode.h"
#include "shoal-dht.h"
#include "shoal-engine-enums.h"
#include "shoal-hash.h"
#include "shoal-lsd.h"
#include "shoal-session.h"
#include "shoal-session-limits.h"
#include "shoal-session-testing.h"
#include "shoal-torrent-private.h"

G_BEGIN_DECLS


struct _ShoalSession
{
  GObject           parent_instance;

  char             *state_dir;
  ShoalStateStore  *store;        /* made at first use, see get_store() */
  char             *download_dir;
  char             *listen_address;
  guint16           listen_port;
  guint8            peer_id[20];

  GListStore       *torrents;
  GSocketService   *service;
  GPtrArray        *incoming;     /* connections still handshaking */
  guint             n_torrent_connections;  /* the torrents' connections, all together */
  ShoalPeerLimits  *peer_limits;  /* shared by every connection */
  gboolean          limit_loopback; /* per-IP limits on loopback too (tests) */
  SoupSession      *soup;
  ShoalDiskPool    *disk_pool;
  guint             tick_id;

  ShoalRateLimit    down_limit;
  ShoalRateLimit    up_limit;
  guint             max_connections;
  guint             max_per_torrent;
  double            seed_ratio_limit;
  gint64            seed_time_limit;
  guint             udp_timeout_ms;
  ShoalEncryptionPolicy encryption;
  ShoalDht         *dht;
  gboolean          dht_enabled;
  gboolean          pex_enabled;
  ShoalLsd         *lsd;
  gboolean          lsd_enabled;
  char             *lsd_interface;
  GPtrArray        *dht_bootstrap;  /* "host:port"; empty: the public routers */
  gboolean          started;
  gboolean          restore_saved;  /* start() brings back the saved torrents */
  guint             n_deleting;  /* removed torrents whose data is being deleted */
  ShoalAnnouncerGroup *announcers; /* counts our torrents' `stopped` announces */
  GPtrArray        *close_tasks;   /* shoal_session_close_async() still waiting */
  ShoalSessionTestHooks test_hooks; /* its dht_bootstrap is ours */
  ShoalTorrentServices torrent_services; /* what our torrents may ask of us */
};

enum {
  PROP_0,
  PROP_STATE_DIR,
  PROP_DOWNLOAD_DIR,
  PROP_LISTEN_PORT,
  PROP_LISTEN_ADDRESS,
  PROP_ENCRYPTION_POLICY,
  PROP_DHT_ENABLED,
  PROP_PEX_ENABLED,
  PROP_LSD_ENABLED,
  PROP_LSD_INTERFACE,
  PROP_DOWNLOAD_LIMIT,
  PROP_UPLOAD_LIMIT,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_CONNECTIONS_PER_TORRENT,
  PROP_SEED_RATIO_LIMIT,
  PROP_SEED_TIME_LIMIT,
  PROP_RESTORE_SAVED_TORRENTS,
  N_PROPS
};

extern GParamSpec *_shoal_session_properties[N_PROPS];

/* shoal-session.c */
void             _shoal_session_torrent_completed      (ShoalSession  *self,
                                                         ShoalTorrent  *torrent);

/* shoal-session-listen.c */
gboolean         _shoal_session_listen                 (ShoalSession  *self,
                                                         GError       **error);

/* shoal-session-discovery.c */
void             _shoal_session_start_dht              (ShoalSession  *self);
void             _shoal_session_stop_dht               (ShoalSession  *self);
void             _shoal_session_start_lsd              (ShoalSession  *self);
void             _shoal_session_stop_lsd               (ShoalSession  *self);
void             _shoal_session_sync_lsd               (ShoalSession  *self);

/* shoal-session-torrents.c */
ShoalStateStore *_shoal_session_get_store              (ShoalSession  *self);
void             _shoal_session_load_saved_torrents    (ShoalSession  *self);

/* shoal-session-services.c */
void             _shoal_session_init_torrent_services  (ShoalSession  *self);

/* shoal-session-lifecycle.c */
void             _shoal_session_check_close_tasks      (gpointer       data);

G_END_DECLS
