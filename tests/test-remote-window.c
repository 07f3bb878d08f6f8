/* test-remote-window.c: the main window switched to a shoal-daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real shoal-daemon on 127.0.0.1 with a password. The running
 * application's main window connects to it (Connect to Server…), lists
 * its torrents, adds one, stops and starts one, sets a limit and removes
 * one through the Transmission RPC, as a user's clicks would; each
 * effect is checked on the daemon's side with a client of its own. Back
 * on This Computer the window shows the local torrents again; a wrong
 * password is said in the connect dialog. Queue moves, the server's own
 * settings and the pieces map of a server's torrent are checked against
 * the daemon; the polling of the server stops while the window is hidden.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "config.h"

#include "shoal-app-remote-session.h"
#include "shoal-bandwidth-graph.h"
#include "shoal-application.h"
#include "shoal-connect-dialog.h"
#include "shoal-link-dialog.h"
#include "shoal-pieces-map.h"
#include "shoal-remote-details.h"
#include "shoal-remove-dialog.h"
#include "shoal-server-settings-dialog.h"
#include "shoal-sidebar.h"
#include "shoal-torrent-item-widget.h"
#include "shoal-torrent-row.h"
#include "shoal-window.h"

typedef struct
{
  GPid            pid;
  char           *dir;
  guint16         port;
  ShoalRpcClient *client;
  GAsyncResult   *result;
} Daemon;

static Daemon daemon_;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  daemon_.result = g_object_ref (result);
}

/* Iterates the main context until @done (at most 30 s). */
static gboolean
spin_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

static gboolean
have_result (gpointer data)
{
  return daemon_.result != NULL;
}

static GVariant *
call (ShoalRpcClient *client,
      const char     *method,
      GVariant       *arguments,
      GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  shoal_rpc_client_call_async (client, method, arguments, NULL, result_cb, NULL);
  g_assert_true (spin_until (have_result, NULL));
  result = g_steal_pointer (&daemon_.result);
  return shoal_rpc_client_call_finish (client, result, error);
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A shoal-daemon on 127.0.0.1 with a password, and @extra options; with
 * TLS (@tls) it is ready once it accepts connections, else once it
 * answers. */
static void
start_daemon (Daemon             *d,
              const char * const *extra,
              gboolean            tls)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  g_autofree char *state = NULL, *downloads = NULL, *rpc_port = NULL, *url = NULL, *peer_port = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  guint16 peer;

  d->port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  peer = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (probe);
  d->dir = g_dir_make_tmp ("shoal-test-remote-window-XXXXXX", &error);
  g_assert_no_error (error);
  state = g_build_filename (d->dir, "state", NULL);
  downloads = g_build_filename (d->dir, "downloads", NULL);
  rpc_port = g_strdup_printf ("%u", d->port);
  peer_port = g_strdup_printf ("%u", peer);
  {
    const char *args[] = { SHOAL_DAEMON_PATH, "--state-dir", state, "--download-dir", downloads,
                           "--rpc-port", rpc_port, "--port", peer_port, "--auth", "user:pass" };

    for (guint i = 0; i < G_N_ELEMENTS (args); i++)
      g_ptr_array_add (argv, (gpointer) args[i]);
    for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
      g_ptr_array_add (argv, (gpointer) extra[i]);
    g_ptr_array_add (argv, NULL);
    g_spawn_async (NULL, (char **) argv->pdata, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                   die_with_parent, NULL, &d->pid, &error);
    g_assert_no_error (error);
  }
  url = g_strdup_printf ("%s://127.0.0.1:%u", tls ? "https" : "http", d->port);
  d->client = shoal_rpc_client_new (url, "user", "pass", &error);
  g_assert_no_error (error);
  /* at most 200 tries, 10 s */
  for (int i = 0; i < 200; i++)
    {
      g_autoptr(GVariant) answer = NULL;

      g_clear_error (&error);
      if (tls)
        {
          g_autoptr(GSocketClient) tcp = g_socket_client_new ();
          g_autoptr(GSocketConnection) connection = g_socket_client_connect_to_host (tcp, "127.0.0.1", d->port,
                                                                                     NULL, &error);
          if (connection != NULL)
            return;
        }
      else
        {
          answer = call (d->client, "session-get", NULL, &error);
          if (answer != NULL)
            return;
        }
      g_usleep (50 * 1000);
    }
  g_assert_no_error (error);
}

static void
stop_daemon (Daemon *d)
{
  const char *argv[] = { "rm", "-rf", d->dir, NULL };

  g_clear_object (&d->client);
  kill (d->pid, SIGTERM);
  waitpid (d->pid, NULL, 0);
  g_spawn_close_pid (d->pid);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (d->dir);
}

static GBytes *
tiny_torrent (const char *name)
{
  GString *s = g_string_new ("d4:infod6:lengthi5e4:name");
  g_string_append_printf (s, "%zu:%s12:piece lengthi16384e6:pieces20:", strlen (name), name);
  g_string_append (s, "01234567890123456789ee");
  return g_string_free_to_bytes (s);
}

/* Whether a label under @widget, or a torrent row's name, shows @text. */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  if (SHOAL_IS_TORRENT_ITEM_WIDGET (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (shoal_torrent_item_widget_get_title (SHOAL_TORRENT_ITEM_WIDGET (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

static ShoalApplication *app;
static ShoalWindow *window;
static char *tmp_dir;

static gboolean
window_shows (gpointer text)
{
  return shows_label (GTK_WIDGET (window), text);
}

static gboolean
is_remote (gpointer data)
{
  return shoal_app_session_get_local (shoal_window_get_app_session (window)) == NULL;
}

/* A torrent of the daemon, as it says itself: its fields as text, or
 * NULL when it has none of that name. */
static char *
daemon_torrent (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer =
    call (daemon_.client, "torrent-get",
          g_variant_new_parsed ("{'fields': <['name', 'status', 'downloadLimit', 'downloadLimited']>}"), &error);
  g_autoptr(GVariant) torrents = NULL;

  g_assert_no_error (error);
  torrents = g_variant_lookup_value (answer, "torrents", NULL);
  g_assert_nonnull (torrents);
  for (gsize i = 0; i < g_variant_n_children (torrents); i++)
    {
      g_autoptr(GVariant) t = g_variant_get_child_value (torrents, i);
      g_autoptr(GVariant) v = g_variant_get_variant (t);
      const char *n = NULL;

      if (g_variant_lookup (v, "name", "&s", &n) && g_strcmp0 (n, name) == 0)
        return g_variant_print (v, FALSE);
    }
  return NULL;
}

typedef struct
{
  const char *name;
  const char *contains;   /* NULL: the torrent is gone */
} DaemonWait;

static gboolean
daemon_shows (gpointer data)
{
  DaemonWait *w = data;
  g_autofree char *text = daemon_torrent (w->name);

  if (w->contains == NULL)
    return text == NULL;
  return text != NULL && strstr (text, w->contains) != NULL;
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
widget_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
action_enabled (gpointer name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (window), name);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

/* The dialog saying why the last try failed */
static GtkWindow *
find_failed_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (SHOAL_IS_CONNECT_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)) &&
          gtk_widget_has_css_class (GTK_WIDGET (w), "connect-failed"))
        return w;
    }
  return NULL;
}

static gboolean
connect_failed_shown (gpointer data)
{
  return find_failed_dialog () != NULL;
}

static gboolean
link_dialog_shown (gpointer data)
{
  return find_toplevel (SHOAL_TYPE_LINK_DIALOG) != NULL;
}

static gboolean
remove_dialog_shown (gpointer data)
{
  return find_toplevel (SHOAL_TYPE_REMOVE_DIALOG) != NULL;
}

static void
connect_to (const char *url,
            const char *password)
{
  ShoalConnectDialog *dialog = SHOAL_CONNECT_DIALOG (shoal_window_connect_dialog (window, url, "user"));

  gtk_editable_set_text (shoal_connect_dialog_get_entry (dialog, "password"), password);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "connect");
  /* as a click on the button does */
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
connect_with (const char *password)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", daemon_.port);

  connect_to (url, password);
}

/* Connects to @url, and returns what the dialog then says. */
static char *
failure_of (const char *url)
{
  GtkWindow *dialog;
  char *body;

  connect_to (url, "pass");
  g_assert_true (spin_until (connect_failed_shown, NULL));
  dialog = find_failed_dialog ();
  body = g_strdup (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)));
  gtk_window_destroy (dialog);
  g_assert_false (is_remote (NULL));
  return body;
}

/* Selects the row of @name in the window's list. */
/* The sidebar counts one torrent with the label @data */
static gboolean
sidebar_counts_one (gpointer data)
{
  return shoal_sidebar_get_count (SHOAL_SIDEBAR (shoal_window_get_sidebar (window)), "label", data) == 1;
}

static gboolean
n_shown_is (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (shoal_window_get_selection (window))) == GPOINTER_TO_UINT (data);
}

static void
select_row (const char *name)
{
  GtkSelectionModel *selection = shoal_window_get_selection (window);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (g_strcmp0 (shoal_torrent_row_get_name (row), name) == 0)
        {
          gtk_selection_model_select_item (selection, i, TRUE);
          return;
        }
    }
  g_assert_not_reached ();
}

static ShoalAppTorrent *
selected_item (void)
{
  GtkSelectionModel *selection = shoal_window_get_selection (window);
  g_autoptr(GtkBitset) set = gtk_selection_model_get_selection (selection);
  g_autoptr(ShoalTorrentRow) row = NULL;

  g_assert_cmpuint (gtk_bitset_get_size (set), ==, 1);
  row = g_list_model_get_item (G_LIST_MODEL (selection), gtk_bitset_get_nth (set, 0));
  return shoal_torrent_row_get_item (row);
}

static void
test_wrong_password (void)
{
  GtkWindow *dialog;

  connect_with ("wrong");
  g_assert_true (spin_until (connect_failed_shown, NULL));
  dialog = find_failed_dialog ();
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "refused"));
  /* the address and user name are kept for the next try */
  g_assert_cmpstr (gtk_editable_get_text (shoal_connect_dialog_get_entry (SHOAL_CONNECT_DIALOG (dialog), "user")),
                   ==, "user");
  g_assert_false (is_remote (NULL));
  gtk_window_destroy (dialog);
}

/* An address where nothing listens, and a server whose certificate is
 * not trusted (made by openssl for this test) */
static void
test_errors_said (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  guint16 closed = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed);
  g_autofree char *body = NULL;
  g_autofree char *cert = g_build_filename (tmp_dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (tmp_dir, "key.pem", NULL);
  const char *openssl[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                            "-subj", "/CN=localhost", "-keyout", key, "-out", cert, NULL };
  const char *extra[] = { "--tls-certificate", cert, "--tls-key", key, NULL };
  int status = -1;
  Daemon tls = { 0, };

  g_assert_no_error (error);
  g_socket_listener_close (probe);
  body = failure_of (url);
  g_assert_nonnull (strstr (body, "cannot be reached"));

  g_assert_true (g_spawn_sync (NULL, (char **) openssl, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  start_daemon (&tls, extra, TRUE);
  g_free (url);
  g_free (body);
  url = g_strdup_printf ("https://127.0.0.1:%u", tls.port);
  body = failure_of (url);
  g_assert_nonnull (strstr (body, "secure connection cannot be trusted"));
  stop_daemon (&tls);
}

static void
test_drive_a_daemon (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tiny_torrent ("window.bin");
  g_autoptr(GBytes) added = tiny_torrent ("added.bin");
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autofree char *path = g_build_filename (tmp_dir, "added.torrent", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GVariant) answer = NULL;
  DaemonWait w = { NULL, };
  GtkWindow *dialog;
  ShoalRemoteDetails *details;

  answer = call (daemon_.client, "torrent-add", g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64),
                 &error);
  g_assert_no_error (error);

  connect_with ("pass");
  g_assert_true (spin_until (is_remote, NULL));
  g_assert_true (spin_until (window_shows, (gpointer) "window.bin"));
  g_assert_false (shows_label (GTK_WIDGET (window), "local.bin"));

  /* stop and start, as the buttons do */
  select_row ("window.bin");
  /* what only this computer's torrents have is not offered */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "open-folder"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "new-torrent"));
  /* …and the menus say why: their note's action exists, disabled */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "server-note"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "server-note"));
  /* the queue is the server's own */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "queue-up"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "server-settings"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "set-location"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "start"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "start", NULL);
  {
    g_autofree char *text = NULL;
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    /* running: any status but 0 (stopped) */
    do
      {
        g_clear_pointer (&text, g_free);
        text = daemon_torrent ("window.bin");
        g_main_context_iteration (NULL, FALSE);
      }
    while (text != NULL && strstr (text, "'status': <int64 0>") != NULL && g_get_monotonic_time () < deadline);
    g_assert_nonnull (text);
    g_assert_null (strstr (text, "'status': <int64 0>"));
  }
  /* once the window has seen it run */
  g_assert_true (spin_until (action_enabled, (gpointer) "pause"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "pause", NULL);
  w = (DaemonWait) { "window.bin", "'status': <int64 0>" };
  g_assert_true (spin_until (daemon_shows, &w));

  /* a limit of 50 kB/s, typed in the details */
  details = SHOAL_REMOTE_DETAILS (find_descendant (GTK_WIDGET (window), SHOAL_TYPE_REMOTE_DETAILS));
  g_assert_nonnull (details);
  g_assert_true (shoal_remote_details_get_torrent (details) == SHOAL_APP_REMOTE_TORRENT (selected_item ()));
  /* its files, as the server lists them */
  g_assert_true (spin_until (widget_mapped, shoal_remote_details_get_widget (details, "files")));
  g_assert_true (shows_label (shoal_remote_details_get_widget (details, "files"), "window.bin"));
  g_assert_true (shows_label (GTK_WIDGET (details), "Not available for a server: the data is on its disks"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (shoal_remote_details_get_widget (details, "download-limit")), 50);
  w = (DaemonWait) { "window.bin", "'downloadLimit': <int64 50>, 'downloadLimited': <true>" };
  g_assert_true (spin_until (daemon_shows, &w));

  /* add a .torrent file: the server gets it */
  g_assert_true (g_file_replace_contents (file, g_bytes_get_data (added, NULL), g_bytes_get_size (added), NULL,
                                          FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error));
  g_assert_no_error (error);
  shoal_window_open_file (window, file);
  w = (DaemonWait) { "added.bin", "added.bin" };
  g_assert_true (spin_until (daemon_shows, &w));
  g_assert_true (spin_until (window_shows, (gpointer) "added.bin"));

  /* a label given in the Labels… dialog: the server's torrent has it,
   * and the sidebar filters by it (the rest in tests/test-laptop.c) */
  select_row ("window.bin");
  dialog = shoal_window_edit_labels (window);
  g_assert_nonnull (dialog);
  {
    GtkWidget *row = find_descendant (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);

    gtk_editable_set_text (GTK_EDITABLE (row), "remote-label");
    g_signal_emit_by_name (row, "apply");
  }
  gtk_window_destroy (dialog);
  g_assert_true (spin_until (sidebar_counts_one, (gpointer) "remote-label"));
  g_assert_true (spin_until (n_shown_is, GUINT_TO_POINTER (2)));
  shoal_sidebar_set_label (SHOAL_SIDEBAR (shoal_window_get_sidebar (window)), "remote-label");
  g_assert_true (spin_until (n_shown_is, GUINT_TO_POINTER (1)));
  shoal_sidebar_set_label (SHOAL_SIDEBAR (shoal_window_get_sidebar (window)), NULL);
  g_assert_true (spin_until (n_shown_is, GUINT_TO_POINTER (2)));

  /* a magnet link, through the link dialog: the server adds it as it is,
   * so there are no files to choose */
  g_action_group_activate_action (G_ACTION_GROUP (window), "add-link", NULL);
  g_assert_true (spin_until (link_dialog_shown, NULL));
  dialog = find_toplevel (SHOAL_TYPE_LINK_DIALOG);
  {
    GtkWidget *extra = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));

    g_assert_false (gtk_widget_get_visible (find_descendant (extra, GTK_TYPE_CHECK_BUTTON)));
    gtk_editable_set_text (GTK_EDITABLE (find_descendant (extra, GTK_TYPE_ENTRY)),
                           "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=magnet.bin");
  }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "add");
  gtk_window_close (dialog);
  w = (DaemonWait) { "magnet.bin", "magnet.bin" };
  g_assert_true (spin_until (daemon_shows, &w));
  g_assert_true (spin_until (window_shows, (gpointer) "magnet.bin"));

  /* remove one, with its data, through the remove dialog */
  select_row ("window.bin");
  g_action_group_activate_action (G_ACTION_GROUP (window), "remove", NULL);
  g_assert_true (spin_until (remove_dialog_shown, NULL));
  dialog = find_toplevel (SHOAL_TYPE_REMOVE_DIALOG);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  gtk_window_close (dialog);
  w = (DaemonWait) { "window.bin", NULL };
  g_assert_true (spin_until (daemon_shows, &w));
  g_assert_true (spin_until (window_shows, (gpointer) "added.bin"));
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (shows_label (GTK_WIDGET (window), "window.bin") && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
    g_assert_false (shows_label (GTK_WIDGET (window), "window.bin"));
  }
}


/* The value of @field of the daemon's torrent @name, or NULL */
static GVariant *
daemon_field (const char *name,
              const char *field)
{
  g_autoptr(GError) error = NULL;
  const char *fields[] = { "name", field, NULL };
  g_autoptr(GVariant) answer =
    call (daemon_.client, "torrent-get", g_variant_new_parsed ("{'fields': <%^as>}", fields), &error);
  g_autoptr(GVariant) torrents = NULL;

  g_assert_no_error (error);
  torrents = g_variant_lookup_value (answer, "torrents", NULL);
  g_assert_nonnull (torrents);
  for (gsize i = 0; i < g_variant_n_children (torrents); i++)
    {
      g_autoptr(GVariant) t = g_variant_get_child_value (torrents, i);
      g_autoptr(GVariant) v = g_variant_get_variant (t);
      const char *n = NULL;

      if (g_variant_lookup (v, "name", "&s", &n) && g_strcmp0 (n, name) == 0)
        return g_variant_lookup_value (v, field, NULL);
    }
  return NULL;
}

static gint64
daemon_queue_position (const char *name)
{
  g_autoptr(GVariant) v = daemon_field (name, "queuePosition");

  g_assert_nonnull (v);
  return g_variant_get_int64 (v);
}

typedef struct
{
  const char *name;
  gint64      position;
} QueueWait;

static gboolean
daemon_queue_at (gpointer data)
{
  QueueWait *w = data;

  return daemon_queue_position (w->name) == w->position;
}

static void
add_to_daemon (GBytes     *metainfo,
               const char *download_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (metainfo, NULL), g_bytes_get_size (metainfo));
  g_autoptr(GVariant) answer = NULL;

  if (download_dir != NULL)
    answer = call (daemon_.client, "torrent-add",
                   g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>, 'download-dir': <%s>}",
                                         b64, download_dir), &error);
  else
    answer = call (daemon_.client, "torrent-add",
                   g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64), &error);
  g_assert_no_error (error);
}

/* Move to the top and one place down, as the menu and Alt+Down do: the
 * daemon's queue changes */
static void
test_queue_move (void)
{
  g_autoptr(GBytes) first = tiny_torrent ("queue-a.bin");
  g_autoptr(GBytes) second = tiny_torrent ("queue-b.bin");
  QueueWait w;
  gint64 a, b, top;
  g_auto(GStrv) accels = NULL;

  g_assert_true (is_remote (NULL));
  add_to_daemon (first, NULL);
  add_to_daemon (second, NULL);
  g_assert_true (spin_until (window_shows, (gpointer) "queue-b.bin"));
  a = daemon_queue_position ("queue-a.bin");
  b = daemon_queue_position ("queue-b.bin");
  g_assert_cmpint (b, >, a);
  g_assert_cmpint (b, >, 0);

  select_row ("queue-b.bin");
  g_assert_true (spin_until (action_enabled, (gpointer) "queue-top"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-top", NULL);
  w = (QueueWait) { "queue-b.bin", 0 };
  g_assert_true (spin_until (daemon_queue_at, &w));
  top = daemon_queue_position ("added.bin");
  g_assert_cmpint (top, ==, 1);   /* the rest moved down one place */

  /* the same shortcuts as for this computer's torrents */
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.queue-down");
  g_assert_cmpstr (accels[0], ==, "<Alt>Down");
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-down", NULL);
  w = (QueueWait) { "queue-b.bin", 1 };
  g_assert_true (spin_until (daemon_queue_at, &w));
  g_assert_cmpint (daemon_queue_position ("added.bin"), ==, 0);
}

static gboolean
settings_loaded (gpointer dialog)
{
  return !shoal_server_settings_dialog_is_busy (dialog) &&
         gtk_widget_get_sensitive (shoal_server_settings_dialog_get_widget (dialog, "peer-port"));
}

static gboolean
settings_idle (gpointer dialog)
{
  return !shoal_server_settings_dialog_is_busy (dialog);
}

typedef struct
{
  const char *key;
  gint64      value;
} SettingWait;

/* Whether the daemon, asked by a client of the test's own, has @key */
static gboolean
daemon_setting_is (gpointer data)
{
  SettingWait *w = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = call (daemon_.client, "session-get", NULL, &error);
  g_autoptr(GVariant) v = NULL;

  g_assert_no_error (error);
  v = g_variant_lookup_value (answer, w->key, NULL);
  g_assert_nonnull (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v) == w->value;
  return g_variant_get_int64 (v) == w->value;
}

/* The server's settings, from the Session menu: set in the dialog, read
 * back by another client; a refusal is said in the dialog */
static void
test_server_settings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  ShoalServerSettingsDialog *dialog;
  GtkWidget *dir;
  g_autofree char *server_dir = NULL;
  SettingWait w;

  g_assert_no_error (error);
  g_socket_listener_close (probe);
  g_assert_true (is_remote (NULL));
  g_action_group_activate_action (G_ACTION_GROUP (window), "server-settings", NULL);
  dialog = SHOAL_SERVER_SETTINGS_DIALOG (find_toplevel (SHOAL_TYPE_SERVER_SETTINGS_DIALOG));
  g_assert_nonnull (dialog);
  g_assert_true (spin_until (settings_loaded, dialog));
  /* what the server has is shown */
  dir = shoal_server_settings_dialog_get_widget (dialog, "download-dir");
  server_dir = g_build_filename (daemon_.dir, "downloads", NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (dir)), ==, server_dir);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (shoal_server_settings_dialog_get_widget (dialog, "peer-port")), port);
  w = (SettingWait) { "peer-port", port };
  g_assert_true (spin_until (daemon_setting_is, &w));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (shoal_server_settings_dialog_get_widget (dialog, "speed-limit-down")),
                             123);
  w = (SettingWait) { "speed-limit-down", 123 };
  g_assert_true (spin_until (daemon_setting_is, &w));
  w = (SettingWait) { "speed-limit-down-enabled", TRUE };
  g_assert_true (daemon_setting_is (&w));
  gtk_switch_set_active (GTK_SWITCH (shoal_server_settings_dialog_get_widget (dialog, "alt-speed-enabled")), TRUE);
  w = (SettingWait) { "alt-speed-enabled", TRUE };
  g_assert_true (spin_until (daemon_setting_is, &w));
  adw_combo_row_set_selected (ADW_COMBO_ROW (shoal_server_settings_dialog_get_widget (dialog, "encryption")), 0);
  g_assert_true (spin_until (settings_idle, dialog));
  {
    g_autoptr(GVariant) answer = call (daemon_.client, "session-get", NULL, &error);
    const char *encryption = NULL;

    g_assert_no_error (error);
    g_assert_true (g_variant_lookup (answer, "encryption", "&s", &encryption));
    g_assert_cmpstr (encryption, ==, "required");
  }
  g_assert_null (shoal_server_settings_dialog_get_error (dialog));

  /* a folder the server refuses: said, and the server's own shown again */
  gtk_editable_set_text (GTK_EDITABLE (dir), "not/absolute");
  g_signal_emit_by_name (dir, "apply");
  g_assert_true (spin_until (settings_idle, dialog));
  g_assert_nonnull (shoal_server_settings_dialog_get_error (dialog));
  g_assert_nonnull (strstr (shoal_server_settings_dialog_get_error (dialog), "absolute"));
  g_assert_true (shows_label (GTK_WIDGET (dialog), shoal_server_settings_dialog_get_error (dialog)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (dir)), ==, server_dir);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* A .torrent of four 16 KiB pieces of which the daemon's folder has the
 * first and the third */
static GBytes *
four_piece_torrent (const char *dir)
{
  GString *s = g_string_new ("d4:infod6:lengthi65536e4:name10:pieces.bin12:piece lengthi16384e6:pieces80:");
  g_autofree guint8 *data = g_malloc (65536);
  g_autofree char *path = g_build_filename (dir, "pieces.bin", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
      guint8 digest[20];
      gsize len = sizeof digest;

      memset (data + i * 16384, 'a' + i, 16384);
      g_checksum_update (sha1, data + i * 16384, 16384);
      g_checksum_get_digest (sha1, digest, &len);
      g_string_append_len (s, (const char *) digest, 20);
    }
  g_string_append (s, "ee");
  memset (data + 1 * 16384, 0, 16384);
  memset (data + 3 * 16384, 0, 16384);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, (const char *) data, 65536, &error));
  g_assert_no_error (error);
  return g_string_free_to_bytes (s);
}

static gboolean
daemon_has_two_pieces (gpointer data)
{
  g_autoptr(GVariant) v = daemon_field ("pieces.bin", "pieces");

  return v != NULL && g_strcmp0 (g_variant_get_string (v, NULL), "AAAA") != 0 &&
         g_strcmp0 (g_variant_get_string (v, NULL), "") != 0 &&
         g_strcmp0 (g_variant_get_string (v, NULL), "AA==") != 0;
}

static gboolean
map_laid_out (gpointer map)
{
  /* at its size on screen, where each piece has a cell of its own */
  return shoal_pieces_map_get_n_pieces (map) == 4 && gtk_widget_get_mapped (map) &&
         shoal_pieces_map_get_pieces_per_cell (map) == 1;
}

/* The pieces map of a server's torrent shows the daemon's bitfield */
static void
test_pieces_map (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (daemon_.dir, "pieces", NULL);
  g_autoptr(GBytes) metainfo = four_piece_torrent (dir);
  g_autoptr(GVariant) pieces = NULL;
  g_autoptr(GVariant) answer = NULL;
  g_autofree guchar *bits = NULL;
  gsize len = 0;
  ShoalRemoteDetails *details;
  GtkWidget *map;
  gint64 id;

  g_assert_true (is_remote (NULL));
  add_to_daemon (metainfo, dir);
  {
    g_autoptr(GVariant) v = daemon_field ("pieces.bin", "id");

    g_assert_nonnull (v);
    id = g_variant_get_int64 (v);
  }
  answer = call (daemon_.client, "torrent-verify", g_variant_new_parsed ("{'ids': <[%x]>}", id), &error);
  g_assert_no_error (error);
  g_assert_true (spin_until (daemon_has_two_pieces, NULL));
  pieces = daemon_field ("pieces.bin", "pieces");
  bits = g_base64_decode (g_variant_get_string (pieces, NULL), &len);
  g_assert_cmpuint (len, ==, 1);
  g_assert_cmphex (bits[0], ==, 0xa0);   /* the first and the third */

  g_assert_true (spin_until (window_shows, (gpointer) "pieces.bin"));
  select_row ("pieces.bin");
  details = SHOAL_REMOTE_DETAILS (find_descendant (GTK_WIDGET (window), SHOAL_TYPE_REMOTE_DETAILS));
  map = shoal_remote_details_get_widget (details, "pieces");
  g_assert_true (SHOAL_IS_PIECES_MAP (map));
  g_assert_true (spin_until (map_laid_out, map));
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (shoal_pieces_map_get_cell_had (SHOAL_PIECES_MAP (map), i), ==,
                      (bits[0] & (0x80 >> i)) ? 255 : 0);
}

static ShoalAppRemoteSession *
remote_session (void)
{
  return SHOAL_APP_REMOTE_SESSION (shoal_window_get_app_session (window));
}

static gboolean
not_refreshing (gpointer data)
{
  return !shoal_app_remote_session_is_refreshing (remote_session ());
}

static gboolean
listed_more_than (gpointer data)
{
  return shoal_app_remote_session_get_n_listings (remote_session ()) > GPOINTER_TO_UINT (data);
}

/* Spins the main context for @seconds. */
static void
spin_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

/* Nothing is asked of the server while the window is hidden; shown again,
 * it lists at once, and every second again; the transfer graph got a
 * sample at each listing */
static void
test_polling_pauses (void)
{
  ShoalRemoteDetails *details = SHOAL_REMOTE_DETAILS (find_descendant (GTK_WIDGET (window),
                                                                       SHOAL_TYPE_REMOTE_DETAILS));
  GtkWidget *graph = shoal_remote_details_get_widget (details, "graph");
  guint before, hidden;

  g_assert_true (is_remote (NULL));
  select_row ("added.bin");
  g_assert_true (shoal_app_remote_session_get_polling (remote_session ()));
  before = shoal_app_remote_session_get_n_listings (remote_session ());
  g_assert_true (spin_until (listed_more_than, GUINT_TO_POINTER (before + 1)));
  g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (SHOAL_BANDWIDTH_GRAPH (graph)), >, 0);

  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  g_assert_false (shoal_app_remote_session_get_polling (remote_session ()));
  g_assert_true (spin_until (not_refreshing, NULL));
  hidden = shoal_app_remote_session_get_n_listings (remote_session ());
  spin_for (3.5);
  g_assert_cmpuint (shoal_app_remote_session_get_n_listings (remote_session ()), ==, hidden);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (spin_until (widget_mapped, window));
  g_assert_true (shoal_app_remote_session_get_polling (remote_session ()));
  /* at once, not a second later */
  g_assert_cmpuint (shoal_app_remote_session_get_n_listings (remote_session ()), >, hidden);
  g_assert_true (spin_until (listed_more_than, GUINT_TO_POINTER (hidden + 2)));
  g_test_message ("listings: %u before hiding, the same %u after 3.5 s hidden, %u once shown again",
                  hidden, hidden, shoal_app_remote_session_get_n_listings (remote_session ()));
}

static void
test_back_to_this_computer (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  g_autoptr(GVariant) servers = g_settings_get_value (settings, "remote-servers");
  g_autoptr(GVariant) state = NULL;
  g_autofree char *url = NULL;
  const char *user = NULL;
  ShoalConnectDialog *dialog;

  g_assert_true (is_remote (NULL));
  /* the server is remembered for the Session menu, without its password */
  g_assert_cmpuint (g_variant_n_children (servers), ==, 1);
  g_variant_get_child (servers, 0, "(s&s)", &url, &user);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_cmpstr (user, ==, "user");
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "session");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, url);

  g_action_group_change_action_state (G_ACTION_GROUP (window), "session", g_variant_new_string (""));
  g_assert_false (is_remote (NULL));
  g_assert_true (spin_until (window_shows, (gpointer) "local.bin"));
  g_assert_false (shows_label (GTK_WIDGET (window), "added.bin"));
  g_assert_false (g_action_group_has_action (G_ACTION_GROUP (window), "server-note"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "server-settings"));

  /* choosing the server again asks for its password only */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "session", g_variant_new_string (url));
  dialog = SHOAL_CONNECT_DIALOG (shoal_window_get_dialog (window));
  g_assert_true (SHOAL_IS_CONNECT_DIALOG (dialog));
  g_assert_cmpstr (gtk_editable_get_text (shoal_connect_dialog_get_entry (dialog, "url")), ==, url);
  g_assert_cmpstr (gtk_editable_get_text (shoal_connect_dialog_get_entry (dialog, "user")), ==, "user");
  g_assert_cmpstr (gtk_editable_get_text (shoal_connect_dialog_get_entry (dialog, "password")), ==, "");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_false (is_remote (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GBytes) local = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autofree char *state_dir = NULL, *download_dir = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  start_daemon (&daemon_, NULL, FALSE);

  tmp_dir = g_dir_make_tmp ("shoal-test-remote-app-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (tmp_dir, "state", NULL);
  download_dir = g_build_filename (tmp_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);
  g_setenv ("SHOAL_STATE_DIR", state_dir, TRUE);
  g_setenv ("SHOAL_DOWNLOAD_DIR", download_dir, TRUE);
  settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  g_settings_set_boolean (settings, "random-port", TRUE);
  g_settings_set_boolean (settings, "notify-on-complete", FALSE);
  /* wide: the details stand beside the list */
  g_settings_set_int (settings, "window-width", 1100);
  g_settings_set_int (settings, "window-height", 600);

  app = shoal_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = SHOAL_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);

  /* one torrent of this computer's own, paused */
  local = tiny_torrent ("local.bin");
  info = shoal_metainfo_new_from_bytes (local, &error);
  g_assert_no_error (error);
  g_assert_nonnull (shoal_session_add_torrent (shoal_application_get_session (app), info, download_dir,
                                               SHOAL_ADD_FLAGS_PAUSED, &error));
  g_assert_no_error (error);
  g_assert_true (spin_until (window_shows, (gpointer) "local.bin"));

  g_test_add_func ("/app/remote-session/wrong-password", test_wrong_password);
  g_test_add_func ("/app/remote-session/errors-said", test_errors_said);
  g_test_add_func ("/app/remote-session/drive-a-daemon", test_drive_a_daemon);
  g_test_add_func ("/app/remote-session/queue-move", test_queue_move);
  g_test_add_func ("/app/remote-session/server-settings", test_server_settings);
  g_test_add_func ("/app/remote-session/pieces-map", test_pieces_map);
  g_test_add_func ("/app/remote-session/polling-pauses", test_polling_pauses);
  g_test_add_func ("/app/remote-session/back-to-this-computer", test_back_to_this_computer);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  stop_daemon (&daemon_);
  {
    const char *argv_rm[] = { "rm", "-rf", tmp_dir, NULL };

    g_spawn_sync (NULL, (char **) argv_rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  }
  g_free (tmp_dir);
  return status;
}
