/* test-peer-wire-hashes.c: BEP 52 hash messages and v2 piece hashes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hash request, hashes and hash reject messages (wire/), the answer
 * built from a piece layer and the proof checked against the pieces root,
 * hostile messages (out-of-range layers, wrong counts, proofs that do not
 * verify), and the check of a v2 piece (metainfo/shoal-metainfo-v2.c)
 * against the piece layer libtorrent 2 computed for the same bytes (the
 * data and hashes of test-merkle.c).
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-merkle.h"
#include "shoal-metainfo-v2.h"
#include "shoal-peer-wire.h"
#include "shoal-peer-wire-hashes.h"

/* 3 pieces of 32 KiB and 5 bytes, as in test-merkle.c: libtorrent's layer. */
#define LT_FILE_LEN     (3 * 32768 + 5)
#define LT_PIECE_LENGTH 32768

static const char lt_layer[] =
  "56da14524f0532b05699aef9bcb7cc2275784ed13f03e9156a9fb99c92f21a5c"
  "a4476029c51bc4f5f3a8d5482d91d762bb9342e446a93e3a388dcce2a4ad1a06"
  "4ef3071f3ea9d20a02cee3a66abc00b97f099bcf9c7f30a2d0c6c6a05a2e068a"
  "a917aea767afa3cc19a84fc226fc5e997097677161512647ae3c39fb18cddd0c";
static const char lt_root[] = "3b73eb2d4a6dfc855dd47506591a163dc73ade01c76d36888392cdf5dc949968";

static guint8 *
make_data (gsize len)
{
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (((i ^ (i >> 9)) * 31) & 0xff);
  return data;
}

static void
from_hex (const char *hex,
          guint8     *out)
{
  for (gsize i = 0; hex[2 * i] != '\0'; i++)
    out[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) * 16 + g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* The v2 piece roots of libtorrent's file are its piece layer. */
static void
test_piece_root_libtorrent (void)
{
  g_autofree guint8 *data = make_data (LT_FILE_LEN);
  guint8 layer[4 * SHOAL_SHA256_LEN];
  guint8 root[SHOAL_SHA256_LEN];
  guint8 got[4 * SHOAL_SHA256_LEN];

  from_hex (lt_layer, layer);
  from_hex (lt_root, root);
  for (guint p = 0; p < 4; p++)
    {
      gsize off = (gsize) p * LT_PIECE_LENGTH;

      shoal_metainfo_v2_piece_root (data + off, MIN (LT_PIECE_LENGTH, LT_FILE_LEN - off),
                                    LT_PIECE_LENGTH / SHOAL_MERKLE_BLOCK_SIZE, got + p * SHOAL_SHA256_LEN);
    }
  g_assert_cmpmem (got, sizeof got, layer, sizeof layer);

  /* A file of one piece: the root of its own blocks, as wide as they need. */
  {
    guint8 one[SHOAL_SHA256_LEN];
    guint8 expected[SHOAL_SHA256_LEN];
    guint8 leaves[3 * SHOAL_SHA256_LEN];
    guint8 zero[SHOAL_SHA256_LEN] = { 0 };

    for (guint b = 0; b < 3; b++)
      shoal_sha256 (data + b * 16384, b < 2 ? 16384 : 100, leaves + b * SHOAL_SHA256_LEN);
    shoal_merkle_reduce (leaves, 3, 4, zero, expected);
    shoal_metainfo_v2_piece_root (data, 2 * 16384 + 100, 4, one);
    g_assert_cmpmem (one, sizeof one, expected, sizeof expected);
  }
}

/* A file of @n_pieces pieces of 32 KiB, its layer and root. */
typedef struct
{
  ShoalMerkleShape shape;
  guint8          *layer;
  gsize            n_pieces;
  guint8           root[SHOAL_SHA256_LEN];
  guint8          *leaves;   /* SHA-256 of each 16 KiB block */
} TestFile;

static void
test_file_init (TestFile *f,
                gsize     n_pieces)
{
  guint64 length = (guint64) n_pieces * 32768 - 1000;
  g_autofree guint8 *data = g_malloc (length);
  GRand *rand = g_rand_new_with_seed (52);

  /* No two pieces alike, so that a hash at the wrong place shows. */
  for (guint64 i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);

  f->n_pieces = n_pieces;
  f->leaves = g_malloc ((length + 16383) / 16384 * SHOAL_SHA256_LEN);
  for (guint64 b = 0; b * 16384 < length; b++)
    shoal_sha256 (data + b * 16384, MIN (16384, length - b * 16384), f->leaves + b * SHOAL_SHA256_LEN);
  f->layer = g_malloc (n_pieces * SHOAL_SHA256_LEN);
  for (gsize p = 0; p < n_pieces; p++)
    shoal_metainfo_v2_piece_root (data + p * 32768, MIN (32768, length - p * 32768), 2,
                                  f->layer + p * SHOAL_SHA256_LEN);
  shoal_merkle_root_from_layer (f->layer, n_pieces, 32768, f->root);
  g_assert_true (shoal_merkle_shape_init (&f->shape, length, 32768));
}

static void
test_file_clear (TestFile *f)
{
  g_clear_pointer (&f->layer, g_free);
  g_clear_pointer (&f->leaves, g_free);
}

/* Encodes @msg, decodes it as a peer's stream, parses the body. */
static gboolean
round_trip (ShoalPeerWireMessageType    type,
            const ShoalPeerWireHashMsg *msg,
            GByteArray                 *wire,
            ShoalPeerWireHashMsg       *out,
            GError                    **error)
{
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  ShoalPeerWireMessage m;
  gsize consumed = 0;

  g_byte_array_set_size (wire, 0);
  if (type == SHOAL_PEER_WIRE_HASHES)
    shoal_peer_wire_encode_hashes (wire, msg);
  else
    shoal_peer_wire_encode_hash_request (wire, type, msg);
  if (shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &consumed, &m, error) !=
      SHOAL_PEER_WIRE_DECODE_MESSAGE)
    return FALSE;
  g_assert_cmpuint (consumed, ==, wire->len);
  g_assert_cmpint (m.type, ==, type);
  return shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, out, error);
}

static void
test_round_trip (void)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  ShoalPeerWireHashMsg req = { { 0 }, 1, 64, 32, 5, NULL, 0 };
  ShoalPeerWireHashMsg out;
  guint8 hashes[34 * SHOAL_SHA256_LEN];
  ShoalPeerWireMessageType types[] = { SHOAL_PEER_WIRE_HASH_REQUEST, SHOAL_PEER_WIRE_HASH_REJECT };
  g_autoptr(GError) error = NULL;

  memset (req.pieces_root, 0x5a, sizeof req.pieces_root);
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_assert_true (round_trip (types[t], &req, wire, &out, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (wire->len, ==, 4 + 1 + 48);
      g_assert_cmpmem (out.pieces_root, 32, req.pieces_root, 32);
      g_assert_cmpuint (out.base_layer, ==, 1);
      g_assert_cmpuint (out.index, ==, 64);
      g_assert_cmpuint (out.length, ==, 32);
      g_assert_cmpuint (out.proof_layers, ==, 5);
      g_assert_null (out.hashes);
    }

  for (gsize i = 0; i < sizeof hashes; i++)
    hashes[i] = (guint8) i;
  req.hashes = hashes;
  req.n_hashes = 34;
  g_assert_true (round_trip (SHOAL_PEER_WIRE_HASHES, &req, wire, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out.n_hashes, ==, 34);
  g_assert_cmpmem (out.hashes, out.n_hashes * 32, hashes, sizeof hashes);
}

typedef struct
{
  const char               *name;
  ShoalPeerWireMessageType  type;
  guint32                   base, index, length, proof;
  gsize                     extra_bytes;  /* after the 48-byte header */
} ParseCase;

static const ParseCase parse_cases[] = {
  { "length-zero", SHOAL_PEER_WIRE_HASH_REQUEST, 0, 0, 0, 0, 0 },
  { "length-not-power-of-two", SHOAL_PEER_WIRE_HASH_REQUEST, 0, 0, 3, 0, 0 },
  { "length-too-large", SHOAL_PEER_WIRE_HASH_REQUEST, 0, 0, 16384, 0, 0 },
  { "index-misaligned", SHOAL_PEER_WIRE_HASH_REQUEST, 0, 2, 4, 0, 0 },
  { "base-layer-huge", SHOAL_PEER_WIRE_HASH_REQUEST, 64, 0, 2, 0, 0 },
  { "proof-layers-huge", SHOAL_PEER_WIRE_HASH_REJECT, 0, 0, 2, 0xffffffffu, 0 },
  { "request-with-body", SHOAL_PEER_WIRE_HASH_REQUEST, 0, 0, 2, 0, 32 },
  { "hashes-fewer-than-length", SHOAL_PEER_WIRE_HASHES, 0, 0, 4, 0, 3 * 32 },
  { "hashes-too-many-uncles", SHOAL_PEER_WIRE_HASHES, 0, 0, 2, 63, (2 + 65) * 32 },
  { "hashes-partial-hash", SHOAL_PEER_WIRE_HASHES, 0, 0, 2, 0, 2 * 32 + 7 },
};

static void
test_parse_reject (gconstpointer data)
{
  const ParseCase *c = data;
  g_autofree guint8 *payload = g_malloc0 (48 + c->extra_bytes);
  ShoalPeerWireHashMsg out;
  g_autoptr(GError) error = NULL;

  shoal_be32_write (payload + 32, c->base);
  shoal_be32_write (payload + 36, c->index);
  shoal_be32_write (payload + 40, c->length);
  shoal_be32_write (payload + 44, c->proof);
  g_assert_false (shoal_peer_wire_hash_msg_parse (c->type, payload, 48 + c->extra_bytes, &out, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == SHOAL_PEER_WIRE_ERROR);
}

/* The decoder bounds the bodies before buffering them. */
static void
test_decoder_bounds (void)
{
  static const guint8 short_request[] = { 0, 0, 0, 48, 21 };
  guint8 big_hashes[5] = { 0 };
  ShoalPeerWireMessage m;
  gsize consumed;

  {
    g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, short_request, sizeof short_request, &consumed, &m, &error),
                     ==, SHOAL_PEER_WIRE_DECODE_ERROR);
    g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH);
  }
  {
    g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
    g_autoptr(GError) error = NULL;

    shoal_be32_write (big_hashes, SHOAL_PEER_WIRE_MAX_HASHES_BODY_LEN + 2);
    big_hashes[4] = SHOAL_PEER_WIRE_HASHES;
    g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, big_hashes, sizeof big_hashes, &consumed, &m, &error),
                     ==, SHOAL_PEER_WIRE_DECODE_ERROR);
    g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH);
  }
}

/* Asks @f for @length hashes of its piece layer from @index, answers
 * from the layer, and checks the answer's proof. */
static void
answer_and_verify (TestFile *f,
                   guint32   index,
                   guint32   length,
                   gsize     expected_uncles)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  ShoalPeerWireHashMsg req = { { 0 }, f->shape.piece_layer, index, length, 0, NULL, 0 };
  ShoalPeerWireHashMsg got;
  ShoalPeerWireMessage m;
  gsize consumed;
  g_autoptr(GError) error = NULL;

  memcpy (req.pieces_root, f->root, 32);
  req.proof_layers = f->shape.root_layer - f->shape.piece_layer - 1;
  g_assert_true (shoal_peer_wire_hash_request_check (&req, &f->shape, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_peer_wire_hashes_answer (&req, &f->shape, f->layer, f->n_pieces, wire));
  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &consumed, &m, &error),
                   ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_true (shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, &got, &error));
  g_assert_cmpuint (got.n_hashes, ==, length + expected_uncles);
  for (guint32 i = 0; i < length && index + i < f->n_pieces; i++)
    g_assert_cmpmem (got.hashes + i * 32, 32, f->layer + (index + i) * 32, 32);
  g_assert_true (shoal_peer_wire_hashes_verify (&got, &f->shape, &error));
  g_assert_no_error (error);
}

static void
test_answer_verify (void)
{
  TestFile f = { { 0 }, };

  /* 37 pieces of 32 KiB: 74 leaves, a tree of width 128 (root at layer
   * 7), the piece layer (1) 64 wide. */
  test_file_init (&f, 37);
  g_assert_cmpuint (f.shape.root_layer, ==, 7);
  g_assert_cmpuint (f.shape.piece_layer, ==, 1);
  answer_and_verify (&f, 0, 64, 0);   /* the whole layer: no proof */
  answer_and_verify (&f, 16, 8, 3);   /* the run's root at layer 4 */
  answer_and_verify (&f, 36, 2, 5);   /* the last real piece and a pad */
  answer_and_verify (&f, 60, 4, 4);   /* pad hashes only */
  test_file_clear (&f);
}

/* Asks @f for @length hashes of layer @base (below the piece layer) from
 * @index with every proof layer; answers from the leaves the span names;
 * checks the leaves against the file's and the proof against the root. */
static void
answer_leaves_and_verify (TestFile *f,
                          guint32   base,
                          guint32   index,
                          guint32   length)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  g_autofree guint8 *tree = shoal_peer_wire_hashes_build_tree (&f->shape, f->layer, f->n_pieces);
  ShoalPeerWireHashMsg req = { { 0 }, base, index, length, 0, NULL, 0 };
  ShoalPeerWireHashMsg got;
  ShoalPeerWireMessage m;
  guint64 first, n;
  gsize consumed;
  g_autoptr(GError) error = NULL;

  memcpy (req.pieces_root, f->root, 32);
  req.proof_layers = f->shape.root_layer - base - 1;
  g_assert_true (shoal_peer_wire_hash_request_check (&req, &f->shape, &error));
  /* The piece layer's own answer does not take such a request. */
  g_assert_false (shoal_peer_wire_hashes_answer_from_tree (&req, &f->shape, tree, wire));
  g_assert_true (shoal_peer_wire_hashes_leaf_span (&req, &f->shape, &first, &n));
  g_assert_cmpuint (first % 2, ==, 0);   /* whole pieces of 2 leaves */
  g_assert_true (shoal_peer_wire_hashes_answer_from_leaves (&req, &f->shape, tree,
                                                            f->leaves + first * SHOAL_SHA256_LEN, n, wire));
  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &consumed, &m, &error),
                   ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_true (shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, &got, &error));
  g_assert_cmpuint (got.n_hashes, ==, length + f->shape.root_layer - base - (guint) g_bit_nth_msf (length, -1));
  for (guint32 i = 0; base == 0 && i < length && index + i < f->shape.n_leaves; i++)
    g_assert_cmpmem (got.hashes + i * 32, 32, f->leaves + (index + i) * 32, 32);
  g_assert_true (shoal_peer_wire_hashes_verify (&got, &f->shape, &error));
  g_assert_no_error (error);
  /* Too few leaves for the span: no answer. */
  g_byte_array_set_size (wire, 0);
  if (n > 0)
    g_assert_false (shoal_peer_wire_hashes_answer_from_leaves (&req, &f->shape, tree,
                                                               f->leaves + first * SHOAL_SHA256_LEN, n - 1, wire));
}

/* BEP 52: hashes of blocks we have are served, down to the 16 KiB leaves
 * (base layer 0), with the proof up to the pieces root; a run too large to
 * read for is refused. */
static void
test_answer_leaves (void)
{
  TestFile f = { { 0 }, };
  ShoalPeerWireHashMsg big = { { 0 }, 0, 0, 2048, 0, NULL, 0 };
  ShoalPeerWireHashMsg odd = { { 0 }, 0, 2, 4, 0, NULL, 0 };
  guint64 first, n;

  /* 37 pieces of 32 KiB (2 leaves each): 74 leaves, the last short, in a
   * tree 128 wide. */
  test_file_init (&f, 37);
  answer_leaves_and_verify (&f, 0, 0, 2);     /* the first piece's blocks */
  answer_leaves_and_verify (&f, 0, 10, 2);    /* one piece in the middle */
  answer_leaves_and_verify (&f, 0, 72, 2);    /* the last piece, its last block short */
  answer_leaves_and_verify (&f, 0, 74, 2);    /* pad leaves past the end */
  answer_leaves_and_verify (&f, 0, 16, 16);   /* 8 pieces' blocks */
  answer_leaves_and_verify (&f, 0, 64, 64);   /* blocks and pad leaves past the end */
  answer_leaves_and_verify (&f, 0, 96, 32);   /* pad leaves only: nothing to read */
  test_file_clear (&f);

  /* 1,200 pieces: a run needing more than the span's bound is refused,
   * and so is a run not aligned on its length. */
  test_file_init (&f, 1200);
  g_assert_false (shoal_peer_wire_hashes_leaf_span (&big, &f.shape, &first, &n));
  g_assert_false (shoal_peer_wire_hashes_leaf_span (&odd, &f.shape, &first, &n));
  test_file_clear (&f);
}

/* Hashes that do not climb to the root, or climb too far or not far
 * enough, are refused; so are requests outside the tree. */
static void
test_hostile (void)
{
  TestFile f = { { 0 }, };
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(ShoalPeerWireDecoder) dec = shoal_peer_wire_decoder_new ();
  ShoalPeerWireHashMsg req = { { 0 }, 1, 16, 8, 5, NULL, 0 };
  ShoalPeerWireHashMsg good;
  ShoalPeerWireMessage m;
  gsize consumed;
  g_autofree guint8 *copy = NULL;
  g_autoptr(GError) error = NULL;

  test_file_init (&f, 37);
  memcpy (req.pieces_root, f.root, 32);
  g_assert_true (shoal_peer_wire_hashes_answer (&req, &f.shape, f.layer, f.n_pieces, wire));
  g_assert_cmpint (shoal_peer_wire_decoder_decode (dec, wire->data, wire->len, &consumed, &m, NULL),
                   ==, SHOAL_PEER_WIRE_DECODE_MESSAGE);
  g_assert_true (shoal_peer_wire_hash_msg_parse (m.type, m.payload, m.payload_len, &good, NULL));
  g_assert_cmpuint (good.n_hashes, ==, 8 + 3);
  copy = g_memdup2 (good.hashes, good.n_hashes * 32);

  /* A base hash changed, an uncle changed. */
  for (guint which = 0; which < 2; which++)
    {
      ShoalPeerWireHashMsg bad = good;
      g_autofree guint8 *h = g_memdup2 (copy, good.n_hashes * 32);

      h[(which == 0 ? 3 : 9) * 32 + 5] ^= 1;
      bad.hashes = h;
      g_assert_false (shoal_peer_wire_hashes_verify (&bad, &f.shape, &error));
      g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HASHES);
      g_clear_error (&error);
    }
  /* An uncle missing, one too many. */
  {
    ShoalPeerWireHashMsg bad = good;
    g_autofree guint8 *h = g_malloc0 ((good.n_hashes + 1) * 32);

    memcpy (h, copy, good.n_hashes * 32);
    bad.hashes = h;
    bad.n_hashes = good.n_hashes - 1;
    g_assert_false (shoal_peer_wire_hashes_verify (&bad, &f.shape, &error));
    g_clear_error (&error);
    bad.n_hashes = good.n_hashes + 1;
    g_assert_false (shoal_peer_wire_hashes_verify (&bad, &f.shape, &error));
    g_clear_error (&error);
  }
  /* Right hashes, another root; right hashes at another index. */
  {
    ShoalPeerWireHashMsg bad = good;

    bad.hashes = copy;
    bad.pieces_root[0] ^= 0x80;
    g_assert_false (shoal_peer_wire_hashes_verify (&bad, &f.shape, &error));
    g_clear_error (&error);
    bad = good;
    bad.hashes = copy;
    bad.index = 24;
    g_assert_false (shoal_peer_wire_hashes_verify (&bad, &f.shape, &error));
    g_clear_error (&error);
  }

  /* Out of the tree: the root's layer, past the layer's end, too many
   * proof layers, a single hash. */
  {
    ShoalPeerWireHashMsg r = req;

    r.base_layer = f.shape.root_layer;
    r.index = 0;
    r.length = 2;
    g_assert_false (shoal_peer_wire_hash_request_check (&r, &f.shape, &error));
    g_assert_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HASHES);
    g_clear_error (&error);
    r = req;
    r.index = 64;
    g_assert_false (shoal_peer_wire_hash_request_check (&r, &f.shape, &error));
    g_clear_error (&error);
    r = req;
    r.proof_layers = f.shape.root_layer - r.base_layer;
    g_assert_false (shoal_peer_wire_hash_request_check (&r, &f.shape, &error));
    g_clear_error (&error);
    r = req;
    r.length = 1;
    g_assert_false (shoal_peer_wire_hash_request_check (&r, &f.shape, &error));
    g_clear_error (&error);
    /* Below the piece layer: needs the data, so it is rejected. */
    r = req;
    r.base_layer = 0;
    g_byte_array_set_size (wire, 0);
    g_assert_true (shoal_peer_wire_hash_request_check (&r, &f.shape, NULL));
    g_assert_false (shoal_peer_wire_hashes_answer (&r, &f.shape, f.layer, f.n_pieces, wire));
    g_assert_cmpuint (wire->len, ==, 0);
  }
  test_file_clear (&f);
}

/* A v2 torrent of a.bin (3 pieces of 32 KiB, the last short) and b.bin
 * (one block), with or without its piece layers. */
#define A_LEN (3 * 32768 - 100)
#define B_LEN 5000

static GBytes *
make_v2_torrent (const guint8 *a_root,
                 const guint8 *a_layer,
                 const guint8 *b_root,
                 gboolean      with_layers)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  const char *names[] = { "a.bin", "b.bin" };
  const guint8 *roots[] = { a_root, b_root };
  gint64 lengths[] = { A_LEN, B_LEN };

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "file tree");
  shoal_bencode_writer_begin_dict (w);
  for (guint i = 0; i < 2; i++)
    {
      shoal_bencode_writer_cstring (w, names[i]);
      shoal_bencode_writer_begin_dict (w);
      shoal_bencode_writer_cstring (w, "");
      shoal_bencode_writer_begin_dict (w);
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, lengths[i]);
      shoal_bencode_writer_cstring (w, "pieces root");
      shoal_bencode_writer_string (w, roots[i], 32);
      shoal_bencode_writer_end (w);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "meta version");
  shoal_bencode_writer_integer (w, 2);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, "v2");
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, 32768);
  shoal_bencode_writer_end (w);
  if (with_layers)
    {
      shoal_bencode_writer_cstring (w, "piece layers");
      shoal_bencode_writer_begin_dict (w);
      shoal_bencode_writer_string (w, a_root, 32);
      shoal_bencode_writer_string (w, a_layer, 3 * 32);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  return shoal_bencode_writer_finish (w);
}

static void
test_metainfo_layers_from_peers (void)
{
  g_autofree guint8 *a = make_data (A_LEN);
  g_autofree guint8 *b = make_data (B_LEN);
  guint8 a_layer[3 * 32];
  guint8 a_root[32], b_root[32];
  g_autoptr(GBytes) without = NULL;
  g_autoptr(GBytes) saved = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalMetainfo) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *piece = g_malloc0 (32768);
  guint8 wrong[3 * 32];
  guint file;
  guint64 in_file, data_len;
  gsize n;

  for (guint p = 0; p < 3; p++)
    shoal_metainfo_v2_piece_root (a + p * 32768, MIN (32768, A_LEN - p * 32768), 2, a_layer + p * 32);
  shoal_merkle_root_from_layer (a_layer, 3, 32768, a_root);
  shoal_sha256 (b, B_LEN, b_root);

  /* Without its layers, a .torrent is refused; a magnet's metadata is not. */
  without = make_v2_torrent (a_root, a_layer, b_root, FALSE);
  g_assert_null (shoal_metainfo_new_from_bytes (without, &error));
  g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS);
  g_clear_error (&error);
  info = shoal_metainfo_new_without_layers (without, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_metainfo_v2_needs_layers (info));
  g_assert_true (shoal_metainfo_v2_file_needs_layer (info, 0));
  g_assert_false (shoal_metainfo_v2_file_needs_layer (info, 1));
  g_assert_cmpuint (shoal_metainfo_get_n_pieces (info), ==, 4);
  g_assert_cmpuint (shoal_metainfo_get_total_length (info), ==, 4 * 32768);

  /* Where the pieces are: b.bin's one piece is the fourth. */
  g_assert_true (shoal_metainfo_v2_locate_piece (info, 2, &file, &in_file, &data_len));
  g_assert_cmpuint (file, ==, 0);
  g_assert_cmpuint (in_file, ==, 2);
  g_assert_cmpuint (data_len, ==, A_LEN - 2 * 32768);
  g_assert_true (shoal_metainfo_v2_locate_piece (info, 3, &file, &in_file, &data_len));
  g_assert_cmpuint (file, ==, 1);
  g_assert_cmpuint (in_file, ==, 0);
  g_assert_cmpuint (data_len, ==, B_LEN);
  g_assert_false (shoal_metainfo_v2_locate_piece (info, 4, NULL, NULL, NULL));

  /* b.bin checks against its root now; a.bin's pieces cannot be checked. */
  memcpy (piece, b, B_LEN);
  g_assert_true (shoal_metainfo_v2_check_piece (info, 3, piece, 32768));
  piece[17] ^= 1;
  g_assert_false (shoal_metainfo_v2_check_piece (info, 3, piece, 32768));
  g_assert_false (shoal_metainfo_v2_check_piece (info, 0, a, 32768));

  /* A layer that does not rebuild the root, or of the wrong size, is refused. */
  memcpy (wrong, a_layer, sizeof wrong);
  wrong[40] ^= 1;
  g_assert_false (shoal_metainfo_v2_set_piece_layer (info, 0, wrong, 3, &error));
  g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_BAD_PIECE_LAYERS);
  g_clear_error (&error);
  g_assert_false (shoal_metainfo_v2_set_piece_layer (info, 0, a_layer, 2, &error));
  g_clear_error (&error);
  g_assert_false (shoal_metainfo_v2_set_piece_layer (info, 1, a_layer, 3, &error));
  g_clear_error (&error);
  g_assert_true (shoal_metainfo_v2_needs_layers (info));

  g_assert_true (shoal_metainfo_v2_set_piece_layer (info, 0, a_layer, 3, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_metainfo_v2_needs_layers (info));
  g_assert_cmpmem (shoal_metainfo_get_piece_layer (info, 0, &n), n * 32, a_layer, sizeof a_layer);
  for (guint p = 0; p < 3; p++)
    {
      memset (piece, 0, 32768);
      memcpy (piece, a + p * 32768, MIN (32768, A_LEN - p * 32768));
      g_assert_true (shoal_metainfo_v2_check_piece (info, p, piece, 32768));
    }

  /* Saved with the layers, it parses as a full .torrent, the same torrent. */
  saved = shoal_metainfo_v2_dup_bytes_with_layers (info);
  again = shoal_metainfo_new_from_bytes (saved, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shoal_metainfo_get_info_hash_v2 (again), 32, shoal_metainfo_get_info_hash_v2 (info), 32);
  g_assert_cmpmem (shoal_metainfo_get_piece_layer (again, 0, &n), n * 32, a_layer, sizeof a_layer);
  {
    g_autoptr(GBytes) full = make_v2_torrent (a_root, a_layer, b_root, TRUE);

    g_assert_true (g_bytes_equal (saved, full));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/peer-wire-hashes/piece-root-libtorrent", test_piece_root_libtorrent);
  g_test_add_func ("/engine/peer-wire-hashes/round-trip", test_round_trip);
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/peer-wire-hashes/parse-reject/%s", parse_cases[i].name);

      g_test_add_data_func (path, &parse_cases[i], test_parse_reject);
    }
  g_test_add_func ("/engine/peer-wire-hashes/decoder-bounds", test_decoder_bounds);
  g_test_add_func ("/engine/peer-wire-hashes/answer-verify", test_answer_verify);
  g_test_add_func ("/engine/peer-wire-hashes/hostile", test_hostile);
  g_test_add_func ("/engine/peer-wire-hashes/answer-leaves", test_answer_leaves);
  g_test_add_func ("/engine/metainfo-v2/layers-from-peers", test_metainfo_layers_from_peers);
  return g_test_run ();
}
