/* shoal-general-page.h: what there is to know about one torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_GENERAL_PAGE (shoal_general_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalGeneralPage, shoal_general_page, SHOAL, GENERAL_PAGE, GtkWidget)

ShoalGeneralPage *shoal_general_page_new         (void);
void              shoal_general_page_set_torrent (ShoalGeneralPage *self,
                                                  ShoalTorrent     *torrent);
void              shoal_general_page_update      (ShoalGeneralPage *self);

G_END_DECLS
