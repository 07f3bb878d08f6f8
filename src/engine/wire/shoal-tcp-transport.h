/* shoal-tcp-transport.h: a ShoalTransport over a TCP connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TCP_TRANSPORT (shoal_tcp_transport_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTcpTransport, shoal_tcp_transport, SHOAL, TCP_TRANSPORT, GObject)

ShoalTransport *shoal_tcp_transport_new (GSocketConnection *connection);

G_END_DECLS
