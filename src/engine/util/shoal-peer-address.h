/* shoal-peer-address.h: where a peer's address is
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GInetAddress *shoal_inet_address_unmap           (GInetAddress *address);
GPtrArray    *shoal_peer_address_local_networks  (void);
gboolean      shoal_peer_address_is_on_network   (GInetAddress *address,
                                                  GPtrArray    *local_networks);

G_END_DECLS
