/* fuzz-ip-filter.c: the blocklist parser (src/engine/ipfilter)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a blocklist's text. Parsed from memory and from a stream, it
 * must give the same ranges;
 * the counts must agree with each other; and every address the input's
 * bytes spell, looked up, must answer the same in both.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-ip-ranges.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ShoalIpRanges) a = NULL;
  g_autoptr(ShoalIpRanges) b = NULL;
  g_autoptr(GError) error_a = NULL;
  g_autoptr(GError) error_b = NULL;
  g_autoptr(GInputStream) in = NULL;
  ShoalIpRangesReport ra, rb;

  fuzz_set_up ();
  a = shoal_ip_ranges_parse_data (data, size, &ra, &error_a);
  in = g_memory_input_stream_new_from_data (data, (gssize) size, NULL);
  b = shoal_ip_ranges_parse_stream (in, NULL, &rb, &error_b);

  /* A gzip header makes the stream path decompress: only plain text compares. */
  if (!(size >= 2 && data[0] == 0x1f && data[1] == 0x8b))
    {
      g_assert_true ((a == NULL) == (b == NULL));
      g_assert_cmpuint (ra.n_ranges, ==, rb.n_ranges);
      g_assert_cmpuint (ra.n_malformed, ==, rb.n_malformed);
      g_assert_cmpuint (ra.n_lines, ==, rb.n_lines);
    }
  g_assert_cmpuint (ra.n_malformed + ra.n_ranges + ra.n_allowed, <=, ra.n_lines);
  g_assert_true ((ra.n_malformed > 0) == (ra.first_reason != NULL));
  if (a != NULL)
    {
      g_assert_null (error_a);
      g_assert_cmpuint (shoal_ip_ranges_get_n_ranges (a), <=, ra.n_ranges);
      for (size_t i = 0; i + 16 <= size; i += 4)
        {
          gboolean in4 = shoal_ip_ranges_contains_bytes (a, data + i, 4);
          gboolean in6 = shoal_ip_ranges_contains_bytes (a, data + i, 16);

          if (b != NULL)
            {
              g_assert_true (in4 == shoal_ip_ranges_contains_bytes (b, data + i, 4));
              g_assert_true (in6 == shoal_ip_ranges_contains_bytes (b, data + i, 16));
            }
        }
    }
  else
    g_assert_nonnull (error_a);
  shoal_ip_ranges_report_clear (&ra);
  shoal_ip_ranges_report_clear (&rb);
  return 0;
}
