/* test-peer-wire.c: the peer wire protocol codec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-peer-wire.h"

/* A decoded message with its payload copied out of the decoder. */
typedef struct
{
  ShoalPeerWireMessage msg;
  GBytes              *payload;
} Decoded;

static void
decoded_clear (gpointer data)
{
  Decoded *d = data;

  g_clear_pointer (&d->payload, g_bytes_unref);
}

static GArray *
decoded_array_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (Decoded));

  g_array_set_clear_func (array, decoded_clear);
  return array;
}

/* Feeds @len bytes of @data to @dec, split at the offsets in @cuts (sorted,
 * may be NULL), copying each chunk into its own allocation so that a
 * payload pointing past a chunk would be caught by the sanitizers. Returns
 * FALSE with @error set on the first decoder error. */
static gboolean
feed (ShoalPeerWireDecoder  *dec,
      const guint8          *data,
      gsize                  len,
      const gsize           *cuts,
      guint                  n_cuts,
      GArray                *out,
      GError               **error)
{
  gsize start = 0;

  for (guint c = 0; c <= n_cuts; c++)
    {
      gsize end = c < n_cuts ? cuts[c] : len;
      g_autofree guint8 *chunk = NULL;
      gsize pos = 0;
      gsize chunk_len;

      g_assert_cmpuint (end, >=, start);
      chunk_len = end - start;
      if (chunk_len == 0)
        continue;
      chunk = g_memdup2 (data + start, chunk_len);
      do
        {
          ShoalPeerWireMessage msg;
          gsize used = 0;
          ShoalPeerWireDecodeResult r;

          r = shoal_peer_wire_decoder_decode (dec, chunk + pos, chunk_len - pos, &used, &msg, error);
          g_assert_cmpuint (used, <=, chunk_len - pos);
          pos += used;
          if (r == SHOAL_PEER_WIRE_DECODE_ERROR)
            {
              g_assert (error == NULL || *error != NULL);
              return FALSE;
            }
          if (r == SHOAL_PEER_WIRE_DECODE_NEED_MORE)
            g_assert_cmpuint (pos, ==, chunk_len);
          if (r == SHOAL_PEER_WIRE_DECODE_MESSAGE)
            {
              Decoded d = { msg, NULL };

              if (msg.payload != NULL)
                d.payload = g_bytes_new (msg.payload, msg.payload_len);
              else
                g_assert_cmpuint (msg.payload_len, ==, 0);
              d.msg.payload = NULL;
              g_array_append_val (out, d);
            }
        }
      while (pos < chunk_len);
      start = end;
    }
  return TRUE;
}

static void
assert_message_equal (const ShoalPeerWireMessage *expected,
                      const Decoded              *got)
{
  g_assert_cmpint (got->msg.type, ==, expected->type);
  g_assert_cmpuint (got->msg.index, ==, expected->index);
  g_assert_cmpuint (got->msg.begin, ==, expected->begin);
  g_assert_cmpuint (got->msg.length, ==, expected->length);
  g_assert_cmpuint (got->msg.port, ==, expected->port);
  g_assert_cmpuint (got->msg.extended_id, ==, expected->extended_id);
  g_assert_cmpuint (got->msg.payload_len, ==, expected->payload_len);
  if (expected->payload_len > 0)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (got->payload, &len);

      g_assert_cmpmem (data, len, expected->payload, expected->payload_len);
    }
}

/* Decodes @data in one chunk, byte by byte, and split in two at every
 * offset, and checks each way yields exactly @expected. */
static void
assert_decodes_to (const guint8               *data,
                   gsize                       len,
                   const ShoalPeerWireMessage *expected,
                   guint                       n_expected,
                   guint32                     n_pieces)
{
  g_autofree gsize *cuts = g_new (gsize, len + 1);

  for (guint mode = 0; mode < 2; mode++)
    {
      guint n_splits = mode == 0 ? 1 : (guint) len + 1;

      for (guint s = 0; s < n_splits; s++)
        {
          g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
          g_autoptr(GArray) out = decoded_array_new ();
          g_autoptr(GError) error = NULL;
          guint n_cuts;

          shoal_peer_wire_decoder_set_n_pieces (dec, n_pieces);
          if (mode == 0)
            {
              /* Byte by byte. */
              for (gsize i = 1; i < len; i++)
                cuts[i - 1] = i;
              n_cuts = len > 0 ? (guint) len - 1 : 0;
            }
          else
            {
              cuts[0] = s;
              n_cuts = 1;
            }

          g_assert_true (feed (dec, data, len, cuts, n_cuts, out, &error));
          g_assert_no_error (error);
          g_assert_true (shoal_peer_wire_decoder_is_idle (dec));
          g_assert_cmpuint (out->len, ==, n_expected);
          for (guint i = 0; i < n_expected; i++)
            assert_message_equal (&expected[i], &g_array_index (out, Decoded, i));
        }
    }
}

/* Round trips, one per message type */

static const guint8 bitfield_bytes[] = { 0xff, 0x00, 0xa5, 0xc0 }; /* 26 pieces */
static const guint8 ext_payload[] = "d1:ai1ee";

static guint8 *
make_block (gsize len)
{
  guint8 *block = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    block[i] = (guint8) (i * 7 + 3);
  return block;
}

typedef struct
{
  const char          *name;
  ShoalPeerWireMessage msg;
  gsize                wire_len; /* expected encoded size */
} RoundTripCase;

static const RoundTripCase round_trip_cases[] = {
  { "keep-alive", { .type = SHOAL_PEER_WIRE_KEEP_ALIVE }, 4 },
  { "choke", { .type = SHOAL_PEER_WIRE_CHOKE }, 5 },
  { "unchoke", { .type = SHOAL_PEER_WIRE_UNCHOKE }, 5 },
  { "interested", { .type = SHOAL_PEER_WIRE_INTERESTED }, 5 },
  { "not-interested", { .type = SHOAL_PEER_WIRE_NOT_INTERESTED }, 5 },
  { "have", { .type = SHOAL_PEER_WIRE_HAVE, .index = 0x01020304 }, 9 },
  { "bitfield", { .type = SHOAL_PEER_WIRE_BITFIELD, .payload = bitfield_bytes,
                  .payload_len = sizeof bitfield_bytes }, 9 },
  { "request", { .type = SHOAL_PEER_WIRE_REQUEST, .index = 7, .begin = 0xffffc000,
                 .length = 16384 }, 17 },
  { "piece", { .type = SHOAL_PEER_WIRE_PIECE, .index = 9, .begin = 16384 }, 13 + 16384 },
  { "piece-small", { .type = SHOAL_PEER_WIRE_PIECE, .index = 0, .begin = 3 }, 13 + 1 },
  { "cancel", { .type = SHOAL_PEER_WIRE_CANCEL, .index = 1, .begin = 2, .length = 3 }, 17 },
  { "port", { .type = SHOAL_PEER_WIRE_PORT, .port = 51413 }, 7 },
  { "suggest", { .type = SHOAL_PEER_WIRE_SUGGEST, .index = 25 }, 9 },
  { "have-all", { .type = SHOAL_PEER_WIRE_HAVE_ALL }, 5 },
  { "have-none", { .type = SHOAL_PEER_WIRE_HAVE_NONE }, 5 },
  { "reject", { .type = SHOAL_PEER_WIRE_REJECT, .index = 4, .begin = 32768, .length = 100 }, 17 },
  { "allowed-fast", { .type = SHOAL_PEER_WIRE_ALLOWED_FAST, .index = 0xffffffff }, 9 },
  { "extended", { .type = SHOAL_PEER_WIRE_EXTENDED, .extended_id = 3, .payload = ext_payload,
                  .payload_len = sizeof ext_payload - 1 }, 6 + sizeof ext_payload - 1 },
  { "extended-empty", { .type = SHOAL_PEER_WIRE_EXTENDED, .extended_id = 255 }, 6 },
};

static void
test_round_trip (gconstpointer data)
{
  const RoundTripCase *c = data;
  ShoalPeerWireMessage msg = c->msg;
  g_autofree guint8 *block = NULL;
  g_autoptr(GByteArray) wire = g_byte_array_new ();

  if (msg.type == SHOAL_PEER_WIRE_PIECE)
    {
      msg.payload_len = c->wire_len - 13;
      msg.length = (guint32) msg.payload_len;
      block = make_block (msg.payload_len);
      msg.payload = block;
    }

  shoal_peer_wire_encode (wire, &msg);
  g_assert_cmpuint (wire->len, ==, c->wire_len);
  /* The id sits after the length prefix, which counts everything after it. */
  g_assert_cmpuint (((guint32) wire->data[0] << 24 | (guint32) wire->data[1] << 16 |
                     (guint32) wire->data[2] << 8 | wire->data[3]), ==, c->wire_len - 4);
  if (msg.type != SHOAL_PEER_WIRE_KEEP_ALIVE)
    g_assert_cmpuint (wire->data[4], ==, msg.type);

  /* 26 pieces: the bitfield case is checked against a known piece count too. */
  assert_decodes_to (wire->data, wire->len, &msg, 1, 0);
  if (msg.type == SHOAL_PEER_WIRE_BITFIELD)
    assert_decodes_to (wire->data, wire->len, &msg, 1, 26);
}

/* The specific encoders write the same bytes as the generic one. */
static void
test_specific_encoders (void)
{
  g_autoptr(GByteArray) a = g_byte_array_new ();
  g_autoptr(GByteArray) b = g_byte_array_new ();
  static const guint8 block[] = { 1, 2, 3 };
  guint8 header[13];
  static const guint8 expected_header[13] = { 0, 0, 0, 12, 7, 0, 0, 0, 5, 0, 0, 0x40, 0 };

  shoal_peer_wire_encode_keep_alive (a);
  shoal_peer_wire_encode_simple (a, SHOAL_PEER_WIRE_INTERESTED);
  shoal_peer_wire_encode_have (a, 5);
  shoal_peer_wire_encode_suggest (a, 6);
  shoal_peer_wire_encode_allowed_fast (a, 7);
  shoal_peer_wire_encode_bitfield (a, bitfield_bytes, sizeof bitfield_bytes);
  shoal_peer_wire_encode_request (a, 1, 2, 3);
  shoal_peer_wire_encode_cancel (a, 1, 2, 3);
  shoal_peer_wire_encode_reject (a, 1, 2, 3);
  shoal_peer_wire_encode_piece (a, 5, 16384, block, sizeof block);
  shoal_peer_wire_encode_port (a, 6881);
  shoal_peer_wire_encode_extended (a, 2, block, sizeof block);

  {
    const ShoalPeerWireMessage msgs[] = {
      { .type = SHOAL_PEER_WIRE_KEEP_ALIVE },
      { .type = SHOAL_PEER_WIRE_INTERESTED },
      { .type = SHOAL_PEER_WIRE_HAVE, .index = 5 },
      { .type = SHOAL_PEER_WIRE_SUGGEST, .index = 6 },
      { .type = SHOAL_PEER_WIRE_ALLOWED_FAST, .index = 7 },
      { .type = SHOAL_PEER_WIRE_BITFIELD, .payload = bitfield_bytes, .payload_len = sizeof bitfield_bytes },
      { .type = SHOAL_PEER_WIRE_REQUEST, .index = 1, .begin = 2, .length = 3 },
      { .type = SHOAL_PEER_WIRE_CANCEL, .index = 1, .begin = 2, .length = 3 },
      { .type = SHOAL_PEER_WIRE_REJECT, .index = 1, .begin = 2, .length = 3 },
      { .type = SHOAL_PEER_WIRE_PIECE, .index = 5, .begin = 16384, .length = 3, .payload = block, .payload_len = 3 },
      { .type = SHOAL_PEER_WIRE_PORT, .port = 6881 },
      { .type = SHOAL_PEER_WIRE_EXTENDED, .extended_id = 2, .payload = block, .payload_len = 3 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (msgs); i++)
      shoal_peer_wire_encode (b, &msgs[i]);
    g_assert_cmpmem (a->data, a->len, b->data, b->len);

    /* And the whole stream decodes back, however it is split. */
    assert_decodes_to (a->data, a->len, msgs, G_N_ELEMENTS (msgs), 0);
  }

  shoal_peer_wire_encode_piece_header (header, 5, 16384, 3);
  g_assert_cmpmem (header, sizeof header, expected_header, sizeof expected_header);
}

/* A message wholly inside the fed bytes is handed out in place; one split
 * across calls is reassembled in the decoder's buffer. */
static void
test_payload_zero_copy (void)
{
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *block = make_block (16384);
  ShoalPeerWireMessage msg;
  gsize used;
  ShoalPeerWireDecodeResult r;

  shoal_peer_wire_encode_piece (wire, 1, 0, block, 16384);
  shoal_peer_wire_encode_piece (wire, 2, 16384, block, 16384);

  r = shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &used, &msg, NULL);
  g_assert_cmpint (r, ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_cmpuint (used, ==, 13 + 16384);
  g_assert_true (msg.payload == wire->data + 13);

  /* Second message: feed it in two parts. */
  r = shoal_peer_wire_decoder_decode (dec, wire->data + used, 100, &used, &msg, NULL);
  g_assert_cmpint (r, ==, SHOAL_PEER_WIRE_DECODE_NEED_MORE);
  g_assert_cmpuint (used, ==, 100);
  g_assert_false (shoal_peer_wire_decoder_is_idle (dec));
  r = shoal_peer_wire_decoder_decode (dec, wire->data + 13 + 16384 + 100,
                                      wire->len - (13 + 16384 + 100), &used, &msg, NULL);
  g_assert_cmpint (r, ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_cmpuint (msg.index, ==, 2);
  g_assert_cmpuint (msg.begin, ==, 16384);
  g_assert_true (msg.payload < wire->data || msg.payload >= wire->data + wire->len);
  g_assert_cmpmem (msg.payload, msg.payload_len, block, 16384);
  g_assert_true (shoal_peer_wire_decoder_is_idle (dec));
}

static void
test_skip_unknown (void)
{
  /* Id 24 (no message has it) with a 48-byte payload, then a have. */
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  guint8 unknown[53] = { 0, 0, 0, 49, 24 };
  const ShoalPeerWireMessage have = { .type = SHOAL_PEER_WIRE_HAVE, .index = 3 };
  g_autofree gsize *cuts = NULL;

  memset (unknown + 5, 0xaa, 48);
  g_byte_array_append (wire, unknown, sizeof unknown);
  shoal_peer_wire_encode_have (wire, 3);

  cuts = g_new (gsize, wire->len);
  for (gsize s = 0; s <= wire->len; s++)
    {
      g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
      g_autoptr(GArray) out = decoded_array_new ();
      g_autoptr(GError) error = NULL;

      /* Rejected by default... */
      cuts[0] = s;
      g_assert_false (feed (dec, wire->data, wire->len, cuts, 1, out, &error));
      g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE);
      g_assert_cmpuint (out->len, ==, 0);
    }

  for (gsize s = 0; s <= wire->len; s++)
    {
      g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
      g_autoptr(GArray) out = decoded_array_new ();
      g_autoptr(GError) error = NULL;

      /* ...and dropped when asked. */
      shoal_peer_wire_decoder_set_skip_unknown (dec, TRUE);
      cuts[0] = s;
      g_assert_true (feed (dec, wire->data, wire->len, cuts, 1, out, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (out->len, ==, 1);
      assert_message_equal (&have, &g_array_index (out, Decoded, 0));
    }
}

/* Rejections */

typedef struct
{
  const char *name;
  const char *bytes;       /* hex */
  gint        code;
  guint32     n_pieces;
  gboolean    skip_unknown;
  gint        features;    /* -1 for the default */
  guint32     max_block;   /* 0 for the default */
} RejectCase;

static const RejectCase reject_cases[] = {
  { "choke-with-payload", "0000000200ff", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "unchoke-with-payload", "000000020100", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "interested-huge", "ffffffff02", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "have-short", "0000000404000000", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "have-long", "000000060400000001ff", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "request-short", "0000000c06", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "cancel-long", "0000000e08", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "port-long", "0000000409", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "piece-without-block", "0000000907", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "piece-tiny", "0000000207", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "piece-block-too-large", "0000400a07", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 0 },
  { "piece-huge", "ffffffff07", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 0 },
  { "piece-over-configured-block", "0000040a07", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 1024 },
  { "bitfield-empty", "0000000105", SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD, 0, FALSE, -1, 0 },
  { "bitfield-too-large", "0004000205", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 0 },
  { "bitfield-huge", "ffffffff05", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 0 },
  { "bitfield-wrong-size", "0000000205", SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD, 10, FALSE, -1, 0 },
  { "bitfield-spare-bits", "0000000305ff20", SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD, 10, FALSE, -1, 0 },
  { "unknown-id", "000000012a", SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE, 0, FALSE, -1, 0 },
  { "unknown-id-10", "000000010a", SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE, 0, FALSE, -1, 0 },
  { "unknown-skipped-too-large", "00004e2018", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, TRUE, -1, 0 },
  { "extended-without-id", "0000000114", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "extended-too-large", "0010040214", SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE, 0, FALSE, -1, 0 },
  { "extended-not-negotiated", "000000021400", SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED, 0, FALSE,
    SHOAL_PEER_WIRE_FEATURE_FAST, 0 },
  { "have-all-not-negotiated", "000000010e", SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED, 0, FALSE,
    SHOAL_PEER_WIRE_FEATURE_EXTENSION, 0 },
  { "reject-not-negotiated", "0000000d10", SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED, 0, FALSE, 0, 0 },
  { "have-none-long", "000000020f00", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "suggest-short", "000000020d00", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "reject-short", "000000051000000000", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
  { "allowed-fast-long", "0000000611", SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, 0, FALSE, -1, 0 },
};


static guint8 *
decode_hex (const char *hex,
            gsize      *len)
{
  gsize hex_len = strlen (hex);
  guint8 *out = g_malloc (hex_len / 2 + 1);

  g_assert_true (hex_len % 2 == 0);
  g_assert_true (shoal_hex_decode (hex, hex_len, out, hex_len / 2));
  *len = hex_len / 2;
  return out;
}

static ShoalPeerWireDecoder *
reject_decoder_new (const RejectCase *c)
{
  ShoalPeerWireDecoder *dec = shoal_peer_wire_decoder_new ();

  shoal_peer_wire_decoder_set_n_pieces (dec, c->n_pieces);
  shoal_peer_wire_decoder_set_skip_unknown (dec, c->skip_unknown);
  if (c->features >= 0)
    shoal_peer_wire_decoder_set_features (dec, c->features);
  if (c->max_block > 0)
    shoal_peer_wire_decoder_set_max_block_size (dec, c->max_block);
  return dec;
}

static void
test_reject (gconstpointer data)
{
  const RejectCase *c = data;
  gsize len;
  g_autofree guint8 *bytes = decode_hex (c->bytes, &len);
  g_autofree gsize *cuts = g_new (gsize, len);

  for (gsize i = 1; i < len; i++)
    cuts[i - 1] = i;

  for (guint mode = 0; mode < 2; mode++)
    {
      g_autoptr(ShoalPeerWireDecoder) dec = reject_decoder_new (c);
      g_autoptr(GArray) out = decoded_array_new ();
      g_autoptr(GError) error = NULL;
      ShoalPeerWireMessage msg;
      gsize used = 1;

      /* One chunk, then byte by byte. Most inputs are only the 5-byte
       * header: the decoder must reject them before any body arrives. */
      g_assert_false (feed (dec, bytes, len, cuts, mode == 0 ? 0 : (guint) len - 1, out, &error));
      g_assert_error (error, SHOAL_PEER_WIRE_ERROR, c->code);
      g_assert_cmpuint (out->len, ==, 0);
      /* The message says what the peer did. */
      g_assert_true (g_str_has_prefix (error->message, "Peer "));
      g_test_message ("%s: %s", c->name, error->message);

      /* A failed decoder stays failed. */
      g_clear_error (&error);
      g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, (const guint8 *) "\0\0\0\0", 4, &used, &msg, &error),
                       ==, SHOAL_PEER_WIRE_DECODE_ERROR);
      g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_FAILED);
      g_assert_cmpuint (used, ==, 0);
    }
}

/* A valid stream before the bad message is still delivered. */
static void
test_reject_after_messages (void)
{
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GArray) out = decoded_array_new ();
  g_autoptr(GError) error = NULL;
  static const guint8 bad[] = { 0, 0, 0, 6, 4, 0, 0, 0, 1, 0 };

  shoal_peer_wire_encode_simple (wire, SHOAL_PEER_WIRE_UNCHOKE);
  shoal_peer_wire_encode_have (wire, 1);
  g_byte_array_append (wire, bad, sizeof bad);
  shoal_peer_wire_encode_have (wire, 2);

  g_assert_false (feed (dec, wire->data, wire->len, NULL, 0, out, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH);
  g_assert_cmpuint (out->len, ==, 2);
  g_assert_cmpint (g_array_index (out, Decoded, 0).msg.type, ==, SHOAL_PEER_WIRE_UNCHOKE);
  g_assert_cmpuint (g_array_index (out, Decoded, 1).msg.index, ==, 1);
}

/* Limits can be raised: a 32 KiB block once both limits allow it. */
static void
test_configured_limits (void)
{
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GArray) out = decoded_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *block = make_block (32768);

  shoal_peer_wire_encode_piece (wire, 0, 0, block, 32768);
  shoal_peer_wire_decoder_set_max_block_size (dec, 32768);
  g_assert_false (feed (dec, wire->data, wire->len, NULL, 0, out, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE);

  g_clear_pointer (&dec, shoal_peer_wire_decoder_free);
  g_clear_error (&error);
  dec = shoal_peer_wire_decoder_new ();
  shoal_peer_wire_decoder_set_max_block_size (dec, 32768);
  shoal_peer_wire_decoder_set_max_message_size (dec, 32768 + 9);
  g_assert_true (feed (dec, wire->data, wire->len, NULL, 0, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpuint (g_array_index (out, Decoded, 0).msg.payload_len, ==, 32768);

  /* A smaller bitfield limit while the piece count is unknown. */
  g_clear_pointer (&dec, shoal_peer_wire_decoder_free);
  g_byte_array_set_size (wire, 0);
  shoal_peer_wire_encode_bitfield (wire, block, 100);
  dec = shoal_peer_wire_decoder_new ();
  shoal_peer_wire_decoder_set_max_bitfield_size (dec, 99);
  g_assert_false (feed (dec, wire->data, 5, NULL, 0, out, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE);

  /* And a smaller extended limit. */
  g_clear_pointer (&dec, shoal_peer_wire_decoder_free);
  g_clear_error (&error);
  g_byte_array_set_size (wire, 0);
  shoal_peer_wire_encode_extended (wire, 1, block, 100);
  dec = shoal_peer_wire_decoder_new ();
  shoal_peer_wire_decoder_set_max_extended_size (dec, 100);
  g_assert_false (feed (dec, wire->data, 5, NULL, 0, out, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE);
}

/* Handshake */

static void
test_handshake_round_trip (void)
{
  ShoalPeerWireHandshake hs = { { 0 } };
  ShoalPeerWireHandshake parsed;
  guint8 wire[SHOAL_PEER_WIRE_HANDSHAKE_LEN + 5];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 20; i++)
    {
      hs.info_hash[i] = (guint8) (0xa0 + i);
      hs.peer_id[i] = (guint8) ('a' + i);
    }
  shoal_peer_wire_reserved_set_features (hs.reserved, SHOAL_PEER_WIRE_FEATURE_FAST |
                                                      SHOAL_PEER_WIRE_FEATURE_EXTENSION);
  shoal_peer_wire_handshake_encode (&hs, wire);
  memset (wire + SHOAL_PEER_WIRE_HANDSHAKE_LEN, 0xee, 5);

  g_assert_cmpuint (wire[0], ==, 19);
  g_assert_cmpmem (wire + 1, 19, "BitTorrent protocol", 19);
  g_assert_cmpmem (wire + 28, 20, hs.info_hash, 20);
  g_assert_cmpmem (wire + 48, 20, hs.peer_id, 20);

  /* Bytes after the handshake (the first message) are not its business. */
  g_assert_true (shoal_peer_wire_handshake_parse (wire, sizeof wire, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (parsed.reserved, 8, hs.reserved, 8);
  g_assert_cmpmem (parsed.info_hash, 20, hs.info_hash, 20);
  g_assert_cmpmem (parsed.peer_id, 20, hs.peer_id, 20);
  g_assert_cmpint (shoal_peer_wire_reserved_get_features (parsed.reserved), ==,
                   SHOAL_PEER_WIRE_FEATURE_FAST | SHOAL_PEER_WIRE_FEATURE_EXTENSION);

  /* Every prefix of a good handshake passes the early check. */
  for (gsize n = 0; n <= SHOAL_PEER_WIRE_HANDSHAKE_LEN; n++)
    g_assert_true (shoal_peer_wire_handshake_check_prefix (wire, n, NULL));
}

static void
test_reserved_bits (void)
{
  static const struct { ShoalPeerWireFeatures feature; guint byte; guint8 bit; } bits[] = {
    { SHOAL_PEER_WIRE_FEATURE_DHT, 7, 0x01 },
    { SHOAL_PEER_WIRE_FEATURE_FAST, 7, 0x04 },
    { SHOAL_PEER_WIRE_FEATURE_V2, 7, 0x10 },
    { SHOAL_PEER_WIRE_FEATURE_EXTENSION, 5, 0x10 },
  };
  guint8 reserved[8];

  for (guint i = 0; i < G_N_ELEMENTS (bits); i++)
    {
      guint8 expected[8] = { 0 };

      memset (reserved, 0, sizeof reserved);
      shoal_peer_wire_reserved_set_features (reserved, bits[i].feature);
      expected[bits[i].byte] = bits[i].bit;
      g_assert_cmpmem (reserved, 8, expected, 8);
      g_assert_cmpint (shoal_peer_wire_reserved_get_features (reserved), ==, bits[i].feature);
    }

  /* Bits we do not know (Azureus messaging, location-aware) are kept. */
  memset (reserved, 0, sizeof reserved);
  reserved[0] = 0x80;
  reserved[7] = 0x08;
  shoal_peer_wire_reserved_set_features (reserved, SHOAL_PEER_WIRE_FEATURE_ALL);
  g_assert_cmpuint (reserved[0], ==, 0x80);
  g_assert_cmpuint (reserved[5], ==, 0x10);
  g_assert_cmpuint (reserved[7], ==, 0x08 | 0x01 | 0x04 | 0x10);
  g_assert_cmpint (shoal_peer_wire_reserved_get_features (reserved), ==, SHOAL_PEER_WIRE_FEATURE_ALL);
  shoal_peer_wire_reserved_set_features (reserved, SHOAL_PEER_WIRE_FEATURE_NONE);
  g_assert_cmpuint (reserved[5], ==, 0);
  g_assert_cmpuint (reserved[7], ==, 0x08);
}

static void
test_handshake_reject (void)
{
  ShoalPeerWireHandshake hs = { { 0 } };
  ShoalPeerWireHandshake parsed;
  guint8 wire[SHOAL_PEER_WIRE_HANDSHAKE_LEN];
  static const char http[] = "GET /announce HTTP/1.1\r\nHost: x\r\n\r\n...............................";
  g_autoptr(GError) error = NULL;

  shoal_peer_wire_handshake_encode (&hs, wire);

  /* Truncated. */
  g_assert_false (shoal_peer_wire_handshake_parse (wire, 67, &parsed, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE);
  g_clear_error (&error);

  /* Another protocol, caught from the first byte. */
  g_assert_false (shoal_peer_wire_handshake_check_prefix ((const guint8 *) http, 1, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE);
  g_clear_error (&error);
  g_assert_false (shoal_peer_wire_handshake_parse ((const guint8 *) http, 68, &parsed, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE);
  g_clear_error (&error);

  /* Right length, wrong name. */
  wire[11] = 'X';
  g_assert_true (shoal_peer_wire_handshake_check_prefix (wire, 11, NULL));
  g_assert_false (shoal_peer_wire_handshake_check_prefix (wire, 12, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE);
  g_clear_error (&error);
  g_assert_false (shoal_peer_wire_handshake_parse (wire, sizeof wire, &parsed, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE);
}

/* Validation with torrent context */

typedef struct
{
  guint32  index;
  guint32  begin;
  guint32  length;
  gboolean ok;
} RequestCase;

static void
test_validate_request (void)
{
  /* 3 pieces of 32 KiB, the last one 1000 bytes. */
  const guint64 piece_length = 32768;
  const guint64 total = 2 * 32768 + 1000;
  static const RequestCase cases[] = {
    { 0, 0, 16384, TRUE },
    { 0, 16384, 16384, TRUE },
    { 1, 32767, 1, TRUE },
    { 2, 0, 1000, TRUE },
    { 2, 999, 1, TRUE },
    { 2, 0, 1001, FALSE },
    { 2, 1000, 1, FALSE },
    { 0, 16385, 16384, FALSE },
    { 0, 0, 0, FALSE },
    { 0, 0, 16385, FALSE },
    { 3, 0, 16384, FALSE },
    { G_MAXUINT32, 0, 1, FALSE },
    /* begin + length is 2^32: must not wrap to 0. */
    { 0, 0xffffc000, 16384, FALSE },
    { 0, G_MAXUINT32, 1, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = shoal_peer_wire_validate_request (cases[i].index, cases[i].begin, cases[i].length,
                                                      3, piece_length, total, &error);

      if (ok != cases[i].ok)
        g_error ("request %u: %u/%u/%u: expected %s", i, cases[i].index, cases[i].begin,
                 cases[i].length, cases[i].ok ? "valid" : "invalid");
      if (!ok)
        g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST);
    }

  /* A torrent over 4 GiB: piece offsets need 64 bits. 70000 pieces of
   * 64 KiB; the last one is 4096 bytes. */
  g_assert_true (shoal_peer_wire_validate_request (69999, 0, 4096, 70000, 65536,
                                                   69999ull * 65536 + 4096, NULL));
  g_assert_false (shoal_peer_wire_validate_request (69999, 0, 4097, 70000, 65536,
                                                    69999ull * 65536 + 4096, NULL));
  g_assert_true (shoal_peer_wire_validate_request (65537, 49152, 16384, 70000, 65536,
                                                   69999ull * 65536 + 4096, NULL));
}

static void
test_validate_bitfield (void)
{
  static const guint8 ten[] = { 0xff, 0xc0 };
  static const guint8 ten_spare[] = { 0xff, 0xe0 };
  static const guint8 ten_low_spare[] = { 0x00, 0x01 };
  static const guint8 sixteen[] = { 0xff, 0xff };
  g_autoptr(GError) error = NULL;

  g_assert_true (shoal_peer_wire_validate_bitfield (ten, 2, 10, NULL));
  g_assert_true (shoal_peer_wire_validate_bitfield (sixteen, 2, 16, NULL));
  g_assert_true (shoal_peer_wire_validate_bitfield (sixteen, 1, 8, NULL));
  g_assert_true (shoal_peer_wire_validate_bitfield (NULL, 0, 0, NULL));

  g_assert_false (shoal_peer_wire_validate_bitfield (ten_spare, 2, 10, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD);
  g_clear_error (&error);
  g_assert_false (shoal_peer_wire_validate_bitfield (ten_low_spare, 2, 10, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD);
  g_clear_error (&error);
  g_assert_false (shoal_peer_wire_validate_bitfield (sixteen, 2, 17, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD);
  g_clear_error (&error);
  g_assert_false (shoal_peer_wire_validate_bitfield (sixteen, 2, 8, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD);
  g_clear_error (&error);
  /* The largest piece count: the expected size is computed in 64 bits. */
  g_assert_false (shoal_peer_wire_validate_bitfield (sixteen, 2, G_MAXUINT32, &error));
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD);
}

/* Extension handshake */

static ShoalPeerWireExtHandshake *
parse_ext (const char  *text,
           GError     **error)
{
  return shoal_peer_wire_ext_handshake_parse ((const guint8 *) text, strlen (text), error);
}

static void
test_ext_handshake_round_trip (void)
{
  g_autoptr(ShoalPeerWireExtHandshake) hs = shoal_peer_wire_ext_handshake_new ();
  g_autoptr(ShoalPeerWireExtHandshake) parsed = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) parsed6 = NULL;
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  g_autoptr(GError) error = NULL;
  static const char expected[] =
    "d1:md11:lt_donthavei7e11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei1234e"
    "1:pi6881e4:reqqi500e1:v11:Shoal 0.1.06:yourip4:\x7f\x00\x00\x01" "e";
  static const guint8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
  ShoalPeerWireMessage msg;
  gsize used;

  /* Added out of order: the encoder sorts the keys. */
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "ut_pex", 1));
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "ut_metadata", 3));
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "lt_donthave", 9));
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "lt_donthave", 7));
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "upload_only", 5));
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "upload_only", 0));
  g_assert_cmpuint (hs->n_extensions, ==, 3);
  shoal_peer_wire_ext_handshake_set_client (hs, "Shoal 0.1.0");
  hs->listen_port = 6881;
  hs->reqq = 500;
  memcpy (hs->yourip, "\x7f\x00\x00\x01", 4);
  hs->yourip_len = 4;
  hs->metadata_size = 1234;

  shoal_peer_wire_encode_ext_handshake (wire, hs);
  g_assert_cmpuint (wire->len, ==, 6 + sizeof expected - 1);
  g_assert_cmpuint (wire->data[4], ==, SHOAL_PEER_WIRE_EXTENDED);
  g_assert_cmpuint (wire->data[5], ==, 0);
  g_assert_cmpmem (wire->data + 6, wire->len - 6, expected, sizeof expected - 1);

  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &used, &msg, &error),
                   ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_cmpint (msg.type, ==, SHOAL_PEER_WIRE_EXTENDED);
  g_assert_cmpuint (msg.extended_id, ==, 0);
  parsed = shoal_peer_wire_ext_handshake_parse (msg.payload, msg.payload_len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);

  g_assert_cmpuint (parsed->n_extensions, ==, 3);
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (parsed, "ut_pex"), ==, 1);
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (parsed, "ut_metadata"), ==, 3);
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (parsed, "lt_donthave"), ==, 7);
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (parsed, "upload_only"), ==, 0);
  g_assert_cmpstr (parsed->client, ==, "Shoal 0.1.0");
  g_assert_cmpuint (parsed->listen_port, ==, 6881);
  g_assert_cmpuint (parsed->reqq, ==, 500);
  g_assert_cmpuint (parsed->yourip_len, ==, 4);
  g_assert_cmpmem (parsed->yourip, 4, "\x7f\x00\x00\x01", 4);
  g_assert_cmpint (parsed->metadata_size, ==, 1234);

  /* IPv6, and the optional keys left out. */
  g_byte_array_set_size (wire, 0);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);
  hs = shoal_peer_wire_ext_handshake_new ();
  memcpy (hs->yourip, v6, 16);
  hs->yourip_len = 16;
  shoal_peer_wire_encode_ext_handshake (wire, hs);
  g_assert_cmpuint (wire->len, ==, 6 + 17 + 16 + 1);
  g_assert_cmpint (memcmp (wire->data + 6, "d1:mde6:yourip16:", 17), ==, 0);
  parsed6 = shoal_peer_wire_ext_handshake_parse (wire->data + 6, wire->len - 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed6->n_extensions, ==, 0);
  g_assert_null (parsed6->client);
  g_assert_cmpuint (parsed6->listen_port, ==, 0);
  g_assert_cmpuint (parsed6->reqq, ==, 0);
  g_assert_cmpint (parsed6->metadata_size, ==, -1);
  g_assert_cmpuint (parsed6->yourip_len, ==, 16);
  g_assert_cmpmem (parsed6->yourip, 16, v6, 16);
}

static void
test_ext_handshake_add_bounds (void)
{
  g_autoptr(ShoalPeerWireExtHandshake) hs = shoal_peer_wire_ext_handshake_new ();
  g_autofree char *long_name = g_strnfill (SHOAL_PEER_WIRE_MAX_EXTENSION_NAME + 1, 'x');

  g_assert_false (shoal_peer_wire_ext_handshake_add (hs, "", 1));
  g_assert_false (shoal_peer_wire_ext_handshake_add (hs, long_name, 1));
  g_assert_false (shoal_peer_wire_ext_handshake_add (hs, "bad\xff", 1));
  for (guint i = 0; i < SHOAL_PEER_WIRE_MAX_EXTENSIONS; i++)
    {
      g_autofree char *name = g_strdup_printf ("ext_%02u", i);

      g_assert_true (shoal_peer_wire_ext_handshake_add (hs, name, (guint8) (i + 1)));
    }
  g_assert_false (shoal_peer_wire_ext_handshake_add (hs, "one_too_many", 1));
  /* Removing makes room again. */
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "ext_10", 0));
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (hs, "ext_10"), ==, 0);
  g_assert_cmpuint (shoal_peer_wire_ext_handshake_lookup (hs, "ext_63"), ==, 64);
  g_assert_true (shoal_peer_wire_ext_handshake_add (hs, "one_too_many", 1));
}

typedef struct
{
  const char *name;
  const char *payload;
} ExtRejectCase;

static const ExtRejectCase ext_reject_cases[] = {
  { "not-bencode", "hello" },
  { "not-dict", "li1ee" },
  { "trailing-data", "d1:mdeex" },
  { "truncated", "d1:md6:ut_pexi1e" },
  { "m-not-dict", "d1:mli1eee" },
  { "id-too-large", "d1:md6:ut_pexi256eee" },
  { "id-negative", "d1:md6:ut_pexi-1eee" },
  { "metadata-size-negative", "d1:mde13:metadata_sizei-5ee" },
  { "metadata-size-huge", "d1:mde13:metadata_sizei1099511627776ee" },
  { "too-deep", "d1:xllllllllllllllllleeeeeeeeeeeeeeeeeee" },
};

static void
test_ext_handshake_reject (gconstpointer data)
{
  const ExtRejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) hs = parse_ext (c->payload, &error);

  g_assert_null (hs);
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION);
  g_assert_true (g_str_has_prefix (error->message, "Peer sent a bad extension handshake: "));
}

static void
test_ext_handshake_bounds (void)
{
  g_autoptr(GString) text = g_string_new ("d1:md");
  g_autoptr(ShoalPeerWireExtHandshake) hs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *long_v = g_strnfill (1000, 'v');
  g_autofree char *long_name = g_strnfill (SHOAL_PEER_WIRE_MAX_EXTENSION_NAME + 1, 'n');
  /* A name with a nul, a disabled one, a string id, the largest id, a name
   * that is not UTF-8. */
  static const char odd_entries[] = "5:a\0bcdi2e1:bi0e1:c3:str1:di255e2:\xff\xfei4eee";
  static const char dirty_v[] = "d1:v11:ab\0c\n\xff\xc3\xa9\x1b\x7f" "de";

  /* Empty payload. */
  hs = shoal_peer_wire_ext_handshake_parse ((const guint8 *) "", 0, &error);
  g_assert_null (hs);
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION);
  g_clear_error (&error);

  /* 64 entries pass, 65 do not. */
  for (guint i = 0; i < SHOAL_PEER_WIRE_MAX_EXTENSIONS; i++)
    g_string_append_printf (text, "5:e_%03ui%ue", i, i + 1);
  g_string_append (text, "ee");
  hs = parse_ext (text->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->n_extensions, ==, SHOAL_PEER_WIRE_MAX_EXTENSIONS);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);
  g_string_truncate (text, text->len - 2);
  g_string_append (text, "5:e_999i1eee");
  hs = parse_ext (text->str, &error);
  g_assert_null (hs);
  g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION);
  g_clear_error (&error);

  /* Entries we cannot use are dropped, the rest kept; id 0 means disabled,
   * 255 is the largest id. */
  g_string_printf (text, "d1:md%u:%si1e", (guint) strlen (long_name), long_name);
  g_string_append_len (text, odd_entries, sizeof odd_entries - 1);
  hs = shoal_peer_wire_ext_handshake_parse ((const guint8 *) text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->n_extensions, ==, 1);
  g_assert_cmpstr (hs->extension_names[0], ==, "d");
  g_assert_cmpuint (hs->extension_ids[0], ==, 255);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  /* reqq clamped, bad port and yourip ignored, metadata_size 0 absent. */
  hs = parse_ext ("d1:mde13:metadata_sizei0e1:pi70000e4:reqqi100000e6:yourip5:12345e", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->reqq, ==, SHOAL_PEER_WIRE_MAX_REQQ);
  g_assert_cmpuint (hs->listen_port, ==, 0);
  g_assert_cmpuint (hs->yourip_len, ==, 0);
  g_assert_cmpint (hs->metadata_size, ==, -1);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  hs = parse_ext ("d1:pi0e4:reqqi0ee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->reqq, ==, 1);
  g_assert_cmpuint (hs->listen_port, ==, 0);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  hs = parse_ext ("d1:pi-1e4:reqqi-7ee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->reqq, ==, 1);
  g_assert_cmpuint (hs->listen_port, ==, 0);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  /* Keys of the wrong type are ignored. */
  hs = parse_ext ("d1:pli1ee4:reqq1:x1:vi5e6:youripi4ee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hs->reqq, ==, 0);
  g_assert_null (hs->client);
  g_assert_cmpuint (hs->yourip_len, ==, 0);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  /* A long `v` is cut to 256 bytes. */
  g_string_printf (text, "d1:v1000:%se", long_v);
  hs = parse_ext (text->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (hs->client), ==, SHOAL_PEER_WIRE_MAX_CLIENT_NAME);
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  /* Control characters and invalid UTF-8 are replaced. */
  g_string_truncate (text, 0);
  g_string_append_len (text, dirty_v, sizeof dirty_v - 1);
  hs = shoal_peer_wire_ext_handshake_parse ((const guint8 *) text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (hs->client, -1, NULL));
  g_assert_cmpstr (hs->client, ==, "ab?c?\xef\xbf\xbd\xc3\xa9??d");
  g_clear_pointer (&hs, shoal_peer_wire_ext_handshake_free);

  /* 256 invalid bytes would become 768 bytes of U+FFFD: still cut to 256,
   * on a character boundary. */
  g_string_assign (text, "d1:v256:");
  for (guint i = 0; i < 256; i++)
    g_string_append_c (text, (char) 0xff);
  g_string_append_c (text, 'e');
  hs = shoal_peer_wire_ext_handshake_parse ((const guint8 *) text->str, text->len, &error);
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (hs->client, -1, NULL));
  g_assert_cmpuint (strlen (hs->client), <=, SHOAL_PEER_WIRE_MAX_CLIENT_NAME);
  g_assert_cmpuint (strlen (hs->client), ==, 255);

  /* set_client applies the same cleaning. */
  shoal_peer_wire_ext_handshake_set_client (hs, "bad\x01name");
  g_assert_cmpstr (hs->client, ==, "bad?name");
  shoal_peer_wire_ext_handshake_set_client (hs, NULL);
  g_assert_null (hs->client);
}

/* Peer ids */

typedef struct
{
  const char *prefix;
  gsize       prefix_len;
  const char *client;
} PeerIdCase;

#define ID(s) s, sizeof s - 1

static const PeerIdCase peer_id_cases[] = {
  { ID ("-LT2080-"), "libtorrent (Rasterbar) 2.0.8" },
  { ID ("-LT12J0-"), "libtorrent (Rasterbar) 1.2.19" },
  { ID ("-lt0D60-"), "libTorrent (Rakshasa) 0.13.6" },
  { ID ("-TR3000-"), "Transmission 3.00" },
  { ID ("-TR294Z-"), "Transmission 2.94+" },
  { ID ("-TR0072-"), "Transmission 0.72" },
  { ID ("-TR0006-"), "Transmission 0.6" },
  { ID ("-TR4050-"), "Transmission 4.0.5" },
  { ID ("-TR400B-"), "Transmission 4.0.0 Beta" },
  { ID ("-qB4500-"), "qBittorrent 4.5.0" },
  { ID ("-qB43A0-"), "qBittorrent 4.3.10" },
  { ID ("-DE13F0-"), "Deluge 1.3.15" },
  { ID ("-DE211s-"), "Deluge 2.1.1" },
  { ID ("-UT3550-"), "\xc2\xb5Torrent 3.5.5" },
  { ID ("-AZ5770-"), "Vuze 5.7.7" },
  { ID ("-BI2411-"), "BiglyBT 2.4.1.1" },
  { ID ("-A~0010-"), "Ares 0.0.1" },
  { ID ("-SH0100-"), "Shoal 0.1.0" },
  { ID ("A2-1-36-0-"), "aria2 1.36.0" },
  { ID ("M7-4-3--"), "Mainline 7.4.3" },
  { ID ("M4-20-8-"), "Mainline 4.20.8" },
  { ID ("S58B-----"), "Shadow 5.8.11" },
  { ID ("T03I--"), "BitTornado 0.3.18" },
  /* Not any known style: the first 8 bytes, escaped. */
  { ID ("-ZZ1000-"), "-ZZ1000-" },
  { ID ("-LT20"), "-LT20xxx" },
  { ID ("exbc\x01\x02LORD"), "exbc\\x01\\x02LO" },
  { ID ("\x00\x01" "ab\\cd\xff"), "\\x00\\x01ab\\x5ccd\\xff" },
  { ID ("M7-4x3--"), "M7-4x3--" },
  { ID ("A2-1-36"), "A2-1-36x" },
  { ID ("S-------"), "S-------" },
  { ID ("S5"), "S5xxxxxx" },
};

static void
test_peer_id_to_client (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (peer_id_cases); i++)
    {
      guint8 id[SHOAL_PEER_WIRE_PEER_ID_LEN];
      g_autofree char *client = NULL;

      memset (id, 'x', sizeof id);
      memcpy (id, peer_id_cases[i].prefix, peer_id_cases[i].prefix_len);
      client = shoal_peer_wire_peer_id_to_client (id);
      g_assert_true (g_utf8_validate (client, -1, NULL));
      if (g_strcmp0 (client, peer_id_cases[i].client) != 0)
        g_error ("peer id %u: expected “%s”, got “%s”", i, peer_id_cases[i].client, client);
    }
}

static void
test_generate_peer_id (void)
{
  guint8 a[SHOAL_PEER_WIRE_PEER_ID_LEN];
  guint8 b[SHOAL_PEER_WIRE_PEER_ID_LEN];
  g_autofree char *client = NULL;

  shoal_peer_wire_generate_peer_id (a);
  shoal_peer_wire_generate_peer_id (b);

  g_assert_cmpmem (a, 3, "-SH", 3);
  g_assert_cmpuint (a[7], ==, '-');
  for (guint i = 8; i < SHOAL_PEER_WIRE_PEER_ID_LEN; i++)
    g_assert_true (g_ascii_isalnum (a[i]));
  /* 62^12 possibilities: two equal ids mean the random part is not random. */
  g_assert_false (memcmp (a + 8, b + 8, 12) == 0);

  client = shoal_peer_wire_peer_id_to_client (a);
  g_assert_cmpstr (client, ==, "Shoal " PACKAGE_VERSION);
  if (g_str_equal (PACKAGE_VERSION, "0.1.0"))
    g_assert_cmpmem (a, 8, "-SH0100-", 8);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (round_trip_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/peer-wire/round-trip/%s",
                                               round_trip_cases[i].name);

      g_test_add_data_func (path, &round_trip_cases[i], test_round_trip);
    }
  g_test_add_func ("/engine/peer-wire/encoders", test_specific_encoders);
  g_test_add_func ("/engine/peer-wire/payload-zero-copy", test_payload_zero_copy);
  g_test_add_func ("/engine/peer-wire/skip-unknown", test_skip_unknown);
  for (guint i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/peer-wire/reject/%s", reject_cases[i].name);

      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }
  g_test_add_func ("/engine/peer-wire/reject/after-valid-messages", test_reject_after_messages);
  g_test_add_func ("/engine/peer-wire/configured-limits", test_configured_limits);
  g_test_add_func ("/engine/peer-wire/handshake/round-trip", test_handshake_round_trip);
  g_test_add_func ("/engine/peer-wire/handshake/reserved-bits", test_reserved_bits);
  g_test_add_func ("/engine/peer-wire/handshake/reject", test_handshake_reject);
  g_test_add_func ("/engine/peer-wire/validate-request", test_validate_request);
  g_test_add_func ("/engine/peer-wire/validate-bitfield", test_validate_bitfield);
  g_test_add_func ("/engine/peer-wire/ext-handshake/round-trip", test_ext_handshake_round_trip);
  g_test_add_func ("/engine/peer-wire/ext-handshake/add-bounds", test_ext_handshake_add_bounds);
  g_test_add_func ("/engine/peer-wire/ext-handshake/bounds", test_ext_handshake_bounds);
  for (guint i = 0; i < G_N_ELEMENTS (ext_reject_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/peer-wire/ext-handshake/reject-%s",
                                               ext_reject_cases[i].name);

      g_test_add_data_func (path, &ext_reject_cases[i], test_ext_handshake_reject);
    }
  g_test_add_func ("/engine/peer-wire/peer-id/to-client", test_peer_id_to_client);
  g_test_add_func ("/engine/peer-wire/peer-id/generate", test_generate_peer_id);

  return g_test_run ();
}
