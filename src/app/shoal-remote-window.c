/* shoal-remote-window.c: a window on a remote session (Connect to Server…)
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows and drives the torrents of a shoal-daemon, or of any Transmission
 * daemon, through the Transmission RPC (ShoalRpcClient): the list is
 * refreshed once a second, and start, pause, remove and add-a-link are
 * RPC calls. The connect dialog asks for the address and the login, and
 * opens the window once the server answered.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-remote-window.h"

#define REFRESH_SECONDS 1

struct _ShoalRemoteWindow
{
  AdwApplicationWindow  parent_instance;

  ShoalRpcClient       *client;
  GCancellable         *cancellable;
  guint                 refresh_id;
  gboolean              refreshing;
  char                 *last_error;

  AdwWindowTitle       *title;
  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  GtkSingleSelection   *selection;
};

G_DEFINE_FINAL_TYPE (ShoalRemoteWindow, shoal_remote_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
state_text (ShoalTorrentState state)
{
  switch (state)
    {
    case SHOAL_TORRENT_STATE_PAUSED:
      return _("Paused");
    case SHOAL_TORRENT_STATE_CHECKING:
      return _("Checking");
    case SHOAL_TORRENT_STATE_DOWNLOADING:
      return _("Downloading");
    case SHOAL_TORRENT_STATE_SEEDING:
      return _("Seeding");
    case SHOAL_TORRENT_STATE_FINISHED:
      return _("Finished");
    case SHOAL_TORRENT_STATE_ERROR:
      return _("Error");
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      return _("Fetching metadata");
    case SHOAL_TORRENT_STATE_QUEUED:
      return _("Queued");
    default:
      return "";
    }
}

/* Row: a name, a progress bar, and a line of status. */
static void
update_row (GtkWidget          *row,
            ShoalRemoteTorrent *torrent)
{
  GtkWidget *name = gtk_widget_get_first_child (row);
  GtkWidget *bar = gtk_widget_get_next_sibling (name);
  GtkWidget *status = gtk_widget_get_next_sibling (bar);
  g_autofree char *size = g_format_size (shoal_remote_torrent_get_size (torrent));
  g_autofree char *down = g_format_size (shoal_remote_torrent_get_download_rate (torrent));
  g_autofree char *up = g_format_size (shoal_remote_torrent_get_upload_rate (torrent));
  g_autofree char *line = NULL;
  const char *error = shoal_remote_torrent_get_error_message (torrent);

  gtk_label_set_label (GTK_LABEL (name), shoal_remote_torrent_get_name (torrent));
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), shoal_remote_torrent_get_progress (torrent));
  if (error != NULL)
    line = g_strdup_printf ("%s — %s", state_text (shoal_remote_torrent_get_state (torrent)), error);
  else
    /* Translators: state — percent done of size, download and upload rates */
    line = g_strdup_printf (_("%s — %.0f%% of %s — ↓ %s/s ↑ %s/s"),
                            state_text (shoal_remote_torrent_get_state (torrent)),
                            100.0 * shoal_remote_torrent_get_progress (torrent), size, down, up);
  gtk_label_set_label (GTK_LABEL (status), line);
}

static void
torrent_notify_cb (ShoalRemoteTorrent *torrent,
                   GParamSpec         *pspec,
                   GtkWidget          *row)
{
  update_row (row, torrent);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *bar = gtk_progress_bar_new ();
  GtkWidget *status = gtk_label_new (NULL);

  gtk_widget_set_margin_top (row, 9);
  gtk_widget_set_margin_bottom (row, 9);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (status, "dim-label");
  gtk_widget_add_css_class (status, "caption");
  gtk_box_append (GTK_BOX (row), name);
  gtk_box_append (GTK_BOX (row), bar);
  gtk_box_append (GTK_BOX (row), status);
  gtk_list_item_set_child (item, row);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  ShoalRemoteTorrent *torrent = gtk_list_item_get_item (item);
  GtkWidget *row = gtk_list_item_get_child (item);

  update_row (row, torrent);
  g_signal_connect_object (torrent, "notify", G_CALLBACK (torrent_notify_cb), row, 0);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), torrent_notify_cb,
                                        gtk_list_item_get_child (item));
}

static void
show_error (ShoalRemoteWindow *self,
            const char        *message)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (message));
}

static void
update_view (ShoalRemoteWindow *self)
{
  gboolean empty = g_list_model_get_n_items (shoal_rpc_client_get_torrents (self->client)) == 0;
  gboolean selected = gtk_single_selection_get_selected_item (self->selection) != NULL;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "remote.start", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "remote.pause", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "remote.remove", selected);
}

static gboolean refresh_cb (gpointer user_data);

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ShoalRemoteWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->refreshing = FALSE;
  if (!shoal_rpc_client_refresh_finish (SHOAL_RPC_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Say it once, not every second while the server is away. */
      if (g_strcmp0 (self->last_error, error->message) != 0)
        {
          g_free (self->last_error);
          self->last_error = g_strdup (error->message);
          adw_window_title_set_subtitle (self->title, error->message);
        }
      return;
    }
  if (self->last_error != NULL)
    {
      g_clear_pointer (&self->last_error, g_free);
      adw_window_title_set_subtitle (self->title, shoal_rpc_client_get_url (self->client));
    }
  update_view (self);
}

static gboolean
refresh_cb (gpointer user_data)
{
  ShoalRemoteWindow *self = user_data;

  if (!self->refreshing)
    {
      self->refreshing = TRUE;
      shoal_rpc_client_refresh_async (self->client, self->cancellable, refreshed_cb, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

static void
called_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ShoalRemoteWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  if (answer == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  refresh_cb (self);
}

static void
call_on_selected (ShoalRemoteWindow *self,
                  const char        *method)
{
  ShoalRemoteTorrent *torrent = gtk_single_selection_get_selected_item (self->selection);

  if (torrent == NULL)
    return;
  shoal_rpc_client_call_async (self->client, method,
                               g_variant_new_parsed ("{'ids': <[%i]>}", shoal_remote_torrent_get_id (torrent)),
                               self->cancellable, called_cb, g_object_ref (self));
}

static void
start_action (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  call_on_selected (SHOAL_REMOTE_WINDOW (widget), "torrent-start");
}

static void
pause_action (GtkWidget  *widget,
              const char *name,
              GVariant   *parameter)
{
  call_on_selected (SHOAL_REMOTE_WINDOW (widget), "torrent-stop");
}

static void
remove_action (GtkWidget  *widget,
               const char *name,
               GVariant   *parameter)
{
  /* Removes from the list; the data stays on the server. */
  call_on_selected (SHOAL_REMOTE_WINDOW (widget), "torrent-remove");
}

static void
add_link_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      gpointer          user_data)
{
  ShoalRemoteWindow *self = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "add") != 0 || text[0] == '\0')
    return;
  shoal_rpc_client_call_async (self->client, "torrent-add", g_variant_new_parsed ("{'filename': <%s>}", text),
                               self->cancellable, called_cb, g_object_ref (self));
}

static void
add_link_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Add to the Server"),
                                              _("A magnet link, or the web address of a .torrent file. "
                                                "The server downloads it into its download folder."));
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "add", _("_Add"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "add");
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (add_link_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
selection_changed_cb (ShoalRemoteWindow *self)
{
  update_view (self);
}

static void
shoal_remote_window_constructed (GObject *object)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (object);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *empty = adw_status_page_new ();
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *list;
  struct { const char *icon, *action, *tooltip; gboolean end; } buttons[] = {
    { "list-add-symbolic", "remote.add-link", N_("Add a Magnet Link or Web Address"), FALSE },
    { "media-playback-start-symbolic", "remote.start", N_("Start"), FALSE },
    { "media-playback-pause-symbolic", "remote.pause", N_("Pause"), FALSE },
    { "list-remove-symbolic", "remote.remove", N_("Remove from the Server (Keeps the Data)"), TRUE },
  };

  G_OBJECT_CLASS (shoal_remote_window_parent_class)->constructed (object);

  self->title = ADW_WINDOW_TITLE (adw_window_title_new (_("Remote Session"),
                                                        shoal_rpc_client_get_url (self->client)));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->title));
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = gtk_button_new_from_icon_name (buttons[i].icon);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), buttons[i].action);
      gtk_widget_set_tooltip_text (button, _(buttons[i].tooltip));
      if (buttons[i].end)
        adw_header_bar_pack_end (ADW_HEADER_BAR (header), button);
      else
        adw_header_bar_pack_start (ADW_HEADER_BAR (header), button);
    }

  self->selection = gtk_single_selection_new (g_object_ref (shoal_rpc_client_get_torrents (self->client)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), NULL);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (g_object_ref (self->selection)), factory);
  gtk_widget_add_css_class (list, "rich-list");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_widget_set_vexpand (scrolled, TRUE);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "network-server-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Torrents on This Server"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty), _("Add a magnet link or the web address of a .torrent file."));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, empty, "empty");
  gtk_stack_add_named (self->stack, scrolled, "list");
  self->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (self->toasts, GTK_WIDGET (self->stack));
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->toasts));
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), box);
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 480);
  gtk_window_set_title (GTK_WINDOW (self), _("Remote Session"));

  update_view (self);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);
  refresh_cb (self);
}

static void
shoal_remote_window_dispose (GObject *object)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  g_clear_object (&self->selection);
  G_OBJECT_CLASS (shoal_remote_window_parent_class)->dispose (object);
}

static void
shoal_remote_window_finalize (GObject *object)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (object);

  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_free (self->last_error);
  G_OBJECT_CLASS (shoal_remote_window_parent_class)->finalize (object);
}

static void
shoal_remote_window_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_remote_window_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ShoalRemoteWindow *self = SHOAL_REMOTE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_remote_window_class_init (ShoalRemoteWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = shoal_remote_window_constructed;
  object_class->dispose = shoal_remote_window_dispose;
  object_class->finalize = shoal_remote_window_finalize;
  object_class->set_property = shoal_remote_window_set_property;
  object_class->get_property = shoal_remote_window_get_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, SHOAL_TYPE_RPC_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "remote.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "remote.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "remote.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "remote.add-link", NULL, add_link_action);
}

static void
shoal_remote_window_init (ShoalRemoteWindow *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * shoal_remote_window_new:
 * @application: (nullable): the application
 * @client: a client of the remote session
 *
 * Returns: (transfer full): a window showing @client's torrents
 */
ShoalRemoteWindow *
shoal_remote_window_new (GtkApplication *application,
                         ShoalRpcClient *client)
{
  g_return_val_if_fail (SHOAL_IS_RPC_CLIENT (client), NULL);
  return g_object_new (SHOAL_TYPE_REMOTE_WINDOW, "application", application, "client", client, NULL);
}

ShoalRpcClient *
shoal_remote_window_get_client (ShoalRemoteWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_WINDOW (self), NULL);
  return self->client;
}

GtkSingleSelection *
shoal_remote_window_get_selection (ShoalRemoteWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_WINDOW (self), NULL);
  return self->selection;
}

/* The connect dialog ---------------------------------------------------------- */

typedef struct
{
  GtkWindow      *parent;
  ShoalRpcClient *client;
} Connecting;

static void
connect_failed (GtkWindow  *parent,
                const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, _("Cannot Connect"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connecting *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);

  if (answer == NULL)
    connect_failed (c->parent, error->message);
  else
    {
      ShoalRemoteWindow *window = shoal_remote_window_new (gtk_window_get_application (c->parent), c->client);
      gtk_window_present (GTK_WINDOW (window));
    }
  g_object_unref (c->parent);
  g_object_unref (c->client);
  g_free (c);
}

static void
connect_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));
  const char *url = gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "url"));
  const char *user = gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "user"));
  const char *password = gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "password"));
  g_autoptr(GError) error = NULL;
  ShoalRpcClient *client;
  Connecting *c;

  if (g_strcmp0 (response, "connect") != 0)
    return;
  client = shoal_rpc_client_new (url, user[0] != '\0' ? user : NULL, user[0] != '\0' ? password : NULL, &error);
  if (client == NULL)
    {
      connect_failed (parent, error->message);
      return;
    }
  c = g_new0 (Connecting, 1);
  c->parent = g_object_ref (parent);
  c->client = client;
  /* The window opens once the server answered, so a wrong address or
   * password is said here rather than in an empty window. */
  shoal_rpc_client_call_async (client, "session-get", NULL, NULL, connected_cb, c);
}

/**
 * shoal_remote_window_connect_dialog:
 * @parent: the window to attach the dialog to
 *
 * Asks for a server's address and login ("Connect to Server…"), then opens
 * a #ShoalRemoteWindow on it.
 */
void
shoal_remote_window_connect_dialog (GtkWindow *parent)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, _("Connect to Server"),
                                              _("A Shoal daemon (shoal-daemon) or any Transmission daemon."));
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *url = adw_entry_row_new ();
  GtkWidget *user = adw_entry_row_new ();
  GtkWidget *password = adw_password_entry_row_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (url), _("Address"));
  gtk_editable_set_text (GTK_EDITABLE (url), "http://127.0.0.1:9091");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (user), _("User Name"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (password), _("Password"));
  gtk_list_box_append (GTK_LIST_BOX (list), url);
  gtk_list_box_append (GTK_LIST_BOX (list), user);
  gtk_list_box_append (GTK_LIST_BOX (list), password);
  g_object_set_data (G_OBJECT (dialog), "url", url);
  g_object_set_data (G_OBJECT (dialog), "user", user);
  g_object_set_data (G_OBJECT (dialog), "password", password);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), list);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "connect", _("C_onnect"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "connect", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "connect");
  g_signal_connect (dialog, "response", G_CALLBACK (connect_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}
