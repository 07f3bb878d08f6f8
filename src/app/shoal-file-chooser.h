/* shoal-file-chooser.h: asking the user for a file or a folder
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  SHOAL_FILE_CHOOSER_OPEN,            /* one existing file */
  SHOAL_FILE_CHOOSER_OPEN_TORRENTS,   /* .torrent files, one or more */
  SHOAL_FILE_CHOOSER_FOLDER,          /* a folder */
  SHOAL_FILE_CHOOSER_SAVE_TORRENT,    /* where to write a .torrent */
} ShoalFileChooserMode;

/**
 * ShoalFilesChosenFunc:
 * @parent: the window the chooser was shown for
 * @files: a #GListModel of #GFile, one or more
 *
 * Called when the user accepted; never when they cancelled, nor once
 * @parent is gone.
 */
typedef void (*ShoalFilesChosenFunc) (GtkWindow  *parent,
                                      GListModel *files);

void shoal_file_chooser_show (GtkWindow            *parent,
                              ShoalFileChooserMode  mode,
                              const char           *title,
                              const char           *accept_label,
                              GFile                *folder,
                              const char           *name,
                              ShoalFilesChosenFunc  callback);

G_END_DECLS
