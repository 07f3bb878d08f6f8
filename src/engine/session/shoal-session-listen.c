/* shoal-session-listen.c: a session's listening socket and incoming peers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): listening for peers,
 * accepting them within the connection and handshake limits (per IP too),
 * and handing each to the torrent its handshake names, plaintext or MSE;
 * the connection counts and limits torrents share.
 */
#include "config.h"

#include <string.h>

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* Incoming connections */

static gboolean
incoming_lookup (gpointer             owner,
                 ShoalPeerConnection *conn,
                 const guint8         info_hash[20],
                 GError             **error)
{
  ShoalSession *self = owner;
  ShoalTorrent *torrent = shoal_session_find_torrent (self, info_hash);

  if (torrent == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Peer asked for a torrent we do not have");
      return FALSE;
    }
  shoal_peer_connection_set_info_hash (conn, info_hash);
  if (!_shoal_torrent_adopt_incoming (torrent, conn, error))
    return FALSE;
  g_ptr_array_remove_fast (self->incoming, conn);
  return TRUE;
}

static void
incoming_closed (gpointer             owner,
                 ShoalPeerConnection *conn,
                 const GError        *error)
{
  ShoalSession *self = owner;

  g_ptr_array_remove_fast (self->incoming, conn);
}

/* Which of our torrents does an obfuscated handshake name? */
static gboolean
find_torrent_for_mse (const guint8 req2_hash[SHOAL_MSE_HASH_LEN],
                      guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
                      gpointer     user_data)
{
  ShoalSession *self = user_data;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      const guint8 *hashes[2] = { shoal_torrent_get_info_hash (t), _shoal_torrent_get_alt_info_hash (t) };

      /* A hybrid's peers may name it by either info-hash. */
      for (guint h = 0; h < G_N_ELEMENTS (hashes) && hashes[h] != NULL; h++)
        {
          guint8 hash[SHOAL_MSE_HASH_LEN];

          shoal_mse_req2_hash (hashes[h], hash);
          if (memcmp (hash, req2_hash, SHOAL_MSE_HASH_LEN) == 0)
            {
              memcpy (info_hash_out, hashes[h], SHOAL_MSE_HASH_LEN);
              return TRUE;
            }
        }
    }
  return FALSE;
}

static const ShoalPeerConnectionHandler incoming_handler = {
  incoming_lookup,
  NULL,
  NULL,
  incoming_closed,
  NULL,
};

/* Incoming connections from @address still handshaking. */
static guint
count_half_open_from (ShoalSession *self,
                      GInetAddress *address)
{
  guint n = 0;

  for (guint i = 0; i < self->incoming->len; i++)
    {
      GInetSocketAddress *remote = shoal_peer_connection_get_remote (self->incoming->pdata[i]);

      if (remote != NULL && g_inet_address_equal (g_inet_socket_address_get_address (remote), address))
        n++;
    }
  return n;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  g_autoptr(ShoalTransport) transport = NULL;

  /* uTP only: no TCP at all. */
  if (SHOAL_SESSION (user_data)->utp_mode == SHOAL_UTP_MODE_ONLY)
    return FALSE;
  transport = shoal_tcp_transport_new (connection);
  return _shoal_session_accept_transport (user_data, transport);
}

/* A new incoming connection, TCP or uTP: taken within the connection and
 * handshake limits (per IP too), or refused. */
gboolean
_shoal_session_accept_transport (ShoalSession   *self,
                                 ShoalTransport *transport)
{
  ShoalPeerConnection *conn;
  GInetSocketAddress *remote = shoal_transport_get_remote_address (transport);
  GInetAddress *ip = remote != NULL ? g_inet_socket_address_get_address (remote) : NULL;
  g_autofree char *ip_string = ip ? g_inet_address_to_string (ip) : g_strdup ("unknown");

  /* Refused here, the connection is closed when the service drops it. */
  if (self->proxy_kind != SHOAL_SESSION_PROXY_NONE && !self->proxy_allow_incoming)
    {
      g_debug ("Refusing a peer from %s: behind a proxy, peers are not accepted directly", ip_string);
      return FALSE;
    }
  if (self->net_down)
    {
      g_debug ("Refusing a peer from %s: the interface set is down", ip_string);
      return FALSE;
    }
  if (_shoal_session_blocklist_pending (self))
    {
      g_debug ("Refusing a peer from %s: the blocklist is still loading", ip_string);
      return FALSE;
    }
  if (ip != NULL && _shoal_session_is_blocked (self, ip))
    {
      g_message ("Refusing a peer from %s: it is on the blocklist", ip_string);
      return FALSE;
    }
  if (_shoal_session_get_n_connections (self) >= self->max_connections)
    {
      g_debug ("Refusing a peer from %s: %u connections, the most allowed", ip_string, self->max_connections);
      return FALSE;
    }
  if (self->incoming->len >= SHOAL_SESSION_MAX_HALF_OPEN)
    {
      g_debug ("Refusing a peer from %s: %u connections are still handshaking", ip_string, self->incoming->len);
      return FALSE;
    }
  /* One host must not take every handshake slot. */
  if (ip != NULL && _shoal_session_limits_per_ip (self, ip) &&
      count_half_open_from (self, ip) >= SHOAL_SESSION_MAX_HALF_OPEN_PER_IP)
    {
      g_debug ("Refusing a peer from %s: %u connections from there are still handshaking",
               ip_string, SHOAL_SESSION_MAX_HALF_OPEN_PER_IP);
      return FALSE;
    }

  conn = shoal_peer_connection_new_incoming_transport (transport, self->peer_id,
                                             SHOAL_PEER_WIRE_FEATURE_FAST | SHOAL_PEER_WIRE_FEATURE_EXTENSION |
                                             SHOAL_PEER_WIRE_FEATURE_V2 |
                                             (self->dht != NULL ? SHOAL_PEER_WIRE_FEATURE_DHT : 0));
  shoal_peer_connection_set_peer_limits (conn, self->peer_limits);
  shoal_peer_connection_set_handler (conn, &incoming_handler, self);
  shoal_peer_connection_set_encryption (conn, self->encryption, find_torrent_for_mse, self);
  g_ptr_array_add (self->incoming, conn);
  shoal_peer_connection_start (conn);
  if (ip != NULL)
    _shoal_session_note_incoming (self, ip);
  return TRUE;
}

/* Listens for peers on the address and port set (any free port for 0),
 * and accepts them from now on. */
gboolean
_shoal_session_listen (ShoalSession  *self,
                       GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 requested_port = self->listen_port;

  self->service = g_socket_service_new ();
  if (self->net_bind != NULL)
    g_signal_connect (self->service, "event", G_CALLBACK (_shoal_session_listener_event_cb), self);
  if (self->listen_address != NULL)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (self->listen_address);
      g_autoptr(GSocketAddress) addr = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (ip == NULL)
        {
          g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                       "“%s” is not an IP address", self->listen_address);
          return FALSE;
        }
      addr = g_inet_socket_address_new (ip, self->listen_port);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), addr, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
        {
          g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                       "Could not listen on %s port %u: %s", self->listen_address, self->listen_port,
                       local_error->message);
          return FALSE;
        }
      self->listen_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (self->listen_port == 0)
    self->listen_port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (self->service), NULL, &local_error);
  else if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), self->listen_port, NULL, &local_error))
    self->listen_port = 0;

  if (self->listen_port == 0)
    {
      if (requested_port != 0)
        g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_PORT]);
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_LISTEN,
                   "Could not listen for peers: %s", local_error ? local_error->message : "no port");
      return FALSE;
    }
  if (self->listen_port != requested_port)
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_PORT]);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;
}

/**
 * shoal_session_change_listen_port:
 * @self: a session
 * @port: the TCP port for incoming peers, 0 for any free one
 * @error: return location for a #GError
 *
 * Listens for peers on @port from now on. A started session opens the
 * new port first and only then closes the old one, so a port that
 * cannot be used (another program has it) leaves the session listening
 * where it was, and fails with %SHOAL_SESSION_ERROR_LISTEN. Connections
 * already made are kept; trackers and the DHT hear of the new port at
 * their next announce, local peer discovery at once. A session not
 * started yet only remembers the port, as shoal_session_set_listen_port().
 *
 * Returns: whether the session listens on @port now
 */
gboolean
shoal_session_change_listen_port (ShoalSession  *self,
                                  guint16        port,
                                  GError       **error)
{
  g_autoptr(GSocketService) old_service = NULL;
  guint16 old_port;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!self->started || self->service == NULL)
    {
      shoal_session_set_listen_port (self, port);
      return TRUE;
    }
  if (port != 0 && port == self->listen_port)
    return TRUE;

  old_service = g_steal_pointer (&self->service);
  old_port = self->listen_port;
  self->listen_port = port;
  if (!_shoal_session_listen (self, error))
    {
      if (self->service != NULL)
        g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
      self->service = g_steal_pointer (&old_service);
      self->listen_port = old_port;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_PORT]);
      return FALSE;
    }

  g_signal_handlers_disconnect_by_data (old_service, self);
  g_socket_service_stop (old_service);
  g_socket_listener_close (G_SOCKET_LISTENER (old_service));
  g_debug ("Listening for peers on port %u instead of %u", self->listen_port, old_port);

  /* Local peer discovery announces the port in each message. */
  if (self->lsd != NULL)
    {
      _shoal_session_stop_lsd (self);
      _shoal_session_start_lsd (self);
      _shoal_session_sync_lsd (self);
    }
  /* The router forwards the new port, and no longer the old one. */
  _shoal_session_sync_port_mapping (self);
  if (self->listen_port != old_port)
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_properties[PROP_LISTEN_PORT]);
  return TRUE;
}

/* Asked before every dial and every incoming connection of every torrent:
 * a running total (see _shoal_torrent_count_connections()), not a walk over
 * the torrents, which made a session of 1,000 idle torrents use 8% of a core. */
guint
_shoal_session_get_n_connections (ShoalSession *self)
{
  return self->incoming->len + self->n_torrent_connections;
}

ShoalPeerLimits *
_shoal_session_get_peer_limits (ShoalSession *self)
{
  return self->peer_limits;
}

/* Whether the per-IP connection limits apply to @address: not to loopback,
 * where tests run many peers, unless a test asks. */
gboolean
_shoal_session_limits_per_ip (ShoalSession *self,
                              GInetAddress *address)
{
  return self->limit_loopback || !g_inet_address_get_is_loopback (address);
}

void
_shoal_session_set_peer_limits_for_testing (ShoalSession *self,
                                            guint64       max_output,
                                            guint64       max_total_output,
                                            guint         stall_timeout_s,
                                            guint         handshake_timeout_s,
                                            gboolean      limit_loopback)
{
  if (max_output > 0)
    self->peer_limits->max_output = max_output;
  if (max_total_output > 0)
    self->peer_limits->max_total_output = max_total_output;
  if (stall_timeout_s > 0)
    self->peer_limits->stall_timeout_us = (gint64) stall_timeout_s * G_USEC_PER_SEC;
  if (handshake_timeout_s > 0)
    self->peer_limits->handshake_timeout_us = (gint64) handshake_timeout_s * G_USEC_PER_SEC;
  self->limit_loopback = limit_loopback;
}

guint64
_shoal_session_get_queued_output (ShoalSession *self)
{
  return self->peer_limits->queued;
}

guint
_shoal_session_get_n_half_open (ShoalSession *self)
{
  return self->incoming->len;
}
