/* fuzz-feed.c: fuzz target for the RSS/Atom parser (engine/feeds)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whatever the bytes, the parser returns a document or an error, never
 * both; every item it makes keeps to the bounds (title length, UTF-8, a
 * torrent that is a magnet link or an http(s) URL, a hex info-hash).
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "shoal-feed-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(ShoalFeedDocument) doc = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_set_up ();
  doc = shoal_feed_parse ((const char *) data, size, &error);
  g_assert_true ((doc == NULL) != (error == NULL));
  if (doc == NULL)
    {
      g_assert_true (error->domain == SHOAL_FEED_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_cmpuint (doc->items->len, <=, SHOAL_FEED_MAX_ITEMS);
  g_assert_true (doc->title == NULL || g_utf8_validate (doc->title, -1, NULL));
  for (guint i = 0; i < doc->items->len; i++)
    {
      g_autoptr(ShoalFeedItem) item = _shoal_feed_item_new_from_entry (doc->items->pdata[i]);
      const char *url = shoal_feed_item_get_torrent_url (item);
      const char *hash = shoal_feed_item_get_info_hash (item);
      g_autofree char *episode = shoal_feed_item_dup_episode (item);

      g_assert_true (episode == NULL || g_str_has_prefix (episode, "S"));
      g_assert_nonnull (shoal_feed_item_get_id (item));
      g_assert_cmpuint (strlen (shoal_feed_item_get_title (item)), <=, SHOAL_FEED_MAX_TITLE);
      g_assert_true (g_utf8_validate (shoal_feed_item_get_title (item), -1, NULL));
      if (url != NULL)
        g_assert_true (g_ascii_strncasecmp (url, "magnet:?", 8) == 0 ||
                       g_ascii_strncasecmp (url, "http://", 7) == 0 || g_ascii_strncasecmp (url, "https://", 8) == 0);
      if (hash != NULL)
        g_assert_cmpuint (strspn (hash, "0123456789abcdef"), ==, 40);
    }
  return 0;
}
