/* shoal-add-dialog.h: where to save a new torrent and which files
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"
#include "shoal-file-node.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_ADD_DIALOG (shoal_add_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAddDialog, shoal_add_dialog, SHOAL, ADD_DIALOG, AdwWindow)

ShoalAddDialog *shoal_add_dialog_new          (GtkWindow      *parent,
                                               ShoalSession   *session,
                                               GSettings      *settings,
                                               ShoalMetainfo  *info,
                                               const char     *save_dir);
ShoalAddDialog *shoal_add_dialog_new_for_torrent (GtkWindow    *parent,
                                                  GSettings    *settings,
                                                  ShoalTorrent *torrent);
ShoalTorrent   *shoal_add_dialog_get_torrent  (ShoalAddDialog *self);
ShoalFileNode  *shoal_add_dialog_get_files    (ShoalAddDialog *self);
const char     *shoal_add_dialog_get_save_dir (ShoalAddDialog *self);
void            shoal_add_dialog_set_save_dir (ShoalAddDialog *self,
                                               const char     *save_dir);

G_END_DECLS
