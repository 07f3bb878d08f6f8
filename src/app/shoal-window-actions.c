/* shoal-window-actions.c: what the main window does for the user
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every action works on all the selected torrents. Adding goes through
 * the add dialog, whatever the source: file chooser, drag-and-drop, a
 * second `shoal` process, or a URL.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "shoal-add-dialog.h"
#include "shoal-file-chooser.h"
#include "shoal-label-dialog.h"
#include "shoal-move-dialog.h"
#include "shoal-new-torrent-dialog.h"
#include "shoal-remove-dialog.h"
#include "shoal-torrent-item.h"
#include "shoal-torrent-uri.h"
#include "shoal-window-private.h"

/**
 * shoal_window_dup_selected_items:
 * @self: a window
 *
 * Returns: (transfer full) (element-type ShoalAppTorrent): the selected
 *   torrents of the session shown, local or remote, in the order shown
 */
GPtrArray *
shoal_window_dup_selected_items (ShoalWindow *self)
{
  GPtrArray *torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return torrents;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (row != NULL)
        g_ptr_array_add (torrents, g_object_ref (shoal_torrent_row_get_item (row)));
    }
  return torrents;
}

/**
 * shoal_window_dup_selected:
 * @self: a window
 *
 * What works on this computer's torrents only (their files, the queue…)
 * asks this; it is empty while the window shows a remote session.
 *
 * Returns: (transfer full) (element-type ShoalTorrent): the selected
 *   torrents of this computer's session, in the order shown
 */
GPtrArray *
shoal_window_dup_selected (ShoalWindow *self)
{
  GPtrArray *torrents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return torrents;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (row != NULL && shoal_torrent_row_get_torrent (row) != NULL)
        g_ptr_array_add (torrents, g_object_ref (shoal_torrent_row_get_torrent (row)));
    }
  return torrents;
}

static void
set_enabled (ShoalWindow *self,
             const char  *name,
             gboolean     enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static gboolean
is_active (ShoalTorrentState state)
{
  return state == SHOAL_TORRENT_STATE_DOWNLOADING ||
         state == SHOAL_TORRENT_STATE_SEEDING ||
         state == SHOAL_TORRENT_STATE_CHECKING ||
         state == SHOAL_TORRENT_STATE_FETCHING_METADATA;
}

/**
 * shoal_window_update_actions:
 * @self: a window
 *
 * Enables the actions that make sense for the current selection: start
 * when a selected torrent is stopped, pause when one runs.
 */
void
shoal_window_update_actions (ShoalWindow *self)
{
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);
  gboolean any_active = FALSE;
  gboolean any_stopped = FALSE;
  /* The data of a server's torrents is on the server. */
  gboolean local = self->app_session == NULL || shoal_app_session_get_local (self->app_session) != NULL;

  for (guint i = 0; i < selected->len; i++)
    {
      ShoalTorrentState state = shoal_app_torrent_get_state (g_ptr_array_index (selected, i));

      /* A check runs whether or not the torrent is to start after it,
       * and the engine does not say which: offer both. */
      if (state == SHOAL_TORRENT_STATE_CHECKING)
        any_active = any_stopped = TRUE;
      else if (is_active (state))
        any_active = TRUE;
      else
        any_stopped = TRUE;
    }

  set_enabled (self, "start", any_stopped);
  set_enabled (self, "pause", any_active);
  set_enabled (self, "verify", selected->len > 0);
  set_enabled (self, "remove", selected->len > 0);
  set_enabled (self, "open-data", local && selected->len > 0);
  set_enabled (self, "open-folder", local && selected->len > 0);
  set_enabled (self, "copy-magnet", selected->len > 0);
  set_enabled (self, "set-location", selected->len > 0);
  set_enabled (self, "reannounce", any_active);
  set_enabled (self, "queue-up", selected->len > 0);
  set_enabled (self, "queue-down", selected->len > 0);
  set_enabled (self, "queue-top", selected->len > 0);
  set_enabled (self, "queue-bottom", selected->len > 0);
  set_enabled (self, "new-torrent", local);
  set_enabled (self, "edit-labels", selected->len > 0);
}

/* Adding */

static void
add_dialog_added_cb (ShoalWindow    *self,
                     ShoalTorrent   *torrent,
                     ShoalAddDialog *dialog)
{
  shoal_torrent_list_flush (self->rows);
}

static void
add_dialog_failed_cb (ShoalWindow    *self,
                      const GError   *error,
                      ShoalAddDialog *dialog)
{
  shoal_window_add_toast (self, error->message);
}

/**
 * shoal_window_open_metainfo:
 * @self: a window
 * @info: a parsed .torrent
 *
 * Asks where to save @info and which files to download, then adds it; or
 * says it is in the list already.
 */
void
shoal_window_open_metainfo (ShoalWindow   *self,
                            ShoalMetainfo *info)
{
  ShoalApplication *app;
  ShoalAddDialog *dialog;
  g_autofree char *dir = NULL;
  const guint8 *hash;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (SHOAL_IS_METAINFO (info));

  hash = shoal_metainfo_get_info_hash_v1 (info);
  if (hash != NULL && shoal_session_find_torrent (self->session, hash) != NULL)
    {
      ShoalTorrent *existing = shoal_session_find_torrent (self->session, hash);
      g_autofree char *text = NULL;
      guint merged = 0;

      /* The same torrent from another source may know other trackers. */
      for (guint t = 0; t < shoal_metainfo_get_n_tiers (info); t++)
        {
          const char * const *tier = shoal_metainfo_get_tier (info, t);

          for (guint i = 0; tier[i] != NULL; i++)
            if (shoal_torrent_add_tracker (existing, tier[i], t, NULL))
              merged++;
        }
      if (merged > 0)
        /* Translators: %s is a torrent name, %u a number of trackers */
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "“%s” is already in the list; %u new tracker was added to it",
                                             "“%s” is already in the list; %u new trackers were added to it",
                                             merged),
                                shoal_metainfo_get_name (info), merged);
      else
        /* Translators: %s is a torrent name */
        text = g_strdup_printf (_("“%s” is already in the list"), shoal_metainfo_get_name (info));
      shoal_window_add_toast (self, text);
      return;
    }

  app = SHOAL_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  dir = shoal_application_dup_download_dir (app);

  /* The desktop integration tests (D-Bus activation through `gio open`)
   * check that the torrent reaches the engine, without clicking. */
  if (g_getenv ("SHOAL_TEST_ADD_WITHOUT_DIALOG") != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (shoal_session_add_torrent (self->session, info, dir, SHOAL_ADD_FLAGS_PAUSED, &error) == NULL)
        shoal_window_add_toast (self, error->message);
      return;
    }

  dialog = shoal_add_dialog_new (GTK_WINDOW (self), self->session, self->settings, info, dir);
  g_signal_connect_object (dialog, "added", G_CALLBACK (add_dialog_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "failed", G_CALLBACK (add_dialog_failed_cb), self, G_CONNECT_SWAPPED);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * shoal_window_open_file:
 * @self: a window
 * @file: a .torrent file
 *
 * Reads @file and offers to add it; a file that is not a usable torrent
 * gets a toast saying why.
 */
void
shoal_window_open_file (ShoalWindow *self,
                        GFile       *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  info = shoal_metainfo_new_from_file (file, NULL, &error);
  if (info == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *text = NULL;

      /* Translators: the first %s is a file name, the second why it failed */
      text = g_strdup_printf (_("Could not open “%s”: %s"), name, error->message);
      shoal_window_add_toast (self, text);
      return;
    }
  /* A server gets the file as it is, and adds it into its download
   * folder: it has no dialog to choose files in. */
  if (shoal_app_session_get_local (self->app_session) == NULL)
    {
      g_autoptr(GBytes) bytes = g_file_load_bytes (file, NULL, NULL, &error);

      if (bytes == NULL)
        shoal_window_add_toast (self, error->message);
      else
        shoal_app_session_add_metainfo (self->app_session, bytes);
      return;
    }
  shoal_window_open_metainfo (self, info);
}

static void
url_loaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  SoupMessage *message;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  if (bytes != NULL && message != NULL && !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message)))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%u %s", soup_message_get_status (message),
                   soup_message_get_reason_phrase (message));
    }
  else if (bytes != NULL)
    info = shoal_metainfo_new_from_bytes (bytes, &error);

  if (info == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says why a .torrent could not be downloaded */
      text = g_strdup_printf (_("Could not download the torrent: %s"), error->message);
      shoal_window_add_toast (self, text);
      return;
    }
  shoal_window_open_metainfo (self, info);
}

/**
 * shoal_window_add_link:
 * @self: a window
 * @uri: a magnet link, or an http(s) URL of a .torrent
 *
 * Adds the torrent a link points to: a magnet link at once (it fetches
 * its metadata from peers, then downloads every file), a .torrent on the
 * web through the add dialog once downloaded.
 */
void
shoal_window_add_link (ShoalWindow *self,
                       const char  *uri)
{
  g_autofree char *scheme = NULL;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  scheme = g_uri_parse_scheme (uri);
  /* A server fetches a web address itself. */
  if (scheme != NULL && shoal_app_session_get_local (self->app_session) == NULL &&
      (g_ascii_strcasecmp (scheme, "magnet") == 0 || g_ascii_strcasecmp (scheme, "http") == 0 ||
       g_ascii_strcasecmp (scheme, "https") == 0))
    {
      shoal_app_session_add_link (self->app_session, uri);
      return;
    }
  if (scheme != NULL && g_ascii_strcasecmp (scheme, "magnet") == 0)
    {
      shoal_window_add_magnet (self, uri, FALSE);
      return;
    }

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0))
    {
      g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
      g_autoptr(SoupSession) soup = NULL;

      if (message == NULL)
        {
          shoal_window_add_toast (self, _("Invalid address"));
          return;
        }
      soup = soup_session_new_with_options ("user-agent", "Shoal/" PACKAGE_VERSION, "timeout", 30, NULL);
      soup_session_send_and_read_async (soup, message, G_PRIORITY_DEFAULT, self->cancellable, url_loaded_cb, self);
      return;
    }

  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);

      shoal_window_open_file (self, file);
      return;
    }

  shoal_window_add_toast (self, _("Not a magnet link or a web address"));
}

static void
torrent_files_chosen_cb (GtkWindow  *window,
                         GListModel *files)
{
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      shoal_window_open_file (SHOAL_WINDOW (window), file);
    }
}

static void
add_file_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  ShoalWindow *self = user_data;

  shoal_file_chooser_show (GTK_WINDOW (self), SHOAL_FILE_CHOOSER_OPEN_TORRENTS, _("Add Torrent File"), _("_Add"),
                           NULL, NULL, torrent_files_chosen_cb);
}

static void
add_link_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  shoal_window_show_link_dialog (SHOAL_WINDOW (user_data));
}

static void
new_torrent_seeding_cb (ShoalWindow           *self,
                        ShoalTorrent          *torrent,
                        ShoalNewTorrentDialog *dialog)
{
  shoal_torrent_list_flush (self->rows);
}

static void
new_torrent_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ShoalWindow *self = user_data;
  ShoalNewTorrentDialog *dialog = shoal_new_torrent_dialog_new (GTK_WINDOW (self), self->session);

  g_signal_connect_object (dialog, "seeding", G_CALLBACK (new_torrent_seeding_cb), self, G_CONNECT_SWAPPED);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Acting on the selection */

static void
start_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);

  for (guint i = 0; i < selected->len; i++)
    shoal_app_torrent_start (g_ptr_array_index (selected, i));
  shoal_window_update_actions (self);
}

static void
pause_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);

  for (guint i = 0; i < selected->len; i++)
    shoal_app_torrent_stop (g_ptr_array_index (selected, i));
  shoal_window_update_actions (self);
}

static void
verify_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);

  for (guint i = 0; i < selected->len; i++)
    shoal_app_torrent_verify (g_ptr_array_index (selected, i));
}

static void
remove_response_cb (ShoalRemoveDialog *dialog,
                    const char        *response,
                    gpointer           user_data)
{
  GPtrArray *torrents = shoal_remove_dialog_get_torrents (dialog);
  ShoalAppSession *session = user_data;
  gboolean delete_data = g_str_equal (response, "delete");

  if (!delete_data && !g_str_equal (response, "remove"))
    return;

  /* The session's "failed" says what could not be deleted. */
  for (guint i = 0; i < torrents->len; i++)
    shoal_app_session_remove (session, g_ptr_array_index (torrents, i), delete_data);
}

static void
remove_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);
  ShoalRemoveDialog *dialog;

  if (selected->len == 0)
    return;

  dialog = shoal_remove_dialog_new (GTK_WINDOW (self), selected);
  g_signal_connect_data (dialog, "response", G_CALLBACK (remove_response_cb), g_object_ref (self->app_session),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);

  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_uri (ShoalWindow *self,
          const char  *uri)
{
  /* gtk_show_uri goes through the OpenURI portal inside a sandbox. */
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

void
shoal_window_open_torrent_data (ShoalWindow  *self,
                                ShoalTorrent *torrent)
{
  g_autofree char *uri = shoal_torrent_dup_data_uri (torrent);
  g_autofree char *path = g_filename_from_uri (uri, NULL, NULL);

  /* Nothing is on disk before the first piece arrives: open the folder. */
  if (path != NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_free (uri);
      uri = g_filename_to_uri (shoal_torrent_get_save_dir (torrent), NULL, NULL);
    }
  if (uri != NULL)
    show_uri (self, uri);
}

static void
open_data_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected (self);

  for (guint i = 0; i < selected->len; i++)
    shoal_window_open_torrent_data (self, g_ptr_array_index (selected, i));
}

static void
open_folder_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected (self);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* Several torrents in one folder open it once. */
  for (guint i = 0; i < selected->len; i++)
    {
      const char *dir = shoal_torrent_get_save_dir (g_ptr_array_index (selected, i));
      g_autofree char *uri = NULL;

      if (!g_hash_table_add (seen, (gpointer) dir))
        continue;
      uri = g_filename_to_uri (dir, NULL, NULL);
      if (uri != NULL)
        show_uri (self, uri);
    }
}

static void
copy_magnet_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < selected->len; i++)
    {
      g_autofree char *magnet = shoal_app_torrent_dup_magnet (g_ptr_array_index (selected, i));

      if (magnet == NULL)
        continue;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, magnet);
    }
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text->str);
  shoal_window_add_toast (self, g_dngettext (GETTEXT_PACKAGE, "Magnet link copied", "Magnet links copied",
                                             selected->len));
}

static void
search_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  ShoalWindow *self = user_data;

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_list_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  shoal_window_show_list (SHOAL_WINDOW (user_data));
}

/* Set Location… and Ask Trackers for More Peers */

/**
 * shoal_window_move_selected:
 * @self: a window
 * @save_dir: the folder to move the selected torrents' data to
 *
 * What Set Location… does once the folder is chosen: moves the data
 * with a progress dialog, which can cancel.
 *
 * Returns: (transfer none) (nullable): the dialog; %NULL when there is
 *   nothing to move
 */
ShoalMoveDialog *
shoal_window_move_selected (ShoalWindow *self,
                            const char  *save_dir)
{
  g_autoptr(GPtrArray) selected = NULL;

  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  g_return_val_if_fail (save_dir != NULL, NULL);

  selected = shoal_window_dup_selected (self);
  if (selected->len == 0)
    return NULL;
  return shoal_move_dialog_new (GTK_WINDOW (self), selected, save_dir);
}

static void
location_chosen_cb (GtkWindow  *parent,
                    GListModel *files)
{
  g_autoptr(GFile) folder = g_list_model_get_item (files, 0);
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (path != NULL)
    shoal_window_move_selected (SHOAL_WINDOW (parent), path);
}

/* A server's folders are not this computer's: its path is typed. */
static void
remote_location_response_cb (AdwMessageDialog *dialog,
                             const char       *response,
                             ShoalWindow      *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *dir = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  GPtrArray *selected = g_object_get_data (G_OBJECT (dialog), "torrents");

  if (!g_str_equal (response, "move") || dir[0] == '\0')
    return;
  for (guint i = 0; i < selected->len; i++)
    shoal_app_session_set_location (self->app_session, g_ptr_array_index (selected, i), dir);
}

static void
set_remote_location (ShoalWindow *self,
                     GPtrArray   *selected)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Set Location"),
                                              _("The folder on the server to move the data to."));
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry),
                         shoal_app_torrent_get_save_dir (g_ptr_array_index (selected, 0)) != NULL ?
                         shoal_app_torrent_get_save_dir (g_ptr_array_index (selected, 0)) : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "move", _("_Move Here"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "move", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "move");
  g_object_set_data_full (G_OBJECT (dialog), "torrents", g_ptr_array_ref (selected),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remote_location_response_cb), self, 0);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_location_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected (self);
  g_autoptr(GFile) current = NULL;

  if (shoal_app_session_get_local (self->app_session) == NULL)
    {
      g_autoptr(GPtrArray) items = shoal_window_dup_selected_items (self);

      if (items->len > 0)
        set_remote_location (self, items);
      return;
    }
  if (selected->len == 0)
    return;
  current = g_file_new_for_path (shoal_torrent_get_save_dir (g_ptr_array_index (selected, 0)));
  shoal_file_chooser_show (GTK_WINDOW (self), SHOAL_FILE_CHOOSER_FOLDER, _("Set Location"), _("_Move Here"),
                           current, NULL, location_chosen_cb);
}

static void
reannounce_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);
  guint asked = 0;

  for (guint i = 0; i < selected->len; i++)
    asked += shoal_app_torrent_reannounce (g_ptr_array_index (selected, i)) ? 1 : 0;
  if (asked == 0 && selected->len > 0)
    shoal_window_add_toast (self, g_dngettext (GETTEXT_PACKAGE, "The torrent is not running",
                                               "None of the torrents is running", selected->len));
}

/* Queue */

static int
compare_queue_position (gconstpointer a,
                        gconstpointer b)
{
  guint pa = shoal_torrent_get_queue_position (*(ShoalTorrent **) a);
  guint pb = shoal_torrent_get_queue_position (*(ShoalTorrent **) b);

  return pa < pb ? -1 : pa > pb;
}

/* Several torrents move keeping their order among themselves: moved up
 * or to the top from the front one, down or to the bottom from the back
 * one (a move to the top puts the one moved last first). */
static void
queue_move (ShoalWindow    *self,
            ShoalQueueMove  move)
{
  g_autoptr(GPtrArray) selected = NULL;
  gboolean from_front = move == SHOAL_QUEUE_MOVE_UP || move == SHOAL_QUEUE_MOVE_BOTTOM;

  /* A server keeps the order of several torrents moved in one call. */
  if (SHOAL_IS_APP_REMOTE_SESSION (self->app_session))
    {
      g_autoptr(GPtrArray) items = shoal_window_dup_selected_items (self);

      shoal_app_remote_session_queue_move (SHOAL_APP_REMOTE_SESSION (self->app_session), items, move);
      return;
    }
  selected = shoal_window_dup_selected (self);
  g_ptr_array_sort (selected, compare_queue_position);
  for (guint i = 0; i < selected->len; i++)
    {
      ShoalTorrent *torrent = g_ptr_array_index (selected, from_front ? i : selected->len - 1 - i);

      shoal_session_queue_move (self->session, torrent, move);
    }
}

static void
queue_up_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  queue_move (user_data, SHOAL_QUEUE_MOVE_UP);
}

static void
queue_down_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  queue_move (user_data, SHOAL_QUEUE_MOVE_DOWN);
}

static void
queue_top_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  queue_move (user_data, SHOAL_QUEUE_MOVE_TOP);
}

static void
queue_bottom_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  queue_move (user_data, SHOAL_QUEUE_MOVE_BOTTOM);
}

/**
 * shoal_window_edit_labels:
 * @self: a window
 *
 * Opens the label dialog for the selected torrents, as their menu's
 * Labels… does.
 *
 * Returns: (transfer none) (nullable): the dialog, or %NULL when nothing
 *   is selected
 */
GtkWindow *
shoal_window_edit_labels (ShoalWindow *self)
{
  g_autoptr(GPtrArray) selected = NULL;
  GtkWindow *dialog;

  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);

  selected = shoal_window_dup_selected_items (self);
  if (selected->len == 0)
    return NULL;
  dialog = GTK_WINDOW (shoal_label_dialog_new (self->settings, shoal_app_session_get_torrents (self->app_session),
                                               selected));
  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  shoal_window_set_dialog (self, dialog);
  gtk_window_present (dialog);
  return dialog;
}

static void
edit_labels_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  shoal_window_edit_labels (user_data);
}

static const GActionEntry win_actions[] = {
  { .name = "add-file", .activate = add_file_action },
  { .name = "add-link", .activate = add_link_action },
  { .name = "new-torrent", .activate = new_torrent_action },
  { .name = "start", .activate = start_action },
  { .name = "pause", .activate = pause_action },
  { .name = "verify", .activate = verify_action },
  { .name = "remove", .activate = remove_action },
  { .name = "open-data", .activate = open_data_action },
  { .name = "open-folder", .activate = open_folder_action },
  { .name = "copy-magnet", .activate = copy_magnet_action },
  { .name = "search", .activate = search_action },
  { .name = "show-list", .activate = show_list_action },
  { .name = "set-location", .activate = set_location_action },
  { .name = "reannounce", .activate = reannounce_action },
  { .name = "queue-up", .activate = queue_up_action },
  { .name = "queue-down", .activate = queue_down_action },
  { .name = "queue-top", .activate = queue_top_action },
  { .name = "queue-bottom", .activate = queue_bottom_action },
  { .name = "edit-labels", .activate = edit_labels_action },
};

/* Pointer and drops */

static guint
find_row_position (ShoalWindow     *self,
                   ShoalTorrentRow *row)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTorrentRow) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (item == row)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
context_click_cb (ShoalWindow     *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  GtkWidget *picked;
  ShoalTorrentRow *row;
  guint position;
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  picked = gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT);
  row = shoal_torrent_item_find_row (picked);
  if (row == NULL)
    return;

  /* Right-clicking outside the selection acts on that row alone, as in
   * file managers. */
  position = find_row_position (self, row);
  if (position != GTK_INVALID_LIST_POSITION &&
      !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_popover));
}

/* Enter or a double click on a row: in a narrow window it opens the
 * torrent's details page, in a wide one (where the details are beside the
 * list already) the downloaded data. */
static void
list_view_activate_cb (ShoalWindow *self,
                       guint        position,
                       GtkListView *list_view)
{
  g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (row == NULL)
    return;
  if (self->narrow)
    {
      gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
      shoal_window_show_details (self);
    }
  else
    shoal_window_open_torrent_data (self, shoal_torrent_row_get_torrent (row));
}

/* In a narrow window one click (or tap) on a row opens its details, as
 * in the lists of phone apps; the list has selected the row already. */
static void
narrow_click_cb (ShoalWindow     *self,
                 int              n_press,
                 double           x,
                 double           y,
                 GtkGestureClick *gesture)
{
  ShoalTorrentRow *row;
  guint position;
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  if (!self->narrow || n_press != 1 || (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0)
    return;
  row = shoal_torrent_item_find_row (gtk_widget_pick (GTK_WIDGET (self->list_view), x, y, GTK_PICK_DEFAULT));
  if (row == NULL)
    return;
  position = find_row_position (self, row);
  if (position == GTK_INVALID_LIST_POSITION)
    return;
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  shoal_window_show_details (self);
}


/**
 * shoal_window_drop_value:
 * @self: a window
 * @value: what was dropped: a #GdkFileList or a string
 *
 * Adds what a drag-and-drop brought: .torrent files, magnet links and
 * web addresses (one per line in text).
 *
 * Returns: whether anything was taken
 */
gboolean
shoal_window_drop_value (ShoalWindow  *self,
                         const GValue *value)
{
  gboolean handled = FALSE;

  g_return_val_if_fail (SHOAL_IS_WINDOW (self), FALSE);


  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      /* A link dragged from a browser may come as a "file" too. */
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        {
          if (g_file_has_uri_scheme (l->data, "magnet"))
            {
              g_autofree char *uri = g_file_get_uri (l->data);

              shoal_window_add_link (self, uri);
            }
          else
            shoal_window_open_file (self, l->data);
          handled = TRUE;
        }
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value) != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (g_value_get_string (value), "\n", -1);

      /* Dragged text: one link per line, as in a text/uri-list. */
      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *line = g_strstrip (lines[i]);
          g_autofree char *scheme = g_uri_parse_scheme (line);

          if (scheme == NULL)
            continue;
          shoal_window_add_link (self, line);
          handled = TRUE;
        }
    }
  return handled;
}

static gboolean
drop_cb (ShoalWindow   *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  return shoal_window_drop_value (self, value);
}

/**
 * shoal_window_init_actions:
 * @self: a window being constructed
 *
 * Installs the window's actions, its context menu, double-click, Delete
 * key and drop target.
 */
void
shoal_window_init_actions (ShoalWindow *self)
{
  GtkGesture *click;
  GtkDropTarget *drop;
  GtkEventController *shortcuts;

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
  /* The sort menu's items are the settings they remember. */
  {
    g_autoptr(GAction) sort_by = g_settings_create_action (self->settings, "sort-by");
    g_autoptr(GAction) sort_descending = g_settings_create_action (self->settings, "sort-descending");

    g_action_map_add_action (G_ACTION_MAP (self), sort_by);
    g_action_map_add_action (G_ACTION_MAP (self), sort_descending);
  }

  self->context_popover = gtk_popover_menu_new_from_model (self->context_menu);
  gtk_widget_set_parent (self->context_popover, GTK_WIDGET (self->list_view));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_popover), FALSE);
  gtk_widget_set_halign (self->context_popover, GTK_ALIGN_START);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (click, "pressed", G_CALLBACK (context_click_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_BUBBLE);
  g_signal_connect_object (click, "released", G_CALLBACK (narrow_click_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));

  g_signal_connect_object (self->list_view, "activate", G_CALLBACK (list_view_activate_cb), self,
                           G_CONNECT_SWAPPED);

  /* Delete belongs to the list only: in the search entry it deletes text. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_named_action_new ("win.remove")));
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), shortcuts);

  /* Escape leaves the details page of a narrow window */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("win.show-list")));
  gtk_widget_add_controller (self->details_page, shortcuts);

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, (GType[2]) { GDK_TYPE_FILE_LIST, G_TYPE_STRING }, 2);
  g_signal_connect_object (drop, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
