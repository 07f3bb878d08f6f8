/* shoal-bencode.h: strict bencode (BEP 3) decoder and encoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_BENCODE_ERROR (shoal_bencode_error_quark ())

/**
 * ShoalBencodeError:
 * @SHOAL_BENCODE_ERROR_TRUNCATED: the input ends inside a value
 * @SHOAL_BENCODE_ERROR_BAD_INTEGER: an integer is empty, has a leading zero,
 *   is `-0`, or has a non-digit
 * @SHOAL_BENCODE_ERROR_INTEGER_RANGE: an integer does not fit in 64 bits
 * @SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH: a string length is malformed
 * @SHOAL_BENCODE_ERROR_STRING_TOO_LONG: a string extends past the input
 * @SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE: a byte that starts no value
 * @SHOAL_BENCODE_ERROR_BAD_KEY: a dictionary key is not a string
 * @SHOAL_BENCODE_ERROR_DUPLICATE_KEY: a dictionary key appears twice
 * @SHOAL_BENCODE_ERROR_TOO_DEEP: containers nest deeper than allowed
 * @SHOAL_BENCODE_ERROR_TOO_MANY_VALUES: more values than allowed
 * @SHOAL_BENCODE_ERROR_TRAILING_DATA: bytes follow the top-level value
 * @SHOAL_BENCODE_ERROR_EMPTY: there is no input at all
 */
typedef enum
{
  SHOAL_BENCODE_ERROR_TRUNCATED,
  SHOAL_BENCODE_ERROR_BAD_INTEGER,
  SHOAL_BENCODE_ERROR_INTEGER_RANGE,
  SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH,
  SHOAL_BENCODE_ERROR_STRING_TOO_LONG,
  SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE,
  SHOAL_BENCODE_ERROR_BAD_KEY,
  SHOAL_BENCODE_ERROR_DUPLICATE_KEY,
  SHOAL_BENCODE_ERROR_TOO_DEEP,
  SHOAL_BENCODE_ERROR_TOO_MANY_VALUES,
  SHOAL_BENCODE_ERROR_TRAILING_DATA,
  SHOAL_BENCODE_ERROR_EMPTY,
} ShoalBencodeError;

typedef enum
{
  SHOAL_BENCODE_INTEGER,
  SHOAL_BENCODE_STRING,
  SHOAL_BENCODE_LIST,
  SHOAL_BENCODE_DICT,
} ShoalBencodeType;

/* Default limits; callers that parse network input pass tighter ones. */
#define SHOAL_BENCODE_DEFAULT_MAX_DEPTH  64
#define SHOAL_BENCODE_DEFAULT_MAX_VALUES (4u * 1024u * 1024u)

typedef struct _ShoalBencode ShoalBencode;

/**
 * ShoalBencodeNode:
 *
 * A value inside a parsed #ShoalBencode document. Nodes are owned by the
 * document and are valid as long as it is.
 */
typedef struct _ShoalBencodeNode ShoalBencodeNode;

GQuark                  shoal_bencode_error_quark         (void);

ShoalBencode           *shoal_bencode_parse               (GBytes            *bytes,
                                                           GError           **error);
ShoalBencode           *shoal_bencode_parse_full          (GBytes            *bytes,
                                                           guint              max_depth,
                                                           guint              max_values,
                                                           gboolean           allow_trailing,
                                                           GError           **error);
ShoalBencode           *shoal_bencode_ref                 (ShoalBencode      *self);
void                    shoal_bencode_unref               (ShoalBencode      *self);

const ShoalBencodeNode *shoal_bencode_get_root            (ShoalBencode      *self);
GBytes                 *shoal_bencode_get_bytes           (ShoalBencode      *self);
gsize                   shoal_bencode_get_consumed        (ShoalBencode      *self);
guint                   shoal_bencode_get_n_values        (ShoalBencode      *self);

ShoalBencodeType        shoal_bencode_node_get_type       (const ShoalBencodeNode *node);
gboolean                shoal_bencode_node_is             (const ShoalBencodeNode *node,
                                                           ShoalBencodeType        type);
gint64                  shoal_bencode_node_get_integer    (const ShoalBencodeNode *node);
const guint8           *shoal_bencode_node_get_string     (const ShoalBencodeNode *node,
                                                           gsize                  *len);
gchar                  *shoal_bencode_node_dup_string     (const ShoalBencodeNode *node);
gboolean                shoal_bencode_node_string_equal   (const ShoalBencodeNode *node,
                                                           const char             *str);
guint                   shoal_bencode_node_get_n_children (const ShoalBencodeNode *node);
const ShoalBencodeNode *shoal_bencode_node_get_first      (const ShoalBencodeNode *node);
const ShoalBencodeNode *shoal_bencode_node_get_next       (const ShoalBencodeNode *node);
const ShoalBencodeNode *shoal_bencode_node_dict_lookup    (const ShoalBencodeNode *node,
                                                           const char             *key);
const ShoalBencodeNode *shoal_bencode_node_dict_lookup_len (const ShoalBencodeNode *node,
                                                            const guint8           *key,
                                                            gsize                   key_len);
const guint8           *shoal_bencode_node_get_raw        (const ShoalBencodeNode *node,
                                                           gsize                  *len);
gsize                   shoal_bencode_node_get_offset     (const ShoalBencodeNode *node);

/*
 * Iterating children: for a list, each child in turn; for a dictionary the
 * children alternate key, value, key, value...
 *
 *   for (child = shoal_bencode_node_get_first (list); child;
 *        child = shoal_bencode_node_get_next (child))
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBencode, shoal_bencode_unref)

/* Encoder */

typedef struct _ShoalBencodeWriter ShoalBencodeWriter;

ShoalBencodeWriter     *shoal_bencode_writer_new          (void);
void                    shoal_bencode_writer_free         (ShoalBencodeWriter *self);
void                    shoal_bencode_writer_integer      (ShoalBencodeWriter *self,
                                                           gint64              value);
void                    shoal_bencode_writer_string       (ShoalBencodeWriter *self,
                                                           const void         *data,
                                                           gsize               len);
void                    shoal_bencode_writer_cstring      (ShoalBencodeWriter *self,
                                                           const char         *str);
void                    shoal_bencode_writer_raw          (ShoalBencodeWriter *self,
                                                           const void         *data,
                                                           gsize               len);
void                    shoal_bencode_writer_begin_list   (ShoalBencodeWriter *self);
void                    shoal_bencode_writer_begin_dict   (ShoalBencodeWriter *self);
void                    shoal_bencode_writer_end          (ShoalBencodeWriter *self);
void                    shoal_bencode_writer_node         (ShoalBencodeWriter     *self,
                                                           const ShoalBencodeNode *node);
GBytes                 *shoal_bencode_writer_finish       (ShoalBencodeWriter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBencodeWriter, shoal_bencode_writer_free)

G_END_DECLS
