/* shoal-feed.h: one subscribed RSS or Atom feed and its items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-feed-item.h"

G_BEGIN_DECLS

#define SHOAL_FEED_ERROR (shoal_feed_error_quark ())

/**
 * ShoalFeedError:
 * @SHOAL_FEED_ERROR_BAD_URL: not an http, https or file URL
 * @SHOAL_FEED_ERROR_HTTP: the server answered with an error status
 * @SHOAL_FEED_ERROR_REDIRECT: a redirect that is not followed (to another
 *   scheme, from https to http, to a local host, or too many)
 * @SHOAL_FEED_ERROR_TOO_LARGE: the feed (or a torrent file) is larger than
 *   Shoal reads
 * @SHOAL_FEED_ERROR_TOO_MANY_ITEMS: the feed has more items than Shoal keeps
 * @SHOAL_FEED_ERROR_MALFORMED: not well-formed XML
 * @SHOAL_FEED_ERROR_NOT_A_FEED: well-formed, but not RSS or Atom (an HTML
 *   page, another XML document)
 * @SHOAL_FEED_ERROR_NO_TORRENT: the item names no torrent
 * @SHOAL_FEED_ERROR_BAD_TORRENT: what the item names is not a torrent
 * @SHOAL_FEED_ERROR_BAD_RULE: a rule's regular expression or episode
 *   filter cannot be used
 * @SHOAL_FEED_ERROR_DUPLICATE: the feed is already subscribed to
 */
typedef enum
{
  SHOAL_FEED_ERROR_BAD_URL,
  SHOAL_FEED_ERROR_HTTP,
  SHOAL_FEED_ERROR_REDIRECT,
  SHOAL_FEED_ERROR_TOO_LARGE,
  SHOAL_FEED_ERROR_TOO_MANY_ITEMS,
  SHOAL_FEED_ERROR_MALFORMED,
  SHOAL_FEED_ERROR_NOT_A_FEED,
  SHOAL_FEED_ERROR_NO_TORRENT,
  SHOAL_FEED_ERROR_BAD_TORRENT,
  SHOAL_FEED_ERROR_BAD_RULE,
  SHOAL_FEED_ERROR_DUPLICATE,
} ShoalFeedError;

/* What Shoal reads of one feed: larger feeds are refused. */
#define SHOAL_FEED_MAX_BYTES   (G_GUINT64_CONSTANT (100) * 1000 * 1000)
#define SHOAL_FEED_MAX_ITEMS   100000
/* The shortest polling interval, and the default one, in seconds. */
#define SHOAL_FEED_MIN_INTERVAL      1
#define SHOAL_FEED_DEFAULT_INTERVAL  (30 * 60)

#define SHOAL_TYPE_FEED (shoal_feed_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFeed, shoal_feed, SHOAL, FEED, GObject)

GQuark        shoal_feed_error_quark         (void);

const char   *shoal_feed_get_url             (ShoalFeed   *self);
const char   *shoal_feed_get_id              (ShoalFeed   *self);
const char   *shoal_feed_get_title           (ShoalFeed   *self);
GListModel   *shoal_feed_get_items           (ShoalFeed   *self);
ShoalFeedItem *shoal_feed_find_item          (ShoalFeed   *self,
                                              const char  *id);
guint         shoal_feed_get_n_unread        (ShoalFeed   *self);
gint64        shoal_feed_get_last_update     (ShoalFeed   *self);
const GError *shoal_feed_get_error           (ShoalFeed   *self);
gboolean      shoal_feed_get_updating        (ShoalFeed   *self);
guint         shoal_feed_get_refresh_interval (ShoalFeed  *self);
void          shoal_feed_set_refresh_interval (ShoalFeed  *self,
                                               guint       seconds);
guint         shoal_feed_get_next_refresh_delay (ShoalFeed *self);
void          shoal_feed_mark_read           (ShoalFeed   *self);
void          shoal_feed_mark_item_read      (ShoalFeed   *self,
                                              ShoalFeedItem *item);

char         *shoal_feed_address_from_document (GBytes    *document,
                                                GError   **error);

G_END_DECLS
