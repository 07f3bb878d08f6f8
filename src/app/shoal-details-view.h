/* shoal-details-view.h: the details pane of the selected torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DETAILS_VIEW (shoal_details_view_get_type ())

G_DECLARE_FINAL_TYPE (ShoalDetailsView, shoal_details_view, SHOAL, DETAILS_VIEW, GtkWidget)

ShoalDetailsView *shoal_details_view_new              (void);
void              shoal_details_view_set_session      (ShoalDetailsView *self,
                                                       ShoalSession     *session);
void              shoal_details_view_set_torrent      (ShoalDetailsView *self,
                                                       ShoalTorrent     *torrent);
ShoalTorrent     *shoal_details_view_get_torrent      (ShoalDetailsView *self);
GtkWidget        *shoal_details_view_get_page         (ShoalDetailsView *self,
                                                       const char       *name);
void              shoal_details_view_set_visible_page (ShoalDetailsView *self,
                                                       const char       *name);

void shoal_widget_unparent_children (GtkWidget *widget);

G_END_DECLS
