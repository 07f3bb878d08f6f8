/* shoal-connect-dialog.c: Connect to Server…
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Asks for a server's address, user name and password, then connects
 * (ShoalAppRemoteSession checks the login and lists the torrents) and
 * hands the session to its caller. When the server cannot be used, a
 * new dialog opens with the same address and user name, saying why (a
 * refused login, an unreachable server, an untrusted certificate…).
 *
 * The password is not kept: Shoal does not depend on libsecret, and a
 * password is not written into GSettings, so it is asked each time.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-connect-dialog.h"

struct _ShoalConnectDialog
{
  AdwMessageDialog    parent_instance;

  GtkWidget          *url;
  GtkWidget          *user;
  GtkWidget          *password;
  ShoalConnectedFunc  connected;
};

G_DEFINE_FINAL_TYPE (ShoalConnectDialog, shoal_connect_dialog, ADW_TYPE_MESSAGE_DIALOG)

typedef struct
{
  GtkWindow          *parent;
  char               *url;
  char               *user;
  ShoalConnectedFunc  connected;
} Connecting;

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connecting *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalAppRemoteSession) session = shoal_app_remote_session_connect_finish (result, &error);

  if (session == NULL)
    {
      g_autofree char *message = shoal_app_remote_session_describe_error (error);

      g_debug ("Cannot connect to %s: %s", c->url, error->message);
      gtk_window_present (GTK_WINDOW (shoal_connect_dialog_new (c->parent, c->url, c->user, message,
                                                                c->connected)));
    }
  else
    c->connected (c->parent, session);
  g_object_unref (c->parent);
  g_free (c->url);
  g_free (c->user);
  g_free (c);
}

static void
response_cb (ShoalConnectDialog *self,
             const char         *response)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password));
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  Connecting *c;

  if (g_strcmp0 (response, "connect") != 0 || parent == NULL)
    return;
  c = g_new0 (Connecting, 1);
  c->parent = g_object_ref (parent);
  c->url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url))));
  c->user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->user))));
  c->connected = self->connected;
  shoal_app_remote_session_connect_async (c->url, c->user[0] != '\0' ? c->user : NULL,
                                          c->user[0] != '\0' ? password : NULL, NULL, connected_cb, c);
}

static void
shoal_connect_dialog_class_init (ShoalConnectDialogClass *klass)
{
}

static void
shoal_connect_dialog_init (ShoalConnectDialog *self)
{
  GtkWidget *list = gtk_list_box_new ();

  self->url = adw_entry_row_new ();
  self->user = adw_entry_row_new ();
  self->password = adw_password_entry_row_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->url), _("Address"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->user), _("User Name"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password), _("Password"));
  gtk_list_box_append (GTK_LIST_BOX (list), self->url);
  gtk_list_box_append (GTK_LIST_BOX (list), self->user);
  gtk_list_box_append (GTK_LIST_BOX (list), self->password);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), list);
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), _("Connect to Server"));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self), "cancel", _("_Cancel"),
                                    "connect", _("C_onnect"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "connect", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "connect");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}

/**
 * shoal_connect_dialog_new:
 * @parent: the window to show the server's torrents in
 * @url: (nullable): the address to start from
 * @user: (nullable): the user name to start from
 * @error_message: (nullable): why the last try failed
 * @connected: what to do with the session once connected
 *
 * Returns: (transfer none): the dialog, to present
 */
ShoalConnectDialog *
shoal_connect_dialog_new (GtkWindow          *parent,
                          const char         *url,
                          const char         *user,
                          const char         *error_message,
                          ShoalConnectedFunc  connected)
{
  ShoalConnectDialog *self;

  g_return_val_if_fail (GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (connected != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_CONNECT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->connected = connected;
  gtk_editable_set_text (GTK_EDITABLE (self->url), url != NULL ? url : "http://127.0.0.1:9091");
  gtk_editable_set_text (GTK_EDITABLE (self->user), user != NULL ? user : "");
  if (error_message != NULL)
    {
      adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), error_message);
      gtk_widget_add_css_class (GTK_WIDGET (self), "connect-failed");
    }
  else
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                                 _("A Shoal daemon (shoal-daemon) or any Transmission daemon."));
  return self;
}

/**
 * shoal_connect_dialog_get_entry:
 * @self: a dialog
 * @name: "url", "user" or "password"
 *
 * Returns: (transfer none): that entry (for tests)
 */
GtkEditable *
shoal_connect_dialog_get_entry (ShoalConnectDialog *self,
                                const char         *name)
{
  g_return_val_if_fail (SHOAL_IS_CONNECT_DIALOG (self), NULL);

  if (g_str_equal (name, "url"))
    return GTK_EDITABLE (self->url);
  if (g_str_equal (name, "user"))
    return GTK_EDITABLE (self->user);
  return GTK_EDITABLE (self->password);
}
