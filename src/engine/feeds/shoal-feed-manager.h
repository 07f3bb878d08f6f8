/* shoal-feed-manager.h: feeds, download rules, and the torrents they add
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-feed.h"
#include "shoal-feed-item.h"
#include "shoal-feed-rule.h"
#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_FEED_MANAGER (shoal_feed_manager_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFeedManager, shoal_feed_manager, SHOAL, FEED_MANAGER, GObject)

ShoalFeedManager *shoal_feed_manager_new           (ShoalSession     *session);
gboolean          shoal_feed_manager_load          (ShoalFeedManager *self,
                                                    GError          **error);
ShoalSession     *shoal_feed_manager_get_session   (ShoalFeedManager *self);
void              shoal_feed_manager_save          (ShoalFeedManager *self);
GListModel       *shoal_feed_manager_get_feeds     (ShoalFeedManager *self);
GListModel       *shoal_feed_manager_get_rules     (ShoalFeedManager *self);
ShoalFeed        *shoal_feed_manager_find_feed     (ShoalFeedManager *self,
                                                    const char       *url);
ShoalFeed        *shoal_feed_manager_add_feed      (ShoalFeedManager *self,
                                                    const char       *url,
                                                    GError          **error);
void              shoal_feed_manager_remove_feed   (ShoalFeedManager *self,
                                                    ShoalFeed        *feed);
gboolean          shoal_feed_manager_add_rule      (ShoalFeedManager *self,
                                                    ShoalFeedRule    *rule,
                                                    GError          **error);
gboolean          shoal_feed_manager_replace_rule  (ShoalFeedManager *self,
                                                    ShoalFeedRule    *old_rule,
                                                    ShoalFeedRule    *new_rule,
                                                    GError          **error);
void              shoal_feed_manager_remove_rule   (ShoalFeedManager *self,
                                                    ShoalFeedRule    *rule);
ShoalFeedRule    *shoal_feed_manager_find_rule     (ShoalFeedManager *self,
                                                    const char       *name);
GListModel       *shoal_feed_manager_preview_rule  (ShoalFeedManager *self,
                                                    ShoalFeedRule    *rule);

void              shoal_feed_manager_flush         (ShoalFeedManager *self);
void              shoal_feed_manager_set_polling   (ShoalFeedManager *self,
                                                    gboolean          polling);
gboolean          shoal_feed_manager_get_polling   (ShoalFeedManager *self);
void              shoal_feed_manager_set_auto_download (ShoalFeedManager *self,
                                                        gboolean          auto_download);
gboolean          shoal_feed_manager_get_auto_download (ShoalFeedManager *self);
void              shoal_feed_manager_refresh_async (ShoalFeedManager    *self,
                                                    ShoalFeed           *feed,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          shoal_feed_manager_refresh_finish (ShoalFeedManager  *self,
                                                     GAsyncResult      *result,
                                                     GError           **error);
void              shoal_feed_manager_download_item_async (ShoalFeedManager    *self,
                                                          ShoalFeed           *feed,
                                                          ShoalFeedItem       *item,
                                                          ShoalFeedRule       *rule,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
ShoalTorrent     *shoal_feed_manager_download_item_finish (ShoalFeedManager  *self,
                                                           GAsyncResult      *result,
                                                           GError           **error);
void              shoal_feed_manager_set_item_ignored (ShoalFeedManager *self,
                                                       ShoalFeed        *feed,
                                                       ShoalFeedItem    *item,
                                                       gboolean          ignored);

G_END_DECLS
