/* test-remote-window.c: the app's remote-session window drives a shoal-daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real shoal-daemon on 127.0.0.1 with a password; the window
 * (Connect to Server…) lists its torrents and starts, pauses and removes
 * one through the Transmission RPC, as a user's clicks would.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "shoal-remote-window.h"

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

static void
start_daemon (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) probe = g_socket_listener_new ();
  g_autofree char *state = NULL, *downloads = NULL, *rpc_port = NULL, *url = NULL;
  guint16 peer;

  daemon_.port = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  peer = g_socket_listener_add_any_inet_port (probe, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (probe);
  daemon_.dir = g_dir_make_tmp ("shoal-test-remote-window-XXXXXX", &error);
  g_assert_no_error (error);
  state = g_build_filename (daemon_.dir, "state", NULL);
  downloads = g_build_filename (daemon_.dir, "downloads", NULL);
  rpc_port = g_strdup_printf ("%u", daemon_.port);
  {
    g_autofree char *peer_port = g_strdup_printf ("%u", peer);
    const char *argv[] = { SHOAL_DAEMON_PATH, "--state-dir", state, "--download-dir", downloads,
                           "--rpc-port", rpc_port, "--port", peer_port, "--auth", "user:pass", NULL };
    g_spawn_async (NULL, (char **) argv, NULL,
                   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                   die_with_parent, NULL, &daemon_.pid, &error);
    g_assert_no_error (error);
  }
  url = g_strdup_printf ("http://127.0.0.1:%u", daemon_.port);
  daemon_.client = shoal_rpc_client_new (url, "user", "pass", &error);
  g_assert_no_error (error);
  for (int i = 0; i < 200; i++)
    {
      g_autoptr(GVariant) answer = NULL;
      g_clear_error (&error);
      answer = call (daemon_.client, "session-get", NULL, &error);
      if (answer != NULL)
        return;
      g_usleep (50 * 1000);
    }
  g_assert_no_error (error);
}

static void
stop_daemon (void)
{
  const char *argv[] = { "rm", "-rf", daemon_.dir, NULL };

  g_clear_object (&daemon_.client);
  kill (daemon_.pid, SIGTERM);
  waitpid (daemon_.pid, NULL, 0);
  g_spawn_close_pid (daemon_.pid);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (daemon_.dir);
}

static GBytes *
tiny_torrent (const char *name)
{
  GString *s = g_string_new ("d4:infod6:lengthi5e4:name");
  g_string_append_printf (s, "%zu:%s12:piece lengthi16384e6:pieces20:", strlen (name), name);
  g_string_append (s, "01234567890123456789ee");
  return g_string_free_to_bytes (s);
}

/* Whether a label under @widget shows @text. */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

typedef struct
{
  ShoalRemoteWindow *window;
  ShoalTorrentState  state;
  guint              n_items;
} Wait;

static gboolean
lists_torrent (gpointer data)
{
  Wait *w = data;
  return shows_label (GTK_WIDGET (w->window), "window.bin");
}

static gboolean
selected_in_state (gpointer data)
{
  Wait *w = data;
  ShoalRemoteTorrent *t = gtk_single_selection_get_selected_item (shoal_remote_window_get_selection (w->window));
  return t != NULL && shoal_remote_torrent_get_state (t) == w->state;
}

static gboolean
selected_not_paused (gpointer data)
{
  Wait *w = data;
  ShoalRemoteTorrent *t = gtk_single_selection_get_selected_item (shoal_remote_window_get_selection (w->window));
  return t != NULL && shoal_remote_torrent_get_state (t) != SHOAL_TORRENT_STATE_PAUSED;
}

static gboolean
n_items_is (gpointer data)
{
  Wait *w = data;
  return g_list_model_get_n_items (shoal_rpc_client_get_torrents (shoal_remote_window_get_client (w->window)))
         == w->n_items;
}

static void
test_drive (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tiny_torrent ("window.bin");
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autoptr(GVariant) answer = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", daemon_.port);
  g_autoptr(ShoalRpcClient) client = shoal_rpc_client_new (url, "user", "pass", &error);
  Wait w = { NULL, };

  g_assert_no_error (error);
  answer = call (daemon_.client, "torrent-add", g_variant_new_parsed ("{'metainfo': <%s>, 'paused': <true>}", b64),
                 &error);
  g_assert_no_error (error);

  w.window = shoal_remote_window_new (NULL, client);
  gtk_window_present (GTK_WINDOW (w.window));
  g_assert_true (spin_until (lists_torrent, &w));
  w.state = SHOAL_TORRENT_STATE_PAUSED;
  g_assert_true (spin_until (selected_in_state, &w));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.window), "remote.start", NULL));
  g_assert_true (spin_until (selected_not_paused, &w));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.window), "remote.pause", NULL));
  w.state = SHOAL_TORRENT_STATE_PAUSED;
  g_assert_true (spin_until (selected_in_state, &w));

  /* what the window did, the server did: ask it separately */
  g_clear_pointer (&answer, g_variant_unref);
  answer = call (daemon_.client, "torrent-get", g_variant_new_parsed ("{'fields': <['name', 'status']>}"), &error);
  g_assert_no_error (error);
  {
    g_autofree char *text = g_variant_print (answer, FALSE);
    g_assert_nonnull (strstr (text, "'window.bin'"));
  }

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.window), "remote.remove", NULL));
  w.n_items = 0;
  g_assert_true (spin_until (n_items_is, &w));
  g_assert_true (shows_label (GTK_WIDGET (w.window), "No Torrents on This Server"));

  gtk_window_destroy (GTK_WINDOW (w.window));
}

static GtkWindow *
find_toplevel (GType       type,
               const char *title,
               GtkWindow  *not_this)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);
      if (w != not_this && G_TYPE_CHECK_INSTANCE_TYPE (w, type) &&
          (title == NULL || (ADW_IS_MESSAGE_DIALOG (w) &&
                             g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (w)), title) == 0)))
        return w;
    }
  return NULL;
}

typedef struct
{
  GType       type;
  const char *title;
  GtkWindow  *not_this;
} Find;

static gboolean
toplevel_appears (gpointer data)
{
  Find *f = data;
  return find_toplevel (f->type, f->title, f->not_this) != NULL;
}

/* Connect to Server…: the dialog opens a window on the server, or says
 * why it cannot. */
static void
connect_with (GtkWindow  *parent,
              const char *password)
{
  Find find = { ADW_TYPE_MESSAGE_DIALOG, "Connect to Server", NULL };
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", daemon_.port);
  GtkWindow *dialog;

  shoal_remote_window_connect_dialog (parent);
  g_assert_true (spin_until (toplevel_appears, &find));
  dialog = find_toplevel (find.type, find.title, NULL);
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "url"), url);
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "user"), "user");
  gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "password"), password);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "connect");
}

static void
test_connect_dialog (void)
{
  GtkWidget *parent = gtk_window_new ();
  Find window = { SHOAL_TYPE_REMOTE_WINDOW, NULL, NULL };
  Find refused = { ADW_TYPE_MESSAGE_DIALOG, "Cannot Connect", NULL };
  GtkWindow *remote;

  gtk_window_present (GTK_WINDOW (parent));
  connect_with (GTK_WINDOW (parent), "wrong");
  g_assert_true (spin_until (toplevel_appears, &refused));
  g_assert_null (find_toplevel (SHOAL_TYPE_REMOTE_WINDOW, NULL, NULL));
  gtk_window_destroy (find_toplevel (refused.type, refused.title, NULL));

  connect_with (GTK_WINDOW (parent), "pass");
  g_assert_true (spin_until (toplevel_appears, &window));
  remote = find_toplevel (SHOAL_TYPE_REMOTE_WINDOW, NULL, NULL);
  g_assert_true (g_str_has_prefix (shoal_rpc_client_get_url (shoal_remote_window_get_client (SHOAL_REMOTE_WINDOW (remote))),
                                   "http://127.0.0.1:"));
  gtk_window_destroy (remote);
  gtk_window_destroy (GTK_WINDOW (parent));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  start_daemon ();
  g_test_add_func ("/app/remote-window/drive-a-daemon", test_drive);
  g_test_add_func ("/app/remote-window/connect-dialog", test_connect_dialog);
  status = g_test_run ();
  stop_daemon ();
  return status;
}
