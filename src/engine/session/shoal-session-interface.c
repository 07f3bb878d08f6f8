/* shoal-session-interface.c: keeping every socket on one network interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). With an interface set
 * (a VPN's, say), the session's one ShoalNetBind (util/shoal-net-bind.h)
 * is handed to everything that opens a socket: peer connections, the
 * listening socket, the DHT, UDP trackers, and the HTTP session of
 * trackers and web seeds (here, at each connection). It is updated in
 * place, so they all follow the interface's address.
 *
 * Fail closed: every tick and every time GNetworkMonitor sees a change,
 * the interface is looked up (getifaddrs). When it has a new address, the
 * listening socket and the UDP port move there, and torrents announce
 * again. While it is down or has no
 * address, no peer is dialled or accepted, every peer connection is
 * closed, and sockets are bound to the device with no address, so the
 * kernel sends nothing elsewhere; when it comes back, transfers resume.
 *
 * The interface or the proxy (shoal-session-proxy.c) may change while the
 * session runs: _shoal_session_reroute() closes everything made the old
 * way before the setter returns, and makes it again the new way.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* A connection of the HTTP session is about to connect: bind it. */
static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  ShoalSession *self = user_data;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  if (event != G_SOCKET_CLIENT_CONNECTING || self->net_bind == NULL || self->net_bind->ifname == NULL ||
      !G_IS_SOCKET_CONNECTION (connection))
    return;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
  if (!shoal_net_bind_socket (self->net_bind, socket, &error))
    g_debug ("HTTP: %s", error->message);
  else
    {
      GInetAddress *address = self->net_bind->address;
      g_autoptr(GInetAddress) any = g_inet_address_new_any (g_socket_get_family (socket));
      g_autoptr(GSocketAddress) local = NULL;

      if (address == NULL || g_inet_address_get_family (address) != g_socket_get_family (socket))
        address = any;
      local = g_inet_socket_address_new (address, 0);
      if (!g_socket_bind (socket, local, FALSE, &error))
        g_debug ("HTTP: cannot bind to %s: %s", self->net_bind->ifname, error->message);
    }
}

static void
request_queued_cb (SoupSession *soup,
                   SoupMessage *msg,
                   gpointer     user_data)
{
  g_signal_connect_object (msg, "network-event", G_CALLBACK (network_event_cb), user_data, 0);
}

/* Every peer connection goes: nothing may be sent on them now. */
static void
close_all_peers (ShoalSession *self)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_close_all_peers (t);
    }
  while (self->incoming->len > 0)
    {
      g_autoptr(ShoalPeerConnection) conn = g_object_ref (self->incoming->pdata[0]);

      g_ptr_array_remove_index_fast (self->incoming, 0);
      shoal_peer_connection_close (conn, NULL);
    }
}

/* The interface has an address that is not the one we listen on (it came
 * back with a new one, or had none when we started): listen there, on the
 * same port, open the UDP port there (the DHT and uTP with it), and tell
 * trackers, the DHT and the router where we are now. */
static void
follow_address (ShoalSession *self)
{
  g_autofree char *ip = g_inet_address_to_string (self->net_bind->address);
  g_autoptr(GError) error = NULL;

  if (!self->started || g_strcmp0 (ip, self->listen_address) == 0)
    return;
  g_message ("Interface %s now has the address %s: listening there, and announcing it",
             self->interface_spec, ip);
  g_free (self->listen_address);
  self->listen_address = g_steal_pointer (&ip);

  /* The old socket may hold the port on every address: close it first. */
  if (self->service != NULL)
    {
      g_autoptr(GSocketService) old = g_steal_pointer (&self->service);

      g_signal_handlers_disconnect_by_data (old, self);
      g_socket_service_stop (old);
      g_socket_listener_close (G_SOCKET_LISTENER (old));
      if (!_shoal_session_listen (self, &error))
        g_warning ("Could not listen on %s: %s", self->listen_address, error->message);
    }
  _shoal_session_stop_dht (self);
  _shoal_session_close_udp (self);
  _shoal_session_open_udp (self);
  _shoal_session_start_dht (self);
  if (self->lsd != NULL)
    {
      _shoal_session_stop_lsd (self);
      _shoal_session_start_lsd (self);
    }
  _shoal_session_sync_port_mapping (self);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      shoal_torrent_reannounce (t);
    }
}

/* Looks the interface up again and stops or resumes transfers. */
void
_shoal_session_check_interface (ShoalSession *self)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *ifname = NULL;
  gboolean up = FALSE, down;

  if (self->interface_spec == NULL)
    return;
  if (!shoal_net_interface_find (self->interface_spec, &ifname, &address, &up))
    up = FALSE;
  down = !up || address == NULL;
  if (ifname != NULL && g_strcmp0 (ifname, self->net_bind->ifname) != 0)
    {
      g_free (self->net_bind->ifname);
      self->net_bind->ifname = g_steal_pointer (&ifname);
    }
  if (down)
    g_clear_object (&self->net_bind->address);
  else if (self->net_bind->address == NULL || !g_inet_address_equal (address, self->net_bind->address))
    g_set_object (&self->net_bind->address, address);

  if (!down)
    follow_address (self);
  if (down == self->net_down)
    return;
  self->net_down = down;
  _shoal_session_sync_port_mapping (self);
  if (down)
    {
      g_message ("Interface %s is down or has no address: transfers stop until it is back",
                 self->interface_spec);
      close_all_peers (self);
    }
  else
    {
      g_autofree char *ip = g_inet_address_to_string (self->net_bind->address);

      g_message ("Interface %s is back (%s): transfers resume", self->interface_spec, ip);
    }
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  _shoal_session_check_interface (user_data);
}

gboolean
_shoal_session_get_network_down (gpointer owner)
{
  return SHOAL_SESSION (owner)->net_down;
}

ShoalNetBind *
_shoal_session_get_net_bind (gpointer owner)
{
  return SHOAL_SESSION (owner)->net_bind;
}

/* The listening socket is about to be bound: to the device too. */
void
_shoal_session_listener_event_cb (GSocketListener      *listener,
                                  GSocketListenerEvent  event,
                                  GSocket              *socket,
                                  gpointer              user_data)
{
  ShoalSession *self = user_data;
  g_autoptr(GError) error = NULL;

  if (event == G_SOCKET_LISTENER_BINDING && self->net_bind != NULL &&
      !shoal_net_bind_socket (self->net_bind, socket, &error))
    g_debug ("Listening: %s", error->message);
}

void
_shoal_session_clear_interface (ShoalSession *self)
{
  if (self->network_changed_id != 0)
    g_signal_handler_disconnect (g_network_monitor_get_default (), self->network_changed_id);
  self->network_changed_id = 0;
  g_clear_pointer (&self->interface_spec, g_free);
  g_clear_pointer (&self->listen_address_set, g_free);
  g_clear_pointer (&self->net_bind, shoal_net_bind_unref);
}

/* Closes the listening socket (it may hold the port on every address). */
static void
stop_listening (ShoalSession *self)
{
  g_autoptr(GSocketService) old = g_steal_pointer (&self->service);

  if (old == NULL)
    return;
  g_signal_handlers_disconnect_by_data (old, self);
  g_socket_service_stop (old);
  g_socket_listener_close (G_SOCKET_LISTENER (old));
}

/* The interface or the proxy of a started session changed (the setting
 * is in place already): everything made the old way goes at once (peer
 * connections, tracker and web-seed requests, HTTP connections kept
 * open, the listening socket, the UDP port with the DHT, uTP and the
 * proxy's relay, LSD), and all of it starts again the new way. Nothing
 * is sent the old way once this returns. */
void
_shoal_session_reroute (ShoalSession *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->started)
    return;
  close_all_peers (self);
  soup_session_abort (self->soup);
  _shoal_session_stop_dht (self);
  _shoal_session_stop_lsd (self);
  _shoal_session_close_udp (self);
  stop_listening (self);
  g_message ("Network settings changed: every connection made before is closed, and made again");

  if (!_shoal_session_listen (self, &error))
    g_warning ("Could not listen on %s: %s", self->listen_address ? self->listen_address : "any address",
               error->message);
  _shoal_session_open_udp (self);
  _shoal_session_start_dht (self);
  _shoal_session_start_lsd (self);
  _shoal_session_sync_lsd (self);
  _shoal_session_sync_port_mapping (self);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_torrent_network_changed (t);
    }
}

/**
 * shoal_session_set_interface:
 * @self: a session
 * @name_or_address: (nullable): a network interface ("wg0", "tun0") or an
 *   address of one; %NULL for any
 * @error: return location for a %G_IO_ERROR
 *
 * Makes every socket of the session use that interface: peers (both
 * ways), the DHT, UDP and HTTP trackers and web seeds, each bound to its
 * address and (with CAP_NET_RAW) to the device. While the interface is
 * down or has no address, transfers stop and nothing is sent elsewhere;
 * they resume when it comes back. On a started session, every
 * connection and request made before is closed, and they are made again
 * on the new interface: nothing more goes out the old way.
 *
 * Returns: %FALSE if no such interface exists
 */
gboolean
shoal_session_set_interface (ShoalSession  *self,
                             const char    *name_or_address,
                             GError       **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *ifname = NULL;
  gboolean up = FALSE;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);

  if (name_or_address != NULL && !shoal_net_interface_find (name_or_address, &ifname, &address, &up))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No network interface “%s”", name_or_address);
      return FALSE;
    }
  if (g_strcmp0 (name_or_address, self->interface_spec) == 0)
    return TRUE;
  /* Back to what was set before an interface was */
  if (self->interface_spec != NULL)
    {
      g_free (self->listen_address);
      self->listen_address = g_steal_pointer (&self->listen_address_set);
    }
  if (self->lsd_from_interface)
    g_clear_pointer (&self->lsd_interface, g_free);
  self->lsd_from_interface = FALSE;
  _shoal_session_clear_interface (self);
  self->net_down = FALSE;
  if (name_or_address != NULL)
    {
      self->interface_spec = g_strdup (name_or_address);
      self->net_bind = shoal_net_bind_new (ifname, up ? address : NULL);
      self->net_down = !up || address == NULL;
      if (self->net_down)
        g_message ("Interface %s is down or has no address: transfers wait for it", name_or_address);
      /* Listening and the DHT on its address, LSD on it alone. */
      self->listen_address_set = g_strdup (self->listen_address);
      if (address != NULL)
        {
          g_free (self->listen_address);
          self->listen_address = g_inet_address_to_string (address);
        }
      if (self->lsd_interface == NULL)
        {
          self->lsd_interface = g_strdup (ifname);
          self->lsd_from_interface = TRUE;
        }
      if (!self->soup_bound)
        g_signal_connect_object (self->soup, "request-queued", G_CALLBACK (request_queued_cb), self, 0);
      self->soup_bound = TRUE;
      self->network_changed_id = g_signal_connect (g_network_monitor_get_default (), "network-changed",
                                                   G_CALLBACK (network_changed_cb), self);
    }
  _shoal_session_reroute (self);
  return TRUE;
}

/**
 * shoal_session_get_interface:
 * @self: a session
 *
 * Returns: (nullable): the interface or address set, or %NULL
 */
const char *
shoal_session_get_interface (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return self->interface_spec;
}

/**
 * shoal_session_get_interface_up:
 * @self: a session
 *
 * Returns: %FALSE while transfers are stopped because the interface set
 *   is down or has no address; %TRUE otherwise (or with no interface set)
 */
gboolean
shoal_session_get_interface_up (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), TRUE);
  return !self->net_down;
}

/**
 * shoal_session_list_network_interfaces:
 *
 * The network interfaces a session may be bound to (see
 * shoal_session_set_interface()), VPN-looking ones (wg*, tun*…) first.
 *
 * Returns: (transfer full): a %NULL-terminated array of names
 */
char **
shoal_session_list_network_interfaces (void)
{
  return shoal_net_interface_list ();
}
