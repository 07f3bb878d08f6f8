/* shoal-feeds.h: the application's feed manager and its Feeds window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-application.h"

G_BEGIN_DECLS

void              shoal_feeds_install     (ShoalApplication *app);
ShoalFeedManager *shoal_feeds_get_manager (ShoalApplication *app);
gboolean          shoal_feeds_open        (ShoalApplication *app,
                                           GFile            *file);
gboolean          shoal_feeds_is_feed_file (GFile           *file);

G_END_DECLS
