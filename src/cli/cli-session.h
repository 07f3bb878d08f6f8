/* cli-session.h: the session options shoal-cli's commands share, and the
 * one place a session is made from them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

/**
 * CliSessionOptions:
 * @port: port for incoming peers; 0 for a random one
 * @listen_address: (nullable): address to listen on; %NULL for all
 * @encryption: (nullable): "prefer" (the default), "require" or "plaintext"
 * @utp: (nullable): "prefer" (the default), "off" or "only"
 * @limit_down: download limit in KiB/s; 0 or less for none
 * @limit_up: upload limit in KiB/s; 0 or less for none
 * @dht: whether to use the DHT (also on when @dht_bootstrap names a node)
 * @dht_bootstrap: (nullable): HOST:PORT nodes to join the DHT through
 * @lsd: whether to use local service discovery (also on with @lsd_interface)
 * @lsd_interface: (nullable): the interface to multicast on
 * @peers: (nullable): HOST:PORT peers the command's torrent connects to
 * @state_dir: (nullable): root of the per-directory resume data; %NULL for
 *   `$XDG_DATA_HOME/shoal-cli`
 * @no_port_mapping: do not ask the router to forward the port
 * @quiet: print nothing about the port mapping (set by the command)
 * @restore_saved: bring back the torrents saved in the state directory
 *   (`watch`); not an option, the command sets it
 * @blocklist: (nullable): a blocklist file or URL
 * @no_client_name: send no client name to peers, trackers and DHT nodes
 * @random_peer_id: a peer id of random characters only
 * @proxy_direct_peers: behind a SOCKS5 proxy, peers and the DHT are direct
 * @proxy_allow_incoming: behind a proxy, peers may still connect to us
 * @interface: (nullable): the network interface (or address) every socket uses
 * @proxy: (nullable): a socks5:// proxy URI
 *
 * What `download`, `seed` and `create --seed` make their session with,
 * filled by the one option table cli_session_options_add_entries() adds.
 */
typedef struct
{
  gint      port;
  char     *listen_address;
  char     *encryption;
  gint64    limit_down;
  gint64    limit_up;
  gboolean  dht;
  char    **dht_bootstrap;
  gboolean  lsd;
  char     *lsd_interface;
  char    **peers;
  char     *state_dir;
  gboolean  no_port_mapping;
  gboolean  quiet;
  gboolean  restore_saved;
  char     *blocklist;
  gboolean  no_client_name;
  gboolean  random_peer_id;
  gboolean  buffered_writes;
  gboolean  proxy_direct_peers;
  gboolean  proxy_allow_incoming;
  char     *interface;
  char     *proxy;
  char     *utp;
} CliSessionOptions;

void          cli_session_options_add_entries (CliSessionOptions       *options,
                                               GOptionContext          *context);
gboolean      cli_session_options_check       (const CliSessionOptions *options,
                                               GError                 **error);
void          cli_session_options_clear       (CliSessionOptions       *options);

ShoalSession *cli_session_new                 (const CliSessionOptions *options,
                                               const char              *state,
                                               GError                 **error);
void          cli_session_close               (ShoalSession            *session,
                                               GMainLoop               *loop);

char         *shoal_cli_dup_state_dir         (const char              *state_root,
                                               const char              *save_dir);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliSessionOptions, cli_session_options_clear)

G_END_DECLS
