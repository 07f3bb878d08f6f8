/* fuzz-magnet.c: fuzz target for the magnet link parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-hash.h"
#include "shoal-magnet.h"

static void
assert_same_hash (const guint8 *a,
                  const guint8 *b,
                  gsize         len)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a != NULL)
    g_assert_true (memcmp (a, b, len) == 0);
}

static void
assert_same_strv (const char * const *a,
                  const char * const *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (g_strv_equal ((const char **) a, (const char **) b));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* The parser takes a C string; a NUL in the input just ends it early. */
  g_autofree char *uri = g_strndup ((const char *) data, size);
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalMagnet) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out_again = NULL;
  const ShoalMagnetRange *ranges;
  const ShoalMagnetRange *ranges_again;
  guint n_ranges;
  guint n_ranges_again;

  fuzz_set_up ();
  magnet = shoal_magnet_new_from_uri (uri, &error);
  if (magnet == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == SHOAL_MAGNET_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_null (error);
  g_assert_true (shoal_magnet_get_info_hash_v1 (magnet) != NULL
                 || shoal_magnet_get_info_hash_v2 (magnet) != NULL);
  if (shoal_magnet_get_display_name (magnet) != NULL)
    g_assert_true (g_utf8_validate (shoal_magnet_get_display_name (magnet), -1, NULL));
  (void) shoal_magnet_is_file_selected (magnet, 0);

  /* Whatever parses must write out canonically and parse back the same. */
  out = shoal_magnet_to_uri (magnet);
  again = shoal_magnet_new_from_uri (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);

  assert_same_hash (shoal_magnet_get_info_hash_v1 (magnet), shoal_magnet_get_info_hash_v1 (again), SHOAL_SHA1_LEN);
  assert_same_hash (shoal_magnet_get_info_hash_v2 (magnet), shoal_magnet_get_info_hash_v2 (again), SHOAL_SHA256_LEN);
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, shoal_magnet_get_display_name (again));
  assert_same_strv (shoal_magnet_get_trackers (magnet), shoal_magnet_get_trackers (again));
  assert_same_strv (shoal_magnet_get_web_seeds (magnet), shoal_magnet_get_web_seeds (again));
  assert_same_strv (shoal_magnet_get_peers (magnet), shoal_magnet_get_peers (again));

  ranges = shoal_magnet_get_select_only (magnet, &n_ranges);
  ranges_again = shoal_magnet_get_select_only (again, &n_ranges_again);
  g_assert_true ((ranges == NULL) == (ranges_again == NULL));
  g_assert_cmpuint (n_ranges, ==, n_ranges_again);
  if (n_ranges > 0)
    g_assert_true (memcmp (ranges, ranges_again, n_ranges * sizeof *ranges) == 0);

  out_again = shoal_magnet_to_uri (again);
  g_assert_cmpstr (out, ==, out_again);
  return 0;
}
