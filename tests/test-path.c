/* test-path.c: sanitizing untrusted path components, making paths unique
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-metainfo.h"
#include "shoal-path.h"

static char *
sanitize (const char *s)
{
  return shoal_path_sanitize_component ((const guint8 *) s, strlen (s));
}

static void
assert_sanitized (const char *input,
                  const char *expected)
{
  g_autofree char *out = sanitize (input);

  g_assert_cmpstr (out, ==, expected);
}

static void
test_drop_empty (void)
{
  g_assert_null (shoal_path_sanitize_component ((const guint8 *) "", 0));
}

static void
test_drop_dot (void)
{
  g_assert_null (sanitize ("."));
}

static void
test_drop_dot_dot (void)
{
  g_assert_null (sanitize (".."));
  /* Only the exact components are special. */
  assert_sanitized ("..a", "..a");
  assert_sanitized (".hidden", ".hidden");
}

static void
test_replace_separators (void)
{
  assert_sanitized ("a/b", "a_b");
  assert_sanitized ("a\\b", "a_b");
  assert_sanitized ("/etc", "_etc");
  assert_sanitized ("../x", ".._x");
}

static void
test_replace_colon (void)
{
  assert_sanitized ("C:", "C_");
  assert_sanitized ("file:stream", "file_stream");
}

static void
test_replace_control (void)
{
  static const guint8 with_nul[] = { 'a', 0, 'b' };
  g_autofree char *out = shoal_path_sanitize_component (with_nul, sizeof with_nul);

  assert_sanitized ("a\tb\nc", "a_b_c");
  assert_sanitized ("\x01x\x1f", "_x_");
  assert_sanitized ("del\x7f", "del_");
  g_assert_cmpstr (out, ==, "a_b");
}

static void
test_invalid_utf8 (void)
{
  assert_sanitized ("a\xff" "b", "a_b");
  assert_sanitized ("caf\xc3", "caf_");
  assert_sanitized ("\xc3\x28", "_(");
  /* Valid multi-byte characters are kept as they are. */
  assert_sanitized ("h\xc3\xa9llo \xe2\x9c\x93", "h\xc3\xa9llo \xe2\x9c\x93");
}

static void
test_trailing_dots_and_spaces (void)
{
  assert_sanitized ("name. .", "name");
  assert_sanitized ("name   ", "name");
  assert_sanitized ("a.b.", "a.b");
  assert_sanitized ("...", "_");
  assert_sanitized ("   ", "_");
  assert_sanitized (" lead", " lead");
}

static void
test_windows_reserved (void)
{
  assert_sanitized ("CON", "_CON");
  assert_sanitized ("con", "_con");
  assert_sanitized ("Nul.txt", "_Nul.txt");
  assert_sanitized ("aux.tar.gz", "_aux.tar.gz");
  assert_sanitized ("COM1", "_COM1");
  assert_sanitized ("lpt9.log", "_lpt9.log");
  assert_sanitized ("con .txt", "_con .txt");
  /* Not device names. */
  assert_sanitized ("COM0", "COM0");
  assert_sanitized ("CONSOLE", "CONSOLE");
  assert_sanitized ("icon", "icon");
  assert_sanitized ("LPT10", "LPT10");
}

static void
test_truncate_long (void)
{
  g_autofree char *long_name = g_strnfill (300, 'a');
  g_autofree char *out = sanitize (long_name);

  g_assert_cmpuint (strlen (out), ==, SHOAL_METAINFO_MAX_COMPONENT);
  g_assert_true (g_str_has_prefix (long_name, out));
}

static void
test_truncate_utf8_boundary (void)
{
  g_autoptr(GString) input = g_string_new (NULL);
  g_autofree char *out = NULL;

  /* 200 two-byte characters: 255 falls in the middle of one. */
  for (guint i = 0; i < 200; i++)
    g_string_append (input, "\xc3\xa9");
  out = sanitize (input->str);
  g_assert_cmpuint (strlen (out), ==, 254);
  g_assert_true (g_utf8_validate (out, -1, NULL));
}

static void
test_truncate_keeps_extension (void)
{
  g_autofree char *stem = g_strnfill (300, 'b');
  g_autofree char *input = g_strconcat (stem, ".tar.gz", NULL);
  g_autofree char *out = sanitize (input);
  g_autofree char *long_ext = g_strconcat ("x.", stem, NULL);
  g_autofree char *out2 = sanitize (long_ext);

  g_assert_cmpuint (strlen (out), ==, SHOAL_METAINFO_MAX_COMPONENT);
  g_assert_true (g_str_has_suffix (out, "b.gz"));
  /* An "extension" this long is cut like the rest of the name. */
  g_assert_cmpuint (strlen (out2), ==, SHOAL_METAINFO_MAX_COMPONENT);
  g_assert_true (g_str_has_prefix (out2, "x.bbb"));
}

static void
test_truncate_then_strip (void)
{
  g_autofree char *spaces = g_strnfill (300, ' ');
  g_autofree char *input = g_strconcat ("CON", spaces, "x", NULL);
  g_autofree char *out = sanitize (input);

  /* Cut to "CON" and 252 spaces, stripped to "CON", which is reserved. */
  g_assert_cmpstr (out, ==, "_CON");
}

static GPtrArray *
paths_new (const char *first,
           ...)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (paths, g_strdup (p));
  va_end (args);
  return paths;
}

static void
assert_paths (GPtrArray  *paths,
              const char *first,
              ...)
{
  va_list args;
  guint i = 0;

  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    {
      g_assert_cmpuint (i, <, paths->len);
      g_assert_cmpstr (g_ptr_array_index (paths, i), ==, p);
      i++;
    }
  va_end (args);
  g_assert_cmpuint (i, ==, paths->len);
}

static void
test_unique_untouched (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/a", "t/b", "t/d/a", "u", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, "t/a", "t/b", "t/d/a", "u", NULL);
}

static void
test_unique_duplicates (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/x.txt", "t/y", "t/x.txt", "t/y", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, "t/x.txt", "t/y", "t/x (1).txt", "t/y (1)", NULL);
}

static void
test_unique_triple (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/x.txt", "t/x.txt", "t/x.txt", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, "t/x.txt", "t/x (1).txt", "t/x (2).txt", NULL);
}

static void
test_unique_new_name_taken (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/x.txt", "t/x (1).txt", "t/x.txt", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, "t/x.txt", "t/x (1).txt", "t/x (2).txt", NULL);
}

static void
test_unique_hidden_file (void)
{
  g_autoptr(GPtrArray) paths = paths_new (".bashrc", ".bashrc", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, ".bashrc", ".bashrc (1)", NULL);
}

static void
test_unique_file_then_dir (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/a", "t/a/b", "t/a/c", NULL);

  shoal_path_make_unique (paths);
  /* Both later files go to the same renamed directory. */
  assert_paths (paths, "t/a", "t/a (1)/b", "t/a (1)/c", NULL);
}

static void
test_unique_dir_then_file (void)
{
  g_autoptr(GPtrArray) paths = paths_new ("t/a/b", "t/a", NULL);

  shoal_path_make_unique (paths);
  assert_paths (paths, "t/a/b", "t/a (1)", NULL);
}

static void
test_unique_long_component (void)
{
  g_autofree char *stem = g_strnfill (SHOAL_METAINFO_MAX_COMPONENT - 4, 'z');
  g_autofree char *name = g_strconcat (stem, ".txt", NULL);
  g_autoptr(GPtrArray) paths = paths_new (name, name, NULL);
  const char *renamed;

  shoal_path_make_unique (paths);
  renamed = g_ptr_array_index (paths, 1);
  g_assert_cmpstr (g_ptr_array_index (paths, 0), ==, name);
  g_assert_cmpuint (strlen (renamed), ==, SHOAL_METAINFO_MAX_COMPONENT);
  g_assert_true (g_str_has_suffix (renamed, "z (1).txt"));
}

static void
test_unique_many (void)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 start;
  const guint n = 100000;

  /* Half identical names, half distinct ones. This takes a fraction of a
   * second; a quadratic search for free numbers would take minutes. The
   * bound leaves room for sanitizers and valgrind. */
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (paths, i % 2 ? g_strdup ("t/same.bin") : g_strdup_printf ("t/dir%u/f%u", i % 97, i));

  start = g_get_monotonic_time ();
  shoal_path_make_unique (paths);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);

  for (guint i = 0; i < n; i++)
    g_assert_true (g_hash_table_add (seen, g_ptr_array_index (paths, i)));
  g_assert_cmpstr (g_ptr_array_index (paths, 1), ==, "t/same.bin");
  g_assert_cmpstr (g_ptr_array_index (paths, n - 1), ==, "t/same (49999).bin");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/path/drop-empty", test_drop_empty);
  g_test_add_func ("/engine/path/drop-dot", test_drop_dot);
  g_test_add_func ("/engine/path/drop-dot-dot", test_drop_dot_dot);
  g_test_add_func ("/engine/path/replace-separators", test_replace_separators);
  g_test_add_func ("/engine/path/replace-colon", test_replace_colon);
  g_test_add_func ("/engine/path/replace-control", test_replace_control);
  g_test_add_func ("/engine/path/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/engine/path/strip-trailing-dots-and-spaces", test_trailing_dots_and_spaces);
  g_test_add_func ("/engine/path/windows-reserved", test_windows_reserved);
  g_test_add_func ("/engine/path/truncate-long", test_truncate_long);
  g_test_add_func ("/engine/path/truncate-utf8-boundary", test_truncate_utf8_boundary);
  g_test_add_func ("/engine/path/truncate-keeps-extension", test_truncate_keeps_extension);
  g_test_add_func ("/engine/path/truncate-then-strip", test_truncate_then_strip);
  g_test_add_func ("/engine/path/unique-untouched", test_unique_untouched);
  g_test_add_func ("/engine/path/unique-duplicates", test_unique_duplicates);
  g_test_add_func ("/engine/path/unique-triple", test_unique_triple);
  g_test_add_func ("/engine/path/unique-new-name-taken", test_unique_new_name_taken);
  g_test_add_func ("/engine/path/unique-hidden-file", test_unique_hidden_file);
  g_test_add_func ("/engine/path/unique-file-then-dir", test_unique_file_then_dir);
  g_test_add_func ("/engine/path/unique-dir-then-file", test_unique_dir_then_file);
  g_test_add_func ("/engine/path/unique-long-component", test_unique_long_component);
  g_test_add_func ("/engine/path/unique-many", test_unique_many);

  return g_test_run ();
}
