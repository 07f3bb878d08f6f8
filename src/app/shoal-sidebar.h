/* shoal-sidebar.h: the filter sidebar beside the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_SIDEBAR (shoal_sidebar_get_type ())

G_DECLARE_FINAL_TYPE (ShoalSidebar, shoal_sidebar, SHOAL, SIDEBAR, GtkWidget)

GtkWidget  *shoal_sidebar_new              (void);
void        shoal_sidebar_set_torrents     (ShoalSidebar *self,
                                            GListModel   *torrents,
                                            GSettings    *settings);
GtkFilter  *shoal_sidebar_get_filter       (ShoalSidebar *self);
const char *shoal_sidebar_get_state_filter (ShoalSidebar *self);
void        shoal_sidebar_set_state_filter (ShoalSidebar *self,
                                            const char   *state);
const char *shoal_sidebar_get_label        (ShoalSidebar *self);
void        shoal_sidebar_set_label        (ShoalSidebar *self,
                                            const char   *label);
const char *shoal_sidebar_get_tracker      (ShoalSidebar *self);
void        shoal_sidebar_set_tracker      (ShoalSidebar *self,
                                            const char   *host);
guint       shoal_sidebar_get_count        (ShoalSidebar *self,
                                            const char   *section,
                                            const char   *key);
gboolean    shoal_sidebar_state_matches    (const char        *state_filter,
                                            ShoalTorrentState  state,
                                            double             progress);

G_END_DECLS
