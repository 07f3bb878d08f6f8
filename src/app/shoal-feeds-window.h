/* shoal-feeds-window.h: feeds, their items, and the rule editor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_FEEDS_WINDOW (shoal_feeds_window_get_type ())

G_DECLARE_FINAL_TYPE (ShoalFeedsWindow, shoal_feeds_window, SHOAL, FEEDS_WINDOW, AdwWindow)

ShoalFeedsWindow *shoal_feeds_window_new            (ShoalFeedManager *manager);
void              shoal_feeds_window_add_feed       (ShoalFeedsWindow *self,
                                                     const char       *url);
void              shoal_feeds_window_offer_feed     (ShoalFeedsWindow *self,
                                                     const char       *url);
void              shoal_feeds_window_open_file      (ShoalFeedsWindow *self,
                                                     GFile            *file);
ShoalFeed        *shoal_feeds_window_get_feed       (ShoalFeedsWindow *self);
ShoalFeedRule    *shoal_feeds_window_get_edited_rule (ShoalFeedsWindow *self);
GListModel       *shoal_feeds_window_get_preview    (ShoalFeedsWindow *self);

G_END_DECLS
