/* shoal-magnet.c: magnet links (BEP 9, BEP 53; v2 links from BEP 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-magnet.h"

G_DEFINE_QUARK (shoal-magnet-error-quark, shoal_magnet_error)

/* RFC 3986 section 2.3: the only characters that never need escaping. */
static gboolean
is_unreserved (guchar c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/**
 * shoal_magnet_escape_value:
 * @value: a NUL-terminated string (any bytes, usually UTF-8)
 *
 * Percent-encodes @value for use as a magnet query value. Everything but
 * the RFC 3986 unreserved characters is escaped, including '&', '=', '+',
 * '%' and the reserved URL characters, so that a tracker URL with its own
 * query string survives being nested inside tr= unchanged.
 *
 * Returns: (transfer full): the escaped value
 */
char *
shoal_magnet_escape_value (const char *value)
{
  static const char digits[] = "0123456789ABCDEF";
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_string_sized_new (strlen (value) + 1);
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      if (is_unreserved (*p))
        {
          g_string_append_c (out, (char) *p);
        }
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, digits[*p >> 4]);
          g_string_append_c (out, digits[*p & 0xf]);
        }
    }
  return g_string_free (out, FALSE);
}
