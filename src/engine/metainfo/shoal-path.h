/* shoal-path.h: turning untrusted file paths into safe relative paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *shoal_path_sanitize_component (const guint8 *data,
                                         gsize         len);

/* Makes every path in @paths (an array of char*, '/'-separated, already
 * sanitized) distinct from every other and from every directory prefix of
 * another, renaming later entries in place as "name (1).ext" etc. */
void      shoal_path_make_unique        (GPtrArray    *paths);

G_END_DECLS
