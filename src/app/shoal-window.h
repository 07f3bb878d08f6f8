/* shoal-window.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-app-session.h"
#include "shoal-application.h"
#include "shoal-move-dialog.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_WINDOW (shoal_window_get_type ())

G_DECLARE_FINAL_TYPE (ShoalWindow, shoal_window, SHOAL, WINDOW, AdwApplicationWindow)

ShoalWindow        *shoal_window_new              (ShoalApplication *application);
void                shoal_window_save_state       (ShoalWindow      *self);
void                shoal_window_open_file        (ShoalWindow      *self,
                                                   GFile            *file);
void                shoal_window_open_metainfo    (ShoalWindow      *self,
                                                   ShoalMetainfo    *info);
void                shoal_window_add_link         (ShoalWindow      *self,
                                                   const char       *uri);
gboolean            shoal_window_drop_value       (ShoalWindow      *self,
                                                   const GValue     *value);
ShoalTorrent       *shoal_window_add_magnet       (ShoalWindow      *self,
                                                   const char       *uri,
                                                   gboolean          choose_files);
void                shoal_window_add_toast        (ShoalWindow      *self,
                                                   const char       *title);
const char         *shoal_window_get_last_toast   (ShoalWindow      *self);
GtkListView        *shoal_window_get_list_view    (ShoalWindow      *self);
GtkSelectionModel  *shoal_window_get_selection    (ShoalWindow      *self);
GtkWindow          *shoal_window_get_dialog       (ShoalWindow      *self);
void                shoal_window_set_search       (ShoalWindow      *self,
                                                   const char       *text);
void                shoal_window_set_state_filter (ShoalWindow      *self,
                                                   guint             filter);
void                shoal_window_set_sort         (ShoalWindow      *self,
                                                   const char       *key,
                                                   gboolean          descending);
gboolean            shoal_window_is_narrow        (ShoalWindow      *self);
GtkWidget          *shoal_window_get_details_view (ShoalWindow      *self);
void                shoal_window_show_details     (ShoalWindow      *self);
void                shoal_window_show_list        (ShoalWindow      *self);
void                shoal_window_fit_dialog       (ShoalWindow      *self,
                                                   GtkWindow        *dialog);
ShoalMoveDialog    *shoal_window_move_selected    (ShoalWindow      *self,
                                                   const char       *save_dir);
ShoalAppSession    *shoal_window_get_app_session  (ShoalWindow      *self);
void                shoal_window_set_app_session  (ShoalWindow      *self,
                                                   ShoalAppSession  *session);
GtkWindow          *shoal_window_connect_dialog   (ShoalWindow      *self,
                                                   const char       *url,
                                                   const char       *user);

GtkWindow          *shoal_window_edit_labels      (ShoalWindow      *self);
GtkWidget          *shoal_window_get_sidebar      (ShoalWindow      *self);

G_END_DECLS
