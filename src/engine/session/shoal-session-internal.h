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
#include "shoal-ip-filter.h"
#include "shoal-lsd.h"
#include "shoal-port-mapper.h"
#include "shoal-net-bind.h"
#include "shoal-session.h"
#include "shoal-session-limits.h"
#include "shoal-session-testing.h"
#include "shoal-tcp-transport.h"
#include "shoal-torrent-private.h"
#include "shoal-utp-manager.h"

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
  GHashTable       *by_hash;      /* 20-byte info-hash -> its torrent in torrents (weak) */
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
  gint64            seed_idle_limit;      /* s without upload while seeding; 0: none */
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
  guint             n_saving;    /* final states being written by a close_async() */
  ShoalAnnouncerGroup *announcers; /* counts our torrents' `stopped` announces */
  GPtrArray        *close_tasks;   /* shoal_session_close_async() still waiting */
  ShoalSessionTestHooks test_hooks; /* its dht_bootstrap is ours */
  ShoalTorrentServices torrent_services; /* what our torrents may ask of us */

  /* shoal-session-portmap.c */
  ShoalPortMapper  *port_mapper;   /* made at start when mapping is on */
  guint             port_mapping_start_id; /* the first decision, once idle */
  gboolean          port_mapping_enabled;
  ShoalPortMappingState port_mapping_state;
  char             *port_mapping_reason;
  char             *external_address;
  guint16           external_port;  /* TCP, the one announced; 0: not mapped */
  gint64            last_incoming_us; /* the last peer that reached us */
  gboolean          incoming_reachable;
  /* shoal-session-queue.c */
  guint             max_active_downloads; /* 0: no limit */
  guint             max_active_seeds;
  guint             stalled_seconds;      /* 0: a stalled torrent still counts */
  guint             queue_idle_id;
  gboolean          queue_none_held;  /* no torrent is held back (no limits): nothing to do */
  gboolean          queue_loading;        /* restoring saved torrents */

  /* shoal-session-extras.c */
  guint64           normal_down_limit;    /* what download-limit says */
  guint64           normal_up_limit;
  guint64           alt_down_limit;       /* 0: none */
  guint64           alt_up_limit;
  gboolean          alt_speed_enabled;    /* switched on by hand */
  gboolean          alt_schedule_enabled;
  guint             alt_days;             /* bit 0: Monday … bit 6: Sunday */
  guint             alt_begin_minute;     /* 0…1439, local time */
  guint             alt_end_minute;
  gboolean          alt_active;           /* what the rate limits use now */
  guint             alt_timer_id;
  GDateTime      *(*clock) (gpointer data); /* tests; NULL: the real time */
  gpointer          clock_data;
  GNetworkMonitor  *network_monitor;
  gulong            metered_handler;
  ShoalMeteredPolicy metered_policy;
  gboolean          metered;              /* the network is metered now */
  char             *incomplete_dir;
  GPtrArray        *final_moves;          /* completed torrents to move out of it */
  guint             final_move_id;
  char             *watch_dir;
  gboolean          watch_remove;         /* remove added files instead of renaming */
  GFileMonitor     *watch_monitor;
  GHashTable       *watch_pending;        /* path -> size seen last (gint64 *) */
  guint             watch_timer_id;
  guint64           stats_downloaded;     /* before this run */
  guint64           stats_uploaded;
  guint64           stats_seconds;
  gint64            stats_first_start;    /* s since the epoch */
  gint64            stats_run_start_us;
  guint64           stats_run_down_base;  /* torrents' totals when this run started counting */
  guint64           stats_run_up_base;
  guint64           stats_run_down;       /* counted in this run */
  guint64           stats_run_up;
  gboolean          stats_saved;          /* stats.dat exists (loaded or written) */
  guint64           stats_saved_period;   /* run_seconds / STATS_SAVE_EVERY_S at the last save */
  GHashTable       *stats_last;           /* torrent -> its totals seen last (guint64[2]) */
  ShoalIpFilter    *ip_filter;     /* the blocklist; made when one is set */
  guint64           n_blocked;     /* peers refused for being on it */
  guint             blocklist_interval_h; /* 0: the filter's default */
  gboolean          hide_client_name; /* no `v` in extension handshakes, no User-Agent */
  gboolean          random_peer_id;   /* a peer id that names no client */
  char             *interface_spec;   /* the interface set, as given, or NULL */
  char             *listen_address_set; /* listen_address before an interface replaced it */
  gboolean          lsd_from_interface;
  ShoalNetBind     *net_bind;         /* where sockets go; NULL: anywhere */
  gboolean          net_down;         /* the interface is down: transfers stop */
  gulong            network_changed_id;
  gboolean          soup_bound;       /* our HTTP connections are bound (request-queued) */
  GProxyResolver   *proxy;            /* the proxy trackers and web seeds go through, or NULL */
  gboolean          proxy_allow_incoming;
  int               proxy_kind;       /* SHOAL_SESSION_PROXY_* (shoal-session-proxy.c) */
  char             *proxy_uri;        /* as set */
  gboolean          proxy_peers_direct; /* a SOCKS5 proxy carries trackers and web seeds only */
  gpointer          socks_udp;        /* ShoalSocksUdp: the DHT's association, or NULL */
  GCancellable     *socks_cancel;     /* the association being asked for */
  GSource          *socks_source;     /* reads its socket */
  guint             socks_retry_id;
  char             *udp_proxy_note;   /* why UDP traffic is off behind the proxy, or NULL */
  /* The UDP port, shared by the DHT and uTP (shoal-session-udp.c). */
  GSocket          *udp4;
  GSocket          *udp6;
  GSource          *udp_source4;
  GSource          *udp_source6;
  guint8           *udp_buf;
  ShoalUtpManager  *utp;           /* NULL while uTP is off */
  ShoalUtpMode      utp_mode;
  /* The torrents the tick visits (shoal-session-ticks.c). */
  GQueue            tick_awake;     /* of ShoalTorrent (no reference), in the order woken */
  GHashTable       *tick_entries;   /* listed torrent -> its entry */
  GSequence        *tick_sleepers;  /* entries asleep until a time, the soonest first */
  guint64           n_torrent_ticks;
  /* DHT announces started, within a budget per second (shoal-session-ticks.c) */
  gint64            dht_budget_second;
  guint             dht_budget_used;
  guint64           n_dht_announces;
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
  PROP_PORT_MAPPING_ENABLED,
  PROP_PORT_MAPPING_STATE,
  PROP_PORT_MAPPING_REASON,
  PROP_EXTERNAL_ADDRESS,
  PROP_EXTERNAL_PORT,
  PROP_INCOMING_REACHABLE,
  N_PROPS
};

/* shoal-session-extras.c installs its properties after N_PROPS. */
enum {
  PROP_EXTRA_0 = N_PROPS,
  PROP_MAX_ACTIVE_DOWNLOADS,
  PROP_MAX_ACTIVE_SEEDS,
  PROP_STALLED_SECONDS,
  PROP_ALT_DOWNLOAD_LIMIT,
  PROP_ALT_UPLOAD_LIMIT,
  PROP_ALT_SPEED_ENABLED,
  PROP_ALT_SCHEDULE_ENABLED,
  PROP_ALT_DAYS,
  PROP_ALT_BEGIN_MINUTE,
  PROP_ALT_END_MINUTE,
  PROP_ALT_SPEED_ACTIVE,
  PROP_METERED_POLICY,
  PROP_METERED_PAUSED,
  PROP_INCOMPLETE_DIR,
  PROP_WATCH_DIR,
  PROP_WATCH_REMOVE,
  PROP_TOTAL_DOWNLOADED,
  PROP_TOTAL_UPLOADED,
  PROP_SECONDS_ACTIVE,
  PROP_FIRST_START,
  PROP_TOTAL_RATIO,
  PROP_SEED_IDLE_LIMIT,
  PROP_DIRECT_WRITES,
  N_EXTRA_PROPS
};

extern GParamSpec *_shoal_session_extra_properties[N_EXTRA_PROPS];

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

/* shoal-session-portmap.c */
void             _shoal_session_sync_port_mapping      (ShoalSession  *self);
void             _shoal_session_stop_port_mapping      (ShoalSession  *self);
guint            _shoal_session_get_port_mapping_pending (ShoalSession *self);
void             _shoal_session_note_incoming          (ShoalSession  *self,
                                                         GInetAddress  *address);
void             _shoal_session_tick_port_test         (ShoalSession  *self,
                                                         gint64         now);
guint16          _shoal_session_get_announce_port      (ShoalSession  *self);
guint16          _shoal_session_get_dht_announce_port  (ShoalSession  *self);
void             _shoal_session_install_port_mapping_properties (GParamSpec **properties);
/* shoal-session-queue.c */
void             _shoal_session_torrent_listed         (ShoalSession  *self,
                                                         ShoalTorrent  *torrent);
void             _shoal_session_torrent_unlisted       (ShoalSession  *self,
                                                         ShoalTorrent  *torrent);
void             _shoal_session_queue_loaded           (ShoalSession  *self);
guint            _shoal_info_hash_hash                 (gconstpointer  key);
gboolean         _shoal_info_hash_equal                (gconstpointer  a,
                                                         gconstpointer  b);
void             _shoal_session_update_queue           (ShoalSession  *self);
void             _shoal_session_queue_later            (ShoalSession  *self);

/* shoal-session-extras.c */
void             _shoal_session_extras_class_init      (GObjectClass  *object_class);
void             _shoal_session_extras_init            (ShoalSession  *self);
void             _shoal_session_extras_finalize        (ShoalSession  *self);
gboolean         _shoal_session_extras_get_property    (ShoalSession  *self,
                                                         guint          prop_id,
                                                         GValue        *value);
gboolean         _shoal_session_extras_set_property    (ShoalSession  *self,
                                                         guint          prop_id,
                                                         const GValue  *value);
void             _shoal_session_extras_start           (ShoalSession  *self);
void             _shoal_session_extras_close           (ShoalSession  *self);
void             _shoal_session_extras_tick            (ShoalSession  *self,
                                                         gint64         now_us);
void             _shoal_session_apply_rate_limits      (ShoalSession  *self);
gboolean         _shoal_session_is_metered_paused      (ShoalSession  *self);
void             _shoal_session_extras_completed       (ShoalSession  *self,
                                                         ShoalTorrent  *torrent);
void             _shoal_session_stats_listed           (ShoalSession  *self,
                                                         ShoalTorrent  *torrent);
char            *_shoal_session_incomplete_redirect    (ShoalSession  *self,
                                                         char         **dir,
                                                         ShoalAddFlags  flags);
/* shoal-session-blocklist.c */
gboolean         _shoal_session_is_blocked             (gpointer       owner,
                                                         GInetAddress  *address);
void             _shoal_session_clear_blocklist        (ShoalSession  *self);
gboolean         _shoal_session_blocklist_pending      (gpointer       owner);

/* shoal-session-privacy.c */
gboolean         _shoal_session_get_hide_client_name   (gpointer       owner);

/* shoal-session-interface.c */
void             _shoal_session_check_interface        (ShoalSession  *self);
void             _shoal_session_clear_interface        (ShoalSession  *self);
void             _shoal_session_reroute                (ShoalSession  *self);
gboolean         _shoal_session_get_network_down       (gpointer       owner);
ShoalNetBind    *_shoal_session_get_net_bind           (gpointer       owner);
void             _shoal_session_listener_event_cb      (GSocketListener      *listener,
                                                        GSocketListenerEvent  event,
                                                        GSocket              *socket,
                                                        gpointer              user_data);

/* shoal-session-proxy.c */
GProxyResolver  *_shoal_session_get_proxy              (gpointer       owner);
enum {
  SHOAL_SESSION_PROXY_NONE,
  SHOAL_SESSION_PROXY_SOCKS5,
  SHOAL_SESSION_PROXY_HTTP,
  SHOAL_SESSION_PROXY_SYSTEM,
};
gboolean         _shoal_session_peers_proxied          (ShoalSession  *self);
const char      *_shoal_session_get_udp_tracker_route  (gpointer       owner,
                                                        const char   **socks_uri);
void             _shoal_session_associate_for_dht      (ShoalSession  *self);
void             _shoal_session_stop_relay             (ShoalSession  *self);
void             _shoal_session_clear_proxy            (ShoalSession  *self);
void             _shoal_session_start_dht_on           (ShoalSession  *self,
                                                        gpointer       relay);
void             _shoal_session_sync_utp               (ShoalSession  *self);
gboolean         _shoal_session_relay_send             (ShoalUtpManager    *manager,
                                                        GInetSocketAddress *to,
                                                        const guint8       *data,
                                                        gsize               len,
                                                        gpointer            user_data,
                                                        GError            **error);
/* shoal-session-udp.c */
void             _shoal_session_open_udp               (ShoalSession  *self);
void             _shoal_session_close_udp              (ShoalSession  *self);
gboolean         _shoal_session_accept_transport       (ShoalSession   *self,
                                                        ShoalTransport *transport);

/* shoal-session-lifecycle.c */
void             _shoal_session_check_close_tasks      (gpointer       data);
void             _shoal_session_save_final             (ShoalSession  *self,
                                                         gboolean       closing);
void             _shoal_session_save_async             (ShoalSession  *self,
                                                         GAsyncReadyCallback callback,
                                                         gpointer       user_data);
void             _shoal_session_ticks_init             (ShoalSession  *self);
void             _shoal_session_ticks_clear            (ShoalSession  *self);
void             _shoal_session_wake_torrent           (gpointer       owner,
                                                        ShoalTorrent  *torrent);
void             _shoal_session_forget_torrent         (gpointer       owner,
                                                        ShoalTorrent  *torrent);
void             _shoal_session_wake_all_torrents      (ShoalSession  *self);
gboolean         _shoal_session_take_dht_announce      (gpointer       owner);
void             _shoal_session_tick_torrents          (ShoalSession  *self,
                                                        gint64         now_us);
void             _shoal_session_sync_lsd_torrent       (ShoalSession  *self,
                                                        ShoalTorrent  *torrent);
void             _shoal_session_count_transfers_of     (ShoalSession  *self,
                                                        ShoalTorrent  *torrent);

G_END_DECLS
