/* test-peer-availability.c: what peers say they have, counted exactly once,
 * whatever order they say it in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A scripted peer on 127.0.0.1 connects to a session and sends have,
 * bitfield, have-all and have-none messages in the orders real clients use
 * (a have with no bitfield before it, a bitfield after haves, aria2's
 * bitfields in the middle of a transfer) and hangs up; the torrent's piece
 * availability must follow exactly, and nothing may log a critical (the
 * test environment makes them fatal). The field report was a seeder
 * logging `shoal_piece_picker_peer_remove_bitfield: assertion
 * 'self->n_bitfield_peers > 0' failed` when a leecher went away.
 */
#include "config.h"

#include <string.h>

#include "session-fixture.h"

#define WAIT_S    20
#define N_PIECES  24u
#define PIECE_LEN (16u * 1024u)

/* Message ids (BEP 3, BEP 6) */
#define MSG_HAVE      4
#define MSG_BITFIELD  5
#define MSG_HAVE_ALL  14
#define MSG_HAVE_NONE 15

typedef struct
{
  char      *tmp;
  SfTorrent *data;
  SfNode    *node;
  SfNode    *other;   /* a second session, for the tests that need one */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  /* One file whose last piece is short. */
  static const guint64 lengths[] = { (guint64) N_PIECES * PIECE_LEN - 1234 };
  g_autoptr(GError) error = NULL;

  f->tmp = g_dir_make_tmp ("shoal-availability-XXXXXX", &error);
  g_assert_no_error (error);
  f->data = sf_torrent_new ("availability", lengths, G_N_ELEMENTS (lengths), PIECE_LEN, 11);
  f->node = sf_node_new (f->tmp, "node");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  g_clear_pointer (&f->other, sf_node_free);
  g_clear_pointer (&f->node, sf_node_free);
  g_clear_pointer (&f->data, sf_torrent_free);
  sf_rm_rf (f->tmp);
  g_free (f->tmp);
}

/* A peer that writes what the test tells it and reads (and drops)
 * whatever the session sends. */
typedef struct
{
  GSocketConnection *conn;
  GCancellable      *cancellable;
  guint8             buf[16384];
  gboolean           closed;
} RawPeer;

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
  g_input_stream_read_async (G_INPUT_STREAM (source), raw->buf, sizeof raw->buf, G_PRIORITY_DEFAULT,
                             raw->cancellable, raw_read_cb, raw);
}

static RawPeer *
raw_peer_connect (SfNode       *node,
                  const guint8  info_hash[20],
                  const char   *peer_id)
{
  /* Fast extension (BEP 6) on, nothing else. */
  static const guint8 reserved[8] = { 0, 0, 0, 0, 0, 0, 0, 0x04 };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) hs = g_byte_array_new ();
  RawPeer *raw = g_new0 (RawPeer, 1);

  g_assert_cmpuint (strlen (peer_id), ==, 20);
  raw->cancellable = g_cancellable_new ();
  raw->conn = g_socket_client_connect_to_host (client, "127.0.0.1", shoal_session_get_listen_port (node->session),
                                               NULL, &error);
  g_assert_no_error (error);
  g_byte_array_append (hs, (const guint8 *) "\x13" "BitTorrent protocol", 20);
  g_byte_array_append (hs, reserved, sizeof reserved);
  g_byte_array_append (hs, info_hash, 20);
  g_byte_array_append (hs, (const guint8 *) peer_id, 20);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw->conn)), hs->data, hs->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (raw->conn)), raw->buf, sizeof raw->buf,
                             G_PRIORITY_DEFAULT, raw->cancellable, raw_read_cb, raw);
  return raw;
}

static void
raw_send (RawPeer      *raw,
          guint8        id,
          const guint8 *payload,
          guint32       len)
{
  g_autoptr(GError) error = NULL;
  guint8 head[5];

  head[0] = (guint8) ((len + 1) >> 24);
  head[1] = (guint8) ((len + 1) >> 16);
  head[2] = (guint8) ((len + 1) >> 8);
  head[3] = (guint8) (len + 1);
  head[4] = id;
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw->conn)), head, sizeof head,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  if (len > 0)
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw->conn)), payload, len,
                               NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
raw_have (RawPeer *raw,
          guint32  piece)
{
  guint8 be[4] = { (guint8) (piece >> 24), (guint8) (piece >> 16), (guint8) (piece >> 8), (guint8) piece };

  raw_send (raw, MSG_HAVE, be, sizeof be);
}

/* A bitfield message with exactly the pieces in @pieces (-1 ends it). */
static void
raw_bitfield (RawPeer    *raw,
              const gint *pieces)
{
  guint8 bits[(N_PIECES + 7) / 8] = { 0 };

  for (guint i = 0; pieces[i] >= 0; i++)
    bits[pieces[i] / 8] |= (guint8) (0x80 >> (pieces[i] % 8));
  raw_send (raw, MSG_BITFIELD, bits, sizeof bits);
}

static void
raw_peer_free (RawPeer *raw)
{
  g_cancellable_cancel (raw->cancellable);
  g_io_stream_close (G_IO_STREAM (raw->conn), NULL, NULL);
  g_clear_object (&raw->conn);
  g_clear_object (&raw->cancellable);
  g_free (raw);
}

/* The availability of every piece, as "3:1 7:2" (pieces seen nowhere are
 * left out), so that a failed comparison shows the whole picture. */
static char *
availability (ShoalTorrent *t)
{
  GString *s = g_string_new (NULL);

  for (guint p = 0; p < N_PIECES; p++)
    {
      guint a = shoal_torrent_get_piece_availability (t, p);

      if (a > 0)
        g_string_append_printf (s, "%s%u:%u", s->len ? " " : "", p, a);
    }
  return g_string_free (s, FALSE);
}

static gboolean
availability_is (ShoalTorrent *t,
                 const char   *expected)
{
  g_autofree char *got = availability (t);

  return g_strcmp0 (got, expected) == 0;
}

#define ASSERT_AVAILABILITY(t, expected)                                        \
  G_STMT_START {                                                                \
    g_autofree char *got_ = availability (t);                                   \
    g_assert_cmpstr (got_, ==, (expected));                                     \
  } G_STMT_END

static const char *
all_pieces (void)
{
  static char *s;

  if (s == NULL)
    {
      GString *g = g_string_new (NULL);

      for (guint p = 0; p < N_PIECES; p++)
        g_string_append_printf (g, "%s%u:1", p ? " " : "", p);
      s = g_string_free (g, FALSE);
    }
  return s;
}

static ShoalTorrent *
add_seeding (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  ShoalTorrent *t;

  sf_torrent_write (f->data, f->node->data_dir);
  t = shoal_session_add_torrent (f->node->session, f->data->info, f->node->data_dir,
                                 SHOAL_ADD_FLAGS_SEED_MODE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_SEEDING);
  return t;
}

/* A torrent with nothing yet and nobody to get it from: it stays
 * downloading, and keeps its peers even when they are seeds. */
static ShoalTorrent *
add_downloading (SfNode    *node,
                 SfTorrent *data)
{
  g_autoptr(GError) error = NULL;
  ShoalTorrent *t;

  t = shoal_session_add_torrent (node->session, data->info, node->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);
  return t;
}

static const guint8 *
hash_of (Fixture *f)
{
  return shoal_metainfo_get_info_hash_v1 (f->data->info);
}

/* The field report: a leecher with nothing says so by sending no bitfield
 * at all, then a have for each piece it gets, and goes away. */
static void
test_have_without_bitfield (Fixture       *f,
                            gconstpointer  user_data)
{
  ShoalTorrent *t = add_seeding (f);
  RawPeer *raw = raw_peer_connect (f->node, hash_of (f), "-XX0001-have-no-bits");

  raw_have (raw, 3);
  raw_have (raw, 7);
  raw_have (raw, 3);  /* again: still one peer that has it */
  SF_WAIT (availability_is (t, "3:1 7:1"), WAIT_S);
  raw_peer_free (raw);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

/* A bitfield after haves says what the peer has now, all of it. */
static void
test_bitfield_after_have (Fixture       *f,
                          gconstpointer  user_data)
{
  static const gint five_six[] = { 5, 6, -1 };
  ShoalTorrent *t = add_seeding (f);
  RawPeer *raw = raw_peer_connect (f->node, hash_of (f), "-XX0001-have-then-bf");

  raw_have (raw, 3);
  SF_WAIT (availability_is (t, "3:1"), WAIT_S);
  raw_bitfield (raw, five_six);
  SF_WAIT (availability_is (t, "5:1 6:1"), WAIT_S);
  raw_have (raw, 9);
  SF_WAIT (availability_is (t, "5:1 6:1 9:1"), WAIT_S);
  raw_peer_free (raw);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

/* One peer's messages never change what another peer counts for. */
static void
test_two_peers (Fixture       *f,
                gconstpointer  user_data)
{
  static const gint one_two[] = { 1, 2, -1 };
  ShoalTorrent *t = add_seeding (f);
  RawPeer *a = raw_peer_connect (f->node, hash_of (f), "-XX0001-peer-aaaaaaa");
  RawPeer *b = raw_peer_connect (f->node, hash_of (f), "-XX0001-peer-bbbbbbb");

  raw_bitfield (a, one_two);
  raw_have (b, 2);
  raw_have (b, 4);
  SF_WAIT (availability_is (t, "1:1 2:2 4:1"), WAIT_S);
  raw_peer_free (b);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 1, WAIT_S);
  ASSERT_AVAILABILITY (t, "1:1 2:1");
  raw_have (a, 4);
  SF_WAIT (availability_is (t, "1:1 2:1 4:1"), WAIT_S);
  raw_peer_free (a);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

/* Every message that says what a peer has, one after the other, on a
 * torrent that is still downloading (a seeding one would drop a peer that
 * says it has everything). */
static void
test_every_order (Fixture       *f,
                  gconstpointer  user_data)
{
  static const gint two[] = { 2, -1 };
  static const gint all_but_last[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                       20, 21, 22, -1 };
  G_STATIC_ASSERT (N_PIECES == 24);
  ShoalTorrent *t = add_downloading (f->node, f->data);
  RawPeer *raw;

  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_DOWNLOADING, WAIT_S);
  raw = raw_peer_connect (f->node, hash_of (f), "-XX0001-every-order-");

  raw_send (raw, MSG_HAVE_ALL, NULL, 0);
  SF_WAIT (availability_is (t, all_pieces ()), WAIT_S);
  raw_have (raw, 4);    /* a seed's have adds nothing */
  raw_bitfield (raw, two);
  SF_WAIT (availability_is (t, "2:1"), WAIT_S);
  raw_have (raw, 4);
  SF_WAIT (availability_is (t, "2:1 4:1"), WAIT_S);
  raw_send (raw, MSG_HAVE_NONE, NULL, 0);
  SF_WAIT (availability_is (t, ""), WAIT_S);
  raw_have (raw, 9);
  SF_WAIT (availability_is (t, "9:1"), WAIT_S);
  raw_bitfield (raw, all_but_last);
  raw_have (raw, N_PIECES - 1);  /* now it has everything, piece by piece */
  SF_WAIT (availability_is (t, all_pieces ()), WAIT_S);
  raw_send (raw, MSG_HAVE_ALL, NULL, 0);
  raw_have (raw, 4);
  raw_send (raw, MSG_HAVE_ALL, NULL, 0);
  raw_send (raw, MSG_HAVE_NONE, NULL, 0);
  raw_have (raw, 11);
  SF_WAIT (availability_is (t, "11:1"), WAIT_S);
  raw_peer_free (raw);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

/* A peer that sends have-all and have-none in a loop (5 bytes each, a walk
 * over every piece each) is closed once past its allowance; what it was
 * counted for goes with it. */
static void
test_piece_set_flood (Fixture       *f,
                      gconstpointer  user_data)
{
  ShoalTorrent *t = add_downloading (f->node, f->data);
  RawPeer *raw;

  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_DOWNLOADING, WAIT_S);
  raw = raw_peer_connect (f->node, hash_of (f), "-XX0001-piece-flood-");
  SF_WAIT (shoal_torrent_get_n_connected (t) == 1, WAIT_S);
  for (guint i = 0; i < 200 && !raw->closed; i++)
    raw_send (raw, i % 2 == 0 ? MSG_HAVE_ALL : MSG_HAVE_NONE, NULL, 0);
  SF_WAIT (raw->closed && shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
  raw_peer_free (raw);
}

/* The torrent completes (and drops its seed, both sides being seeds) while
 * a peer that sent only haves is still connected; that peer then leaves. */
static void
test_complete_while_connected (Fixture       *f,
                               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_address = NULL;
  ShoalTorrent *seeding = add_seeding (f);
  ShoalTorrent *t;
  RawPeer *raw;

  f->other = sf_node_new (f->tmp, "other");
  t = add_downloading (f->other, f->data);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_DOWNLOADING, WAIT_S);
  raw = raw_peer_connect (f->other, hash_of (f), "-XX0001-stays-behind");
  raw_have (raw, 5);
  SF_WAIT (availability_is (t, "5:1"), WAIT_S);

  seed_address = sf_node_address (f->node);
  g_assert_true (shoal_torrent_add_peer (t, seed_address, &error));
  g_assert_no_error (error);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);
  sf_torrent_assert_files (f->data, f->other->data_dir);
  /* Both sides are seeds: the seeder's connection goes. */
  SF_WAIT (shoal_torrent_get_n_connected (seeding) == 0, WAIT_S);
  SF_WAIT (availability_is (t, "5:1"), WAIT_S);

  raw_have (raw, 6);
  SF_WAIT (availability_is (t, "5:1 6:1"), WAIT_S);
  raw_peer_free (raw);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

/* A magnet link: what a peer said before the metadata arrived is counted
 * once the piece count is known, and only once. */
static void
test_metadata_while_connected (Fixture       *f,
                               gconstpointer  user_data)
{
  static const gint three_four[] = { 3, 4, -1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *hex = shoal_metainfo_dup_info_hash_v1_hex (f->data->info);
  g_autofree char *seed_address = NULL;
  ShoalTorrent *seeding = add_seeding (f);
  ShoalTorrent *t;
  RawPeer *raw;

  f->other = sf_node_new (f->tmp, "other");
  uri = g_strdup_printf ("magnet:?xt=urn:btih:%s", hex);
  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  t = shoal_session_add_magnet (f->other->session, magnet, f->other->data_dir, SHOAL_ADD_FLAGS_NONE, &error);
  g_assert_no_error (error);

  raw = raw_peer_connect (f->other, hash_of (f), "-XX0001-before-meta-");
  raw_bitfield (raw, three_four);
  raw_have (raw, 8);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 1, WAIT_S);

  /* The seeder gives the metadata, then the data; once both sides are
   * seeds it goes, and only the scripted peer is left. */
  seed_address = sf_node_address (f->node);
  g_assert_true (shoal_torrent_add_peer (t, seed_address, &error));
  g_assert_no_error (error);
  SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_SEEDING, WAIT_S);
  SF_WAIT (shoal_torrent_get_n_connected (seeding) == 0, WAIT_S);
  SF_WAIT (availability_is (t, "3:1 4:1 8:1"), WAIT_S);

  raw_have (raw, 0);
  SF_WAIT (availability_is (t, "0:1 3:1 4:1 8:1"), WAIT_S);
  raw_peer_free (raw);
  SF_WAIT (shoal_torrent_get_n_connected (t) == 0, WAIT_S);
  ASSERT_AVAILABILITY (t, "");
}

int
main (int   argc,
      char *argv[])
{
  sf_init_logging ();
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/engine/availability/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("have-without-bitfield", test_have_without_bitfield);
  ADD ("bitfield-after-have", test_bitfield_after_have);
  ADD ("two-peers", test_two_peers);
  ADD ("every-order", test_every_order);
  ADD ("piece-set-flood", test_piece_set_flood);
  ADD ("complete-while-connected", test_complete_while_connected);
  ADD ("metadata-while-connected", test_metadata_while_connected);
#undef ADD

  return g_test_run ();
}
