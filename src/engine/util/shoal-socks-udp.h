/* shoal-socks-udp.h: UDP through a SOCKS5 proxy (UDP ASSOCIATE, RFC 1928)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "shoal-net-bind.h"

G_BEGIN_DECLS

/* The SOCKS5 header a datagram carries at most: RSV, FRAG, ATYP, a
 * 255-byte domain name with its length, and the port. */
#define SHOAL_SOCKS_UDP_MAX_HEADER (2 + 1 + 1 + 1 + 255 + 2)

#define SHOAL_TYPE_SOCKS_UDP (shoal_socks_udp_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSocksUdp, shoal_socks_udp, SHOAL, SOCKS_UDP, GObject)

void           shoal_socks_udp_associate_async  (const char          *proxy_uri,
                                                 ShoalNetBind        *bind,
                                                 guint                timeout_s,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
ShoalSocksUdp *shoal_socks_udp_associate_finish (GAsyncResult        *result,
                                                 GError             **error);

GSocket       *shoal_socks_udp_get_socket       (ShoalSocksUdp       *self);
gboolean       shoal_socks_udp_is_closed        (ShoalSocksUdp       *self);
gboolean       shoal_socks_udp_send_to          (ShoalSocksUdp       *self,
                                                 GInetSocketAddress  *to,
                                                 const guint8        *data,
                                                 gsize                len,
                                                 GError             **error);
gboolean       shoal_socks_udp_send_to_host     (ShoalSocksUdp       *self,
                                                 const char          *host,
                                                 guint16              port,
                                                 const guint8        *data,
                                                 gsize                len,
                                                 GError             **error);
gssize         shoal_socks_udp_unwrap           (ShoalSocksUdp       *self,
                                                 GSocketAddress      *from,
                                                 const guint8        *data,
                                                 gsize                len,
                                                 GInetSocketAddress **source);

/* Exposed for the unit tests: the header, and its parser. */
gsize          shoal_socks_udp_write_header     (guint8              *out,
                                                 GInetAddress        *address,
                                                 const char          *host,
                                                 guint16              port);
gssize         shoal_socks_udp_parse_header     (const guint8        *data,
                                                 gsize                len,
                                                 GInetSocketAddress **source);

G_END_DECLS
