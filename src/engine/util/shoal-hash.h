/* shoal-hash.h: SHA-1 / SHA-256 through GnuTLS, hex and base32
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_SHA1_LEN   20
#define SHOAL_SHA256_LEN 32

void      shoal_sha1             (const void *data,
                                  gsize       len,
                                  guint8      out[SHOAL_SHA1_LEN]);
void      shoal_sha256           (const void *data,
                                  gsize       len,
                                  guint8      out[SHOAL_SHA256_LEN]);

gchar    *shoal_hex_encode       (const guint8 *data,
                                  gsize         len);
gboolean  shoal_hex_decode       (const char   *hex,
                                  gsize         hex_len,
                                  guint8       *out,
                                  gsize         out_len);
gchar    *shoal_base32_encode    (const guint8 *data,
                                  gsize         len);
gboolean  shoal_base32_decode    (const char   *b32,
                                  gsize         b32_len,
                                  guint8       *out,
                                  gsize         out_len);

G_END_DECLS
