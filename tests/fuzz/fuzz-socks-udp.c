/* fuzz-socks-udp.c: the header of a datagram from a SOCKS5 proxy's UDP
 * relay (RFC 1928, section 7)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a datagram. A header that parses lies within it, and one naming
 * an address, written again from what was parsed, is the same bytes.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-socks-udp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(GInetSocketAddress) source = NULL;
  guint8 again[SHOAL_SOCKS_UDP_MAX_HEADER];
  gssize n;
  gsize m;

  fuzz_set_up ();

  n = shoal_socks_udp_parse_header (copy, size, &source);
  if (n < 0)
    {
      g_assert_null (source);
      return 0;
    }
  g_assert_cmpint (n, >=, 4 + 1 + 2);
  g_assert_cmpint (n, <=, (gssize) size);
  g_assert_cmpint (n, <=, SHOAL_SOCKS_UDP_MAX_HEADER);
  if (copy[3] == 3)
    {
      g_assert_null (source);
      return 0;
    }
  g_assert_nonnull (source);
  m = shoal_socks_udp_write_header (again, g_inet_socket_address_get_address (source), NULL,
                                    g_inet_socket_address_get_port (source));
  g_assert_cmpmem (again, m, copy, (gsize) n);
  return 0;
}
