/* shoal-pieces-map.h: a grid of a torrent's pieces
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

/**
 * ShoalPiecesMapColor:
 * @SHOAL_PIECES_MAP_COLOR_HAD: a verified piece
 * @SHOAL_PIECES_MAP_COLOR_DOWNLOADING: a piece being downloaded
 * @SHOAL_PIECES_MAP_COLOR_MISSING: a missing piece no peer has
 * @SHOAL_PIECES_MAP_COLOR_AVAILABLE: a missing piece many peers have
 *   (missing pieces are shaded between the two by availability)
 */
typedef enum
{
  SHOAL_PIECES_MAP_COLOR_HAD,
  SHOAL_PIECES_MAP_COLOR_DOWNLOADING,
  SHOAL_PIECES_MAP_COLOR_MISSING,
  SHOAL_PIECES_MAP_COLOR_AVAILABLE,
} ShoalPiecesMapColor;

#define SHOAL_TYPE_PIECES_MAP (shoal_pieces_map_get_type ())

G_DECLARE_FINAL_TYPE (ShoalPiecesMap, shoal_pieces_map, SHOAL, PIECES_MAP, GtkWidget)

ShoalPiecesMap *shoal_pieces_map_new                (void);
void            shoal_pieces_map_set_torrent        (ShoalPiecesMap      *self,
                                                     ShoalTorrent        *torrent);
ShoalTorrent   *shoal_pieces_map_get_torrent        (ShoalPiecesMap      *self);
void            shoal_pieces_map_set_bitfield       (ShoalPiecesMap      *self,
                                                     const ShoalBitfield *have);
guint8          shoal_pieces_map_get_cell_had       (ShoalPiecesMap      *self,
                                                     guint                piece);
guint           shoal_pieces_map_get_n_pieces       (ShoalPiecesMap      *self);
gboolean        shoal_pieces_map_update             (ShoalPiecesMap      *self);
guint           shoal_pieces_map_get_pieces_per_cell (ShoalPiecesMap     *self);
gboolean        shoal_pieces_map_get_piece_bounds   (ShoalPiecesMap      *self,
                                                     guint                piece,
                                                     graphene_rect_t     *bounds);
void            shoal_pieces_map_get_color          (ShoalPiecesMap      *self,
                                                     ShoalPiecesMapColor  which,
                                                     GdkRGBA             *color);

G_END_DECLS
