/* shoal-transport.c: a peer connection's byte stream, TCP or uTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-transport.h"

G_DEFINE_INTERFACE (ShoalTransport, shoal_transport, G_TYPE_OBJECT)

static void
shoal_transport_default_init (ShoalTransportInterface *iface)
{
}

/**
 * shoal_transport_receive:
 * @self: a transport
 * @buffer: where to put what arrived
 * @size: room at @buffer
 * @error: %G_IO_ERROR_WOULD_BLOCK when nothing is there yet
 *
 * Returns: the bytes read, 0 at the end of the stream, -1 on error
 */
gssize
shoal_transport_receive (ShoalTransport  *self,
                         guint8          *buffer,
                         gsize            size,
                         GError         **error)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->receive (self, buffer, size, error);
}

/**
 * shoal_transport_send:
 * @self: a transport
 * @buffer: bytes to send
 * @size: how many
 * @error: %G_IO_ERROR_WOULD_BLOCK when there is no room now
 *
 * Returns: the bytes taken (maybe fewer than @size), -1 on error
 */
gssize
shoal_transport_send (ShoalTransport  *self,
                      const guint8    *buffer,
                      gsize            size,
                      GError         **error)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->send (self, buffer, size, error);
}

/**
 * shoal_transport_create_source:
 * @self: a transport
 * @condition: %G_IO_IN (with %G_IO_HUP, %G_IO_ERR) or %G_IO_OUT
 * @cancellable: (nullable): stops the source
 *
 * Returns: (transfer full): a source whose callback is a
 *   #ShoalTransportSourceFunc, dispatched while @condition holds
 */
GSource *
shoal_transport_create_source (ShoalTransport *self,
                               GIOCondition    condition,
                               GCancellable   *cancellable)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->create_source (self, condition, cancellable);
}

/**
 * shoal_transport_check_connected:
 * @self: an outgoing transport
 * @error: why the connection failed
 *
 * Call when a %G_IO_OUT source fires on a transport still connecting.
 *
 * Returns: %TRUE once connected; %FALSE with @error set if it failed,
 *   without if it is still connecting
 */
gboolean
shoal_transport_check_connected (ShoalTransport  *self,
                                 GError         **error)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->check_connected (self, error);
}

void
shoal_transport_close (ShoalTransport *self)
{
  SHOAL_TRANSPORT_GET_IFACE (self)->close (self);
}

/**
 * shoal_transport_get_remote_address:
 * @self: a transport
 *
 * Returns: (transfer none) (nullable): the peer's address
 */
GInetSocketAddress *
shoal_transport_get_remote_address (ShoalTransport *self)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->get_remote_address (self);
}

ShoalTransportKind
shoal_transport_get_kind (ShoalTransport *self)
{
  return SHOAL_TRANSPORT_GET_IFACE (self)->get_kind (self);
}
