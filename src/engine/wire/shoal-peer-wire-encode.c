/* shoal-peer-wire-encode.c: the peer wire protocol's message encoders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the peer wire codec (shoal-peer-wire.h): every message we send
 * is built here, appended to a caller's GByteArray with its length prefix.
 * The decoder is in shoal-peer-wire.c, the extension handshake in
 * shoal-peer-wire-ext-handshake.c.
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-peer-wire.h"

static void
append_be32 (GByteArray *out,
             guint32     v)
{
  guint8 buf[4];

  shoal_be32_write (buf, v);
  g_byte_array_append (out, buf, 4);
}

/* Writes the length prefix and id of a message whose payload after the id
 * is @payload_len bytes long. */
static void
append_header (GByteArray *out,
               guint8      id,
               gsize       payload_len)
{
  guint8 buf[5];

  g_return_if_fail (payload_len < G_MAXUINT32);
  shoal_be32_write (buf, (guint32) (payload_len + 1));
  buf[4] = id;
  g_byte_array_append (out, buf, 5);
}

/* Encoders */

void
shoal_peer_wire_encode_keep_alive (GByteArray *out)
{
  g_return_if_fail (out != NULL);
  append_be32 (out, 0);
}

/**
 * shoal_peer_wire_encode_simple:
 * @out: where to append
 * @type: choke, unchoke, interested, not interested, have all or have none
 *
 * Appends a message that has no payload.
 */
void
shoal_peer_wire_encode_simple (GByteArray               *out,
                               ShoalPeerWireMessageType  type)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (type == SHOAL_PEER_WIRE_CHOKE ||
                    type == SHOAL_PEER_WIRE_UNCHOKE ||
                    type == SHOAL_PEER_WIRE_INTERESTED ||
                    type == SHOAL_PEER_WIRE_NOT_INTERESTED ||
                    type == SHOAL_PEER_WIRE_HAVE_ALL ||
                    type == SHOAL_PEER_WIRE_HAVE_NONE);
  append_header (out, type, 0);
}

static void
encode_index (GByteArray *out,
              guint8      id,
              guint32     index)
{
  g_return_if_fail (out != NULL);
  append_header (out, id, 4);
  append_be32 (out, index);
}

void
shoal_peer_wire_encode_have (GByteArray *out,
                             guint32     index)
{
  encode_index (out, SHOAL_PEER_WIRE_HAVE, index);
}

void
shoal_peer_wire_encode_suggest (GByteArray *out,
                                guint32     index)
{
  encode_index (out, SHOAL_PEER_WIRE_SUGGEST, index);
}

void
shoal_peer_wire_encode_allowed_fast (GByteArray *out,
                                     guint32     index)
{
  encode_index (out, SHOAL_PEER_WIRE_ALLOWED_FAST, index);
}

void
shoal_peer_wire_encode_bitfield (GByteArray   *out,
                                 const guint8 *bits,
                                 gsize         len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (bits != NULL || len == 0);
  g_return_if_fail (len < G_MAXUINT32);
  append_header (out, SHOAL_PEER_WIRE_BITFIELD, len);
  if (len > 0)
    g_byte_array_append (out, bits, len);
}

static void
encode_block_ref (GByteArray *out,
                  guint8      id,
                  guint32     index,
                  guint32     begin,
                  guint32     length)
{
  g_return_if_fail (out != NULL);
  append_header (out, id, 12);
  append_be32 (out, index);
  append_be32 (out, begin);
  append_be32 (out, length);
}

void
shoal_peer_wire_encode_request (GByteArray *out,
                                guint32     index,
                                guint32     begin,
                                guint32     length)
{
  encode_block_ref (out, SHOAL_PEER_WIRE_REQUEST, index, begin, length);
}

void
shoal_peer_wire_encode_cancel (GByteArray *out,
                               guint32     index,
                               guint32     begin,
                               guint32     length)
{
  encode_block_ref (out, SHOAL_PEER_WIRE_CANCEL, index, begin, length);
}

void
shoal_peer_wire_encode_reject (GByteArray *out,
                               guint32     index,
                               guint32     begin,
                               guint32     length)
{
  encode_block_ref (out, SHOAL_PEER_WIRE_REJECT, index, begin, length);
}

/**
 * shoal_peer_wire_encode_piece_header:
 * @out: (out caller-allocates): the 13 bytes that precede a block
 * @index: the piece index
 * @begin: the block's offset in the piece
 * @block_len: the block's length
 *
 * Writes a piece message's header into a caller buffer, so that the block
 * can be sent from where it already is (a scatter write) without copying.
 */
void
shoal_peer_wire_encode_piece_header (guint8   out[13],
                                     guint32  index,
                                     guint32  begin,
                                     gsize    block_len)
{
  g_return_if_fail (block_len <= G_MAXUINT32 - 9);
  shoal_be32_write (out, (guint32) (block_len + 9));
  out[4] = SHOAL_PEER_WIRE_PIECE;
  shoal_be32_write (out + 5, index);
  shoal_be32_write (out + 9, begin);
}

void
shoal_peer_wire_encode_piece (GByteArray   *out,
                              guint32       index,
                              guint32       begin,
                              const guint8 *block,
                              gsize         block_len)
{
  guint8 header[13];

  g_return_if_fail (out != NULL);
  g_return_if_fail (block != NULL || block_len == 0);
  g_return_if_fail (block_len <= G_MAXUINT32 - 9);
  shoal_peer_wire_encode_piece_header (header, index, begin, block_len);
  g_byte_array_append (out, header, sizeof header);
  if (block_len > 0)
    g_byte_array_append (out, block, block_len);
}

void
shoal_peer_wire_encode_port (GByteArray *out,
                             guint16     port)
{
  guint8 buf[2] = { port >> 8, port & 0xff };

  g_return_if_fail (out != NULL);
  append_header (out, SHOAL_PEER_WIRE_PORT, 2);
  g_byte_array_append (out, buf, 2);
}

/**
 * shoal_peer_wire_encode_extended:
 * @out: where to append
 * @extended_id: the id the peer gave the extension, 0 for the handshake
 * @payload: (array length=payload_len): the extension's bytes
 * @payload_len: their length
 */
void
shoal_peer_wire_encode_extended (GByteArray   *out,
                                 guint8        extended_id,
                                 const guint8 *payload,
                                 gsize         payload_len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (payload != NULL || payload_len == 0);
  g_return_if_fail (payload_len < G_MAXUINT32 - 1);
  append_header (out, SHOAL_PEER_WIRE_EXTENDED, payload_len + 1);
  g_byte_array_append (out, &extended_id, 1);
  if (payload_len > 0)
    g_byte_array_append (out, payload, payload_len);
}

/**
 * shoal_peer_wire_encode:
 * @out: where to append
 * @message: the message; fields its type does not use are ignored
 *
 * Appends any message, as shoal_peer_wire_decoder_decode() returns them.
 */
void
shoal_peer_wire_encode (GByteArray                 *out,
                        const ShoalPeerWireMessage *message)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (message != NULL);

  switch (message->type)
    {
    case SHOAL_PEER_WIRE_KEEP_ALIVE:
      shoal_peer_wire_encode_keep_alive (out);
      break;
    case SHOAL_PEER_WIRE_CHOKE:
    case SHOAL_PEER_WIRE_UNCHOKE:
    case SHOAL_PEER_WIRE_INTERESTED:
    case SHOAL_PEER_WIRE_NOT_INTERESTED:
    case SHOAL_PEER_WIRE_HAVE_ALL:
    case SHOAL_PEER_WIRE_HAVE_NONE:
      shoal_peer_wire_encode_simple (out, message->type);
      break;
    case SHOAL_PEER_WIRE_HAVE:
    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
      encode_index (out, message->type, message->index);
      break;
    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_CANCEL:
    case SHOAL_PEER_WIRE_REJECT:
      encode_block_ref (out, message->type, message->index, message->begin, message->length);
      break;
    case SHOAL_PEER_WIRE_BITFIELD:
      shoal_peer_wire_encode_bitfield (out, message->payload, message->payload_len);
      break;
    case SHOAL_PEER_WIRE_PIECE:
      shoal_peer_wire_encode_piece (out, message->index, message->begin,
                                    message->payload, message->payload_len);
      break;
    case SHOAL_PEER_WIRE_PORT:
      shoal_peer_wire_encode_port (out, message->port);
      break;
    case SHOAL_PEER_WIRE_EXTENDED:
      shoal_peer_wire_encode_extended (out, message->extended_id,
                                       message->payload, message->payload_len);
      break;
    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASHES:
    case SHOAL_PEER_WIRE_HASH_REJECT:
      /* The body as decoded; shoal-peer-wire-hashes.c builds new ones. */
      append_header (out, (guint8) message->type, message->payload_len);
      g_byte_array_append (out, message->payload, (guint) message->payload_len);
      break;
    default:
      g_return_if_reached ();
    }
}
