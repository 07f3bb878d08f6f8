/* shoal-announcer.h: a torrent's trackers, their tiers and their schedule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "shoal-net-bind.h"
#include "shoal-tracker.h"
#include "shoal-tracker-info.h"

G_BEGIN_DECLS

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
void            shoal_announcer_change_port     (ShoalAnnouncer *self,
                                                 guint16         port);
void                shoal_announcer_set_bind           (ShoalAnnouncer *self,
                                                        ShoalNetBind   *bind);
void                shoal_announcer_set_udp_off        (ShoalAnnouncer *self,
                                                        const char     *reason);
void                shoal_announcer_set_socks_proxy    (ShoalAnnouncer *self,
                                                        const char     *proxy_uri);
void            shoal_announcer_set_udp_retransmission (ShoalAnnouncer *self,
                                                        guint           base_timeout_ms,
                                                        guint           max_tries);
/* Tiers: a GPtrArray of NULL-terminated string arrays (BEP 12), in order. */
void            shoal_announcer_set_alt_info_hash (ShoalAnnouncer *self,
                                                   const guint8   *info_hash);
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
void            shoal_announcer_restart_requests (ShoalAnnouncer *self);
void            shoal_announcer_set_want_peers  (ShoalAnnouncer *self,
                                                 gboolean        want);
void            shoal_announcer_scrape_now      (ShoalAnnouncer *self);

/* Signals:
 *   "peers" (GArray *peers of ShoalTrackerPeer, const char *tracker_url)
 *   "error" (const char *tracker_url, const GError *error): every tracker of
 *     every tier failed on the last round (for the torrent's error state)
 */

G_END_DECLS
