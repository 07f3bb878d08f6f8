/* shoal-privacy-page.c: Preferences › Privacy
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network interface every connection uses, the proxy, the IP
 * blocklist and the anonymous-leaning options, each bound to its
 * settings key. The interface and the proxy are read when transfers start
 * (shoal-application.c); they, the blocklist, its update interval and hiding
 * the client name reach the running session at once, through this page
 * (a new interface or proxy closes every connection made the old way). The proxy is one key
 * ("proxy": a socks5:// or http:// URI, "system" or empty) made from the
 * type, host, port, username and password rows.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-privacy-page.h"

enum {
  PROXY_NONE,
  PROXY_SYSTEM,
  PROXY_SOCKS5,
  PROXY_HTTP,
};

struct _ShoalPrivacyPage
{
  AdwPreferencesPage  parent_instance;

  GSettings          *settings;
  ShoalSession       *session;
  GCancellable       *cancellable;
  guint               status_id;
  gboolean            loading;       /* rows being filled from the settings */

  AdwComboRow        *interface_row;
  GtkStringList      *interfaces;    /* "" for any, then the names */
  AdwComboRow        *proxy_type_row;
  AdwEntryRow        *host_row;
  GtkSpinButton      *port_spin;
  GtkWidget          *port_row;
  AdwEntryRow        *user_row;
  AdwEntryRow        *password_row;
  GtkWidget          *peers_row;
  GtkWidget          *incoming_row;
  AdwActionRow       *proxy_note_row;
  AdwEntryRow        *blocklist_row;
  AdwActionRow       *blocklist_status_row;
  GtkButton          *update_button;
};

G_DEFINE_FINAL_TYPE (ShoalPrivacyPage, shoal_privacy_page, ADW_TYPE_PREFERENCES_PAGE)

static GtkWidget *
switch_row (GSettings  *settings,
            const char *key,
            const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *toggle = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
  g_settings_bind (settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
  return row;
}

static GtkWidget *
spin_row (const char    *title,
          const char    *subtitle,
          double         min,
          double         max,
          GtkSpinButton **spin_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  *spin_out = GTK_SPIN_BUTTON (spin);
  return row;
}

/* Interface */

static void
interface_selected_cb (ShoalPrivacyPage *self)
{
  guint i = adw_combo_row_get_selected (self->interface_row);
  const char *name;

  if (self->loading || i == GTK_INVALID_LIST_POSITION)
    return;
  name = i == 0 ? "" : gtk_string_list_get_string (self->interfaces, i);
  g_settings_set_string (self->settings, "network-interface", name);
}

static void update_status (ShoalPrivacyPage *self);

static const char * const network_keys[] = { "network-interface", "proxy", "proxy-peers", "proxy-allow-incoming" };

/* The interface and proxy keys → the running session, at once. */
static void
network_key_changed_cb (ShoalPrivacyPage *self)
{
  g_autofree char *interface = g_settings_get_string (self->settings, "network-interface");
  g_autofree char *proxy = g_settings_get_string (self->settings, "proxy");
  g_autoptr(GError) error = NULL;

  if (self->session == NULL)
    return;
  shoal_session_set_proxy_peers (self->session, g_settings_get_boolean (self->settings, "proxy-peers"));
  shoal_session_set_proxy_allow_incoming (self->session, g_settings_get_boolean (self->settings, "proxy-allow-incoming"));
  if (!shoal_session_set_interface (self->session, *interface != '\0' ? interface : NULL, &error))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->interface_row), error->message);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->interface_row), "");
  g_clear_error (&error);
  if (!shoal_session_set_proxy (self->session, *proxy != '\0' ? proxy : NULL, &error))
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->proxy_type_row), error->message);
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->proxy_type_row), "");
  update_status (self);
}

/* "Any", then the interfaces (VPN-looking ones first), and the one set
 * if it is not there now (a VPN that is down). */
static void
fill_interfaces (ShoalPrivacyPage *self)
{
  g_auto(GStrv) names = shoal_session_list_network_interfaces ();
  g_autofree char *current = g_settings_get_string (self->settings, "network-interface");
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  guint selected = 0;

  self->interfaces = gtk_string_list_new (NULL);
  gtk_string_list_append (self->interfaces, "");
  gtk_string_list_append (labels, C_("network interface", "Any"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_strcmp0 (names[i], current) == 0)
        selected = i + 1;
      gtk_string_list_append (self->interfaces, names[i]);
      gtk_string_list_append (labels, names[i]);
    }
  if (*current != '\0' && selected == 0)
    {
      g_autofree char *absent = g_strdup_printf (_("%s (not found now)"), current);

      selected = g_list_model_get_n_items (G_LIST_MODEL (self->interfaces));
      gtk_string_list_append (self->interfaces, current);
      gtk_string_list_append (labels, absent);
    }
  adw_combo_row_set_model (self->interface_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->interface_row, selected);
}

/* Proxy */

static void
update_proxy_sensitivity (ShoalPrivacyPage *self)
{
  guint type = adw_combo_row_get_selected (self->proxy_type_row);
  gboolean server = type == PROXY_SOCKS5 || type == PROXY_HTTP;

  gtk_widget_set_sensitive (GTK_WIDGET (self->host_row), server);
  gtk_widget_set_sensitive (self->port_row, server);
  gtk_widget_set_sensitive (GTK_WIDGET (self->user_row), server);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), server);
  gtk_widget_set_sensitive (self->peers_row, type == PROXY_SOCKS5);
  gtk_widget_set_sensitive (self->incoming_row, type != PROXY_NONE);
}

/* The rows → the "proxy" key. A SOCKS5 or HTTP proxy without a host is
 * not written until it has one. */
static void
proxy_changed_cb (ShoalPrivacyPage *self)
{
  guint type = adw_combo_row_get_selected (self->proxy_type_row);
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  int port = gtk_spin_button_get_value_as_int (self->port_spin);
  g_autofree char *uri = NULL;

  update_proxy_sensitivity (self);
  if (self->loading)
    return;
  switch (type)
    {
    case PROXY_NONE:
      uri = g_strdup ("");
      break;
    case PROXY_SYSTEM:
      uri = g_strdup ("system");
      break;
    default:
      {
        g_autofree char *h = g_strstrip (g_strdup (host));

        if (*h == '\0' || port <= 0)
          return;
        uri = g_uri_join_with_user (G_URI_FLAGS_NONE, type == PROXY_SOCKS5 ? "socks5" : "http",
                                    *user != '\0' ? user : NULL,
                                    *user != '\0' && *password != '\0' ? password : NULL,
                                    NULL, h, port, "", NULL, NULL);
      }
      break;
    }
  g_settings_set_string (self->settings, "proxy", uri);
}

/* The "proxy" key → the rows. */
static void
load_proxy (ShoalPrivacyPage *self)
{
  g_autofree char *proxy = g_settings_get_string (self->settings, "proxy");
  g_autoptr(GUri) uri = NULL;
  guint type = PROXY_NONE;

  self->loading = TRUE;
  if (g_ascii_strcasecmp (proxy, "system") == 0)
    type = PROXY_SYSTEM;
  else if (*proxy != '\0' && (uri = g_uri_parse (proxy, G_URI_FLAGS_HAS_PASSWORD, NULL)) != NULL)
    {
      type = g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ? PROXY_HTTP : PROXY_SOCKS5;
      gtk_editable_set_text (GTK_EDITABLE (self->host_row), g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "");
      gtk_spin_button_set_value (self->port_spin, g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 1080);
      gtk_editable_set_text (GTK_EDITABLE (self->user_row), g_uri_get_user (uri) != NULL ? g_uri_get_user (uri) : "");
      gtk_editable_set_text (GTK_EDITABLE (self->password_row),
                             g_uri_get_password (uri) != NULL ? g_uri_get_password (uri) : "");
    }
  adw_combo_row_set_selected (self->proxy_type_row, type);
  self->loading = FALSE;
  update_proxy_sensitivity (self);
}

/* Blocklist */

static void
blocklist_applied_cb (ShoalPrivacyPage *self)
{
  g_autofree char *source = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->blocklist_row))));

  g_settings_set_string (self->settings, "blocklist", source);
}

static void
blocklist_key_changed_cb (ShoalPrivacyPage *self)
{
  g_autofree char *source = g_settings_get_string (self->settings, "blocklist");

  if (g_strcmp0 (source, gtk_editable_get_text (GTK_EDITABLE (self->blocklist_row))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->blocklist_row), source);
  /* The running session follows at once (it loads in the background). */
  if (self->session != NULL && g_strcmp0 (*source != '\0' ? source : NULL, shoal_session_get_blocklist (self->session)) != 0)
    shoal_session_set_blocklist (self->session, *source != '\0' ? source : NULL);
}

static void
update_status (ShoalPrivacyPage *self)
{
  g_autofree char *text = NULL;
  const char *error;
  const char *note;
  guint n, bad;

  if (self->session == NULL)
    return;
  error = shoal_session_get_blocklist_error (self->session);
  n = shoal_session_get_blocklist_n_ranges (self->session);
  bad = shoal_session_get_blocklist_n_malformed (self->session);
  if (shoal_session_get_blocklist (self->session) == NULL)
    text = g_strdup (_("No blocklist"));
  else if (error != NULL)
    text = g_strdup_printf (_("Not loaded: %s"), error);
  else if (n == 0)
    text = g_strdup (_("Loading…"));
  else if (bad > 0)
    {
      g_autofree char *ranges = g_strdup_printf (ngettext ("%u range loaded", "%u ranges loaded", n), n);

      text = g_strdup_printf (ngettext ("%s, %u unreadable line skipped", "%s, %u unreadable lines skipped",
                                           bad), ranges, bad);
    }
  else
    text = g_strdup_printf (ngettext ("%u range loaded", "%u ranges loaded", n), n);
  adw_action_row_set_subtitle (self->blocklist_status_row, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->update_button), shoal_session_get_blocklist (self->session) != NULL);

  note = shoal_session_get_proxy_note (self->session);
  gtk_widget_set_visible (GTK_WIDGET (self->proxy_note_row), note != NULL);
  adw_action_row_set_subtitle (self->proxy_note_row, note != NULL ? note : "");
}

static gboolean
status_tick_cb (gpointer user_data)
{
  update_status (user_data);
  return G_SOURCE_CONTINUE;
}

static void
updated_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  shoal_session_update_blocklist_finish (SHOAL_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  update_status (user_data);
}

static void
update_clicked_cb (ShoalPrivacyPage *self)
{
  if (self->session == NULL || shoal_session_get_blocklist (self->session) == NULL)
    return;
  adw_action_row_set_subtitle (self->blocklist_status_row, _("Loading…"));
  shoal_session_update_blocklist_async (self->session, self->cancellable, updated_cb, self);
}

static void
interval_changed_cb (ShoalPrivacyPage *self)
{
  if (self->session != NULL)
    shoal_session_set_blocklist_update_interval (self->session,
                                                 (guint) g_settings_get_int (self->settings, "blocklist-update-hours"));
}

static void
hide_name_changed_cb (ShoalPrivacyPage *self)
{
  if (self->session != NULL)
    shoal_session_set_hide_client_name (self->session, g_settings_get_boolean (self->settings, "hide-client-name"));
}

/* Building */

static void
build (ShoalPrivacyPage *self)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (self);
  AdwPreferencesGroup *group;
  const char *types[] = {
    _("None"),
    _("System Settings"),
    "SOCKS5",
    "HTTP",
    NULL,
  };
  g_autoptr(GtkStringList) type_model = gtk_string_list_new (types);
  GtkSpinButton *interval;
  GtkWidget *row;

  adw_preferences_page_set_name (page, "privacy");
  adw_preferences_page_set_title (page, _("Privacy"));
  adw_preferences_page_set_icon_name (page, "security-high-symbolic");

  /* Network interface */
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Network Interface"));
  adw_preferences_group_set_description (group, _("Every connection uses this interface, such as a VPN’s; "
                                                  "while it is down, transfers stop."));
  self->interface_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->interface_row), _("_Interface"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->interface_row), TRUE);
  fill_interfaces (self);
  g_signal_connect_object (self->interface_row, "notify::selected", G_CALLBACK (interface_selected_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, GTK_WIDGET (self->interface_row));
  adw_preferences_page_add (page, group);

  /* Proxy */
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Proxy"));
  adw_preferences_group_set_description (group, _("Trackers and web seeds go through the proxy, and nothing goes "
                                                  "around it. Peers can go through a SOCKS5 proxy only: with an HTTP "
                                                  "proxy or the system’s, they connect directly."));
  self->proxy_type_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->proxy_type_row), _("_Proxy"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->proxy_type_row), TRUE);
  adw_combo_row_set_model (self->proxy_type_row, G_LIST_MODEL (type_model));
  adw_preferences_group_add (group, GTK_WIDGET (self->proxy_type_row));

  self->host_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->host_row), _("_Host"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->host_row), TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (self->host_row));
  self->port_row = spin_row (_("P_ort"), NULL, 1, 65535, &self->port_spin);
  gtk_spin_button_set_value (self->port_spin, 1080);
  adw_preferences_group_add (group, self->port_row);
  self->user_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->user_row), _("_Username"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->user_row), TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (self->user_row));
  self->password_row = ADW_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row), _("Pass_word"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->password_row), TRUE);
  adw_preferences_group_add (group, GTK_WIDGET (self->password_row));
  self->peers_row = switch_row (self->settings, "proxy-peers", _("Proxy _Peer Connections"),
                                _("SOCKS5 only; local peer discovery is then off"));
  adw_preferences_group_add (group, self->peers_row);
  self->incoming_row = switch_row (self->settings, "proxy-allow-incoming", _("Allow _Incoming Connections"),
                                   _("Peers that connect to Shoal learn its real address"));
  adw_preferences_group_add (group, self->incoming_row);
  self->proxy_note_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->proxy_note_row), _("Off Behind the Proxy"));
  gtk_widget_set_visible (GTK_WIDGET (self->proxy_note_row), FALSE);
  adw_preferences_group_add (group, GTK_WIDGET (self->proxy_note_row));
  adw_preferences_page_add (page, group);
  load_proxy (self);
  g_signal_connect_object (self->proxy_type_row, "notify::selected", G_CALLBACK (proxy_changed_cb), self,
                           G_CONNECT_SWAPPED);
  /* On Enter or the apply button only: each change reconnects everything. */
  adw_entry_row_set_show_apply_button (self->host_row, TRUE);
  g_signal_connect_object (self->host_row, "apply", G_CALLBACK (proxy_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->port_spin, "value-changed", G_CALLBACK (proxy_changed_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_set_show_apply_button (self->user_row, TRUE);
  g_signal_connect_object (self->user_row, "apply", G_CALLBACK (proxy_changed_cb), self, G_CONNECT_SWAPPED);
  adw_entry_row_set_show_apply_button (self->password_row, TRUE);
  g_signal_connect_object (self->password_row, "apply", G_CALLBACK (proxy_changed_cb), self, G_CONNECT_SWAPPED);

  /* Blocklist */
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Blocklist"));
  adw_preferences_group_set_description (group, _("Peers whose address is on the list are neither connected to nor "
                                                  "accepted. P2P, eMule DAT or CIDR lines, compressed with gzip or "
                                                  "not."));
  self->blocklist_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->blocklist_row), _("_File or URL"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->blocklist_row), TRUE);
  adw_entry_row_set_show_apply_button (self->blocklist_row, TRUE);
  {
    g_autofree char *source = g_settings_get_string (self->settings, "blocklist");

    gtk_editable_set_text (GTK_EDITABLE (self->blocklist_row), source);
  }
  g_signal_connect_object (self->blocklist_row, "apply", G_CALLBACK (blocklist_applied_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::blocklist", G_CALLBACK (blocklist_key_changed_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, GTK_WIDGET (self->blocklist_row));
  row = spin_row (_("Update _Every"), _("Hours"), 1, 720, &interval);
  g_settings_bind (self->settings, "blocklist-update-hours", interval, "value", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::blocklist-update-hours", G_CALLBACK (interval_changed_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, row);
  self->blocklist_status_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->blocklist_status_row), _("Status"));
  self->update_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Update Now")));
  gtk_widget_set_valign (GTK_WIDGET (self->update_button), GTK_ALIGN_CENTER);
  g_signal_connect_object (self->update_button, "clicked", G_CALLBACK (update_clicked_cb), self, G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (self->blocklist_status_row, GTK_WIDGET (self->update_button));
  adw_preferences_group_add (group, GTK_WIDGET (self->blocklist_status_row));
  adw_preferences_page_add (page, group);

  /* Anonymous-leaning */
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Anonymity"));
  adw_preferences_group_set_description (group, _("These hide which client you use, not your address: that takes "
                                                  "a VPN or a proxy."));
  adw_preferences_group_add (group, switch_row (self->settings, "hide-client-name", _("_Do Not Name the Client"),
                                                _("No client name or version in what peers and trackers are sent")));
  g_signal_connect_object (self->settings, "changed::hide-client-name", G_CALLBACK (hide_name_changed_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_add (group, switch_row (self->settings, "random-peer-id", _("_Random Peer ID"),
                                                _("Without Shoal’s prefix; applies from the next start")));
  adw_preferences_page_add (page, group);

  for (guint i = 0; i < G_N_ELEMENTS (network_keys); i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", network_keys[i], NULL);

      g_signal_connect_object (self->settings, signal, G_CALLBACK (network_key_changed_cb), self, G_CONNECT_SWAPPED);
    }
  update_status (self);
}

static void
shoal_privacy_page_dispose (GObject *object)
{
  ShoalPrivacyPage *self = SHOAL_PRIVACY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->status_id, g_source_remove);
  G_OBJECT_CLASS (shoal_privacy_page_parent_class)->dispose (object);
}

static void
shoal_privacy_page_finalize (GObject *object)
{
  ShoalPrivacyPage *self = SHOAL_PRIVACY_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->interfaces);
  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (shoal_privacy_page_parent_class)->finalize (object);
}

static void
shoal_privacy_page_class_init (ShoalPrivacyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_privacy_page_dispose;
  object_class->finalize = shoal_privacy_page_finalize;
}

static void
shoal_privacy_page_init (ShoalPrivacyPage *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * shoal_privacy_page_new:
 * @settings: the app's settings
 * @session: (nullable): the local session, which the blocklist and the
 *   client name reach at once
 *
 * Returns: (transfer floating): the Privacy page of the preferences
 */
AdwPreferencesPage *
shoal_privacy_page_new (GSettings    *settings,
                        ShoalSession *session)
{
  ShoalPrivacyPage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SHOAL_TYPE_PRIVACY_PAGE, NULL);
  self->settings = g_object_ref (settings);
  self->session = session != NULL ? g_object_ref (session) : NULL;
  build (self);
  self->status_id = g_timeout_add_seconds (1, status_tick_cb, self);
  return ADW_PREFERENCES_PAGE (self);
}
