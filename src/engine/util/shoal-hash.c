/* shoal-hash.c: SHA-1 / SHA-256 through GnuTLS, hex and base32
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GnuTLS's hashes run about twice as fast as GChecksum here, which matters
 * for rechecks of large torrents.
 */
#include "config.h"

#include <gnutls/crypto.h>

#include "shoal-hash.h"

void
shoal_sha1 (const void *data,
            gsize       len,
            guint8      out[SHOAL_SHA1_LEN])
{
  int rc = gnutls_hash_fast (GNUTLS_DIG_SHA1, data, len, out);

  g_assert (rc == 0);
}

void
shoal_sha256 (const void *data,
              gsize       len,
              guint8      out[SHOAL_SHA256_LEN])
{
  int rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out);

  g_assert (rc == 0);
}

gchar *
shoal_hex_encode (const guint8 *data,
                  gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  gchar *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[len * 2] = '\0';
  return out;
}

/**
 * shoal_hex_decode:
 * @hex: hexadecimal digits, either case
 * @hex_len: how many
 * @out: (out caller-allocates): where to put the bytes
 * @out_len: how many bytes are expected; @hex_len must be twice that
 *
 * Returns: %TRUE if @hex held exactly @out_len bytes of valid hex
 */
gboolean
shoal_hex_decode (const char *hex,
                  gsize       hex_len,
                  guint8     *out,
                  gsize       out_len)
{
  if (hex_len != out_len * 2)
    return FALSE;
  for (gsize i = 0; i < out_len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

gchar *
shoal_base32_encode (const guint8 *data,
                     gsize         len)
{
  GString *out = g_string_sized_new ((len * 8 + 4) / 5 + 1);
  guint32 buffer = 0;
  guint bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, base32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, base32_alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

/**
 * shoal_base32_decode:
 * @b32: RFC 4648 base32 without padding, either case
 * @b32_len: how many characters
 * @out: (out caller-allocates): where to put the bytes
 * @out_len: how many bytes are expected
 *
 * Returns: %TRUE if @b32 encodes exactly @out_len bytes
 */
gboolean
shoal_base32_decode (const char *b32,
                     gsize       b32_len,
                     guint8     *out,
                     gsize       out_len)
{
  guint32 buffer = 0;
  guint bits = 0;
  gsize n = 0;

  if (b32_len != (out_len * 8 + 4) / 5)
    return FALSE;

  for (gsize i = 0; i < b32_len; i++)
    {
      char c = g_ascii_toupper (b32[i]);
      int v;

      if (c >= 'A' && c <= 'Z')
        v = c - 'A';
      else if (c >= '2' && c <= '7')
        v = c - '2' + 26;
      else
        return FALSE;

      buffer = (buffer << 5) | (guint32) v;
      bits += 5;
      if (bits >= 8)
        {
          if (n >= out_len)
            return FALSE;
          out[n++] = (guint8) (buffer >> (bits - 8));
          bits -= 8;
        }
    }
  return n == out_len;
}
