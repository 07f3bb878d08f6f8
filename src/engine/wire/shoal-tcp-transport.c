/* shoal-tcp-transport.c: a ShoalTransport over a TCP connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Non-blocking receives and sends on the connection's GSocket, and its
 * socket sources: what the peer connection did before it had transports.
 */
#include "config.h"

#include "shoal-tcp-transport.h"

struct _ShoalTcpTransport
{
  GObject             parent_instance;

  GSocketConnection  *connection;
  GSocket            *socket;
  GInetSocketAddress *remote;
};

static void shoal_tcp_transport_iface_init (ShoalTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalTcpTransport, shoal_tcp_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_TRANSPORT, shoal_tcp_transport_iface_init))

static void
shoal_tcp_transport_finalize (GObject *object)
{
  ShoalTcpTransport *self = SHOAL_TCP_TRANSPORT (object);

  g_clear_object (&self->connection);
  g_clear_object (&self->remote);

  G_OBJECT_CLASS (shoal_tcp_transport_parent_class)->finalize (object);
}

static void
shoal_tcp_transport_class_init (ShoalTcpTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_tcp_transport_finalize;
}

static void
shoal_tcp_transport_init (ShoalTcpTransport *self)
{
}

/**
 * shoal_tcp_transport_new:
 * @connection: a connected TCP connection
 *
 * Returns: (transfer full): a transport reading and writing @connection's
 *   socket without blocking
 */
ShoalTransport *
shoal_tcp_transport_new (GSocketConnection *connection)
{
  ShoalTcpTransport *self = g_object_new (SHOAL_TYPE_TCP_TRANSPORT, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  self->connection = g_object_ref (connection);
  self->socket = g_socket_connection_get_socket (connection);
  g_socket_set_blocking (self->socket, FALSE);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    self->remote = g_object_ref (G_INET_SOCKET_ADDRESS (remote));
  return SHOAL_TRANSPORT (self);
}

static gssize
tcp_receive (ShoalTransport  *transport,
             guint8          *buffer,
             gsize            size,
             GError         **error)
{
  return g_socket_receive (SHOAL_TCP_TRANSPORT (transport)->socket, (char *) buffer, size, NULL, error);
}

static gssize
tcp_send (ShoalTransport  *transport,
          const guint8    *buffer,
          gsize            size,
          GError         **error)
{
  return g_socket_send (SHOAL_TCP_TRANSPORT (transport)->socket, (const char *) buffer, size, NULL, error);
}

static GSource *
tcp_create_source (ShoalTransport *transport,
                   GIOCondition    condition,
                   GCancellable   *cancellable)
{
  return g_socket_create_source (SHOAL_TCP_TRANSPORT (transport)->socket, condition, cancellable);
}

static gboolean
tcp_check_connected (ShoalTransport  *transport,
                     GError         **error)
{
  return g_socket_check_connect_result (SHOAL_TCP_TRANSPORT (transport)->socket, error);
}

static void
tcp_close (ShoalTransport *transport)
{
  g_io_stream_close (G_IO_STREAM (SHOAL_TCP_TRANSPORT (transport)->connection), NULL, NULL);
}

static GInetSocketAddress *
tcp_get_remote_address (ShoalTransport *transport)
{
  return SHOAL_TCP_TRANSPORT (transport)->remote;
}

static ShoalTransportKind
tcp_get_kind (ShoalTransport *transport)
{
  return SHOAL_TRANSPORT_TCP;
}

static void
shoal_tcp_transport_iface_init (ShoalTransportInterface *iface)
{
  iface->receive = tcp_receive;
  iface->send = tcp_send;
  iface->create_source = tcp_create_source;
  iface->check_connected = tcp_check_connected;
  iface->close = tcp_close;
  iface->get_remote_address = tcp_get_remote_address;
  iface->get_kind = tcp_get_kind;
}
