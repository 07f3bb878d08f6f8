/* test-utp.c: the uTP codec, connections and manager (BEP 29)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two managers joined by an in-memory network that can drop, reorder and
 * duplicate datagrams; hostile packets injected by hand. Timers are
 * shortened (shoal_utp_manager_set_timing_for_testing), and every loop is
 * bounded in rounds and in time.
 */
#include "config.h"

#include <string.h>

#include "shoal-utp-manager.h"
#include "shoal-utp-packet.h"
#include "shoal-utp-socket.h"

/* The codec */

static void
test_packet_roundtrip (void)
{
  ShoalUtpPacket p = { 0 };
  ShoalUtpPacket q;
  guint8 buf[128];
  gsize n;
  g_autoptr(GError) error = NULL;

  p.type = SHOAL_UTP_ST_STATE;
  p.connection_id = 0xbeef;
  p.timestamp_us = 0x01020304;
  p.timestamp_diff_us = 0xa0b0c0d0;
  p.wnd_size = 1 << 20;
  p.seq_nr = 65535;
  p.ack_nr = 7;
  shoal_utp_packet_sack_set (&p, 0);
  shoal_utp_packet_sack_set (&p, 9);
  shoal_utp_packet_sack_set (&p, 33);
  g_assert_cmpuint (p.sack_len, ==, 8);
  n = shoal_utp_packet_write_header (&p, buf, sizeof buf);
  g_assert_cmpuint (n, ==, 20 + 2 + 8);
  g_assert_cmpuint (buf[0], ==, 0x21);
  g_assert_true (shoal_utp_packet_looks_like_utp (buf, n));
  memcpy (buf + n, "hello", 5);
  g_assert_true (shoal_utp_packet_parse (&q, buf, n + 5, &error));
  g_assert_no_error (error);
  g_assert_cmpint (q.type, ==, SHOAL_UTP_ST_STATE);
  g_assert_cmpuint (q.connection_id, ==, 0xbeef);
  g_assert_cmpuint (q.timestamp_us, ==, 0x01020304);
  g_assert_cmpuint (q.timestamp_diff_us, ==, 0xa0b0c0d0);
  g_assert_cmpuint (q.wnd_size, ==, 1 << 20);
  g_assert_cmpuint (q.seq_nr, ==, 65535);
  g_assert_cmpuint (q.ack_nr, ==, 7);
  g_assert_cmpuint (q.sack_len, ==, 8);
  g_assert_true (shoal_utp_packet_sack_has (&q, 0));
  g_assert_false (shoal_utp_packet_sack_has (&q, 1));
  g_assert_true (shoal_utp_packet_sack_has (&q, 9));
  g_assert_true (shoal_utp_packet_sack_has (&q, 33));
  g_assert_false (shoal_utp_packet_sack_has (&q, 64));
  g_assert_cmpuint (q.payload_len, ==, 5);
  g_assert_cmpmem (q.payload, 5, "hello", 5);

  /* The mask stops at its bound. */
  shoal_utp_packet_sack_set (&p, SHOAL_UTP_MAX_SACK_BYTES * 8);
  g_assert_cmpuint (p.sack_len, ==, 8);
  /* No room: nothing written. */
  g_assert_cmpuint (shoal_utp_packet_write_header (&p, buf, 21), ==, 0);
}

static void
expect_refused (const guint8 *data,
                gsize         len,
                gint          code)
{
  ShoalUtpPacket p;
  g_autoptr(GError) error = NULL;

  g_assert_false (shoal_utp_packet_parse (&p, data, len, &error));
  g_assert_error (error, SHOAL_UTP_PACKET_ERROR, code);
}

static void
test_packet_hostile (void)
{
  guint8 buf[600] = { 0x41, 0 };
  ShoalUtpPacket p;
  guint off;

  expect_refused (buf, 19, SHOAL_UTP_PACKET_ERROR_SHORT);
  buf[0] = 0x42;
  expect_refused (buf, 20, SHOAL_UTP_PACKET_ERROR_VERSION);
  buf[0] = 0x51;
  expect_refused (buf, 20, SHOAL_UTP_PACKET_ERROR_TYPE);
  g_assert_false (shoal_utp_packet_looks_like_utp (buf, 20));
  buf[0] = 0x01;
  g_assert_true (shoal_utp_packet_parse (&p, buf, 20, NULL));

  /* An extension past the end, or its header cut. */
  buf[1] = 1;
  expect_refused (buf, 20, SHOAL_UTP_PACKET_ERROR_SHORT);
  buf[20] = 0;
  buf[21] = 8;
  expect_refused (buf, 25, SHOAL_UTP_PACKET_ERROR_SHORT);
  /* A selective ACK not a multiple of 4 bytes, as libtorrent sends
   * them: taken, padded with zeroes. */
  buf[21] = 5;
  buf[22] = 0x81;
  buf[26] = 0x02;
  buf[27] = 0xff;
  g_assert_true (shoal_utp_packet_parse (&p, buf, 30, NULL));
  g_assert_cmpuint (p.sack_len, ==, 8);
  g_assert_true (shoal_utp_packet_sack_has (&p, 0));
  g_assert_true (shoal_utp_packet_sack_has (&p, 7));
  g_assert_true (shoal_utp_packet_sack_has (&p, 33));
  g_assert_false (shoal_utp_packet_sack_has (&p, 32));
  g_assert_false (shoal_utp_packet_sack_has (&p, 40));
  g_assert_cmpuint (p.payload_len, ==, 3);
  buf[21] = 1;
  g_assert_true (shoal_utp_packet_parse (&p, buf, 30, NULL));
  g_assert_cmpuint (p.sack_len, ==, 4);
  g_assert_false (shoal_utp_packet_sack_has (&p, 33));
  memset (buf + 22, 0, 8);
  /* An empty one is refused. */
  buf[21] = 0;
  expect_refused (buf, 30, SHOAL_UTP_PACKET_ERROR_EXTENSION);
  /* Two selective ACKs. */
  buf[20] = 1;
  buf[21] = 4;
  buf[26] = 0;
  buf[27] = 4;
  expect_refused (buf, 40, SHOAL_UTP_PACKET_ERROR_EXTENSION);
  /* A long selective ACK is kept to the bound. */
  buf[20] = 0;
  buf[21] = 252;
  g_assert_true (shoal_utp_packet_parse (&p, buf, 22 + 252, NULL));
  g_assert_cmpuint (p.sack_len, ==, SHOAL_UTP_MAX_SACK_BYTES);
  g_assert_cmpuint (p.payload_len, ==, 0);
  /* Unknown extensions are skipped, but not without end. */
  buf[1] = 7;
  off = 20;
  for (guint i = 0; i < SHOAL_UTP_MAX_EXTENSIONS + 1; i++, off += 2)
    {
      buf[off] = 7;
      buf[off + 1] = 0;
    }
  expect_refused (buf, off + 10, SHOAL_UTP_PACKET_ERROR_EXTENSION);
  /* The DHT's datagrams are not uTP. */
  g_assert_false (shoal_utp_packet_looks_like_utp ((const guint8 *) "d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe", 56));
}

/* An in-memory network between managers */

typedef struct
{
  ShoalUtpManager    *to;
  GInetSocketAddress *from;
  GBytes             *bytes;
} Datagram;

typedef struct Net Net;

typedef struct
{
  Net                *net;
  ShoalUtpManager    *manager;
  GInetSocketAddress *address;
  GPtrArray          *accepted;
  gboolean            refuse;
} Host;

struct Net
{
  Host       hosts[2];
  GPtrArray *queue;        /* of Datagram */
  GRand     *rand;
  guint      drop_pct;
  guint      reorder_pct;
  guint      dup_pct;
  guint64    dropped;
  guint64    delivered;
  GPtrArray *captured;     /* what host 0 sent, when set */
  gboolean   span_sacks;   /* selective ACKs cut to the bytes in use */
};

/* Set by a test before net_new(): its network sends selective ACKs as
 * libtorrent does, as many bytes as the packets they name span, not
 * padded to a multiple of 4 as BEP 29 asks. */
static gboolean span_sacks_like_libtorrent;

static void
datagram_free (gpointer data)
{
  Datagram *d = data;

  g_object_unref (d->from);
  g_bytes_unref (d->bytes);
  g_free (d);
}

static gboolean
net_send (ShoalUtpManager    *manager,
          GInetSocketAddress *to,
          const guint8       *data,
          gsize               len,
          gpointer            user_data,
          GError            **error)
{
  Net *net = user_data;
  Host *from = net->hosts[0].manager == manager ? &net->hosts[0] : &net->hosts[1];
  Host *dest = NULL;
  Datagram *d;

  for (guint i = 0; i < 2; i++)
    if (g_inet_socket_address_get_port (net->hosts[i].address) == g_inet_socket_address_get_port (to))
      dest = &net->hosts[i];
  if (from == &net->hosts[0] && net->captured != NULL)
    g_ptr_array_add (net->captured, g_bytes_new (data, len));
  if (dest == NULL)
    return TRUE;
  d = g_new0 (Datagram, 1);
  d->to = dest->manager;
  d->from = g_object_ref (from->address);
  if (net->span_sacks && len >= 22 && data[1] == SHOAL_UTP_EXT_SACK && len >= 22u + data[21])
    {
      guint mask_len = data[21];
      guint used = 1;
      GByteArray *cut = g_byte_array_new ();

      for (guint i = 0; i < mask_len; i++)
        if (data[22 + i] != 0)
          used = i + 1;
      g_byte_array_append (cut, data, 22 + used);
      cut->data[21] = (guint8) used;
      g_byte_array_append (cut, data + 22 + mask_len, (guint) (len - 22 - mask_len));
      d->bytes = g_byte_array_free_to_bytes (cut);
    }
  else
    d->bytes = g_bytes_new (data, len);
  g_ptr_array_add (net->queue, d);
  return TRUE;
}

static gboolean
host_accept (ShoalUtpManager *manager,
             ShoalUtpSocket  *socket,
             gpointer         user_data)
{
  Host *host = user_data;

  if (host->refuse)
    return FALSE;
  g_ptr_array_add (host->accepted, g_object_ref (socket));
  return TRUE;
}

static Net *
net_new (void)
{
  Net *net = g_new0 (Net, 1);

  net->queue = g_ptr_array_new_with_free_func (datagram_free);
  net->rand = g_rand_new_with_seed (29);
  net->span_sacks = span_sacks_like_libtorrent;
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      Host *h = &net->hosts[i];

      h->net = net;
      h->manager = shoal_utp_manager_new ();
      h->address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (lo, (guint16) (6881 + i)));
      h->accepted = g_ptr_array_new_with_free_func (g_object_unref);
      shoal_utp_manager_set_send_func (h->manager, net_send, net);
      shoal_utp_manager_set_accept_func (h->manager, host_accept, h);
      shoal_utp_manager_set_timing_for_testing (h->manager, 40, 10, 100);
    }
  return net;
}

static void
net_free (Net *net)
{
  for (guint i = 0; i < 2; i++)
    {
      shoal_utp_manager_close_all (net->hosts[i].manager);
      g_ptr_array_unref (net->hosts[i].accepted);
      g_object_unref (net->hosts[i].manager);
      g_object_unref (net->hosts[i].address);
    }
  g_ptr_array_unref (net->queue);
  g_clear_pointer (&net->captured, g_ptr_array_unref);
  g_rand_free (net->rand);
  g_free (net);
}

/* Delivers what is queued, with the network's faults; runs the timers. */
static void
net_pump (Net *net)
{
  g_autoptr(GPtrArray) batch = net->queue;
  guint n;

  net->queue = g_ptr_array_new_with_free_func (datagram_free);
  n = batch->len;
  for (guint i = 0; i < n; i++)
    {
      Datagram *d = batch->pdata[i];
      gsize len;
      const guint8 *data = g_bytes_get_data (d->bytes, &len);

      if (g_rand_int_range (net->rand, 0, 100) < (gint) net->drop_pct)
        {
          net->dropped++;
          continue;
        }
      if (g_rand_int_range (net->rand, 0, 100) < (gint) net->reorder_pct && i + 1 < n)
        {
          /* Late: after the next one. */
          gpointer tmp = batch->pdata[i + 1];

          batch->pdata[i + 1] = batch->pdata[i];
          batch->pdata[i] = tmp;
          d = batch->pdata[i];
          data = g_bytes_get_data (d->bytes, &len);
        }
      g_assert_true (shoal_utp_manager_handle_datagram (d->to, d->from, data, len));
      net->delivered++;
      if (g_rand_int_range (net->rand, 0, 100) < (gint) net->dup_pct)
        g_assert_true (shoal_utp_manager_handle_datagram (d->to, d->from, data, len));
    }
  for (guint i = 0; i < 2; i++)
    shoal_utp_manager_flush (net->hosts[i].manager);
  g_main_context_iteration (NULL, FALSE);
}

/* Pumps until @done or the bound; sleeps a little when the network is idle
 * so that the timers run. */
static gboolean
net_run_until (Net      *net,
               gboolean (*done) (gpointer),
               gpointer  data,
               guint     max_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) max_seconds * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (net->queue->len == 0)
        {
          g_usleep (1000);
          g_main_context_iteration (NULL, FALSE);
        }
      net_pump (net);
    }
  return TRUE;
}

typedef struct
{
  Net            *net;
  ShoalUtpSocket *client;
  ShoalUtpSocket *server;
  GBytes         *payload;       /* client → server */
  GBytes         *reply;         /* server → client */
  gsize           c_sent;
  gsize           s_sent;
  GByteArray     *c_got;
  GByteArray     *s_got;
} Transfer;

static gboolean
connected (gpointer data)
{
  Transfer *t = data;

  return shoal_utp_socket_is_connected (t->client) && t->net->hosts[1].accepted->len > 0;
}

static void
push (ShoalUtpSocket *sock,
      GBytes         *what,
      gsize          *sent)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (what, &len);

  while (*sent < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = shoal_transport_send (SHOAL_TRANSPORT (sock), data + *sent, MIN (len - *sent, 100000), &error);

      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          return;
        }
      *sent += (gsize) n;
    }
}

static void
pull (ShoalUtpSocket *sock,
      GByteArray     *got)
{
  guint8 buf[65536];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = shoal_transport_receive (SHOAL_TRANSPORT (sock), buf, sizeof buf, &error);

      if (n <= 0)
        {
          if (n < 0)
            g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          return;
        }
      g_byte_array_append (got, buf, (guint) n);
    }
}

static gboolean
transfer_done (gpointer data)
{
  Transfer *t = data;

  push (t->client, t->payload, &t->c_sent);
  push (t->server, t->reply, &t->s_sent);
  pull (t->server, t->s_got);
  pull (t->client, t->c_got);
  return t->s_got->len == g_bytes_get_size (t->payload) && t->c_got->len == g_bytes_get_size (t->reply);
}

static GBytes *
random_bytes (gsize   len,
              guint32 seed)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) g_rand_int (r);
  return g_bytes_new_take (data, len);
}

static void
run_transfer (guint drop,
              guint reorder,
              guint dup,
              gsize size)
{
  Net *net = net_new ();
  Transfer t = { net };
  g_autoptr(GError) error = NULL;
  ShoalUtpManagerStats stats;
  ShoalUtpSocketStats sstats;

  net->drop_pct = drop;
  net->reorder_pct = reorder;
  net->dup_pct = dup;
  t.client = shoal_utp_manager_connect (net->hosts[0].manager, net->hosts[1].address, &error);
  g_assert_no_error (error);
  g_assert_true (net_run_until (net, connected, &t, 20));
  t.server = net->hosts[1].accepted->pdata[0];
  g_assert_true (shoal_utp_socket_is_incoming (t.server));
  g_assert_false (shoal_utp_socket_is_incoming (t.client));
  g_assert_cmpint (shoal_transport_get_kind (SHOAL_TRANSPORT (t.client)), ==, SHOAL_TRANSPORT_UTP);

  t.payload = random_bytes (size, 1);
  t.reply = random_bytes (size / 4, 2);
  t.c_got = g_byte_array_new ();
  t.s_got = g_byte_array_new ();
  g_assert_true (net_run_until (net, transfer_done, &t, 50));
  g_assert_cmpmem (t.s_got->data, t.s_got->len, g_bytes_get_data (t.payload, NULL), g_bytes_get_size (t.payload));
  g_assert_cmpmem (t.c_got->data, t.c_got->len, g_bytes_get_data (t.reply, NULL), g_bytes_get_size (t.reply));

  shoal_utp_manager_get_stats (net->hosts[0].manager, &stats);
  shoal_utp_socket_get_stats (t.client, &sstats);
  g_test_message ("sent %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT " retransmits (%" G_GUINT64_FORMAT
                  " fast), %" G_GUINT64_FORMAT " timeouts; network dropped %" G_GUINT64_FORMAT
                  "; cwnd %u, packet %u bytes",
                  stats.packets_sent, stats.retransmits, stats.fast_resends, stats.timeouts, net->dropped,
                  sstats.cwnd, sstats.packet_size);
  if (drop > 0)
    {
      /* Recovery is what made it through. */
      g_assert_cmpuint (stats.retransmits, >, 0);
      g_assert_cmpuint (stats.fast_resends + stats.timeouts, >, 0);
    }
  else
    g_assert_cmpuint (stats.retransmits, ==, 0);
  if (reorder > 0 || drop > 0)
    {
      ShoalUtpSocketStats server_stats;

      shoal_utp_socket_get_stats (t.server, &server_stats);
      g_assert_cmpuint (server_stats.out_of_order, >, 0);
    }
  if (dup > 0)
    {
      ShoalUtpSocketStats server_stats;

      shoal_utp_socket_get_stats (t.server, &server_stats);
      g_assert_cmpuint (server_stats.duplicates, >, 0);
    }

  /* Closing: the peer reads the end of the stream. */
  shoal_transport_close (SHOAL_TRANSPORT (t.client));
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gssize n = -1;

    while (g_get_monotonic_time () < deadline)
      {
        guint8 b[16];
        g_autoptr(GError) e = NULL;

        net_pump (net);
        n = shoal_transport_receive (SHOAL_TRANSPORT (t.server), b, sizeof b, &e);
        if (n == 0)
          break;
        g_usleep (1000);
      }
    g_assert_cmpint (n, ==, 0);
  }

  g_bytes_unref (t.payload);
  g_bytes_unref (t.reply);
  g_byte_array_unref (t.c_got);
  g_byte_array_unref (t.s_got);
  g_object_unref (t.client);
  net_free (net);
}

static void
test_transfer_clean (void)
{
  run_transfer (0, 0, 0, 4 * 1024 * 1024);
}

static void
test_transfer_lossy (void)
{
  run_transfer (5, 10, 3, 1024 * 1024);
}

/* Under loss, the receiver's acks carry selective ACKs of any length
 * (libtorrent's): the sender takes them, resends the gap, and the
 * transfer completes instead of stalling. */
static void
test_transfer_lossy_short_sack (void)
{
  span_sacks_like_libtorrent = TRUE;
  run_transfer (5, 0, 0, 1024 * 1024);
  span_sacks_like_libtorrent = FALSE;
}

static void
test_transfer_reorder_duplicate (void)
{
  run_transfer (0, 25, 10, 1024 * 1024);
}

/* Hostile packets */

static void
inject (Net          *net,
        guint         host,
        guint16       from_port,
        ShoalUtpPacket *p,
        const guint8 *payload,
        gsize         payload_len)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new (lo, from_port);
  guint8 buf[2048];
  gsize n = shoal_utp_packet_write_header (p, buf, sizeof buf);

  g_assert_cmpuint (payload_len, <=, sizeof buf - n);
  if (payload_len > 0)
    memcpy (buf + n, payload, payload_len);
  g_assert_true (shoal_utp_manager_handle_datagram (net->hosts[host].manager, G_INET_SOCKET_ADDRESS (from),
                                                    buf, n + payload_len));
}

static gboolean
is_connected (gpointer data)
{
  return shoal_utp_socket_is_connected (data);
}

static void
test_hostile_unknown_ids (void)
{
  Net *net = net_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalUtpSocket) client = shoal_utp_manager_connect (net->hosts[0].manager, net->hosts[1].address, &error);
  ShoalUtpManagerStats before, after;
  g_autoptr(GBytes) payload = random_bytes (200000, 3);
  Transfer t = { net, client };

  g_assert_true (net_run_until (net, is_connected, client, 10));
  shoal_utp_manager_get_stats (net->hosts[1].manager, &before);

  /* Packets for no connection: answered with RESETs, at a bounded rate. */
  for (guint i = 0; i < 2000; i++)
    {
      ShoalUtpPacket p = { 0 };

      p.type = SHOAL_UTP_ST_DATA;
      p.connection_id = (guint16) i;
      p.seq_nr = (guint16) i;
      inject (net, 1, 6881, &p, (const guint8 *) "x", 1);
    }
  shoal_utp_manager_get_stats (net->hosts[1].manager, &after);
  g_assert_cmpuint (after.unknown - before.unknown, >=, 1990);
  g_assert_cmpuint (after.resets_sent - before.resets_sent, <=, 100);
  /* The RESETs name no connection of the client's but maybe by chance:
   * drop them rather than let a lucky ID reset it. */
  g_ptr_array_set_size (net->queue, 0);
  g_assert_true (shoal_utp_socket_is_connected (client));

  /* Still works: a transfer after all this. */
  t.server = net->hosts[1].accepted->pdata[0];
  t.payload = payload;
  t.reply = g_bytes_new_static ("", 0);
  t.c_got = g_byte_array_new ();
  t.s_got = g_byte_array_new ();
  g_assert_true (net_run_until (net, transfer_done, &t, 30));
  g_assert_cmpmem (t.s_got->data, t.s_got->len, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  g_byte_array_unref (t.c_got);
  g_byte_array_unref (t.s_got);
  g_bytes_unref (t.reply);
  net_free (net);
}

/* A fake peer that says yes to the SYN, then acks beyond what we sent and
 * keeps its window shut. */
static void
test_hostile_peer (void)
{
  Net *net = net_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalUtpSocket) client = NULL;
  ShoalUtpPacket syn, p = { 0 };
  g_autoptr(GBytes) big = random_bytes (4 * 1024 * 1024, 4);
  gsize sent = 0;
  gint64 deadline;
  ShoalUtpSocketStats stats;
  gsize len;
  const guint8 *data;
  gboolean failed = FALSE;

  /* Host 1 plays by hand: take its manager off the network. */
  net->captured = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  shoal_utp_manager_set_accept_func (net->hosts[1].manager, NULL, NULL);
  client = shoal_utp_manager_connect (net->hosts[0].manager, net->hosts[1].address, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (net->captured->len, ==, 1);
  data = g_bytes_get_data (net->captured->pdata[0], &len);
  g_assert_true (shoal_utp_packet_parse (&syn, data, len, NULL));
  g_assert_cmpint (syn.type, ==, SHOAL_UTP_ST_SYN);
  g_assert_cmpuint (syn.seq_nr, ==, 1);
  g_ptr_array_set_size (net->queue, 0);

  p.type = SHOAL_UTP_ST_STATE;
  p.connection_id = syn.connection_id;
  p.seq_nr = 1000;
  p.ack_nr = 1;
  p.wnd_size = 0;
  inject (net, 0, 6882, &p, NULL, 0);
  g_assert_true (shoal_utp_socket_is_connected (client));

  /* Acks of data never sent: refused. */
  shoal_utp_socket_get_stats (client, &stats);
  p.ack_nr = 500;
  inject (net, 0, 6882, &p, NULL, 0);
  {
    ShoalUtpSocketStats after;

    shoal_utp_socket_get_stats (client, &after);
    g_assert_cmpuint (after.dropped, ==, stats.dropped + 1);
  }

  /* A window shut for ever: what we queue stays bounded, and the
   * connection gives up in the end. */
  push (client, big, &sent);
  g_assert_cmpuint (sent, <=, 1024 * 1024 + 2 * 1400);
  g_assert_cmpuint (sent, >, 0);
  deadline = g_get_monotonic_time () + 40 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) e = NULL;
      guint8 b[4];

      g_ptr_array_set_size (net->queue, 0);
      p.ack_nr = 1;
      p.timestamp_us = (guint32) g_get_monotonic_time ();
      inject (net, 0, 6882, &p, NULL, 0);
      push (client, big, &sent);
      g_assert_cmpuint (sent, <=, 1024 * 1024 + 2 * 1400);
      g_usleep (5000);
      g_main_context_iteration (NULL, FALSE);
      if (shoal_transport_receive (SHOAL_TRANSPORT (client), b, sizeof b, &e) < 0 &&
          !g_error_matches (e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_assert_error (e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
          failed = TRUE;
          break;
        }
    }
  g_assert_true (failed);
  /* What went out while the window was shut: one probe at a time. */
  shoal_utp_socket_get_stats (client, &stats);
  g_assert_cmpuint (stats.bytes_sent, <=, 2 * 1400);
  net_free (net);
}

static void
test_syn_flood (void)
{
  Net *net = net_new ();
  ShoalUtpManagerStats stats;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalUtpSocket) client = NULL;

  shoal_utp_manager_set_max_sockets (net->hosts[1].manager, 64);
  for (guint i = 0; i < 5000; i++)
    {
      ShoalUtpPacket p = { 0 };

      p.type = SHOAL_UTP_ST_SYN;
      p.connection_id = (guint16) g_random_int ();
      p.seq_nr = 1;
      inject (net, 1, (guint16) (10000 + i), &p, NULL, 0);
    }
  shoal_utp_manager_get_stats (net->hosts[1].manager, &stats);
  g_assert_cmpuint (stats.n_sockets, <=, 64);
  g_assert_cmpuint (net->hosts[1].accepted->len, <=, 64);
  g_assert_cmpuint (stats.refused, >=, 5000 - 64);
  g_assert_cmpuint (stats.resets_sent, <=, 100);

  /* Once the flood's connections are closed, a real one gets in. */
  for (guint i = 0; i < net->hosts[1].accepted->len; i++)
    shoal_transport_close (SHOAL_TRANSPORT (net->hosts[1].accepted->pdata[i]));
  g_ptr_array_set_size (net->hosts[1].accepted, 0);
  g_ptr_array_set_size (net->queue, 0);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    do
      {
        g_usleep (5000);
        g_main_context_iteration (NULL, FALSE);
        g_ptr_array_set_size (net->queue, 0);
        shoal_utp_manager_get_stats (net->hosts[1].manager, &stats);
      }
    while (stats.n_sockets > 0 && g_get_monotonic_time () < deadline);
    g_assert_cmpuint (stats.n_sockets, ==, 0);
  }
  client = shoal_utp_manager_connect (net->hosts[0].manager, net->hosts[1].address, &error);
  g_assert_no_error (error);
  g_assert_true (net_run_until (net, is_connected, client, 10));
  net_free (net);
}

static gboolean
has_failed (gpointer data)
{
  guint8 b[4];
  g_autoptr(GError) e = NULL;

  return shoal_transport_receive (SHOAL_TRANSPORT (data), b, sizeof b, &e) < 0 &&
         !g_error_matches (e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void
test_refused_and_timeout (void)
{
  Net *net = net_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalUtpSocket) refused = NULL;
  g_autoptr(ShoalUtpSocket) lost = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) nowhere = g_inet_socket_address_new (lo, 9);
  gint64 started;

  net->hosts[1].refuse = TRUE;
  refused = shoal_utp_manager_connect (net->hosts[0].manager, net->hosts[1].address, &error);
  g_assert_true (net_run_until (net, has_failed, refused, 10));
  g_assert_false (shoal_transport_check_connected (SHOAL_TRANSPORT (refused), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* Nobody there: the SYN is tried a few times, quickly. */
  started = g_get_monotonic_time ();
  lost = shoal_utp_manager_connect (net->hosts[0].manager, G_INET_SOCKET_ADDRESS (nowhere), &error);
  g_assert_true (net_run_until (net, has_failed, lost, 10));
  g_assert_false (shoal_transport_check_connected (SHOAL_TRANSPORT (lost), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  net_free (net);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/utp/packet-roundtrip", test_packet_roundtrip);
  g_test_add_func ("/engine/utp/packet-hostile", test_packet_hostile);
  g_test_add_func ("/engine/utp/transfer-clean", test_transfer_clean);
  g_test_add_func ("/engine/utp/transfer-lossy", test_transfer_lossy);
  g_test_add_func ("/engine/utp/transfer-lossy-short-sack", test_transfer_lossy_short_sack);
  g_test_add_func ("/engine/utp/transfer-reorder-duplicate", test_transfer_reorder_duplicate);
  g_test_add_func ("/engine/utp/hostile-unknown-ids", test_hostile_unknown_ids);
  g_test_add_func ("/engine/utp/hostile-peer", test_hostile_peer);
  g_test_add_func ("/engine/utp/syn-flood", test_syn_flood);
  g_test_add_func ("/engine/utp/refused-and-timeout", test_refused_and_timeout);
  return g_test_run ();
}
