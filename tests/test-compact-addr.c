/* test-compact-addr.c: tests for compact peer addresses and big-endian
 * integers (util/shoal-compact-addr, util/shoal-be.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-compact-addr.h"

static void
test_be (void)
{
  static const guint8 bytes[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
  guint8 out[8];

  g_assert_cmphex (shoal_be16_read (bytes), ==, 0x0123);
  g_assert_cmphex (shoal_be32_read (bytes), ==, 0x01234567);
  g_assert_cmphex (shoal_be64_read (bytes), ==, G_GUINT64_CONSTANT (0x0123456789abcdef));
  g_assert_cmphex (shoal_be32_read (bytes + 4), ==, 0x89abcdefu);

  memset (out, 0, sizeof out);
  shoal_be16_write (out, 0xfffe);
  g_assert_cmpmem (out, 2, "\xff\xfe", 2);
  shoal_be32_write (out, 0x89abcdefu);
  g_assert_cmpmem (out, 4, bytes + 4, 4);
  shoal_be64_write (out, G_GUINT64_CONSTANT (0x0123456789abcdef));
  g_assert_cmpmem (out, 8, bytes, 8);
}

static void
test_sizes (void)
{
  g_assert_cmpuint (shoal_compact_addr_ip_len (G_SOCKET_FAMILY_IPV4), ==, 4);
  g_assert_cmpuint (shoal_compact_addr_ip_len (G_SOCKET_FAMILY_IPV6), ==, 16);
  g_assert_cmpuint (shoal_compact_addr_ip_len (G_SOCKET_FAMILY_UNIX), ==, 0);
  g_assert_cmpuint (shoal_compact_addr_len (G_SOCKET_FAMILY_IPV4), ==, 6);
  g_assert_cmpuint (shoal_compact_addr_len (G_SOCKET_FAMILY_IPV6), ==, 18);
  g_assert_cmpuint (shoal_compact_addr_len (G_SOCKET_FAMILY_INVALID), ==, 0);
  g_assert_cmpint (shoal_compact_addr_family_from_len (6), ==, G_SOCKET_FAMILY_IPV4);
  g_assert_cmpint (shoal_compact_addr_family_from_len (18), ==, G_SOCKET_FAMILY_IPV6);
  for (gsize len = 0; len < 40; len++)
    if (len != 6 && len != 18)
      g_assert_cmpint (shoal_compact_addr_family_from_len (len), ==, G_SOCKET_FAMILY_INVALID);
  g_assert_cmpstr (shoal_compact_addr_family_name (G_SOCKET_FAMILY_IPV4), ==, "IPv4");
  g_assert_cmpstr (shoal_compact_addr_family_name (G_SOCKET_FAMILY_IPV6), ==, "IPv6");
}

/* BEP 23's example form: 10.0.0.1 port 6881 is 0a 00 00 01 1a e1. */
static void
test_ipv4 (void)
{
  static const guint8 entry[6] = { 10, 0, 0, 1, 0x1a, 0xe1 };
  guint8 ip[16];
  guint8 out[SHOAL_COMPACT_ADDR_MAX_LEN];
  guint16 port = 0;
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  memset (ip, 0xaa, sizeof ip);
  shoal_compact_addr_decode (entry, G_SOCKET_FAMILY_IPV4, ip, &port);
  g_assert_cmpmem (ip, 4, "\x0a\x00\x00\x01", 4);
  for (guint i = 4; i < 16; i++)
    g_assert_cmpuint (ip[i], ==, 0);
  g_assert_cmpuint (port, ==, 6881);

  g_assert_cmpuint (shoal_compact_addr_encode (out, G_SOCKET_FAMILY_IPV4, ip, port), ==, 6);
  g_assert_cmpmem (out, 6, entry, 6);
  shoal_compact_addr_append (buf, G_SOCKET_FAMILY_IPV4, ip, port);
  shoal_compact_addr_append (buf, G_SOCKET_FAMILY_IPV4, ip, 65535);
  g_assert_cmpuint (buf->len, ==, 12);
  g_assert_cmpmem (buf->data, 6, entry, 6);
  g_assert_cmpmem (buf->data + 6, 6, "\x0a\x00\x00\x01\xff\xff", 6);
}

/* BEP 7: 2001:db8::1 port 443. */
static void
test_ipv6 (void)
{
  static const guint8 entry[18] = {
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb
  };
  g_autoptr(GInetAddress) expected = g_inet_address_new_from_string ("2001:db8::1");
  guint8 ip[16];
  guint8 out[SHOAL_COMPACT_ADDR_MAX_LEN];
  guint16 port = 0;

  shoal_compact_addr_decode (entry, G_SOCKET_FAMILY_IPV6, ip, &port);
  g_assert_cmpmem (ip, 16, g_inet_address_to_bytes (expected), 16);
  g_assert_cmpuint (port, ==, 443);
  g_assert_cmpuint (shoal_compact_addr_encode (out, G_SOCKET_FAMILY_IPV6, ip, port), ==, 18);
  g_assert_cmpmem (out, 18, entry, 18);
}

/* BEP 5: a 20-byte node id, then the node's compact address. */
static void
test_node (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  guint8 id[SHOAL_COMPACT_NODE_ID_LEN];
  guint8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
  guint8 got_id[SHOAL_COMPACT_NODE_ID_LEN];
  guint8 got_ip[16];
  guint16 port = 0;

  for (guint i = 0; i < sizeof id; i++)
    id[i] = (guint8) (0xa0 + i);
  g_assert_cmpuint (shoal_compact_node_len (G_SOCKET_FAMILY_IPV4), ==, 26);
  g_assert_cmpuint (shoal_compact_node_len (G_SOCKET_FAMILY_IPV6), ==, 38);
  g_assert_cmpuint (shoal_compact_node_len (G_SOCKET_FAMILY_INVALID), ==, 0);

  shoal_compact_node_append (buf, G_SOCKET_FAMILY_IPV4, id, (const guint8 *) "\x7f\x00\x00\x01", 6881);
  shoal_compact_node_append (buf, G_SOCKET_FAMILY_IPV6, id, ip6, 1);
  g_assert_cmpuint (buf->len, ==, 26 + 38);
  g_assert_cmpmem (buf->data, 20, id, 20);
  g_assert_cmpmem (buf->data + 20, 6, "\x7f\x00\x00\x01\x1a\xe1", 6);

  shoal_compact_node_decode (buf->data + 26, G_SOCKET_FAMILY_IPV6, got_id, got_ip, &port);
  g_assert_cmpmem (got_id, sizeof got_id, id, sizeof id);
  g_assert_cmpmem (got_ip, 16, ip6, 16);
  g_assert_cmpuint (port, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/compact-addr/big-endian", test_be);
  g_test_add_func ("/engine/compact-addr/sizes", test_sizes);
  g_test_add_func ("/engine/compact-addr/ipv4", test_ipv4);
  g_test_add_func ("/engine/compact-addr/ipv6", test_ipv6);
  g_test_add_func ("/engine/compact-addr/dht-node", test_node);

  return g_test_run ();
}
