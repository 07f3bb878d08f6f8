/* shoal-transport.h: a peer connection's byte stream, TCP or uTP
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the peer-wire layer needs of its transport: non-blocking receive and
 * send, a readiness source, closing, the remote address. wire/ implements
 * it over a TCP GSocketConnection, utp/ over a uTP connection, and the
 * peer-wire layer (MSE included) does not know which one it has.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SHOAL_TRANSPORT_TCP,
  SHOAL_TRANSPORT_UTP,
} ShoalTransportKind;

#define SHOAL_TYPE_TRANSPORT (shoal_transport_get_type ())
G_DECLARE_INTERFACE (ShoalTransport, shoal_transport, SHOAL, TRANSPORT, GObject)

/* The callback of shoal_transport_create_source(), with the signature of
 * GSocketSourceFunc: @source_object is the GSocket or the transport. */
typedef gboolean (*ShoalTransportSourceFunc) (gpointer     source_object,
                                              GIOCondition condition,
                                              gpointer     user_data);

struct _ShoalTransportInterface
{
  GTypeInterface g_iface;

  gssize              (*receive)            (ShoalTransport  *self,
                                             guint8          *buffer,
                                             gsize            size,
                                             GError         **error);
  gssize              (*send)               (ShoalTransport  *self,
                                             const guint8    *buffer,
                                             gsize            size,
                                             GError         **error);
  GSource            *(*create_source)      (ShoalTransport  *self,
                                             GIOCondition     condition,
                                             GCancellable    *cancellable);
  gboolean            (*check_connected)    (ShoalTransport  *self,
                                             GError         **error);
  void                (*close)              (ShoalTransport  *self);
  GInetSocketAddress *(*get_remote_address) (ShoalTransport  *self);
  ShoalTransportKind  (*get_kind)           (ShoalTransport  *self);
};

gssize              shoal_transport_receive            (ShoalTransport  *self,
                                                        guint8          *buffer,
                                                        gsize            size,
                                                        GError         **error);
gssize              shoal_transport_send               (ShoalTransport  *self,
                                                        const guint8    *buffer,
                                                        gsize            size,
                                                        GError         **error);
GSource            *shoal_transport_create_source      (ShoalTransport  *self,
                                                        GIOCondition     condition,
                                                        GCancellable    *cancellable);
gboolean            shoal_transport_check_connected    (ShoalTransport  *self,
                                                        GError         **error);
void                shoal_transport_close              (ShoalTransport  *self);
GInetSocketAddress *shoal_transport_get_remote_address (ShoalTransport  *self);
ShoalTransportKind  shoal_transport_get_kind           (ShoalTransport  *self);

G_END_DECLS
