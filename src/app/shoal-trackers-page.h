/* shoal-trackers-page.h: a torrent's trackers, editable
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TRACKERS_PAGE (shoal_trackers_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTrackersPage, shoal_trackers_page, SHOAL, TRACKERS_PAGE, GtkWidget)

ShoalTrackersPage *shoal_trackers_page_new         (void);
void               shoal_trackers_page_set_torrent (ShoalTrackersPage *self,
                                                    ShoalTorrent      *torrent);

G_END_DECLS
