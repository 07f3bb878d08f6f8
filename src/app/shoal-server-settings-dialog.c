/* shoal-server-settings-dialog.c: a server's own settings, edited through
 * its RPC
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While the window shows a server, its Preferences are the server's:
 * where it saves, its speed limits and alternative speeds, the port its
 * peers connect to, when it stops seeding, how many torrents it runs at
 * once and whether it encrypts. They are read with session-get; each
 * change is sent at once with session-set, as a GNOME preferences window
 * does, and the settings are read back, so the dialog shows what the
 * server took, not what was typed. A refusal is said at the top of the
 * page. Speeds are in Transmission's kB/s; 0 means "none" for the limits
 * and the queues, which the RPC says with a separate "-enabled" flag.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-server-settings-dialog.h"

typedef enum
{
  KIND_DIR,
  KIND_LIMIT,      /* an integer, 0: its enabled_key off */
  KIND_INT,
  KIND_RATIO,      /* a double, 0: its enabled_key off */
  KIND_BOOL,
  KIND_ENCRYPTION,
} Kind;

typedef struct
{
  const char *key;
  const char *enabled_key;
  Kind        kind;
  guint       group;
  const char *title;
  const char *subtitle;
  double      min;
  double      max;
} Setting;

enum { GROUP_DOWNLOADS, GROUP_SPEED, GROUP_ALT, GROUP_NETWORK, GROUP_SEEDING, GROUP_QUEUE, N_GROUPS };

static const char * const group_titles[N_GROUPS] = {
  N_("Downloads"), N_("Speed Limits"), N_("Alternative Speed Limits"), N_("Network"), N_("Seeding"),
  N_("Queue"),
};

static const Setting settings[] = {
  { "download-dir", NULL, KIND_DIR, GROUP_DOWNLOADS, N_("Download Folder on the Server"), NULL, 0, 0 },
  { "speed-limit-down", "speed-limit-down-enabled", KIND_LIMIT, GROUP_SPEED, N_("Download Limit"),
    N_("kB/s; 0: none"), 0, G_MAXINT32 },
  { "speed-limit-up", "speed-limit-up-enabled", KIND_LIMIT, GROUP_SPEED, N_("Upload Limit"),
    N_("kB/s; 0: none"), 0, G_MAXINT32 },
  { "alt-speed-enabled", NULL, KIND_BOOL, GROUP_ALT, N_("Use Alternative Speed Limits"), NULL, 0, 1 },
  { "alt-speed-down", NULL, KIND_INT, GROUP_ALT, N_("Alternative Download Limit"), N_("kB/s"), 1, G_MAXINT32 },
  { "alt-speed-up", NULL, KIND_INT, GROUP_ALT, N_("Alternative Upload Limit"), N_("kB/s"), 1, G_MAXINT32 },
  { "peer-port", NULL, KIND_INT, GROUP_NETWORK, N_("Peer Port"),
    N_("Where other peers connect to the server"), 1, 65535 },
  { "encryption", NULL, KIND_ENCRYPTION, GROUP_NETWORK, N_("Encryption"), NULL, 0, 2 },
  { "seedRatioLimit", "seedRatioLimited", KIND_RATIO, GROUP_SEEDING, N_("Stop Seeding at Ratio"),
    N_("0: seed without end"), 0, 1000 },
  { "download-queue-size", "download-queue-enabled", KIND_LIMIT, GROUP_QUEUE, N_("Active Downloads"),
    N_("At most this many at once; 0: no limit"), 0, 10000 },
  { "seed-queue-size", "seed-queue-enabled", KIND_LIMIT, GROUP_QUEUE, N_("Active Seeds"),
    N_("At most this many at once; 0: no limit"), 0, 10000 },
};

/* The encryption choices, in the combo row's order */
static const char * const encryptions[] = { "required", "preferred", "tolerated" };

struct _ShoalServerSettingsDialog
{
  AdwPreferencesWindow   parent_instance;

  ShoalAppRemoteSession *session;
  GCancellable          *cancellable;
  guint                  n_calls;      /* under way */
  gboolean               updating;     /* values being shown, not changed by the user */
  char                  *error;

  GtkWidget             *error_group;
  GtkLabel              *error_label;
  GtkWidget             *widgets[G_N_ELEMENTS (settings)];
};

G_DEFINE_FINAL_TYPE (ShoalServerSettingsDialog, shoal_server_settings_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static gint64
lookup_int (GVariant   *dict,
            const char *key,
            gboolean   *found)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);

  *found = TRUE;
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return (gint64) g_variant_get_double (v);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  *found = FALSE;
  return 0;
}

static double
lookup_double (GVariant   *dict,
               const char *key,
               gboolean   *found)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);

  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      *found = TRUE;
      return g_variant_get_double (v);
    }
  return (double) lookup_int (dict, key, found);
}

static void
set_error (ShoalServerSettingsDialog *self,
           const char                *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (self->error_group, message != NULL);
}

/* Shows the server's values. */
static void
show_settings (ShoalServerSettingsDialog *self,
               GVariant                  *answer)
{
  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const Setting *s = &settings[i];
      GtkWidget *widget = self->widgets[i];
      gboolean found = FALSE, enabled = TRUE;

      if (s->enabled_key != NULL)
        enabled = lookup_int (answer, s->enabled_key, &found) != 0;
      switch (s->kind)
        {
        case KIND_DIR:
          {
            g_autoptr(GVariant) v = g_variant_lookup_value (answer, s->key, G_VARIANT_TYPE_STRING);

            found = v != NULL;
            if (found)
              gtk_editable_set_text (GTK_EDITABLE (widget), g_variant_get_string (v, NULL));
          }
          break;
        case KIND_LIMIT:
        case KIND_INT:
          {
            gint64 value = lookup_int (answer, s->key, &found);

            gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), enabled ? (double) value : 0);
          }
          break;
        case KIND_RATIO:
          {
            double value = lookup_double (answer, s->key, &found);

            gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget), enabled ? value : 0);
          }
          break;
        case KIND_BOOL:
          gtk_switch_set_active (GTK_SWITCH (widget), lookup_int (answer, s->key, &found) != 0);
          break;
        case KIND_ENCRYPTION:
        default:
          {
            g_autoptr(GVariant) v = g_variant_lookup_value (answer, s->key, G_VARIANT_TYPE_STRING);

            found = v != NULL;
            for (guint e = 0; found && e < G_N_ELEMENTS (encryptions); e++)
              if (g_str_equal (g_variant_get_string (v, NULL), encryptions[e]))
                adw_combo_row_set_selected (ADW_COMBO_ROW (widget), e);
          }
          break;
        }
      /* An older daemon may not have every setting: it is not offered. */
      gtk_widget_set_sensitive (widget, found);
    }
  self->updating = FALSE;
}

static void
got_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(ShoalServerSettingsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  self->n_calls--;
  if (answer == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = shoal_app_remote_session_describe_error (error);
      set_error (self, message);
      return;
    }
  show_settings (self, answer);
}

static void
read_settings (ShoalServerSettingsDialog *self)
{
  self->n_calls++;
  shoal_rpc_client_call_async (shoal_app_remote_session_get_client (self->session), "session-get", NULL,
                               self->cancellable, got_cb, g_object_ref (self));
}

static void
set_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(ShoalServerSettingsDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  self->n_calls--;
  if (answer == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = shoal_app_remote_session_describe_error (error);
      set_error (self, message);
    }
  else
    set_error (self, NULL);
  /* What the server has now, refused or not */
  read_settings (self);
}

static void
send_setting (ShoalServerSettingsDialog *self,
              guint                      i)
{
  const Setting *s = &settings[i];
  GtkWidget *widget = self->widgets[i];
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (self->updating)
    return;
  switch (s->kind)
    {
    case KIND_DIR:
      g_variant_builder_add (&builder, "{sv}", s->key,
                             g_variant_new_string (gtk_editable_get_text (GTK_EDITABLE (widget))));
      break;
    case KIND_LIMIT:
    case KIND_INT:
      {
        gint64 value = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (widget));

        /* The limit the server keeps while it is off is left alone. */
        if (s->enabled_key == NULL || value > 0)
          g_variant_builder_add (&builder, "{sv}", s->key, g_variant_new_int64 (value));
        if (s->enabled_key != NULL)
          g_variant_builder_add (&builder, "{sv}", s->enabled_key, g_variant_new_boolean (value > 0));
      }
      break;
    case KIND_RATIO:
      {
        double value = gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget));

        if (value > 0)
          g_variant_builder_add (&builder, "{sv}", s->key, g_variant_new_double (value));
        g_variant_builder_add (&builder, "{sv}", s->enabled_key, g_variant_new_boolean (value > 0));
      }
      break;
    case KIND_BOOL:
      g_variant_builder_add (&builder, "{sv}", s->key,
                             g_variant_new_boolean (gtk_switch_get_active (GTK_SWITCH (widget))));
      break;
    case KIND_ENCRYPTION:
    default:
      {
        guint e = adw_combo_row_get_selected (ADW_COMBO_ROW (widget));

        if (e >= G_N_ELEMENTS (encryptions))
          return;
        g_variant_builder_add (&builder, "{sv}", s->key, g_variant_new_string (encryptions[e]));
      }
      break;
    }
  g_debug ("session-set %s", s->key);
  self->n_calls++;
  shoal_rpc_client_call_async (shoal_app_remote_session_get_client (self->session), "session-set",
                               g_variant_builder_end (&builder), self->cancellable, set_cb,
                               g_object_ref (self));
}

static guint
setting_of (ShoalServerSettingsDialog *self,
            gpointer                   widget)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (self->widgets[i] == widget)
      return i;
  g_assert_not_reached ();
}

static void
value_changed_cb (ShoalServerSettingsDialog *self,
                  gpointer                   widget)
{
  send_setting (self, setting_of (self, widget));
}

static void
switch_changed_cb (ShoalServerSettingsDialog *self,
                   GParamSpec                *pspec,
                   gpointer                   widget)
{
  send_setting (self, setting_of (self, widget));
}

static GtkWidget *
make_row (ShoalServerSettingsDialog *self,
          const Setting             *s,
          GtkWidget                **widget)
{
  GtkWidget *row;

  switch (s->kind)
    {
    case KIND_DIR:
      row = adw_entry_row_new ();
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      g_signal_connect_object (row, "apply", G_CALLBACK (value_changed_cb), self, G_CONNECT_SWAPPED);
      *widget = row;
      break;
    case KIND_ENCRYPTION:
      {
        const char * const labels[] = {
          _("Required: only encrypted connections"),
          _("Preferred: encrypted when the peer can"),
          _("Tolerated: plain connections preferred"),
          NULL
        };
        g_autoptr(GtkStringList) model = gtk_string_list_new (labels);

        row = adw_combo_row_new ();
        adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
        g_signal_connect_object (row, "notify::selected", G_CALLBACK (switch_changed_cb), self, G_CONNECT_SWAPPED);
        *widget = row;
      }
      break;
    case KIND_BOOL:
      row = adw_action_row_new ();
      *widget = gtk_switch_new ();
      gtk_widget_set_valign (*widget, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), *widget);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), *widget);
      g_signal_connect_object (*widget, "notify::active", G_CALLBACK (switch_changed_cb), self, G_CONNECT_SWAPPED);
      break;
    case KIND_LIMIT:
    case KIND_INT:
    case KIND_RATIO:
    default:
      row = adw_action_row_new ();
      *widget = gtk_spin_button_new_with_range (s->min, s->max, s->kind == KIND_RATIO ? 0.1 : 1);
      if (s->kind == KIND_RATIO)
        gtk_spin_button_set_digits (GTK_SPIN_BUTTON (*widget), 2);
      gtk_widget_set_valign (*widget, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), *widget);
      g_signal_connect_object (*widget, "value-changed", G_CALLBACK (value_changed_cb), self, G_CONNECT_SWAPPED);
      break;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(s->title));
  if (s->subtitle != NULL && ADW_IS_ACTION_ROW (row))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(s->subtitle));
  /* Nothing to change before the server said what it has */
  gtk_widget_set_sensitive (*widget, FALSE);
  return row;
}

static void
shoal_server_settings_dialog_init (ShoalServerSettingsDialog *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *groups[N_GROUPS];

  self->cancellable = g_cancellable_new ();
  gtk_window_set_title (GTK_WINDOW (self), _("Server Settings"));
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (self), FALSE);

  self->error_group = adw_preferences_group_new ();
  self->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->error_label, TRUE);
  gtk_label_set_xalign (self->error_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->error_label), "error");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->error_group), GTK_WIDGET (self->error_label));
  gtk_widget_set_visible (self->error_group, FALSE);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->error_group));

  for (guint g = 0; g < N_GROUPS; g++)
    {
      groups[g] = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
      adw_preferences_group_set_title (groups[g], _(group_titles[g]));
      adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), groups[g]);
    }
  adw_preferences_group_set_description (groups[GROUP_DOWNLOADS],
                                         _("These are the server’s settings, for all its torrents. "
                                           "This computer’s own are in Preferences."));
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    adw_preferences_group_add (groups[settings[i].group], make_row (self, &settings[i], &self->widgets[i]));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), ADW_PREFERENCES_PAGE (page));
}

static void
shoal_server_settings_dialog_dispose (GObject *object)
{
  ShoalServerSettingsDialog *self = SHOAL_SERVER_SETTINGS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (shoal_server_settings_dialog_parent_class)->dispose (object);
}

static void
shoal_server_settings_dialog_finalize (GObject *object)
{
  ShoalServerSettingsDialog *self = SHOAL_SERVER_SETTINGS_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->error);
  G_OBJECT_CLASS (shoal_server_settings_dialog_parent_class)->finalize (object);
}

static void
shoal_server_settings_dialog_class_init (ShoalServerSettingsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_server_settings_dialog_dispose;
  object_class->finalize = shoal_server_settings_dialog_finalize;
}

/**
 * shoal_server_settings_dialog_new:
 * @parent: the window that shows @session
 * @session: the server
 *
 * Returns: (transfer none): a new dialog, reading the server's settings;
 *   present it
 */
ShoalServerSettingsDialog *
shoal_server_settings_dialog_new (GtkWindow             *parent,
                                  ShoalAppRemoteSession *session)
{
  ShoalServerSettingsDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (SHOAL_IS_APP_REMOTE_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_SERVER_SETTINGS_DIALOG, "transient-for", parent, "modal", TRUE,
                       "destroy-with-parent", TRUE, NULL);
  self->session = g_object_ref (session);
  /* Translators: %s is the server, as host:port */
  title = g_strdup_printf (_("Settings of %s"), shoal_app_session_get_title (SHOAL_APP_SESSION (session)));
  gtk_window_set_title (GTK_WINDOW (self), title);
  read_settings (self);
  return self;
}

/* Whether a call to the server is under way (tests wait for the last) */
gboolean
shoal_server_settings_dialog_is_busy (ShoalServerSettingsDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_SERVER_SETTINGS_DIALOG (self), FALSE);
  return self->n_calls > 0;
}

/* Returns: (nullable): what the page says went wrong */
const char *
shoal_server_settings_dialog_get_error (ShoalServerSettingsDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_SERVER_SETTINGS_DIALOG (self), NULL);
  return self->error;
}

/**
 * shoal_server_settings_dialog_get_widget:
 * @self: the dialog
 * @key: a session-get key, as "peer-port"
 *
 * Returns: (transfer none) (nullable): the widget that edits it (for
 *   tests): a #GtkSpinButton, #GtkSwitch, #AdwEntryRow or #AdwComboRow
 */
GtkWidget *
shoal_server_settings_dialog_get_widget (ShoalServerSettingsDialog *self,
                                         const char                *key)
{
  g_return_val_if_fail (SHOAL_IS_SERVER_SETTINGS_DIALOG (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      return self->widgets[i];
  return NULL;
}
