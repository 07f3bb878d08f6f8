/* shoal-files-page.h: a torrent's files as a tree, with their priorities
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_FILES_PAGE (shoal_files_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalFilesPage, shoal_files_page, SHOAL, FILES_PAGE, GtkWidget)

ShoalFilesPage *shoal_files_page_new         (void);
void            shoal_files_page_set_torrent (ShoalFilesPage *self,
                                              ShoalTorrent   *torrent);

G_END_DECLS
