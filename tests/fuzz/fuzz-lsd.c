/* fuzz-lsd.c: the local service discovery announce parser (BEP 14)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a datagram. An announce that parses must be bounded, and
 * formatted again from what was parsed it must parse to the same.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-lsd.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);
  ShoalLsdAnnounce announce, again;
  g_autoptr(GError) error = NULL;
  guint sent = 0;

  fuzz_set_up ();

  if (!shoal_lsd_parse_announce (copy, size, &announce, &error))
    {
      g_assert_true (error != NULL && error->domain == SHOAL_LSD_ERROR);
      return 0;
    }
  g_assert_cmpuint (size, <=, SHOAL_LSD_MAX_MESSAGE);
  g_assert_cmpuint (announce.port, !=, 0);
  g_assert_cmpuint (announce.n_hashes, >=, 1);
  g_assert_cmpuint (announce.n_hashes, <=, SHOAL_LSD_MAX_PARSED_HASHES);
  g_assert_cmpuint (strlen (announce.cookie), <=, SHOAL_LSD_MAX_COOKIE);
  for (guint i = 0; i < announce.n_hashes; i++)
    for (guint j = 0; j < i; j++)
      g_assert_true (memcmp (announce.hashes[i], announce.hashes[j], 20) != 0);

  /* Sent again, in messages of at most SHOAL_LSD_MAX_HASHES. */
  while (sent < announce.n_hashes)
    {
      guint n = MIN (announce.n_hashes - sent, SHOAL_LSD_MAX_HASHES);
      g_autoptr(GBytes) msg = shoal_lsd_format_announce ("239.192.152.143:6771", announce.port,
                                                         announce.hashes[sent], n,
                                                         announce.cookie);
      gsize len;
      const guint8 *bytes = g_bytes_get_data (msg, &len);

      g_assert_true (shoal_lsd_parse_announce (bytes, len, &again, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (again.port, ==, announce.port);
      g_assert_cmpuint (again.n_hashes, ==, n);
      g_assert_cmpmem (again.hashes, n * 20, announce.hashes[sent], n * 20);
      g_assert_cmpstr (again.cookie, ==, announce.cookie);
      sent += n;
    }
  return 0;
}
