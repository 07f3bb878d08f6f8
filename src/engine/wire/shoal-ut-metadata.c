/* shoal-ut-metadata.c: the metadata exchange extension (BEP 9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"
#include "shoal-error.h"
#include "shoal-peer-wire.h"
#include "shoal-ut-metadata.h"

G_DEFINE_QUARK (shoal-ut-metadata-error-quark, shoal_ut_metadata_error)

/* The dictionary in front of a piece is a few dozen bytes; anything much
 * longer than a piece plus room for it is not a ut_metadata message. */
#define MAX_MESSAGE_LEN ((gsize) SHOAL_UT_METADATA_PIECE_SIZE + 512)
#define RATE_WINDOW     (60 * G_USEC_PER_SEC)

/**
 * shoal_ut_metadata_n_pieces:
 * @metadata_size: the info dictionary's size in bytes
 *
 * Returns: how many 16 KiB pieces carry @metadata_size bytes, 0 when the
 *   size is not positive
 */
guint32
shoal_ut_metadata_n_pieces (gint64 metadata_size)
{
  if (metadata_size <= 0)
    return 0;
  return (guint32) (((guint64) metadata_size + SHOAL_UT_METADATA_PIECE_SIZE - 1) /
                    SHOAL_UT_METADATA_PIECE_SIZE);
}

/**
 * shoal_ut_metadata_piece_length:
 * @metadata_size: the info dictionary's size in bytes
 * @piece: a piece index below shoal_ut_metadata_n_pieces()
 *
 * Returns: how many bytes @piece holds: 16 KiB, less for the last one
 */
gsize
shoal_ut_metadata_piece_length (gint64  metadata_size,
                                guint32 piece)
{
  guint64 begin = (guint64) piece * SHOAL_UT_METADATA_PIECE_SIZE;

  g_return_val_if_fail (piece < shoal_ut_metadata_n_pieces (metadata_size), 0);
  return (gsize) MIN ((guint64) metadata_size - begin, SHOAL_UT_METADATA_PIECE_SIZE);
}

#define fail(error, code, ...) \
  shoal_error_fail ((error), SHOAL_UT_METADATA_ERROR, (code), "Bad metadata message: " __VA_ARGS__)

/**
 * shoal_ut_metadata_parse:
 * @payload: (array length=len): an extended message's payload after its
 *   extended id
 * @len: its length
 * @metadata_size: the size the sending peer advertised in its extension
 *   handshake (for requests: our own metadata's size), or -1 if unknown
 * @message: (out caller-allocates): the decoded message; its @data points
 *   into @payload
 * @error: return location for a #SHOAL_UT_METADATA_ERROR
 *
 * Decodes one ut_metadata message and bounds it: the piece index must lie
 * inside the metadata, a data message's `total_size` must be the advertised
 * size (and at most %SHOAL_PEER_WIRE_MAX_METADATA_SIZE), and the bytes after
 * its dictionary must be exactly that piece's length. Requests and rejects
 * carry nothing after the dictionary. Unknown keys are ignored.
 *
 * Returns: %TRUE if @message was filled in
 */
gboolean
shoal_ut_metadata_parse (const guint8            *payload,
                         gsize                    len,
                         gint64                   metadata_size,
                         ShoalUtMetadataMessage  *message,
                         GError                 **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  const ShoalBencodeNode *root;
  const ShoalBencodeNode *node;
  gint64 type, piece, total;
  guint32 n_pieces;
  gsize consumed;

  g_return_val_if_fail (payload != NULL || len == 0, FALSE);
  g_return_val_if_fail (metadata_size <= SHOAL_PEER_WIRE_MAX_METADATA_SIZE, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  memset (message, 0, sizeof *message);
  message->total_size = -1;

  if (len == 0)
    return fail (error, SHOAL_UT_METADATA_ERROR_MALFORMED, "it is empty");
  if (len > MAX_MESSAGE_LEN)
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_LENGTH,
                 "it is %" G_GSIZE_FORMAT " bytes long", len);

  /* The document does not outlive this function; @payload does. */
  bytes = g_bytes_new_static (payload, len);
  doc = shoal_bencode_parse_full (bytes, 4, 64, TRUE, &local_error);
  if (doc == NULL)
    return fail (error, SHOAL_UT_METADATA_ERROR_MALFORMED, "%s", local_error->message);

  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    return fail (error, SHOAL_UT_METADATA_ERROR_MALFORMED, "it is not a dictionary");

  node = shoal_bencode_node_dict_lookup (root, "msg_type");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_UT_METADATA_ERROR_MALFORMED, "no integer msg_type");
  type = shoal_bencode_node_get_integer (node);
  if (type != SHOAL_UT_METADATA_REQUEST && type != SHOAL_UT_METADATA_DATA &&
      type != SHOAL_UT_METADATA_REJECT)
    return fail (error, SHOAL_UT_METADATA_ERROR_UNKNOWN_TYPE,
                 "unknown msg_type %" G_GINT64_FORMAT, type);

  node = shoal_bencode_node_dict_lookup (root, "piece");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_UT_METADATA_ERROR_MALFORMED, "no integer piece");
  piece = shoal_bencode_node_get_integer (node);

  consumed = shoal_bencode_get_consumed (doc);
  g_assert (consumed <= len);

  if (type != SHOAL_UT_METADATA_DATA)
    {
      n_pieces = shoal_ut_metadata_n_pieces (metadata_size > 0 ? metadata_size
                                             : SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
      if (piece < 0 || piece >= n_pieces)
        return fail (error, SHOAL_UT_METADATA_ERROR_BAD_PIECE,
                     "piece %" G_GINT64_FORMAT " of %u", piece, n_pieces);
      if (consumed != len)
        return fail (error, SHOAL_UT_METADATA_ERROR_BAD_LENGTH,
                     "%" G_GSIZE_FORMAT " bytes follow a %s", len - consumed,
                     type == SHOAL_UT_METADATA_REQUEST ? "request" : "reject");
      message->type = (ShoalUtMetadataType) type;
      message->piece = (guint32) piece;
      return TRUE;
    }

  node = shoal_bencode_node_dict_lookup (root, "total_size");
  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER))
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_SIZE, "a data message without total_size");
  total = shoal_bencode_node_get_integer (node);
  if (total <= 0 || total > SHOAL_PEER_WIRE_MAX_METADATA_SIZE)
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_SIZE,
                 "total_size %" G_GINT64_FORMAT " is out of range (limit %d bytes)",
                 total, SHOAL_PEER_WIRE_MAX_METADATA_SIZE);
  if (metadata_size > 0 && total != metadata_size)
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_SIZE,
                 "total_size %" G_GINT64_FORMAT " but the peer advertised %" G_GINT64_FORMAT,
                 total, metadata_size);

  n_pieces = shoal_ut_metadata_n_pieces (total);
  if (piece < 0 || piece >= n_pieces)
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_PIECE,
                 "piece %" G_GINT64_FORMAT " of %u", piece, n_pieces);
  if (len - consumed != shoal_ut_metadata_piece_length (total, (guint32) piece))
    return fail (error, SHOAL_UT_METADATA_ERROR_BAD_LENGTH,
                 "piece %" G_GINT64_FORMAT " carries %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
                 piece, len - consumed, shoal_ut_metadata_piece_length (total, (guint32) piece));

  message->type = SHOAL_UT_METADATA_DATA;
  message->piece = (guint32) piece;
  message->total_size = total;
  message->data = payload + consumed;
  message->data_len = len - consumed;
  return TRUE;
}

static void
encode_header (GByteArray          *out,
               ShoalUtMetadataType  type,
               guint32              piece,
               gint64               total_size)
{
  g_autoptr(ShoalBencodeWriter) writer = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  /* Keys in sorted order, as bencode wants. */
  shoal_bencode_writer_begin_dict (writer);
  shoal_bencode_writer_cstring (writer, "msg_type");
  shoal_bencode_writer_integer (writer, type);
  shoal_bencode_writer_cstring (writer, "piece");
  shoal_bencode_writer_integer (writer, piece);
  if (total_size >= 0)
    {
      shoal_bencode_writer_cstring (writer, "total_size");
      shoal_bencode_writer_integer (writer, total_size);
    }
  shoal_bencode_writer_end (writer);
  bytes = shoal_bencode_writer_finish (writer);
  data = g_bytes_get_data (bytes, &len);
  g_byte_array_append (out, data, len);
}

/**
 * shoal_ut_metadata_encode_request:
 * @out: where to append the payload
 * @piece: the piece wanted
 *
 * Appends a request's payload; send it with shoal_peer_wire_encode_extended()
 * and the id the peer gave `ut_metadata`.
 */
void
shoal_ut_metadata_encode_request (GByteArray *out,
                                  guint32     piece)
{
  g_return_if_fail (out != NULL);
  encode_header (out, SHOAL_UT_METADATA_REQUEST, piece, -1);
}

/**
 * shoal_ut_metadata_encode_reject:
 * @out: where to append the payload
 * @piece: the piece refused
 *
 * Appends a reject's payload.
 */
void
shoal_ut_metadata_encode_reject (GByteArray *out,
                                 guint32     piece)
{
  g_return_if_fail (out != NULL);
  encode_header (out, SHOAL_UT_METADATA_REJECT, piece, -1);
}

/**
 * shoal_ut_metadata_encode_data:
 * @out: where to append the payload
 * @piece: the piece index
 * @total_size: the whole metadata's size
 * @data: (array length=len): the piece's bytes
 * @len: their length, shoal_ut_metadata_piece_length()
 *
 * Appends a data message's payload: the dictionary, then the piece.
 */
void
shoal_ut_metadata_encode_data (GByteArray   *out,
                               guint32       piece,
                               gint64        total_size,
                               const guint8 *data,
                               gsize         len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (total_size > 0);
  g_return_if_fail (data != NULL || len == 0);

  encode_header (out, SHOAL_UT_METADATA_DATA, piece, total_size);
  g_byte_array_append (out, data, len);
}

/* Serving */

/**
 * shoal_ut_metadata_rate_limit_init:
 * @limit: a counter
 * @max_per_minute: how many requests to answer per peer per minute
 *
 * Sets up a per-peer request counter.
 */
void
shoal_ut_metadata_rate_limit_init (ShoalUtMetadataRateLimit *limit,
                                   guint                     max_per_minute)
{
  g_return_if_fail (limit != NULL);

  limit->window_start = 0;
  limit->count = 0;
  limit->max_per_minute = max_per_minute;
}

/**
 * shoal_ut_metadata_rate_limit_allow:
 * @limit: a counter
 * @now: the monotonic time in µs
 *
 * Counts one request, unless this minute's allowance is used up. A window
 * opens with the first request after the previous one closed, so a peer
 * gets at most @max_per_minute answers in any window.
 *
 * Returns: %TRUE if the request may be answered
 */
gboolean
shoal_ut_metadata_rate_limit_allow (ShoalUtMetadataRateLimit *limit,
                                    gint64                    now)
{
  g_return_val_if_fail (limit != NULL, FALSE);

  if (limit->count == 0 || now - limit->window_start >= RATE_WINDOW ||
      now < limit->window_start)
    {
      limit->window_start = now;
      limit->count = 0;
    }
  if (limit->count >= limit->max_per_minute)
    return FALSE;
  limit->count++;
  return TRUE;
}

/**
 * shoal_ut_metadata_answer_request:
 * @info: (nullable): our info dictionary, %NULL while we have none
 * @piece: the piece requested
 * @limit: (nullable): the requesting peer's counter
 * @now: the monotonic time in µs
 * @out: where to append the answer's payload
 *
 * Answers a request: a data message with the piece, or a reject when we
 * have no metadata, the piece is past its end, or the peer has used up its
 * allowance.
 *
 * Returns: %TRUE if a data message was appended, %FALSE for a reject
 */
gboolean
shoal_ut_metadata_answer_request (GBytes                   *info,
                                  guint32                   piece,
                                  ShoalUtMetadataRateLimit *limit,
                                  gint64                    now,
                                  GByteArray               *out)
{
  const guint8 *data;
  gsize size = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  data = info != NULL ? g_bytes_get_data (info, &size) : NULL;
  if (size == 0 || size > SHOAL_PEER_WIRE_MAX_METADATA_SIZE ||
      piece >= shoal_ut_metadata_n_pieces ((gint64) size) ||
      (limit != NULL && !shoal_ut_metadata_rate_limit_allow (limit, now)))
    {
      shoal_ut_metadata_encode_reject (out, piece);
      return FALSE;
    }

  shoal_ut_metadata_encode_data (out, piece, (gint64) size,
                                 data + (gsize) piece * SHOAL_UT_METADATA_PIECE_SIZE,
                                 shoal_ut_metadata_piece_length ((gint64) size, piece));
  return TRUE;
}

/**
 * shoal_ut_metadata_build_torrent:
 * @info: a verified info dictionary
 * @trackers: (nullable) (array zero-terminated=1): tracker URLs, each put in
 *   its own tier as magnet links list them
 * @error: return location for a #SHOAL_UT_METADATA_ERROR
 *
 * Builds a .torrent file around a fetched info dictionary, keeping its
 * bytes unchanged so that the info-hash stays the same: `announce` is the
 * first tracker, `announce-list` holds them all when there are several.
 *
 * Returns: (transfer full): the file's bytes, or %NULL with @error set
 */
GBytes *
shoal_ut_metadata_build_torrent (GBytes              *info,
                                 const char * const  *trackers,
                                 GError             **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ShoalBencodeWriter) writer = NULL;
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (info != NULL, NULL);

  doc = shoal_bencode_parse (info, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_INFO,
                   "The info dictionary does not decode: %s", local_error->message);
      return NULL;
    }
  if (!shoal_bencode_node_is (shoal_bencode_get_root (doc), SHOAL_BENCODE_DICT))
    {
      g_set_error_literal (error, SHOAL_UT_METADATA_ERROR, SHOAL_UT_METADATA_ERROR_BAD_INFO,
                           "The info dictionary is not a dictionary");
      return NULL;
    }

  for (guint i = 0; trackers != NULL && trackers[i] != NULL; i++)
    if (trackers[i][0] != '\0')
      g_ptr_array_add (urls, (gpointer) trackers[i]);

  writer = shoal_bencode_writer_new ();
  shoal_bencode_writer_begin_dict (writer);
  if (urls->len > 0)
    {
      shoal_bencode_writer_cstring (writer, "announce");
      shoal_bencode_writer_cstring (writer, urls->pdata[0]);
    }
  if (urls->len > 1)
    {
      shoal_bencode_writer_cstring (writer, "announce-list");
      shoal_bencode_writer_begin_list (writer);
      for (guint i = 0; i < urls->len; i++)
        {
          shoal_bencode_writer_begin_list (writer);
          shoal_bencode_writer_cstring (writer, urls->pdata[i]);
          shoal_bencode_writer_end (writer);
        }
      shoal_bencode_writer_end (writer);
    }
  shoal_bencode_writer_cstring (writer, "info");
  data = g_bytes_get_data (info, &len);
  shoal_bencode_writer_raw (writer, data, len);
  shoal_bencode_writer_end (writer);
  return shoal_bencode_writer_finish (writer);
}
