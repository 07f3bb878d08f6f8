/* shoal-new-torrent-dialog.h: make a .torrent from a file or a folder
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_NEW_TORRENT_DIALOG (shoal_new_torrent_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalNewTorrentDialog, shoal_new_torrent_dialog, SHOAL, NEW_TORRENT_DIALOG, AdwWindow)

ShoalNewTorrentDialog *shoal_new_torrent_dialog_new             (GtkWindow             *parent,
                                                                 ShoalSession          *session);
void                   shoal_new_torrent_dialog_set_path        (ShoalNewTorrentDialog *self,
                                                                 const char            *path);
const char            *shoal_new_torrent_dialog_get_path        (ShoalNewTorrentDialog *self);
void                   shoal_new_torrent_dialog_set_trackers    (ShoalNewTorrentDialog *self,
                                                                 const char            *text);
void                   shoal_new_torrent_dialog_set_web_seeds   (ShoalNewTorrentDialog *self,
                                                                 const char            *text);
void                   shoal_new_torrent_dialog_set_piece_size  (ShoalNewTorrentDialog *self,
                                                                 guint64                piece_size);
void                   shoal_new_torrent_dialog_set_private     (ShoalNewTorrentDialog *self,
                                                                 gboolean               is_private);
void                   shoal_new_torrent_dialog_set_comment     (ShoalNewTorrentDialog *self,
                                                                 const char            *comment);
void                   shoal_new_torrent_dialog_set_source      (ShoalNewTorrentDialog *self,
                                                                 const char            *source);
void                   shoal_new_torrent_dialog_set_version     (ShoalNewTorrentDialog *self,
                                                                 ShoalTorrentVersion    version);
ShoalTorrentVersion    shoal_new_torrent_dialog_get_version     (ShoalNewTorrentDialog *self);
const char            *shoal_new_torrent_dialog_get_page        (ShoalNewTorrentDialog *self);
ShoalMetainfo         *shoal_new_torrent_dialog_get_metainfo    (ShoalNewTorrentDialog *self);
gboolean               shoal_new_torrent_dialog_save_to         (ShoalNewTorrentDialog *self,
                                                                 GFile                 *file,
                                                                 GError               **error);
const char            *shoal_new_torrent_dialog_get_last_toast  (ShoalNewTorrentDialog *self);

GPtrArray             *shoal_parse_tracker_tiers                (const char            *text,
                                                                 GError               **error);
char                 **shoal_parse_web_seeds                    (const char            *text,
                                                                 GError               **error);

G_END_DECLS
