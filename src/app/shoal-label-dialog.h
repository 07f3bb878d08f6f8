/* shoal-label-dialog.h: the labels of torrents, their colours, and the
 * dialog that edits them
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

char  *shoal_label_dup_color (GSettings   *settings,
                              const char  *label);
char  *shoal_label_color_from (GVariant   *colors,
                               const char *label);
void   shoal_label_set_color (GSettings   *settings,
                              const char  *label,
                              const char  *color);
GStrv  shoal_labels_collect  (GSettings   *settings,
                              GListModel  *torrents);
void   shoal_labels_rename   (GSettings   *settings,
                              GListModel  *torrents,
                              const char  *old_name,
                              const char  *new_name);
void   shoal_labels_delete   (GSettings   *settings,
                              GListModel  *torrents,
                              const char  *label);

#define SHOAL_TYPE_LABEL_DIALOG (shoal_label_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalLabelDialog, shoal_label_dialog, SHOAL, LABEL_DIALOG, AdwWindow)

ShoalLabelDialog *shoal_label_dialog_new (GSettings  *settings,
                                          GListModel *all_torrents,
                                          GPtrArray  *torrents);

G_END_DECLS
