/* shoal-path.c: turning untrusted file paths into safe relative paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Paths in a .torrent come from strangers. Every component goes through
 * shoal_path_sanitize_component() so that, once joined with '/', a path can
 * never leave the save directory, never contains bytes that are not UTF-8,
 * and can be created on the filesystems people actually use (including the
 * Windows rules, since torrents are shared across systems and a download
 * directory may be on an NTFS or FAT drive).
 */
#include "config.h"

#include <string.h>

#include "shoal-metainfo.h"
#include "shoal-path.h"

/* An extension up to this many bytes survives truncation and renaming. */
#define MAX_KEPT_EXTENSION 16

static gboolean
is_replaced_byte (guint8 c)
{
  return c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':';
}

/* Appends @data to @out, turning bytes that are not valid UTF-8 and bytes
 * that are unsafe in a file name into '_'. */
static void
append_safe (GString      *out,
             const guint8 *data,
             gsize         len)
{
  gsize i = 0;

  while (i < len)
    {
      const char *end = NULL;
      gsize j;

      /* g_utf8_validate_len() stops at the first invalid sequence or nul. */
      g_utf8_validate_len ((const char *) data + i, len - i, &end);
      for (j = i; j < (gsize) ((const guint8 *) end - data); j++)
        g_string_append_c (out, is_replaced_byte (data[j]) ? '_' : (char) data[j]);
      i = j;
      if (i < len)
        {
          g_string_append_c (out, '_');
          i++;
        }
    }
}

static void
strip_trailing_dots_and_spaces (GString *s)
{
  while (s->len > 0 && (s->str[s->len - 1] == '.' || s->str[s->len - 1] == ' '))
    g_string_truncate (s, s->len - 1);
}

/* The largest length <= @max that does not cut a UTF-8 character. */
static gsize
utf8_boundary (const char *s,
               gsize       len,
               gsize       max)
{
  gsize n;

  if (len <= max)
    return len;
  n = max;
  while (n > 0 && ((guint8) s[n] & 0xc0) == 0x80)
    n--;
  return n;
}

/* Where the extension of a component starts, or @len if it has none worth
 * keeping: a leading dot (".bashrc") is not an extension, and a long one is
 * probably not an extension either. */
static gsize
extension_start (const char *s,
                 gsize       len)
{
  const char *dot = g_strrstr_len (s, len, ".");

  if (dot == NULL || dot == s || (gsize) (s + len - dot) > MAX_KEPT_EXTENSION)
    return len;
  return (gsize) (dot - s);
}

/* Shortens @s to at most @max bytes at a character boundary, keeping a short
 * extension. */
static void
truncate_component (GString *s,
                    gsize    max)
{
  gsize ext;
  gsize stem;

  if (s->len <= max)
    return;
  ext = extension_start (s->str, s->len);
  if (s->len - ext < max)
    {
      stem = utf8_boundary (s->str, ext, max - (s->len - ext));
      g_string_erase (s, stem, ext - stem);
    }
  else
    g_string_truncate (s, utf8_boundary (s->str, s->len, max));
}

static gboolean
is_windows_reserved (const char *s,
                     gsize       len)
{
  static const char * const reserved[] = { "CON", "PRN", "AUX", "NUL" };
  const char *dot = memchr (s, '.', len);
  gsize stem = dot != NULL ? (gsize) (dot - s) : len;

  /* Windows ignores trailing spaces before the extension too. */
  while (stem > 0 && s[stem - 1] == ' ')
    stem--;

  if (stem == 3)
    {
      for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
        if (g_ascii_strncasecmp (s, reserved[i], 3) == 0)
          return TRUE;
    }
  else if (stem == 4 && s[3] >= '1' && s[3] <= '9')
    return g_ascii_strncasecmp (s, "COM", 3) == 0 || g_ascii_strncasecmp (s, "LPT", 3) == 0;
  return FALSE;
}

/**
 * shoal_path_sanitize_component:
 * @data: the bytes of one path component, as found in the torrent
 * @len: their length
 *
 * Makes one path component safe to create inside the save directory. "",
 * "." and ".." are dropped; separators, ':' and control characters become
 * '_', as do bytes that are not valid UTF-8; trailing dots and spaces are
 * removed; Windows device names get a leading '_'; and the result is
 * shortened to %SHOAL_METAINFO_MAX_COMPONENT bytes, keeping a short
 * extension.
 *
 * Returns: (transfer full) (nullable): a valid UTF-8 component that is
 *   neither empty nor "." nor "..", or %NULL if the component must be dropped
 */
char *
shoal_path_sanitize_component (const guint8 *data,
                               gsize         len)
{
  g_autoptr(GString) s = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len == 0 ||
      (len == 1 && data[0] == '.') ||
      (len == 2 && data[0] == '.' && data[1] == '.'))
    return NULL;

  s = g_string_sized_new (MIN (len, SHOAL_METAINFO_MAX_COMPONENT) + 1);
  append_safe (s, data, len);
  strip_trailing_dots_and_spaces (s);
  truncate_component (s, SHOAL_METAINFO_MAX_COMPONENT);
  /* Truncation may have exposed dots or spaces at the end again. */
  strip_trailing_dots_and_spaces (s);
  if (s->len == 0)
    return g_strdup ("_");

  if (is_windows_reserved (s->str, s->len))
    {
      g_string_prepend_c (s, '_');
      truncate_component (s, SHOAL_METAINFO_MAX_COMPONENT);
      strip_trailing_dots_and_spaces (s);
    }

  g_assert (s->len > 0 && g_utf8_validate_len (s->str, s->len, NULL));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

typedef enum
{
  ENTRY_FILE = 1,
  ENTRY_DIR,
} EntryKind;

/* Builds "stem (n).ext" from @component, short enough to stay a valid
 * component. */
static char *
numbered_component (const char *component,
                    guint64     n)
{
  gsize len = strlen (component);
  gsize ext = extension_start (component, len);
  char suffix[32];
  gsize suffix_len;
  gsize stem;

  suffix_len = (gsize) g_snprintf (suffix, sizeof suffix, " (%" G_GUINT64_FORMAT ")", n);
  stem = utf8_boundary (component, ext, SHOAL_METAINFO_MAX_COMPONENT - suffix_len - (len - ext));
  return g_strdup_printf ("%.*s%s%s", (int) stem, component, suffix, component + ext);
}

/* Finds the first "name (n).ext" at @prefix that @usable accepts, starting
 * from the number last used for this name so that many duplicates of one
 * name stay linear. */
static char *
find_free_name (GHashTable *entries,
                GHashTable *counters,
                const char *prefix,
                const char *component,
                gboolean    dir_ok)
{
  g_autofree char *base = g_strconcat (prefix, component, NULL);
  guint64 n = GPOINTER_TO_SIZE (g_hash_table_lookup (counters, base));

  for (;;)
    {
      g_autofree char *candidate = numbered_component (component, ++n);
      g_autofree char *full = g_strconcat (prefix, candidate, NULL);
      EntryKind kind = GPOINTER_TO_UINT (g_hash_table_lookup (entries, full));

      if (kind == 0 || (dir_ok && kind == ENTRY_DIR))
        {
          /* n stays tiny in practice; the bound keeps the cast honest. */
          if (n <= G_MAXUINT32)
            g_hash_table_replace (counters, g_steal_pointer (&base), GSIZE_TO_POINTER ((gsize) n));
          return g_steal_pointer (&candidate);
        }
    }
}

/**
 * shoal_path_make_unique:
 * @paths: (element-type utf8): '/'-separated relative paths, already made of
 *   sanitized components
 *
 * Makes every path distinct from every other, and from every directory
 * another path needs, so that each one can be created as a regular file.
 * The earlier entry always keeps its name; a later duplicate gets
 * "name (1).ext", and a later path that needs a directory where an earlier
 * file is gets a renamed directory ("dir (1)/…"), shared by all later paths
 * that went through the same directory. Entries are replaced in place.
 */
void
shoal_path_make_unique (GPtrArray *paths)
{
  g_autoptr(GHashTable) entries = NULL;
  g_autoptr(GHashTable) counters = NULL;
  g_autoptr(GHashTable) renamed_dirs = NULL;

  g_return_if_fail (paths != NULL);

  /* path -> EntryKind of everything claimed so far */
  entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* "prefix/name" -> last number used to rename it */
  counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* directory that clashed with a file -> the directory used instead */
  renamed_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < paths->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (paths, i), "/", -1);
      g_autoptr(GString) out = g_string_new (NULL);
      guint n_parts = g_strv_length (parts);
      EntryKind kind;

      for (guint j = 0; j + 1 < n_parts; j++)
        {
          gsize before = out->len;
          const char *renamed;

          g_string_append (out, parts[j]);
          renamed = g_hash_table_lookup (renamed_dirs, out->str);
          if (renamed != NULL)
            {
              g_string_assign (out, renamed);
            }
          else
            {
              kind = GPOINTER_TO_UINT (g_hash_table_lookup (entries, out->str));
              if (kind == ENTRY_FILE)
                {
                  g_autofree char *original = g_strdup (out->str);
                  g_autofree char *prefix = g_strndup (out->str, before);
                  g_autofree char *name = find_free_name (entries, counters, prefix, parts[j], TRUE);

                  g_string_truncate (out, before);
                  g_string_append (out, name);
                  g_hash_table_insert (renamed_dirs, g_steal_pointer (&original), g_strdup (out->str));
                }
            }
          if (!g_hash_table_contains (entries, out->str))
            g_hash_table_insert (entries, g_strdup (out->str), GUINT_TO_POINTER (ENTRY_DIR));
          g_string_append_c (out, '/');
        }

      if (n_parts > 0)
        {
          g_string_append (out, parts[n_parts - 1]);
          if (g_hash_table_contains (entries, out->str))
            {
              g_autofree char *prefix = g_strndup (out->str, out->len - strlen (parts[n_parts - 1]));
              g_autofree char *name = find_free_name (entries, counters, prefix, parts[n_parts - 1], FALSE);

              g_string_assign (out, prefix);
              g_string_append (out, name);
            }
        }
      g_hash_table_insert (entries, g_strdup (out->str), GUINT_TO_POINTER (ENTRY_FILE));

      g_free (g_ptr_array_index (paths, i));
      g_ptr_array_index (paths, i) = g_string_free (g_steal_pointer (&out), FALSE);
    }
}
