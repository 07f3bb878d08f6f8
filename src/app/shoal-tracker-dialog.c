/* shoal-tracker-dialog.c: the dialog to add or edit a tracker
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It only asks: the Trackers page makes the change through the torrent's
 * API when the dialog answers "apply", and shows the engine's refusal if
 * there is one.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-tracker-dialog.h"

struct _ShoalTrackerDialog
{
  AdwMessageDialog  parent_instance;

  char             *editing_url;

  GtkEditable      *url_entry;
  GtkWidget        *tier_box;
  GtkSpinButton    *tier_spin;
};

G_DEFINE_FINAL_TYPE (ShoalTrackerDialog, shoal_tracker_dialog, ADW_TYPE_MESSAGE_DIALOG)

static gboolean
url_is_plausible (const char *text)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static void
url_changed_cb (ShoalTrackerDialog *self)
{
  const char *text = gtk_editable_get_text (self->url_entry);

  /* The engine has the last word (duplicates, schemes); this only keeps
   * the button from accepting what cannot be a URL at all. */
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "apply", url_is_plausible (text));
}

static void
shoal_tracker_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SHOAL_TYPE_TRACKER_DIALOG);

  G_OBJECT_CLASS (shoal_tracker_dialog_parent_class)->dispose (object);
}

static void
shoal_tracker_dialog_finalize (GObject *object)
{
  ShoalTrackerDialog *self = SHOAL_TRACKER_DIALOG (object);

  g_clear_pointer (&self->editing_url, g_free);

  G_OBJECT_CLASS (shoal_tracker_dialog_parent_class)->finalize (object);
}

static void
shoal_tracker_dialog_class_init (ShoalTrackerDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_tracker_dialog_dispose;
  object_class->finalize = shoal_tracker_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/shoal/Shoal/details/shoal-tracker-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalTrackerDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalTrackerDialog, tier_box);
  gtk_widget_class_bind_template_child (widget_class, ShoalTrackerDialog, tier_spin);
  gtk_widget_class_bind_template_callback (widget_class, url_changed_cb);
}

static void
shoal_tracker_dialog_init (ShoalTrackerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* An example, not a message: the same in every language */
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->url_entry), "https://tracker.example.org/announce");
  url_changed_cb (self);
}

/**
 * shoal_tracker_dialog_new:
 * @parent: (nullable): the window to stay above
 * @editing_url: (nullable): the tracker to replace, %NULL to add one
 * @tier: the tier to offer (0 for the first); a replaced tracker keeps its own
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes
 */
ShoalTrackerDialog *
shoal_tracker_dialog_new (GtkWindow  *parent,
                          const char *editing_url,
                          guint       tier)
{
  ShoalTrackerDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (SHOAL_TYPE_TRACKER_DIALOG,
                       "transient-for", parent,
                       "heading", editing_url != NULL ? _("Edit Tracker") : _("Add Tracker"),
                       NULL);
  if (editing_url == NULL)
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                                 _("Trackers of the same tier are tried in turn; "
                                   "every tier is announced to."));
  else
    {
      self->editing_url = g_strdup (editing_url);
      adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "apply", _("_Save"));
      gtk_editable_set_text (self->url_entry, editing_url);
      /* Replacing keeps the tracker's place; moving it is remove + add. */
      gtk_widget_set_sensitive (self->tier_box, FALSE);
    }
  gtk_spin_button_set_value (self->tier_spin, tier + 1);

  return self;
}

/**
 * shoal_tracker_dialog_get_editing_url:
 * @self: a dialog
 *
 * Returns: (nullable): the URL of the tracker being edited, %NULL when
 *   adding one
 */
const char *
shoal_tracker_dialog_get_editing_url (ShoalTrackerDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_DIALOG (self), NULL);
  return self->editing_url;
}

/**
 * shoal_tracker_dialog_dup_url:
 * @self: a dialog
 *
 * Returns: (transfer full): the URL typed, without surrounding spaces
 */
char *
shoal_tracker_dialog_dup_url (ShoalTrackerDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_DIALOG (self), NULL);
  return g_strstrip (g_strdup (gtk_editable_get_text (self->url_entry)));
}

/**
 * shoal_tracker_dialog_get_tier:
 * @self: a dialog
 *
 * Returns: the tier chosen, 0 for the first
 */
guint
shoal_tracker_dialog_get_tier (ShoalTrackerDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_DIALOG (self), 0);
  return (guint) MAX (gtk_spin_button_get_value_as_int (self->tier_spin) - 1, 0);
}
