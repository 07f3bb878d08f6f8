/* shoal-session-services.c: what a session's torrents may ask of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): the ShoalTorrentServices
 * table every torrent is given (shoal-torrent-services.h), and the test
 * hooks (shoal-session-testing.h).
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* What torrents may ask of their session (shoal-torrent-services.h). */

static SoupSession *
services_get_soup (gpointer owner)
{
  return SHOAL_SESSION (owner)->soup;
}

static ShoalDiskPool *
services_get_disk_pool (gpointer owner)
{
  return SHOAL_SESSION (owner)->disk_pool;
}

static ShoalRateLimit *
services_get_down_limit (gpointer owner)
{
  return &SHOAL_SESSION (owner)->down_limit;
}

static ShoalRateLimit *
services_get_up_limit (gpointer owner)
{
  return &SHOAL_SESSION (owner)->up_limit;
}

static guint
services_get_max_connections (gpointer owner)
{
  return SHOAL_SESSION (owner)->max_connections;
}

/* The address we listen on when it is a specific one (not "any"), or NULL. */
static GInetAddress *
services_dup_bound_address (gpointer owner)
{
  ShoalSession *self = owner;
  GInetAddress *ip = self->listen_address != NULL ? g_inet_address_new_from_string (self->listen_address) : NULL;

  if (ip != NULL && g_inet_address_get_is_any (ip))
    g_clear_object (&ip);
  return ip;
}

static guint
services_get_max_per_torrent (gpointer owner)
{
  return SHOAL_SESSION (owner)->max_per_torrent;
}

static gint64
services_get_seed_idle_limit (gpointer owner)
{
  return SHOAL_SESSION (owner)->seed_idle_limit;
}

static guint
services_get_udp_base_timeout_ms (gpointer owner)
{
  return SHOAL_SESSION (owner)->udp_timeout_ms;
}

static ShoalAnnouncerGroup *
services_get_announcer_group (gpointer owner)
{
  return SHOAL_SESSION (owner)->announcers;
}

void
_shoal_session_set_test_hooks (ShoalSession                *self,
                               const ShoalSessionTestHooks *hooks)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (hooks != NULL);

  g_free ((char *) self->test_hooks.dht_bootstrap);
  self->test_hooks = *hooks;
  self->test_hooks.dht_bootstrap = g_strdup (hooks->dht_bootstrap);
  self->udp_timeout_ms = hooks->udp_tracker_timeout_ms > 0 ? CLAMP (hooks->udp_tracker_timeout_ms, 50, 60000) : 15000;
}

const ShoalSessionTestHooks *
_shoal_session_get_test_hooks (ShoalSession *self)
{
  return &self->test_hooks;
}

static ShoalStateStore *
services_get_state_store (gpointer owner)
{
  return _shoal_session_get_store (owner);
}

static const ShoalSessionTestHooks *
services_get_test_hooks (gpointer owner)
{
  return _shoal_session_get_test_hooks (owner);
}

static void
services_torrent_completed (gpointer      owner,
                            ShoalTorrent *torrent)
{
  _shoal_session_torrent_completed (owner, torrent);
}

static ShoalPeerLimits *
services_get_peer_limits (gpointer owner)
{
  return SHOAL_SESSION (owner)->peer_limits;
}

static ShoalDht *
services_get_dht (gpointer owner)
{
  return SHOAL_SESSION (owner)->dht;
}

static const guint8 *
services_get_peer_id (gpointer owner)
{
  return SHOAL_SESSION (owner)->peer_id;
}

static guint16
services_get_listen_port (gpointer owner)
{
  return shoal_session_get_listen_port (owner);
}

static guint16
services_get_announce_port (gpointer owner)
{
  return _shoal_session_get_announce_port (owner);
}

static guint16
services_get_dht_announce_port (gpointer owner)
{
  return _shoal_session_get_dht_announce_port (owner);
}

static ShoalEncryptionPolicy
services_get_encryption_policy (gpointer owner)
{
  return SHOAL_SESSION (owner)->encryption;
}

static gboolean
services_get_pex_enabled (gpointer owner)
{
  return SHOAL_SESSION (owner)->pex_enabled;
}

static guint
services_get_n_connections (gpointer owner)
{
  return _shoal_session_get_n_connections (owner);
}

static void
services_connections_changed (gpointer owner,
                              gint     delta)
{
  ShoalSession *self = owner;

  g_assert (delta >= 0 || self->n_torrent_connections >= (guint) -delta);
  self->n_torrent_connections = (guint) ((gint) self->n_torrent_connections + delta);
}

static gboolean
services_limits_per_ip (gpointer      owner,
                        GInetAddress *address)
{
  return _shoal_session_limits_per_ip (owner, address);
}

static ShoalUtpManager *
services_get_utp (gpointer owner)
{
  return SHOAL_SESSION (owner)->utp;
}

static ShoalUtpMode
services_get_utp_mode (gpointer owner)
{
  return SHOAL_SESSION (owner)->utp_mode;
}

void
_shoal_session_init_torrent_services (ShoalSession *self)
{
  self->torrent_services = (ShoalTorrentServices) {
    .owner = self,
    .get_soup = services_get_soup,
    .get_disk_pool = services_get_disk_pool,
    .get_down_limit = services_get_down_limit,
    .get_up_limit = services_get_up_limit,
    .get_peer_limits = services_get_peer_limits,
    .get_dht = services_get_dht,
    .get_peer_id = services_get_peer_id,
    .get_listen_port = services_get_listen_port,
    .get_announce_port = services_get_announce_port,
    .get_dht_announce_port = services_get_dht_announce_port,
    .dup_bound_address = services_dup_bound_address,
    .get_encryption_policy = services_get_encryption_policy,
    .get_pex_enabled = services_get_pex_enabled,
    .get_max_per_torrent = services_get_max_per_torrent,
    .get_seed_idle_limit = services_get_seed_idle_limit,
    .get_udp_base_timeout_ms = services_get_udp_base_timeout_ms,
    .get_n_connections = services_get_n_connections,
    .connections_changed = services_connections_changed,
    .get_max_connections = services_get_max_connections,
    .limits_per_ip = services_limits_per_ip,
    .torrent_completed = services_torrent_completed,
    .get_announcer_group = services_get_announcer_group,
    .get_state_store = services_get_state_store,
    .get_test_hooks = services_get_test_hooks,
    .is_blocked = _shoal_session_is_blocked,
    .blocklist_pending = _shoal_session_blocklist_pending,
    .get_hide_client_name = _shoal_session_get_hide_client_name,
    .get_net_bind = _shoal_session_get_net_bind,
    .get_network_down = _shoal_session_get_network_down,
    .get_proxy = _shoal_session_get_proxy,
    .get_udp_tracker_route = _shoal_session_get_udp_tracker_route,
    .get_utp = services_get_utp,
    .get_utp_mode = services_get_utp_mode,
    .torrent_wake = _shoal_session_wake_torrent,
    .take_dht_announce = _shoal_session_take_dht_announce,
    .torrent_forget = _shoal_session_forget_torrent,
  };
}
