/* shoal-feed-item.h: one item of a feed, and the torrent it gives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * ShoalFeedItemState:
 * @SHOAL_FEED_ITEM_NEW: not downloaded, not ignored
 * @SHOAL_FEED_ITEM_DOWNLOADED: its torrent was added to the session (by a
 *   rule or by hand); never added again
 * @SHOAL_FEED_ITEM_IGNORED: the user set it aside; rules leave it alone
 * @SHOAL_FEED_ITEM_FAILED: adding its torrent failed (see
 *   shoal_feed_item_get_error()); tried again at the next refresh
 *
 * What was done with an item. %SHOAL_FEED_ITEM_DOWNLOADED and
 * %SHOAL_FEED_ITEM_IGNORED are kept in the feed's history across restarts.
 */
typedef enum
{
  SHOAL_FEED_ITEM_NEW,
  SHOAL_FEED_ITEM_DOWNLOADED,
  SHOAL_FEED_ITEM_IGNORED,
  SHOAL_FEED_ITEM_FAILED,
} ShoalFeedItemState;

#define SHOAL_TYPE_FEED_ITEM_STATE (shoal_feed_item_state_get_type ())
GType shoal_feed_item_state_get_type (void) G_GNUC_CONST;

#define SHOAL_TYPE_FEED_ITEM (shoal_feed_item_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFeedItem, shoal_feed_item, SHOAL, FEED_ITEM, GObject)

const char         *shoal_feed_item_get_id          (ShoalFeedItem *self);
const char         *shoal_feed_item_get_title       (ShoalFeedItem *self);
const char         *shoal_feed_item_get_torrent_url (ShoalFeedItem *self);
const char         *shoal_feed_item_get_info_hash   (ShoalFeedItem *self);
gint64              shoal_feed_item_get_pub_date    (ShoalFeedItem *self);
guint64             shoal_feed_item_get_size        (ShoalFeedItem *self);
ShoalFeedItemState  shoal_feed_item_get_state       (ShoalFeedItem *self);
const char         *shoal_feed_item_get_error       (ShoalFeedItem *self);
gboolean            shoal_feed_item_get_read        (ShoalFeedItem *self);
char               *shoal_feed_item_dup_episode     (ShoalFeedItem *self);

G_END_DECLS
