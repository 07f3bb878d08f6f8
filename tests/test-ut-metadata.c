/* test-ut-metadata.c: the metadata exchange extension (BEP 9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-metainfo.h"
#include "shoal-peer-wire.h"
#include "shoal-ut-metadata.h"

#define PIECE SHOAL_UT_METADATA_PIECE_SIZE
#define SEC   G_USEC_PER_SEC

/* Peers are opaque pointers to the fetcher. */
static int peer_a, peer_b, peer_c, peer_d, peer_e;
#define A ((gpointer) &peer_a)
#define B ((gpointer) &peer_b)
#define C ((gpointer) &peer_c)
#define D ((gpointer) &peer_d)
#define E ((gpointer) &peer_e)

/* A real v1 info dictionary of @n_hashes pieces: 20 bytes a piece, so 2000
 * of them make metadata of three ut_metadata pieces. */
static GBytes *
make_info (guint n_hashes)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autofree guint8 *pieces = g_malloc ((gsize) n_hashes * 20);

  for (gsize i = 0; i < (gsize) n_hashes * 20; i++)
    pieces[i] = (guint8) (i * 7 + 3);
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "length");
  shoal_bencode_writer_integer (w, (gint64) n_hashes * 16384);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, "metadata-test.bin");
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, 16384);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, pieces, (gsize) n_hashes * 20);
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

static ShoalMetadataFetch *
make_fetch (GBytes *info)
{
  guint8 hash[SHOAL_SHA1_LEN];
  gsize len;
  const guint8 *data = g_bytes_get_data (info, &len);

  shoal_sha1 (data, len, hash);
  return shoal_metadata_fetch_new (hash, NULL);
}

/* Serves @piece from @info the way a peer would, and feeds the answer
 * through the parser into the fetcher. */
static ShoalMetadataFetchResult
deliver (ShoalMetadataFetch  *fetch,
         gpointer             peer,
         GBytes              *info,
         guint32              piece,
         GPtrArray          **bad_peers,
         GError             **error)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  ShoalUtMetadataMessage msg;

  g_assert_true (shoal_ut_metadata_answer_request (info, piece, NULL, 0, wire));
  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len,
                                          (gint64) g_bytes_get_size (info), &msg, NULL));
  return shoal_metadata_fetch_add_piece (fetch, peer, &msg, bad_peers, error);
}

static void
test_n_pieces (void)
{
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (0), ==, 0);
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (-5), ==, 0);
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (1), ==, 1);
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (PIECE), ==, 1);
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (PIECE + 1), ==, 2);
  g_assert_cmpuint (shoal_ut_metadata_n_pieces (SHOAL_PEER_WIRE_MAX_METADATA_SIZE), ==, 2048);
  g_assert_cmpuint (shoal_ut_metadata_piece_length (PIECE + 1, 0), ==, PIECE);
  g_assert_cmpuint (shoal_ut_metadata_piece_length (PIECE + 1, 1), ==, 1);
  g_assert_cmpuint (shoal_ut_metadata_piece_length (2 * PIECE, 1), ==, PIECE);
}

static void
test_encode_exact (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  static const char request[] = "d8:msg_typei0e5:piecei3ee";
  static const char reject[] = "d8:msg_typei2e5:piecei1ee";
  static const char data[] = "d8:msg_typei1e5:piecei0e10:total_sizei3eeabc";

  shoal_ut_metadata_encode_request (out, 3);
  g_assert_cmpmem (out->data, out->len, request, strlen (request));
  g_byte_array_set_size (out, 0);
  shoal_ut_metadata_encode_reject (out, 1);
  g_assert_cmpmem (out->data, out->len, reject, strlen (reject));
  g_byte_array_set_size (out, 0);
  shoal_ut_metadata_encode_data (out, 0, 3, (const guint8 *) "abc", 3);
  g_assert_cmpmem (out->data, out->len, data, strlen (data));
}

static void
test_roundtrip (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree guint8 *piece = g_malloc (PIECE);
  ShoalUtMetadataMessage msg;
  g_autoptr(GError) error = NULL;
  gint64 size = 2 * PIECE + 100;

  memset (piece, 0x5a, PIECE);

  shoal_ut_metadata_encode_request (out, 2);
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, size, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REQUEST);
  g_assert_cmpuint (msg.piece, ==, 2);
  g_assert_cmpint (msg.total_size, ==, -1);
  g_assert_null (msg.data);

  g_byte_array_set_size (out, 0);
  shoal_ut_metadata_encode_reject (out, 1);
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, -1, &msg, &error));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REJECT);
  g_assert_cmpuint (msg.piece, ==, 1);

  g_byte_array_set_size (out, 0);
  shoal_ut_metadata_encode_data (out, 1, size, piece, PIECE);
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, size, &msg, &error));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_DATA);
  g_assert_cmpuint (msg.piece, ==, 1);
  g_assert_cmpint (msg.total_size, ==, size);
  g_assert_cmpmem (msg.data, msg.data_len, piece, PIECE);
  g_assert_true (msg.data == out->data + out->len - PIECE);

  /* The short last piece. */
  g_byte_array_set_size (out, 0);
  shoal_ut_metadata_encode_data (out, 2, size, piece, 100);
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, size, &msg, &error));
  g_assert_cmpuint (msg.data_len, ==, 100);

  /* Unknown size: the message's own total_size bounds it. */
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, -1, &msg, &error));
  g_assert_cmpint (msg.total_size, ==, size);
}

typedef struct
{
  const char          *name;
  const char          *dict;
  gsize                n_trailing;  /* zero bytes after the dictionary */
  gint64               metadata_size;
  ShoalUtMetadataError code;
} BadMessage;

static const BadMessage bad_messages[] = {
  { "empty", "", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "not-bencode", "hello", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "list", "li0ee", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "no-msg-type", "d5:piecei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "string-msg-type", "d8:msg_type1:05:piecei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "msg-type-3", "d8:msg_typei3e5:piecei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_UNKNOWN_TYPE },
  { "msg-type-negative", "d8:msg_typei-1e5:piecei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_UNKNOWN_TYPE },
  { "no-piece", "d8:msg_typei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_MALFORMED },
  { "negative-piece", "d8:msg_typei0e5:piecei-1ee", 0, -1, SHOAL_UT_METADATA_ERROR_BAD_PIECE },
  { "request-past-end", "d8:msg_typei0e5:piecei2ee", 0, 2 * PIECE, SHOAL_UT_METADATA_ERROR_BAD_PIECE },
  { "request-past-limit", "d8:msg_typei0e5:piecei2048ee", 0, -1, SHOAL_UT_METADATA_ERROR_BAD_PIECE },
  { "huge-piece", "d8:msg_typei0e5:piecei4294967296ee", 0, -1, SHOAL_UT_METADATA_ERROR_BAD_PIECE },
  { "request-trailing", "d8:msg_typei0e5:piecei0ee", 1, -1, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
  { "reject-trailing", "d8:msg_typei2e5:piecei0ee", 5, -1, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
  { "data-no-total", "d8:msg_typei1e5:piecei0ee", 3, -1, SHOAL_UT_METADATA_ERROR_BAD_SIZE },
  { "data-total-zero", "d8:msg_typei1e5:piecei0e10:total_sizei0ee", 0, -1, SHOAL_UT_METADATA_ERROR_BAD_SIZE },
  { "data-total-huge", "d8:msg_typei1e5:piecei0e10:total_sizei33554433ee", 1, -1, SHOAL_UT_METADATA_ERROR_BAD_SIZE },
  { "data-total-mismatch", "d8:msg_typei1e5:piecei0e10:total_sizei3ee", 3, 4, SHOAL_UT_METADATA_ERROR_BAD_SIZE },
  { "data-piece-past-total", "d8:msg_typei1e5:piecei1e10:total_sizei3ee", 3, -1, SHOAL_UT_METADATA_ERROR_BAD_PIECE },
  { "data-short", "d8:msg_typei1e5:piecei0e10:total_sizei3ee", 2, 3, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
  { "data-long", "d8:msg_typei1e5:piecei0e10:total_sizei3ee", 4, 3, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
  { "data-short-middle", "d8:msg_typei1e5:piecei0e10:total_sizei20000ee", 3616, -1, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
  { "data-overlong", "d8:msg_typei1e5:piecei0e10:total_sizei20000ee", PIECE + 600, -1, SHOAL_UT_METADATA_ERROR_BAD_LENGTH },
};

static void
test_reject_bad (gconstpointer data)
{
  const BadMessage *bad = data;
  gsize dict_len = strlen (bad->dict);
  g_autofree guint8 *payload = g_malloc0 (dict_len + bad->n_trailing + 1);
  ShoalUtMetadataMessage msg;
  g_autoptr(GError) error = NULL;

  memcpy (payload, bad->dict, dict_len);
  g_assert_false (shoal_ut_metadata_parse (payload, dict_len + bad->n_trailing,
                                           bad->metadata_size, &msg, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, (gint) bad->code);
}

static void
test_unknown_keys_ignored (void)
{
  static const char payload[] = "d3:fooi1e8:msg_typei1e5:piecei0e10:total_sizei2e1:zleexy";
  ShoalUtMetadataMessage msg;
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_ut_metadata_parse ((const guint8 *) payload, strlen (payload), 2, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (msg.data, msg.data_len, "xy", 2);
}

static void
test_fetch_single_peer (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  g_autoptr(GError) error = NULL;
  guint32 pieces[8];
  guint n = 0, have, total;

  g_assert_cmpuint (g_bytes_get_size (info), >, 2 * PIECE);
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, 0, &pieces[0]));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, (gint64) g_bytes_get_size (info), &error));
  g_assert_no_error (error);
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 0);
  g_assert_cmpuint (total, ==, 3);

  while (shoal_metadata_fetch_next_request (fetch, A, 0, &pieces[n]))
    n++;
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (pieces[0], ==, 0);
  g_assert_cmpuint (pieces[1], ==, 1);
  g_assert_cmpuint (pieces[2], ==, 2);

  /* Out of order is fine. */
  g_assert_cmpint (deliver (fetch, A, info, 2, NULL, &error), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, &error), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  /* A piece already held is ignored. */
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, &error), ==, SHOAL_METADATA_FETCH_IGNORED);
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 2);
  g_assert_false (shoal_metadata_fetch_is_complete (fetch));
  g_assert_null (shoal_metadata_fetch_get_info (fetch));

  g_assert_cmpint (deliver (fetch, A, info, 1, NULL, &error), ==, SHOAL_METADATA_FETCH_COMPLETE);
  g_assert_no_error (error);
  g_assert_true (shoal_metadata_fetch_is_complete (fetch));
  g_assert_true (g_bytes_equal (shoal_metadata_fetch_get_info (fetch), info));
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 3);
  g_assert_cmpuint (total, ==, 3);

  /* Done: nothing more to ask, nothing more taken. */
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, 0, &pieces[0]));
  g_assert_false (shoal_metadata_fetch_set_size (fetch, B, 100, NULL));
}

static void
test_fetch_v2 (void)
{
  g_autoptr(GBytes) info = make_info (900);
  g_autoptr(ShoalMetadataFetch) fetch = NULL;
  g_autoptr(ShoalMetadataFetch) wrong = NULL;
  guint8 sha256[SHOAL_SHA256_LEN];
  guint8 sha1[SHOAL_SHA1_LEN];
  gsize len;
  const guint8 *data = g_bytes_get_data (info, &len);
  guint32 piece;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bad = NULL;

  shoal_sha256 (data, len, sha256);
  shoal_sha1 (data, len, sha1);

  /* A btmh link: only the SHA-256 hash. */
  fetch = shoal_metadata_fetch_new (NULL, sha256);
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, (gint64) len, NULL));
  g_assert_cmpuint (shoal_ut_metadata_n_pieces ((gint64) len), ==, 2);
  while (shoal_metadata_fetch_next_request (fetch, A, 0, &piece))
    ;
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (fetch, A, info, 1, NULL, NULL), ==, SHOAL_METADATA_FETCH_COMPLETE);

  /* A hybrid link whose v2 hash does not match fails even if v1 does. */
  sha256[0] ^= 1;
  wrong = shoal_metadata_fetch_new (sha1, sha256);
  g_assert_true (shoal_metadata_fetch_set_size (wrong, A, (gint64) len, NULL));
  while (shoal_metadata_fetch_next_request (wrong, A, 0, &piece))
    ;
  g_assert_cmpint (deliver (wrong, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (wrong, A, info, 1, &bad, &error), ==, SHOAL_METADATA_FETCH_MISMATCH);
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_HASH_MISMATCH);
  g_assert_nonnull (bad);
  g_assert_cmpuint (bad->len, ==, 1);
  g_assert_true (bad->pdata[0] == A);
}

static void
test_fetch_no_duplicates_and_timeout (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  guint32 p;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));

  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 1);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 2);
  /* All three are out: nobody gets a duplicate before the timeout. */
  g_assert_false (shoal_metadata_fetch_next_request (fetch, B, 1 * SEC, &p));
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, 1 * SEC, &p));

  /* B answers; A stays silent past the timeout, and B takes A's pieces. */
  g_assert_cmpint (deliver (fetch, B, info, 1, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, SHOAL_UT_METADATA_REQUEST_TIMEOUT, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, SHOAL_UT_METADATA_REQUEST_TIMEOUT, &p));
  g_assert_cmpuint (p, ==, 2);

  /* A's late answer is no longer wanted from A. */
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_IGNORED);
  g_assert_cmpint (deliver (fetch, B, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (fetch, B, info, 2, NULL, NULL), ==, SHOAL_METADATA_FETCH_COMPLETE);
}

static void
test_fetch_retry_same_peer (void)
{
  g_autoptr(GBytes) info = make_info (100);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  guint32 p;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, (gint64) g_bytes_get_size (info), NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, SHOAL_UT_METADATA_REQUEST_TIMEOUT - 1, &p));
  /* The only peer is asked again once the request timed out. */
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, SHOAL_UT_METADATA_REQUEST_TIMEOUT, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_COMPLETE);
}

static void
test_fetch_max_per_peer (void)
{
  g_autoptr(ShoalMetadataFetch) fetch = NULL;
  guint8 hash[SHOAL_SHA1_LEN] = { 0 };
  guint32 p;
  guint n = 0;

  fetch = shoal_metadata_fetch_new (hash, NULL);
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, 100 * PIECE, NULL));
  while (shoal_metadata_fetch_next_request (fetch, A, 0, &p))
    n++;
  g_assert_cmpuint (n, ==, SHOAL_UT_METADATA_MAX_PER_PEER);
}

static void
test_fetch_lying_size (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *junk = g_malloc0 (PIECE);
  ShoalUtMetadataMessage msg;
  g_autoptr(GError) error = NULL;
  guint32 p;

  /* The liar comes first with a bigger size and takes requests... */
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size + 5 * PIECE, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  /* ...but an honest peer is asked for its own size's pieces, from 0. */
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 0);

  /* The liar's piece 0 does not land in the honest assembly. */
  shoal_ut_metadata_encode_data (wire, 0, size + 5 * PIECE, junk, PIECE);
  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, size + 5 * PIECE, &msg, NULL));
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, A, &msg, NULL, &error), ==,
                   SHOAL_METADATA_FETCH_ACCEPTED);
  /* And a message claiming the honest size from the liar is refused. */
  g_byte_array_set_size (wire, 0);
  shoal_ut_metadata_encode_data (wire, 1, size, junk, PIECE);
  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, -1, &msg, NULL));
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, A, &msg, NULL, &error), ==,
                   SHOAL_METADATA_FETCH_BAD_PEER);
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_SIZE);

  g_assert_cmpint (deliver (fetch, B, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  while (shoal_metadata_fetch_next_request (fetch, B, 0, &p))
    {
      ShoalMetadataFetchResult r = deliver (fetch, B, info, p, NULL, NULL);

      g_assert_true (r == SHOAL_METADATA_FETCH_ACCEPTED || r == SHOAL_METADATA_FETCH_COMPLETE);
    }
  g_assert_true (shoal_metadata_fetch_is_complete (fetch));
  g_assert_true (g_bytes_equal (shoal_metadata_fetch_get_info (fetch), info));
}

static void
test_fetch_mismatch_blames_contributors (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *bad_piece = NULL;
  g_autoptr(GPtrArray) bad = NULL;
  g_autoptr(GError) error = NULL;
  ShoalUtMetadataMessage msg;
  guint32 p;
  guint have, total;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, C, size, NULL));

  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 1);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 2);

  /* A poisons piece 2. */
  bad_piece = g_memdup2 ((const guint8 *) g_bytes_get_data (info, NULL) + 2 * PIECE,
                         (gsize) size - 2 * PIECE);
  bad_piece[10] ^= 0xff;
  shoal_ut_metadata_encode_data (wire, 2, size, bad_piece, (gsize) size - 2 * PIECE);
  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, size, &msg, NULL));
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, A, &msg, NULL, NULL), ==,
                   SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  g_assert_cmpint (deliver (fetch, B, info, 1, &bad, &error), ==, SHOAL_METADATA_FETCH_MISMATCH);
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_HASH_MISMATCH);
  g_clear_error (&error);

  /* Which piece was bad cannot be told: nobody is blamed yet, and the next
   * assembly comes from one peer at a time. */
  g_assert_nonnull (bad);
  g_assert_cmpuint (bad->len, ==, 0);
  g_clear_pointer (&bad, g_ptr_array_unref);
  g_assert_false (shoal_metadata_fetch_is_banned (fetch, A));
  g_assert_false (shoal_metadata_fetch_is_banned (fetch, B));
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 0);

  /* A goes first, alone: the others wait. */
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_false (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_false (shoal_metadata_fetch_next_request (fetch, C, 0, &p));
  do
    {
      ShoalMetadataFetchResult r;

      if (p == 2)
        {
          g_byte_array_set_size (wire, 0);
          shoal_ut_metadata_encode_data (wire, 2, size, bad_piece, (gsize) size - 2 * PIECE);
          g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, size, &msg, NULL));
          r = shoal_metadata_fetch_add_piece (fetch, A, &msg, &bad, &error);
        }
      else
        r = deliver (fetch, A, info, p, &bad, &error);
      if (r == SHOAL_METADATA_FETCH_MISMATCH)
        break;
      g_assert_cmpint (r, ==, SHOAL_METADATA_FETCH_ACCEPTED);
    }
  while (shoal_metadata_fetch_next_request (fetch, A, 0, &p));

  /* Alone, A is to blame. */
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  g_assert_nonnull (bad);
  g_assert_cmpuint (bad->len, ==, 1);
  g_assert_true (g_ptr_array_find (bad, A, NULL));
  g_assert_true (shoal_metadata_fetch_is_banned (fetch, A));
  g_assert_false (shoal_metadata_fetch_is_banned (fetch, B));
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_false (shoal_metadata_fetch_set_size (fetch, A, size, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER);

  /* C takes its turn and finishes. */
  while (shoal_metadata_fetch_next_request (fetch, C, 0, &p))
    {
      ShoalMetadataFetchResult r = deliver (fetch, C, info, p, NULL, NULL);

      g_assert_true (r == SHOAL_METADATA_FETCH_ACCEPTED || r == SHOAL_METADATA_FETCH_COMPLETE);
    }
  g_assert_true (shoal_metadata_fetch_is_complete (fetch));
}

static void
test_fetch_reject (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  guint32 p;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 1);

  shoal_metadata_fetch_reject (fetch, A, 0, 5 * SEC);
  /* A is left alone for a while; B gets piece 0 at once. */
  g_assert_false (shoal_metadata_fetch_next_request (fetch, A, 6 * SEC, &p));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 6 * SEC, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 5 * SEC + SHOAL_UT_METADATA_REJECT_BACKOFF, &p));
  g_assert_cmpuint (p, ==, 2);

  /* A reject for a piece not asked of that peer changes nothing. */
  shoal_metadata_fetch_reject (fetch, A, 1, 0);
  g_assert_cmpint (deliver (fetch, B, info, 1, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  shoal_metadata_fetch_reject (fetch, A, 999, 0);
}

static void
test_fetch_remove_peer (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  guint32 p;
  guint have, total;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpint (deliver (fetch, A, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_ACCEPTED);
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 1);

  /* A leaves: its pieces go, and B is asked for them. */
  shoal_metadata_fetch_remove_peer (fetch, A);
  shoal_metadata_fetch_remove_peer (fetch, A);
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  g_assert_true (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_cmpuint (p, ==, 1);
  /* A piece from a peer no longer known is ignored. */
  g_assert_cmpint (deliver (fetch, A, info, 2, NULL, NULL), ==, SHOAL_METADATA_FETCH_IGNORED);
}

static void
test_fetch_unsolicited (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  guint32 p;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  /* B was not asked for piece 0, nor anyone for piece 1. */
  g_assert_cmpint (deliver (fetch, B, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_IGNORED);
  g_assert_cmpint (deliver (fetch, A, info, 1, NULL, NULL), ==, SHOAL_METADATA_FETCH_IGNORED);
  /* Without an advertised size nothing is taken. */
  g_assert_cmpint (deliver (fetch, C, info, 1, NULL, NULL), ==, SHOAL_METADATA_FETCH_IGNORED);
}

static void
test_fetch_bad_piece_length (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  ShoalUtMetadataMessage msg = { SHOAL_UT_METADATA_DATA, 0, 0, NULL, 0 };
  g_autoptr(GError) error = NULL;
  guint8 buf[16] = { 0 };
  guint32 p;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, A, 0, &p));

  /* Messages that skipped the parser's checks are still bounded. */
  msg.total_size = size;
  msg.data = buf;
  msg.data_len = sizeof buf;
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, A, &msg, NULL, &error), ==,
                   SHOAL_METADATA_FETCH_BAD_PEER);
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_LENGTH);
  g_clear_error (&error);
  msg.piece = 3;
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, A, &msg, NULL, &error), ==,
                   SHOAL_METADATA_FETCH_BAD_PEER);
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_PIECE);
}

static void
test_fetch_sizes_bounded (void)
{
  g_autoptr(ShoalMetadataFetch) fetch = NULL;
  guint8 hash[SHOAL_SHA1_LEN] = { 1 };
  g_autoptr(GError) error = NULL;

  fetch = shoal_metadata_fetch_new (hash, NULL);
  g_assert_false (shoal_metadata_fetch_set_size (fetch, A, 0, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_SIZE);
  g_clear_error (&error);
  g_assert_false (shoal_metadata_fetch_set_size (fetch, A, SHOAL_PEER_WIRE_MAX_METADATA_SIZE + 1, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_SIZE);
  g_clear_error (&error);
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, SHOAL_PEER_WIRE_MAX_METADATA_SIZE, NULL));

  /* Four sizes at once at most. */
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, 1000, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, C, 2000, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, D, 3000, NULL));
  g_assert_false (shoal_metadata_fetch_set_size (fetch, E, 4000, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_TOO_MANY_SIZES);
  g_clear_error (&error);
  /* A size already tracked still works. */
  g_assert_true (shoal_metadata_fetch_set_size (fetch, E, 2000, NULL));
  /* Once nobody backs a size, a new one takes its place. */
  shoal_metadata_fetch_remove_peer (fetch, B);
  g_assert_true (shoal_metadata_fetch_set_size (fetch, B, 4000, NULL));
  /* A peer changing its size moves over; the size it left goes free. */
  g_assert_true (shoal_metadata_fetch_set_size (fetch, D, 4000, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, 5000, NULL));
}

static void
test_server (void)
{
  g_autoptr(GBytes) info = make_info (2000);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  ShoalUtMetadataRateLimit limit;
  ShoalUtMetadataMessage msg;
  gint64 size = (gint64) g_bytes_get_size (info);

  shoal_ut_metadata_rate_limit_init (&limit, 3);

  g_assert_true (shoal_ut_metadata_answer_request (info, 2, &limit, 0, out));
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, size, &msg, NULL));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_DATA);
  g_assert_cmpmem (msg.data, msg.data_len,
                   (const guint8 *) g_bytes_get_data (info, NULL) + 2 * PIECE, (gsize) size - 2 * PIECE);

  /* Past the end, or without metadata: a reject, which costs nothing. */
  g_byte_array_set_size (out, 0);
  g_assert_false (shoal_ut_metadata_answer_request (info, 3, &limit, 0, out));
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, -1, &msg, NULL));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REJECT);
  g_assert_cmpuint (msg.piece, ==, 3);
  g_byte_array_set_size (out, 0);
  g_assert_false (shoal_ut_metadata_answer_request (NULL, 0, &limit, 0, out));
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, -1, &msg, NULL));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REJECT);

  /* Three a minute. */
  g_byte_array_set_size (out, 0);
  g_assert_true (shoal_ut_metadata_answer_request (info, 0, &limit, 10 * SEC, out));
  g_assert_true (shoal_ut_metadata_answer_request (info, 1, &limit, 20 * SEC, out));
  g_byte_array_set_size (out, 0);
  g_assert_false (shoal_ut_metadata_answer_request (info, 1, &limit, 30 * SEC, out));
  g_assert_true (shoal_ut_metadata_parse (out->data, out->len, -1, &msg, NULL));
  g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REJECT);
  g_assert_false (shoal_ut_metadata_rate_limit_allow (&limit, 59 * SEC));
  g_assert_true (shoal_ut_metadata_answer_request (info, 1, &limit, 60 * SEC, out));
}

static void
test_build_torrent (void)
{
  g_autoptr(GBytes) info = make_info (30);
  const char *trackers[] = { "http://a.example/announce", "", "udp://b.example:80", NULL };
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(ShoalMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[SHOAL_SHA1_LEN];
  gsize len;
  const guint8 *data = g_bytes_get_data (info, &len);

  torrent = shoal_ut_metadata_build_torrent (info, trackers, &error);
  g_assert_no_error (error);
  meta = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  shoal_sha1 (data, len, hash);
  g_assert_cmpmem (shoal_metainfo_get_info_hash_v1 (meta), SHOAL_SHA1_LEN, hash, SHOAL_SHA1_LEN);
  g_assert_true (g_bytes_equal (shoal_metainfo_get_info_bytes (meta), info));
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 2);
  g_assert_cmpstr (shoal_metainfo_get_tier (meta, 0)[0], ==, "http://a.example/announce");
  g_assert_cmpstr (shoal_metainfo_get_tier (meta, 1)[0], ==, "udp://b.example:80");
  g_assert_cmpstr (shoal_metainfo_get_name (meta), ==, "metadata-test.bin");
  g_clear_object (&meta);
  g_clear_pointer (&torrent, g_bytes_unref);

  /* No trackers: a trackerless torrent. */
  torrent = shoal_ut_metadata_build_torrent (info, NULL, &error);
  g_assert_no_error (error);
  meta = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (meta), ==, 0);
}

static void
test_build_torrent_bad_info (void)
{
  g_autoptr(GBytes) list = g_bytes_new_static ("li1ee", 5);
  g_autoptr(GBytes) junk = g_bytes_new_static ("d1:a", 4);
  g_autoptr(GError) error = NULL;

  g_assert_null (shoal_ut_metadata_build_torrent (list, NULL, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_INFO);
  g_clear_error (&error);
  g_assert_null (shoal_ut_metadata_build_torrent (junk, NULL, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_INFO);
}

/* Sends @peer's requested piece 0 of @info, poisoned: a one-piece
 * assembly from @peer alone, which fails. */
static ShoalMetadataFetchResult
deliver_poisoned (ShoalMetadataFetch *fetch,
                  gpointer            peer,
                  GBytes             *info,
                  GPtrArray         **bad)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *poisoned = g_memdup2 (g_bytes_get_data (info, NULL), g_bytes_get_size (info));
  gint64 size = (gint64) g_bytes_get_size (info);
  ShoalUtMetadataMessage msg;
  guint32 p;

  g_assert_true (shoal_metadata_fetch_next_request (fetch, peer, 0, &p));
  g_assert_cmpuint (p, ==, 0);
  poisoned[size / 2] ^= 0x5a;
  shoal_ut_metadata_encode_data (wire, 0, size, poisoned, (gsize) size);
  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, size, &msg, NULL));
  return shoal_metadata_fetch_add_piece (fetch, peer, &msg, bad, NULL);
}

/* A peer that sent bad metadata stays banned when it comes back on a new
 * connection from the same address, and the ban list is bounded. */
static void
test_fetch_ban_by_address (void)
{
  g_autoptr(GBytes) info = make_info (50);
  g_autoptr(ShoalMetadataFetch) fetch = make_fetch (info);
  gint64 size = (gint64) g_bytes_get_size (info);
  g_autoptr(GPtrArray) bad = NULL;
  g_autoptr(GError) error = NULL;
  static int slots[SHOAL_UT_METADATA_MAX_BANNED + 1];
  guint32 p;

  g_assert_cmpint (size, <=, (gint64) PIECE);
  g_assert_true (shoal_metadata_fetch_set_peer_address (fetch, A, "192.0.2.1", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_metadata_fetch_set_size (fetch, A, size, NULL));
  g_assert_cmpint (deliver_poisoned (fetch, A, info, &bad), ==, SHOAL_METADATA_FETCH_MISMATCH);
  g_assert_cmpuint (bad->len, ==, 1);
  g_assert_true (bad->pdata[0] == A);
  g_assert_true (shoal_metadata_fetch_is_banned (fetch, A));
  shoal_metadata_fetch_remove_peer (fetch, A);

  /* It reconnects: a new connection, the same address. */
  g_assert_false (shoal_metadata_fetch_set_peer_address (fetch, B, "192.0.2.1", &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER);
  g_clear_error (&error);
  g_assert_false (shoal_metadata_fetch_set_size (fetch, B, size, &error));
  g_assert_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BANNED_PEER);
  g_clear_error (&error);
  g_assert_false (shoal_metadata_fetch_next_request (fetch, B, 0, &p));
  g_assert_true (shoal_metadata_fetch_is_banned (fetch, B));
  shoal_metadata_fetch_remove_peer (fetch, B);

  /* Many liars: the oldest ban is forgotten first, the newest kept. */
  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      g_autofree char *address = g_strdup_printf ("198.51.%u.%u", 100 + i / 250, 1 + i % 250);

      g_clear_pointer (&bad, g_ptr_array_unref);
      g_assert_true (shoal_metadata_fetch_set_peer_address (fetch, &slots[i], address, NULL));
      g_assert_true (shoal_metadata_fetch_set_size (fetch, &slots[i], size, NULL));
      g_assert_cmpint (deliver_poisoned (fetch, &slots[i], info, &bad), ==, SHOAL_METADATA_FETCH_MISMATCH);
      shoal_metadata_fetch_remove_peer (fetch, &slots[i]);
    }
  g_assert_true (shoal_metadata_fetch_set_peer_address (fetch, C, "192.0.2.1", NULL));
  shoal_metadata_fetch_remove_peer (fetch, C);
  g_assert_false (shoal_metadata_fetch_set_peer_address (fetch, C, "198.51.101.7", NULL));
  shoal_metadata_fetch_remove_peer (fetch, C);

  /* An honest peer from another address still delivers. */
  g_assert_true (shoal_metadata_fetch_set_peer_address (fetch, E, "192.0.2.2", NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, E, size, NULL));
  g_assert_true (shoal_metadata_fetch_next_request (fetch, E, 0, &p));
  g_assert_cmpint (deliver (fetch, E, info, 0, NULL, NULL), ==, SHOAL_METADATA_FETCH_COMPLETE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ut-metadata/n-pieces", test_n_pieces);
  g_test_add_func ("/engine/ut-metadata/encode-exact", test_encode_exact);
  g_test_add_func ("/engine/ut-metadata/roundtrip", test_roundtrip);
  for (guint i = 0; i < G_N_ELEMENTS (bad_messages); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/ut-metadata/reject-%s", bad_messages[i].name);

      g_test_add_data_func (path, &bad_messages[i], test_reject_bad);
    }
  g_test_add_func ("/engine/ut-metadata/unknown-keys-ignored", test_unknown_keys_ignored);
  g_test_add_func ("/engine/ut-metadata/fetch-single-peer", test_fetch_single_peer);
  g_test_add_func ("/engine/ut-metadata/fetch-v2", test_fetch_v2);
  g_test_add_func ("/engine/ut-metadata/fetch-no-duplicates-timeout", test_fetch_no_duplicates_and_timeout);
  g_test_add_func ("/engine/ut-metadata/fetch-retry-same-peer", test_fetch_retry_same_peer);
  g_test_add_func ("/engine/ut-metadata/fetch-max-per-peer", test_fetch_max_per_peer);
  g_test_add_func ("/engine/ut-metadata/fetch-lying-size", test_fetch_lying_size);
  g_test_add_func ("/engine/ut-metadata/fetch-mismatch-blames-contributors",
                   test_fetch_mismatch_blames_contributors);
  g_test_add_func ("/engine/ut-metadata/fetch-ban-by-address", test_fetch_ban_by_address);
  g_test_add_func ("/engine/ut-metadata/fetch-reject", test_fetch_reject);
  g_test_add_func ("/engine/ut-metadata/fetch-remove-peer", test_fetch_remove_peer);
  g_test_add_func ("/engine/ut-metadata/fetch-unsolicited", test_fetch_unsolicited);
  g_test_add_func ("/engine/ut-metadata/fetch-bad-piece-length", test_fetch_bad_piece_length);
  g_test_add_func ("/engine/ut-metadata/fetch-sizes-bounded", test_fetch_sizes_bounded);
  g_test_add_func ("/engine/ut-metadata/server", test_server);
  g_test_add_func ("/engine/ut-metadata/build-torrent", test_build_torrent);
  g_test_add_func ("/engine/ut-metadata/build-torrent-bad-info", test_build_torrent_bad_info);

  return g_test_run ();
}
