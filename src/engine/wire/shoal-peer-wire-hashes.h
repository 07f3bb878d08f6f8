/* shoal-peer-wire-hashes.h: BEP 52 hash request, hashes and hash reject
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the three v2 messages that carry merkle hashes between peers (ids
 * 21, 22, 23): their encoding, their bounds, the check of a request
 * against the shape of a file's tree, the proof that received hashes
 * belong to a pieces root, and the answer to a request for a piece layer
 * we hold. Everything read is bounded before use: counts, layers, index.
 * May use: util/ (hash, be), metainfo/ (shoal-merkle).
 */
#pragma once

#include <glib.h>

#include "shoal-hash.h"
#include "shoal-peer-wire.h"

G_BEGIN_DECLS

/* pieces root (32) + base layer, index, length, proof layers (4 each) */
#define SHOAL_PEER_WIRE_HASH_HEADER_LEN   SHOAL_PEER_WIRE_HASH_BODY_LEN
/* Hashes asked or sent at once (BEP 52: should not exceed 512). */
#define SHOAL_PEER_WIRE_MAX_HASH_LENGTH   8192u
/* Leaves read to answer one request below the piece layer (16 MiB). */
#define SHOAL_PEER_WIRE_MAX_LEAF_SPAN     1024u
/* A file of 2^63 bytes has 2^49 leaves: no tree is deeper than this. */
#define SHOAL_PEER_WIRE_MAX_TREE_LAYERS   64u
G_STATIC_ASSERT (SHOAL_PEER_WIRE_MAX_HASHES_BODY_LEN ==
                 SHOAL_PEER_WIRE_HASH_HEADER_LEN + SHOAL_SHA256_LEN * (SHOAL_PEER_WIRE_MAX_HASH_LENGTH +
                                                                       SHOAL_PEER_WIRE_MAX_TREE_LAYERS));

/**
 * ShoalPeerWireHashMsg:
 * @pieces_root: the file's merkle root
 * @base_layer: the layer of the first hashes, 0 for the 16 KiB leaves
 * @index: the first hash, in that layer
 * @length: how many hashes of that layer
 * @proof_layers: ancestor layers asked for
 * @hashes: (nullable): a hashes message's hashes, @length of the base
 *   layer then the uncles, closest to the base first; points into the
 *   payload it was parsed from
 * @n_hashes: how many there are in @hashes
 */
typedef struct
{
  guint8        pieces_root[SHOAL_SHA256_LEN];
  guint32       base_layer;
  guint32       index;
  guint32       length;
  guint32       proof_layers;
  const guint8 *hashes;
  gsize         n_hashes;
} ShoalPeerWireHashMsg;

/**
 * ShoalMerkleShape:
 * @n_leaves: the file's 16 KiB blocks
 * @width: the leaf layer once padded: a power of two
 * @root_layer: log2 (@width): the layer of the pieces root
 * @piece_layer: log2 (piece length / 16 KiB)
 *
 * The tree of one file, as the hash messages address it.
 */
typedef struct
{
  guint64 n_leaves;
  guint64 width;
  guint   root_layer;
  guint   piece_layer;
} ShoalMerkleShape;

gboolean shoal_merkle_shape_init               (ShoalMerkleShape           *shape,
                                                guint64                     file_length,
                                                guint64                     piece_length);

gboolean shoal_peer_wire_hash_msg_parse        (ShoalPeerWireMessageType    type,
                                                const guint8               *payload,
                                                gsize                       len,
                                                ShoalPeerWireHashMsg       *msg,
                                                GError                    **error);
void     shoal_peer_wire_encode_hash_request   (GByteArray                 *out,
                                                ShoalPeerWireMessageType    type,
                                                const ShoalPeerWireHashMsg *msg);
void     shoal_peer_wire_encode_hashes         (GByteArray                 *out,
                                                const ShoalPeerWireHashMsg *msg);

gboolean shoal_peer_wire_hash_request_check    (const ShoalPeerWireHashMsg *msg,
                                                const ShoalMerkleShape     *shape,
                                                GError                    **error);
gboolean shoal_peer_wire_hashes_verify         (const ShoalPeerWireHashMsg *msg,
                                                const ShoalMerkleShape     *shape,
                                                GError                    **error);
guint8  *shoal_peer_wire_hashes_build_tree     (const ShoalMerkleShape     *shape,
                                                const guint8               *piece_layer,
                                                gsize                       n_layer_hashes);
gboolean shoal_peer_wire_hashes_answer_from_tree (const ShoalPeerWireHashMsg *request,
                                                  const ShoalMerkleShape     *shape,
                                                  const guint8               *tree,
                                                  GByteArray                 *out);
gboolean shoal_peer_wire_hashes_answer         (const ShoalPeerWireHashMsg *request,
                                                const ShoalMerkleShape     *shape,
                                                const guint8               *piece_layer,
                                                gsize                       n_layer_hashes,
                                                GByteArray                 *out);
gboolean shoal_peer_wire_hashes_leaf_span      (const ShoalPeerWireHashMsg *request,
                                                const ShoalMerkleShape     *shape,
                                                guint64                    *first_leaf,
                                                guint64                    *n_leaves);
gboolean shoal_peer_wire_hashes_answer_from_leaves (const ShoalPeerWireHashMsg *request,
                                                    const ShoalMerkleShape     *shape,
                                                    const guint8               *tree,
                                                    const guint8               *leaves,
                                                    guint64                     n_leaves,
                                                    GByteArray                 *out);

G_END_DECLS
