/* shoal-tracker-dialog.h: the dialog to add or edit a tracker
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_TRACKER_DIALOG (shoal_tracker_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalTrackerDialog, shoal_tracker_dialog, SHOAL, TRACKER_DIALOG, AdwMessageDialog)

ShoalTrackerDialog *shoal_tracker_dialog_new             (GtkWindow          *parent,
                                                          const char         *editing_url,
                                                          guint               tier);
const char         *shoal_tracker_dialog_get_editing_url (ShoalTrackerDialog *self);
char               *shoal_tracker_dialog_dup_url         (ShoalTrackerDialog *self);
guint               shoal_tracker_dialog_get_tier        (ShoalTrackerDialog *self);

G_END_DECLS
