/* shoal-peer-wire.c: the peer wire protocol codec (BEP 3, BEP 5, BEP 6, BEP 10)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing here touches a socket. The decoder is a push parser: the caller
 * hands it bytes as they arrive, split anywhere, and takes back whole
 * messages. Every length a peer sends is checked against the limit for its
 * message type as soon as the 4-byte prefix and the id byte are in, before
 * a single byte is buffered for it, so a peer cannot make us allocate more
 * than the largest message we accept.
 *
 * Unknown message ids are an error by default (a peer that sends ids we
 * never negotiated is broken or probing); shoal_peer_wire_decoder_set_skip_unknown()
 * makes the decoder drop them instead, without buffering them, as long as
 * they stay under the general message size limit.
 *
 * This file has the handshake, the validators and the decoder; the
 * encoders are in shoal-peer-wire-encode.c, the BEP 10 extension handshake
 * in shoal-peer-wire-ext-handshake.c and peer ids in
 * shoal-peer-wire-peer-id.c.
 */
#include "config.h"

#include <string.h>

#include "shoal-be.h"
#include "shoal-bencode.h"
#include "shoal-peer-wire.h"

G_DEFINE_QUARK (shoal-peer-wire-error-quark, shoal_peer_wire_error)

/**
 * shoal_peer_wire_message_type_to_string:
 * @type: a message type
 *
 * Returns: a short English name for @type, for logs and error messages
 */
const char *
shoal_peer_wire_message_type_to_string (ShoalPeerWireMessageType type)
{
  switch (type)
    {
    case SHOAL_PEER_WIRE_CHOKE:          return "choke";
    case SHOAL_PEER_WIRE_UNCHOKE:        return "unchoke";
    case SHOAL_PEER_WIRE_INTERESTED:     return "interested";
    case SHOAL_PEER_WIRE_NOT_INTERESTED: return "not interested";
    case SHOAL_PEER_WIRE_HAVE:           return "have";
    case SHOAL_PEER_WIRE_BITFIELD:       return "bitfield";
    case SHOAL_PEER_WIRE_REQUEST:        return "request";
    case SHOAL_PEER_WIRE_PIECE:          return "piece";
    case SHOAL_PEER_WIRE_CANCEL:         return "cancel";
    case SHOAL_PEER_WIRE_PORT:           return "port";
    case SHOAL_PEER_WIRE_SUGGEST:        return "suggest piece";
    case SHOAL_PEER_WIRE_HAVE_ALL:       return "have all";
    case SHOAL_PEER_WIRE_HAVE_NONE:      return "have none";
    case SHOAL_PEER_WIRE_REJECT:         return "reject request";
    case SHOAL_PEER_WIRE_ALLOWED_FAST:   return "allowed fast";
    case SHOAL_PEER_WIRE_EXTENDED:       return "extended";
    case SHOAL_PEER_WIRE_HASH_REQUEST:   return "hash request";
    case SHOAL_PEER_WIRE_HASHES:         return "hashes";
    case SHOAL_PEER_WIRE_HASH_REJECT:    return "hash reject";
    case SHOAL_PEER_WIRE_KEEP_ALIVE:     return "keep-alive";
    default:                             return "unknown";
    }
}

/* Handshake */

/**
 * shoal_peer_wire_reserved_get_features:
 * @reserved: the 8 reserved bytes of a handshake
 *
 * Returns: the extensions whose bits are set in @reserved
 */
ShoalPeerWireFeatures
shoal_peer_wire_reserved_get_features (const guint8 reserved[8])
{
  ShoalPeerWireFeatures features = SHOAL_PEER_WIRE_FEATURE_NONE;

  if (reserved[7] & 0x01)
    features |= SHOAL_PEER_WIRE_FEATURE_DHT;
  if (reserved[7] & 0x04)
    features |= SHOAL_PEER_WIRE_FEATURE_FAST;
  if (reserved[7] & 0x10)
    features |= SHOAL_PEER_WIRE_FEATURE_V2;
  if (reserved[5] & 0x10)
    features |= SHOAL_PEER_WIRE_FEATURE_EXTENSION;
  return features;
}

/**
 * shoal_peer_wire_reserved_set_features:
 * @reserved: the 8 reserved bytes of a handshake
 * @features: the extensions to announce
 *
 * Sets the bits for @features in @reserved and clears the bits of the other
 * features this codec knows; bits it does not know are left alone.
 */
void
shoal_peer_wire_reserved_set_features (guint8                reserved[8],
                                       ShoalPeerWireFeatures features)
{
  reserved[7] &= ~(0x01 | 0x04 | 0x10);
  reserved[5] &= ~0x10;
  if (features & SHOAL_PEER_WIRE_FEATURE_DHT)
    reserved[7] |= 0x01;
  if (features & SHOAL_PEER_WIRE_FEATURE_FAST)
    reserved[7] |= 0x04;
  if (features & SHOAL_PEER_WIRE_FEATURE_V2)
    reserved[7] |= 0x10;
  if (features & SHOAL_PEER_WIRE_FEATURE_EXTENSION)
    reserved[5] |= 0x10;
}

/**
 * shoal_peer_wire_handshake_encode:
 * @handshake: what to send
 * @out: (out caller-allocates): the 68 bytes of the handshake
 */
void
shoal_peer_wire_handshake_encode (const ShoalPeerWireHandshake *handshake,
                                  guint8                        out[SHOAL_PEER_WIRE_HANDSHAKE_LEN])
{
  g_return_if_fail (handshake != NULL);

  out[0] = 19;
  memcpy (out + 1, SHOAL_PEER_WIRE_PROTOCOL, 19);
  memcpy (out + 20, handshake->reserved, 8);
  memcpy (out + 28, handshake->info_hash, 20);
  memcpy (out + 48, handshake->peer_id, 20);
}

/**
 * shoal_peer_wire_handshake_check_prefix:
 * @data: the first bytes received on a connection
 * @len: how many there are (any number)
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Checks whatever part of the protocol string has arrived, so that a
 * connection speaking something else can be dropped after its first byte
 * rather than after 68.
 *
 * Returns: %TRUE if @data could still start a BitTorrent handshake
 */
gboolean
shoal_peer_wire_handshake_check_prefix (const guint8  *data,
                                        gsize          len,
                                        GError       **error)
{
  static const char prefix[] = "\x13" SHOAL_PEER_WIRE_PROTOCOL;
  gsize n = MIN (len, sizeof prefix - 1);

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (n > 0 && data[0] != 19)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
                   "Peer sent a handshake whose protocol name is %u bytes long, "
                   "not 19: it does not speak the BitTorrent protocol", data[0]);
      return FALSE;
    }
  if (n > 1 && memcmp (data, prefix, n) != 0)
    {
      g_set_error_literal (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
                           "Peer sent a handshake for a protocol other than "
                           "“BitTorrent protocol” (an encrypted or non-BitTorrent connection)");
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_peer_wire_handshake_parse:
 * @data: the received bytes; only the first 68 are read
 * @len: the length of @data
 * @handshake: (out caller-allocates): the parsed handshake
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Returns: %TRUE if @data starts with a well-formed BitTorrent handshake
 */
gboolean
shoal_peer_wire_handshake_parse (const guint8            *data,
                                 gsize                    len,
                                 ShoalPeerWireHandshake  *handshake,
                                 GError                 **error)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (handshake != NULL, FALSE);

  if (!shoal_peer_wire_handshake_check_prefix (data, len, error))
    return FALSE;
  if (len < SHOAL_PEER_WIRE_HANDSHAKE_LEN)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
                   "Peer sent a handshake of only %" G_GSIZE_FORMAT " bytes (expected %d)",
                   len, SHOAL_PEER_WIRE_HANDSHAKE_LEN);
      return FALSE;
    }

  memcpy (handshake->reserved, data + 20, 8);
  memcpy (handshake->info_hash, data + 28, 20);
  memcpy (handshake->peer_id, data + 48, 20);
  return TRUE;
}

/* Validation */

/**
 * shoal_peer_wire_validate_bitfield:
 * @bits: (array length=len): a received bitfield
 * @len: its length in bytes
 * @n_pieces: how many pieces the torrent has
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * BEP 3 requires a bitfield of exactly ceil(@n_pieces / 8) bytes whose spare
 * bits, past the last piece, are zero.
 *
 * Returns: %TRUE if @bits is a valid bitfield for the torrent
 */
gboolean
shoal_peer_wire_validate_bitfield (const guint8  *bits,
                                   gsize          len,
                                   guint32        n_pieces,
                                   GError       **error)
{
  guint64 expected = ((guint64) n_pieces + 7) / 8;

  g_return_val_if_fail (bits != NULL || len == 0, FALSE);

  if ((guint64) len != expected)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD,
                   "Peer sent a bitfield of %" G_GSIZE_FORMAT " bytes for a torrent of "
                   "%u pieces (expected %" G_GUINT64_FORMAT ")", len, n_pieces, expected);
      return FALSE;
    }
  if (n_pieces % 8 != 0 && (bits[len - 1] & (0xff >> (n_pieces % 8))) != 0)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD,
                   "Peer sent a bitfield claiming pieces past the last of %u pieces",
                   n_pieces);
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_peer_wire_validate_request:
 * @index: the piece index
 * @begin: the block's offset in the piece
 * @length: the block's length
 * @n_pieces: how many pieces the torrent has
 * @piece_length: the torrent's piece length (every piece but the last)
 * @total_length: the torrent's total size, padding included (v1 layout)
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Checks a request (or a cancel, reject or received piece) against the
 * torrent: the piece exists, the block lies inside it, and it is 1 to
 * %SHOAL_PEER_WIRE_BLOCK_SIZE bytes long. Offsets are summed in 64 bits, so
 * a @begin near 4 GiB cannot wrap around.
 *
 * Returns: %TRUE if the block is valid
 */
gboolean
shoal_peer_wire_validate_request (guint32   index,
                                  guint32   begin,
                                  guint32   length,
                                  guint32   n_pieces,
                                  guint64   piece_length,
                                  guint64   total_length,
                                  GError  **error)
{
  guint64 piece_start;
  guint64 piece_size;

  g_return_val_if_fail (piece_length > 0 && piece_length <= G_MAXUINT32, FALSE);

  if (length == 0 || length > SHOAL_PEER_WIRE_BLOCK_SIZE)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                   "Peer asked for a block of %u bytes (must be 1 to %u)",
                   length, SHOAL_PEER_WIRE_BLOCK_SIZE);
      return FALSE;
    }
  if (index >= n_pieces)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                   "Peer asked for piece %u of a torrent with %u pieces", index, n_pieces);
      return FALSE;
    }

  /* Both factors are below 2^32, so the product cannot overflow. */
  piece_start = (guint64) index * piece_length;
  if (piece_start >= total_length)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                   "Peer asked for piece %u, which starts past the end of the torrent",
                   index);
      return FALSE;
    }
  piece_size = MIN (piece_length, total_length - piece_start);
  if ((guint64) begin + length > piece_size)
    {
      g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
                   "Peer asked for bytes %u to %" G_GUINT64_FORMAT " of piece %u, "
                   "which is only %" G_GUINT64_FORMAT " bytes long",
                   begin, (guint64) begin + length, index, piece_size);
      return FALSE;
    }
  return TRUE;
}

/* Decoder */

struct _ShoalPeerWireDecoder
{
  guint32               n_pieces;     /* 0 while unknown */
  guint32               max_message;  /* bytes after the length prefix */
  guint32               max_block;
  guint32               max_bitfield;
  guint32               max_extended; /* bytes after the id */
  ShoalPeerWireFeatures features;
  gboolean              skip_unknown;

  guint8                header[5];    /* length prefix, then id */
  guint                 header_len;
  gboolean              in_body;
  gboolean              skipping;
  guint32               body_len;     /* bytes after the id */
  guint32               body_have;

  guint8               *buf;
  gsize                 buf_size;
  gboolean              failed;
};

/**
 * shoal_peer_wire_decoder_new:
 *
 * Creates a decoder for the messages that follow the handshake. It starts
 * with the default limits, the piece count unknown, and every extension
 * accepted; narrow it with shoal_peer_wire_decoder_set_features() once the
 * handshakes are exchanged.
 *
 * Returns: (transfer full): a new decoder
 */
ShoalPeerWireDecoder *
shoal_peer_wire_decoder_new (void)
{
  ShoalPeerWireDecoder *self = g_new0 (ShoalPeerWireDecoder, 1);

  self->max_message = SHOAL_PEER_WIRE_DEFAULT_MAX_MESSAGE;
  self->max_block = SHOAL_PEER_WIRE_BLOCK_SIZE;
  self->max_bitfield = SHOAL_PEER_WIRE_DEFAULT_MAX_BITFIELD;
  self->max_extended = SHOAL_PEER_WIRE_DEFAULT_MAX_EXTENDED;
  self->features = SHOAL_PEER_WIRE_FEATURE_ALL;
  return self;
}

void
shoal_peer_wire_decoder_free (ShoalPeerWireDecoder *self)
{
  if (self == NULL)
    return;
  g_free (self->buf);
  g_free (self);
}

/**
 * shoal_peer_wire_decoder_set_n_pieces:
 * @self: a decoder
 * @n_pieces: the torrent's piece count, or 0 while it is unknown
 *
 * Once the piece count is known a bitfield must be exactly
 * ceil(@n_pieces / 8) bytes with its spare bits clear; before that (a magnet
 * link still fetching metadata) it is only bounded by the bitfield limit.
 */
void
shoal_peer_wire_decoder_set_n_pieces (ShoalPeerWireDecoder *self,
                                      guint32               n_pieces)
{
  g_return_if_fail (self != NULL);
  self->n_pieces = n_pieces;
}

/**
 * shoal_peer_wire_decoder_set_max_message_size:
 * @self: a decoder
 * @max_size: the largest message accepted, counted after the length prefix
 *
 * Bounds piece messages and skipped unknown ones; bitfields and extended
 * messages have their own limits.
 */
void
shoal_peer_wire_decoder_set_max_message_size (ShoalPeerWireDecoder *self,
                                              guint32               max_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_size >= 13);
  self->max_message = max_size;
}

void
shoal_peer_wire_decoder_set_max_block_size (ShoalPeerWireDecoder *self,
                                            guint32               max_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_size > 0);
  self->max_block = max_size;
}

void
shoal_peer_wire_decoder_set_max_bitfield_size (ShoalPeerWireDecoder *self,
                                               guint32               max_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_size > 0);
  self->max_bitfield = max_size;
}

/**
 * shoal_peer_wire_decoder_set_max_extended_size:
 * @self: a decoder
 * @max_size: the largest extended message accepted, counted after its
 *   message id and including the extended id
 */
void
shoal_peer_wire_decoder_set_max_extended_size (ShoalPeerWireDecoder *self,
                                               guint32               max_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_size > 0 && max_size < G_MAXUINT32);
  self->max_extended = max_size;
}

/**
 * shoal_peer_wire_decoder_set_features:
 * @self: a decoder
 * @features: the extensions both sides announced
 *
 * Fast extension messages without %SHOAL_PEER_WIRE_FEATURE_FAST and extended
 * messages without %SHOAL_PEER_WIRE_FEATURE_EXTENSION become errors, as
 * BEP 6 and BEP 10 ask.
 */
void
shoal_peer_wire_decoder_set_features (ShoalPeerWireDecoder  *self,
                                      ShoalPeerWireFeatures  features)
{
  g_return_if_fail (self != NULL);
  self->features = features;
}

/**
 * shoal_peer_wire_decoder_set_skip_unknown:
 * @self: a decoder
 * @skip_unknown: whether to drop messages with unknown ids
 *
 * By default an unknown message id fails with
 * %SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE. When skipping, such messages are
 * discarded as they stream past, but must still fit the message size limit.
 */
void
shoal_peer_wire_decoder_set_skip_unknown (ShoalPeerWireDecoder *self,
                                          gboolean              skip_unknown)
{
  g_return_if_fail (self != NULL);
  self->skip_unknown = !!skip_unknown;
}

/**
 * shoal_peer_wire_decoder_is_idle:
 * @self: a decoder
 *
 * Returns: %TRUE if the decoder holds no part of a message, that is, the
 *   bytes fed so far ended on a message boundary
 */
gboolean
shoal_peer_wire_decoder_is_idle (ShoalPeerWireDecoder *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return !self->in_body && self->header_len == 0;
}

static gboolean
expect_body (guint8    id,
             guint32   body_len,
             guint32   expected,
             GError  **error)
{
  if (body_len == expected)
    return TRUE;
  g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
               "Peer sent %" G_GUINT64_FORMAT " bytes for a “%s” message (expected %u)",
               (guint64) body_len + 1, shoal_peer_wire_message_type_to_string (id),
               expected + 1);
  return FALSE;
}

static gboolean
require_feature (ShoalPeerWireDecoder  *self,
                 guint8                 id,
                 ShoalPeerWireFeatures  feature,
                 GError               **error)
{
  if (self->features & feature)
    return TRUE;
  g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED,
               "Peer sent a “%s” message without negotiating the %s",
               shoal_peer_wire_message_type_to_string (id),
               feature == SHOAL_PEER_WIRE_FEATURE_FAST ? "Fast extension" : "extension protocol");
  return FALSE;
}

/* Checks a message's length against the limits for its id, before any of
 * its body is buffered, and decides whether to skip it. */
static gboolean
start_body (ShoalPeerWireDecoder  *self,
            guint32                length,
            guint8                 id,
            GError               **error)
{
  guint32 body_len = length - 1;

  self->skipping = FALSE;
  switch (id)
    {
    case SHOAL_PEER_WIRE_CHOKE:
    case SHOAL_PEER_WIRE_UNCHOKE:
    case SHOAL_PEER_WIRE_INTERESTED:
    case SHOAL_PEER_WIRE_NOT_INTERESTED:
      return expect_body (id, body_len, 0, error);

    case SHOAL_PEER_WIRE_HAVE:
      return expect_body (id, body_len, 4, error);

    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_CANCEL:
      return expect_body (id, body_len, 12, error);

    case SHOAL_PEER_WIRE_PORT:
      return expect_body (id, body_len, 2, error);

    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
      return require_feature (self, id, SHOAL_PEER_WIRE_FEATURE_FAST, error) &&
             expect_body (id, body_len, 4, error);

    case SHOAL_PEER_WIRE_HAVE_ALL:
    case SHOAL_PEER_WIRE_HAVE_NONE:
      return require_feature (self, id, SHOAL_PEER_WIRE_FEATURE_FAST, error) &&
             expect_body (id, body_len, 0, error);

    case SHOAL_PEER_WIRE_REJECT:
      return require_feature (self, id, SHOAL_PEER_WIRE_FEATURE_FAST, error) &&
             expect_body (id, body_len, 12, error);

    case SHOAL_PEER_WIRE_BITFIELD:
      if (self->n_pieces > 0)
        {
          guint64 expected = ((guint64) self->n_pieces + 7) / 8;

          if (body_len != expected)
            {
              g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD,
                           "Peer sent a bitfield of %u bytes for a torrent of %u pieces "
                           "(expected %" G_GUINT64_FORMAT ")",
                           body_len, self->n_pieces, expected);
              return FALSE;
            }
        }
      else if (body_len == 0)
        {
          g_set_error_literal (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD,
                               "Peer sent an empty bitfield");
          return FALSE;
        }
      else if (body_len > self->max_bitfield)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "Peer sent a bitfield of %u bytes (limit %u)",
                       body_len, self->max_bitfield);
          return FALSE;
        }
      return TRUE;

    case SHOAL_PEER_WIRE_PIECE:
      if (body_len <= 8)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
                       "Peer sent a piece message of %u bytes, with no block", length);
          return FALSE;
        }
      if (body_len - 8 > self->max_block || length > self->max_message)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "Peer sent a block of %u bytes (limit %u)",
                       body_len - 8, MIN (self->max_block, self->max_message - 9));
          return FALSE;
        }
      return TRUE;

    case SHOAL_PEER_WIRE_EXTENDED:
      if (!require_feature (self, id, SHOAL_PEER_WIRE_FEATURE_EXTENSION, error))
        return FALSE;
      if (body_len == 0)
        {
          g_set_error_literal (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
                               "Peer sent an extended message without an extended id");
          return FALSE;
        }
      if (body_len > self->max_extended)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "Peer sent an extended message of %u bytes (limit %u)",
                       body_len, self->max_extended);
          return FALSE;
        }
      return TRUE;

    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASH_REJECT:
      return expect_body (id, body_len, SHOAL_PEER_WIRE_HASH_BODY_LEN, error);

    case SHOAL_PEER_WIRE_HASHES:
      if (body_len < SHOAL_PEER_WIRE_HASH_BODY_LEN || body_len > SHOAL_PEER_WIRE_MAX_HASHES_BODY_LEN)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
                       "Peer sent a hashes message of %u bytes (%u to %u)", body_len,
                       SHOAL_PEER_WIRE_HASH_BODY_LEN, SHOAL_PEER_WIRE_MAX_HASHES_BODY_LEN);
          return FALSE;
        }
      return TRUE;

    default:
      if (!self->skip_unknown)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE,
                       "Peer sent a message with unknown id %u", id);
          return FALSE;
        }
      if (length > self->max_message)
        {
          g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
                       "Peer sent a message of %u bytes with unknown id %u (limit %u)",
                       length, id, self->max_message);
          return FALSE;
        }
      self->skipping = TRUE;
      return TRUE;
    }
}

/* Fills @message from a complete body; the lengths were checked by
 * start_body(). */
static gboolean
finish_message (ShoalPeerWireDecoder  *self,
                guint8                 id,
                const guint8          *body,
                guint32                body_len,
                ShoalPeerWireMessage  *message,
                GError               **error)
{
  message->type = id;
  switch (id)
    {
    case SHOAL_PEER_WIRE_HAVE:
    case SHOAL_PEER_WIRE_SUGGEST:
    case SHOAL_PEER_WIRE_ALLOWED_FAST:
      message->index = shoal_be32_read (body);
      break;

    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_CANCEL:
    case SHOAL_PEER_WIRE_REJECT:
      message->index = shoal_be32_read (body);
      message->begin = shoal_be32_read (body + 4);
      message->length = shoal_be32_read (body + 8);
      break;

    case SHOAL_PEER_WIRE_PIECE:
      message->index = shoal_be32_read (body);
      message->begin = shoal_be32_read (body + 4);
      message->length = body_len - 8;
      message->payload = body + 8;
      message->payload_len = body_len - 8;
      break;

    case SHOAL_PEER_WIRE_BITFIELD:
      if (self->n_pieces > 0 &&
          !shoal_peer_wire_validate_bitfield (body, body_len, self->n_pieces, error))
        return FALSE;
      message->payload = body;
      message->payload_len = body_len;
      break;

    case SHOAL_PEER_WIRE_PORT:
      message->port = shoal_be16_read (body);
      break;

    case SHOAL_PEER_WIRE_EXTENDED:
      message->extended_id = body[0];
      message->payload = body + 1;
      message->payload_len = body_len - 1;
      break;

    case SHOAL_PEER_WIRE_HASH_REQUEST:
    case SHOAL_PEER_WIRE_HASHES:
    case SHOAL_PEER_WIRE_HASH_REJECT:
      message->payload = body;
      message->payload_len = body_len;
      break;

    case SHOAL_PEER_WIRE_CHOKE:
    case SHOAL_PEER_WIRE_UNCHOKE:
    case SHOAL_PEER_WIRE_INTERESTED:
    case SHOAL_PEER_WIRE_NOT_INTERESTED:
    case SHOAL_PEER_WIRE_HAVE_ALL:
    case SHOAL_PEER_WIRE_HAVE_NONE:
    default:
      break;
    }
  return TRUE;
}

static void
reset_message (ShoalPeerWireDecoder *self)
{
  self->header_len = 0;
  self->in_body = FALSE;
  self->skipping = FALSE;
  self->body_len = 0;
  self->body_have = 0;
}

/**
 * shoal_peer_wire_decoder_decode:
 * @self: a decoder
 * @data: (array length=len): bytes received from the peer
 * @len: how many
 * @consumed: (out): how many bytes of @data were used
 * @message: (out caller-allocates): the decoded message
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Consumes bytes from @data until one message is complete or @data runs
 * out. Call it again with the rest of @data (after @consumed bytes) until
 * it is all consumed:
 *
 * |[<!-- language="C" -->
 * while (len > 0)
 *   {
 *     r = shoal_peer_wire_decoder_decode (dec, data, len, &n, &msg, &error);
 *     data += n;
 *     len -= n;
 *     if (r == SHOAL_PEER_WIRE_DECODE_ERROR)
 *       return close_connection (error);
 *     if (r == SHOAL_PEER_WIRE_DECODE_MESSAGE)
 *       handle (&msg);
 *   }
 * ]|
 *
 * A message's payload points either into @data, when the whole message was
 * inside it, or into the decoder's own buffer, where it was copied once. It
 * is valid until the next call on the decoder, or until @data is freed.
 *
 * After an error the connection must be dropped: the decoder fails every
 * later call with %SHOAL_PEER_WIRE_ERROR_FAILED.
 *
 * Returns: %SHOAL_PEER_WIRE_DECODE_MESSAGE with @message filled,
 *   %SHOAL_PEER_WIRE_DECODE_NEED_MORE when all of @data was consumed
 *   without completing a message, or %SHOAL_PEER_WIRE_DECODE_ERROR
 */
ShoalPeerWireDecodeResult
shoal_peer_wire_decoder_decode (ShoalPeerWireDecoder  *self,
                                const guint8          *data,
                                gsize                  len,
                                gsize                 *consumed,
                                ShoalPeerWireMessage  *message,
                                GError               **error)
{
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, SHOAL_PEER_WIRE_DECODE_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, SHOAL_PEER_WIRE_DECODE_ERROR);
  g_return_val_if_fail (consumed != NULL, SHOAL_PEER_WIRE_DECODE_ERROR);
  g_return_val_if_fail (message != NULL, SHOAL_PEER_WIRE_DECODE_ERROR);

  memset (message, 0, sizeof *message);
  *consumed = 0;

  if (self->failed)
    {
      g_set_error_literal (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_FAILED,
                           "The peer connection already failed");
      return SHOAL_PEER_WIRE_DECODE_ERROR;
    }

  for (;;)
    {
      const guint8 *body;
      guint32 remaining;
      gsize avail;

      if (!self->in_body)
        {
          guint32 length;

          while (self->header_len < 4 && pos < len)
            self->header[self->header_len++] = data[pos++];
          if (self->header_len < 4)
            break;

          length = shoal_be32_read (self->header);
          if (length == 0)
            {
              reset_message (self);
              message->type = SHOAL_PEER_WIRE_KEEP_ALIVE;
              *consumed = pos;
              return SHOAL_PEER_WIRE_DECODE_MESSAGE;
            }
          if (pos >= len)
            break;
          self->header[4] = data[pos++];
          self->header_len = 5;

          if (!start_body (self, length, self->header[4], error))
            goto fail;
          self->in_body = TRUE;
          self->body_len = length - 1;
          self->body_have = 0;
        }

      remaining = self->body_len - self->body_have;
      avail = len - pos;

      if (self->skipping)
        {
          guint32 n = (guint32) MIN ((gsize) remaining, avail);

          pos += n;
          self->body_have += n;
          if (self->body_have < self->body_len)
            break;
          reset_message (self);
          continue;
        }

      if (self->body_have == 0 && avail >= self->body_len)
        {
          /* The whole body is in @data: hand it out without copying. */
          body = data + pos;
          pos += self->body_len;
        }
      else
        {
          guint32 n = (guint32) MIN ((gsize) remaining, avail);

          if (self->body_have == 0 &&
              (self->buf_size < self->body_len || self->buf_size > 4 * (gsize) MAX (self->body_len, self->max_message)))
            {
              /* body_len was bounded by start_body(); drop a large buffer
               * once messages get small again. */
              g_free (self->buf);
              self->buf = g_malloc (MAX (self->body_len, 1));
              self->buf_size = MAX (self->body_len, 1);
            }
          if (n > 0)
            memcpy (self->buf + self->body_have, data + pos, n);
          pos += n;
          self->body_have += n;
          if (self->body_have < self->body_len)
            break;
          body = self->buf;
        }

      {
        guint8 id = self->header[4];
        guint32 body_len = self->body_len;

        reset_message (self);
        if (!finish_message (self, id, body, body_len, message, error))
          goto fail;
      }
      *consumed = pos;
      return SHOAL_PEER_WIRE_DECODE_MESSAGE;
    }

  g_assert (pos == len);
  *consumed = pos;
  return SHOAL_PEER_WIRE_DECODE_NEED_MORE;

fail:
  memset (message, 0, sizeof *message);
  self->failed = TRUE;
  *consumed = pos;
  return SHOAL_PEER_WIRE_DECODE_ERROR;
}
