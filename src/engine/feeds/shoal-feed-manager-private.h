/* shoal-feed-manager-private.h: what the manager's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * shoal-feed-manager.c: feeds, rules, previews, what is saved;
 * shoal-feed-manager-download.c: an item's torrent added to the session;
 * shoal-feed-manager-refresh.c: refreshes, polling, the rules run.
 */
#pragma once

#include "shoal-feed-manager.h"
#include "shoal-feed-private.h"
#include "shoal-state-store.h"

G_BEGIN_DECLS

struct _ShoalFeedManager
{
  GObject          parent_instance;

  ShoalSession    *session;
  ShoalStateStore *store;
  SoupSession     *soup;
  GListStore      *feeds;
  GListStore      *rules;
  GHashTable      *timers;      /* ShoalFeed -> source id */
  GHashTable      *refreshing;  /* ShoalFeed -> GPtrArray of GTask waiting for it */
  GHashTable      *downloading; /* ShoalFeedItem set */
  GCancellable    *cancellable;
  GThreadPool     *writer;      /* one thread: the saves, in order */
  gboolean         polling;
  gboolean         no_auto_download;
  guint            rules_generation;  /* changes with the rules: items are looked at again */
};

void _shoal_feed_manager_emit_torrent_added (ShoalFeedManager    *self,
                                             ShoalFeed           *feed,
                                             ShoalFeedItem       *item,
                                             ShoalTorrent        *torrent);
void _shoal_feed_manager_save_config        (ShoalFeedManager    *self);
void _shoal_feed_manager_save_copy          (ShoalFeedManager    *self,
                                             ShoalFeed           *feed,
                                             GBytes              *body);
void _shoal_feed_manager_save_history       (ShoalFeedManager    *self,
                                             ShoalFeed           *feed);
void _shoal_feed_manager_schedule_refresh   (ShoalFeedManager    *self,
                                             ShoalFeed           *feed,
                                             guint                seconds);
void _shoal_feed_manager_start_download     (ShoalFeedManager    *self,
                                             ShoalFeed           *feed,
                                             ShoalFeedItem       *item,
                                             ShoalFeedRule       *rule,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);

G_END_DECLS
