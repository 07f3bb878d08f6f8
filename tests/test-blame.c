/* test-blame.c: blame for corrupt data reaches the address that sent it,
 * even after it hung up, and never another peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Scripted peers connect to a downloading session from 127.0.0.2 (the bad
 * host) and 127.0.0.3 (a good one), answer its requests with garbage or
 * with the real data, and hang up before the piece they sent part of is
 * complete. The field report was a review of shoal-torrent-peers.c: who
 * sent a block was recorded as the connection's pointer and looked up
 * among the live connections when the piece failed its hash check, so a
 * peer that hung up first escaped every strike and every ban (and a new
 * connection given the freed memory took them instead).
 */
#include "config.h"

#include <string.h>

#include "session-fixture.h"

#define WAIT_S    20
#define N_PIECES  6u
#define PIECE_LEN (32u * 1024u)   /* two blocks */
#define BLOCK_LEN (16u * 1024u)
#define BAD_IP    "127.0.0.2"
#define GOOD_IP   "127.0.0.3"

/* Message ids (BEP 3, BEP 6) */
#define MSG_UNCHOKE   1
#define MSG_HAVE      4
#define MSG_BITFIELD  5
#define MSG_REQUEST   6
#define MSG_PIECE     7
#define MSG_HAVE_ALL  14
#define MSG_HAVE_NONE 15
#define MSG_EXTENDED  20

/* Our ut_metadata id (in the extension handshake we send), and the one the
 * session receives ut_metadata messages with (its `m` dictionary). */
#define OUR_UT_METADATA     3
#define SHOAL_UT_METADATA   1
#define METADATA_SIZE       4000

#define MAX_MESSAGE   (BLOCK_LEN + 64)

typedef struct
{
  char      *tmp;
  SfTorrent *data;
  SfNode    *node;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  /* One file whose last piece is short. */
  static const guint64 lengths[] = { (guint64) N_PIECES * PIECE_LEN - 1234 };
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("shoal-blame-XXXXXX", &error);
  g_assert_no_error (error);
  f->data = sf_torrent_new ("blame", lengths, G_N_ELEMENTS (lengths), PIECE_LEN, 17);
  f->node = sf_node_new (f->tmp, "node");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  g_clear_pointer (&f->node, sf_node_free);
  g_clear_pointer (&f->data, sf_torrent_free);
  sf_rm_rf (f->tmp);
  g_free (f->tmp);
}

typedef struct
{
  guint32 piece;
  guint32 begin;
} Request;

/* A peer on a loopback address of its own that writes what the test tells
 * it, notes the requests it gets, and with @serve answers each of them with
 * the real data. Writes are queued and written asynchronously: the session
 * runs on the same main loop. */
typedef struct
{
  GSocketConnection *conn;
  GCancellable      *cancellable;
  GBytes            *serve;        /* the piece stream, or NULL */
  guint8             buf[16384];
  GByteArray        *in;
  GByteArray        *out;          /* queued, not yet being written */
  GByteArray        *writing;
  GArray            *requests;     /* of Request */
  gboolean           lie_metadata; /* answers metadata requests with garbage */
  guint              n_metadata_requests;
  gboolean           got_handshake;
  gboolean           closed;
} RawPeer;

static void raw_flush (RawPeer *raw);

static void
raw_write_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RawPeer *raw = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* raw is gone */
      raw->closed = TRUE;
    }
  g_clear_pointer (&raw->writing, g_byte_array_unref);
  raw_flush (raw);
}

static void
raw_flush (RawPeer *raw)
{
  if (raw->writing != NULL || raw->out->len == 0 || raw->closed)
    return;
  raw->writing = raw->out;
  raw->out = g_byte_array_new ();
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (raw->conn)),
                                   raw->writing->data, raw->writing->len, G_PRIORITY_DEFAULT,
                                   raw->cancellable, raw_write_cb, raw);
}

static void
put_be32 (GByteArray *out,
          guint32     v)
{
  guint8 be[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8), (guint8) v };

  g_byte_array_append (out, be, sizeof be);
}

static guint32
get_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
raw_send (RawPeer      *raw,
          guint8        id,
          const guint8 *payload,
          guint32       len)
{
  put_be32 (raw->out, len + 1);
  g_byte_array_append (raw->out, &id, 1);
  if (len > 0)
    g_byte_array_append (raw->out, payload, len);
  raw_flush (raw);
}

/* A piece message with the real data of that block, or with every byte of
 * it flipped. */
static void
raw_send_block (RawPeer  *raw,
                GBytes   *content,
                guint32   piece,
                guint32   begin,
                guint32   length,
                gboolean  corrupt)
{
  gsize size;
  const guint8 *all = g_bytes_get_data (content, &size);
  guint64 off = (guint64) piece * PIECE_LEN + begin;
  guint8 id = MSG_PIECE;

  g_assert_cmpuint (off + length, <=, size);
  put_be32 (raw->out, 9 + length);
  g_byte_array_append (raw->out, &id, 1);
  put_be32 (raw->out, piece);
  put_be32 (raw->out, begin);
  for (guint32 i = 0; i < length; i++)
    {
      guint8 b = corrupt ? (guint8) ~all[off + i] : all[off + i];

      g_byte_array_append (raw->out, &b, 1);
    }
  raw_flush (raw);
}

static void
raw_message (RawPeer      *raw,
             const guint8 *msg,
             guint32       len)
{
  if (len == 13 && msg[0] == MSG_REQUEST)
    {
      Request r = { get_be32 (msg + 1), get_be32 (msg + 5) };
      guint32 length = get_be32 (msg + 9);

      g_array_append_val (raw->requests, r);
      if (raw->serve != NULL)
        raw_send_block (raw, raw->serve, r.piece, r.begin, length, FALSE);
    }
  else if (len >= 2 && msg[0] == MSG_EXTENDED && msg[1] == OUR_UT_METADATA)
    {
      static const char request[] = "d8:msg_typei0e5:piecei0ee";

      raw->n_metadata_requests++;
      if (raw->lie_metadata && len - 2 == strlen (request) && memcmp (msg + 2, request, len - 2) == 0)
        {
          g_autofree char *head = g_strdup_printf ("%cd8:msg_typei1e5:piecei0e10:total_sizei%uee",
                                                   SHOAL_UT_METADATA, METADATA_SIZE);
          g_autofree guint8 *junk = g_malloc (METADATA_SIZE);

          memset (junk, 'x', METADATA_SIZE);
          put_be32 (raw->out, 1 + (guint32) strlen (head) + METADATA_SIZE);
          g_byte_array_append (raw->out, (const guint8[]) { MSG_EXTENDED }, 1);
          g_byte_array_append (raw->out, (const guint8 *) head, (guint) strlen (head));
          g_byte_array_append (raw->out, junk, METADATA_SIZE);
          raw_flush (raw);
        }
    }
}

static void
raw_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RawPeer *raw = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      /* Cancelled (raw is gone then), EOF or reset. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        raw->closed = TRUE;
      return;
    }
  g_byte_array_append (raw->in, raw->buf, (guint) n);
  if (!raw->got_handshake && raw->in->len >= 68)
    {
      raw->got_handshake = TRUE;
      g_byte_array_remove_range (raw->in, 0, 68);
    }
  while (raw->got_handshake && raw->in->len >= 4)
    {
      guint32 len = get_be32 (raw->in->data);

      g_assert_cmpuint (len, <=, MAX_MESSAGE);
      if (raw->in->len < 4 + len)
        break;
      if (len > 0)
        raw_message (raw, raw->in->data + 4, len);
      g_byte_array_remove_range (raw->in, 0, 4 + len);
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), raw->buf, sizeof raw->buf, G_PRIORITY_DEFAULT,
                             raw->cancellable, raw_read_cb, raw);
}

/* Connects from @ip (a loopback address) and sends a handshake with the
 * Fast extension (BEP 6). */
static RawPeer *
raw_peer_connect_full (Fixture    *f,
                       const char *ip,
                       const char *peer_id,
                       gboolean    extended)
{
  /* The Fast extension (BEP 6), and the extension protocol (BEP 10). */
  const guint8 reserved[8] = { 0, 0, 0, 0, 0, extended ? 0x10 : 0, 0, 0x04 };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) local_ip = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (local_ip, 0);
  g_autoptr(GError) error = NULL;
  RawPeer *raw = g_new0 (RawPeer, 1);

  g_assert_cmpuint (strlen (peer_id), ==, 20);
  raw->cancellable = g_cancellable_new ();
  raw->in = g_byte_array_new ();
  raw->out = g_byte_array_new ();
  raw->requests = g_array_new (FALSE, FALSE, sizeof (Request));
  g_socket_client_set_local_address (client, local);
  raw->conn = g_socket_client_connect_to_host (client, "127.0.0.1",
                                               shoal_session_get_listen_port (f->node->session),
                                               NULL, &error);
  g_assert_no_error (error);
  g_byte_array_append (raw->out, (const guint8 *) "\x13" "BitTorrent protocol", 20);
  g_byte_array_append (raw->out, reserved, sizeof reserved);
  g_byte_array_append (raw->out, shoal_metainfo_get_info_hash_v1 (f->data->info), 20);
  g_byte_array_append (raw->out, (const guint8 *) peer_id, 20);
  raw_flush (raw);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (raw->conn)), raw->buf, sizeof raw->buf,
                             G_PRIORITY_DEFAULT, raw->cancellable, raw_read_cb, raw);
  return raw;
}

static RawPeer *
raw_peer_connect (Fixture    *f,
                  const char *ip,
                  const char *peer_id)
{
  return raw_peer_connect_full (f, ip, peer_id, FALSE);
}

/* Says it has @piece only, and unchokes. */
static void
raw_offer_piece (RawPeer *raw,
                 guint    piece)
{
  guint8 bits[(N_PIECES + 7) / 8] = { 0 };

  bits[piece / 8] |= (guint8) (0x80 >> (piece % 8));
  raw_send (raw, MSG_BITFIELD, bits, sizeof bits);
  raw_send (raw, MSG_UNCHOKE, NULL, 0);
}

static gboolean
raw_was_asked (RawPeer *raw,
               guint32  piece,
               guint32  begin)
{
  for (guint i = 0; i < raw->requests->len; i++)
    {
      const Request *r = &g_array_index (raw->requests, Request, i);

      if (r->piece == piece && r->begin == begin)
        return TRUE;
    }
  return FALSE;
}

static void
raw_peer_free (RawPeer *raw)
{
  g_cancellable_cancel (raw->cancellable);
  g_io_stream_close (G_IO_STREAM (raw->conn), NULL, NULL);
  g_clear_object (&raw->conn);
  g_clear_object (&raw->cancellable);
  g_clear_pointer (&raw->in, g_byte_array_unref);
  g_clear_pointer (&raw->out, g_byte_array_unref);
  g_clear_pointer (&raw->writing, g_byte_array_unref);
  g_clear_pointer (&raw->requests, g_array_unref);
  g_free (raw);
}

static ShoalTorrent *
add_downloading (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ShoalTorrent *t;

  t = shoal_session_add_torrent (f->node->session, f->data->info, f->node->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  return t;
}

/* Connects again from @ip, as a peer that has nothing (which a seeding
 * torrent keeps too): a banned address gets no handshake back, only a
 * hang-up. */
static RawPeer *
raw_peer_knock (Fixture    *f,
                const char *ip,
                const char *peer_id)
{
  RawPeer *raw = raw_peer_connect (f, ip, peer_id);

  raw_send (raw, MSG_HAVE_NONE, NULL, 0);
  return raw;
}

/* The bad peer sends a corrupt block and hangs up; a good peer then sends
 * the rest of the piece, which fails, and all of it again, which passes:
 * the block the bad peer sent differs from the good data, so its address
 * is banned, and only its address. */
static void
test_gone_before_check (Fixture       *f,
                        gconstpointer  user_data)
{
  const guint piece = 1;
  ShoalTorrent *t = add_downloading (f);
  RawPeer *bad, *good;

  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_DOWNLOADING, WAIT_S);
  bad = raw_peer_connect (f, BAD_IP, "-XX0001-bad-and-gone");
  raw_offer_piece (bad, piece);
  SF_WAIT (raw_was_asked (bad, piece, 0), WAIT_S);
  raw_send_block (bad, f->data->content, piece, 0, BLOCK_LEN, TRUE);
  SF_WAIT (shoal_torrent_get_downloaded (t) >= BLOCK_LEN, WAIT_S);
  raw_peer_free (bad);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);

  good = raw_peer_connect (f, GOOD_IP, "-XX0001-good-seed---");
  good->serve = f->data->content;
  raw_send (good, MSG_HAVE_ALL, NULL, 0);
  raw_send (good, MSG_UNCHOKE, NULL, 0);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);
  sf_torrent_assert_files (f->data, f->node->data_dir);
  /* The bad piece came twice from the good peer. */
  g_assert_cmpuint (shoal_torrent_get_downloaded (t), >, (guint64) N_PIECES * PIECE_LEN - 1234 + BLOCK_LEN);
  raw_peer_free (good);

  bad = raw_peer_knock (f, BAD_IP, "-XX0001-bad-is-back-");
  SF_WAIT (bad->closed || bad->got_handshake, WAIT_S);
  g_assert_false (bad->got_handshake);
  raw_peer_free (bad);
  good = raw_peer_knock (f, GOOD_IP, "-XX0001-good-is-back");
  SF_WAIT (good->closed || good->got_handshake, WAIT_S);
  g_assert_true (good->got_handshake);
  raw_peer_free (good);
}

/* For each of SHOAL_TORRENT_MAX_BAD_PIECES (3) pieces, one connection from
 * the bad host sends a corrupt block and hangs up, and another one from the
 * same host sends the other block, completing the piece, which fails. Each
 * piece is a whole strike against the host (two halves), not half of one:
 * after the third, it is banned, and its connection is closed. */
static void
test_strikes_outlive_connection (Fixture       *f,
                                 gconstpointer  user_data)
{
  ShoalTorrent *t = add_downloading (f);
  RawPeer *again;

  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_DOWNLOADING, WAIT_S);
  for (guint piece = 0; piece < 3; piece++)
    {
      g_autofree char *id_a = g_strdup_printf ("-XX0001-first-half-%u", piece);
      g_autofree char *id_b = g_strdup_printf ("-XX0001-other-half-%u", piece);
      guint64 before = shoal_torrent_get_downloaded (t);
      RawPeer *a, *b;

      /* The second connection is made first, while the first is alive: no
       * connection of the test can be given the memory of another. */
      b = raw_peer_connect (f, BAD_IP, id_b);
      raw_send (b, MSG_HAVE_NONE, NULL, 0);
      raw_send (b, MSG_UNCHOKE, NULL, 0);
      SF_WAIT (shoal_torrent_get_n_connected (t) == 1, WAIT_S);

      a = raw_peer_connect (f, BAD_IP, id_a);
      raw_offer_piece (a, piece);
      SF_WAIT (raw_was_asked (a, piece, 0), WAIT_S);
      raw_send_block (a, f->data->content, piece, 0, BLOCK_LEN, TRUE);
      SF_WAIT (shoal_torrent_get_downloaded (t) >= before + BLOCK_LEN, WAIT_S);
      raw_peer_free (a);
      SF_WAIT (shoal_torrent_get_n_connected (t) == 1, WAIT_S);

      raw_send (b, MSG_HAVE, (const guint8[]) { 0, 0, 0, (guint8) piece }, 4);
      SF_WAIT (raw_was_asked (b, piece, BLOCK_LEN), WAIT_S);
      raw_send_block (b, f->data->content, piece, BLOCK_LEN, BLOCK_LEN, TRUE);
      /* The piece failed: the session asks for its first block again, or
       * (the third time) bans the host. */
      SF_WAIT (raw_was_asked (b, piece, 0) || b->closed, WAIT_S);
      if (piece < 2)
        g_assert_false (b->closed);
      else
        g_assert_true (b->closed);
      raw_peer_free (b);
      SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
    }

  again = raw_peer_knock (f, BAD_IP, "-XX0001-bad-is-back-");
  SF_WAIT (again->closed || again->got_handshake, WAIT_S);
  g_assert_false (again->got_handshake);
  raw_peer_free (again);
}

/* A peer that says it has the metadata sends garbage for it. The fetcher
 * knows it alone sent what failed the info-hash: its address is banned,
 * not only that connection, or it comes back for another try (up to
 * 32 MiB of assembly each time). */
static void
test_bad_metadata (Fixture       *f,
                   gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->data->info);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s", hex);
  g_autofree char *ext = g_strdup_printf ("d1:md11:ut_metadatai%uee13:metadata_sizei%uee",
                                          OUR_UT_METADATA, METADATA_SIZE);
  ShoalTorrent *t;
  RawPeer *liar, *again;

  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  t = shoal_session_add_magnet (f->node->session, magnet, f->node->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);

  liar = raw_peer_connect_full (f, BAD_IP, "-XX0001-meta-liar---", TRUE);
  liar->lie_metadata = TRUE;
  put_be32 (liar->out, 2 + (guint32) strlen (ext));
  g_byte_array_append (liar->out, (const guint8[]) { MSG_EXTENDED, 0 }, 2);
  g_byte_array_append (liar->out, (const guint8 *) ext, (guint) strlen (ext));
  raw_flush (liar);
  SF_WAIT (liar->n_metadata_requests > 0, WAIT_S);
  SF_WAIT (liar->closed, WAIT_S);
  raw_peer_free (liar);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);

  again = raw_peer_knock (f, BAD_IP, "-XX0001-liar-is-back");
  SF_WAIT (again->closed || again->got_handshake, WAIT_S);
  g_assert_false (again->got_handshake);
  raw_peer_free (again);
}

/* Accepts connections on a loopback address and holds them, saying
 * nothing. */
typedef struct
{
  GSocketListener *listener;
  GCancellable    *cancellable;
  GPtrArray       *accepted;
  guint16          port;
} Listener;

static void
listener_accept_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Listener *l = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);

  if (conn == NULL)
    return; /* cancelled: l is gone */
  g_ptr_array_add (l->accepted, conn);
  g_socket_listener_accept_async (l->listener, l->cancellable, listener_accept_cb, l);
}

static Listener *
listener_new (const char *ip)
{
  Listener *l = g_new0 (Listener, 1);
  g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (addr, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  l->listener = g_socket_listener_new ();
  l->cancellable = g_cancellable_new ();
  l->accepted = g_ptr_array_new_with_free_func (g_object_unref);
  g_socket_listener_add_address (l->listener, any_port, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &bound, &error);
  g_assert_no_error (error);
  l->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_listener_accept_async (l->listener, l->cancellable, listener_accept_cb, l);
  return l;
}

static void
listener_free (Listener *l)
{
  g_cancellable_cancel (l->cancellable);
  g_socket_listener_close (l->listener);
  g_clear_object (&l->listener);
  g_clear_object (&l->cancellable);
  g_ptr_array_unref (l->accepted);
  g_free (l);
}

/* The torrent knows the bad host as a peer to dial (from a tracker, say),
 * and is connected to it when the host is banned for another connection's
 * data. That connection is closed too, and the address is never dialled
 * again: the one dial back, after the back-off (30 s), would be the ban
 * not holding. */
static void
test_banned_not_dialled (Fixture       *f,
                         gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->data->info);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s", hex);
  g_autofree char *ext = g_strdup_printf ("d1:md11:ut_metadatai%uee13:metadata_sizei%uee",
                                          OUR_UT_METADATA, METADATA_SIZE);
  g_autofree char *listening = NULL;
  Listener *l = listener_new (BAD_IP);
  ShoalTorrent *t;
  RawPeer *liar;
  gint64 until;

  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  t = shoal_session_add_magnet (f->node->session, magnet, f->node->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  listening = g_strdup_printf ("%s:%u", BAD_IP, l->port);
  g_assert_true (shoal_torrent_add_peer (t, listening, &error));
  g_assert_no_error (error);
  SF_WAIT (l->accepted->len == 1, WAIT_S);

  liar = raw_peer_connect_full (f, BAD_IP, "-XX0001-meta-liar---", TRUE);
  liar->lie_metadata = TRUE;
  put_be32 (liar->out, 2 + (guint32) strlen (ext));
  g_byte_array_append (liar->out, (const guint8[]) { MSG_EXTENDED, 0 }, 2);
  g_byte_array_append (liar->out, (const guint8 *) ext, (guint) strlen (ext));
  raw_flush (liar);
  SF_WAIT (liar->closed, WAIT_S);
  raw_peer_free (liar);

  /* The back-off is 30 s, and the torrent ticks once a second. */
  until = g_get_monotonic_time () + 40 * G_USEC_PER_SEC;
  SF_WAIT (l->accepted->len > 1 || g_get_monotonic_time () > until, 60);
  g_assert_cmpuint (l->accepted->len, ==, 1);
  listener_free (l);
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/engine/blame/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("gone-before-check", test_gone_before_check);
  ADD ("strikes-outlive-connection", test_strikes_outlive_connection);
  ADD ("bad-metadata", test_bad_metadata);
  ADD ("banned-not-dialled", test_banned_not_dialled);
#undef ADD

  return g_test_run ();
}
