/* shoal-remove-dialog.h: the dialog that confirms removing torrents
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_REMOVE_DIALOG (shoal_remove_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalRemoveDialog, shoal_remove_dialog, SHOAL, REMOVE_DIALOG, AdwMessageDialog)

ShoalRemoveDialog *shoal_remove_dialog_new          (GtkWindow         *parent,
                                                     GPtrArray         *torrents);
GPtrArray         *shoal_remove_dialog_get_torrents (ShoalRemoveDialog *self);

G_END_DECLS
