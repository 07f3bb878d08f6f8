/* cli-session.c: the session options shoal-cli's commands share, and the
 * one place a session is made from them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "cli-session.h"
#include "shoal-session-testing.h"

/**
 * shoal_cli_dup_state_dir:
 * @state_root: (nullable): the --state-dir given, or %NULL for
 *   `$XDG_DATA_HOME/shoal-cli`
 * @save_dir: the canonical directory a command works on
 *
 * Each command works on the torrent and the directory it is given, nothing
 * else. Its resume data is kept per directory, so that the same command
 * repeated resumes without a recheck, while the same torrent in another
 * directory is checked there (and never confused with the first):
 * STATE_ROOT/dirs/KEY/, where KEY is a digest of @save_dir. Other torrents
 * saved for the same directory stay put: the session restores none.
 *
 * Returns: (transfer full): the session state directory for @save_dir
 */
char *
shoal_cli_dup_state_dir (const char *state_root,
                         const char *save_dir)
{
  g_autofree char *root = state_root ? g_strdup (state_root)
                                     : g_build_filename (g_get_user_data_dir (), "shoal-cli", NULL);
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, save_dir, -1);

  digest[32] = '\0';
  return g_build_filename (root, "dirs", digest, NULL);
}

/**
 * cli_session_options_add_entries:
 * @options: where the parsed values go
 * @context: the command's option context
 *
 * Adds the options every command that runs a session takes, after the
 * command's own; @options must outlive the parse.
 */
void
cli_session_options_add_entries (CliSessionOptions *options,
                                 GOptionContext    *context)
{
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &options->port, "Port for incoming peers (default: random)", "PORT" },
    { "listen-address", 0, 0, G_OPTION_ARG_STRING, &options->listen_address, "Address to listen on (default: all)", "ADDR" },
    { "encryption", 0, 0, G_OPTION_ARG_STRING, &options->encryption, "Peer encryption: prefer (default), require or plaintext", "MODE" },
    { "limit-down", 0, 0, G_OPTION_ARG_INT64, &options->limit_down, "Download limit", "KiB/s" },
    { "limit-up", 0, 0, G_OPTION_ARG_INT64, &options->limit_up, "Upload limit", "KiB/s" },
    { "dht", 0, 0, G_OPTION_ARG_NONE, &options->dht, "Find peers and announce through the DHT too", NULL },
    { "dht-bootstrap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->dht_bootstrap, "Join the DHT through this node (implies --dht)", "HOST:PORT" },
    { "lsd", 0, 0, G_OPTION_ARG_NONE, &options->lsd, "Find peers and announce on the local network too", NULL },
    { "lsd-interface", 0, 0, G_OPTION_ARG_STRING, &options->lsd_interface, "Multicast on this interface (implies --lsd)", "NAME" },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options->peers, "Connect to this peer too", "HOST:PORT" },
    { "utp", 0, 0, G_OPTION_ARG_STRING, &options->utp, "uTP: prefer (default), off or only (no TCP at all)", "MODE" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->state_dir, "Where resume data is kept, per directory (default: ~/.local/share/shoal-cli)", "DIR" },
    { "no-port-mapping", 0, 0, G_OPTION_ARG_NONE, &options->no_port_mapping, "Do not ask the router (UPnP IGD, NAT-PMP) to forward the port", NULL },
    { "interface", 0, 0, G_OPTION_ARG_STRING, &options->interface, "Send and receive through this network interface only, stopping while it is down (a VPN's)", "NAME|ADDR" },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &options->proxy, "Reach trackers and web seeds through this proxy only; a SOCKS5 one carries peers (TCP and uTP), UDP trackers and the DHT too (LSD off), an HTTP one only HTTP trackers and web seeds (UDP trackers off); \"system\" follows the system's settings", "socks5://[USER:PASS@]HOST:PORT|http://HOST:PORT|system" },
    { "proxy-direct-peers", 0, 0, G_OPTION_ARG_NONE, &options->proxy_direct_peers, "Behind a SOCKS5 proxy, connect to peers and the DHT directly (only trackers and web seeds go through it)", NULL },
    { "proxy-allow-incoming", 0, 0, G_OPTION_ARG_NONE, &options->proxy_allow_incoming, "Behind a proxy, still accept peers connecting to us", NULL },
    { "no-client-name", 0, 0, G_OPTION_ARG_NONE, &options->no_client_name, "Do not tell peers, trackers and DHT nodes the client's name and version", NULL },
    { "random-peer-id", 0, 0, G_OPTION_ARG_NONE, &options->random_peer_id, "Use a peer id of random characters, without Shoal's prefix", NULL },
    { "buffered-writes", 0, 0, G_OPTION_ARG_NONE, &options->buffered_writes, "Write every piece through the system's file cache (default: whole pieces of 256 KiB and more are written directly, their files allocated in full)", NULL },
    { "blocklist", 0, 0, G_OPTION_ARG_STRING, &options->blocklist, "Never connect to nor accept the peers on this list (P2P, DAT or CIDR lines, gzip or not)", "FILE|URL" },
    { NULL }
  };

  /* The group copies the entries; their targets are in @options. */
  g_option_context_add_main_entries (context, entries, NULL);
}

/**
 * cli_session_options_check:
 * @options: parsed options
 * @error: return location for a %G_OPTION_ERROR
 *
 * Returns: whether the values are ones a session can be made with
 */
gboolean
cli_session_options_check (const CliSessionOptions  *options,
                           GError                  **error)
{
  if (options->encryption != NULL && g_strcmp0 (options->encryption, "prefer") != 0 &&
      g_strcmp0 (options->encryption, "require") != 0 && g_strcmp0 (options->encryption, "plaintext") != 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--encryption must be prefer, require or plaintext");
      return FALSE;
    }
  if (options->utp != NULL && g_strcmp0 (options->utp, "prefer") != 0 &&
      g_strcmp0 (options->utp, "off") != 0 && g_strcmp0 (options->utp, "only") != 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--utp must be prefer, off or only");
      return FALSE;
    }
  return TRUE;
}

void
cli_session_options_clear (CliSessionOptions *options)
{
  g_clear_pointer (&options->listen_address, g_free);
  g_clear_pointer (&options->encryption, g_free);
  g_clear_pointer (&options->dht_bootstrap, g_strfreev);
  g_clear_pointer (&options->lsd_interface, g_free);
  g_clear_pointer (&options->peers, g_strfreev);
  g_clear_pointer (&options->state_dir, g_free);
  g_clear_pointer (&options->blocklist, g_free);
  g_clear_pointer (&options->interface, g_free);
  g_clear_pointer (&options->proxy, g_free);
  g_clear_pointer (&options->utp, g_free);
}

/* The mapping, as it is made, fails or changes. */
static void
port_mapping_cb (ShoalSession *session,
                 GParamSpec   *pspec,
                 gpointer      user_data)
{
  const char *reason = shoal_session_get_port_mapping_reason (session);

  if (shoal_session_get_port_mapping_state (session) == SHOAL_PORT_MAPPING_OFF || reason == NULL)
    return;
  printf ("Port mapping: %s\n", reason);
  fflush (stdout);
}

static void
port_test_cb (ShoalSession *session,
              GParamSpec   *pspec,
              gpointer      user_data)
{
  printf ("Port test: %s\n", shoal_session_get_incoming_reachable (session)
                               ? "a peer reached us from outside" : "no peer reached us lately");
  fflush (stdout);
}

/**
 * cli_session_new:
 * @options: parsed options
 * @state: the session's state directory, from shoal_cli_dup_state_dir()
 * @error: return location for an error: %G_OPTION_ERROR for options
 *   that cannot be used (a usage error), another domain if the session
 *   cannot start
 *
 * Makes the session a command works in, configured by @options, restoring
 * the torrents saved in @state only with @options->restore_saved, and
 * starts it. @options->peers are
 * the caller's to add to its torrent.
 *
 * Returns: (transfer full) (nullable): the started session, or %NULL
 */
ShoalSession *
cli_session_new (const CliSessionOptions  *options,
                 const char               *state,
                 GError                  **error)
{
  g_autoptr(ShoalSession) session = NULL;

  if (!cli_session_options_check (options, error))
    return NULL;
  session = shoal_session_new (state);
  {
    /* Test environments (tests/meson.build, tests/interop) keep the DHT off
     * the public routers, multicast inside their namespaces, and wait less
     * for silent UDP trackers. */
    const char *udp_timeout = g_getenv ("SHOAL_UDP_TRACKER_TIMEOUT_MS");
    const char *lease = g_getenv ("SHOAL_PORT_MAPPING_LEASE");
    ShoalSessionTestHooks hooks = {
      .udp_tracker_timeout_ms = udp_timeout ? (guint) MIN (g_ascii_strtoull (udp_timeout, NULL, 10), 60000) : 0,
      .dht_bootstrap = g_getenv ("SHOAL_DHT_BOOTSTRAP"),
      .lsd_off = g_strcmp0 (g_getenv ("SHOAL_LSD"), "off") == 0,
      .port_mapping_off = g_strcmp0 (g_getenv ("SHOAL_PORT_MAPPING"), "off") == 0,
      .port_mapping_lease = lease ? (guint) MIN (g_ascii_strtoull (lease, NULL, 10), 86400) : 0,
      .port_mapping_no_pcp = g_strcmp0 (g_getenv ("SHOAL_PORT_MAPPING_PCP"), "off") == 0,
    };

    _shoal_session_set_test_hooks (session, &hooks);
  }
  shoal_session_set_restore_saved_torrents (session, options->restore_saved);
  shoal_session_set_listen_port (session, (guint16) options->port);
  for (guint i = 0; options->dht_bootstrap != NULL && options->dht_bootstrap[i] != NULL; i++)
    shoal_session_add_dht_bootstrap_node (session, options->dht_bootstrap[i]);
  shoal_session_set_dht_enabled (session, options->dht ||
                                          (options->dht_bootstrap != NULL && options->dht_bootstrap[0] != NULL));
  shoal_session_set_lsd_enabled (session, options->lsd || options->lsd_interface != NULL);
  shoal_session_set_lsd_interface (session, options->lsd_interface);
  if (g_strcmp0 (options->encryption, "require") == 0)
    shoal_session_set_encryption_policy (session, SHOAL_ENCRYPTION_REQUIRE);
  else if (g_strcmp0 (options->encryption, "plaintext") == 0)
    shoal_session_set_encryption_policy (session, SHOAL_ENCRYPTION_ALLOW_PLAINTEXT);
  if (g_strcmp0 (options->utp, "off") == 0)
    shoal_session_set_utp_mode (session, SHOAL_UTP_MODE_OFF);
  else if (g_strcmp0 (options->utp, "only") == 0)
    shoal_session_set_utp_mode (session, SHOAL_UTP_MODE_ONLY);
  if (options->listen_address != NULL)
    shoal_session_set_listen_address (session, options->listen_address);
  if (options->interface != NULL && !shoal_session_set_interface (session, options->interface, error))
    return NULL;
  shoal_session_set_proxy_peers (session, !options->proxy_direct_peers);
  shoal_session_set_proxy_allow_incoming (session, options->proxy_allow_incoming);
  if (options->proxy != NULL && !shoal_session_set_proxy (session, options->proxy, error))
    return NULL;
  if (options->limit_down > 0)
    shoal_session_set_download_limit (session, (guint64) options->limit_down * 1024);
  if (options->limit_up > 0)
    shoal_session_set_upload_limit (session, (guint64) options->limit_up * 1024);
  if (!options->quiet)
    {
      g_signal_connect (session, "notify::port-mapping-reason", G_CALLBACK (port_mapping_cb), NULL);
      g_signal_connect (session, "notify::incoming-reachable", G_CALLBACK (port_test_cb), NULL);
    }
  shoal_session_set_port_mapping_enabled (session, !options->no_port_mapping);
  if (options->blocklist != NULL)
    shoal_session_set_blocklist (session, options->blocklist);
  shoal_session_set_hide_client_name (session, options->no_client_name);
  shoal_session_set_random_peer_id (session, options->random_peer_id);
  g_object_set (session, "direct-writes", !options->buffered_writes, NULL);
  if (!shoal_session_start (session, error))
    return NULL;
  return g_steal_pointer (&session);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  shoal_session_close_finish (SHOAL_SESSION (source), result, NULL);
  g_main_loop_quit (user_data);
}

/**
 * cli_session_close:
 * @session: a started session
 * @loop: the command's main loop, not running
 *
 * Closes @session, running @loop until it is closed, so that trackers get
 * our `completed`/`stopped` before the command exits.
 */
void
cli_session_close (ShoalSession *session,
                   GMainLoop    *loop)
{
  if (shoal_session_get_blocklist (session) != NULL)
    g_printerr ("Blocklist: %u ranges, %" G_GUINT64_FORMAT " peers refused\n",
                shoal_session_get_blocklist_n_ranges (session), shoal_session_get_n_blocked_peers (session));
  shoal_session_close_async (session, NULL, closed_cb, loop);
  g_main_loop_run (loop);
}
