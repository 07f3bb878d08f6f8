/* shoal-session-udp.c: the session's UDP port, shared by the DHT and uTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). One UDP socket per
 * address family, on the port peers use over TCP, read here and
 * demultiplexed: DHT messages are bencoded dictionaries (first byte 'd'),
 * uTP packets have version 1 in the low nibble of the first byte and a
 * type up to 4 in the high one. The uTP manager (utp/) lives here while
 * uTP is on; its incoming connections go through the same limits as TCP's.
 */
#include "config.h"

#include <string.h>
#include <netinet/in.h>

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"
#include "shoal-net-bind.h"

#define UDP_BUFFER       (64 * 1024 + 1)
/* Datagrams read per wake-up: the rest wait for the next one. */
#define UDP_BATCH        256

static void
handle_datagram (ShoalSession   *self,
                 GSocketAddress *from,
                 const guint8   *data,
                 gsize           len)
{
  if (!G_IS_INET_SOCKET_ADDRESS (from) || len == 0)
    return;
  if (data[0] == 'd')
    {
      if (self->dht != NULL)
        shoal_dht_handle_datagram (self->dht, G_INET_SOCKET_ADDRESS (from), data, len);
      return;
    }
  if (self->utp != NULL)
    shoal_utp_manager_handle_datagram (self->utp, G_INET_SOCKET_ADDRESS (from), data, len);
}

static gboolean
udp_ready_cb (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  g_autoptr(ShoalSession) self = g_object_ref (user_data);

  for (guint i = 0; i < UDP_BATCH; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      gssize n;

      /* A callback may have closed the port. */
      if (socket != self->udp4 && socket != self->udp6)
        break;
      n = g_socket_receive_from (socket, &from, (char *) self->udp_buf, UDP_BUFFER, NULL, &error);
      if (n < 0)
        {
          /* ICMP errors surface here as ECONNREFUSED; read on past them. */
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          continue;
        }
      /* One byte more than the largest datagram: it was cut. */
      if ((gsize) n >= UDP_BUFFER)
        continue;
      handle_datagram (self, from, self->udp_buf, (gsize) n);
    }
  if (self->utp != NULL)
    shoal_utp_manager_flush (self->utp);
  return G_SOURCE_CONTINUE;
}

static GSource *
watch (ShoalSession *self,
       GSocket      *sock)
{
  GSource *source = g_socket_create_source (sock, G_IO_IN, NULL);

  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) udp_ready_cb, self, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static gboolean
utp_accept_cb (ShoalUtpManager *manager,
               ShoalUtpSocket  *socket,
               gpointer         user_data)
{
  return _shoal_session_accept_transport (user_data, SHOAL_TRANSPORT (socket));
}

/* uTP on the shared port, or behind a SOCKS5 proxy through its UDP relay
 * (shoal-session-proxy.c). */
void
_shoal_session_sync_utp (ShoalSession *self)
{
  gboolean want = self->utp_mode != SHOAL_UTP_MODE_OFF &&
                  (self->udp4 != NULL || self->udp6 != NULL || self->socks_udp != NULL);

  if (want && self->utp == NULL)
    {
      self->utp = shoal_utp_manager_new ();
      if (self->socks_udp != NULL)
        shoal_utp_manager_set_send_func (self->utp, _shoal_session_relay_send, self);
      if (self->udp4 != NULL)
        shoal_utp_manager_set_socket (self->utp, self->udp4);
      if (self->udp6 != NULL)
        shoal_utp_manager_set_socket (self->utp, self->udp6);
      shoal_utp_manager_set_accept_func (self->utp, utp_accept_cb, self);
    }
  else if (!want && self->utp != NULL)
    {
      shoal_utp_manager_close_all (self->utp);
      g_clear_object (&self->utp);
    }
}

/* Opens the UDP port (the TCP port's number) once the session listens. */
void
_shoal_session_open_udp (ShoalSession *self)
{
  g_autoptr(GError) error = NULL;

  if (self->udp4 != NULL || self->udp6 != NULL)
    return;
  /* Behind a proxy peers go through, nothing goes out on UDP directly: the
   * DHT and uTP go through the proxy's UDP relay. And
   * bound to an interface the shared port is opened only on its address,
   * bound to the device too: nothing leaves by another route. While that
   * interface has no address, no shared port: the DHT waits on its own
   * bound sockets and uTP stays off. */
  if (_shoal_session_peers_proxied (self))
    {
      if (self->utp_mode != SHOAL_UTP_MODE_OFF)
        _shoal_session_associate_for_dht (self);
      return;
    }
  if (self->net_bind != NULL)
    {
      if (self->net_bind->address == NULL)
        return;
      if (g_inet_address_get_family (self->net_bind->address) == G_SOCKET_FAMILY_IPV6)
        self->udp6 = shoal_net_udp_socket_new (self->net_bind->address, self->listen_port, &error);
      else
        self->udp4 = shoal_net_udp_socket_new (self->net_bind->address, self->listen_port, &error);
      if (self->udp4 != NULL && !shoal_net_bind_socket (self->net_bind, self->udp4, &error))
        g_clear_object (&self->udp4);
      if (self->udp6 != NULL && !shoal_net_bind_socket (self->net_bind, self->udp6, &error))
        g_clear_object (&self->udp6);
    }
  else if (self->listen_address != NULL)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (self->listen_address);

      if (ip == NULL)
        return;
      if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
        self->udp6 = shoal_net_udp_socket_new (ip, self->listen_port, &error);
      else
        self->udp4 = shoal_net_udp_socket_new (ip, self->listen_port, &error);
    }
  else
    {
      g_autoptr(GInetAddress) any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);

      self->udp4 = shoal_net_udp_socket_new (any4, self->listen_port, &error);
      /* IPv6 when the host has it; IPv4 alone is fine. */
      if (self->udp4 != NULL)
        self->udp6 = shoal_net_udp_socket_new (any6, self->listen_port, NULL);
    }
  if (self->udp4 == NULL && self->udp6 == NULL)
    {
      g_warning ("Could not open UDP port %u (for the DHT and uTP): %s", self->listen_port,
                 error ? error->message : "no address");
      return;
    }
  self->udp_buf = g_malloc (UDP_BUFFER);
  if (self->udp4 != NULL)
    self->udp_source4 = watch (self, self->udp4);
  if (self->udp6 != NULL)
    self->udp_source6 = watch (self, self->udp6);
  _shoal_session_sync_utp (self);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

void
_shoal_session_close_udp (ShoalSession *self)
{
  _shoal_session_stop_relay (self);
  if (self->utp != NULL)
    {
      shoal_utp_manager_close_all (self->utp);
      g_clear_object (&self->utp);
    }
  clear_source (&self->udp_source4);
  clear_source (&self->udp_source6);
  if (self->udp4 != NULL)
    g_socket_close (self->udp4, NULL);
  if (self->udp6 != NULL)
    g_socket_close (self->udp6, NULL);
  g_clear_object (&self->udp4);
  g_clear_object (&self->udp6);
  g_clear_pointer (&self->udp_buf, g_free);
}

/**
 * shoal_session_set_utp_mode:
 * @self: a session
 * @mode: which transports peer connections use
 *
 * Turning uTP off closes its connections.
 */
void
shoal_session_set_utp_mode (ShoalSession *self,
                            ShoalUtpMode  mode)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));

  self->utp_mode = mode;
  _shoal_session_sync_utp (self);
}

ShoalUtpMode
shoal_session_get_utp_mode (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), SHOAL_UTP_MODE_PREFER);

  return self->utp_mode;
}
