/* shoal-options-page.h: a torrent's own options, over the session's
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_OPTIONS_PAGE (shoal_options_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalOptionsPage, shoal_options_page, SHOAL, OPTIONS_PAGE, GtkWidget)

ShoalOptionsPage *shoal_options_page_new         (void);
void              shoal_options_page_set_torrent (ShoalOptionsPage *self,
                                                  ShoalTorrent     *torrent);

G_END_DECLS
