/* shoal-net-bind.h: binding sockets to one network interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where a session's sockets are bound (NULL: anywhere). Shared, read-only
 * once made: a new one is made when the interface changes. */
typedef struct
{
  gatomicrefcount ref;
  char          *ifname;   /* the device, for SO_BINDTODEVICE */
  GInetAddress  *address;  /* its address now, NULL while it has none */
} ShoalNetBind;

ShoalNetBind *shoal_net_bind_new             (const char    *ifname,
                                              GInetAddress  *address);
ShoalNetBind *shoal_net_bind_ref             (ShoalNetBind  *self);
void          shoal_net_bind_unref           (ShoalNetBind  *self);
gboolean      shoal_net_bind_socket          (ShoalNetBind  *self,
                                              GSocket       *socket,
                                              GError       **error);

GSocket      *shoal_net_udp_socket_new       (GInetAddress  *address,
                                              guint16        port,
                                              GError       **error);

gboolean      shoal_net_interface_find       (const char    *name_or_address,
                                              char         **ifname,
                                              GInetAddress **address,
                                              gboolean      *up);

char        **shoal_net_interface_list       (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalNetBind, shoal_net_bind_unref)

G_END_DECLS
