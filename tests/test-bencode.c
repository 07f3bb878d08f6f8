/* test-bencode.c: the strict bencode decoder and the encoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bencode.h"

static ShoalBencode *
parse_str (const char  *text,
           GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return shoal_bencode_parse (bytes, error);
}

typedef struct
{
  const char *path;
  const char *input;
  gint        code;
  gsize       offset;
} RejectCase;

static const RejectCase reject_cases[] = {
  { "reject-empty-input", "", SHOAL_BENCODE_ERROR_EMPTY, 0 },
  { "reject-leading-zero", "i03e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 0 },
  { "reject-negative-leading-zero", "i-03e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 0 },
  { "reject-negative-zero", "i-0e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 0 },
  { "reject-empty-integer", "ie", SHOAL_BENCODE_ERROR_BAD_INTEGER, 0 },
  { "reject-lone-minus", "i-e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 0 },
  { "reject-integer-plus-sign", "i+1e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 1 },
  { "reject-integer-space", "i 1e", SHOAL_BENCODE_ERROR_BAD_INTEGER, 1 },
  { "reject-integer-overflow", "i9223372036854775808e", SHOAL_BENCODE_ERROR_INTEGER_RANGE, 0 },
  { "reject-integer-underflow", "i-9223372036854775809e", SHOAL_BENCODE_ERROR_INTEGER_RANGE, 0 },
  { "reject-huge-integer", "i99999999999999999999999999e", SHOAL_BENCODE_ERROR_INTEGER_RANGE, 0 },
  { "reject-unterminated-integer", "i42", SHOAL_BENCODE_ERROR_TRUNCATED, 0 },
  { "reject-string-past-end", "5:spam", SHOAL_BENCODE_ERROR_STRING_TOO_LONG, 0 },
  { "reject-string-huge-length", "99999999999999999999999:x", SHOAL_BENCODE_ERROR_STRING_TOO_LONG, 0 },
  { "reject-string-length-leading-zero", "04:spam", SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH, 0 },
  { "reject-string-no-colon", "4spam", SHOAL_BENCODE_ERROR_BAD_STRING_LENGTH, 1 },
  { "reject-string-unterminated-length", "12", SHOAL_BENCODE_ERROR_TRUNCATED, 0 },
  { "reject-unterminated-list", "l4:spam", SHOAL_BENCODE_ERROR_TRUNCATED, 0 },
  { "reject-unterminated-nested", "li1eli2e", SHOAL_BENCODE_ERROR_TRUNCATED, 4 },
  { "reject-unterminated-dict", "d3:foo", SHOAL_BENCODE_ERROR_TRUNCATED, 0 },
  { "reject-dict-key-without-value", "d3:fooe", SHOAL_BENCODE_ERROR_TRUNCATED, 6 },
  { "reject-integer-key", "di1ei2ee", SHOAL_BENCODE_ERROR_BAD_KEY, 1 },
  { "reject-list-key", "dle1:ae", SHOAL_BENCODE_ERROR_BAD_KEY, 1 },
  { "reject-dict-key", "dde1:ae", SHOAL_BENCODE_ERROR_BAD_KEY, 1 },
  { "reject-duplicate-key", "d1:ai1e1:ai2ee", SHOAL_BENCODE_ERROR_DUPLICATE_KEY, 7 },
  { "reject-duplicate-key-unsorted", "d1:bi1e1:ai2e1:bi3ee", SHOAL_BENCODE_ERROR_DUPLICATE_KEY, 13 },
  { "reject-trailing-garbage", "i1ex", SHOAL_BENCODE_ERROR_TRAILING_DATA, 3 },
  { "reject-two-values", "i1ei2e", SHOAL_BENCODE_ERROR_TRAILING_DATA, 3 },
  { "reject-unexpected-byte", "x", SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE, 0 },
  { "reject-stray-end", "e", SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE, 0 },
  { "reject-bad-byte-in-list", "l1:az", SHOAL_BENCODE_ERROR_UNEXPECTED_BYTE, 4 },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = parse_str (c->input, &error);
  g_autofree char *at = g_strdup_printf ("at byte %" G_GSIZE_FORMAT, c->offset);

  g_assert_null (doc);
  g_assert_error (error, SHOAL_BENCODE_ERROR, c->code);
  /* The message names the offset of the problem. */
  if (!g_str_has_suffix (error->message, at))
    g_error ("%s: got “%s”", c->path, error->message);
}

static void
test_integers (void)
{
  static const struct { const char *in; gint64 value; } cases[] = {
    { "i0e", 0 },
    { "i42e", 42 },
    { "i-42e", -42 },
    { "i9223372036854775807e", G_MAXINT64 },
    { "i-9223372036854775808e", G_MININT64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalBencode) doc = parse_str (cases[i].in, &error);
      const ShoalBencodeNode *root;

      g_assert_no_error (error);
      root = shoal_bencode_get_root (doc);
      g_assert_true (shoal_bencode_node_is (root, SHOAL_BENCODE_INTEGER));
      g_assert_cmpint (shoal_bencode_node_get_integer (root), ==, cases[i].value);
    }
}

static void
test_strings (void)
{
  static const guint8 binary[] = { '3', ':', 0, 0xff, 'a' };
  g_autoptr(GBytes) bytes = g_bytes_new (binary, sizeof binary);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse (bytes, &error);
  g_autoptr(ShoalBencode) empty = NULL;
  const guint8 *s;
  gsize len;

  g_assert_no_error (error);
  s = shoal_bencode_node_get_string (shoal_bencode_get_root (doc), &len);
  g_assert_cmpmem (s, len, binary + 2, 3);

  empty = parse_str ("0:", &error);
  g_assert_no_error (error);
  shoal_bencode_node_get_string (shoal_bencode_get_root (empty), &len);
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (shoal_bencode_node_string_equal (shoal_bencode_get_root (empty), ""));
}

static void
test_containers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = parse_str ("d4:listli1ei2eli3eee3:str5:hello4:zero0:e", &error);
  const ShoalBencodeNode *root, *list, *child, *str;
  gint64 sum = 0;
  guint n = 0;

  g_assert_no_error (error);
  root = shoal_bencode_get_root (doc);
  g_assert_true (shoal_bencode_node_is (root, SHOAL_BENCODE_DICT));
  g_assert_cmpuint (shoal_bencode_node_get_n_children (root), ==, 6);

  list = shoal_bencode_node_dict_lookup (root, "list");
  g_assert_true (shoal_bencode_node_is (list, SHOAL_BENCODE_LIST));
  g_assert_cmpuint (shoal_bencode_node_get_n_children (list), ==, 3);
  for (child = shoal_bencode_node_get_first (list); child; child = shoal_bencode_node_get_next (child))
    {
      n++;
      if (shoal_bencode_node_is (child, SHOAL_BENCODE_INTEGER))
        sum += shoal_bencode_node_get_integer (child);
      else
        g_assert_cmpint (shoal_bencode_node_get_integer (shoal_bencode_node_get_first (child)), ==, 3);
    }
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (sum, ==, 3);

  str = shoal_bencode_node_dict_lookup (root, "str");
  g_assert_true (shoal_bencode_node_string_equal (str, "hello"));
  g_assert_null (shoal_bencode_node_dict_lookup (root, "missing"));
  g_assert_null (shoal_bencode_node_dict_lookup (list, "list"));
  g_assert_true (shoal_bencode_node_string_equal (shoal_bencode_node_dict_lookup (root, "zero"), ""));
  g_assert_cmpuint (shoal_bencode_get_n_values (doc), ==, 11);

  g_clear_pointer (&doc, shoal_bencode_unref);
  doc = parse_str ("le", &error);
  g_assert_no_error (error);
  g_assert_null (shoal_bencode_node_get_first (shoal_bencode_get_root (doc)));
}

static void
test_raw_span (void)
{
  /* Keys out of order and an odd spacing of values: the span must be the
   * bytes as received, not a re-encoding. */
  const char *text = "d4:infod1:zi1e1:ai2ee4:name3:abce";
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = parse_str (text, &error);
  const ShoalBencodeNode *info;
  const guint8 *raw;
  gsize len;

  g_assert_no_error (error);
  info = shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "info");
  raw = shoal_bencode_node_get_raw (info, &len);
  g_assert_cmpmem (raw, len, "d1:zi1e1:ai2ee", 14);
  g_assert_cmpuint (shoal_bencode_node_get_offset (info), ==, 7);
  g_assert_cmpint (shoal_bencode_node_get_integer (shoal_bencode_node_dict_lookup (info, "a")), ==, 2);
}

static void
test_unsorted_keys_accepted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = parse_str ("d1:ci1e1:ai2e1:bi3ee", &error);

  g_assert_no_error (error);
  g_assert_cmpint (shoal_bencode_node_get_integer (shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "b")), ==, 3);
}

static void
test_depth_limit (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GBytes) bytes = NULL;

  for (guint i = 0; i < SHOAL_BENCODE_DEFAULT_MAX_DEPTH; i++)
    g_string_append_c (ok, 'l');
  for (guint i = 0; i < SHOAL_BENCODE_DEFAULT_MAX_DEPTH; i++)
    g_string_append_c (ok, 'e');
  doc = parse_str (ok->str, &error);
  g_assert_no_error (error);
  g_clear_pointer (&doc, shoal_bencode_unref);

  /* A million open lists must fail fast with a depth error, not recurse. */
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (deep, 'l');
  doc = parse_str (deep->str, &error);
  g_assert_null (doc);
  g_assert_error (error, SHOAL_BENCODE_ERROR, SHOAL_BENCODE_ERROR_TOO_DEEP);
  g_assert_true (g_str_has_suffix (error->message, "at byte 64"));
  g_clear_error (&error);

  bytes = g_bytes_new ("lllleeee", 8);
  doc = shoal_bencode_parse_full (bytes, 3, 100, FALSE, &error);
  g_assert_error (error, SHOAL_BENCODE_ERROR, SHOAL_BENCODE_ERROR_TOO_DEEP);
}

static void
test_value_limit (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new ("li1ei2ei3ee", 11);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse_full (bytes, 8, 3, FALSE, &error);

  g_assert_null (doc);
  g_assert_error (error, SHOAL_BENCODE_ERROR, SHOAL_BENCODE_ERROR_TOO_MANY_VALUES);
  g_clear_error (&error);
  doc = shoal_bencode_parse_full (bytes, 8, 4, FALSE, &error);
  g_assert_no_error (error);
}

static void
test_allow_trailing (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new ("d1:ai1eeXYZ", 11);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = shoal_bencode_parse_full (bytes, 8, 100, TRUE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (shoal_bencode_get_consumed (doc), ==, 8);
}

static void
test_never_reads_past_buffer (void)
{
  /* Every prefix of a valid document is parsed from an exactly-sized heap
   * copy, so that AddressSanitizer catches any read past the end. */
  const char *text = "d8:announce3:url4:infod6:lengthi12345e4:name4:file12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
  gsize len = strlen (text);

  for (gsize i = 1; i <= len; i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_memdup2 (text, i), i);
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalBencode) doc = shoal_bencode_parse (bytes, &error);

      if (i == len)
        {
          g_assert_no_error (error);
          g_assert_nonnull (doc);
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_null (doc);
        }
    }
}

static void
test_writer (void)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) out = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 bin[] = { 0, 1, 2 };

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "a");
  shoal_bencode_writer_integer (w, G_MININT64);
  shoal_bencode_writer_cstring (w, "b");
  shoal_bencode_writer_begin_list (w);
  shoal_bencode_writer_string (w, bin, sizeof bin);
  shoal_bencode_writer_cstring (w, "");
  shoal_bencode_writer_integer (w, 0);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "c");
  shoal_bencode_writer_raw (w, "de", 2);
  shoal_bencode_writer_end (w);
  out = shoal_bencode_writer_finish (w);

  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out),
                   "d1:ai-9223372036854775808e1:bl3:\0\1\0020:i0ee1:cdee", 47);

  doc = shoal_bencode_parse (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_bencode_node_get_integer (shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "a")), ==, G_MININT64);
}

static void
test_writer_node_copies_raw (void)
{
  const char *text = "d4:infod1:zi1e1:ai2eee";
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalBencode) doc = parse_str (text, &error);
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) out = NULL;

  g_assert_no_error (error);
  shoal_bencode_writer_node (w, shoal_bencode_node_dict_lookup (shoal_bencode_get_root (doc), "info"));
  out = shoal_bencode_writer_finish (w);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), "d1:zi1e1:ai2ee", 14);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/engine/bencode/", reject_cases[i].path, NULL);

      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }
  g_test_add_func ("/engine/bencode/integers", test_integers);
  g_test_add_func ("/engine/bencode/strings", test_strings);
  g_test_add_func ("/engine/bencode/containers", test_containers);
  g_test_add_func ("/engine/bencode/raw-span-as-received", test_raw_span);
  g_test_add_func ("/engine/bencode/unsorted-keys-accepted", test_unsorted_keys_accepted);
  g_test_add_func ("/engine/bencode/depth-limit", test_depth_limit);
  g_test_add_func ("/engine/bencode/value-limit", test_value_limit);
  g_test_add_func ("/engine/bencode/allow-trailing", test_allow_trailing);
  g_test_add_func ("/engine/bencode/never-reads-past-buffer", test_never_reads_past_buffer);
  g_test_add_func ("/engine/bencode/writer", test_writer);
  g_test_add_func ("/engine/bencode/writer-node-copies-raw", test_writer_node_copies_raw);

  return g_test_run ();
}
