/* shoal-pieces-page.h: the pieces map with its legend
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"
#include "shoal-pieces-map.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PIECES_PAGE (shoal_pieces_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalPiecesPage, shoal_pieces_page, SHOAL, PIECES_PAGE, GtkWidget)

ShoalPiecesPage *shoal_pieces_page_new         (void);
void             shoal_pieces_page_set_torrent (ShoalPiecesPage *self,
                                                ShoalTorrent    *torrent);
ShoalPiecesMap  *shoal_pieces_page_get_map     (ShoalPiecesPage *self);

G_END_DECLS
