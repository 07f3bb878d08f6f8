/* shoal-link-dialog.h: the dialog that asks for a magnet link or the
 * address of a .torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_LINK_DIALOG (shoal_link_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalLinkDialog, shoal_link_dialog, SHOAL, LINK_DIALOG, AdwMessageDialog)

ShoalLinkDialog *shoal_link_dialog_new              (GtkWindow       *parent);
char            *shoal_link_dialog_dup_uri          (ShoalLinkDialog *self);
gboolean         shoal_link_dialog_get_choose_files (ShoalLinkDialog *self);
gboolean         shoal_link_dialog_is_magnet        (const char      *text);
void             shoal_link_dialog_set_choose_files_possible (ShoalLinkDialog *self,
                                                              gboolean         possible);

G_END_DECLS
