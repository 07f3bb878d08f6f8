/* shoal-torrent-item-widget.h: one row of the torrent list, drawn whole
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_TORRENT_ITEM_WIDGET (shoal_torrent_item_widget_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTorrentItemWidget, shoal_torrent_item_widget, SHOAL, TORRENT_ITEM_WIDGET, GtkWidget)

GtkWidget  *shoal_torrent_item_widget_new               (void);
const char *shoal_torrent_item_widget_get_title         (ShoalTorrentItemWidget *self);
const char *shoal_torrent_item_widget_get_progress_text (ShoalTorrentItemWidget *self);
const char *shoal_torrent_item_widget_get_summary_text  (ShoalTorrentItemWidget *self);
const char *shoal_torrent_item_widget_get_labels_markup (ShoalTorrentItemWidget *self);
double      shoal_torrent_item_widget_get_progress      (ShoalTorrentItemWidget *self);
gboolean    shoal_torrent_item_widget_is_cut            (ShoalTorrentItemWidget *self);

G_END_DECLS
