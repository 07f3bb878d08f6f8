/* shoal-file-chooser.c: asking the user for a file or a folder
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every file chooser of the app goes through here: a modal
 * GtkFileChooserNative (the portal's under Flatpak; GTK 4.8 has no
 * GtkFileDialog yet), destroyed once answered.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-file-chooser.h"

typedef struct
{
  GtkWindow            *parent;    /* weak */
  ShoalFilesChosenFunc  callback;
} Choice;

static void
choice_free (gpointer data,
             GClosure *closure)
{
  Choice *choice = data;

  g_clear_weak_pointer (&choice->parent);
  g_free (choice);
}

static void
response_cb (GtkFileChooserNative *chooser,
             int                   response,
             Choice               *choice)
{
  if (response == GTK_RESPONSE_ACCEPT && choice->parent != NULL)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      if (files != NULL && g_list_model_get_n_items (files) > 0)
        choice->callback (choice->parent, files);
    }
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  /* Frees @choice too, with the handler */
  g_object_unref (chooser);
}

/**
 * shoal_file_chooser_show:
 * @parent: the window to stay above, modal
 * @mode: what to choose
 * @title: the chooser's title
 * @accept_label: its accept button's label, with a mnemonic
 * @folder: (nullable): the folder to start in, if it exists
 * @name: (nullable): the name to offer, for %SHOAL_FILE_CHOOSER_SAVE_TORRENT
 * @callback: called with the chosen files
 *
 * Shows a file chooser and calls @callback when the user accepts.
 */
void
shoal_file_chooser_show (GtkWindow            *parent,
                         ShoalFileChooserMode  mode,
                         const char           *title,
                         const char           *accept_label,
                         GFile                *folder,
                         const char           *name,
                         ShoalFilesChosenFunc  callback)
{
  GtkFileChooserAction action = GTK_FILE_CHOOSER_ACTION_OPEN;
  GtkFileChooserNative *chooser;
  Choice *choice;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (folder == NULL || G_IS_FILE (folder));
  g_return_if_fail (callback != NULL);

  switch (mode)
    {
    case SHOAL_FILE_CHOOSER_OPEN:
    case SHOAL_FILE_CHOOSER_OPEN_TORRENTS:
      action = GTK_FILE_CHOOSER_ACTION_OPEN;
      break;
    case SHOAL_FILE_CHOOSER_FOLDER:
      action = GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;
      break;
    case SHOAL_FILE_CHOOSER_SAVE_TORRENT:
      action = GTK_FILE_CHOOSER_ACTION_SAVE;
      break;
    default:
      g_return_if_reached ();
    }

  chooser = gtk_file_chooser_native_new (title, parent, action, accept_label, _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  if (mode == SHOAL_FILE_CHOOSER_OPEN_TORRENTS || mode == SHOAL_FILE_CHOOSER_SAVE_TORRENT)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Torrent Files"));
      gtk_file_filter_add_mime_type (filter, "application/x-bittorrent");
      gtk_file_filter_add_suffix (filter, "torrent");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  if (mode == SHOAL_FILE_CHOOSER_OPEN_TORRENTS)
    gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  if (folder != NULL && g_file_query_exists (folder, NULL))
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  if (name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);

  choice = g_new0 (Choice, 1);
  g_set_weak_pointer (&choice->parent, parent);
  choice->callback = callback;
  g_signal_connect_data (chooser, "response", G_CALLBACK (response_cb), choice, choice_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
