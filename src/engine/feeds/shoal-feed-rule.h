/* shoal-feed-rule.h: which items of feeds download by themselves
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-feed-item.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_FEED_RULE (shoal_feed_rule_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFeedRule, shoal_feed_rule, SHOAL, FEED_RULE, GObject)

ShoalFeedRule *shoal_feed_rule_new                (const char     *name);
ShoalFeedRule *shoal_feed_rule_copy               (ShoalFeedRule  *self);

const char    *shoal_feed_rule_get_name           (ShoalFeedRule  *self);
gboolean       shoal_feed_rule_get_enabled        (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_feed_url       (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_must_contain   (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_must_not_contain (ShoalFeedRule *self);
gboolean       shoal_feed_rule_get_use_regex      (ShoalFeedRule  *self);
guint64        shoal_feed_rule_get_min_size       (ShoalFeedRule  *self);
guint64        shoal_feed_rule_get_max_size       (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_episode_filter (ShoalFeedRule  *self);
gboolean       shoal_feed_rule_get_smart_filter   (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_save_dir       (ShoalFeedRule  *self);
gboolean       shoal_feed_rule_get_add_paused     (ShoalFeedRule  *self);
const char    *shoal_feed_rule_get_label          (ShoalFeedRule  *self);
GStrv          shoal_feed_rule_dup_downloaded_episodes (ShoalFeedRule *self);

gboolean       shoal_feed_rule_check              (ShoalFeedRule  *self,
                                                   GError        **error);
gboolean       shoal_feed_rule_matches            (ShoalFeedRule  *self,
                                                   const char     *feed_url,
                                                   ShoalFeedItem  *item,
                                                   char          **why_not);
void           shoal_feed_rule_forget_episodes    (ShoalFeedRule  *self);

G_END_DECLS
