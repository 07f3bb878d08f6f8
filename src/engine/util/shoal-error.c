/* shoal-error.c: setting a GError and failing in one call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-error.h"

/**
 * shoal_error_fail:
 * @error: (nullable): return location for a #GError
 * @domain: its domain
 * @code: its code
 * @format: printf-style format of its message
 * @...: the format's arguments
 *
 * Sets @error, as g_set_error() does, so that a check can fail in one
 * statement: `return shoal_error_fail (error, …);`.
 *
 * Returns: %FALSE, always
 */
gboolean
shoal_error_fail (GError     **error,
                  GQuark       domain,
                  gint         code,
                  const char  *format,
                  ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (domain, code, format, args));
  va_end (args);
  return FALSE;
}
