/* shoal-peer-wire-hashes.c: BEP 52 hash request, hashes and hash reject
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file's tree (shoal-merkle.h) has its 16 KiB leaves at layer 0 and its
 * pieces root at layer log2 (width). A request names a run of @length
 * hashes of one layer, aligned on @length, and how many ancestor layers of
 * proof it wants. The answer holds the run, then one uncle per layer from
 * the root of the run's subtree up, closest first; layers inside the run
 * need none (BEP 52: "the first log2(length)-1 proof layers are omitted").
 * Received hashes are used only once they climb to the pieces root.
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-merkle.h"
#include "shoal-peer-wire-hashes.h"

static gboolean
fail (GError     **error,
      int          code,
      const char  *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError     **error,
      int          code,
      const char  *format,
      ...)
{
  va_list args;

  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (SHOAL_PEER_WIRE_ERROR, code, format, args);
      va_end (args);
    }
  return FALSE;
}

static gboolean
is_power_of_two (guint64 v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

static guint
log2_exact (guint64 v)
{
  guint n = 0;

  while (v > 1)
    {
      v >>= 1;
      n++;
    }
  return n;
}

/**
 * shoal_merkle_shape_init:
 * @shape: (out caller-allocates): the tree
 * @file_length: the file's length, more than 0
 * @piece_length: the torrent's piece length, a power of two ≥ 16 KiB
 *
 * Returns: %FALSE if the file is empty or the piece length unusable
 */
gboolean
shoal_merkle_shape_init (ShoalMerkleShape *shape,
                         guint64           file_length,
                         guint64           piece_length)
{
  memset (shape, 0, sizeof *shape);
  if (file_length == 0 || piece_length < SHOAL_MERKLE_BLOCK_SIZE || !is_power_of_two (piece_length))
    return FALSE;
  shape->n_leaves = (file_length - 1) / SHOAL_MERKLE_BLOCK_SIZE + 1;
  shape->width = shoal_merkle_width (shape->n_leaves);
  shape->root_layer = log2_exact (shape->width);
  shape->piece_layer = log2_exact (piece_length / SHOAL_MERKLE_BLOCK_SIZE);
  return TRUE;
}

/**
 * shoal_peer_wire_hash_msg_parse:
 * @type: %SHOAL_PEER_WIRE_HASH_REQUEST, %SHOAL_PEER_WIRE_HASHES or
 *   %SHOAL_PEER_WIRE_HASH_REJECT
 * @payload: (array length=len): the message after its id
 * @len: its length
 * @msg: (out caller-allocates): the fields
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Checks what can be checked without the torrent: the size, a length that
 * is a power of two no larger than %SHOAL_PEER_WIRE_MAX_HASH_LENGTH, an
 * index aligned on it, layers a tree can have, and for hashes, at least
 * @length hashes and no more uncles than the tree could need.
 *
 * Returns: %TRUE if @msg was filled
 */
gboolean
shoal_peer_wire_hash_msg_parse (ShoalPeerWireMessageType   type,
                                const guint8              *payload,
                                gsize                      len,
                                ShoalPeerWireHashMsg      *msg,
                                GError                   **error)
{
  memset (msg, 0, sizeof *msg);
  if (type != SHOAL_PEER_WIRE_HASH_REQUEST && type != SHOAL_PEER_WIRE_HASHES && type != SHOAL_PEER_WIRE_HASH_REJECT)
    return fail (error, SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE, "Not a hash message (id %u)", (guint) type);
  if (len < SHOAL_PEER_WIRE_HASH_HEADER_LEN ||
      (type != SHOAL_PEER_WIRE_HASHES && len != SHOAL_PEER_WIRE_HASH_HEADER_LEN))
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH, "Peer sent a “%s” message of %" G_GSIZE_FORMAT " bytes",
                 shoal_peer_wire_message_type_to_string (type), len);

  memcpy (msg->pieces_root, payload, SHOAL_SHA256_LEN);
  msg->base_layer = shoal_be32_read (payload + 32);
  msg->index = shoal_be32_read (payload + 36);
  msg->length = shoal_be32_read (payload + 40);
  msg->proof_layers = shoal_be32_read (payload + 44);

  if (msg->base_layer >= SHOAL_PEER_WIRE_MAX_TREE_LAYERS || msg->proof_layers >= SHOAL_PEER_WIRE_MAX_TREE_LAYERS)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer sent a “%s” message for layer %u with %u proof layers (at most %u)",
                 shoal_peer_wire_message_type_to_string (type), msg->base_layer, msg->proof_layers,
                 SHOAL_PEER_WIRE_MAX_TREE_LAYERS - 1);
  if (!is_power_of_two (msg->length) || msg->length > SHOAL_PEER_WIRE_MAX_HASH_LENGTH)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer sent a “%s” message for %u hashes (a power of two up to %u)",
                 shoal_peer_wire_message_type_to_string (type), msg->length, SHOAL_PEER_WIRE_MAX_HASH_LENGTH);
  if (msg->index % msg->length != 0)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer sent a “%s” message whose index %u is not a multiple of its length %u",
                 shoal_peer_wire_message_type_to_string (type), msg->index, msg->length);

  if (type == SHOAL_PEER_WIRE_HASHES)
    {
      gsize body = len - SHOAL_PEER_WIRE_HASH_HEADER_LEN;

      if (body % SHOAL_SHA256_LEN != 0)
        return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
                     "Peer sent %" G_GSIZE_FORMAT " bytes of hashes, not a whole number of hashes", body);
      msg->n_hashes = body / SHOAL_SHA256_LEN;
      if (msg->n_hashes < msg->length || msg->n_hashes - msg->length > SHOAL_PEER_WIRE_MAX_TREE_LAYERS)
        return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                     "Peer sent %" G_GSIZE_FORMAT " hashes for a run of %u",
                     msg->n_hashes, msg->length);
      msg->hashes = payload + SHOAL_PEER_WIRE_HASH_HEADER_LEN;
    }
  return TRUE;
}

static void
append_fields (GByteArray                 *out,
               guint8                      id,
               const ShoalPeerWireHashMsg *msg,
               gsize                       n_hashes)
{
  guint8 head[5 + SHOAL_PEER_WIRE_HASH_HEADER_LEN];

  shoal_be32_write (head, (guint32) (1 + SHOAL_PEER_WIRE_HASH_HEADER_LEN + n_hashes * SHOAL_SHA256_LEN));
  head[4] = id;
  memcpy (head + 5, msg->pieces_root, SHOAL_SHA256_LEN);
  shoal_be32_write (head + 5 + 32, msg->base_layer);
  shoal_be32_write (head + 5 + 36, msg->index);
  shoal_be32_write (head + 5 + 40, msg->length);
  shoal_be32_write (head + 5 + 44, msg->proof_layers);
  g_byte_array_append (out, head, sizeof head);
}

/**
 * shoal_peer_wire_encode_hash_request:
 * @out: where to append the message
 * @type: %SHOAL_PEER_WIRE_HASH_REQUEST or %SHOAL_PEER_WIRE_HASH_REJECT
 * @msg: its fields (@hashes is not used)
 */
void
shoal_peer_wire_encode_hash_request (GByteArray                 *out,
                                     ShoalPeerWireMessageType    type,
                                     const ShoalPeerWireHashMsg *msg)
{
  g_return_if_fail (type == SHOAL_PEER_WIRE_HASH_REQUEST || type == SHOAL_PEER_WIRE_HASH_REJECT);
  append_fields (out, (guint8) type, msg, 0);
}

/**
 * shoal_peer_wire_encode_hashes:
 * @out: where to append the message
 * @msg: its fields and @n_hashes hashes
 */
void
shoal_peer_wire_encode_hashes (GByteArray                 *out,
                               const ShoalPeerWireHashMsg *msg)
{
  g_return_if_fail (msg->n_hashes <= SHOAL_PEER_WIRE_MAX_HASH_LENGTH + SHOAL_PEER_WIRE_MAX_TREE_LAYERS);
  append_fields (out, SHOAL_PEER_WIRE_HASHES, msg, msg->n_hashes);
  if (msg->n_hashes > 0)
    g_byte_array_append (out, msg->hashes, (guint) (msg->n_hashes * SHOAL_SHA256_LEN));
}

/**
 * shoal_peer_wire_hash_request_check:
 * @msg: a parsed request (or reject, or the header of hashes)
 * @shape: the tree of the file @msg names
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Returns: %TRUE if @msg addresses hashes that the file's tree has: a layer
 *   below the root, a run inside it, and fewer proof layers than there
 *   are layers above it
 */
gboolean
shoal_peer_wire_hash_request_check (const ShoalPeerWireHashMsg *msg,
                                    const ShoalMerkleShape     *shape,
                                    GError                    **error)
{
  guint64 layer_width;

  if (msg->base_layer >= shape->root_layer)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer asked for hashes of layer %u in a tree of %u layers",
                 msg->base_layer, shape->root_layer + 1);
  layer_width = shape->width >> msg->base_layer;
  if (msg->length > layer_width || (guint64) msg->index + msg->length > layer_width)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer asked for hashes %u to %" G_GUINT64_FORMAT " of a layer of %" G_GUINT64_FORMAT,
                 msg->index, (guint64) msg->index + msg->length, layer_width);
  if (msg->length < 2)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES, "Peer asked for a run of %u hash", msg->length);
  /* Proof layer k is the uncle at layer base + k; the root's layer has
   * none (libtorrent counts the same way). */
  if (msg->proof_layers >= shape->root_layer - msg->base_layer)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer asked for %u proof layers above layer %u of a tree of %u layers",
                 msg->proof_layers, msg->base_layer, shape->root_layer + 1);
  return TRUE;
}

static void
hash_pair (const guint8 *left,
           const guint8 *right,
           guint8       *out)
{
  guint8 pair[2 * SHOAL_SHA256_LEN];

  memcpy (pair, left, SHOAL_SHA256_LEN);
  memcpy (pair + SHOAL_SHA256_LEN, right, SHOAL_SHA256_LEN);
  shoal_sha256 (pair, sizeof pair, out);
}

/**
 * shoal_peer_wire_hashes_verify:
 * @msg: a parsed hashes message
 * @shape: the tree of the file whose root @msg names
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Climbs from the run of hashes to the root: the run reduces to its
 * subtree's root, each uncle takes it one layer up, and the last must be
 * the pieces root. Every uncle must be used and none may be missing.
 *
 * Returns: %TRUE if the hashes are proven to belong to the file
 */
gboolean
shoal_peer_wire_hashes_verify (const ShoalPeerWireHashMsg *msg,
                               const ShoalMerkleShape     *shape,
                               GError                    **error)
{
  g_autofree guint8 *run = NULL;
  guint8 node[SHOAL_SHA256_LEN];
  guint8 zero[SHOAL_SHA256_LEN] = { 0 };
  guint64 pos;
  guint layer;
  gsize n_uncles;

  if (!shoal_peer_wire_hash_request_check (msg, shape, error))
    return FALSE;
  if (msg->hashes == NULL || msg->n_hashes < msg->length)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES, "Peer sent fewer hashes than its run");

  layer = msg->base_layer + log2_exact (msg->length);
  n_uncles = msg->n_hashes - msg->length;
  if (n_uncles != shape->root_layer - layer)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
                 "Peer sent %" G_GSIZE_FORMAT " proof hashes where %u are needed to reach the root",
                 n_uncles, shape->root_layer - layer);

  /* The run is whole (length hashes), so its subtree needs no padding. */
  run = g_memdup2 (msg->hashes, (gsize) msg->length * SHOAL_SHA256_LEN);
  shoal_merkle_reduce (run, msg->length, msg->length, zero, node);
  pos = msg->index / msg->length;
  for (gsize i = 0; i < n_uncles; i++, pos /= 2)
    {
      const guint8 *uncle = msg->hashes + ((gsize) msg->length + i) * SHOAL_SHA256_LEN;

      if (pos % 2 == 0)
        hash_pair (node, uncle, node);
      else
        hash_pair (uncle, node, node);
    }
  if (memcmp (node, msg->pieces_root, SHOAL_SHA256_LEN) != 0)
    return fail (error, SHOAL_PEER_WIRE_ERROR_BAD_HASHES, "Peer sent hashes whose proof does not lead to the pieces root");
  return TRUE;
}

/**
 * shoal_peer_wire_hashes_build_tree:
 * @shape: a file's tree
 * @piece_layer: (array length=n_layer_hashes): the file's piece layer
 * @n_layer_hashes: its length, the file's piece count
 *
 * Every layer of the file's tree from the piece layer up to the root, the
 * piece layer padded with pad hashes, one layer after the other: fewer than
 * twice as many hashes as the padded piece layer, itself bounded by the
 * file's size. Answers are cut from it.
 *
 * Returns: (transfer full) (nullable): the layers, or %NULL if the layer
 *   does not fit the shape
 */
guint8 *
shoal_peer_wire_hashes_build_tree (const ShoalMerkleShape *shape,
                                   const guint8           *piece_layer,
                                   gsize                   n_layer_hashes)
{
  guint8 *tree;
  guint8 pad[SHOAL_SHA256_LEN];
  guint64 width;
  guint64 layer_start = 0;

  if (piece_layer == NULL || n_layer_hashes == 0 || shape->piece_layer >= shape->root_layer)
    return NULL;
  width = shape->width >> shape->piece_layer;
  if (n_layer_hashes > width)
    return NULL;

  tree = g_malloc ((gsize) (2 * width) * SHOAL_SHA256_LEN);
  memcpy (tree, piece_layer, n_layer_hashes * SHOAL_SHA256_LEN);
  shoal_merkle_pad_hash ((guint64) 1 << shape->piece_layer, pad);
  for (guint64 i = n_layer_hashes; i < width; i++)
    memcpy (tree + i * SHOAL_SHA256_LEN, pad, SHOAL_SHA256_LEN);
  for (guint64 w = width; w > 1; w /= 2)
    {
      for (guint64 i = 0; i < w / 2; i++)
        hash_pair (tree + (layer_start + 2 * i) * SHOAL_SHA256_LEN,
                   tree + (layer_start + 2 * i + 1) * SHOAL_SHA256_LEN,
                   tree + (layer_start + w + i) * SHOAL_SHA256_LEN);
      layer_start += w;
    }
  return tree;
}

/* Where @layer (at or above the piece layer) starts in a built tree, and
 * how wide it is. */
static guint64
tree_layer_start (const ShoalMerkleShape *shape,
                  guint                   layer,
                  guint64                *width)
{
  guint64 start = 0;
  guint64 w = shape->width >> shape->piece_layer;

  for (guint l = shape->piece_layer; l < layer; l++)
    {
      start += w;
      w /= 2;
    }
  *width = w;
  return start;
}

/**
 * shoal_peer_wire_hashes_answer_from_tree:
 * @request: a request that passed shoal_peer_wire_hash_request_check()
 * @shape: the file's tree
 * @tree: what shoal_peer_wire_hashes_build_tree() made of its piece layer
 * @out: where to append the hashes message
 *
 * Answers a request for hashes of the piece layer or above. Layers below
 * the piece layer need the data: those requests get %FALSE here, and are
 * answered by shoal_peer_wire_hashes_answer_from_leaves().
 *
 * Returns: %TRUE if a hashes message was appended
 */
gboolean
shoal_peer_wire_hashes_answer_from_tree (const ShoalPeerWireHashMsg *request,
                                         const ShoalMerkleShape     *shape,
                                         const guint8               *tree,
                                         GByteArray                 *out)
{
  g_autoptr(GByteArray) hashes = NULL;
  ShoalPeerWireHashMsg answer = *request;
  guint64 start, w;
  guint run_layer;
  guint64 pos;
  guint n_uncles = 0;

  if (tree == NULL || request->base_layer < shape->piece_layer || request->base_layer >= shape->root_layer)
    return FALSE;
  start = tree_layer_start (shape, request->base_layer, &w);
  if ((guint64) request->index + request->length > w)
    return FALSE;

  hashes = g_byte_array_new ();
  g_byte_array_append (hashes, tree + (start + request->index) * SHOAL_SHA256_LEN,
                       request->length * SHOAL_SHA256_LEN);

  /* Uncles from the run's subtree root up, as many as asked (the first
   * log2 (length) - 1 proof layers are inside the run) and the tree has. */
  run_layer = request->base_layer + log2_exact (request->length);
  if (request->proof_layers + 1 > log2_exact (request->length))
    n_uncles = MIN (request->proof_layers + 1 - log2_exact (request->length), shape->root_layer - run_layer);
  pos = request->index / request->length;
  start = tree_layer_start (shape, run_layer, &w);
  for (guint i = 0; i < n_uncles; i++)
    {
      g_byte_array_append (hashes, tree + (start + (pos ^ 1)) * SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
      start += w;
      w /= 2;
      pos /= 2;
    }

  answer.hashes = hashes->data;
  answer.n_hashes = hashes->len / SHOAL_SHA256_LEN;
  shoal_peer_wire_encode_hashes (out, &answer);
  return TRUE;
}

/**
 * shoal_peer_wire_hashes_answer:
 * @request: a request that passed shoal_peer_wire_hash_request_check()
 * @shape: the file's tree
 * @piece_layer: (array length=n_layer_hashes): the file's piece layer
 * @n_layer_hashes: its length, the file's piece count
 * @out: where to append the hashes message
 *
 * shoal_peer_wire_hashes_build_tree() then
 * shoal_peer_wire_hashes_answer_from_tree(), for one answer.
 *
 * Returns: %TRUE if a hashes message was appended
 */
gboolean
shoal_peer_wire_hashes_answer (const ShoalPeerWireHashMsg *request,
                               const ShoalMerkleShape     *shape,
                               const guint8               *piece_layer,
                               gsize                       n_layer_hashes,
                               GByteArray                 *out)
{
  g_autofree guint8 *tree = NULL;

  if (request->base_layer < shape->piece_layer)
    return FALSE;
  tree = shoal_peer_wire_hashes_build_tree (shape, piece_layer, n_layer_hashes);
  return shoal_peer_wire_hashes_answer_from_tree (request, shape, tree, out);
}

/**
 * shoal_peer_wire_hashes_leaf_span:
 * @request: a request that passed shoal_peer_wire_hash_request_check()
 * @shape: the file's tree
 * @first_leaf: (out): the first leaf the answer needs
 * @n_leaves: (out): how many leaves of the file's data it needs, from
 *   @first_leaf (those past the file's end are zero hashes, not asked for)
 *
 * A request for hashes below the piece layer needs the leaves of the whole
 * pieces under its run (or of the whole file, for a file of one piece):
 * which ones, so that the caller reads and hashes them. Bounded: a run
 * needing more than %SHOAL_PEER_WIRE_MAX_LEAF_SPAN leaves gets %FALSE.
 *
 * Returns: %TRUE if the request is below the piece layer and small enough
 */
gboolean
shoal_peer_wire_hashes_leaf_span (const ShoalPeerWireHashMsg *request,
                                  const ShoalMerkleShape     *shape,
                                  guint64                    *first_leaf,
                                  guint64                    *n_leaves)
{
  guint span_layer = MIN (shape->piece_layer, shape->root_layer);
  guint64 lo, hi;

  /* A run is a whole subtree: a power of two, aligned on its length. */
  if (request->base_layer >= span_layer || span_layer >= SHOAL_PEER_WIRE_MAX_TREE_LAYERS || request->length == 0 ||
      (request->length & (request->length - 1)) != 0 || request->index % request->length != 0)
    return FALSE;
  lo = ((guint64) request->index << request->base_layer) >> span_layer << span_layer;
  hi = ((guint64) request->index + request->length) << request->base_layer;
  hi = ((hi + ((G_GUINT64_CONSTANT (1) << span_layer) - 1)) >> span_layer) << span_layer;
  if (hi > shape->width || hi - lo > SHOAL_PEER_WIRE_MAX_LEAF_SPAN)
    return FALSE;
  *first_leaf = lo;
  *n_leaves = MIN (hi, shape->n_leaves) > lo ? MIN (hi, shape->n_leaves) - lo : 0;
  return TRUE;
}

/**
 * shoal_peer_wire_hashes_answer_from_leaves:
 * @request: a request that passed shoal_peer_wire_hash_request_check()
 *   and shoal_peer_wire_hashes_leaf_span()
 * @shape: the file's tree
 * @tree: (nullable): what shoal_peer_wire_hashes_build_tree() made of the
 *   file's piece layer; %NULL only for a file of one piece
 * @leaves: (array length=n_leaves): the leaves that
 *   shoal_peer_wire_hashes_leaf_span() named, SHA-256 of each 16 KiB block
 *   (the file's last one as short as it is)
 * @n_leaves: how many, as that call gave
 * @out: where to append the hashes message
 *
 * Answers a request for hashes below the piece layer (the 16 KiB leaves,
 * base layer 0, or a layer between): the layers under the run's pieces are
 * built from their leaves, the uncles above the piece layer cut from @tree.
 *
 * Returns: %TRUE if a hashes message was appended
 */
gboolean
shoal_peer_wire_hashes_answer_from_leaves (const ShoalPeerWireHashMsg *request,
                                           const ShoalMerkleShape     *shape,
                                           const guint8               *tree,
                                           const guint8               *leaves,
                                           guint64                     n_leaves,
                                           GByteArray                 *out)
{
  g_autoptr(GByteArray) hashes = NULL;
  g_autofree guint8 *region = NULL;
  ShoalPeerWireHashMsg answer = *request;
  guint span_layer = MIN (shape->piece_layer, shape->root_layer);
  guint64 lo, n_real, width, w, start, pos;
  guint64 layer_start[SHOAL_PEER_WIRE_MAX_TREE_LAYERS] = { 0 };
  guint run_layer = request->base_layer + log2_exact (request->length);
  guint n_uncles = 0;

  if (!shoal_peer_wire_hashes_leaf_span (request, shape, &lo, &n_real) || n_real != n_leaves ||
      (tree == NULL && span_layer < shape->root_layer))
    return FALSE;
  /* The region: whole pieces under the run, its layers up to the pieces'
   * roots, one after the other (fewer than twice its leaves). */
  width = (((((guint64) request->index + request->length) << request->base_layer) + (G_GUINT64_CONSTANT (1) << span_layer) - 1)
           >> span_layer << span_layer) - lo;
  region = g_malloc0 ((gsize) (2 * width) * SHOAL_SHA256_LEN);
  if (n_leaves > 0)
    memcpy (region, leaves, (gsize) n_leaves * SHOAL_SHA256_LEN);
  start = 0;
  w = width;
  for (guint l = 0; l < span_layer; l++)
    {
      layer_start[l + 1] = start + w;
      for (guint64 i = 0; i < w / 2; i++)
        hash_pair (region + (start + 2 * i) * SHOAL_SHA256_LEN, region + (start + 2 * i + 1) * SHOAL_SHA256_LEN,
                   region + (start + w + i) * SHOAL_SHA256_LEN);
      start += w;
      w /= 2;
    }

  hashes = g_byte_array_new ();
  g_byte_array_append (hashes, region + (layer_start[request->base_layer] + request->index -
                                         (lo >> request->base_layer)) * SHOAL_SHA256_LEN,
                       request->length * SHOAL_SHA256_LEN);
  if (request->proof_layers + 1 > log2_exact (request->length))
    n_uncles = MIN (request->proof_layers + 1 - log2_exact (request->length), shape->root_layer - run_layer);
  pos = request->index / request->length;
  for (guint i = 0, l = run_layer; i < n_uncles; i++, l++, pos /= 2)
    {
      if (l < span_layer)
        g_byte_array_append (hashes, region + (layer_start[l] + (pos ^ 1) - (lo >> l)) * SHOAL_SHA256_LEN,
                             SHOAL_SHA256_LEN);
      else
        {
          guint64 tw;
          guint64 ts = tree_layer_start (shape, l, &tw);

          g_byte_array_append (hashes, tree + (ts + (pos ^ 1)) * SHOAL_SHA256_LEN, SHOAL_SHA256_LEN);
        }
    }

  answer.hashes = hashes->data;
  answer.n_hashes = hashes->len / SHOAL_SHA256_LEN;
  shoal_peer_wire_encode_hashes (out, &answer);
  return TRUE;
}
