/* fuzz-hash-msgs.c: BEP 52 hash request, hashes and hash reject
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input layout: byte 0 picks the message (hash request, hashes, hash
 * reject), bytes 1-4 the file's length (big-endian, at most 64 MiB), byte
 * 5 the piece length (16 KiB shifted left by its low 3 bits), the rest is
 * the message body as a peer sends it after the id.
 *
 * A body that parses must respect the bounds, re-encode to the same bytes,
 * and be checked against the file's tree without harm. A request that the
 * tree allows, at the piece layer or above and asking for every proof
 * layer, is answered from a piece layer made of the input's bytes, and the
 * answer must prove itself against that layer's root. One below the piece
 * layer (down to the 16 KiB leaves) is answered from leaves made of the
 * input's bytes, within the span bound, and must prove itself against the
 * root of those leaves.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-be.h"
#include "shoal-merkle.h"
#include "shoal-peer-wire.h"
#include "shoal-peer-wire-hashes.h"

#define HEADER 6

static void
answer_and_verify (const ShoalPeerWireHashMsg *req,
                   const ShoalMerkleShape     *shape,
                   guint64                     file_length,
                   guint64                     piece_length,
                   const guint8               *seed,
                   gsize                       seed_len)
{
  gsize n_pieces = (gsize) ((file_length - 1) / piece_length + 1);
  g_autofree guint8 *layer = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  ShoalPeerWireHashMsg answer;
  ShoalPeerWireMessage m;
  gsize consumed = 0;
  g_autoptr(GError) error = NULL;

  if (n_pieces < 2)
    return;
  layer = g_malloc (n_pieces * SHOAL_SHA256_LEN);
  for (gsize i = 0; i < n_pieces * SHOAL_SHA256_LEN; i++)
    layer[i] = seed_len > 0 ? (guint8) (seed[i % seed_len] + i / seed_len) : (guint8) i;

  if (!shoal_peer_wire_hashes_answer (req, shape, layer, n_pieces, out))
    {
      g_assert_cmpuint (out->len, ==, 0);
      g_assert_true (req->base_layer < shape->piece_layer);
      return;
    }
  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, out->data, out->len, &consumed, &m, &error), ==,
                   SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_cmpuint (consumed, ==, out->len);
  g_assert_true (shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, &answer, &error));
  g_assert_no_error (error);
  shoal_merkle_root_from_layer (layer, n_pieces, piece_length, answer.pieces_root);
  g_assert_true (shoal_peer_wire_hashes_verify (&answer, shape, &error));
  g_assert_no_error (error);
}

static void
answer_leaves_and_verify (const ShoalPeerWireHashMsg *req,
                          const ShoalMerkleShape     *shape,
                          guint64                     piece_length,
                          const guint8               *seed,
                          gsize                       seed_len)
{
  guint64 per_piece = piece_length / SHOAL_MERKLE_BLOCK_SIZE;
  guint64 n_pieces = (shape->n_leaves + per_piece - 1) / per_piece;
  guint8 zero[SHOAL_SHA256_LEN] = { 0 };
  guint8 root[SHOAL_SHA256_LEN];
  g_autofree guint8 *leaves = NULL;
  g_autofree guint8 *work = NULL;
  g_autofree guint8 *layer = NULL;
  g_autofree guint8 *tree = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  ShoalPeerWireHashMsg answer;
  ShoalPeerWireMessage m;
  guint64 first, n;
  gsize consumed = 0;
  g_autoptr(GError) error = NULL;

  if (!shoal_peer_wire_hashes_leaf_span (req, shape, &first, &n))
    return;
  g_assert_cmpuint (first + n, <=, shape->n_leaves);
  leaves = g_malloc (shape->n_leaves * SHOAL_SHA256_LEN);
  for (gsize i = 0; i < shape->n_leaves * SHOAL_SHA256_LEN; i++)
    leaves[i] = seed_len > 0 ? (guint8) (seed[i % seed_len] + i / seed_len) : (guint8) i;
  work = g_malloc (MAX (per_piece, shape->width) * SHOAL_SHA256_LEN);
  if (shape->piece_layer >= shape->root_layer)
    {
      memcpy (work, leaves, shape->n_leaves * SHOAL_SHA256_LEN);
      shoal_merkle_reduce (work, shape->n_leaves, shape->width, zero, root);
    }
  else
    {
      layer = g_malloc (n_pieces * SHOAL_SHA256_LEN);
      for (guint64 p = 0; p < n_pieces; p++)
        {
          guint64 count = MIN (per_piece, shape->n_leaves - p * per_piece);

          memcpy (work, leaves + p * per_piece * SHOAL_SHA256_LEN, count * SHOAL_SHA256_LEN);
          shoal_merkle_reduce (work, count, per_piece, zero, layer + p * SHOAL_SHA256_LEN);
        }
      shoal_merkle_root_from_layer (layer, n_pieces, piece_length, root);
      tree = shoal_peer_wire_hashes_build_tree (shape, layer, n_pieces);
      g_assert_nonnull (tree);
    }
  g_assert_true (shoal_peer_wire_hashes_answer_from_leaves (req, shape, tree, leaves + first * SHOAL_SHA256_LEN, n,
                                                            out));
  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, out->data, out->len, &consumed, &m, &error), ==,
                   SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_true (shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, &answer, &error));
  memcpy (answer.pieces_root, root, SHOAL_SHA256_LEN);
  g_assert_true (shoal_peer_wire_hashes_verify (&answer, shape, &error));
  g_assert_no_error (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const ShoalPeerWireMessageType types[] = {
    SHOAL_PEER_WIRE_HASH_REQUEST, SHOAL_PEER_WIRE_HASHES, SHOAL_PEER_WIRE_HASH_REJECT,
  };
  ShoalPeerWireMessageType type;
  guint64 file_length;
  guint64 piece_length;
  g_autofree guint8 *body = NULL;
  gsize body_len;
  ShoalPeerWireHashMsg msg;
  ShoalPeerWireHashMsg again;
  ShoalMerkleShape shape;
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  fuzz_set_up ();
  if (size < HEADER)
    return 0;
  type = types[data[0] % G_N_ELEMENTS (types)];
  file_length = 1 + shoal_be32_read (data + 1) % (64u * 1024 * 1024);
  piece_length = (guint64) SHOAL_MERKLE_BLOCK_SIZE << (data[5] & 7);
  body_len = size - HEADER;
  body = g_memdup2 (data + HEADER, body_len);

  if (!shoal_peer_wire_hash_msg_parse (type, body, body_len, &msg, &error))
    {
      g_assert_true (error != NULL && error->domain == SHOAL_PEER_WIRE_ERROR);
      return 0;
    }
  g_assert_true (msg.length != 0 && (msg.length & (msg.length - 1)) == 0);
  g_assert_cmpuint (msg.length, <=, SHOAL_PEER_WIRE_MAX_HASH_LENGTH);
  g_assert_cmpuint (msg.index % msg.length, ==, 0);
  g_assert_cmpuint (msg.base_layer, <, SHOAL_PEER_WIRE_MAX_TREE_LAYERS);
  if (type == SHOAL_PEER_WIRE_HASHES)
    {
      g_assert_cmpuint (msg.n_hashes, >=, msg.length);
      g_assert_cmpuint (msg.n_hashes - msg.length, <=, SHOAL_PEER_WIRE_MAX_TREE_LAYERS);
      shoal_peer_wire_encode_hashes (wire, &msg);
    }
  else
    {
      g_assert_null (msg.hashes);
      shoal_peer_wire_encode_hash_request (wire, type, &msg);
    }
  /* The same bytes come out, after the length and id. */
  g_assert_cmpuint (wire->len, ==, 5 + body_len);
  g_assert_cmpmem (wire->data + 5, body_len, body, body_len);
  g_assert_true (shoal_peer_wire_hash_msg_parse (type, wire->data + 5, body_len, &again, &error));
  g_assert_cmpuint (again.index, ==, msg.index);

  g_assert_true (shoal_merkle_shape_init (&shape, file_length, piece_length));
  if (!shoal_peer_wire_hash_request_check (&msg, &shape, &error))
    {
      g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HASHES);
      g_assert_false (type == SHOAL_PEER_WIRE_HASHES && shoal_peer_wire_hashes_verify (&msg, &shape, NULL));
      return 0;
    }
  g_assert_cmpuint (msg.base_layer, <, shape.root_layer);
  g_assert_cmpuint ((guint64) msg.index + msg.length, <=, shape.width >> msg.base_layer);

  if (type == SHOAL_PEER_WIRE_HASHES)
    (void) shoal_peer_wire_hashes_verify (&msg, &shape, NULL);
  else if (msg.proof_layers + 1 == shape.root_layer - msg.base_layer)
    {
      answer_and_verify (&msg, &shape, file_length, piece_length, body, body_len);
      if (msg.base_layer < MIN (shape.piece_layer, shape.root_layer))
        answer_leaves_and_verify (&msg, &shape, piece_length, body, body_len);
    }
  return 0;
}
