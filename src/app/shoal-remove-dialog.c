/* shoal-remove-dialog.c: the dialog that confirms removing torrents
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It only asks: the window removes the torrents when the dialog answers
 * "remove" (keeping their files) or "delete" (deleting them too).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-app-torrent.h"
#include "shoal-remove-dialog.h"

struct _ShoalRemoveDialog
{
  AdwMessageDialog  parent_instance;

  GPtrArray        *torrents;
};

G_DEFINE_FINAL_TYPE (ShoalRemoveDialog, shoal_remove_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
shoal_remove_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SHOAL_TYPE_REMOVE_DIALOG);

  G_OBJECT_CLASS (shoal_remove_dialog_parent_class)->dispose (object);
}

static void
shoal_remove_dialog_finalize (GObject *object)
{
  ShoalRemoveDialog *self = SHOAL_REMOVE_DIALOG (object);

  g_clear_pointer (&self->torrents, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_remove_dialog_parent_class)->finalize (object);
}

static void
shoal_remove_dialog_class_init (ShoalRemoveDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_remove_dialog_dispose;
  object_class->finalize = shoal_remove_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-remove-dialog.ui");
}

static void
shoal_remove_dialog_init (ShoalRemoveDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * shoal_remove_dialog_new:
 * @parent: (nullable): the window to stay above
 * @torrents: (element-type ShoalAppTorrent): the torrents to remove, at
 *   least one
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes
 */
ShoalRemoveDialog *
shoal_remove_dialog_new (GtkWindow *parent,
                         GPtrArray *torrents)
{
  ShoalRemoveDialog *self;
  g_autofree char *heading = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (torrents != NULL && torrents->len > 0, NULL);

  if (torrents->len == 1)
    /* Translators: %s is a torrent name */
    heading = g_strdup_printf (_("Remove “%s”?"), shoal_app_torrent_get_name (g_ptr_array_index (torrents, 0)));
  else
    heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Remove %u Torrent?", "Remove %u Torrents?",
                                            torrents->len),
                               torrents->len);

  self = g_object_new (SHOAL_TYPE_REMOVE_DIALOG,
                       "transient-for", parent,
                       "heading", heading,
                       NULL);
  self->torrents = g_ptr_array_ref (torrents);

  return self;
}

/**
 * shoal_remove_dialog_get_torrents:
 * @self: a dialog
 *
 * Returns: (transfer none) (element-type ShoalAppTorrent): the torrents to
 *   remove
 */
GPtrArray *
shoal_remove_dialog_get_torrents (ShoalRemoveDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOVE_DIALOG (self), NULL);
  return self->torrents;
}
