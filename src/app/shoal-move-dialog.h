/* shoal-move-dialog.h: moving torrents' data to another folder, with progress
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_MOVE_DIALOG (shoal_move_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalMoveDialog, shoal_move_dialog, SHOAL, MOVE_DIALOG, AdwMessageDialog)

ShoalMoveDialog *shoal_move_dialog_new          (GtkWindow       *parent,
                                                 GPtrArray       *torrents,
                                                 const char      *save_dir);
double           shoal_move_dialog_get_fraction (ShoalMoveDialog *self);
gboolean         shoal_move_dialog_is_done      (ShoalMoveDialog *self);
const GError    *shoal_move_dialog_get_error    (ShoalMoveDialog *self);
void             shoal_move_dialog_cancel       (ShoalMoveDialog *self);

G_END_DECLS
