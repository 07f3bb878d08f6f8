/* fuzz-utp.c: the uTP packet parser and a connection fed what it parses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: datagrams, each preceded by its length (two bytes, big-endian),
 * from one sender. Each is parsed: one that parses must re-encode to a
 * header that parses to the same fields. Then all are handed, in order, to
 * a manager that accepts connections and reads what they deliver, and
 * must stay within its bounds.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-utp-manager.h"
#include "shoal-utp-packet.h"

static gboolean
send_nothing (ShoalUtpManager    *manager,
              GInetSocketAddress *to,
              const guint8       *data,
              gsize               len,
              gpointer            user_data,
              GError            **error)
{
  ShoalUtpPacket p;

  /* What we send parses. */
  g_assert_true (shoal_utp_packet_parse (&p, data, len, NULL));
  return TRUE;
}

static gboolean
accept_all (ShoalUtpManager *manager,
            ShoalUtpSocket  *socket,
            gpointer         user_data)
{
  g_ptr_array_add (user_data, g_object_ref (socket));
  return TRUE;
}

static void
check_roundtrip (const guint8 *data,
                 gsize         len)
{
  ShoalUtpPacket p, q;
  g_autoptr(GError) error = NULL;
  guint8 buf[SHOAL_UTP_HEADER_LEN + 2 + SHOAL_UTP_MAX_SACK_BYTES];
  gsize n;

  if (!shoal_utp_packet_parse (&p, data, len, &error))
    {
      g_assert_true (error != NULL && error->domain == SHOAL_UTP_PACKET_ERROR);
      return;
    }
  g_assert_true (shoal_utp_packet_looks_like_utp (data, len));
  g_assert_cmpuint (p.sack_len % 4, ==, 0);
  g_assert_cmpuint (p.sack_len, <=, SHOAL_UTP_MAX_SACK_BYTES);
  g_assert_true (p.payload >= data && p.payload + p.payload_len == data + len);
  n = shoal_utp_packet_write_header (&p, buf, sizeof buf);
  g_assert_cmpuint (n, ==, shoal_utp_packet_header_size (&p));
  g_assert_true (shoal_utp_packet_parse (&q, buf, n, NULL));
  g_assert_cmpint (q.type, ==, p.type);
  g_assert_cmpuint (q.connection_id, ==, p.connection_id);
  g_assert_cmpuint (q.seq_nr, ==, p.seq_nr);
  g_assert_cmpuint (q.ack_nr, ==, p.ack_nr);
  g_assert_cmpuint (q.wnd_size, ==, p.wnd_size);
  g_assert_cmpmem (q.sack, q.sack_len, p.sack, p.sack_len);
  g_assert_cmpuint (q.payload_len, ==, 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ShoalUtpManager) manager = NULL;
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new (lo, 6881);
  ShoalUtpManagerStats stats;
  gsize off = 0;
  guint n_datagrams = 0;

  fuzz_set_up ();
  manager = shoal_utp_manager_new ();
  shoal_utp_manager_set_send_func (manager, send_nothing, NULL);
  shoal_utp_manager_set_accept_func (manager, accept_all, accepted);
  shoal_utp_manager_set_max_sockets (manager, 4);

  while (size - off >= 2 && n_datagrams++ < 256)
    {
      gsize len = MIN ((gsize) ((data[off] << 8) | data[off + 1]), size - off - 2);
      g_autofree guint8 *copy = g_memdup2 (data + off + 2, len);

      off += 2 + len;
      check_roundtrip (copy, len);
      shoal_utp_manager_handle_datagram (manager, G_INET_SOCKET_ADDRESS (from), copy, len);
      shoal_utp_manager_flush (manager);
      for (guint i = 0; i < accepted->len; i++)
        {
          guint8 buf[4096];

          while (shoal_transport_receive (SHOAL_TRANSPORT (accepted->pdata[i]), buf, sizeof buf, NULL) > 0)
            ;
        }
    }
  shoal_utp_manager_get_stats (manager, &stats);
  g_assert_cmpuint (stats.n_sockets, <=, 4);
  g_assert_cmpuint (accepted->len, <=, n_datagrams);
  shoal_utp_manager_close_all (manager);
  return 0;
}
