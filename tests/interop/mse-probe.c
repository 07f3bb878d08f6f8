/* mse-probe.c: one Message Stream Encryption handshake against a real peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   mse-probe connect HOST PORT INFO_HASH_HEX N_PIECES POLICY
 *   mse-probe listen HOST INFO_HASH_HEX N_PIECES POLICY
 *
 * POLICY is prefer, require or allow-plaintext. "connect" plays the
 * initiator: it sends the BitTorrent handshake as the initial payload (IA)
 * and expects the peer's handshake then a bitfield with all N_PIECES
 * pieces (a seed). "listen" prints "port N", accepts one connection, plays
 * the receiver, expects the peer's handshake and a full bitfield, and
 * answers with its own handshake. Both print "method rc4|plaintext" and
 * exit 0 when everything checked out; otherwise they say why on stderr and
 * exit 1. Driven by test-mse.py; every read has a 15 s timeout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "shoal-hash.h"
#include "shoal-mse.h"

#define HANDSHAKE_LEN 68

typedef struct
{
  GSocketConnection *conn;
  ShoalMse          *mse;
  guint8             info_hash[SHOAL_MSE_HASH_LEN];
  guint              n_pieces;
  GByteArray        *app;    /* decrypted bytes after the MSE handshake */
} Probe;

static void G_GNUC_NORETURN G_GNUC_PRINTF (1, 2)
die (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "mse-probe: ");
  vfprintf (stderr, format, args);
  fprintf (stderr, "\n");
  va_end (args);
  exit (1);
}

static void
send_bytes (Probe        *p,
            const guint8 *data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (p->conn));

  if (len > 0 && !g_output_stream_write_all (out, data, len, NULL, NULL, &error))
    die ("send: %s", error->message);
}

static gsize
recv_some (Probe  *p,
           guint8 *buf,
           gsize   size)
{
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (p->conn));
  gssize n = g_input_stream_read (in, buf, size, NULL, &error);

  if (n < 0)
    die ("receive: %s", error->message);
  if (n == 0)
    die ("the peer closed the connection");
  return (gsize) n;
}

static void
build_handshake (const guint8  info_hash[SHOAL_MSE_HASH_LEN],
                 guint8        out[HANDSHAKE_LEN])
{
  static const char peer_id_prefix[] = "-SH0010-";

  out[0] = 19;
  memcpy (out + 1, "BitTorrent protocol", 19);
  memset (out + 20, 0, 8);
  memcpy (out + 28, info_hash, SHOAL_MSE_HASH_LEN);
  memcpy (out + 48, peer_id_prefix, 8);
  for (guint i = 56; i < HANDSHAKE_LEN; i++)
    out[i] = 'a' + g_random_int_range (0, 26);
}

/* Runs the MSE handshake to the end, sending what it produces. */
static void
run_mse (Probe *p)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  guint8 buf[4096];
  ShoalMseStatus status = SHOAL_MSE_STATUS_NEED_MORE;

  while (status == SHOAL_MSE_STATUS_NEED_MORE)
    {
      g_autoptr(GError) error = NULL;
      gsize n = recv_some (p, buf, sizeof buf);

      status = shoal_mse_feed (p->mse, buf, n, out, &error);
      if (status == SHOAL_MSE_STATUS_FAILED)
        die ("MSE handshake: %s", error->message);
      send_bytes (p, out->data, out->len);
      g_byte_array_set_size (out, 0);
    }
  payload = shoal_mse_steal_payload (p->mse);
  g_byte_array_append (p->app, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
}

/* Reads and decrypts until @want bytes of application data are there. */
static void
app_need (Probe *p,
          gsize  want)
{
  guint8 buf[4096];

  while (p->app->len < want)
    {
      gsize n = recv_some (p, buf, sizeof buf);

      shoal_mse_decrypt (p->mse, buf, n);
      g_byte_array_append (p->app, buf, n);
    }
}

static void
check_handshake (Probe *p)
{
  g_autofree char *got = NULL;

  app_need (p, HANDSHAKE_LEN);
  if (p->app->data[0] != 19 || memcmp (p->app->data + 1, "BitTorrent protocol", 19) != 0)
    die ("the peer's handshake does not start with \\x13BitTorrent protocol");
  if (memcmp (p->app->data + 28, p->info_hash, SHOAL_MSE_HASH_LEN) != 0)
    {
      got = shoal_hex_encode (p->app->data + 28, SHOAL_MSE_HASH_LEN);
      die ("the peer's handshake is for %s", got);
    }
  printf ("handshake ok, peer id %.8s\n", (const char *) p->app->data + 48);
  g_byte_array_remove_range (p->app, 0, HANDSHAKE_LEN);
}

/* Skips keep-alives and extension messages; the first other message must be
 * a bitfield with every piece (or HAVE_ALL, had we offered the fast
 * extension, which we do not). */
static void
check_bitfield (Probe *p)
{
  for (guint i = 0; i < 16; i++)
    {
      guint32 len;
      guint8 id;

      app_need (p, 4);
      len = ((guint32) p->app->data[0] << 24) | ((guint32) p->app->data[1] << 16) |
            ((guint32) p->app->data[2] << 8) | p->app->data[3];
      if (len > (1u << 20))
        die ("message of %u bytes: the stream did not decrypt", len);
      app_need (p, 4 + (gsize) len);
      id = len > 0 ? p->app->data[4] : 0;
      if (len > 0 && id == 5)
        {
          gsize expected = (p->n_pieces + 7) / 8;
          const guint8 *bits = p->app->data + 5;

          if (len - 1 != expected)
            die ("bitfield of %u bytes, expected %" G_GSIZE_FORMAT, len - 1, expected);
          for (guint k = 0; k < p->n_pieces; k++)
            if ((bits[k / 8] & (0x80 >> (k % 8))) == 0)
              die ("the seed lacks piece %u", k);
          for (guint k = p->n_pieces; k < expected * 8; k++)
            if ((bits[k / 8] & (0x80 >> (k % 8))) != 0)
              die ("spare bit %u is set", k);
          printf ("bitfield ok, %u pieces\n", p->n_pieces);
          return;
        }
      if (len > 0 && id != 20)
        die ("expected a bitfield, got message %u", id);
      g_byte_array_remove_range (p->app, 0, 4 + len);
    }
  die ("no bitfield");
}

static ShoalEncryptionPolicy
parse_policy (const char *s)
{
  if (g_str_equal (s, "prefer"))
    return SHOAL_ENCRYPTION_PREFER;
  if (g_str_equal (s, "require"))
    return SHOAL_ENCRYPTION_REQUIRE;
  if (g_str_equal (s, "allow-plaintext"))
    return SHOAL_ENCRYPTION_ALLOW_PLAINTEXT;
  die ("unknown policy %s", s);
}

static gboolean
find_torrent_cb (const guint8 req2[SHOAL_MSE_HASH_LEN],
                 guint8       info_hash_out[SHOAL_MSE_HASH_LEN],
                 gpointer     user_data)
{
  Probe *p = user_data;
  guint8 h[SHOAL_MSE_HASH_LEN];

  shoal_mse_req2_hash (p->info_hash, h);
  if (memcmp (h, req2, sizeof h) != 0)
    return FALSE;
  memcpy (info_hash_out, p->info_hash, SHOAL_MSE_HASH_LEN);
  return TRUE;
}

static void
print_method (Probe *p)
{
  printf ("method %s\n", shoal_mse_get_method (p->mse) == SHOAL_MSE_METHOD_RC4 ? "rc4" : "plaintext");
  fflush (stdout);
}

static void
run_connect (Probe                *p,
             const char           *host,
             guint16               port,
             ShoalEncryptionPolicy policy)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 hs[HANDSHAKE_LEN];

  g_socket_client_set_timeout (client, 15);
  p->conn = g_socket_client_connect_to_host (client, host, port, NULL, &error);
  if (p->conn == NULL)
    die ("connect: %s", error->message);

  p->mse = shoal_mse_new_initiator (p->info_hash, policy);
  build_handshake (p->info_hash, hs);
  shoal_mse_start (p->mse, hs, sizeof hs, out);
  send_bytes (p, out->data, out->len);
  run_mse (p);
  print_method (p);
  check_handshake (p);
  check_bitfield (p);
}

static void
run_listen (Probe                *p,
            const char           *host,
            ShoalEncryptionPolicy policy)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint8 first[20];
  gsize have = 0;
  guint8 hs[HANDSHAKE_LEN];
  g_autoptr(GByteArray) out = g_byte_array_new ();
  ShoalMseStatus status;

  if (addr == NULL)
    die ("not an address: %s", host);
  sa = g_inet_socket_address_new (addr, 0);
  if (!g_socket_listener_add_address (listener, sa, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    die ("listen: %s", error->message);
  printf ("port %u\n", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  fflush (stdout);

  p->conn = g_socket_listener_accept (listener, NULL, NULL, &error);
  if (p->conn == NULL)
    die ("accept: %s", error->message);
  g_socket_set_timeout (g_socket_connection_get_socket (p->conn), 15);

  /* Look at the first bytes the way a session would. */
  for (;;)
    {
      ShoalMseDetect d = shoal_mse_detect (first, have);

      if (d == SHOAL_MSE_DETECT_PLAINTEXT)
        {
          if (!shoal_encryption_policy_accepts_plaintext (policy))
            die ("refused a plaintext handshake");
          die ("the peer sent a plaintext handshake; this probe only speaks MSE");
        }
      if (d == SHOAL_MSE_DETECT_ENCRYPTED)
        break;
      have += recv_some (p, first + have, 1);
    }

  p->mse = shoal_mse_new_receiver (policy, find_torrent_cb, p);
  status = shoal_mse_feed (p->mse, first, have, out, &error);
  if (status == SHOAL_MSE_STATUS_FAILED)
    die ("MSE handshake: %s", error->message);
  send_bytes (p, out->data, out->len);
  if (status == SHOAL_MSE_STATUS_NEED_MORE)
    run_mse (p);
  else
    {
      g_autoptr(GBytes) payload = shoal_mse_steal_payload (p->mse);

      g_byte_array_append (p->app, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
    }
  print_method (p);
  check_handshake (p);

  build_handshake (p->info_hash, hs);
  shoal_mse_encrypt (p->mse, hs, sizeof hs);
  send_bytes (p, hs, sizeof hs);
  check_bitfield (p);
}

int
main (int   argc,
      char *argv[])
{
  Probe p = { 0 };
  const char *hash_hex;

  if (argc == 7 && g_str_equal (argv[1], "connect"))
    hash_hex = argv[4];
  else if (argc == 6 && g_str_equal (argv[1], "listen"))
    hash_hex = argv[3];
  else
    die ("usage: mse-probe connect HOST PORT INFO_HASH N_PIECES POLICY | "
         "listen HOST INFO_HASH N_PIECES POLICY");

  if (!shoal_hex_decode (hash_hex, strlen (hash_hex), p.info_hash, sizeof p.info_hash))
    die ("bad info-hash %s", hash_hex);
  p.app = g_byte_array_new ();

  if (g_str_equal (argv[1], "connect"))
    {
      p.n_pieces = (guint) g_ascii_strtoull (argv[5], NULL, 10);
      run_connect (&p, argv[2], (guint16) g_ascii_strtoull (argv[3], NULL, 10), parse_policy (argv[6]));
    }
  else
    {
      p.n_pieces = (guint) g_ascii_strtoull (argv[4], NULL, 10);
      run_listen (&p, argv[2], parse_policy (argv[5]));
    }

  g_clear_pointer (&p.mse, shoal_mse_free);
  g_clear_object (&p.conn);
  g_byte_array_unref (p.app);
  return 0;
}
