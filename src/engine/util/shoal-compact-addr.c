/* shoal-compact-addr.c: compact peer addresses (BEP 23, BEP 7, BEP 5)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-compact-addr.h"

/**
 * shoal_compact_addr_ip_len:
 * @family: an address family
 *
 * Returns: 4 for IPv4, 16 for IPv6, 0 for any other family
 */
gsize
shoal_compact_addr_ip_len (GSocketFamily family)
{
  switch (family)
    {
    case G_SOCKET_FAMILY_IPV4:
      return 4;
    case G_SOCKET_FAMILY_IPV6:
      return 16;
    case G_SOCKET_FAMILY_INVALID:
    case G_SOCKET_FAMILY_UNIX:
    default:
      return 0;
    }
}

/**
 * shoal_compact_addr_len:
 * @family: an address family
 *
 * Returns: the size of one compact entry: 6 for IPv4, 18 for IPv6, 0 for
 *   any other family
 */
gsize
shoal_compact_addr_len (GSocketFamily family)
{
  gsize ip_len = shoal_compact_addr_ip_len (family);

  return ip_len == 0 ? 0 : ip_len + 2;
}

/**
 * shoal_compact_addr_family_from_len:
 * @entry_len: the length of one compact entry
 *
 * Returns: the family an entry of @entry_len bytes is of, or
 *   %G_SOCKET_FAMILY_INVALID when it is neither 6 nor 18
 */
GSocketFamily
shoal_compact_addr_family_from_len (gsize entry_len)
{
  if (entry_len == SHOAL_COMPACT_ADDR4_LEN)
    return G_SOCKET_FAMILY_IPV4;
  if (entry_len == SHOAL_COMPACT_ADDR6_LEN)
    return G_SOCKET_FAMILY_IPV6;
  return G_SOCKET_FAMILY_INVALID;
}

/**
 * shoal_compact_addr_family_name:
 * @family: an address family
 *
 * Returns: "IPv4" or "IPv6", for messages
 */
const char *
shoal_compact_addr_family_name (GSocketFamily family)
{
  return family == G_SOCKET_FAMILY_IPV4 ? "IPv4" : "IPv6";
}

/**
 * shoal_compact_addr_decode:
 * @entry: one compact entry of @family's size
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @ip: (out caller-allocates): the address in network order; the bytes an
 *   IPv4 address does not use are zeroed
 * @port: (out): the port, host order
 */
void
shoal_compact_addr_decode (const guint8  *entry,
                           GSocketFamily  family,
                           guint8         ip[16],
                           guint16       *port)
{
  gsize ip_len = shoal_compact_addr_ip_len (family);

  g_return_if_fail (ip_len != 0);

  memset (ip, 0, 16);
  memcpy (ip, entry, ip_len);
  *port = shoal_be16_read (entry + ip_len);
}

/**
 * shoal_compact_addr_encode:
 * @entry: (out caller-allocates): room for one entry of @family's size
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @ip: the address in network order, 4 or 16 bytes
 * @port: the port, host order
 *
 * Returns: the bytes written: 6 or 18
 */
gsize
shoal_compact_addr_encode (guint8        *entry,
                           GSocketFamily  family,
                           const guint8  *ip,
                           guint16        port)
{
  gsize ip_len = shoal_compact_addr_ip_len (family);

  g_return_val_if_fail (ip_len != 0, 0);

  memcpy (entry, ip, ip_len);
  shoal_be16_write (entry + ip_len, port);
  return ip_len + 2;
}

/**
 * shoal_compact_addr_append:
 * @out: where to append
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @ip: the address in network order, 4 or 16 bytes
 * @port: the port, host order
 *
 * Appends one compact entry to @out.
 */
void
shoal_compact_addr_append (GByteArray    *out,
                           GSocketFamily  family,
                           const guint8  *ip,
                           guint16        port)
{
  guint8 entry[SHOAL_COMPACT_ADDR_MAX_LEN];
  gsize len = shoal_compact_addr_encode (entry, family, ip, port);

  g_byte_array_append (out, entry, (guint) len);
}

/**
 * shoal_compact_node_len:
 * @family: an address family
 *
 * Returns: the size of one DHT node entry: 26 for IPv4, 38 for IPv6, 0 for
 *   any other family
 */
gsize
shoal_compact_node_len (GSocketFamily family)
{
  gsize len = shoal_compact_addr_len (family);

  return len == 0 ? 0 : SHOAL_COMPACT_NODE_ID_LEN + len;
}

/**
 * shoal_compact_node_decode:
 * @entry: one node entry of @family's size
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @id: (out caller-allocates): the node's id
 * @ip: (out caller-allocates): its address, as shoal_compact_addr_decode()
 * @port: (out): its port, host order
 */
void
shoal_compact_node_decode (const guint8  *entry,
                           GSocketFamily  family,
                           guint8         id[SHOAL_COMPACT_NODE_ID_LEN],
                           guint8         ip[16],
                           guint16       *port)
{
  memcpy (id, entry, SHOAL_COMPACT_NODE_ID_LEN);
  shoal_compact_addr_decode (entry + SHOAL_COMPACT_NODE_ID_LEN, family, ip, port);
}

/**
 * shoal_compact_node_append:
 * @out: where to append
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @id: the node's 20-byte id
 * @ip: its address in network order, 4 or 16 bytes
 * @port: its port, host order
 *
 * Appends one DHT node entry to @out.
 */
void
shoal_compact_node_append (GByteArray    *out,
                           GSocketFamily  family,
                           const guint8  *id,
                           const guint8  *ip,
                           guint16        port)
{
  g_byte_array_append (out, id, SHOAL_COMPACT_NODE_ID_LEN);
  shoal_compact_addr_append (out, family, ip, port);
}
