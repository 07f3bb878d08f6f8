/* shoal-daemon.c: Shoal without a window, driven through the Transmission RPC
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs in the foreground (for systemd, see data/shoal-daemon*.service):
 * a session on the state directory, and a ShoalRpcServer for remote
 * clients. SIGINT, SIGTERM and a client's session-close close the session cleanly (the trackers hear
 * that we left, the resume state is saved).
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shoal-engine.h"
#include "shoal-session-testing.h"

#include "daemon-settings.h"

typedef struct
{
  DaemonSettings *settings;
  ShoalSession   *session;
  ShoalRpcServer *rpc;
  GMainLoop      *loop;
  gboolean        closing;
} Daemon;

static void
settings_changed_cb (ShoalRpcServer *rpc,
                     Daemon         *daemon)
{
  g_autoptr(GError) error = NULL;

  shoal_rpc_server_save_settings (rpc, daemon->settings->file);
  if (!daemon_settings_save (daemon->settings, &error))
    g_printerr ("shoal-daemon: cannot save the settings: %s\n", error->message);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Daemon *daemon = user_data;

  shoal_session_close_finish (SHOAL_SESSION (source), result, NULL);
  g_main_loop_quit (daemon->loop);
}

static gboolean
quit_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->closing)
    {
      /* a second signal: do not wait for the trackers */
      g_main_loop_quit (daemon->loop);
      return G_SOURCE_CONTINUE;
    }
  daemon->closing = TRUE;
  g_print ("shoal-daemon: closing\n");
  shoal_rpc_server_stop (daemon->rpc);
  shoal_session_close_async (daemon->session, NULL, closed_cb, daemon);
  return G_SOURCE_CONTINUE;
}

static GTlsCertificate *
load_certificate (DaemonSettings  *s,
                  GError         **error)
{
  if (s->tls_certificate == NULL)
    return NULL;
  if (s->tls_key != NULL)
    return g_tls_certificate_new_from_files (s->tls_certificate, s->tls_key, error);
  return g_tls_certificate_new_from_file (s->tls_certificate, error);
}

static int
run (Daemon  *daemon,
     GError **error)
{
  DaemonSettings *s = daemon->settings;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *download_dir = NULL;
  const char *current_dir;

  daemon->session = shoal_session_new (s->state_dir);
  {
    /* Test environments keep the DHT off the public routers, multicast
     * inside their namespaces and the router unasked (as shoal-cli and the
     * app do). */
    ShoalSessionTestHooks hooks = {
      .dht_bootstrap = g_getenv ("SHOAL_DHT_BOOTSTRAP"),
      .lsd_off = g_strcmp0 (g_getenv ("SHOAL_LSD"), "off") == 0,
      .port_mapping_off = g_strcmp0 (g_getenv ("SHOAL_PORT_MAPPING"), "off") == 0,
    };
    _shoal_session_set_test_hooks (daemon->session, &hooks);
  }

  daemon->rpc = shoal_rpc_server_new (daemon->session);
  /* A saved interface or proxy that cannot be used: not starting is
   * better than sending around it. */
  if (!shoal_rpc_server_load_settings (daemon->rpc, s->file, error))
    return 1;

  current_dir = shoal_session_get_download_dir (daemon->session);
  if (s->download_dir != NULL)
    download_dir = g_canonicalize_filename (s->download_dir, NULL);
  else if (g_key_file_has_key (s->file, "session", "download-dir", NULL) && current_dir != NULL)
    download_dir = g_strdup (current_dir);
  else
    download_dir = g_build_filename (s->state_dir, "downloads", NULL);
  if (g_mkdir_with_parents (download_dir, 0755) != 0)
    g_printerr ("shoal-daemon: cannot create %s: %s\n", download_dir, g_strerror (errno));
  shoal_session_set_download_dir (daemon->session, download_dir);
  if (s->port > 0)
    shoal_session_set_listen_port (daemon->session, (guint16) s->port);

  certificate = load_certificate (s, error);
  if (s->tls_certificate != NULL && certificate == NULL)
    return 1;

  if (!shoal_session_start (daemon->session, error))
    return 1;

  shoal_rpc_server_set_credentials (daemon->rpc, s->user, s->password);
  shoal_rpc_server_set_tls_certificate (daemon->rpc, certificate);
  for (guint i = 0; s->allowed_hosts != NULL && s->allowed_hosts[i] != NULL; i++)
    shoal_rpc_server_add_allowed_host (daemon->rpc, s->allowed_hosts[i]);
  if (!shoal_rpc_server_listen (daemon->rpc, s->rpc_bind, (guint16) s->rpc_port, error))
    {
      shoal_session_close (daemon->session);
      return 1;
    }
  g_signal_connect (daemon->rpc, "settings-changed", G_CALLBACK (settings_changed_cb), daemon);
  g_signal_connect_swapped (daemon->rpc, "close-requested", G_CALLBACK (quit_cb), daemon);

  g_print ("shoal-daemon: state in %s, downloads to %s\n", s->state_dir, download_dir);
  g_print ("shoal-daemon: peers on port %u\n", shoal_session_get_listen_port (daemon->session));
  g_print ("shoal-daemon: RPC on %s://%s%s%s:%u/transmission/rpc%s\n",
           certificate != NULL ? "https" : "http",
           strchr (s->rpc_bind, ':') != NULL ? "[" : "", s->rpc_bind,
           strchr (s->rpc_bind, ':') != NULL ? "]" : "",
           shoal_rpc_server_get_port (daemon->rpc),
           s->user != NULL ? " (password required)" : "");

  g_unix_signal_add (SIGINT, quit_cb, daemon);
  g_unix_signal_add (SIGTERM, quit_cb, daemon);
  g_main_loop_run (daemon->loop);
  g_print ("shoal-daemon: closed\n");
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  Daemon daemon = { NULL, };
  int status;

  setlocale (LC_ALL, "");
  /* journald and pipes read lines as they come */
  setvbuf (stdout, NULL, _IOLBF, 0);

  daemon.settings = daemon_settings_new (&argc, &argv, &error);
  if (daemon.settings == NULL)
    {
      g_printerr ("shoal-daemon: %s\n", error->message);
      return 2;
    }
  daemon.loop = g_main_loop_new (NULL, FALSE);
  status = run (&daemon, &error);
  if (status != 0)
    g_printerr ("shoal-daemon: %s\n", error != NULL ? error->message : "failed");

  g_clear_object (&daemon.rpc);
  g_clear_object (&daemon.session);
  g_main_loop_unref (daemon.loop);
  daemon_settings_free (daemon.settings);
  return status;
}
