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
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-peer-wire.h"

G_DEFINE_QUARK (shoal-peer-wire-error-quark, shoal_peer_wire_error)

static inline guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline void
write_be32 (guint8  *p,
            guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
append_be32 (GByteArray *out,
             guint32     v)
{
  guint8 buf[4];

  write_be32 (buf, v);
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
  write_be32 (buf, (guint32) (payload_len + 1));
  buf[4] = id;
  g_byte_array_append (out, buf, 5);
}

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
      message->index = read_be32 (body);
      break;

    case SHOAL_PEER_WIRE_REQUEST:
    case SHOAL_PEER_WIRE_CANCEL:
    case SHOAL_PEER_WIRE_REJECT:
      message->index = read_be32 (body);
      message->begin = read_be32 (body + 4);
      message->length = read_be32 (body + 8);
      break;

    case SHOAL_PEER_WIRE_PIECE:
      message->index = read_be32 (body);
      message->begin = read_be32 (body + 4);
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
      message->port = (guint16) ((body[0] << 8) | body[1]);
      break;

    case SHOAL_PEER_WIRE_EXTENDED:
      message->extended_id = body[0];
      message->payload = body + 1;
      message->payload_len = body_len - 1;
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

          length = read_be32 (self->header);
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
  write_be32 (out, (guint32) (block_len + 9));
  out[4] = SHOAL_PEER_WIRE_PIECE;
  write_be32 (out + 5, index);
  write_be32 (out + 9, begin);
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
    default:
      g_return_if_reached ();
    }
}

/* Extension protocol handshake */

ShoalPeerWireExtHandshake *
shoal_peer_wire_ext_handshake_new (void)
{
  ShoalPeerWireExtHandshake *self = g_new0 (ShoalPeerWireExtHandshake, 1);

  self->metadata_size = -1;
  return self;
}

void
shoal_peer_wire_ext_handshake_free (ShoalPeerWireExtHandshake *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_extensions; i++)
    g_free (self->extension_names[i]);
  g_free (self->client);
  g_free (self);
}

static gboolean
extension_name_is_valid (const char *name,
                         gsize       len)
{
  return len > 0 && len <= SHOAL_PEER_WIRE_MAX_EXTENSION_NAME &&
         memchr (name, '\0', len) == NULL && g_utf8_validate (name, (gssize) len, NULL);
}

/**
 * shoal_peer_wire_ext_handshake_add:
 * @self: an extension handshake
 * @name: the extension's name, such as "ut_metadata"
 * @id: the id to receive it with, or 0 to remove it
 *
 * Returns: %FALSE if @name is empty, too long or not UTF-8, or the table is
 *   full
 */
gboolean
shoal_peer_wire_ext_handshake_add (ShoalPeerWireExtHandshake *self,
                                   const char                *name,
                                   guint8                     id)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!extension_name_is_valid (name, strlen (name)))
    return FALSE;

  for (i = 0; i < self->n_extensions; i++)
    if (strcmp (self->extension_names[i], name) == 0)
      break;

  if (id == 0)
    {
      if (i < self->n_extensions)
        {
          g_free (self->extension_names[i]);
          self->n_extensions--;
          self->extension_names[i] = self->extension_names[self->n_extensions];
          self->extension_ids[i] = self->extension_ids[self->n_extensions];
        }
      return TRUE;
    }

  if (i == self->n_extensions)
    {
      if (self->n_extensions >= SHOAL_PEER_WIRE_MAX_EXTENSIONS)
        return FALSE;
      self->extension_names[i] = g_strdup (name);
      self->n_extensions++;
    }
  self->extension_ids[i] = id;
  return TRUE;
}

/**
 * shoal_peer_wire_ext_handshake_lookup:
 * @self: an extension handshake
 * @name: an extension name
 *
 * Returns: the id @self gives @name, or 0 if it does not support it
 */
guint8
shoal_peer_wire_ext_handshake_lookup (const ShoalPeerWireExtHandshake *self,
                                      const char                      *name)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < self->n_extensions; i++)
    if (strcmp (self->extension_names[i], name) == 0)
      return self->extension_ids[i];
  return 0;
}

/* Peers put anything in `v`; what we keep is short, valid UTF-8 without
 * control characters, fit to show in a peer list or log. */
static char *
sanitize_client_name (const guint8 *data,
                      gsize         len)
{
  g_autofree char *copy = NULL;
  char *valid;
  gsize valid_len;

  len = MIN (len, SHOAL_PEER_WIRE_MAX_CLIENT_NAME);
  copy = g_malloc (len + 1);
  for (gsize i = 0; i < len; i++)
    copy[i] = (data[i] < 0x20 || data[i] == 0x7f) ? '?' : (char) data[i];
  copy[len] = '\0';

  valid = g_utf8_make_valid (copy, (gssize) len);
  /* Replacement characters can make it longer: cut on a character
   * boundary. */
  valid_len = strlen (valid);
  if (valid_len > SHOAL_PEER_WIRE_MAX_CLIENT_NAME)
    {
      char *end = g_utf8_find_prev_char (valid, valid + SHOAL_PEER_WIRE_MAX_CLIENT_NAME + 1);

      *end = '\0';
    }
  return valid;
}

/**
 * shoal_peer_wire_ext_handshake_set_client:
 * @self: an extension handshake
 * @client: (nullable): the client name to send as `v`
 */
void
shoal_peer_wire_ext_handshake_set_client (ShoalPeerWireExtHandshake *self,
                                          const char                *client)
{
  g_return_if_fail (self != NULL);
  g_clear_pointer (&self->client, g_free);
  if (client != NULL)
    self->client = sanitize_client_name ((const guint8 *) client, strlen (client));
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const ShoalPeerWireExtHandshake *hs = user_data;

  return strcmp (hs->extension_names[*(const guint *) a],
                 hs->extension_names[*(const guint *) b]);
}

/**
 * shoal_peer_wire_encode_ext_handshake:
 * @out: where to append
 * @handshake: what to announce
 *
 * Appends a whole extended message with id 0 carrying the BEP 10
 * handshake dictionary, keys sorted as bencode requires.
 */
void
shoal_peer_wire_encode_ext_handshake (GByteArray                      *out,
                                      const ShoalPeerWireExtHandshake *handshake)
{
  g_autoptr(ShoalBencodeWriter) writer = NULL;
  g_autoptr(GBytes) dict = NULL;
  guint order[SHOAL_PEER_WIRE_MAX_EXTENSIONS];
  const guint8 *data;
  gsize len;

  g_return_if_fail (out != NULL);
  g_return_if_fail (handshake != NULL);
  g_return_if_fail (handshake->n_extensions <= SHOAL_PEER_WIRE_MAX_EXTENSIONS);

  for (guint i = 0; i < handshake->n_extensions; i++)
    order[i] = i;
  g_qsort_with_data (order, handshake->n_extensions, sizeof order[0],
                     compare_names, (gpointer) handshake);

  /* Top-level keys in byte order: m, metadata_size, p, reqq, v, yourip. */
  writer = shoal_bencode_writer_new ();
  shoal_bencode_writer_begin_dict (writer);

  shoal_bencode_writer_cstring (writer, "m");
  shoal_bencode_writer_begin_dict (writer);
  for (guint i = 0; i < handshake->n_extensions; i++)
    {
      shoal_bencode_writer_cstring (writer, handshake->extension_names[order[i]]);
      shoal_bencode_writer_integer (writer, handshake->extension_ids[order[i]]);
    }
  shoal_bencode_writer_end (writer);

  if (handshake->metadata_size > 0)
    {
      shoal_bencode_writer_cstring (writer, "metadata_size");
      shoal_bencode_writer_integer (writer, handshake->metadata_size);
    }
  if (handshake->listen_port != 0)
    {
      shoal_bencode_writer_cstring (writer, "p");
      shoal_bencode_writer_integer (writer, handshake->listen_port);
    }
  if (handshake->reqq != 0)
    {
      shoal_bencode_writer_cstring (writer, "reqq");
      shoal_bencode_writer_integer (writer, handshake->reqq);
    }
  if (handshake->client != NULL)
    {
      shoal_bencode_writer_cstring (writer, "v");
      shoal_bencode_writer_cstring (writer, handshake->client);
    }
  if (handshake->yourip_len == 4 || handshake->yourip_len == 16)
    {
      shoal_bencode_writer_cstring (writer, "yourip");
      shoal_bencode_writer_string (writer, handshake->yourip, handshake->yourip_len);
    }
  shoal_bencode_writer_end (writer);

  dict = shoal_bencode_writer_finish (writer);
  data = g_bytes_get_data (dict, &len);
  shoal_peer_wire_encode_extended (out, 0, data, len);
}

static gboolean
ext_fail (GError    **error,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static gboolean
ext_fail (GError    **error,
          const char *format,
          ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SHOAL_PEER_WIRE_ERROR, SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION,
               "Peer sent a bad extension handshake: %s", message);
  return FALSE;
}

static gboolean
parse_extension_map (ShoalPeerWireExtHandshake  *hs,
                     const ShoalBencodeNode     *m,
                     GError                    **error)
{
  const ShoalBencodeNode *k;

  if (!shoal_bencode_node_is (m, SHOAL_BENCODE_DICT))
    return ext_fail (error, "“m” is not a dictionary");
  if (shoal_bencode_node_get_n_children (m) / 2 > SHOAL_PEER_WIRE_MAX_EXTENSIONS)
    return ext_fail (error, "%u extensions (limit %d)",
                     shoal_bencode_node_get_n_children (m) / 2,
                     SHOAL_PEER_WIRE_MAX_EXTENSIONS);

  for (k = shoal_bencode_node_get_first (m); k != NULL; )
    {
      const ShoalBencodeNode *v = shoal_bencode_node_get_next (k);
      gsize name_len;
      const char *name = (const char *) shoal_bencode_node_get_string (k, &name_len);
      gint64 id;

      k = shoal_bencode_node_get_next (v);

      /* Entries we could not use anyway (odd names, non-integer ids) are
       * skipped rather than failing the connection. */
      if (!shoal_bencode_node_is (v, SHOAL_BENCODE_INTEGER) ||
          !extension_name_is_valid (name, name_len))
        continue;

      id = shoal_bencode_node_get_integer (v);
      if (id < 0 || id > 255)
        {
          g_autofree char *shown = g_strndup (name, name_len);

          return ext_fail (error, "extension “%s” has id %" G_GINT64_FORMAT
                           " (must be 0 to 255)", shown, id);
        }
      /* Id 0 means the peer does not (or no longer) support it. */
      if (id == 0)
        continue;

      hs->extension_names[hs->n_extensions] = g_strndup (name, name_len);
      hs->extension_ids[hs->n_extensions] = (guint8) id;
      hs->n_extensions++;
    }
  return TRUE;
}

/**
 * shoal_peer_wire_ext_handshake_parse:
 * @payload: (array length=len): an extended message's payload after the
 *   extended id 0
 * @len: its length
 * @error: return location for a #SHOAL_PEER_WIRE_ERROR
 *
 * Parses a BEP 10 handshake, bounding everything in it: at most
 * %SHOAL_PEER_WIRE_MAX_EXTENSIONS extensions with ids 0 to 255 (0 entries
 * are dropped), `v` cut to %SHOAL_PEER_WIRE_MAX_CLIENT_NAME bytes of clean
 * UTF-8, `reqq` clamped to 1..%SHOAL_PEER_WIRE_MAX_REQQ, `p` kept only if
 * it is a port, `yourip` only if it is 4 or 16 bytes, and `metadata_size`
 * at most %SHOAL_PEER_WIRE_MAX_METADATA_SIZE. Unknown keys are ignored.
 *
 * Returns: (transfer full): the handshake, or %NULL with @error set
 */
ShoalPeerWireExtHandshake *
shoal_peer_wire_ext_handshake_parse (const guint8  *payload,
                                     gsize          len,
                                     GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(ShoalPeerWireExtHandshake) hs = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *node;

  g_return_val_if_fail (payload != NULL || len == 0, NULL);

  if (len == 0)
    {
      ext_fail (error, "it is empty");
      return NULL;
    }
  if (len > SHOAL_PEER_WIRE_DEFAULT_MAX_EXTENDED)
    {
      ext_fail (error, "it is %" G_GSIZE_FORMAT " bytes long", len);
      return NULL;
    }

  /* The document does not outlive this function, nor do these bytes. */
  bytes = g_bytes_new_static (payload, len);
  doc = shoal_bencode_parse_full (bytes, 8, 1024, FALSE, &local_error);
  if (doc == NULL)
    {
      ext_fail (error, "%s", local_error->message);
      return NULL;
    }

  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    {
      ext_fail (error, "it is not a dictionary");
      return NULL;
    }

  hs = shoal_peer_wire_ext_handshake_new ();

  node = shoal_bencode_node_dict_lookup (root, "m");
  if (node != NULL && !parse_extension_map (hs, node, error))
    return NULL;

  node = shoal_bencode_node_dict_lookup (root, "v");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      gsize v_len;
      const guint8 *v = shoal_bencode_node_get_string (node, &v_len);

      hs->client = sanitize_client_name (v, v_len);
    }

  node = shoal_bencode_node_dict_lookup (root, "p");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    {
      gint64 p = shoal_bencode_node_get_integer (node);

      if (p > 0 && p <= G_MAXUINT16)
        hs->listen_port = (guint16) p;
    }

  node = shoal_bencode_node_dict_lookup (root, "reqq");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    hs->reqq = (guint32) CLAMP (shoal_bencode_node_get_integer (node), 1, SHOAL_PEER_WIRE_MAX_REQQ);

  node = shoal_bencode_node_dict_lookup (root, "yourip");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    {
      gsize ip_len;
      const guint8 *ip = shoal_bencode_node_get_string (node, &ip_len);

      if (ip_len == 4 || ip_len == 16)
        {
          memcpy (hs->yourip, ip, ip_len);
          hs->yourip_len = ip_len;
        }
    }

  node = shoal_bencode_node_dict_lookup (root, "metadata_size");
  if (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    {
      gint64 size = shoal_bencode_node_get_integer (node);

      if (size < 0 || size > SHOAL_PEER_WIRE_MAX_METADATA_SIZE)
        {
          ext_fail (error, "metadata size %" G_GINT64_FORMAT " is out of range "
                    "(limit %d bytes)", size, SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
          return NULL;
        }
      /* Peers without the metadata yet sometimes announce 0. */
      if (size > 0)
        hs->metadata_size = size;
    }

  return g_steal_pointer (&hs);
}

/* Peer ids */

static const char version_digits[] =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Clients encode version numbers above 9 with letters, base 62. */
static int
version_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 36;
  return -1;
}

typedef struct
{
  char        code[3];
  const char *name;
} AzureusClient;

/* Azureus-style "-XX1234-" client codes (BEP 20 and common practice). */
static const AzureusClient azureus_clients[] = {
  { "A~", "Ares" },
  { "AG", "Ares" },
  { "AR", "Arctic" },
  { "AT", "Artemis" },
  { "AX", "BitPump" },
  { "AZ", "Vuze" },
  { "BB", "BitBuddy" },
  { "BC", "BitComet" },
  { "BE", "BitTorrent SDK" },
  { "BF", "Bitflu" },
  { "BG", "BTG" },
  { "BI", "BiglyBT" },
  { "BN", "Baidu Netdisk" },
  { "BR", "BitRocket" },
  { "BS", "BTSlave" },
  { "BT", "BitTorrent" },
  { "BW", "BitWombat" },
  { "BX", "BittorrentX" },
  { "CD", "Enhanced CTorrent" },
  { "CT", "CTorrent" },
  { "DE", "Deluge" },
  { "EB", "EBit" },
  { "ES", "Electric Sheep" },
  { "FD", "Free Download Manager" },
  { "FT", "FoxTorrent" },
  { "FW", "FrostWire" },
  { "FX", "Freebox BitTorrent" },
  { "HL", "Halite" },
  { "KG", "KGet" },
  { "KT", "KTorrent" },
  { "LC", "LeechCraft" },
  { "LH", "LH-ABC" },
  { "LP", "Lphant" },
  { "LT", "libtorrent (Rasterbar)" },
  { "lt", "libTorrent (Rakshasa)" },
  { "LW", "LimeWire" },
  { "MO", "MonoTorrent" },
  { "MR", "Miro" },
  { "MT", "MoonlightTorrent" },
  { "OS", "OneSwarm" },
  { "PD", "Pando" },
  { "PI", "PicoTorrent" },
  { "qB", "qBittorrent" },
  { "QD", "QQDownload" },
  { "RT", "Retriever" },
  { "SD", "Thunder" },
  { "SH", "Shoal" },
  { "SP", "BitSpirit" },
  { "ST", "SymTorrent" },
  { "SZ", "Shareaza" },
  { "TL", "Tribler" },
  { "TR", "Transmission" },
  { "TS", "Torrentstorm" },
  { "TT", "TuoTu" },
  { "UM", "\xc2\xb5Torrent Mac" },
  { "UT", "\xc2\xb5Torrent" },
  { "UW", "\xc2\xb5Torrent Web" },
  { "VG", "Vagaa" },
  { "WD", "WebTorrent Desktop" },
  { "WW", "WebTorrent" },
  { "XF", "Xfplay" },
  { "XL", "Xunlei" },
  { "XX", "Xtorrent" },
  { "ZT", "ZipTorrent" },
};

static const char *
lookup_azureus_client (const guint8 *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (azureus_clients); i++)
    if (azureus_clients[i].code[0] == (char) code[0] &&
        azureus_clients[i].code[1] == (char) code[1])
      return azureus_clients[i].name;
  return NULL;
}

/* Transmission changed its scheme twice: "-TR0072-" is 0.72, "-TR294Z-"
 * 2.94+ (a development build), "-TR3000-" 3.00, "-TR400B-" 4.0.0 beta. */
static char *
transmission_version (const guint8 *id)
{
  const char *suffix = "";

  if (id[3] == '0' && id[4] == '0' && id[5] == '0')
    return g_strdup_printf ("Transmission 0.%c", id[6]);
  if (id[3] == '0' && id[4] == '0')
    return g_strdup_printf ("Transmission 0.%c%c", id[5], id[6]);
  if (id[6] == 'Z' || id[6] == 'X')
    suffix = "+";
  if (id[3] <= '3')
    return g_strdup_printf ("Transmission %c.%c%c%s", id[3], id[4], id[5], suffix);
  if (id[6] == 'B')
    suffix = " Beta";
  return g_strdup_printf ("Transmission %d.%d.%d%s", version_digit (id[3]),
                          version_digit (id[4]), version_digit (id[5]), suffix);
}

static char *
azureus_client (const guint8 *id)
{
  const char *name;

  if (id[0] != '-' || id[7] != '-')
    return NULL;
  for (int i = 1; i < 7; i++)
    if (!g_ascii_isalnum (id[i]) && !(i == 2 && id[i] == '~'))
      return NULL;
  name = lookup_azureus_client (id + 1);
  if (name == NULL)
    return NULL;

  if (id[1] == 'T' && id[2] == 'R')
    return transmission_version (id);

  /* Three version digits; the fourth is a build or release tag that only
   * some clients use as a number. */
  if (id[6] >= '1' && id[6] <= '9')
    return g_strdup_printf ("%s %d.%d.%d.%c", name, version_digit (id[3]),
                            version_digit (id[4]), version_digit (id[5]), id[6]);
  return g_strdup_printf ("%s %d.%d.%d", name, version_digit (id[3]),
                          version_digit (id[4]), version_digit (id[5]));
}

/* Mainline style, as in "M7-4-3--" or aria2's "A2-1-36-0-": decimal
 * numbers separated by dashes after a fixed prefix. */
static char *
dashed_client (const guint8 *id,
               gsize         prefix_len,
               const char   *name)
{
  guint numbers[3];
  gsize pos = prefix_len;

  for (guint n = 0; n < 3; n++)
    {
      gsize start = pos;
      guint value = 0;

      while (pos < SHOAL_PEER_WIRE_PEER_ID_LEN && g_ascii_isdigit (id[pos]) && pos - start < 3)
        value = value * 10 + (id[pos++] - '0');
      if (pos == start || pos >= SHOAL_PEER_WIRE_PEER_ID_LEN || id[pos] != '-')
        return NULL;
      pos++;
      numbers[n] = value;
    }
  return g_strdup_printf ("%s %u.%u.%u", name, numbers[0], numbers[1], numbers[2]);
}

/* Shadow style, as in "S58B-----": a letter, then up to five base-64
 * version digits, then dashes. */
static char *
shadow_client (const guint8 *id)
{
  static const struct { char letter; const char *name; } clients[] = {
    { 'A', "ABC" },
    { 'O', "Osprey Permaseed" },
    { 'Q', "BTQueue" },
    { 'R', "Tribler" },
    { 'S', "Shadow" },
    { 'T', "BitTornado" },
    { 'U', "UPnP NAT BitTorrent" },
  };
  const char *name = NULL;
  g_autoptr(GString) out = NULL;
  gsize n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (clients); i++)
    if (clients[i].letter == (char) id[0])
      name = clients[i].name;
  if (name == NULL)
    return NULL;

  while (n < 5 && (g_ascii_isalnum (id[1 + n]) || id[1 + n] == '.'))
    n++;
  if (n < 3 || id[1 + n] != '-' || id[2 + n] != '-')
    return NULL;

  out = g_string_new (name);
  for (gsize i = 0; i < n; i++)
    {
      int d = id[1 + i] == '.' ? 62 : version_digit (id[1 + i]);

      g_string_append_printf (out, "%c%d", i == 0 ? ' ' : '.', d);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * shoal_peer_wire_peer_id_to_client:
 * @peer_id: a 20-byte peer id
 *
 * Names the client that made @peer_id, from the conventions clients use
 * (Azureus "-LT2080-", Shadow "S58B-----", Mainline "M7-4-3--", aria2
 * "A2-1-36-0-"), such as "libtorrent (Rasterbar) 2.0.8". An id that follows
 * none of them is shown as its first 8 bytes, with bytes that are not
 * printable ASCII escaped as `\xNN`.
 *
 * Returns: (transfer full): a printable, valid UTF-8 client name
 */
char *
shoal_peer_wire_peer_id_to_client (const guint8 peer_id[SHOAL_PEER_WIRE_PEER_ID_LEN])
{
  char *name;
  GString *out;

  g_return_val_if_fail (peer_id != NULL, NULL);

  if ((name = azureus_client (peer_id)) != NULL)
    return name;
  if (peer_id[0] == 'A' && peer_id[1] == '2' && peer_id[2] == '-' &&
      (name = dashed_client (peer_id, 3, "aria2")) != NULL)
    return name;
  if (peer_id[0] == 'M' && (name = dashed_client (peer_id, 1, "Mainline")) != NULL)
    return name;
  if ((name = shadow_client (peer_id)) != NULL)
    return name;

  out = g_string_new (NULL);
  for (guint i = 0; i < 8; i++)
    {
      if (peer_id[i] >= 0x20 && peer_id[i] < 0x7f && peer_id[i] != '\\')
        g_string_append_c (out, peer_id[i]);
      else
        g_string_append_printf (out, "\\x%02x", peer_id[i]);
    }
  return g_string_free (out, FALSE);
}

/**
 * shoal_peer_wire_generate_peer_id:
 * @out: (out caller-allocates): the new peer id
 *
 * Makes a peer id in Azureus style from Shoal's version, "-SH0100-" for
 * 0.1.0, followed by 12 random letters and digits.
 */
void
shoal_peer_wire_generate_peer_id (guint8 out[SHOAL_PEER_WIRE_PEER_ID_LEN])
{
  g_auto(GStrv) parts = g_strsplit (PACKAGE_VERSION, ".", 4);
  guint n_parts = g_strv_length (parts);

  out[0] = '-';
  out[1] = 'S';
  out[2] = 'H';
  for (guint i = 0; i < 3; i++)
    {
      guint64 v = i < n_parts ? g_ascii_strtoull (parts[i], NULL, 10) : 0;

      out[3 + i] = version_digits[MIN (v, sizeof version_digits - 2)];
    }
  out[6] = '0';
  out[7] = '-';
  for (guint i = 8; i < SHOAL_PEER_WIRE_PEER_ID_LEN; i++)
    out[i] = version_digits[g_random_int_range (0, sizeof version_digits - 1)];
}
