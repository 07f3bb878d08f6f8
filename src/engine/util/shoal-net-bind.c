/* shoal-net-bind.c: binding sockets to one network interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session told to use one interface (a VPN's, say) binds every socket it
 * opens to that interface's address and, where the system allows it
 * (CAP_NET_RAW), to the device itself with SO_BINDTODEVICE, so that the
 * kernel never routes its packets out of another interface, even when the
 * bound one goes down.
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-net-bind.h"

ShoalNetBind *
shoal_net_bind_new (const char   *ifname,
                    GInetAddress *address)
{
  ShoalNetBind *self = g_new0 (ShoalNetBind, 1);

  g_atomic_ref_count_init (&self->ref);
  self->ifname = g_strdup (ifname);
  self->address = address != NULL ? g_object_ref (address) : NULL;
  return self;
}

ShoalNetBind *
shoal_net_bind_ref (ShoalNetBind *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
shoal_net_bind_unref (ShoalNetBind *self)
{
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_free (self->ifname);
  g_clear_object (&self->address);
  g_free (self);
}

/**
 * shoal_net_bind_socket:
 * @self: where to bind
 * @socket: a socket not yet connected
 *
 * Binds @socket to the device (SO_BINDTODEVICE). Without the right to do
 * so (EPERM) it succeeds, as binding to the address is then all we can do
 * (and the caller does it).
 *
 * Returns: %FALSE with @error set if the device cannot be bound to
 */
gboolean
shoal_net_bind_socket (ShoalNetBind  *self,
                       GSocket       *socket,
                       GError       **error)
{
  static gboolean warned;
  gsize len;

  if (self == NULL || self->ifname == NULL)
    return TRUE;
  len = strlen (self->ifname);
  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_BINDTODEVICE, self->ifname, (socklen_t) len) == 0)
    return TRUE;
  if (errno == EPERM)
    {
      if (!warned)
        g_message ("Cannot bind sockets to %s itself (no CAP_NET_RAW): they are bound to its address only",
                   self->ifname);
      warned = TRUE;
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
               "Cannot bind a socket to %s: %s", self->ifname, g_strerror (errno));
  return FALSE;
}

/**
 * shoal_net_interface_find:
 * @name_or_address: an interface name ("wg0") or one of its addresses
 * @ifname: (out) (optional): the interface's name
 * @address: (out) (optional): its address (the one named, else its first
 *   IPv4 address, else its first IPv6 one that is not link-local), or %NULL
 *   when it has none
 * @up: (out) (optional): whether it is up and running
 *
 * Returns: whether such an interface exists now
 */
gboolean
shoal_net_interface_find (const char    *name_or_address,
                          char         **ifname,
                          GInetAddress **address,
                          gboolean      *up)
{
  g_autoptr(GInetAddress) wanted = g_inet_address_new_from_string (name_or_address);
  g_autoptr(GInetAddress) found = NULL;
  g_autofree char *name = NULL;
  struct ifaddrs *list = NULL;
  gboolean exists = FALSE, running = FALSE;

  if (getifaddrs (&list) != 0)
    return FALSE;
  /* the interface's name first */
  for (struct ifaddrs *i = list; i != NULL && name == NULL; i = i->ifa_next)
    {
      if (wanted == NULL)
        {
          if (g_strcmp0 (i->ifa_name, name_or_address) == 0)
            name = g_strdup (i->ifa_name);
        }
      else if (i->ifa_addr != NULL && (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
        {
          g_autoptr(GSocketAddress) sa = g_socket_address_new_from_native (i->ifa_addr,
                                                                           i->ifa_addr->sa_family == AF_INET
                                                                           ? sizeof (struct sockaddr_in)
                                                                           : sizeof (struct sockaddr_in6));

          if (sa != NULL && g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)), wanted))
            name = g_strdup (i->ifa_name);
        }
    }
  for (struct ifaddrs *i = list; i != NULL && name != NULL; i = i->ifa_next)
    {
      g_autoptr(GSocketAddress) sa = NULL;
      GInetAddress *ip;

      if (g_strcmp0 (i->ifa_name, name) != 0)
        continue;
      exists = TRUE;
      running = (i->ifa_flags & IFF_UP) && (i->ifa_flags & IFF_RUNNING);
      if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
        continue;
      sa = g_socket_address_new_from_native (i->ifa_addr, i->ifa_addr->sa_family == AF_INET
                                                          ? sizeof (struct sockaddr_in)
                                                          : sizeof (struct sockaddr_in6));
      if (sa == NULL)
        continue;
      ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
      if (wanted != NULL)
        {
          if (g_inet_address_equal (ip, wanted))
            g_set_object (&found, ip);
        }
      else if (g_inet_address_get_is_link_local (ip))
        continue;
      else if (found == NULL || (g_inet_address_get_family (found) == G_SOCKET_FAMILY_IPV6 &&
                                 g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV4))
        g_set_object (&found, ip);
    }
  freeifaddrs (list);

  if (ifname != NULL)
    *ifname = g_steal_pointer (&name);
  if (address != NULL)
    *address = g_steal_pointer (&found);
  if (up != NULL)
    *up = running;
  return exists;
}

/* VPN-looking names first: WireGuard, OpenVPN/tun, tap, ppp, ipsec */
static gboolean
looks_like_vpn (const char *name)
{
  static const char * const prefixes[] = { "wg", "tun", "tap", "ppp", "ipsec", "vpn", "proton", "nordlynx", NULL };

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;
  return FALSE;
}

static gint
compare_interfaces (gconstpointer a,
                    gconstpointer b)
{
  const char *x = *(const char * const *) a;
  const char *y = *(const char * const *) b;
  gboolean vx = looks_like_vpn (x), vy = looks_like_vpn (y);

  if (vx != vy)
    return vx ? -1 : 1;
  return g_strcmp0 (x, y);
}

/**
 * shoal_net_interface_list:
 *
 * The network interfaces of this machine, but loopback, each once:
 * VPN-looking ones (wg*, tun*, tap*, ppp*…) first, then by name.
 *
 * Returns: (transfer full): a %NULL-terminated array of names
 */
char **
shoal_net_interface_list (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  struct ifaddrs *list = NULL;

  if (getifaddrs (&list) == 0)
    {
      /* bounded by what the kernel lists; a name is at most IFNAMSIZ */
      for (struct ifaddrs *i = list; i != NULL && names->len < 1024; i = i->ifa_next)
        {
          gboolean seen = FALSE;

          if (i->ifa_name == NULL || (i->ifa_flags & IFF_LOOPBACK))
            continue;
          for (guint j = 0; j < names->len && !seen; j++)
            seen = strcmp (names->pdata[j], i->ifa_name) == 0;
          if (!seen)
            g_ptr_array_add (names, g_strndup (i->ifa_name, IFNAMSIZ));
        }
      freeifaddrs (list);
    }
  g_ptr_array_sort (names, compare_interfaces);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

/**
 * shoal_net_udp_socket_new:
 * @address: the local address to bind, any or one interface's
 * @port: the local port, 0 for any
 * @error: return location for a #GError
 *
 * A non-blocking UDP socket bound to @address:@port (IPv6 only, never
 * mapped IPv4, for an IPv6 address): the DHT's own and the session's
 * shared port.
 *
 * Returns: (transfer full) (nullable): the socket
 */
GSocket *
shoal_net_udp_socket_new (GInetAddress  *address,
                          guint16        port,
                          GError       **error)
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) sa = NULL;
  GSocketFamily family = g_inet_address_get_family (address);

  sock = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (sock == NULL)
    return NULL;
  g_socket_set_blocking (sock, FALSE);
  if (family == G_SOCKET_FAMILY_IPV6 && !g_socket_set_option (sock, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
    return NULL;
  sa = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (sock, sa, FALSE, error))
    return NULL;
  return g_steal_pointer (&sock);
}
