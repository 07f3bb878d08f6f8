/* shoal-move-dialog.c: moving torrents' data to another folder, with progress
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Set Location… moves the selected torrents one after the other with
 * shoal_torrent_set_location_async(). The engine does not report how far
 * a move is, so the bar shows what is at the destination already: the
 * sizes of the torrents' files there, over their total (a rename within
 * one file system is done at once). Cancel stops the move under way
 * (the engine leaves the data where it was) and the ones not begun; a
 * failure is shown in the dialog, which then only closes. When every
 * move succeeded the dialog closes by itself.
 */

#include "config.h"

#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "shoal-move-dialog.h"

#define POLL_MS 200

struct _ShoalMoveDialog
{
  AdwMessageDialog  parent_instance;

  GPtrArray        *torrents;     /* ShoalTorrent, in the order moved */
  char             *save_dir;
  guint             next;         /* index of the torrent moving now */
  guint64           total;        /* bytes of all the torrents' files */
  guint64           moved;        /* bytes of the torrents moved already */
  GCancellable     *cancellable;
  GtkProgressBar   *bar;
  guint             poll_id;
  gboolean          done;
  GError           *error;
};

G_DEFINE_FINAL_TYPE (ShoalMoveDialog, shoal_move_dialog, ADW_TYPE_MESSAGE_DIALOG)

static guint64
torrent_size (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);

  return info != NULL ? shoal_metainfo_get_total_length (info) : 0;
}

/* What of @torrent's files is under @dir, in bytes */
static guint64
size_under (ShoalTorrent *torrent,
            const char   *dir)
{
  guint64 size = 0;

  if (shoal_torrent_get_metainfo (torrent) == NULL)
    return 0;
  for (guint i = 0; i < shoal_torrent_get_n_files (torrent); i++)
    {
      g_autofree char *rel = shoal_torrent_dup_file_path (torrent, i);
      g_autofree char *path = rel != NULL ? g_build_filename (dir, rel, NULL) : NULL;
      GStatBuf st;

      if (path != NULL && g_stat (path, &st) == 0 && S_ISREG (st.st_mode))
        size += (guint64) st.st_size;
    }
  return size;
}

static void
update_progress (ShoalMoveDialog *self)
{
  guint64 here = self->moved;

  if (!self->done && self->next < self->torrents->len)
    here += MIN (size_under (self->torrents->pdata[self->next], self->save_dir),
                 torrent_size (self->torrents->pdata[self->next]));
  gtk_progress_bar_set_fraction (self->bar, self->total > 0 ? (double) here / (double) self->total
                                                            : (self->done ? 1.0 : 0.0));
}

static gboolean
poll_cb (gpointer user_data)
{
  update_progress (user_data);
  return G_SOURCE_CONTINUE;
}

static void move_next (ShoalMoveDialog *self);

static void
finish (ShoalMoveDialog *self)
{
  self->done = TRUE;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->error == NULL)
    {
      update_progress (self);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), _("Could Not Move the Data"));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), self->error->message);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "cancel", FALSE);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (self), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "close");
  gtk_widget_set_visible (GTK_WIDGET (self->bar), FALSE);
}

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ShoalMoveDialog) self = user_data;
  ShoalTorrent *torrent = SHOAL_TORRENT (source);
  g_autoptr(GError) error = NULL;

  if (shoal_torrent_set_location_finish (torrent, result, &error))
    {
      self->moved += torrent_size (torrent);
      self->next++;
      move_next (self);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancelled by the user, who has nothing more to read: the
       * dialog is gone, or goes now. */
      self->error = g_steal_pointer (&error);
      self->done = TRUE;
      g_clear_handle_id (&self->poll_id, g_source_remove);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  /* Translators: a torrent's name and why its data could not be moved */
  self->error = g_error_new (error->domain, error->code, _("%s: %s"), shoal_torrent_get_name (torrent),
                             error->message);
  finish (self);
}

static void
move_next (ShoalMoveDialog *self)
{
  ShoalTorrent *torrent;

  if (self->next >= self->torrents->len || g_cancellable_is_cancelled (self->cancellable))
    {
      finish (self);
      return;
    }
  torrent = self->torrents->pdata[self->next];
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                  /* Translators: %s is a torrent's name */
                                  _("Moving “%s”"), shoal_torrent_get_name (torrent));
  shoal_torrent_set_location_async (torrent, self->save_dir, self->cancellable, moved_cb, g_object_ref (self));
}

static void
response_cb (ShoalMoveDialog *self,
             const char      *response)
{
  if (g_str_equal (response, "cancel"))
    g_cancellable_cancel (self->cancellable);
}

/**
 * shoal_move_dialog_new:
 * @parent: the window to show the dialog over
 * @torrents: (element-type ShoalTorrent): the torrents to move
 * @save_dir: their new folder
 *
 * Shows the dialog and starts moving.
 *
 * Returns: (transfer none) (nullable): the dialog, which destroys itself
 *   when done; %NULL when every torrent is in @save_dir already
 */
ShoalMoveDialog *
shoal_move_dialog_new (GtkWindow  *parent,
                       GPtrArray  *torrents,
                       const char *save_dir)
{
  ShoalMoveDialog *self;

  g_return_val_if_fail (torrents != NULL && torrents->len > 0, NULL);
  g_return_val_if_fail (save_dir != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_MOVE_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "heading", _("Moving the Data"),
                       NULL);
  self->save_dir = g_strdup (save_dir);
  for (guint i = 0; i < torrents->len; i++)
    {
      ShoalTorrent *torrent = torrents->pdata[i];

      /* Already there: nothing to move */
      if (g_strcmp0 (shoal_torrent_get_save_dir (torrent), save_dir) == 0)
        continue;
      g_ptr_array_add (self->torrents, g_object_ref (torrent));
      self->total += torrent_size (torrent);
    }

  if (self->torrents->len == 0)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return NULL;
    }
  gtk_window_present (GTK_WINDOW (self));
  self->poll_id = g_timeout_add (POLL_MS, poll_cb, self);
  move_next (self);
  return self;
}

/**
 * shoal_move_dialog_get_fraction:
 * @self: a move dialog
 *
 * Returns: how much of the data is at the destination, from 0 to 1
 */
double
shoal_move_dialog_get_fraction (ShoalMoveDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_MOVE_DIALOG (self), 0);
  return gtk_progress_bar_get_fraction (self->bar);
}

/**
 * shoal_move_dialog_is_done:
 * @self: a move dialog
 *
 * Returns: whether every move has ended (moved, failed or cancelled)
 */
gboolean
shoal_move_dialog_is_done (ShoalMoveDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_MOVE_DIALOG (self), FALSE);
  return self->done;
}

/**
 * shoal_move_dialog_get_error:
 * @self: a move dialog
 *
 * Returns: (nullable): why the moves stopped, once done
 */
const GError *
shoal_move_dialog_get_error (ShoalMoveDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_MOVE_DIALOG (self), NULL);
  return self->error;
}

/**
 * shoal_move_dialog_cancel:
 * @self: a move dialog
 *
 * As the Cancel button: stops the move under way and those not begun.
 */
void
shoal_move_dialog_cancel (ShoalMoveDialog *self)
{
  g_return_if_fail (SHOAL_IS_MOVE_DIALOG (self));
  g_cancellable_cancel (self->cancellable);
}

static void
shoal_move_dialog_dispose (GObject *object)
{
  ShoalMoveDialog *self = SHOAL_MOVE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);

  G_OBJECT_CLASS (shoal_move_dialog_parent_class)->dispose (object);
}

static void
shoal_move_dialog_finalize (GObject *object)
{
  ShoalMoveDialog *self = SHOAL_MOVE_DIALOG (object);

  g_ptr_array_unref (self->torrents);
  g_free (self->save_dir);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (shoal_move_dialog_parent_class)->finalize (object);
}

static void
shoal_move_dialog_class_init (ShoalMoveDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_move_dialog_dispose;
  object_class->finalize = shoal_move_dialog_finalize;
}

static void
shoal_move_dialog_init (ShoalMoveDialog *self)
{
  self->torrents = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  self->bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->bar), 280, -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), GTK_WIDGET (self->bar));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (self), "cancel", _("_Cancel"));
  /* Cancel stops the moves; the dialog goes once they have stopped */
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}
