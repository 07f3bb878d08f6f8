/* shoal-ut-metadata.h: the metadata exchange extension (BEP 9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Socket-free: a codec for ut_metadata messages, an assembler that fetches
 * the info dictionary of a magnet link from several peers, a server-side
 * helper that answers requests for our own info dictionary, and a helper
 * that turns a fetched info dictionary into a .torrent file.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_UT_METADATA_ERROR (shoal_ut_metadata_error_quark ())

/**
 * ShoalUtMetadataError:
 * @SHOAL_UT_METADATA_ERROR_MALFORMED: the message is not a bencoded
 *   dictionary with integer `msg_type` and `piece`
 * @SHOAL_UT_METADATA_ERROR_UNKNOWN_TYPE: `msg_type` is not 0, 1 or 2
 * @SHOAL_UT_METADATA_ERROR_BAD_PIECE: the piece index is past the end of
 *   the metadata
 * @SHOAL_UT_METADATA_ERROR_BAD_SIZE: `total_size` is missing, out of range
 *   or not the size the peer advertised
 * @SHOAL_UT_METADATA_ERROR_BAD_LENGTH: a data message carries the wrong
 *   number of bytes for its piece
 * @SHOAL_UT_METADATA_ERROR_HASH_MISMATCH: the assembled info dictionary does
 *   not hash to the info-hash
 * @SHOAL_UT_METADATA_ERROR_TOO_MANY_SIZES: peers advertise more distinct
 *   metadata sizes than the fetcher tracks at once
 * @SHOAL_UT_METADATA_ERROR_BANNED_PEER: the peer contributed to metadata
 *   that failed verification
 * @SHOAL_UT_METADATA_ERROR_BAD_INFO: the info dictionary to save is not a
 *   bencoded dictionary
 */
typedef enum
{
  SHOAL_UT_METADATA_ERROR_MALFORMED,
  SHOAL_UT_METADATA_ERROR_UNKNOWN_TYPE,
  SHOAL_UT_METADATA_ERROR_BAD_PIECE,
  SHOAL_UT_METADATA_ERROR_BAD_SIZE,
  SHOAL_UT_METADATA_ERROR_BAD_LENGTH,
  SHOAL_UT_METADATA_ERROR_HASH_MISMATCH,
  SHOAL_UT_METADATA_ERROR_TOO_MANY_SIZES,
  SHOAL_UT_METADATA_ERROR_BANNED_PEER,
  SHOAL_UT_METADATA_ERROR_BAD_INFO,
} ShoalUtMetadataError;

GQuark shoal_ut_metadata_error_quark (void);

/* The name in the extension handshake's `m` dictionary. */
#define SHOAL_UT_METADATA_NAME        "ut_metadata"
#define SHOAL_UT_METADATA_PIECE_SIZE  16384u
/* How long a request may stay unanswered before another peer gets it. */
#define SHOAL_UT_METADATA_REQUEST_TIMEOUT  (20 * G_USEC_PER_SEC)
/* How long a peer that rejected a request is left alone. */
#define SHOAL_UT_METADATA_REJECT_BACKOFF   (60 * G_USEC_PER_SEC)
/* Requests in flight to one peer. */
#define SHOAL_UT_METADATA_MAX_PER_PEER     4u
/* Distinct advertised sizes tracked at once. */
#define SHOAL_UT_METADATA_MAX_SIZES        4u
/* Addresses a fetch remembers as having sent bad metadata. */
#define SHOAL_UT_METADATA_MAX_BANNED       256u
/* Requests answered per peer per minute by default. */
#define SHOAL_UT_METADATA_DEFAULT_RATE     256u

/**
 * ShoalUtMetadataType:
 * @SHOAL_UT_METADATA_REQUEST: asks for a piece
 * @SHOAL_UT_METADATA_DATA: carries a piece
 * @SHOAL_UT_METADATA_REJECT: refuses a request
 *
 * The `msg_type` values.
 */
typedef enum
{
  SHOAL_UT_METADATA_REQUEST = 0,
  SHOAL_UT_METADATA_DATA    = 1,
  SHOAL_UT_METADATA_REJECT  = 2,
} ShoalUtMetadataType;

/**
 * ShoalUtMetadataMessage:
 * @type: the message type
 * @piece: the piece index
 * @total_size: the whole metadata size (data messages), else -1
 * @data: the piece bytes (data messages), pointing into the parsed payload
 * @data_len: length of @data
 *
 * One decoded ut_metadata message.
 */
typedef struct
{
  ShoalUtMetadataType  type;
  guint32              piece;
  gint64               total_size;
  const guint8        *data;
  gsize                data_len;
} ShoalUtMetadataMessage;

guint32  shoal_ut_metadata_n_pieces        (gint64                   metadata_size);
gsize    shoal_ut_metadata_piece_length    (gint64                   metadata_size,
                                            guint32                  piece);
gboolean shoal_ut_metadata_parse           (const guint8            *payload,
                                            gsize                    len,
                                            gint64                   metadata_size,
                                            ShoalUtMetadataMessage  *message,
                                            GError                 **error);
void     shoal_ut_metadata_encode_request  (GByteArray              *out,
                                            guint32                  piece);
void     shoal_ut_metadata_encode_reject   (GByteArray              *out,
                                            guint32                  piece);
void     shoal_ut_metadata_encode_data     (GByteArray              *out,
                                            guint32                  piece,
                                            gint64                   total_size,
                                            const guint8            *data,
                                            gsize                    len);

/* Serving our own metadata */

/**
 * ShoalUtMetadataRateLimit:
 * @window_start: when the current one-minute window began (monotonic µs)
 * @count: requests answered in it
 * @max_per_minute: how many it allows
 *
 * A per-peer counter of requests answered; embed one in each connection.
 */
typedef struct
{
  gint64 window_start;
  guint  count;
  guint  max_per_minute;
} ShoalUtMetadataRateLimit;

void     shoal_ut_metadata_rate_limit_init  (ShoalUtMetadataRateLimit *limit,
                                             guint                     max_per_minute);
gboolean shoal_ut_metadata_rate_limit_allow (ShoalUtMetadataRateLimit *limit,
                                             gint64                    now);
gboolean shoal_ut_metadata_answer_request   (GBytes                   *info,
                                             guint32                   piece,
                                             ShoalUtMetadataRateLimit *limit,
                                             gint64                    now,
                                             GByteArray               *out);

GBytes  *shoal_ut_metadata_build_torrent    (GBytes                   *info,
                                             const char * const       *trackers,
                                             GError                  **error);

/* Fetching the metadata of a magnet link */

/**
 * ShoalMetadataFetchResult:
 * @SHOAL_METADATA_FETCH_IGNORED: a piece nobody asked this peer for, or one
 *   already held; harmless
 * @SHOAL_METADATA_FETCH_ACCEPTED: the piece was stored
 * @SHOAL_METADATA_FETCH_COMPLETE: the metadata is complete and verified
 * @SHOAL_METADATA_FETCH_BAD_PEER: the peer sent a piece that cannot be right
 *   (wrong size, wrong length); drop it
 * @SHOAL_METADATA_FETCH_MISMATCH: the assembled metadata failed verification;
 *   the contributing peers are returned, banned from this fetch, and should
 *   be dropped
 */
typedef enum
{
  SHOAL_METADATA_FETCH_IGNORED,
  SHOAL_METADATA_FETCH_ACCEPTED,
  SHOAL_METADATA_FETCH_COMPLETE,
  SHOAL_METADATA_FETCH_BAD_PEER,
  SHOAL_METADATA_FETCH_MISMATCH,
} ShoalMetadataFetchResult;

typedef struct _ShoalMetadataFetch ShoalMetadataFetch;

ShoalMetadataFetch       *shoal_metadata_fetch_new          (const guint8                 *info_hash_v1,
                                                             const guint8                 *info_hash_v2);
void                      shoal_metadata_fetch_free         (ShoalMetadataFetch           *self);
gboolean                  shoal_metadata_fetch_set_peer_address (ShoalMetadataFetch       *self,
                                                             gpointer                      peer,
                                                             const char                   *address,
                                                             GError                      **error);
gboolean                  shoal_metadata_fetch_set_size     (ShoalMetadataFetch           *self,
                                                             gpointer                      peer,
                                                             gint64                        size,
                                                             GError                      **error);
void                      shoal_metadata_fetch_remove_peer  (ShoalMetadataFetch           *self,
                                                             gpointer                      peer);
gboolean                  shoal_metadata_fetch_next_request (ShoalMetadataFetch           *self,
                                                             gpointer                      peer,
                                                             gint64                        now,
                                                             guint32                      *piece);
void                      shoal_metadata_fetch_reject       (ShoalMetadataFetch           *self,
                                                             gpointer                      peer,
                                                             guint32                       piece,
                                                             gint64                        now);
ShoalMetadataFetchResult  shoal_metadata_fetch_add_piece    (ShoalMetadataFetch           *self,
                                                             gpointer                      peer,
                                                             const ShoalUtMetadataMessage *message,
                                                             GPtrArray                   **bad_peers,
                                                             GError                      **error);
gboolean                  shoal_metadata_fetch_is_complete  (ShoalMetadataFetch           *self);
GBytes                   *shoal_metadata_fetch_get_info     (ShoalMetadataFetch           *self);
gboolean                  shoal_metadata_fetch_is_banned    (ShoalMetadataFetch           *self,
                                                             gpointer                      peer);
void                      shoal_metadata_fetch_get_progress (ShoalMetadataFetch           *self,
                                                             guint                        *have,
                                                             guint                        *total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalMetadataFetch, shoal_metadata_fetch_free)

G_END_DECLS
