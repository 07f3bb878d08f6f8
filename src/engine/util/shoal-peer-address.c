/* shoal-peer-address.c: where a peer's address is
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns: IPv4-mapped IPv6 addresses seen as IPv4, and the networks of this
 * host's interfaces (read with getifaddrs, cached), which the peer-address
 * filter (session/) and local service discovery (announce/) both ask.
 * May use: GLib/GIO only.
 */
#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "shoal-peer-address.h"

/**
 * shoal_inet_address_unmap:
 * @address: an address
 *
 * Returns: (transfer full): an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 *   as the IPv4 address it is; anything else as itself
 */
GInetAddress *
shoal_inet_address_unmap (GInetAddress *address)
{
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (address);
      static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, prefix, sizeof prefix) == 0)
        return g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
    }
  return g_object_ref (address);
}

/**
 * shoal_peer_address_is_on_network:
 * @address: an address
 * @local_networks: (element-type GInetAddressMask) (nullable): our networks
 *
 * Returns: %TRUE if @address is inside one of @local_networks
 */
gboolean
shoal_peer_address_is_on_network (GInetAddress *address,
                                  GPtrArray    *local_networks)
{
  g_autoptr(GInetAddress) plain = shoal_inet_address_unmap (address);

  for (guint i = 0; local_networks != NULL && i < local_networks->len; i++)
    {
      GInetAddressMask *mask = local_networks->pdata[i];

      if (g_inet_address_mask_get_family (mask) == g_inet_address_get_family (plain) &&
          g_inet_address_mask_matches (mask, plain))
        return TRUE;
    }
  return FALSE;
}

/* The networks of this host's interfaces, from getifaddrs(). */
static GPtrArray *
read_local_networks (void)
{
  struct ifaddrs *list = NULL;
  GPtrArray *networks = g_ptr_array_new_with_free_func (g_object_unref);

  if (getifaddrs (&list) == 0)
    {
      for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
        {
          g_autoptr(GSocketAddress) addr = NULL;
          g_autoptr(GSocketAddress) mask = NULL;
          g_autoptr(GInetAddress) network = NULL;
          GInetAddress *inet, *inet_mask;
          guint8 bytes[16];
          const guint8 *mb;
          gsize len, size;
          guint bits = 0;
          GInetAddressMask *m;

          if (ifa->ifa_addr == NULL || ifa->ifa_netmask == NULL || (ifa->ifa_flags & IFF_UP) == 0 ||
              (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
            continue;
          len = ifa->ifa_addr->sa_family == AF_INET ? sizeof (struct sockaddr_in) : sizeof (struct sockaddr_in6);
          addr = g_socket_address_new_from_native (ifa->ifa_addr, len);
          mask = g_socket_address_new_from_native (ifa->ifa_netmask, len);
          if (!G_IS_INET_SOCKET_ADDRESS (addr) || !G_IS_INET_SOCKET_ADDRESS (mask))
            continue;
          inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr));
          inet_mask = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (mask));
          size = g_inet_address_get_native_size (inet);
          if (g_inet_address_get_native_size (inet_mask) != size || size > sizeof bytes)
            continue;
          /* A mask holds the network, not the interface's own address. */
          mb = g_inet_address_to_bytes (inet_mask);
          memcpy (bytes, g_inet_address_to_bytes (inet), size);
          for (gsize i = 0; i < size; i++)
            {
              bits += (guint) __builtin_popcount (mb[i]);
              bytes[i] &= mb[i];
            }
          network = g_inet_address_new_from_bytes (bytes, g_inet_address_get_family (inet));
          m = g_inet_address_mask_new (network, bits, NULL);
          if (m != NULL)
            g_ptr_array_add (networks, m);
        }
      freeifaddrs (list);
    }
  return networks;
}

/**
 * shoal_peer_address_local_networks:
 *
 * Lists the networks of this host's interfaces that are up, loopback
 * included. The list is cached for a few seconds: call it freely.
 *
 * Returns: (transfer container) (element-type GInetAddressMask): the networks
 */
GPtrArray *
shoal_peer_address_local_networks (void)
{
  static GMutex lock;
  static GPtrArray *cache;
  static gint64 cached_at;
  gint64 now = g_get_monotonic_time ();
  GPtrArray *networks;

  /* Sessions may live on other threads than the main one. */
  g_mutex_lock (&lock);
  if (cache == NULL || now - cached_at >= 10 * G_USEC_PER_SEC)
    {
      g_clear_pointer (&cache, g_ptr_array_unref);
      cache = read_local_networks ();
      cached_at = now;
    }
  networks = g_ptr_array_ref (cache);
  g_mutex_unlock (&lock);
  return networks;
}
