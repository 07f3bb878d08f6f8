/* shoal-bencode.c: strict bencode (BEP 3) decoder and encoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The decoder builds a flat array of nodes over the input bytes. Every node
 * keeps the exact byte span it was parsed from, so that hashes (the
 * info-hash above all) are computed over the bytes as received, not over a
 * re-encoding. Parsing is iterative with an explicit, bounded stack: hostile
 * input can neither overflow the C stack nor make the parser allocate more
 * than max_values nodes.
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"

G_DEFINE_QUARK (shoal-bencode-error-quark, shoal_bencode_error)

struct _ShoalBencodeNode
{
  ShoalBencode *doc;
  gint64        value;      /* integer value, or string length */
  guint32       start;      /* offset of the first byte of the value */
  guint32       end;        /* offset just past the value */
  guint32       n_children; /* lists: items; dicts: keys + values */
  guint32       next;       /* index of the next sibling, 0 if none */
  guint8        type;
};

struct _ShoalBencode
{
  gatomicrefcount   ref_count;
  GBytes           *bytes;
  ShoalBencodeNode *nodes;
  guint             n_nodes;
  gsize             consumed;
};

typedef struct
{
  guint    index;      /* node index of the open container */
  guint    last_child; /* index of the previous child, 0 if none */
  guint    last_key;   /* dicts: index of the previous key, 0 if none */
  gboolean unsorted;   /* dicts: keys seen out of order */
} Frame;

static gboolean
fail (GError   **error,
      gint       code,
      gsize      offset,
      const char *what)
{
  g_set_error (error, SHOAL_BENCODE_ERROR, code, "%s at byte %" G_GSIZE_FORMAT, what, offset);
  return FALSE;
}

/* Compares two string nodes by their bytes, as BEP 3 orders keys. */
static int
compare_keys (const guint8           *data,
              const ShoalBencodeNode *a,
              const ShoalBencodeNode *b)
{
  gsize alen = (gsize) a->value;
  gsize blen = (gsize) b->value;
  int cmp = memcmp (data + a->end - alen, data + b->end - blen, MIN (alen, blen));

  if (cmp != 0)
    return cmp;
  return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static int
compare_key_ptrs (gconstpointer a,
                  gconstpointer b,
                  gpointer      data)
{
  return compare_keys (data, *(ShoalBencodeNode * const *) a, *(ShoalBencodeNode * const *) b);
}

/* Keys that arrive sorted were checked pairwise while parsing; a dictionary
 * whose keys arrive out of order (accepted, as other clients do) is checked
 * for duplicates here by sorting a copy of its keys. */
static gboolean
check_unsorted_dict (const guint8     *data,
                     ShoalBencodeNode *nodes,
                     guint             index,
                     GError          **error)
{
  guint n_keys = nodes[index].n_children / 2;
  g_autofree ShoalBencodeNode **keys = g_new (ShoalBencodeNode *, n_keys);
  guint i = 0;

  for (guint k = index + 1; k != 0 && i < n_keys; i++)
    {
      keys[i] = &nodes[k];
      k = nodes[k].next;          /* value */
      k = k ? nodes[k].next : 0;  /* next key */
    }

  g_qsort_with_data (keys, n_keys, sizeof *keys, compare_key_ptrs, (gpointer) data);
  for (i = 1; i < n_keys; i++)
    if (compare_keys (data, keys[i - 1], keys[i]) == 0)
      return fail (error, SHOAL_BENCODE_ERROR_DUPLICATE_KEY, keys[i]->start,
                   "Duplicate dictionary key");
  return TRUE;
}

static gboolean
parse_integer (const guint8 *data,
               gsize         len,
               gsize        *pos,
               gint64       *out,
               GError      **error)
{
  gsize start = *pos;
  gsize p = start + 1; /* skip 'i' */
  gboolean negative = FALSE;
  guint64 acc = 0;
  guint64 limit;
  gsize first_digit;

  if (p < len && data[p] == '-')
    {
      negative = TRUE;
      p++;
    }
  first_digit = p;
  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;

  while (p < len && data[p] >= '0' && data[p] <= '9')
    {
      guint digit = data[p] - '0';

      if (acc > (limit - digit) / 10)
        return fail (error, SHOAL_BENCODE_ERROR_INTEGER_RANGE, start,
                     "Integer does not fit in 64 bits");
      acc = acc * 10 + digit;
      p++;
    }

  if (p >= len)
    return fail (error, SHOAL_BENCODE_ERROR_TRUNCATED, start, "Unterminated integer");
  if (data[p] != 'e')
    return fail (error, SHOAL_BENCODE_ERROR_BAD_INTEGER, p, "Unexpected character in integer");
  if (p == first_digit)
    return fail (error, SHOAL_BENCODE_ERROR_BAD_INTEGER, start, "Empty integer");
  if (data[first_digit] == '0' && p - first_digit > 1)
    return fail (error, SHOAL_BENCODE_ERROR_BAD_INTEGER, start, "Integer with a leading zero");
  if (negative && acc == 0)
    return fail (error, SHOAL_BENCODE_ERROR_BAD_INTEGER, start, "Negative zero integer");

  if (negative)
    *out = acc == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) acc;
  else
    *out = (gint64) acc;
  *pos = p + 1;
  return TRUE;
}

static gboolean
parse_string_header (const guint8 *data,
                     gsize         len,
                     gsize        *pos,
                     gint64       *out_len,
                     GError      **error)
{
  gsize start = *pos;
  gsize p = start;
  guint64 acc = 0;

  while (p < len && data[p] >= '0' && data[p] <= '9')
    {
      /* No string can be longer than the input, so stop counting early. */
      if (acc > len)
        return fail (error, SHOAL_BENCODE_ERROR_STRING_TOO_LONG, start,
                     "String length exceeds the input");
      acc = acc * 10 + (data[p] - '0');
      p++;
    }

  if (p >= len)
    return fail (error, SHOAL_BENCODE_ERROR_TRUNCATED, start, "Unterminated string length");
  if (data[p] != ':')
    return fail (error, SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH, p,
                 "Unexpected character in string length");
  if (data[start] == '0' && p - start > 1)
    return fail (error, SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH, start,
                 "String length with a leading zero");
  p++;
  if (acc > len - p)
    return fail (error, SHOAL_BENCODE_ERROR_STRING_TOO_LONG, start,
                 "String length exceeds the input");

  *out_len = (gint64) acc;
  *pos = p + acc;
  return TRUE;
}

/**
 * shoal_bencode_parse_full:
 * @bytes: the input
 * @max_depth: how deep containers may nest
 * @max_values: how many values the document may hold in all
 * @allow_trailing: whether bytes may follow the top-level value (peer-wire
 *   extension messages carry a payload after their dictionary); see
 *   shoal_bencode_get_consumed()
 * @error: return location for a #SHOAL_BENCODE_ERROR
 *
 * Parses one bencoded value. The document keeps a reference to @bytes.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
ShoalBencode *
shoal_bencode_parse_full (GBytes   *bytes,
                          guint     max_depth,
                          guint     max_values,
                          gboolean  allow_trailing,
                          GError  **error)
{
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GArray) nodes = NULL;
  g_autofree Frame *stack = NULL;
  guint depth = 0;
  const guint8 *data;
  gsize len;
  gsize pos = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (max_depth > 0, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      fail (error, SHOAL_BENCODE_ERROR_EMPTY, 0, "Empty input");
      return NULL;
    }
  if (len > G_MAXUINT32)
    {
      fail (error, SHOAL_BENCODE_ERROR_TOO_MANY_VALUES, 0, "Input larger than 4 GiB");
      return NULL;
    }

  doc = g_new0 (ShoalBencode, 1);
  g_atomic_ref_count_init (&doc->ref_count);
  doc->bytes = g_bytes_ref (bytes);

  nodes = g_array_sized_new (FALSE, TRUE, sizeof (ShoalBencodeNode), MIN (len / 4 + 1, 4096));
  stack = g_new0 (Frame, max_depth);

  do
    {
      ShoalBencodeNode node = { 0 };
      guint index;
      Frame *parent = depth > 0 ? &stack[depth - 1] : NULL;
      gboolean is_key;

      if (pos >= len)
        {
          /* Only an open container can run into the end of the input here. */
          fail (error, SHOAL_BENCODE_ERROR_TRUNCATED,
                g_array_index (nodes, ShoalBencodeNode, parent->index).start,
                "Unterminated list or dictionary");
          return NULL;
        }

      /* Close a container. */
      if (data[pos] == 'e' && parent != NULL)
        {
          ShoalBencodeNode *c = &g_array_index (nodes, ShoalBencodeNode, parent->index);

          if (c->type == SHOAL_BENCODE_DICT && (c->n_children % 2) != 0)
            {
              fail (error, SHOAL_BENCODE_ERROR_TRUNCATED, pos, "Dictionary key without a value");
              return NULL;
            }
          pos++;
          c->end = pos;
          if (c->type == SHOAL_BENCODE_DICT && parent->unsorted &&
              !check_unsorted_dict (data, (ShoalBencodeNode *) (gpointer) nodes->data,
                                    parent->index, error))
            return NULL;
          depth--;
          continue;
        }

      if (nodes->len >= max_values)
        {
          fail (error, SHOAL_BENCODE_ERROR_TOO_MANY_VALUES, pos, "Too many values");
          return NULL;
        }

      is_key = parent != NULL &&
               g_array_index (nodes, ShoalBencodeNode, parent->index).type == SHOAL_BENCODE_DICT &&
               (g_array_index (nodes, ShoalBencodeNode, parent->index).n_children % 2) == 0;

      node.start = pos;
      switch (data[pos])
        {
        case 'i':
          if (is_key)
            {
              fail (error, SHOAL_BENCODE_ERROR_BAD_KEY, pos, "Dictionary key is not a string");
              return NULL;
            }
          node.type = SHOAL_BENCODE_INTEGER;
          if (!parse_integer (data, len, &pos, &node.value, error))
            return NULL;
          node.end = pos;
          break;

        case 'l':
        case 'd':
          if (is_key)
            {
              fail (error, SHOAL_BENCODE_ERROR_BAD_KEY, pos, "Dictionary key is not a string");
              return NULL;
            }
          if (depth >= max_depth)
            {
              fail (error, SHOAL_BENCODE_ERROR_TOO_DEEP, pos, "Lists and dictionaries nested too deep");
              return NULL;
            }
          node.type = data[pos] == 'l' ? SHOAL_BENCODE_LIST : SHOAL_BENCODE_DICT;
          pos++;
          break;

        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          node.type = SHOAL_BENCODE_STRING;
          if (!parse_string_header (data, len, &pos, &node.value, error))
            return NULL;
          node.end = pos;
          break;

        default:
          if (data[pos] == 'e')
            fail (error, SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE, pos, "Unexpected end marker");
          else
            fail (error, SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE, pos, "Unexpected byte");
          return NULL;
        }

      index = nodes->len;
      g_array_append_val (nodes, node);

      if (parent != NULL)
        {
          ShoalBencodeNode *c = &g_array_index (nodes, ShoalBencodeNode, parent->index);

          if (parent->last_child != 0)
            g_array_index (nodes, ShoalBencodeNode, parent->last_child).next = index;
          parent->last_child = index;
          c->n_children++;

          if (is_key)
            {
              if (parent->last_key != 0)
                {
                  int cmp = compare_keys (data,
                                          &g_array_index (nodes, ShoalBencodeNode, parent->last_key),
                                          &g_array_index (nodes, ShoalBencodeNode, index));

                  if (cmp == 0)
                    {
                      fail (error, SHOAL_BENCODE_ERROR_DUPLICATE_KEY, node.start,
                            "Duplicate dictionary key");
                      return NULL;
                    }
                  if (cmp > 0)
                    parent->unsorted = TRUE;
                }
              parent->last_key = index;
            }
        }

      if (node.type == SHOAL_BENCODE_LIST || node.type == SHOAL_BENCODE_DICT)
        {
          stack[depth].index = index;
          stack[depth].last_child = 0;
          stack[depth].last_key = 0;
          stack[depth].unsorted = FALSE;
          depth++;
        }
    }
  while (depth > 0);

  if (pos != len && !allow_trailing)
    {
      fail (error, SHOAL_BENCODE_ERROR_TRAILING_DATA, pos, "Trailing data after the value");
      return NULL;
    }

  doc->consumed = pos;
  doc->n_nodes = nodes->len;
  doc->nodes = (ShoalBencodeNode *) (gpointer) g_array_free (g_steal_pointer (&nodes), FALSE);
  for (guint i = 0; i < doc->n_nodes; i++)
    doc->nodes[i].doc = doc;

  return g_steal_pointer (&doc);
}

/**
 * shoal_bencode_parse:
 * @bytes: the input
 * @error: return location for a #SHOAL_BENCODE_ERROR
 *
 * Parses @bytes as exactly one bencoded value with the default limits.
 *
 * Returns: (transfer full): the document, or %NULL with @error set
 */
ShoalBencode *
shoal_bencode_parse (GBytes  *bytes,
                     GError **error)
{
  return shoal_bencode_parse_full (bytes, SHOAL_BENCODE_DEFAULT_MAX_DEPTH,
                                   SHOAL_BENCODE_DEFAULT_MAX_VALUES, FALSE, error);
}

ShoalBencode *
shoal_bencode_ref (ShoalBencode *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
shoal_bencode_unref (ShoalBencode *self)
{
  g_return_if_fail (self != NULL);
  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_clear_pointer (&self->nodes, g_free);
      g_clear_pointer (&self->bytes, g_bytes_unref);
      g_free (self);
    }
}

const ShoalBencodeNode *
shoal_bencode_get_root (ShoalBencode *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->nodes[0];
}

GBytes *
shoal_bencode_get_bytes (ShoalBencode *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->bytes;
}

/**
 * shoal_bencode_get_consumed:
 * @self: a document
 *
 * Returns: how many bytes of the input the top-level value spans
 */
gsize
shoal_bencode_get_consumed (ShoalBencode *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->consumed;
}

guint
shoal_bencode_get_n_values (ShoalBencode *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_nodes;
}

ShoalBencodeType
shoal_bencode_node_get_type (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (node != NULL, SHOAL_BENCODE_INTEGER);
  return node->type;
}

/**
 * shoal_bencode_node_is:
 * @node: (nullable): a node
 * @type: the expected type
 *
 * Returns: %TRUE if @node is not %NULL and holds a value of @type
 */
gboolean
shoal_bencode_node_is (const ShoalBencodeNode *node,
                       ShoalBencodeType        type)
{
  return node != NULL && node->type == type;
}

gint64
shoal_bencode_node_get_integer (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (shoal_bencode_node_is (node, SHOAL_BENCODE_INTEGER), 0);
  return node->value;
}

/**
 * shoal_bencode_node_get_string:
 * @node: a string node
 * @len: (out): the string's length in bytes
 *
 * Returns: (transfer none): the string's bytes, not nul-terminated
 */
const guint8 *
shoal_bencode_node_get_string (const ShoalBencodeNode *node,
                               gsize                  *len)
{
  const guint8 *data;

  g_return_val_if_fail (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING), NULL);
  g_return_val_if_fail (len != NULL, NULL);

  data = g_bytes_get_data (node->doc->bytes, NULL);
  *len = (gsize) node->value;
  return data + node->end - node->value;
}

/**
 * shoal_bencode_node_dup_string:
 * @node: a string node
 *
 * Returns: (transfer full): a nul-terminated copy of the string; it may hold
 *   embedded nul bytes and need not be valid UTF-8
 */
gchar *
shoal_bencode_node_dup_string (const ShoalBencodeNode *node)
{
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (shoal_bencode_node_is (node, SHOAL_BENCODE_STRING), NULL);
  data = shoal_bencode_node_get_string (node, &len);
  return g_strndup ((const char *) data, len);
}

gboolean
shoal_bencode_node_string_equal (const ShoalBencodeNode *node,
                                 const char             *str)
{
  const guint8 *data;
  gsize len;

  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_STRING))
    return FALSE;
  data = shoal_bencode_node_get_string (node, &len);
  return strlen (str) == len && memcmp (data, str, len) == 0;
}

guint
shoal_bencode_node_get_n_children (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->n_children;
}

const ShoalBencodeNode *
shoal_bencode_node_get_first (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  if (node->n_children == 0)
    return NULL;
  return node + 1;
}

const ShoalBencodeNode *
shoal_bencode_node_get_next (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);
  if (node->next == 0)
    return NULL;
  return &node->doc->nodes[node->next];
}

/**
 * shoal_bencode_node_dict_lookup_len:
 * @node: (nullable): a dictionary node
 * @key: the key's bytes
 * @key_len: the key's length
 *
 * Returns: (nullable): the value stored under @key, or %NULL if @node is not
 *   a dictionary or has no such key
 */
const ShoalBencodeNode *
shoal_bencode_node_dict_lookup_len (const ShoalBencodeNode *node,
                                    const guint8           *key,
                                    gsize                   key_len)
{
  const ShoalBencodeNode *k;

  if (!shoal_bencode_node_is (node, SHOAL_BENCODE_DICT))
    return NULL;

  for (k = shoal_bencode_node_get_first (node); k != NULL; )
    {
      const ShoalBencodeNode *v = shoal_bencode_node_get_next (k);
      gsize len;
      const guint8 *s = shoal_bencode_node_get_string (k, &len);

      if (len == key_len && memcmp (s, key, len) == 0)
        return v;
      k = shoal_bencode_node_get_next (v);
    }
  return NULL;
}

const ShoalBencodeNode *
shoal_bencode_node_dict_lookup (const ShoalBencodeNode *node,
                                const char             *key)
{
  return shoal_bencode_node_dict_lookup_len (node, (const guint8 *) key, strlen (key));
}

/**
 * shoal_bencode_node_get_raw:
 * @node: a node
 * @len: (out): the length of the span
 *
 * Returns: (transfer none): the exact bytes @node was parsed from
 */
const guint8 *
shoal_bencode_node_get_raw (const ShoalBencodeNode *node,
                            gsize                  *len)
{
  const guint8 *data;

  g_return_val_if_fail (node != NULL, NULL);
  data = g_bytes_get_data (node->doc->bytes, NULL);
  *len = node->end - node->start;
  return data + node->start;
}

gsize
shoal_bencode_node_get_offset (const ShoalBencodeNode *node)
{
  g_return_val_if_fail (node != NULL, 0);
  return node->start;
}

/* Encoder */

struct _ShoalBencodeWriter
{
  GByteArray *out;
  GArray     *open; /* of guint8: SHOAL_BENCODE_LIST or _DICT */
};

ShoalBencodeWriter *
shoal_bencode_writer_new (void)
{
  ShoalBencodeWriter *self = g_new0 (ShoalBencodeWriter, 1);

  self->out = g_byte_array_new ();
  self->open = g_array_new (FALSE, FALSE, sizeof (guint8));
  return self;
}

void
shoal_bencode_writer_free (ShoalBencodeWriter *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->out, g_byte_array_unref);
  g_clear_pointer (&self->open, g_array_unref);
  g_free (self);
}

void
shoal_bencode_writer_integer (ShoalBencodeWriter *self,
                              gint64              value)
{
  char buf[32];
  int n = g_snprintf (buf, sizeof buf, "i%" G_GINT64_FORMAT "e", value);

  g_byte_array_append (self->out, (const guint8 *) buf, n);
}

void
shoal_bencode_writer_string (ShoalBencodeWriter *self,
                             const void         *data,
                             gsize               len)
{
  char buf[32];
  int n = g_snprintf (buf, sizeof buf, "%" G_GSIZE_FORMAT ":", len);

  g_byte_array_append (self->out, (const guint8 *) buf, n);
  if (len > 0)
    g_byte_array_append (self->out, data, len);
}

void
shoal_bencode_writer_cstring (ShoalBencodeWriter *self,
                              const char         *str)
{
  shoal_bencode_writer_string (self, str, strlen (str));
}

/**
 * shoal_bencode_writer_raw:
 * @self: a writer
 * @data: already bencoded bytes
 * @len: their length
 *
 * Appends a value that is already encoded, such as the info dictionary as
 * received, so that it keeps its exact bytes.
 */
void
shoal_bencode_writer_raw (ShoalBencodeWriter *self,
                          const void         *data,
                          gsize               len)
{
  g_byte_array_append (self->out, data, len);
}

void
shoal_bencode_writer_begin_list (ShoalBencodeWriter *self)
{
  guint8 t = SHOAL_BENCODE_LIST;

  g_array_append_val (self->open, t);
  g_byte_array_append (self->out, (const guint8 *) "l", 1);
}

/* Callers write dictionary keys in sorted order, as BEP 3 requires. */
void
shoal_bencode_writer_begin_dict (ShoalBencodeWriter *self)
{
  guint8 t = SHOAL_BENCODE_DICT;

  g_array_append_val (self->open, t);
  g_byte_array_append (self->out, (const guint8 *) "d", 1);
}

void
shoal_bencode_writer_end (ShoalBencodeWriter *self)
{
  g_return_if_fail (self->open->len > 0);
  g_array_set_size (self->open, self->open->len - 1);
  g_byte_array_append (self->out, (const guint8 *) "e", 1);
}

void
shoal_bencode_writer_node (ShoalBencodeWriter     *self,
                           const ShoalBencodeNode *node)
{
  gsize len;
  const guint8 *raw = shoal_bencode_node_get_raw (node, &len);

  shoal_bencode_writer_raw (self, raw, len);
}

/**
 * shoal_bencode_writer_finish:
 * @self: a writer whose containers are all closed
 *
 * Returns: (transfer full): the encoded bytes; the writer is empty afterwards
 */
GBytes *
shoal_bencode_writer_finish (ShoalBencodeWriter *self)
{
  GByteArray *out;

  g_return_val_if_fail (self->open->len == 0, NULL);
  out = g_steal_pointer (&self->out);
  self->out = g_byte_array_new ();
  return g_byte_array_free_to_bytes (out);
}
