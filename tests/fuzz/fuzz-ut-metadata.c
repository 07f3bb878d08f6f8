/* fuzz-ut-metadata.c: the ut_metadata codec, fetcher and server (BEP 9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input layout: bytes 0-3 hold the advertised metadata size (big-endian,
 * 0 for unknown, reduced modulo the limit), the rest is a ut_metadata
 * payload. A message that parses must respect every bound, survive a round
 * trip through the encoder, and go through the fetcher; the payload is
 * also served as if it were our info dictionary, and saved as a torrent.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-bencode.h"
#include "shoal-peer-wire.h"
#include "shoal-ut-metadata.h"

static void
check_fetch (const ShoalUtMetadataMessage *msg)
{
  static const guint8 hash[20] = { 0 };
  static int peer_a, peer_b;
  g_autoptr(ShoalMetadataFetch) fetch = shoal_metadata_fetch_new (hash, NULL);
  g_autoptr(GPtrArray) bad = NULL;
  ShoalMetadataFetchResult r;
  guint32 piece;
  guint have, total;

  g_assert_true (shoal_metadata_fetch_set_size (fetch, &peer_a, msg->total_size, NULL));
  g_assert_true (shoal_metadata_fetch_set_size (fetch, &peer_b, msg->total_size + 1 <=
                                                SHOAL_PEER_WIRE_MAX_METADATA_SIZE
                                                ? msg->total_size + 1 : 1, NULL));
  for (guint i = 0; i < SHOAL_UT_METADATA_MAX_PER_PEER; i++)
    if (!shoal_metadata_fetch_next_request (fetch, &peer_a, 0, &piece))
      break;
  /* The other peer's size differs: its data is refused. */
  g_assert_cmpint (shoal_metadata_fetch_add_piece (fetch, &peer_b, msg, NULL, NULL), !=,
                   SHOAL_METADATA_FETCH_ACCEPTED);
  r = shoal_metadata_fetch_add_piece (fetch, &peer_a, msg, &bad, NULL);
  if (msg->piece < SHOAL_UT_METADATA_MAX_PER_PEER)
    {
      /* It was asked for; a one-piece metadata cannot hash to zeros. */
      if (shoal_ut_metadata_n_pieces (msg->total_size) == 1)
        {
          g_assert_cmpint (r, ==, SHOAL_METADATA_FETCH_MISMATCH);
          g_assert_true (bad != NULL && bad->len == 1 && bad->pdata[0] == &peer_a);
          g_assert_true (shoal_metadata_fetch_is_banned (fetch, &peer_a));
        }
      else
        g_assert_cmpint (r, ==, SHOAL_METADATA_FETCH_ACCEPTED);
    }
  else
    g_assert_cmpint (r, ==, SHOAL_METADATA_FETCH_IGNORED);
  shoal_metadata_fetch_get_progress (fetch, &have, &total);
  g_assert_cmpuint (have, <=, total);
  shoal_metadata_fetch_remove_peer (fetch, &peer_a);
}

static void
check_message (const ShoalUtMetadataMessage *msg,
               gint64                        size)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  ShoalUtMetadataMessage again;

  g_assert_cmpint (msg->type, >=, SHOAL_UT_METADATA_REQUEST);
  g_assert_cmpint (msg->type, <=, SHOAL_UT_METADATA_REJECT);
  if (msg->type == SHOAL_UT_METADATA_DATA)
    {
      g_assert_cmpint (msg->total_size, >, 0);
      g_assert_cmpint (msg->total_size, <=, SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
      g_assert_true (size <= 0 || msg->total_size == size);
      g_assert_cmpuint (msg->piece, <, shoal_ut_metadata_n_pieces (msg->total_size));
      g_assert_cmpuint (msg->data_len, ==, shoal_ut_metadata_piece_length (msg->total_size, msg->piece));
      shoal_ut_metadata_encode_data (wire, msg->piece, msg->total_size, msg->data, msg->data_len);
    }
  else
    {
      g_assert_cmpint (msg->total_size, ==, -1);
      g_assert_null (msg->data);
      g_assert_cmpuint (msg->piece, <, shoal_ut_metadata_n_pieces (size > 0 ? size
                                                                   : SHOAL_PEER_WIRE_MAX_METADATA_SIZE));
      if (msg->type == SHOAL_UT_METADATA_REQUEST)
        shoal_ut_metadata_encode_request (wire, msg->piece);
      else
        shoal_ut_metadata_encode_reject (wire, msg->piece);
    }

  g_assert_true (shoal_ut_metadata_parse (wire->data, wire->len, size, &again, NULL));
  g_assert_cmpint (again.type, ==, msg->type);
  g_assert_cmpuint (again.piece, ==, msg->piece);
  g_assert_cmpint (again.total_size, ==, msg->total_size);
  g_assert_cmpmem (again.data, again.data_len, msg->data, msg->data_len);

  if (msg->type == SHOAL_UT_METADATA_DATA)
    check_fetch (msg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *payload = NULL;
  g_autoptr(GBytes) info = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  ShoalUtMetadataMessage msg;
  ShoalUtMetadataRateLimit limit;
  gint64 metadata_size;
  gsize len;
  guint32 raw;

  fuzz_set_up ();
  if (size < 4)
    return 0;

  raw = (guint32) data[0] << 24 | (guint32) data[1] << 16 | (guint32) data[2] << 8 | data[3];
  metadata_size = raw == 0 ? -1 : (gint64) (raw % SHOAL_PEER_WIRE_MAX_METADATA_SIZE) + 1;
  len = size - 4;
  /* A copy of its own, so reads past the payload trip the sanitizers. */
  payload = g_memdup2 (data + 4, len);

  if (shoal_ut_metadata_parse (payload, len, metadata_size, &msg, NULL))
    check_message (&msg, metadata_size);

  /* The payload as our own info dictionary, asked for piece @raw's low bits. */
  if (len > 0)
    {
      info = g_bytes_new (payload, len);
      shoal_ut_metadata_rate_limit_init (&limit, data[0] & 3);
      if (shoal_ut_metadata_answer_request (info, raw & 0xff, &limit, 0, answer))
        {
          g_assert_true (shoal_ut_metadata_parse (answer->data, answer->len, (gint64) len, &msg, NULL));
          g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_DATA);
          g_assert_cmpmem (msg.data, msg.data_len,
                           payload + (gsize) msg.piece * SHOAL_UT_METADATA_PIECE_SIZE, msg.data_len);
        }
      else
        {
          g_assert_true (shoal_ut_metadata_parse (answer->data, answer->len, -1, &msg, NULL));
          g_assert_cmpint (msg.type, ==, SHOAL_UT_METADATA_REJECT);
          g_assert_cmpuint (msg.piece, ==, raw & 0xff);
        }

      torrent = shoal_ut_metadata_build_torrent (info, NULL, NULL);
      if (torrent != NULL)
        {
          g_autoptr(ShoalBencode) doc = shoal_bencode_parse (torrent, NULL);
          const ShoalBencodeNode *node;
          gsize raw_len;
          const guint8 *raw_info;

          g_assert_nonnull (doc);
          node = shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "info");
          g_assert_nonnull (node);
          raw_info = shoal_bencode_node_get_raw (node, &raw_len);
          g_assert_cmpmem (raw_info, raw_len, payload, len);
        }
    }
  return 0;
}
