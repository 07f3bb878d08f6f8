/* fuzz-peer-wire.c: the peer wire decoder and the extension handshake parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input layout: byte 0 holds flags (piece count known, skip unknown ids,
 * nothing negotiated, chunk size range), byte 1 seeds the chunk sizes, the
 * rest is the byte stream a peer sends after its handshake.
 *
 * The stream is decoded twice, in one piece and in chunks of pseudo-random
 * sizes, and both runs must agree message for message: splitting must never
 * change what the decoder sees. Each decoded message must re-encode to the
 * exact bytes it came from, and each extension handshake that parses must
 * survive a round trip through the encoder.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shoal-peer-wire.h"

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

static ShoalPeerWireDecoder *
make_decoder (guint8 flags,
              guint8 seed)
{
  ShoalPeerWireDecoder *dec = shoal_peer_wire_decoder_new ();

  if (flags & 0x01)
    shoal_peer_wire_decoder_set_n_pieces (dec, 1 + seed * 3u);
  if (flags & 0x02)
    shoal_peer_wire_decoder_set_skip_unknown (dec, TRUE);
  if (flags & 0x04)
    shoal_peer_wire_decoder_set_features (dec, SHOAL_PEER_WIRE_FEATURE_NONE);
  if (flags & 0x08)
    {
      shoal_peer_wire_decoder_set_max_block_size (dec, 64);
      shoal_peer_wire_decoder_set_max_message_size (dec, 64 + 9);
      shoal_peer_wire_decoder_set_max_bitfield_size (dec, 32);
      shoal_peer_wire_decoder_set_max_extended_size (dec, 256);
    }
  return dec;
}

static void
check_ext_handshake (const guint8 *data,
                     gsize         len)
{
  g_autoptr(ShoalPeerWireExtHandshake) hs = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) again = NULL;
  g_autoptr(GByteArray) wire = NULL;

  hs = shoal_peer_wire_ext_handshake_parse (data, len, NULL);
  if (hs == NULL)
    return;

  g_assert (hs->n_extensions <= SHOAL_PEER_WIRE_MAX_EXTENSIONS);
  g_assert (hs->client == NULL ||
            (strlen (hs->client) <= SHOAL_PEER_WIRE_MAX_CLIENT_NAME &&
             g_utf8_validate (hs->client, -1, NULL)));
  g_assert (hs->reqq <= SHOAL_PEER_WIRE_MAX_REQQ);
  g_assert (hs->yourip_len == 0 || hs->yourip_len == 4 || hs->yourip_len == 16);
  g_assert (hs->metadata_size == -1 ||
            (hs->metadata_size > 0 && hs->metadata_size <= SHOAL_PEER_WIRE_MAX_METADATA_SIZE));

  wire = g_byte_array_new ();
  shoal_peer_wire_encode_ext_handshake (wire, hs);
  again = shoal_peer_wire_ext_handshake_parse (wire->data + 6, wire->len - 6, NULL);
  g_assert (again != NULL);
  g_assert (again->n_extensions == hs->n_extensions);
  for (guint i = 0; i < hs->n_extensions; i++)
    g_assert (shoal_peer_wire_ext_handshake_lookup (again, hs->extension_names[i]) ==
              hs->extension_ids[i]);
  g_assert (g_strcmp0 (again->client, hs->client) == 0);
  g_assert (again->listen_port == hs->listen_port);
  g_assert (again->reqq == hs->reqq);
  g_assert (again->yourip_len == hs->yourip_len);
  g_assert (memcmp (again->yourip, hs->yourip, hs->yourip_len) == 0);
  g_assert (again->metadata_size == hs->metadata_size);
}

/* Decodes @stream, @max_chunk bytes or fewer at a time (0: all at once).
 * Returns the error code, or -1 if the stream decoded cleanly. */
static gint
decode_stream (ShoalPeerWireDecoder *dec,
               const guint8         *stream,
               gsize                 len,
               guint                 max_chunk,
               guint32               seed,
               gboolean              check_encoding,
               GArray               *out)
{
  gsize pos = 0;
  gsize msg_start = 0;
  guint32 state = seed | 1;

  while (pos < len)
    {
      gsize chunk = len - pos;
      g_autofree guint8 *copy = NULL;
      gsize off = 0;

      if (max_chunk > 0)
        {
          /* xorshift32 */
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          chunk = MIN (chunk, 1 + state % max_chunk);
        }
      /* A copy per chunk, so reads past it trip the sanitizers. */
      copy = g_memdup2 (stream + pos, chunk);

      while (off < chunk)
        {
          ShoalPeerWireMessage msg;
          g_autoptr(GError) error = NULL;
          gsize used = 0;
          ShoalPeerWireDecodeResult r;

          r = shoal_peer_wire_decoder_decode (dec, copy + off, chunk - off, &used, &msg, &error);
          g_assert (used <= chunk - off);
          off += used;

          if (r == SHOAL_PEER_WIRE_DECODE_ERROR)
            {
              g_assert (error != NULL && error->domain == SHOAL_PEER_WIRE_ERROR);
              return error->code;
            }
          g_assert (error == NULL);
          if (r == SHOAL_PEER_WIRE_DECODE_NEED_MORE)
            {
              g_assert (off == chunk);
              continue;
            }

          {
            Decoded d = { msg, NULL };

            if (msg.payload != NULL)
              d.payload = g_bytes_new (msg.payload, msg.payload_len);
            d.msg.payload = NULL;
            g_array_append_val (out, d);
          }

          if (msg.type == SHOAL_PEER_WIRE_EXTENDED && msg.extended_id == 0)
            check_ext_handshake (msg.payload, msg.payload_len);

          if (check_encoding)
            {
              g_autoptr(GByteArray) wire = g_byte_array_new ();
              gsize end = pos + off;

              shoal_peer_wire_encode (wire, &msg);
              g_assert (wire->len == end - msg_start);
              g_assert (memcmp (wire->data, stream + msg_start, wire->len) == 0);
              msg_start = end;
            }
        }
      pos += chunk;
    }
  return -1;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const guint chunk_ranges[] = { 1, 7, 64, 4096 };
  g_autoptr(ShoalPeerWireDecoder) whole_dec = NULL;
  g_autoptr(ShoalPeerWireDecoder) split_dec = NULL;
  g_autoptr(GArray) whole = NULL;
  g_autoptr(GArray) split = NULL;
  const guint8 *stream;
  gsize len;
  guint8 flags;
  gint whole_code, split_code;

  fuzz_set_up ();
  if (size < 2)
    return 0;

  flags = data[0];
  stream = data + 2;
  len = size - 2;

  whole = g_array_new (FALSE, TRUE, sizeof (Decoded));
  g_array_set_clear_func (whole, decoded_clear);
  split = g_array_new (FALSE, TRUE, sizeof (Decoded));
  g_array_set_clear_func (split, decoded_clear);

  whole_dec = make_decoder (flags, data[1]);
  whole_code = decode_stream (whole_dec, stream, len, 0, 0, !(flags & 0x02), whole);
  split_dec = make_decoder (flags, data[1]);
  split_code = decode_stream (split_dec, stream, len, chunk_ranges[(flags >> 4) & 3],
                              data[1] | ((guint32) size << 8), FALSE, split);

  g_assert (whole_code == split_code);
  g_assert (whole->len == split->len);
  for (guint i = 0; i < whole->len; i++)
    {
      const Decoded *a = &g_array_index (whole, Decoded, i);
      const Decoded *b = &g_array_index (split, Decoded, i);

      g_assert (memcmp (&a->msg, &b->msg, sizeof a->msg) == 0);
      g_assert ((a->payload == NULL) == (b->payload == NULL));
      g_assert (a->payload == NULL || g_bytes_equal (a->payload, b->payload));
    }

  /* The same bytes through the other parsers. */
  check_ext_handshake (stream, len);
  {
    ShoalPeerWireHandshake hs;
    g_autofree char *client = NULL;

    if (shoal_peer_wire_handshake_parse (data, size, &hs, NULL))
      (void) shoal_peer_wire_reserved_get_features (hs.reserved);
    if (size >= SHOAL_PEER_WIRE_PEER_ID_LEN)
      {
        client = shoal_peer_wire_peer_id_to_client (data);
        g_assert (g_utf8_validate (client, -1, NULL));
      }
    (void) shoal_peer_wire_validate_bitfield (stream, len, (guint32) (len * 8) - (data[1] & 7), NULL);
    if (len >= 12)
      (void) shoal_peer_wire_validate_request (stream[0] | (guint32) stream[1] << 8,
                                               stream[2] | (guint32) stream[3] << 24,
                                               stream[4] | (guint32) stream[5] << 8,
                                               stream[6] | (guint32) stream[7] << 16,
                                               1 + (stream[8] | (guint32) stream[9] << 24),
                                               (guint64) stream[10] << 40 | stream[11],
                                               NULL);
  }
  return 0;
}
