/* shoal-peer-wire.h: the peer wire protocol codec (BEP 3, BEP 5, BEP 6, BEP 10)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_PEER_WIRE_ERROR (shoal_peer_wire_error_quark ())

/**
 * ShoalPeerWireError:
 * @SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE: the handshake is truncated or names
 *   another protocol
 * @SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE: a message, piece block, bitfield
 *   or extended message is longer than its limit
 * @SHOAL_PEER_WIRE_ERROR_BAD_LENGTH: a fixed-size message has the wrong size,
 *   or a variable one is too short
 * @SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE: a message id this codec does not know
 * @SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED: a Fast or extension protocol message
 *   from a peer that did not negotiate that extension
 * @SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD: a bitfield of the wrong size or with
 *   spare bits set
 * @SHOAL_PEER_WIRE_ERROR_BAD_REQUEST: a block outside the torrent
 * @SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION: a malformed extension handshake
 * @SHOAL_PEER_WIRE_ERROR_FAILED: the decoder was used again after an error
 * @SHOAL_PEER_WIRE_ERROR_BAD_HASHES: a BEP 52 hash message out of a file's
 *   tree, with the wrong count, or whose proof does not verify
 */
typedef enum
{
  SHOAL_PEER_WIRE_ERROR_BAD_HANDSHAKE,
  SHOAL_PEER_WIRE_ERROR_MESSAGE_TOO_LARGE,
  SHOAL_PEER_WIRE_ERROR_BAD_LENGTH,
  SHOAL_PEER_WIRE_ERROR_UNKNOWN_MESSAGE,
  SHOAL_PEER_WIRE_ERROR_NOT_NEGOTIATED,
  SHOAL_PEER_WIRE_ERROR_BAD_BITFIELD,
  SHOAL_PEER_WIRE_ERROR_BAD_REQUEST,
  SHOAL_PEER_WIRE_ERROR_BAD_EXTENSION,
  SHOAL_PEER_WIRE_ERROR_FAILED,
  SHOAL_PEER_WIRE_ERROR_BAD_HASHES,
} ShoalPeerWireError;

GQuark shoal_peer_wire_error_quark (void);

/* Limits */

#define SHOAL_PEER_WIRE_BLOCK_SIZE            16384u
/* A piece message: length prefix excluded, id + index + begin + block. */
#define SHOAL_PEER_WIRE_DEFAULT_MAX_MESSAGE   (SHOAL_PEER_WIRE_BLOCK_SIZE + 13u)
/* Bitfields before the piece count is known (magnet links): 2^21 pieces. */
#define SHOAL_PEER_WIRE_DEFAULT_MAX_BITFIELD  (256u * 1024u)
/* Extended messages: a metadata piece plus its dictionary, with room. */
#define SHOAL_PEER_WIRE_DEFAULT_MAX_EXTENDED  (1024u * 1024u + 1024u)
#define SHOAL_PEER_WIRE_MAX_EXTENSIONS        64
#define SHOAL_PEER_WIRE_MAX_EXTENSION_NAME    64
#define SHOAL_PEER_WIRE_MAX_CLIENT_NAME       256
#define SHOAL_PEER_WIRE_MAX_REQQ              2000
#define SHOAL_PEER_WIRE_MAX_METADATA_SIZE     (32 * 1024 * 1024)
/* BEP 52 hash messages (shoal-peer-wire-hashes.h): a fixed header, and at
 * most 8192 hashes plus one uncle per layer of a 64-layer tree. */
#define SHOAL_PEER_WIRE_HASH_BODY_LEN         48u
#define SHOAL_PEER_WIRE_MAX_HASHES_BODY_LEN   (48u + 32u * (8192u + 64u))

/* Handshake */

#define SHOAL_PEER_WIRE_PROTOCOL       "BitTorrent protocol"
#define SHOAL_PEER_WIRE_HANDSHAKE_LEN  68
#define SHOAL_PEER_WIRE_PEER_ID_LEN    20

/**
 * ShoalPeerWireFeatures:
 * @SHOAL_PEER_WIRE_FEATURE_NONE: none
 * @SHOAL_PEER_WIRE_FEATURE_DHT: BEP 5, reserved byte 7 bit 0x01
 * @SHOAL_PEER_WIRE_FEATURE_FAST: BEP 6, reserved byte 7 bit 0x04
 * @SHOAL_PEER_WIRE_FEATURE_V2: BEP 52 upgrade, reserved byte 7 bit 0x10
 * @SHOAL_PEER_WIRE_FEATURE_EXTENSION: BEP 10, reserved byte 5 bit 0x10
 *
 * Extensions announced through the handshake's reserved bytes.
 */
typedef enum
{
  SHOAL_PEER_WIRE_FEATURE_NONE      = 0,
  SHOAL_PEER_WIRE_FEATURE_DHT       = 1 << 0,
  SHOAL_PEER_WIRE_FEATURE_FAST      = 1 << 1,
  SHOAL_PEER_WIRE_FEATURE_V2        = 1 << 2,
  SHOAL_PEER_WIRE_FEATURE_EXTENSION = 1 << 3,
} ShoalPeerWireFeatures;

#define SHOAL_PEER_WIRE_FEATURE_ALL (SHOAL_PEER_WIRE_FEATURE_DHT | \
                                     SHOAL_PEER_WIRE_FEATURE_FAST | \
                                     SHOAL_PEER_WIRE_FEATURE_V2 | \
                                     SHOAL_PEER_WIRE_FEATURE_EXTENSION)

typedef struct
{
  guint8 reserved[8];
  guint8 info_hash[20];
  guint8 peer_id[SHOAL_PEER_WIRE_PEER_ID_LEN];
} ShoalPeerWireHandshake;

ShoalPeerWireFeatures shoal_peer_wire_reserved_get_features   (const guint8                  reserved[8]);
void                  shoal_peer_wire_reserved_set_features   (guint8                        reserved[8],
                                                               ShoalPeerWireFeatures         features);
void                  shoal_peer_wire_handshake_encode        (const ShoalPeerWireHandshake *handshake,
                                                               guint8                        out[SHOAL_PEER_WIRE_HANDSHAKE_LEN]);
gboolean              shoal_peer_wire_handshake_check_prefix  (const guint8                 *data,
                                                               gsize                         len,
                                                               GError                      **error);
gboolean              shoal_peer_wire_handshake_parse         (const guint8                 *data,
                                                               gsize                         len,
                                                               ShoalPeerWireHandshake       *handshake,
                                                               GError                      **error);

/* Messages */

/**
 * ShoalPeerWireMessageType:
 *
 * Message ids as they appear on the wire; keep-alive, which has no id, is
 * given one past the byte range.
 */
typedef enum
{
  SHOAL_PEER_WIRE_CHOKE          = 0,
  SHOAL_PEER_WIRE_UNCHOKE        = 1,
  SHOAL_PEER_WIRE_INTERESTED     = 2,
  SHOAL_PEER_WIRE_NOT_INTERESTED = 3,
  SHOAL_PEER_WIRE_HAVE           = 4,
  SHOAL_PEER_WIRE_BITFIELD       = 5,
  SHOAL_PEER_WIRE_REQUEST        = 6,
  SHOAL_PEER_WIRE_PIECE          = 7,
  SHOAL_PEER_WIRE_CANCEL         = 8,
  SHOAL_PEER_WIRE_PORT           = 9,
  SHOAL_PEER_WIRE_SUGGEST        = 13,
  SHOAL_PEER_WIRE_HAVE_ALL       = 14,
  SHOAL_PEER_WIRE_HAVE_NONE      = 15,
  SHOAL_PEER_WIRE_REJECT         = 16,
  SHOAL_PEER_WIRE_ALLOWED_FAST   = 17,
  SHOAL_PEER_WIRE_EXTENDED       = 20,
  SHOAL_PEER_WIRE_HASH_REQUEST   = 21,
  SHOAL_PEER_WIRE_HASHES         = 22,
  SHOAL_PEER_WIRE_HASH_REJECT    = 23,
  SHOAL_PEER_WIRE_KEEP_ALIVE     = 256,
} ShoalPeerWireMessageType;

/**
 * ShoalPeerWireMessage:
 * @type: which message
 * @index: piece index (have, request, piece, cancel, suggest, reject,
 *   allowed fast)
 * @begin: block offset inside the piece (request, piece, cancel, reject)
 * @length: block length (request, cancel, reject; for piece, @payload_len)
 * @port: DHT port (port)
 * @extended_id: extension message id, 0 for the extension handshake
 * @payload: bitfield bytes, piece block, extended payload (after the
 *   extended id), or a hash message's body (shoal-peer-wire-hashes.h); not
 *   owned
 * @payload_len: length of @payload
 *
 * One decoded or to-be-encoded message. Fields a type does not use are 0.
 */
typedef struct
{
  ShoalPeerWireMessageType type;
  guint32                  index;
  guint32                  begin;
  guint32                  length;
  guint16                  port;
  guint8                   extended_id;
  const guint8            *payload;
  gsize                    payload_len;
} ShoalPeerWireMessage;

const char *shoal_peer_wire_message_type_to_string (ShoalPeerWireMessageType type);

/* Decoder */

typedef enum
{
  SHOAL_PEER_WIRE_DECODE_ERROR,
  SHOAL_PEER_WIRE_DECODE_NEED_MORE,
  SHOAL_PEER_WIRE_DECODE_MESSAGE,
} ShoalPeerWireDecodeResult;

typedef struct _ShoalPeerWireDecoder ShoalPeerWireDecoder;

ShoalPeerWireDecoder      *shoal_peer_wire_decoder_new                  (void);
void                       shoal_peer_wire_decoder_free                 (ShoalPeerWireDecoder *self);
void                       shoal_peer_wire_decoder_set_n_pieces         (ShoalPeerWireDecoder *self,
                                                                         guint32               n_pieces);
void                       shoal_peer_wire_decoder_set_max_message_size (ShoalPeerWireDecoder *self,
                                                                         guint32               max_size);
void                       shoal_peer_wire_decoder_set_max_block_size   (ShoalPeerWireDecoder *self,
                                                                         guint32               max_size);
void                       shoal_peer_wire_decoder_set_max_bitfield_size (ShoalPeerWireDecoder *self,
                                                                          guint32               max_size);
void                       shoal_peer_wire_decoder_set_max_extended_size (ShoalPeerWireDecoder *self,
                                                                          guint32               max_size);
void                       shoal_peer_wire_decoder_set_features         (ShoalPeerWireDecoder *self,
                                                                         ShoalPeerWireFeatures features);
void                       shoal_peer_wire_decoder_set_skip_unknown     (ShoalPeerWireDecoder *self,
                                                                         gboolean              skip_unknown);
gboolean                   shoal_peer_wire_decoder_is_idle              (ShoalPeerWireDecoder *self);
ShoalPeerWireDecodeResult  shoal_peer_wire_decoder_decode               (ShoalPeerWireDecoder *self,
                                                                         const guint8         *data,
                                                                         gsize                 len,
                                                                         gsize                *consumed,
                                                                         ShoalPeerWireMessage *message,
                                                                         GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPeerWireDecoder, shoal_peer_wire_decoder_free)

/* Validation that needs the torrent */

gboolean shoal_peer_wire_validate_request  (guint32       index,
                                            guint32       begin,
                                            guint32       length,
                                            guint32       n_pieces,
                                            guint64       piece_length,
                                            guint64       total_length,
                                            GError      **error);
gboolean shoal_peer_wire_validate_bitfield (const guint8 *bits,
                                            gsize         len,
                                            guint32       n_pieces,
                                            GError      **error);

/* Encoders: each appends one whole message to @out. */

void shoal_peer_wire_encode                (GByteArray                 *out,
                                            const ShoalPeerWireMessage *message);
void shoal_peer_wire_encode_keep_alive     (GByteArray   *out);
void shoal_peer_wire_encode_simple         (GByteArray   *out,
                                            ShoalPeerWireMessageType type);
void shoal_peer_wire_encode_have           (GByteArray   *out,
                                            guint32       index);
void shoal_peer_wire_encode_suggest        (GByteArray   *out,
                                            guint32       index);
void shoal_peer_wire_encode_allowed_fast   (GByteArray   *out,
                                            guint32       index);
void shoal_peer_wire_encode_bitfield       (GByteArray   *out,
                                            const guint8 *bits,
                                            gsize         len);
void shoal_peer_wire_encode_request        (GByteArray   *out,
                                            guint32       index,
                                            guint32       begin,
                                            guint32       length);
void shoal_peer_wire_encode_cancel         (GByteArray   *out,
                                            guint32       index,
                                            guint32       begin,
                                            guint32       length);
void shoal_peer_wire_encode_reject         (GByteArray   *out,
                                            guint32       index,
                                            guint32       begin,
                                            guint32       length);
void shoal_peer_wire_encode_piece_header   (guint8        out[13],
                                            guint32       index,
                                            guint32       begin,
                                            gsize         block_len);
void shoal_peer_wire_encode_piece          (GByteArray   *out,
                                            guint32       index,
                                            guint32       begin,
                                            const guint8 *block,
                                            gsize         block_len);
void shoal_peer_wire_encode_port           (GByteArray   *out,
                                            guint16       port);
void shoal_peer_wire_encode_extended       (GByteArray   *out,
                                            guint8        extended_id,
                                            const guint8 *payload,
                                            gsize         payload_len);

/* Extension protocol handshake (BEP 10) */

/**
 * ShoalPeerWireExtHandshake:
 * @n_extensions: entries in @extension_names and @extension_ids
 * @extension_names: the `m` dictionary's names (UTF-8, nul-terminated)
 * @extension_ids: the id each name is sent with, 1..255
 * @client: (nullable): the `v` client name, sanitized UTF-8
 * @listen_port: the `p` port, 0 when absent
 * @reqq: the `reqq` request queue depth, 0 when absent
 * @yourip: the `yourip` address in network order
 * @yourip_len: 0 when absent, else 4 or 16
 * @metadata_size: the BEP 9 `metadata_size`, -1 when absent
 */
typedef struct
{
  guint    n_extensions;
  char    *extension_names[SHOAL_PEER_WIRE_MAX_EXTENSIONS];
  guint8   extension_ids[SHOAL_PEER_WIRE_MAX_EXTENSIONS];
  char    *client;
  guint16  listen_port;
  guint32  reqq;
  guint8   yourip[16];
  guint    yourip_len;
  gint64   metadata_size;
} ShoalPeerWireExtHandshake;

ShoalPeerWireExtHandshake *shoal_peer_wire_ext_handshake_new     (void);
void                       shoal_peer_wire_ext_handshake_free    (ShoalPeerWireExtHandshake *self);
gboolean                   shoal_peer_wire_ext_handshake_add     (ShoalPeerWireExtHandshake *self,
                                                                  const char                *name,
                                                                  guint8                     id);
guint8                     shoal_peer_wire_ext_handshake_lookup  (const ShoalPeerWireExtHandshake *self,
                                                                  const char                *name);
void                       shoal_peer_wire_ext_handshake_set_client (ShoalPeerWireExtHandshake *self,
                                                                     const char                *client);
void                       shoal_peer_wire_encode_ext_handshake  (GByteArray                *out,
                                                                  const ShoalPeerWireExtHandshake *handshake);
ShoalPeerWireExtHandshake *shoal_peer_wire_ext_handshake_parse   (const guint8              *payload,
                                                                  gsize                      len,
                                                                  GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPeerWireExtHandshake, shoal_peer_wire_ext_handshake_free)

/* Peer ids */

void   shoal_peer_wire_generate_peer_id (guint8        out[SHOAL_PEER_WIRE_PEER_ID_LEN]);
void   shoal_peer_wire_generate_random_peer_id (guint8 out[SHOAL_PEER_WIRE_PEER_ID_LEN]);
char  *shoal_peer_wire_peer_id_to_client (const guint8 peer_id[SHOAL_PEER_WIRE_PEER_ID_LEN]);

G_END_DECLS
