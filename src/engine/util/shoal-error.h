/* shoal-error.h: setting a GError and failing in one call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the engine's printf-style "set the error, return FALSE" helper that
 * parsers call at each way their input can be wrong. A file defines its
 * own short macro over it with its domain (and a message prefix, if its
 * messages share one):
 *
 *   #define fail(error, code, ...) \
 *     shoal_error_fail ((error), SHOAL_FOO_ERROR, (code), "Bad foo: " __VA_ARGS__)
 *
 * May use: GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean shoal_error_fail (GError     **error,
                           GQuark       domain,
                           gint         code,
                           const char  *format,
                           ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
