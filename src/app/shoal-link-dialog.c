/* shoal-link-dialog.c: the dialog that asks for a magnet link or the
 * address of a .torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It only asks, with a magnet link from the clipboard already filled in:
 * the window adds the link when the dialog answers "add"
 * (shoal-window-magnet.c).
 */

#include "config.h"

#include "shoal-link-dialog.h"

struct _ShoalLinkDialog
{
  AdwMessageDialog  parent_instance;

  GtkEditable      *entry;
  GtkCheckButton   *choose_files_check;
};

G_DEFINE_FINAL_TYPE (ShoalLinkDialog, shoal_link_dialog, ADW_TYPE_MESSAGE_DIALOG)

/**
 * shoal_link_dialog_is_magnet:
 * @text: a link
 *
 * Returns: whether @text is a magnet link rather than the address of a
 *   .torrent
 */
gboolean
shoal_link_dialog_is_magnet (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);
  return g_ascii_strncasecmp (text, "magnet:", 7) == 0;
}

static void
entry_changed_cb (ShoalLinkDialog *self)
{
  g_autofree char *text = shoal_link_dialog_dup_uri (self);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "add", text[0] != '\0');
  /* A .torrent from the web shows the file choice anyway. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->choose_files_check),
                            text[0] == '\0' || shoal_link_dialog_is_magnet (text));
}

static void
clipboard_text_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GtkEditable) entry = user_data;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);

  if (text == NULL)
    return;
  g_strstrip (text);
  /* Only a link the user obviously meant to paste, and only if they have
   * not typed anything meanwhile. */
  if (g_ascii_strncasecmp (text, "magnet:?", 8) == 0 && gtk_editable_get_text (entry)[0] == '\0')
    {
      gtk_editable_set_text (entry, text);
      gtk_editable_select_region (entry, 0, -1);
    }
}

static void
shoal_link_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SHOAL_TYPE_LINK_DIALOG);

  G_OBJECT_CLASS (shoal_link_dialog_parent_class)->dispose (object);
}

static void
shoal_link_dialog_class_init (ShoalLinkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_link_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-link-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalLinkDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalLinkDialog, choose_files_check);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
}

static void
shoal_link_dialog_init (ShoalLinkDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* An example, not a message: the same in every language */
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->entry), "magnet:?xt=urn:btih:…");
  entry_changed_cb (self);
}

/**
 * shoal_link_dialog_new:
 * @parent: (nullable): the window to stay above
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes,
 *   which fills in the magnet link the clipboard holds, if any
 */
ShoalLinkDialog *
shoal_link_dialog_new (GtkWindow *parent)
{
  ShoalLinkDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (SHOAL_TYPE_LINK_DIALOG, "transient-for", parent, NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (self)), NULL,
                                 clipboard_text_cb, g_object_ref (self->entry));

  return self;
}

/**
 * shoal_link_dialog_dup_uri:
 * @self: a dialog
 *
 * Returns: (transfer full): the link typed, without surrounding spaces
 */
char *
shoal_link_dialog_dup_uri (ShoalLinkDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_LINK_DIALOG (self), NULL);
  return g_strstrip (g_strdup (gtk_editable_get_text (self->entry)));
}

/**
 * shoal_link_dialog_get_choose_files:
 * @self: a dialog
 *
 * Returns: whether to ask which files to download once the metadata of a
 *   magnet link has arrived
 */
gboolean
shoal_link_dialog_get_choose_files (ShoalLinkDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_LINK_DIALOG (self), FALSE);
  return gtk_check_button_get_active (self->choose_files_check);
}

/**
 * shoal_link_dialog_set_choose_files_possible:
 * @self: a dialog
 * @possible: whether files can be chosen (not for a server's session,
 *   which adds a link as it is)
 *
 * Shows or hides the choice of files.
 */
void
shoal_link_dialog_set_choose_files_possible (ShoalLinkDialog *self,
                                             gboolean         possible)
{
  g_return_if_fail (SHOAL_IS_LINK_DIALOG (self));

  gtk_widget_set_visible (GTK_WIDGET (self->choose_files_check), possible);
  if (!possible)
    gtk_check_button_set_active (self->choose_files_check, FALSE);
}
