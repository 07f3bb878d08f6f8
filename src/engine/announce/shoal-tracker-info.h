/* shoal-tracker-info.h: what the user sees of one tracker of a torrent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Public (part of <shoal-engine.h>): the items of shoal_torrent_get_trackers()
 * and the errors of shoal_torrent_add_tracker() and friends. Implemented by
 * the announcer (shoal-announcer.c), which stays private; this header names
 * no announcer, libsoup or tracker-protocol type.
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

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
 *
 * The errors of a torrent's tracker list (shoal_torrent_add_tracker(),
 * shoal_torrent_replace_tracker(), shoal_tracker_info_get_message()).
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
 *
 * Registered by announce/shoal-announcer.c (G_DEFINE_ENUM_TYPE), hence
 * skipped by glib-mkenums: the announcer uses the type, and the generated
 * enums are built with session/, which announce/ may not include.
 */
typedef enum /*< skip >*/
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

G_END_DECLS
