/* shoal-session-discovery.c: a session's DHT node and local service discovery
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): starting and stopping
 * the DHT node (its bootstrap nodes, the nodes saved in the state store)
 * and local service discovery, which torrents LSD announces, and handing
 * the peers both find to the torrents they are for.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

static void
dht_peers_found_cb (ShoalDht  *dht,
                    GBytes    *info_hash,
                    GPtrArray *peers,
                    gpointer   user_data)
{
  ShoalSession *self = user_data;
  ShoalTorrent *torrent = g_bytes_get_size (info_hash) == 20
                          ? shoal_session_find_torrent (self, g_bytes_get_data (info_hash, NULL)) : NULL;

  if (torrent != NULL)
    _shoal_torrent_add_dht_peers (torrent, peers);
}

/* The DHT node listens on UDP at the same port number as peers use TCP;
 * behind a SOCKS5 proxy, once it granted a UDP association. */
void
_shoal_session_start_dht (ShoalSession *self)
{
  if (self->dht != NULL || !self->dht_enabled)
    return;
  if (_shoal_session_peers_proxied (self) && self->socks_udp != NULL)
    _shoal_session_start_dht_on (self, self->socks_udp);
  else if (_shoal_session_peers_proxied (self))
    _shoal_session_associate_for_dht (self);
  else
    _shoal_session_start_dht_on (self, NULL);
}

/* @relay: (nullable): the proxy's UDP association to send through */

/* Behind a SOCKS5 proxy the DHT speaks through its UDP relay, and nothing
 * may go around the proxy: a bootstrap node given by name would be looked
 * up by the system's resolver, outside it. Only addresses are used then. */
static gboolean
bootstrap_name_allowed (ShoalSession *self,
                        const char   *node)
{
  g_autoptr(GSocketConnectable) parsed = NULL;

  if (self->proxy_kind != SHOAL_SESSION_PROXY_SOCKS5)
    return TRUE;
  parsed = g_network_address_parse (node, 0, NULL);
  if (parsed != NULL && g_hostname_is_ip_address (g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed))))
    return TRUE;
  g_message ("DHT bootstrap node %s: not looked up behind a proxy (the name would be resolved outside it)", node);
  return FALSE;
}

void
_shoal_session_start_dht_on (ShoalSession *self,
                             gpointer      relay)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) saved = NULL;
  guint n_saved = 0;

  if (self->dht != NULL || !self->dht_enabled)
    return;
  self->dht = shoal_dht_new (NULL);
  shoal_dht_set_hide_version (self->dht, self->hide_client_name);
  shoal_dht_set_bind (self->dht, self->net_bind);
  if (relay != NULL)
    shoal_dht_start_relayed (self->dht, relay);
  else if (self->udp4 != NULL || self->udp6 != NULL)
    shoal_dht_start_shared (self->dht, self->udp4, self->udp6);
  else if (!shoal_dht_start (self->dht, self->listen_address, self->listen_port, &error))
    {
      g_warning ("The DHT could not start: %s", error->message);
      g_clear_object (&self->dht);
      return;
    }
  g_signal_connect (self->dht, "peers-found", G_CALLBACK (dht_peers_found_cb), self);
  /* Asleep, a torrent waits for its DHT announce only while there is a DHT. */
  _shoal_session_wake_all_torrents (self);
  saved = shoal_state_store_load_dht_nodes (_shoal_session_get_store (self));
  if (saved != NULL)
    n_saved = shoal_dht_add_nodes_from_saved (self->dht, saved, NULL);
  if (self->dht_bootstrap->len == 0 && self->test_hooks.dht_bootstrap != NULL)
    {
      /* Test environments name their own nodes, or "none": they must never
       * reach the public routers. */
      g_auto(GStrv) nodes = g_strsplit (self->test_hooks.dht_bootstrap, ",", -1);

      for (guint i = 0; nodes[i] != NULL; i++)
        if (*nodes[i] != '\0' && g_strcmp0 (nodes[i], "none") != 0)
          g_ptr_array_add (self->dht_bootstrap, g_strdup (nodes[i]));
      if (self->dht_bootstrap->len == 0)
        return;
    }
  if (self->dht_bootstrap->len > 0)
    {
      for (guint i = 0; i < self->dht_bootstrap->len; i++)
        {
          const char *node = self->dht_bootstrap->pdata[i];

          if (!bootstrap_name_allowed (self, node))
            continue;
          if (!shoal_dht_add_bootstrap_node (self->dht, node, &error))
            {
              g_warning ("DHT bootstrap node %s: %s", node, error->message);
              g_clear_error (&error);
            }
        }
    }
  else if (n_saved == 0 && self->proxy_kind == SHOAL_SESSION_PROXY_SOCKS5)
    g_message ("DHT: the public bootstrap routers are not looked up behind a proxy (the names would be resolved "
               "outside it); nodes come from saved ones and from peers");
  else if (n_saved == 0)
    shoal_dht_use_default_bootstrap (self->dht);
}

void
_shoal_session_stop_dht (ShoalSession *self)
{
  g_autoptr(GBytes) nodes = NULL;

  if (self->dht == NULL)
    return;
  nodes = shoal_dht_dup_nodes (self->dht);
  if (nodes != NULL && g_bytes_get_size (nodes) > 0)
    shoal_state_store_save_dht_nodes (_shoal_session_get_store (self), nodes);
  g_signal_handlers_disconnect_by_data (self->dht, self);
  shoal_dht_stop (self->dht);
  g_clear_object (&self->dht);
}

static void
lsd_peer_cb (ShoalLsd           *lsd,
             GBytes             *info_hash,
             GInetSocketAddress *address,
             gpointer            user_data)
{
  ShoalSession *self = user_data;
  ShoalTorrent *torrent = g_bytes_get_size (info_hash) == 20
                          ? shoal_session_find_torrent (self, g_bytes_get_data (info_hash, NULL)) : NULL;

  if (torrent != NULL)
    _shoal_torrent_add_lsd_peer (torrent, address);
}

void
_shoal_session_start_lsd (ShoalSession *self)
{
  g_autoptr(GError) error = NULL;

  /* Test environments keep multicast inside their own namespaces. */
  if (self->lsd != NULL || !self->lsd_enabled || self->test_hooks.lsd_off || _shoal_session_peers_proxied (self))
    return;
  self->lsd = shoal_lsd_new (self->listen_port);
  if (self->lsd_interface != NULL)
    shoal_lsd_set_interface (self->lsd, self->lsd_interface);
  if (!shoal_lsd_start (self->lsd, &error))
    {
      g_warning ("Local peer discovery could not start: %s", error->message);
      g_clear_object (&self->lsd);
      return;
    }
  g_signal_connect (self->lsd, "peer", G_CALLBACK (lsd_peer_cb), self);
  /* The tick syncs only the awake torrents. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_session_sync_lsd_torrent (self, t);
    }
}

void
_shoal_session_stop_lsd (ShoalSession *self)
{
  if (self->lsd == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->lsd, self);
  shoal_lsd_stop (self->lsd);
  g_clear_object (&self->lsd);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_set_lsd_announced (t, FALSE);
    }
}

/* Announces an active public torrent on the local network, and no other. */
void
_shoal_session_sync_lsd_torrent (ShoalSession *self,
                                 ShoalTorrent *t)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (t);
  gboolean wanted = _shoal_torrent_is_active (t) && (info == NULL || !shoal_metainfo_is_private (info));
  const guint8 *alt = _shoal_torrent_get_alt_info_hash (t);

  if (self->lsd == NULL)
    return;
  /* A hybrid is announced under both of its info-hashes. */
  if (wanted && !_shoal_torrent_get_lsd_announced (t))
    {
      shoal_lsd_add_torrent (self->lsd, shoal_torrent_get_info_hash (t));
      if (alt != NULL)
        shoal_lsd_add_torrent (self->lsd, alt);
    }
  else if (!wanted && _shoal_torrent_get_lsd_announced (t))
    {
      shoal_lsd_remove_torrent (self->lsd, shoal_torrent_get_info_hash (t));
      if (alt != NULL)
        shoal_lsd_remove_torrent (self->lsd, alt);
    }
  _shoal_torrent_set_lsd_announced (t, wanted);
}

/* The awake torrents: a sleeping one was synced as it fell asleep, and
 * whatever changes what it wants wakes it (shoal-session-ticks.c). */
void
_shoal_session_sync_lsd (ShoalSession *self)
{
  for (GList *l = self->tick_awake.head; self->lsd != NULL && l != NULL; l = l->next)
    _shoal_session_sync_lsd_torrent (self, l->data);
}
