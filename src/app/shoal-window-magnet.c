/* shoal-window-magnet.c: adding magnet links, and the file choice once
 * their metadata arrives
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A magnet link is added at once and fetches its metadata from peers. When
 * the user asked to choose the files (the link dialog's check box), the
 * engine pauses the torrent as soon as the metadata is there, before it
 * checks or writes anything (SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA), and the
 * window shows the add dialog for it, which applies the choice and starts
 * it again. The pause waits for an idle moment: the metadata
 * arrives inside a peer's message handler, which must not see its own
 * connection closed under it.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-add-dialog.h"
#include "shoal-link-dialog.h"
#include "shoal-window-private.h"

typedef struct
{
  ShoalWindow  *window;     /* owns this, and disconnects it before going away */
  ShoalTorrent *torrent;
  gulong        notify_id;
  gboolean      ready;      /* the metadata is there */
} AwaitingFiles;

static void
awaiting_files_free (AwaitingFiles *awaiting)
{
  g_clear_signal_handler (&awaiting->notify_id, awaiting->torrent);
  g_clear_object (&awaiting->torrent);
  g_free (awaiting);
}

/**
 * shoal_window_clear_awaiting_files:
 * @self: a window being disposed
 *
 * Stops watching the magnet links that wait for their metadata.
 */
void
shoal_window_clear_awaiting_files (ShoalWindow *self)
{
  g_clear_handle_id (&self->awaiting_idle_id, g_source_remove);
  g_clear_pointer (&self->awaiting_files, g_ptr_array_unref);
}

static void
choose_files_dialog_added_cb (ShoalWindow    *self,
                              ShoalTorrent   *torrent,
                              ShoalAddDialog *dialog)
{
  shoal_torrent_list_flush (self->rows);
}

static void
show_file_choice (ShoalWindow  *self,
                  ShoalTorrent *torrent)
{
  ShoalAddDialog *dialog;

  /* Removed while it fetched: nothing to choose any more. */
  if (shoal_session_find_torrent (self->session, shoal_torrent_get_info_hash (torrent)) != torrent)
    return;

  shoal_torrent_pause (torrent);
  dialog = shoal_add_dialog_new_for_torrent (GTK_WINDOW (self), self->settings, torrent);
  g_signal_connect_object (dialog, "added", G_CALLBACK (choose_files_dialog_added_cb), self, G_CONNECT_SWAPPED);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
awaiting_idle_cb (gpointer user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func ((GDestroyNotify) awaiting_files_free);

  self->awaiting_idle_id = 0;

  /* Take the ready ones out first: showing a dialog runs no main loop,
   * but keep the array consistent whatever the callbacks do. */
  for (guint i = 0; i < self->awaiting_files->len;)
    {
      AwaitingFiles *awaiting = g_ptr_array_index (self->awaiting_files, i);

      if (awaiting->ready)
        g_ptr_array_add (ready, g_ptr_array_steal_index (self->awaiting_files, i));
      else
        i++;
    }

  for (guint i = 0; i < ready->len; i++)
    show_file_choice (self, ((AwaitingFiles *) g_ptr_array_index (ready, i))->torrent);

  return G_SOURCE_REMOVE;
}

static void
awaiting_notify_cb (ShoalTorrent  *torrent,
                    GParamSpec    *pspec,
                    AwaitingFiles *awaiting)
{
  ShoalWindow *self = awaiting->window;

  /* The name is notified when the metadata arrives, the state when it
   * starts checking: either will do, whichever comes first. */
  if (shoal_torrent_get_metainfo (torrent) == NULL)
    return;

  g_clear_signal_handler (&awaiting->notify_id, torrent);
  awaiting->ready = TRUE;
  if (self->awaiting_idle_id == 0)
    self->awaiting_idle_id = g_idle_add (awaiting_idle_cb, self);
}

static void
await_metadata (ShoalWindow  *self,
                ShoalTorrent *torrent)
{
  AwaitingFiles *awaiting = g_new0 (AwaitingFiles, 1);

  if (self->awaiting_files == NULL)
    self->awaiting_files = g_ptr_array_new_with_free_func ((GDestroyNotify) awaiting_files_free);

  awaiting->window = self;
  awaiting->torrent = g_object_ref (torrent);
  awaiting->notify_id = g_signal_connect (torrent, "notify", G_CALLBACK (awaiting_notify_cb), awaiting);
  g_ptr_array_add (self->awaiting_files, awaiting);
}

/**
 * shoal_window_add_magnet:
 * @self: a window
 * @uri: a magnet link
 * @choose_files: whether to pause the torrent and ask which files to
 *   download once its metadata has arrived
 *
 * Adds a magnet link to the session, to the download folder; it starts
 * fetching its metadata at once. A link that cannot be parsed, or whose
 * torrent is already in the list, gets a toast saying so.
 *
 * Returns: (transfer none) (nullable): the torrent added
 */
ShoalTorrent *
shoal_window_add_magnet (ShoalWindow *self,
                         const char  *uri,
                         gboolean     choose_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autofree char *dir = NULL;
  ShoalApplication *app;
  ShoalTorrent *torrent;

  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  magnet = shoal_magnet_new_from_uri (uri, &error);
  if (magnet == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says what is wrong with a magnet link */
      text = g_strdup_printf (_("Invalid magnet link: %s"), error->message);
      shoal_window_add_toast (self, text);
      return NULL;
    }

  app = SHOAL_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  dir = shoal_application_dup_download_dir (app);
  torrent = shoal_session_add_magnet (self->session, magnet, dir,
                                      choose_files ? SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA : SHOAL_ADD_FLAGS_NONE,
                                      &error);
  if (torrent == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE))
        {
          const guint8 *hash = shoal_magnet_get_info_hash_v1 (magnet);
          ShoalTorrent *existing = hash != NULL ? shoal_session_find_torrent (self->session, hash) : NULL;
          const char *name = existing != NULL ? shoal_torrent_get_name (existing)
                                              : shoal_magnet_get_display_name (magnet);

          if (name != NULL)
            /* Translators: %s is a torrent name */
            text = g_strdup_printf (_("“%s” is already in the list"), name);
          else
            text = g_strdup (_("This torrent is already in the list"));
        }
      else
        /* Translators: %s says why a magnet link could not be added */
        text = g_strdup_printf (_("Could not add the magnet link: %s"), error->message);
      shoal_window_add_toast (self, text);
      return NULL;
    }

  if (choose_files)
    {
      if (shoal_torrent_get_metainfo (torrent) != NULL)
        show_file_choice (self, torrent);
      else
        await_metadata (self, torrent);
    }
  shoal_torrent_list_flush (self->rows);
  return torrent;
}

/* The link dialog */

static void
link_response_cb (ShoalWindow     *self,
                  const char      *response,
                  ShoalLinkDialog *dialog)
{
  g_autofree char *uri = NULL;

  if (!g_str_equal (response, "add"))
    return;
  uri = shoal_link_dialog_dup_uri (dialog);
  if (uri[0] == '\0')
    return;
  /* A server adds the link itself, without choosing files. */
  if (shoal_link_dialog_is_magnet (uri) && shoal_app_session_get_local (self->app_session) != NULL)
    shoal_window_add_magnet (self, uri, shoal_link_dialog_get_choose_files (dialog));
  else
    shoal_window_add_link (self, uri);
}

/**
 * shoal_window_show_link_dialog:
 * @self: a window
 *
 * Asks for a magnet link or the address of a .torrent, with a magnet
 * link from the clipboard already filled in.
 */
void
shoal_window_show_link_dialog (ShoalWindow *self)
{
  ShoalLinkDialog *dialog = shoal_link_dialog_new (GTK_WINDOW (self));

  shoal_link_dialog_set_choose_files_possible (dialog, shoal_app_session_get_local (self->app_session) != NULL);

  g_signal_connect_object (dialog, "response", G_CALLBACK (link_response_cb), self, G_CONNECT_SWAPPED);

  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}
