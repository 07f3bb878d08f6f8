/* shoal-announcer.h: a torrent's trackers, their tiers and their schedule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "shoal-tracker.h"

G_BEGIN_DECLS

#define SHOAL_ANNOUNCER_ERROR (shoal_announcer_error_quark ())

/**
 * ShoalAnnouncerError:
 * @SHOAL_ANNOUNCER_ERROR_INVALID_URL: the text is not an absolute URL with a
 *   host
 * @SHOAL_ANNOUNCER_ERROR_DUPLICATE: the tracker is already in the list
 * @SHOAL_ANNOUNCER_ERROR_NOT_FOUND: no tracker has that URL
 * @SHOAL_ANNOUNCER_ERROR_UNSUPPORTED: the URL's scheme is not one Shoal
 *   speaks (only http, https and udp are); the tracker is listed but never
 *   contacted
 */
typedef enum
{
  SHOAL_ANNOUNCER_ERROR_INVALID_URL,
  SHOAL_ANNOUNCER_ERROR_DUPLICATE,
  SHOAL_ANNOUNCER_ERROR_NOT_FOUND,
  SHOAL_ANNOUNCER_ERROR_UNSUPPORTED,
} ShoalAnnouncerError;

GQuark shoal_announcer_error_quark (void);

/**
 * ShoalTrackerStatus:
 * @SHOAL_TRACKER_STATUS_IDLE: not contacted yet (or the torrent is paused)
 * @SHOAL_TRACKER_STATUS_ANNOUNCING: a request is under way
 * @SHOAL_TRACKER_STATUS_WORKING: the last announce succeeded
 * @SHOAL_TRACKER_STATUS_ERROR: the last announce failed; see the message
 * @SHOAL_TRACKER_STATUS_BACKUP: a lower-priority tracker of its tier, not
 *   used while one before it works
 */
typedef enum
{
  SHOAL_TRACKER_STATUS_IDLE,
  SHOAL_TRACKER_STATUS_ANNOUNCING,
  SHOAL_TRACKER_STATUS_WORKING,
  SHOAL_TRACKER_STATUS_ERROR,
  SHOAL_TRACKER_STATUS_BACKUP,
} ShoalTrackerStatus;

#define SHOAL_TYPE_TRACKER_STATUS (shoal_tracker_status_get_type ())
GType shoal_tracker_status_get_type (void);

/* ShoalTrackerInfo: what the user sees of one tracker (public, for lists). */
#define SHOAL_TYPE_TRACKER_INFO (shoal_tracker_info_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTrackerInfo, shoal_tracker_info, SHOAL, TRACKER_INFO, GObject)

const char         *shoal_tracker_info_get_url           (ShoalTrackerInfo *self);
guint               shoal_tracker_info_get_tier          (ShoalTrackerInfo *self);
ShoalTrackerStatus  shoal_tracker_info_get_status        (ShoalTrackerInfo *self);
const char         *shoal_tracker_info_get_message       (ShoalTrackerInfo *self); /* error or warning */
gint64              shoal_tracker_info_get_last_announce (ShoalTrackerInfo *self); /* unix time, 0 never */
gint64              shoal_tracker_info_get_next_announce (ShoalTrackerInfo *self); /* unix time, 0 unscheduled */
gint64              shoal_tracker_info_get_seeders       (ShoalTrackerInfo *self); /* -1 unknown */
gint64              shoal_tracker_info_get_leechers      (ShoalTrackerInfo *self);
gint64              shoal_tracker_info_get_downloaded    (ShoalTrackerInfo *self);
guint               shoal_tracker_info_get_last_peers    (ShoalTrackerInfo *self); /* peers in last reply */

/**
 * ShoalAnnouncerStatsFunc:
 *
 * Asked right before each announce for the transfer totals since the
 * `started` event and the bytes still missing.
 */
typedef void (*ShoalAnnouncerStatsFunc) (gpointer  user_data,
                                         guint64  *uploaded,
                                         guint64  *downloaded,
                                         guint64  *left);

#define SHOAL_TYPE_ANNOUNCER (shoal_announcer_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAnnouncer, shoal_announcer, SHOAL, ANNOUNCER, GObject)

ShoalAnnouncer *shoal_announcer_new             (SoupSession            *soup,
                                                 const guint8            info_hash[20],
                                                 const guint8            peer_id[20],
                                                 guint16                 port,
                                                 ShoalAnnouncerStatsFunc stats_func,
                                                 gpointer                stats_data);
void            shoal_announcer_set_port        (ShoalAnnouncer *self,
                                                 guint16         port);
void            shoal_announcer_set_udp_retransmission (ShoalAnnouncer *self,
                                                        guint           base_timeout_ms,
                                                        guint           max_tries);
/* Tiers: a GPtrArray of NULL-terminated string arrays (BEP 12), in order. */
void            shoal_announcer_set_tiers       (ShoalAnnouncer *self,
                                                 GPtrArray      *tiers);
gboolean        shoal_announcer_add_tracker     (ShoalAnnouncer *self,
                                                 const char     *url,
                                                 guint           tier,
                                                 GError        **error);
gboolean        shoal_announcer_remove_tracker  (ShoalAnnouncer *self,
                                                 const char     *url);
gboolean        shoal_announcer_replace_tracker (ShoalAnnouncer *self,
                                                 const char     *old_url,
                                                 const char     *new_url,
                                                 GError        **error);
GPtrArray      *shoal_announcer_dup_tiers       (ShoalAnnouncer *self);
GListModel     *shoal_announcer_get_trackers    (ShoalAnnouncer *self);

void            shoal_announcer_start           (ShoalAnnouncer *self);
void            shoal_announcer_completed       (ShoalAnnouncer *self);
void            shoal_announcer_stop            (ShoalAnnouncer *self);

typedef struct _ShoalAnnouncerGroup ShoalAnnouncerGroup;

ShoalAnnouncerGroup *shoal_announcer_group_new            (void);
ShoalAnnouncerGroup *shoal_announcer_group_ref            (ShoalAnnouncerGroup *group);
void                 shoal_announcer_group_unref          (ShoalAnnouncerGroup *group);
guint                shoal_announcer_group_get_n_stopping (ShoalAnnouncerGroup *group);
void                 shoal_announcer_group_set_idle_func  (ShoalAnnouncerGroup *group,
                                                           void               (*func) (gpointer data),
                                                           gpointer             data);
void                 shoal_announcer_set_group            (ShoalAnnouncer      *self,
                                                           ShoalAnnouncerGroup *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalAnnouncerGroup, shoal_announcer_group_unref)
void            shoal_announcer_announce_now    (ShoalAnnouncer *self);
void            shoal_announcer_set_want_peers  (ShoalAnnouncer *self,
                                                 gboolean        want);
void            shoal_announcer_scrape_now      (ShoalAnnouncer *self);

/* Replaces the tracker-chosen interval and the retry backoff base by
 * @interval_ms and @retry_ms (0 restores the normal rules). Tests only. */
void            shoal_announcer_set_intervals_for_testing (ShoalAnnouncer *self,
                                                           guint           interval_ms,
                                                           guint           retry_ms);

/* Signals:
 *   "peers" (GArray *peers of ShoalTrackerPeer, const char *tracker_url)
 *   "error" (const char *tracker_url, const GError *error): every tracker of
 *     every tier failed on the last round (for the torrent's error state)
 */

G_END_DECLS
