/* daemon-settings.c: shoal-daemon's settings file and command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The settings live in STATE/shoal-daemon.conf, a key file: group [rpc]
 * for the daemon (bind address, port, user and password, allowed host
 * names, TLS files) and [session] for what RPC clients can change. The
 * command line overrides the file for this run (and is what gets saved
 * the next time a client changes a setting).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon-settings.h"

#define SETTINGS_FILE "shoal-daemon.conf"

void
daemon_settings_free (DaemonSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->state_dir);
  g_free (settings->download_dir);
  g_free (settings->rpc_bind);
  g_free (settings->user);
  if (settings->password != NULL)
    memset (settings->password, 0, strlen (settings->password));
  g_free (settings->password);
  g_strfreev (settings->allowed_hosts);
  g_free (settings->tls_certificate);
  g_free (settings->tls_key);
  g_clear_pointer (&settings->file, g_key_file_unref);
  g_free (settings->file_path);
  g_free (settings);
}

static void
replace_str (char       **str,
             const char  *value)
{
  g_free (*str);
  *str = g_strdup (value);
}

static char *
default_state_dir (void)
{
  /* systemd's StateDirectory= hands the directory over in this variable */
  const char *systemd = g_getenv ("STATE_DIRECTORY");

  if (systemd != NULL && systemd[0] == '/' && strchr (systemd, ':') == NULL)
    return g_strdup (systemd);
  return g_build_filename (g_get_user_state_dir (), "shoal-daemon", NULL);
}

/**
 * daemon_settings_new:
 *
 * Parses the command line, then reads the settings file of the state
 * directory it names (creating the directory); the options win.
 *
 * Returns: (transfer full) (nullable): the settings, or %NULL with @error
 */
DaemonSettings *
daemon_settings_new (int     *argc,
                     char  ***argv,
                     GError **error)
{
  g_autoptr(DaemonSettings) s = g_new0 (DaemonSettings, 1);
  g_autofree char *state_dir = NULL, *download_dir = NULL, *rpc_bind = NULL, *auth = NULL;
  g_autofree char *tls_cert = NULL, *tls_key = NULL;
  g_auto(GStrv) hosts = NULL;
  int rpc_port = -1, port = -1;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where the torrents, their progress and the settings file are kept", "DIR" },
    { "download-dir", 0, 0, G_OPTION_ARG_FILENAME, &download_dir, "Where torrents are downloaded to", "DIR" },
    { "rpc-bind", 0, 0, G_OPTION_ARG_STRING, &rpc_bind,
      "The address the remote control listens on (default 127.0.0.1; others need --auth)", "ADDR" },
    { "rpc-port", 0, 0, G_OPTION_ARG_INT, &rpc_port, "The remote control's port (default 9091)", "PORT" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The port peers connect to", "PORT" },
    { "auth", 0, 0, G_OPTION_ARG_STRING, &auth, "Require this user name and password", "USER:PASSWORD" },
    { "rpc-host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &hosts,
      "A host name clients may use to reach the remote control (repeatable; \"*\" for any)", "NAME" },
    { "tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      "Serve HTTPS with this PEM certificate (and its key, unless --tls-key)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "The PEM private key of --tls-certificate", "FILE" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) local_error = NULL;

  g_option_context_set_summary (context,
                                "Runs Shoal without a window, driven through the Transmission RPC\n"
                                "(transmission-remote, Fragments, Tremotesf, web interfaces…).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return NULL;
  if (version)
    {
      g_print ("shoal-daemon %s\n", PACKAGE_VERSION);
      exit (0);
    }

  s->state_dir = state_dir != NULL ? g_canonicalize_filename (state_dir, NULL) : default_state_dir ();
  if (g_mkdir_with_parents (s->state_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the state directory %s: %s", s->state_dir, g_strerror (saved));
      return NULL;
    }
  s->file_path = g_build_filename (s->state_dir, SETTINGS_FILE, NULL);
  s->file = g_key_file_new ();
  if (!g_key_file_load_from_file (s->file, s->file_path, G_KEY_FILE_KEEP_COMMENTS, &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", s->file_path);
      return NULL;
    }
  g_clear_error (&local_error);

  /* the file first, then the options over it */
  s->rpc_bind = g_key_file_get_string (s->file, "rpc", "bind", NULL);
  s->rpc_port = g_key_file_has_key (s->file, "rpc", "port", NULL)
                ? g_key_file_get_integer (s->file, "rpc", "port", NULL) : 9091;
  s->user = g_key_file_get_string (s->file, "rpc", "username", NULL);
  s->password = g_key_file_get_string (s->file, "rpc", "password", NULL);
  s->allowed_hosts = g_key_file_get_string_list (s->file, "rpc", "host-whitelist", NULL, NULL);
  s->tls_certificate = g_key_file_get_string (s->file, "rpc", "tls-certificate", NULL);
  s->tls_key = g_key_file_get_string (s->file, "rpc", "tls-key", NULL);

  if (rpc_bind != NULL)
    replace_str (&s->rpc_bind, rpc_bind);
  if (s->rpc_bind == NULL)
    s->rpc_bind = g_strdup ("127.0.0.1");
  if (rpc_port >= 0)
    s->rpc_port = rpc_port;
  if (s->rpc_port < 0 || s->rpc_port > 65535)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "The RPC port must be 0 to 65535");
      return NULL;
    }
  if (port > 65535)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "The peer port must be 1 to 65535");
      return NULL;
    }
  s->port = MAX (port, 0);
  if (auth != NULL)
    {
      const char *colon = strchr (auth, ':');
      if (colon == NULL || colon == auth || colon[1] == '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--auth takes USER:PASSWORD");
          return NULL;
        }
      g_free (s->user);
      g_free (s->password);
      s->user = g_strndup (auth, (gsize) (colon - auth));
      s->password = g_strdup (colon + 1);
      memset (auth, 0, strlen (auth));
    }
  if (hosts != NULL)
    {
      g_strfreev (s->allowed_hosts);
      s->allowed_hosts = g_steal_pointer (&hosts);
    }
  if (tls_cert != NULL)
    replace_str (&s->tls_certificate, tls_cert);
  if (tls_key != NULL)
    replace_str (&s->tls_key, tls_key);
  s->download_dir = g_steal_pointer (&download_dir);
  return g_steal_pointer (&s);
}

/**
 * daemon_settings_save:
 *
 * Writes the key file back (readable by its owner only: it may hold the
 * RPC password). The [rpc] group is written as it was read: options given
 * on the command line, a password above all, are not saved.
 */
gboolean
daemon_settings_save (DaemonSettings  *settings,
                      GError         **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  data = g_key_file_to_data (settings->file, &length, NULL);
  return g_file_set_contents_full (settings->file_path, data, (gssize) length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}
