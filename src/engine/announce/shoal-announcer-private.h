/* shoal-announcer-private.h: what the parts of the announcer share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The announcer is one object in four files: shoal-announcer.c (tiers,
 * their trackers and the public API), shoal-announcer-tracker-info.c (what
 * the user sees of each tracker), shoal-announcer-announce.c (announce
 * rounds, their answers and retries, and `stopped`) and
 * shoal-announcer-scrape.c. This header is for those files alone.
 */
#pragma once

#ifndef SHOAL_ANNOUNCER_INSIDE
# error "only shoal-announcer*.c may include shoal-announcer-private.h"
#endif

#include "shoal-announcer.h"
#include "shoal-tracker-udp.h"

G_BEGIN_DECLS

/* Peers asked for while the torrent wants more. */
#define NUMWANT_WANTED            200
/* Intervals, in seconds: what we use when the tracker gives none, and the
 * range a tracker's interval is clamped to (a min interval above the range
 * is respected, up to a day, so a bogus value cannot silence a tracker). */
#define DEFAULT_INTERVAL_S        1800
#define MIN_INTERVAL_S            60
#define MAX_INTERVAL_S            3600
#define MAX_HONOURED_MIN_S        (24 * 3600)
/* Retry backoff after a failed round: 15 s, 30 s, 60 s, … up to 30 min. */
#define RETRY_BASE_MS             15000u
#define RETRY_MAX_MS              (30u * 60u * 1000u)
/* BEP 15's own schedule waits more than an hour for a dead UDP tracker;
 * an announcer would rather move on to the next tracker of the tier, so
 * it gives up after two tries (15 s + 30 s). */
#define UDP_BASE_TIMEOUT_MS       15000u
#define UDP_MAX_TRIES             2u
/* `stopped` is best effort: it must not keep anything alive for long. */
#define STOPPED_TIMEOUT_MS        5000u
#define SCRAPE_INTERVAL_US        (30 * 60 * G_USEC_PER_SEC)
/* The `started` announces of one group are spread out: the first
 * START_BURST go at once, then one every START_SPACING_US (50 a second),
 * so that a session bringing back 10,000 torrents does not open 10,000
 * tracker connections in its first second. */
#define START_BURST               50
#define START_SPACING_US          (G_USEC_PER_SEC / 50)
/* Waits this long or longer are timed to the second, so that their
 * wake-ups fall together (with the session's tick, and each other's). */
#define COARSE_TIMER_MS           10000u

struct _ShoalTrackerInfo
{
  GObject             parent_instance;

  /* What the user sees. */
  gchar              *url;
  guint               tier;
  ShoalTrackerStatus  status;
  gchar              *message;
  gint64              last_announce;
  gint64              next_announce;
  gint64              seeders;
  gint64              leechers;
  gint64              downloaded;
  guint               last_peers;

  /* The announcer's bookkeeping. */
  gboolean            is_http;
  ShoalTrackerUdp    *udp;
  GError             *unusable;       /* set if it can never be contacted */
  gchar              *tracker_id;
  gboolean            started_sent;   /* it acknowledged our `started` */
  gboolean            completed_due;  /* it still has to hear `completed` */
  GCancellable       *scrape_cancellable;
  gint64              last_scrape_us; /* monotonic; 0 never */
};

enum
{
  INFO_PROP_0,
  INFO_PROP_URL,
  INFO_PROP_TIER,
  INFO_PROP_STATUS,
  INFO_PROP_MESSAGE,
  INFO_PROP_LAST_ANNOUNCE,
  INFO_PROP_NEXT_ANNOUNCE,
  INFO_PROP_SEEDERS,
  INFO_PROP_LEECHERS,
  INFO_PROP_DOWNLOADED,
  INFO_PROP_LAST_PEERS,
  N_INFO_PROPS
};

typedef struct _Tier Tier;
typedef struct _AnnounceOp AnnounceOp;

struct _Tier
{
  ShoalAnnouncer *announcer;   /* not owned: the announcer owns the tier */
  guint           number;
  GSource        *timer;          /* the wait, outside any group */
  GSequenceIter  *due;            /* the wait, in the group's queue */
  gint64          due_us;         /* when that wait ends (monotonic) */
  gint64          next_announce;  /* unix time of the timer, 0 none */
  AnnounceOp     *op;             /* the request in flight, or NULL */
  guint           round_pos;      /* tracker of the tier tried now */
  gboolean        round_tried;    /* a usable tracker was tried this round */
  guint           failures;       /* consecutive failed rounds */
  gboolean        failed;         /* the last round found no tracker */
  GError         *last_error;
  gchar          *last_error_url;
};

struct _AnnounceOp
{
  ShoalAnnouncer    *announcer;   /* valid while cancellable is not cancelled */
  Tier              *tier;        /* likewise */
  ShoalTrackerInfo  *info;
  GCancellable      *cancellable;
  ShoalTrackerEvent  event;
};

struct _ShoalAnnouncer
{
  GObject                  parent_instance;

  GMainContext            *context;
  SoupSession             *soup;
  ShoalAnnouncerGroup     *group;     /* counts our `stopped` announces */
  guint8                   info_hash[SHOAL_TRACKER_HASH_LEN];
  guint8                   peer_id[SHOAL_TRACKER_PEER_ID_LEN];
  guint16                  port;
  ShoalAnnouncerStatsFunc  stats_func;
  gpointer                 stats_data;
  guint32                  key;

  GListStore              *trackers;  /* ShoalTrackerInfo, by tier */
  GPtrArray               *tiers;     /* Tier, by number */

  gboolean                 running;
  gboolean                 want_peers;
  guint                    udp_base_ms;
  guint                    udp_max_tries;
  guint                    test_interval_ms;
  guint                    test_retry_ms;
  ShoalNetBind            *bind;  /* UDP trackers' sockets; HTTP: the soup session's own */
  GError                  *udp_off; /* why UDP trackers are skipped, or NULL */
  guint8                   alt_info_hash[SHOAL_TRACKER_HASH_LEN]; /* shoal-announcer-alt.c */
  gboolean                 has_alt;
  GCancellable            *alt_cancellable;
  char                    *socks_proxy; /* UDP trackers through it (UDP ASSOCIATE), or NULL */
};

enum
{
  SIGNAL_PEERS,
  SIGNAL_ERROR,
  N_SIGNALS
};

extern guint _shoal_announcer_signals[N_SIGNALS];

/* shoal-announcer-alt.c */
void _shoal_announcer_send_alt   (ShoalAnnouncer            *self,
                                  ShoalTrackerInfo          *info,
                                  const ShoalTrackerRequest *request);
void _shoal_announcer_cancel_alt (ShoalAnnouncer            *self);

/* shoal-announcer-tracker-info.c */
ShoalTrackerInfo *_shoal_tracker_info_new             (const char         *url,
                                                       guint               tier,
                                                       guint               udp_base_ms,
                                                       guint               udp_max_tries);
void              _shoal_tracker_info_set_status      (ShoalTrackerInfo   *info,
                                                       ShoalTrackerStatus  status);
void              _shoal_tracker_info_set_message     (ShoalTrackerInfo   *info,
                                                       const char         *message);
void              _shoal_tracker_info_set_int64       (ShoalTrackerInfo   *info,
                                                       gint64             *field,
                                                       gint64              value,
                                                       guint               prop);
void              _shoal_tracker_info_set_last_peers  (ShoalTrackerInfo   *info,
                                                       guint               n);

/* shoal-announcer.c */
ShoalTrackerInfo *_shoal_announcer_tier_nth                (ShoalAnnouncer    *self,
                                                            guint              number,
                                                            guint              n,
                                                            guint             *position);
void              _shoal_announcer_tier_show_next_announce (ShoalAnnouncer    *self,
                                                            Tier              *tier);
void              _shoal_announcer_tier_schedule           (Tier              *tier,
                                                            guint              delay_ms);
guint             _shoal_announcer_group_take_start_delay  (ShoalAnnouncerGroup *group,
                                                            gint64             now_us);
void              _shoal_announcer_group_schedule          (ShoalAnnouncerGroup *group,
                                                            Tier              *tier,
                                                            gint64             due_us,
                                                            GMainContext      *context);
void              _shoal_announcer_group_unschedule        (ShoalAnnouncerGroup *group,
                                                            Tier              *tier);
void              _shoal_announcer_tier_cancel_timer       (Tier              *tier);
void              _shoal_announcer_tier_timer_fired        (Tier              *tier);
gboolean          _shoal_announcer_find_tracker            (ShoalAnnouncer    *self,
                                                            const char        *url,
                                                            guint             *position,
                                                            ShoalTrackerInfo **out);

/* shoal-announcer-announce.c */
void              _shoal_announce_op_free                  (AnnounceOp        *op);
void              _shoal_announcer_fill_request            (ShoalAnnouncer      *self,
                                                            ShoalTrackerInfo    *info,
                                                            ShoalTrackerEvent    event,
                                                            ShoalTrackerRequest *request);
void              _shoal_announcer_tier_start_round        (Tier              *tier);
void              _shoal_announcer_tracker_send_stopped    (ShoalAnnouncer    *self,
                                                            ShoalTrackerInfo  *info);

/* shoal-announcer-scrape.c */
void              _shoal_announcer_tracker_scrape          (ShoalAnnouncer    *self,
                                                            ShoalTrackerInfo  *info);
void              _shoal_announcer_tracker_cancel_scrape   (ShoalTrackerInfo  *info);

G_END_DECLS
