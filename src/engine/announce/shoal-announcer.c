/* shoal-announcer.c: a torrent's trackers, their tiers and their schedule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trackers live in one GListStore, ordered by tier and, within a tier, by
 * preference: BEP 12 has the URLs of each tier shuffled once, tried in
 * order, and a tracker that answers moved to the front of its tier.
 *
 * Which tiers are announced to: every tier, each to its first working
 * tracker. BEP 12 strictly asks for the first working tier only, but
 * torrents and magnet links commonly put each tracker in a tier of its own
 * (libtorrent does so for magnet links), and announcing to the first one
 * alone finds far fewer peers; qBittorrent's default ("always announce to
 * all tiers") does the same as we do. So each tier runs its own schedule:
 * a round walks the tier from the front until one tracker answers, a round
 * that finds none is retried with exponential backoff, and a successful
 * one is followed by a regular announce after the tracker's interval.
 *
 * The "error" signal is emitted whenever a tier's round fails while the
 * last round of every other tier failed too: at that point no tracker at
 * all answers, which is what the torrent reports to the user.
 *
 * Requests in flight are abandoned by cancelling their cancellable; their
 * callbacks check it first and touch nothing but their own data when it is
 * set, because the tier or the announcer may be gone by then.
 */
#include "config.h"

#include <string.h>

#include "shoal-announcer-private.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

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

G_DEFINE_QUARK (shoal-announcer-error-quark, shoal_announcer_error)

G_DEFINE_ENUM_TYPE (ShoalTrackerStatus, shoal_tracker_status,
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_ANNOUNCING, "announcing"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_WORKING, "working"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_BACKUP, "backup"))

/* ShoalTrackerInfo ------------------------------------------------------ */

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

static GParamSpec *info_properties[N_INFO_PROPS];

G_DEFINE_FINAL_TYPE (ShoalTrackerInfo, shoal_tracker_info, G_TYPE_OBJECT)

static void
shoal_tracker_info_finalize (GObject *object)
{
  ShoalTrackerInfo *self = SHOAL_TRACKER_INFO (object);

  if (self->scrape_cancellable != NULL)
    g_cancellable_cancel (self->scrape_cancellable);
  g_clear_object (&self->scrape_cancellable);
  g_clear_object (&self->udp);
  g_clear_error (&self->unusable);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->tracker_id, g_free);

  G_OBJECT_CLASS (shoal_tracker_info_parent_class)->finalize (object);
}

static void
shoal_tracker_info_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalTrackerInfo *self = SHOAL_TRACKER_INFO (object);

  switch (prop_id)
    {
    case INFO_PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case INFO_PROP_TIER:
      g_value_set_uint (value, self->tier);
      break;
    case INFO_PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case INFO_PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case INFO_PROP_LAST_ANNOUNCE:
      g_value_set_int64 (value, self->last_announce);
      break;
    case INFO_PROP_NEXT_ANNOUNCE:
      g_value_set_int64 (value, self->next_announce);
      break;
    case INFO_PROP_SEEDERS:
      g_value_set_int64 (value, self->seeders);
      break;
    case INFO_PROP_LEECHERS:
      g_value_set_int64 (value, self->leechers);
      break;
    case INFO_PROP_DOWNLOADED:
      g_value_set_int64 (value, self->downloaded);
      break;
    case INFO_PROP_LAST_PEERS:
      g_value_set_uint (value, self->last_peers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_tracker_info_class_init (ShoalTrackerInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_tracker_info_finalize;
  object_class->get_property = shoal_tracker_info_get_property;

  info_properties[INFO_PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_TIER] = g_param_spec_uint ("tier", NULL, NULL, 0, G_MAXUINT, 0, flags);
  info_properties[INFO_PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, SHOAL_TYPE_TRACKER_STATUS, SHOAL_TRACKER_STATUS_IDLE, flags);
  info_properties[INFO_PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_LAST_ANNOUNCE] =
    g_param_spec_int64 ("last-announce", NULL, NULL, 0, G_MAXINT64, 0, flags);
  info_properties[INFO_PROP_NEXT_ANNOUNCE] =
    g_param_spec_int64 ("next-announce", NULL, NULL, 0, G_MAXINT64, 0, flags);
  info_properties[INFO_PROP_SEEDERS] = g_param_spec_int64 ("seeders", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_LEECHERS] = g_param_spec_int64 ("leechers", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_DOWNLOADED] =
    g_param_spec_int64 ("downloaded", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_LAST_PEERS] = g_param_spec_uint ("last-peers", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_INFO_PROPS, info_properties);
}

static void
shoal_tracker_info_init (ShoalTrackerInfo *self)
{
  self->seeders = -1;
  self->leechers = -1;
  self->downloaded = -1;
}

/**
 * shoal_tracker_info_get_url:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the tracker's announce URL
 */
const char *
shoal_tracker_info_get_url (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), NULL);
  return self->url;
}

/**
 * shoal_tracker_info_get_tier:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the tier, 0 for the most preferred
 */
guint
shoal_tracker_info_get_tier (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->tier;
}

/**
 * shoal_tracker_info_get_status:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: what the tracker is doing or how its last announce went
 */
ShoalTrackerStatus
shoal_tracker_info_get_status (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), SHOAL_TRACKER_STATUS_IDLE);
  return self->status;
}

/**
 * shoal_tracker_info_get_message:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: (nullable): the last error, or the tracker's warning after a
 *   successful announce
 */
const char *
shoal_tracker_info_get_message (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), NULL);
  return self->message;
}

/**
 * shoal_tracker_info_get_last_announce:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the unix time of the last successful announce, 0 if none
 */
gint64
shoal_tracker_info_get_last_announce (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->last_announce;
}

/**
 * shoal_tracker_info_get_next_announce:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the unix time this tracker will be contacted next, 0 if no
 *   announce to it is scheduled
 */
gint64
shoal_tracker_info_get_next_announce (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->next_announce;
}

/**
 * shoal_tracker_info_get_seeders:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the seeders the tracker last reported, -1 if unknown
 */
gint64
shoal_tracker_info_get_seeders (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->seeders;
}

/**
 * shoal_tracker_info_get_leechers:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the leechers the tracker last reported, -1 if unknown
 */
gint64
shoal_tracker_info_get_leechers (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->leechers;
}

/**
 * shoal_tracker_info_get_downloaded:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the completed downloads the tracker last reported (by scrape),
 *   -1 if unknown
 */
gint64
shoal_tracker_info_get_downloaded (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->downloaded;
}

/**
 * shoal_tracker_info_get_last_peers:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: how many peers the last successful announce returned
 */
guint
shoal_tracker_info_get_last_peers (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->last_peers;
}

static void
info_set_status (ShoalTrackerInfo   *info,
                 ShoalTrackerStatus  status)
{
  if (info->status == status)
    return;
  info->status = status;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_STATUS]);
}

static void
info_set_message (ShoalTrackerInfo *info,
                  const char       *message)
{
  if (g_strcmp0 (info->message, message) == 0)
    return;
  g_free (info->message);
  info->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_MESSAGE]);
}

static void
info_set_int64 (ShoalTrackerInfo *info,
                gint64           *field,
                gint64            value,
                guint             prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[prop]);
}

static void
info_set_last_peers (ShoalTrackerInfo *info,
                     guint             n)
{
  if (info->last_peers == n)
    return;
  info->last_peers = n;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_LAST_PEERS]);
}

/* Checks that @url is an absolute URL with a host; the scheme is judged
 * later, since unsupported trackers are still listed. */
static gboolean
validate_url (const char  *url,
              GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  if (url != NULL)
    uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_INVALID_URL,
                   "“%s” is not a tracker URL", url != NULL ? url : "");
      return FALSE;
    }
  return TRUE;
}

static ShoalTrackerInfo *
tracker_info_new (const char *url,
                  guint       tier,
                  guint       udp_base_ms,
                  guint       udp_max_tries)
{
  ShoalTrackerInfo *info = g_object_new (SHOAL_TYPE_TRACKER_INFO, NULL);
  g_autofree gchar *scheme = g_uri_parse_scheme (url);

  info->url = g_strdup (url);
  info->tier = tier;

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 ||
                         g_ascii_strcasecmp (scheme, "https") == 0))
    info->is_http = TRUE;
  else if (scheme != NULL && g_ascii_strcasecmp (scheme, "udp") == 0)
    {
      info->udp = shoal_tracker_udp_new (url, &info->unusable);
      if (info->udp != NULL)
        shoal_tracker_udp_set_retransmission (info->udp, udp_base_ms, udp_max_tries);
    }
  else
    g_set_error (&info->unusable, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_UNSUPPORTED,
                 "Trackers using “%s” are not supported", scheme != NULL ? scheme : url);

  if (info->unusable != NULL)
    {
      info->status = SHOAL_TRACKER_STATUS_ERROR;
      info->message = g_strdup (info->unusable->message);
    }
  return info;
}

/* ShoalAnnouncer -------------------------------------------------------- */

typedef struct _Tier Tier;
typedef struct _AnnounceOp AnnounceOp;

struct _Tier
{
  ShoalAnnouncer *announcer;   /* not owned: the announcer owns the tier */
  guint           number;
  GSource        *timer;
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
};

enum
{
  SIGNAL_PEERS,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ShoalAnnouncer, shoal_announcer, G_TYPE_OBJECT)

static void tier_start_round (Tier *tier);
static gboolean find_tracker (ShoalAnnouncer *self, const char *url, guint *position,
                              ShoalTrackerInfo **out);

static void
announce_op_free (AnnounceOp *op)
{
  g_clear_object (&op->info);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
tier_cancel (Tier *tier)
{
  if (tier->op != NULL)
    {
      g_cancellable_cancel (tier->op->cancellable);
      tier->op = NULL;
    }
  if (tier->timer != NULL)
    {
      g_source_destroy (tier->timer);
      g_clear_pointer (&tier->timer, g_source_unref);
    }
  tier->next_announce = 0;
}

static void
tier_free (Tier *tier)
{
  tier_cancel (tier);
  g_clear_error (&tier->last_error);
  g_clear_pointer (&tier->last_error_url, g_free);
  g_free (tier);
}

static Tier *
tier_find (ShoalAnnouncer *self,
           guint           number)
{
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);

      if (tier->number == number)
        return tier;
    }
  return NULL;
}

static Tier *
tier_ensure (ShoalAnnouncer *self,
             guint           number)
{
  Tier *tier = tier_find (self, number);
  guint i;

  if (tier != NULL)
    return tier;

  tier = g_new0 (Tier, 1);
  tier->announcer = self;
  tier->number = number;
  for (i = 0; i < self->tiers->len; i++)
    if (((Tier *) g_ptr_array_index (self->tiers, i))->number > number)
      break;
  g_ptr_array_insert (self->tiers, (gint) i, tier);
  return tier;
}

/* The @n-th tracker of the tier @number, and its position in the store. */
static ShoalTrackerInfo *
tier_nth (ShoalAnnouncer *self,
          guint           number,
          guint           n,
          guint          *position)
{
  guint count = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->tier != number)
        continue;
      if (n-- == 0)
        {
          if (position != NULL)
            *position = i;
          return info;  /* the store keeps it alive */
        }
    }
  return NULL;
}

/* Shows the tier's next announce on the tracker that will get it. */
static void
tier_show_next_announce (ShoalAnnouncer *self,
                         Tier           *tier)
{
  ShoalTrackerInfo *info;
  gboolean shown = FALSE;

  for (guint n = 0; (info = tier_nth (self, tier->number, n, NULL)) != NULL; n++)
    {
      gint64 value = 0;

      if (!shown && info->unusable == NULL)
        {
          value = tier->next_announce;
          shown = TRUE;
        }
      info_set_int64 (info, &info->next_announce, value, INFO_PROP_NEXT_ANNOUNCE);
    }
}

static gboolean
tier_timer_cb (gpointer data)
{
  Tier *tier = data;

  g_clear_pointer (&tier->timer, g_source_unref);
  tier->next_announce = 0;
  tier_start_round (tier);
  return G_SOURCE_REMOVE;
}

static void
tier_schedule (Tier  *tier,
               guint  delay_ms)
{
  ShoalAnnouncer *self = tier->announcer;

  if (tier->timer != NULL)
    {
      g_source_destroy (tier->timer);
      g_source_unref (tier->timer);
    }
  tier->timer = g_timeout_source_new (delay_ms);
  g_source_set_callback (tier->timer, tier_timer_cb, tier, NULL);
  g_source_set_static_name (tier->timer, "[shoal] tracker announce");
  g_source_attach (tier->timer, self->context);
  tier->next_announce = g_get_real_time () / G_USEC_PER_SEC + (delay_ms + 999) / 1000;
  tier_show_next_announce (self, tier);
}

static void
fill_request (ShoalAnnouncer      *self,
              ShoalTrackerInfo    *info,
              ShoalTrackerEvent    event,
              ShoalTrackerRequest *request)
{
  guint64 uploaded = 0, downloaded = 0, left = 0;

  if (self->stats_func != NULL)
    self->stats_func (self->stats_data, &uploaded, &downloaded, &left);

  memset (request, 0, sizeof *request);
  memcpy (request->info_hash, self->info_hash, sizeof request->info_hash);
  memcpy (request->peer_id, self->peer_id, sizeof request->peer_id);
  request->port = self->port;
  request->uploaded = uploaded;
  request->downloaded = downloaded;
  request->left = left;
  request->event = event;
  request->numwant = self->want_peers && event != SHOAL_TRACKER_EVENT_STOPPED ? NUMWANT_WANTED : 0;
  request->key = self->key;
  request->tracker_id = info->tracker_id;
}

/* Scrape ----------------------------------------------------------------- */

typedef struct
{
  ShoalTrackerInfo *info;
  GCancellable     *cancellable;
} ScrapeOp;

static void
scrape_op_free (ScrapeOp *op)
{
  g_clear_object (&op->info);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
scrape_done (ScrapeOp *op,
             GArray   *entries,
             GError   *error)
{
  ShoalTrackerInfo *info = op->info;

  if (g_cancellable_is_cancelled (op->cancellable))
    return;
  if (info->scrape_cancellable == op->cancellable)
    g_clear_object (&info->scrape_cancellable);

  if (entries == NULL)
    {
      /* Many trackers do not scrape; the announce still gives the counts. */
      g_debug ("Scrape of %s failed: %s", info->url, error->message);
      return;
    }
  if (entries->len == 0)
    return;

  {
    const ShoalTrackerScrapeEntry *entry = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);

    if (entry->complete >= 0)
      info_set_int64 (info, &info->seeders, entry->complete, INFO_PROP_SEEDERS);
    if (entry->incomplete >= 0)
      info_set_int64 (info, &info->leechers, entry->incomplete, INFO_PROP_LEECHERS);
    if (entry->downloaded >= 0)
      info_set_int64 (info, &info->downloaded, entry->downloaded, INFO_PROP_DOWNLOADED);
  }
}

static void
http_scrape_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ScrapeOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = shoal_tracker_http_scrape_finish (result, &error);

  (void) source;
  scrape_done (op, entries, error);
  scrape_op_free (op);
}

static void
udp_scrape_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ScrapeOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = shoal_tracker_udp_scrape_finish (SHOAL_TRACKER_UDP (source), result, &error);

  scrape_done (op, entries, error);
  scrape_op_free (op);
}

static void
tracker_scrape (ShoalAnnouncer   *self,
                ShoalTrackerInfo *info)
{
  ScrapeOp *op;

  if (info->unusable != NULL || info->scrape_cancellable != NULL)
    return;

  op = g_new0 (ScrapeOp, 1);
  op->info = g_object_ref (info);
  op->cancellable = g_cancellable_new ();
  info->scrape_cancellable = g_object_ref (op->cancellable);
  info->last_scrape_us = g_get_monotonic_time ();

  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_scrape_async (self->soup, info->url, self->info_hash, 1, 0,
                                     op->cancellable, http_scrape_cb, op);
  else
    shoal_tracker_udp_scrape_async (info->udp, self->info_hash, 1, op->cancellable, udp_scrape_cb, op);
  g_main_context_pop_thread_default (self->context);
}

static void
tracker_cancel_scrape (ShoalTrackerInfo *info)
{
  if (info->scrape_cancellable != NULL)
    {
      g_cancellable_cancel (info->scrape_cancellable);
      g_clear_object (&info->scrape_cancellable);
    }
}

/* Stopped ---------------------------------------------------------------- */

typedef struct
{
  GCancellable *cancellable;
  GSource      *timeout;
} StoppedOp;

/* `stopped` announces still under way, in every announcer (main context). */
static guint n_stopping;

/**
 * shoal_announcer_get_n_stopping:
 *
 * Returns: how many `stopped` announces are still under way, so that a
 *   program about to exit can give them a moment to reach the trackers
 */
guint
shoal_announcer_get_n_stopping (void)
{
  return g_atomic_int_get (&n_stopping);
}

static void
stopped_op_free (StoppedOp *op)
{
  if (op->timeout != NULL)
    {
      g_source_destroy (op->timeout);
      g_source_unref (op->timeout);
    }
  g_clear_object (&op->cancellable);
  g_free (op);
}

static gboolean
stopped_timeout_cb (gpointer data)
{
  StoppedOp *op = data;

  g_cancellable_cancel (op->cancellable);
  return G_SOURCE_REMOVE;
}

static void
stopped_http_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ShoalTrackerResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  (void) source;
  (void) user_data;
  response = shoal_tracker_http_announce_finish (result, &error);
  if (response == NULL)
    g_debug ("`stopped` announce failed: %s", error->message);
  g_atomic_int_dec_and_test (&n_stopping);
}

static void
stopped_udp_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StoppedOp *op = user_data;
  g_autoptr(ShoalTrackerResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = shoal_tracker_udp_announce_finish (SHOAL_TRACKER_UDP (source), result, &error);
  if (response == NULL)
    g_debug ("`stopped` announce failed: %s", error->message);
  stopped_op_free (op);
  g_atomic_int_dec_and_test (&n_stopping);
}

/* Tells a tracker we are going away. Nobody waits for the answer, and the
 * request holds no reference to the announcer, which may be gone first. */
static void
tracker_send_stopped (ShoalAnnouncer   *self,
                      ShoalTrackerInfo *info)
{
  ShoalTrackerRequest request;

  fill_request (self, info, SHOAL_TRACKER_EVENT_STOPPED, &request);

  g_atomic_int_inc (&n_stopping);
  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_announce_async (self->soup, info->url, &request, STOPPED_TIMEOUT_MS,
                                       NULL, stopped_http_cb, NULL);
  else
    {
      StoppedOp *op = g_new0 (StoppedOp, 1);

      op->cancellable = g_cancellable_new ();
      op->timeout = g_timeout_source_new (STOPPED_TIMEOUT_MS);
      g_source_set_callback (op->timeout, stopped_timeout_cb, op, NULL);
      g_source_set_static_name (op->timeout, "[shoal] tracker stopped timeout");
      g_source_attach (op->timeout, self->context);
      shoal_tracker_udp_announce_async (info->udp, &request, op->cancellable, stopped_udp_cb, op);
    }
  g_main_context_pop_thread_default (self->context);
}

/* Announce rounds -------------------------------------------------------- */

static gboolean
all_tiers_failed (ShoalAnnouncer *self)
{
  for (guint i = 0; i < self->tiers->len; i++)
    if (!((Tier *) g_ptr_array_index (self->tiers, i))->failed)
      return FALSE;
  return self->tiers->len > 0;
}

static void
tier_round_failed (Tier *tier)
{
  ShoalAnnouncer *self = tier->announcer;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;

  tier->failed = TRUE;
  if (tier->round_tried)
    {
      guint base = self->test_retry_ms != 0 ? self->test_retry_ms : RETRY_BASE_MS;
      guint64 delay = (guint64) base << MIN (tier->failures, 16u);

      tier->failures++;
      tier_schedule (tier, (guint) MIN (delay, (guint64) RETRY_MAX_MS));
    }
  else
    {
      /* No tracker of the tier can be contacted: retrying cannot help. */
      tier->next_announce = 0;
      tier_show_next_announce (self, tier);
    }

  if (!all_tiers_failed (self) || tier->last_error == NULL)
    return;

  /* A handler may change the trackers, and with them this tier. */
  error = g_error_copy (tier->last_error);
  url = g_strdup (tier->last_error_url);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, url, error);
}

static void
tier_set_error (Tier             *tier,
                ShoalTrackerInfo *info,
                const GError     *error)
{
  g_clear_error (&tier->last_error);
  tier->last_error = g_error_copy (error);
  g_free (tier->last_error_url);
  tier->last_error_url = g_strdup (info->url);
}

static void announce_http_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void announce_udp_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static ShoalTrackerEvent
tracker_next_event (ShoalTrackerInfo *info)
{
  if (!info->started_sent)
    return SHOAL_TRACKER_EVENT_STARTED;
  if (info->completed_due)
    return SHOAL_TRACKER_EVENT_COMPLETED;
  return SHOAL_TRACKER_EVENT_NONE;
}

/* Sends the announce to the tier's tracker at round_pos, skipping those
 * that cannot be contacted; ends the round when none is left. */
static void
tier_try (Tier *tier)
{
  ShoalAnnouncer *self = tier->announcer;
  ShoalTrackerInfo *info;
  ShoalTrackerRequest request;
  AnnounceOp *op;

  g_assert (tier->op == NULL);

  for (;;)
    {
      info = tier_nth (self, tier->number, tier->round_pos, NULL);
      if (info == NULL)
        {
          tier_round_failed (tier);
          return;
        }
      if (info->unusable == NULL)
        break;
      if (!tier->round_tried)
        tier_set_error (tier, info, info->unusable);
      tier->round_pos++;
    }

  tier->round_tried = TRUE;
  op = g_new0 (AnnounceOp, 1);
  op->announcer = self;
  op->tier = tier;
  op->info = g_object_ref (info);
  op->cancellable = g_cancellable_new ();
  op->event = tracker_next_event (info);
  tier->op = op;

  fill_request (self, info, op->event, &request);
  info_set_status (info, SHOAL_TRACKER_STATUS_ANNOUNCING);

  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_announce_async (self->soup, info->url, &request, 0,
                                       op->cancellable, announce_http_cb, op);
  else
    shoal_tracker_udp_announce_async (info->udp, &request, op->cancellable, announce_udp_cb, op);
  g_main_context_pop_thread_default (self->context);
}

static void
tier_start_round (Tier *tier)
{
  if (tier->op != NULL || !tier->announcer->running)
    return;
  if (tier->timer != NULL)
    {
      g_source_destroy (tier->timer);
      g_clear_pointer (&tier->timer, g_source_unref);
    }
  tier->next_announce = 0;
  tier->round_pos = 0;
  tier->round_tried = FALSE;
  tier_try (tier);
}

static guint
regular_delay_ms (ShoalAnnouncer       *self,
                  ShoalTrackerResponse *response)
{
  gint64 seconds;

  if (self->test_interval_ms != 0)
    return self->test_interval_ms;

  seconds = response->interval > 0 ? response->interval : DEFAULT_INTERVAL_S;
  seconds = CLAMP (seconds, MIN_INTERVAL_S, MAX_INTERVAL_S);
  if (response->min_interval > seconds)
    seconds = MIN (response->min_interval, (gint64) MAX_HONOURED_MIN_S);
  return (guint) (seconds * 1000);
}

static void
tier_succeeded (Tier                 *tier,
                ShoalTrackerInfo     *info,
                ShoalTrackerEvent     event,
                ShoalTrackerResponse *response)
{
  ShoalAnnouncer *self = tier->announcer;
  ShoalTrackerInfo *other;
  guint position = 0, front = 0;

  if (event == SHOAL_TRACKER_EVENT_STARTED)
    info->started_sent = TRUE;
  else if (event == SHOAL_TRACKER_EVENT_COMPLETED)
    info->completed_due = FALSE;
  if (response->tracker_id != NULL)
    {
      g_free (info->tracker_id);
      info->tracker_id = g_strdup (response->tracker_id);
    }

  tier->failed = FALSE;
  tier->failures = 0;

  info_set_status (info, SHOAL_TRACKER_STATUS_WORKING);
  info_set_message (info, response->warning);
  info_set_int64 (info, &info->last_announce, g_get_real_time () / G_USEC_PER_SEC,
                  INFO_PROP_LAST_ANNOUNCE);
  if (response->seeders >= 0)
    info_set_int64 (info, &info->seeders, response->seeders, INFO_PROP_SEEDERS);
  if (response->leechers >= 0)
    info_set_int64 (info, &info->leechers, response->leechers, INFO_PROP_LEECHERS);
  info_set_last_peers (info, response->peers != NULL ? response->peers->len : 0);

  /* BEP 12: a tracker that answers goes to the front of its tier. */
  tier_nth (self, tier->number, 0, &front);
  if (find_tracker (self, info->url, &position, NULL) && position != front)
    {
      g_object_ref (info);
      g_list_store_remove (self->trackers, position);
      g_list_store_insert (self->trackers, front, info);
      g_object_unref (info);
    }
  for (guint n = 1; (other = tier_nth (self, tier->number, n, NULL)) != NULL; n++)
    if (other->status == SHOAL_TRACKER_STATUS_IDLE || other->status == SHOAL_TRACKER_STATUS_WORKING)
      info_set_status (other, SHOAL_TRACKER_STATUS_BACKUP);

  /* completed() came while an earlier request was in flight. */
  tier_schedule (tier, info->completed_due ? 0 : regular_delay_ms (self, response));

  if (info->last_scrape_us == 0 ||
      g_get_monotonic_time () - info->last_scrape_us >= SCRAPE_INTERVAL_US)
    tracker_scrape (self, info);
}

static void
announce_done (AnnounceOp           *op,
               ShoalTrackerResponse *response,
               GError               *error)
{
  ShoalAnnouncer *self;
  Tier *tier;
  g_autoptr(GArray) peers = NULL;

  if (g_cancellable_is_cancelled (op->cancellable))
    return;  /* abandoned: the tier may be gone */

  self = g_object_ref (op->announcer);
  tier = op->tier;
  g_assert (tier->op == op);
  tier->op = NULL;

  if (response == NULL)
    {
      info_set_status (op->info, SHOAL_TRACKER_STATUS_ERROR);
      info_set_message (op->info, error->message);
      tier_set_error (tier, op->info, error);
      tier->round_pos++;
      tier_try (tier);
    }
  else
    {
      tier_succeeded (tier, op->info, op->event, response);
      peers = response->peers != NULL ? g_array_ref (response->peers)
                                      : g_array_new (FALSE, FALSE, sizeof (ShoalTrackerPeer));
      /* Last, since a handler may change the trackers. */
      g_signal_emit (self, signals[SIGNAL_PEERS], 0, peers, op->info->url);
    }
  g_object_unref (self);
}

static void
announce_http_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AnnounceOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = shoal_tracker_http_announce_finish (result, &error);

  (void) source;
  announce_done (op, response, error);
  announce_op_free (op);
}

static void
announce_udp_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AnnounceOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = NULL;

  response = shoal_tracker_udp_announce_finish (SHOAL_TRACKER_UDP (source), result, &error);
  announce_done (op, response, error);
  announce_op_free (op);
}

/* Runs @func on every tier, looked up again each time since a signal
 * handler run from @func may add or remove tiers. */
static void
foreach_tier (ShoalAnnouncer *self,
              void          (*func) (Tier *tier))
{
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->tiers->len; i++)
    g_array_append_val (numbers, ((Tier *) g_ptr_array_index (self->tiers, i))->number);
  for (guint i = 0; i < numbers->len; i++)
    {
      Tier *tier = tier_find (self, g_array_index (numbers, guint, i));

      if (tier != NULL)
        func (tier);
    }
}

/* GObject ---------------------------------------------------------------- */

static void
shoal_announcer_dispose (GObject *object)
{
  ShoalAnnouncer *self = SHOAL_ANNOUNCER (object);

  self->running = FALSE;
  if (self->tiers != NULL)
    g_ptr_array_set_size (self->tiers, 0);
  if (self->trackers != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

          tracker_cancel_scrape (info);
        }
    }
  g_clear_object (&self->trackers);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (shoal_announcer_parent_class)->dispose (object);
}

static void
shoal_announcer_finalize (GObject *object)
{
  ShoalAnnouncer *self = SHOAL_ANNOUNCER (object);

  g_clear_pointer (&self->tiers, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (shoal_announcer_parent_class)->finalize (object);
}

static void
shoal_announcer_class_init (ShoalAnnouncerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_announcer_dispose;
  object_class->finalize = shoal_announcer_finalize;

  /**
   * ShoalAnnouncer::peers:
   * @self: the announcer
   * @peers: (element-type ShoalTrackerPeer): the peers of one response
   * @tracker_url: the tracker that sent them
   *
   * Emitted for every successful announce, even one without peers.
   */
  signals[SIGNAL_PEERS] =
    g_signal_new ("peers", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * ShoalAnnouncer::error:
   * @self: the announcer
   * @tracker_url: the tracker that failed last
   * @error: its error
   *
   * Emitted when a round of announces failed while the last round of every
   * other tier failed too, so that no tracker at all is working.
   */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
shoal_announcer_init (ShoalAnnouncer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->trackers = g_list_store_new (SHOAL_TYPE_TRACKER_INFO);
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) tier_free);
  self->key = g_random_int ();
  self->want_peers = TRUE;
  self->udp_base_ms = UDP_BASE_TIMEOUT_MS;
  self->udp_max_tries = UDP_MAX_TRIES;
}

/* Public API ------------------------------------------------------------- */

/**
 * shoal_announcer_new:
 * @soup: the session used for HTTP(S) trackers
 * @info_hash: the torrent's 20-byte info-hash (truncated SHA-256 for v2)
 * @peer_id: our peer id
 * @port: the port peers connect to
 * @stats_func: (scope notified) (nullable): asked for the transfer totals
 *   right before each announce
 * @stats_data: data for @stats_func
 *
 * Creates an announcer for one torrent. It works on the thread-default main
 * context of the caller, and contacts nobody before
 * shoal_announcer_start(). Peers are wanted until
 * shoal_announcer_set_want_peers() says otherwise.
 *
 * Returns: (transfer full): a new #ShoalAnnouncer
 */
ShoalAnnouncer *
shoal_announcer_new (SoupSession            *soup,
                     const guint8            info_hash[20],
                     const guint8            peer_id[20],
                     guint16                 port,
                     ShoalAnnouncerStatsFunc stats_func,
                     gpointer                stats_data)
{
  ShoalAnnouncer *self;

  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ANNOUNCER, NULL);
  self->soup = g_object_ref (soup);
  memcpy (self->info_hash, info_hash, SHOAL_TRACKER_HASH_LEN);
  memcpy (self->peer_id, peer_id, SHOAL_TRACKER_PEER_ID_LEN);
  self->port = port;
  self->stats_func = stats_func;
  self->stats_data = stats_data;
  return self;
}

/**
 * shoal_announcer_set_port:
 * @self: a #ShoalAnnouncer
 * @port: the port peers connect to
 *
 * Changes the port sent from the next announce on.
 */
void
shoal_announcer_set_port (ShoalAnnouncer *self,
                          guint16         port)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->port = port;
}

/**
 * shoal_announcer_set_udp_retransmission:
 * @self: a #ShoalAnnouncer
 * @base_timeout_ms: the first wait for an answer, doubled on every try
 * @max_tries: how many times a request is sent before the tracker is
 *   considered down
 *
 * Sets how patient the announcer is with UDP trackers, for the current
 * ones and those added later. The default gives up after 2 tries from
 * 15 s, so that the next tracker of a tier is tried within a minute.
 */
void
shoal_announcer_set_udp_retransmission (ShoalAnnouncer *self,
                                        guint           base_timeout_ms,
                                        guint           max_tries)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  g_return_if_fail (base_timeout_ms > 0 && max_tries > 0);

  self->udp_base_ms = base_timeout_ms;
  self->udp_max_tries = max_tries;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->udp != NULL)
        shoal_tracker_udp_set_retransmission (info->udp, base_timeout_ms, max_tries);
    }
}

/**
 * shoal_announcer_set_intervals_for_testing:
 * @self: a #ShoalAnnouncer
 * @interval_ms: the regular announce interval to use instead of the
 *   tracker's, or 0 for the tracker's
 * @retry_ms: the first retry delay after a failed round, or 0 for 15 s
 *
 * Lets tests see several announces in a few seconds. Not for real use:
 * ignoring a tracker's interval gets a client banned.
 */
void
shoal_announcer_set_intervals_for_testing (ShoalAnnouncer *self,
                                           guint           interval_ms,
                                           guint           retry_ms)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->test_interval_ms = interval_ms;
  self->test_retry_ms = retry_ms;
}

static gboolean
find_tracker (ShoalAnnouncer    *self,
              const char        *url,
              guint             *position,
              ShoalTrackerInfo **out)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (g_strcmp0 (info->url, url) == 0)
        {
          if (position != NULL)
            *position = i;
          if (out != NULL)
            *out = info;  /* the store keeps it alive */
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * shoal_announcer_set_tiers:
 * @self: a #ShoalAnnouncer
 * @tiers: (element-type GStrv): the tiers in order of preference, each a
 *   %NULL-terminated array of announce URLs
 *
 * Replaces all trackers. The URLs of each tier are shuffled, as BEP 12
 * asks; invalid and repeated URLs are left out, and empty tiers are
 * dropped, so tier numbers stay dense. If the announcer is running, the new
 * trackers get a `started` announce at once.
 */
void
shoal_announcer_set_tiers (ShoalAnnouncer *self,
                           GPtrArray      *tiers)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  guint number = 0;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  g_return_if_fail (tiers != NULL);

  g_ptr_array_set_size (self->tiers, 0);
  for (guint t = 0; t < tiers->len; t++)
    {
      const char * const *urls = g_ptr_array_index (tiers, t);
      g_autoptr(GPtrArray) shuffled = g_ptr_array_new ();
      guint added = 0;

      for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
        g_ptr_array_add (shuffled, (gpointer) urls[i]);
      for (guint i = shuffled->len; i > 1; i--)
        {
          guint j = (guint) g_random_int_range (0, (gint32) i);
          gpointer tmp = shuffled->pdata[i - 1];

          shuffled->pdata[i - 1] = shuffled->pdata[j];
          shuffled->pdata[j] = tmp;
        }

      for (guint i = 0; i < shuffled->len; i++)
        {
          const char *url = g_ptr_array_index (shuffled, i);
          g_autoptr(GError) error = NULL;
          gboolean seen = FALSE;

          if (!validate_url (url, &error))
            {
              g_debug ("Ignoring tracker: %s", error->message);
              continue;
            }
          for (guint k = 0; k < infos->len && !seen; k++)
            seen = g_strcmp0 (((ShoalTrackerInfo *) g_ptr_array_index (infos, k))->url, url) == 0;
          if (seen)
            continue;
          g_ptr_array_add (infos, tracker_info_new (url, number, self->udp_base_ms, self->udp_max_tries));
          added++;
        }
      if (added > 0)
        {
          tier_ensure (self, number);
          number++;
        }
    }

  {
    guint old = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

    for (guint i = 0; i < old; i++)
      {
        g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

        tracker_cancel_scrape (info);
        if (self->running && info->started_sent)
          tracker_send_stopped (self, info);
      }
    g_list_store_splice (self->trackers, 0, old, infos->pdata, infos->len);
  }

  foreach_tier (self, tier_start_round);
}

/**
 * shoal_announcer_add_tracker:
 * @self: a #ShoalAnnouncer
 * @url: the announce URL
 * @tier: the tier to add it to, at its end; may be a new tier
 * @error: return location for a #GError
 *
 * Adds a tracker. A URL of a scheme Shoal cannot speak is still added, but
 * shown with an error and never contacted.
 *
 * Returns: %TRUE if added; %FALSE if @url is not a URL or already listed
 */
gboolean
shoal_announcer_add_tracker (ShoalAnnouncer  *self,
                             const char      *url,
                             guint            tier,
                             GError         **error)
{
  g_autoptr(ShoalTrackerInfo) info = NULL;
  guint n, position;
  Tier *t;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!validate_url (url, error))
    return FALSE;
  if (find_tracker (self, url, NULL, NULL))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE,
                   "The tracker “%s” is already in the list", url);
      return FALSE;
    }

  info = tracker_info_new (url, tier, self->udp_base_ms, self->udp_max_tries);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (position = 0; position < n; position++)
    {
      g_autoptr(ShoalTrackerInfo) other = g_list_model_get_item (G_LIST_MODEL (self->trackers), position);

      if (other->tier > tier)
        break;
    }
  g_list_store_insert (self->trackers, position, info);

  t = tier_ensure (self, tier);
  if (t->op == NULL && t->timer == NULL)
    tier_start_round (t);
  return TRUE;
}

/* Forgets the tracker at @position; its tier restarts its round if the
 * tracker was being asked. */
static void
remove_at (ShoalAnnouncer   *self,
           guint             position,
           ShoalTrackerInfo *replacement)
{
  g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), position);
  Tier *tier = tier_find (self, info->tier);
  gboolean was_asked = tier != NULL && tier->op != NULL && tier->op->info == info;

  tracker_cancel_scrape (info);
  if (self->running && (info->started_sent || was_asked))
    tracker_send_stopped (self, info);
  if (was_asked)
    {
      g_cancellable_cancel (tier->op->cancellable);
      tier->op = NULL;
    }

  if (replacement != NULL)
    g_list_store_splice (self->trackers, position, 1, (gpointer *) &replacement, 1);
  else
    g_list_store_remove (self->trackers, position);

  if (tier == NULL)
    return;
  if (tier_nth (self, tier->number, 0, NULL) == NULL)
    {
      g_ptr_array_remove (self->tiers, tier);
      return;
    }
  /* A replacement is a tracker the user wants to try now, and it has not
   * had our `started` yet. */
  if (was_asked || replacement != NULL || (tier->op == NULL && tier->timer == NULL))
    tier_start_round (tier);
  else
    tier_show_next_announce (self, tier);
}

/**
 * shoal_announcer_remove_tracker:
 * @self: a #ShoalAnnouncer
 * @url: the announce URL
 *
 * Removes a tracker; a request in flight to it is abandoned, and if it
 * knows of us it gets a `stopped` announce.
 *
 * Returns: %TRUE if it was listed
 */
gboolean
shoal_announcer_remove_tracker (ShoalAnnouncer *self,
                                const char     *url)
{
  guint position;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (!find_tracker (self, url, &position, NULL))
    return FALSE;
  remove_at (self, position, NULL);
  return TRUE;
}

/**
 * shoal_announcer_replace_tracker:
 * @self: a #ShoalAnnouncer
 * @old_url: the URL to replace
 * @new_url: the URL to put in its place, same tier and position
 * @error: return location for a #GError
 *
 * Replaces a tracker by another, which starts afresh (it gets a `started`
 * announce if the announcer is running).
 *
 * Returns: %TRUE if replaced; %FALSE if @old_url is not listed, @new_url is
 *   not a URL or is listed already
 */
gboolean
shoal_announcer_replace_tracker (ShoalAnnouncer  *self,
                                 const char      *old_url,
                                 const char      *new_url,
                                 GError         **error)
{
  g_autoptr(ShoalTrackerInfo) info = NULL;
  ShoalTrackerInfo *old = NULL;
  guint position;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (old_url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!find_tracker (self, old_url, &position, &old))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_NOT_FOUND,
                   "The tracker “%s” is not in the list", old_url);
      return FALSE;
    }
  if (!validate_url (new_url, error))
    return FALSE;
  if (g_strcmp0 (old_url, new_url) == 0)
    return TRUE;
  if (find_tracker (self, new_url, NULL, NULL))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE,
                   "The tracker “%s” is already in the list", new_url);
      return FALSE;
    }

  info = tracker_info_new (new_url, old->tier, self->udp_base_ms, self->udp_max_tries);
  remove_at (self, position, info);
  return TRUE;
}

/**
 * shoal_announcer_dup_tiers:
 * @self: a #ShoalAnnouncer
 *
 * Returns the trackers as tiers, in the current order of preference (the
 * ones that worked first), for saving with the torrent's resume data.
 *
 * Returns: (transfer full) (element-type GStrv): the tiers
 */
GPtrArray *
shoal_announcer_dup_tiers (ShoalAnnouncer *self)
{
  GPtrArray *tiers;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), NULL);

  tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      ShoalTrackerInfo *info;

      for (guint n = 0; (info = tier_nth (self, tier->number, n, NULL)) != NULL; n++)
        g_strv_builder_add (builder, info->url);
      g_ptr_array_add (tiers, g_strv_builder_end (builder));
    }
  return tiers;
}

/**
 * shoal_announcer_get_trackers:
 * @self: a #ShoalAnnouncer
 *
 * Returns: (transfer none): a #GListModel of #ShoalTrackerInfo, ordered by
 *   tier and by preference within each tier
 */
GListModel *
shoal_announcer_get_trackers (ShoalAnnouncer *self)
{
  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), NULL);
  return G_LIST_MODEL (self->trackers);
}

/**
 * shoal_announcer_start:
 * @self: a #ShoalAnnouncer
 *
 * Starts announcing: every tier gets a `started` announce at once, then
 * regular ones.
 */
void
shoal_announcer_start (ShoalAnnouncer *self)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (self->running)
    return;
  self->running = TRUE;
  foreach_tier (self, tier_start_round);
}

static void
tier_start_round_if_completed_due (Tier *tier)
{
  ShoalTrackerInfo *info;

  for (guint n = 0; (info = tier_nth (tier->announcer, tier->number, n, NULL)) != NULL; n++)
    if (info->completed_due)
      {
        tier_start_round (tier);
        return;
      }
}

/**
 * shoal_announcer_completed:
 * @self: a #ShoalAnnouncer
 *
 * Reports the download as finished: trackers that acknowledged our
 * `started` get a `completed` announce at once. The others will get a
 * `started` with nothing left, which says the same.
 */
void
shoal_announcer_completed (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->started_sent)
        info->completed_due = TRUE;
    }
  /* A tier whose request is in flight sends it when that one is done. */
  foreach_tier (self, tier_start_round_if_completed_due);
}

static void
tier_reset (Tier *tier)
{
  tier_cancel (tier);
  tier->failed = FALSE;
  tier->failures = 0;
  tier->round_pos = 0;
  g_clear_error (&tier->last_error);
  g_clear_pointer (&tier->last_error_url, g_free);
}

/**
 * shoal_announcer_stop:
 * @self: a #ShoalAnnouncer
 *
 * Stops announcing: requests in flight and timers are cancelled, and the
 * trackers that know of us get a `stopped` announce, which is not waited
 * for and given up after a few seconds.
 */
void
shoal_announcer_stop (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (!self->running)
    return;
  self->running = FALSE;
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);

      /* The tracker may have registered us before we cancel its answer. */
      if (tier->op != NULL)
        tier->op->info->started_sent = TRUE;
      tier_reset (tier);
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->started_sent)
        tracker_send_stopped (self, info);
      info->started_sent = FALSE;
      info->completed_due = FALSE;
      tracker_cancel_scrape (info);
      info_set_int64 (info, &info->next_announce, 0, INFO_PROP_NEXT_ANNOUNCE);
      if (info->unusable == NULL)
        {
          info_set_status (info, SHOAL_TRACKER_STATUS_IDLE);
          info_set_message (info, NULL);
        }
    }
}

/**
 * shoal_announcer_announce_now:
 * @self: a #ShoalAnnouncer
 *
 * Announces to every tier at once instead of waiting for the interval, as
 * a manual re-announce or when the torrent runs short of peers. Tiers with
 * a request in flight are left alone. Does nothing while stopped.
 */
void
shoal_announcer_announce_now (ShoalAnnouncer *self)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  foreach_tier (self, tier_start_round);
}

/**
 * shoal_announcer_set_want_peers:
 * @self: a #ShoalAnnouncer
 * @want: whether the torrent wants more peers
 *
 * Sets whether announces ask for peers (200) or for none, as a seed with
 * enough connections does.
 */
void
shoal_announcer_set_want_peers (ShoalAnnouncer *self,
                                gboolean        want)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->want_peers = !!want;
}

/**
 * shoal_announcer_scrape_now:
 * @self: a #ShoalAnnouncer
 *
 * Asks every tracker that can be contacted for its seeder, leecher and
 * download counts (BEP 48 for HTTP, BEP 15 for UDP), which fill the
 * #ShoalTrackerInfo properties. Trackers are also scraped on their own
 * after a successful announce, at most every 30 minutes.
 */
void
shoal_announcer_scrape_now (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      tracker_scrape (self, info);
    }
}
