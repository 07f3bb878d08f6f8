/* test-feed-rules.c: episode numbers, episode filters and download rules
 * (engine/feeds/shoal-episode.c, shoal-feed-rule.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-episode.h"
#include "shoal-feed-private.h"

#define FEED "https://example.org/feed.xml"

static void
test_episode_titles (void)
{
  static const struct { const char *title; guint season, episode; } found[] = {
    { "Show.S02E05.720p.HDTV", 2, 5 },
    { "show s2e5", 2, 5 },
    { "Show - S10E123 - Title", 10, 123 },
    { "Show 2x05 [1080p]", 2, 5 },
    { "Show.1x105.x264", 1, 105 },
    { "Show S01E02E03", 1, 2 },
    { "Show.S03.E04", 3, 4 },
    { "1080p 2x05", 2, 5 },
  };
  static const char * const none[] = {
    "Show 1920x1080", "Movie (2019)", "x264 S02", "Episode 5", "DS02E05", "S02E05123456", "Show 2x5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (found); i++)
    {
      ShoalEpisode ep = { 0, 0 };

      g_test_message ("%s", found[i].title);
      g_assert_true (shoal_episode_parse_title (found[i].title, &ep));
      g_assert_cmpuint (ep.season, ==, found[i].season);
      g_assert_cmpuint (ep.episode, ==, found[i].episode);
    }
  for (guint i = 0; i < G_N_ELEMENTS (none); i++)
    {
      ShoalEpisode ep;

      g_test_message ("%s", none[i]);
      g_assert_false (shoal_episode_parse_title (none[i], &ep));
    }
}

static gboolean
filter_matches (const char *filter_text,
                guint       season,
                guint       episode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalEpisodeFilter) filter = shoal_episode_filter_parse (filter_text, &error);
  ShoalEpisode ep = { season, episode };

  g_assert_no_error (error);
  return shoal_episode_filter_matches (filter, &ep);
}

static void
test_episode_filters (void)
{
  static const char * const bad[] = {
    "", " ; ", "S02E", "E05", "S02E05-S01E01", "x05", "S02E01-S02E03-S02E04", "5", "Season 2", "1x05--",
    "-", "S02E01-E", "S99999E01",
  };

  /* closed range */
  g_assert_false (filter_matches ("S02E01-S02E10", 1, 99));
  g_assert_false (filter_matches ("S02E01-S02E10", 2, 0));
  g_assert_true (filter_matches ("S02E01-S02E10", 2, 1));
  g_assert_true (filter_matches ("S02E01-S02E10", 2, 10));
  g_assert_false (filter_matches ("S02E01-S02E10", 2, 11));
  g_assert_false (filter_matches ("S02E01-S02E10", 3, 1));
  /* end in the same season */
  g_assert_true (filter_matches ("S02E01-E10", 2, 7));
  g_assert_true (filter_matches ("s2e1-10", 2, 10));
  g_assert_false (filter_matches ("S02E01-10", 3, 5));
  /* open end */
  g_assert_false (filter_matches ("1x05-", 1, 4));
  g_assert_true (filter_matches ("1x05-", 1, 5));
  g_assert_true (filter_matches ("1x05-", 7, 1));
  /* open start */
  g_assert_true (filter_matches ("-S01E03", 0, 9));
  g_assert_true (filter_matches ("-S01E03", 1, 3));
  g_assert_false (filter_matches ("-S01E03", 1, 4));
  /* whole seasons, single episodes, lists */
  g_assert_true (filter_matches ("S03", 3, 999));
  g_assert_false (filter_matches ("S03", 4, 1));
  g_assert_true (filter_matches ("S01-S02", 2, 50));
  g_assert_false (filter_matches ("S01-S02", 3, 0));
  g_assert_true (filter_matches ("S01E05; 2x01-2x03, S04", 2, 2));
  g_assert_true (filter_matches ("S01E05; 2x01-2x03, S04", 1, 5));
  g_assert_false (filter_matches ("S01E05; 2x01-2x03, S04", 1, 6));
  g_assert_true (filter_matches ("S01E05; 2x01-2x03, S04", 4, 4));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalEpisodeFilter) filter = shoal_episode_filter_parse (bad[i], &error);

      g_test_message ("“%s”", bad[i]);
      g_assert_null (filter);
      g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE);
    }
}

/* The items a rule matches among @titles, as a string "0,2,…". */
static char *
matching (ShoalFeedRule       *rule,
          const char * const  *titles,
          const guint64       *sizes)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; titles[i] != NULL; i++)
    {
      g_autofree char *id = g_strdup_printf ("id-%u", i);
      g_autoptr(ShoalFeedItem) item = _shoal_feed_item_new (id, titles[i], "https://example.org/t.torrent",
                                                            NULL, 0, sizes ? sizes[i] : 0);

      if (shoal_feed_rule_matches (rule, FEED, item, NULL))
        g_string_append_printf (out, "%s%u", out->len ? "," : "", i);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char * const titles[] = {
  /* 0 */ "The Show S02E01 720p WEB x264",
  /* 1 */ "The Show S02E01 1080p WEB x265",
  /* 2 */ "The Show S02E05 1080p WEB x265 REPACK",
  /* 3 */ "The Show S02E11 1080p WEB x265",
  /* 4 */ "Other Show S02E03 1080p",
  /* 5 */ "the show s01e09 1080p hdtv",
  /* 6 */ "The Show Special 1080p",
  NULL
};

static void
test_rule_words (void)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("words");
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;

  g_object_set (rule, "must-contain", "the show 1080p", NULL);
  m1 = matching (rule, titles, NULL);
  g_assert_cmpstr (m1, ==, "1,2,3,5,6");
  g_object_set (rule, "must-not-contain", "repack | hdtv", NULL);
  m2 = matching (rule, titles, NULL);
  g_assert_cmpstr (m2, ==, "1,3,6");
  /* alternatives */
  g_object_set (rule, "must-contain", "720p | special", "must-not-contain", NULL, NULL);
  m3 = matching (rule, titles, NULL);
  g_assert_cmpstr (m3, ==, "0,6");
  /* disabled: nothing */
  g_object_set (rule, "enabled", FALSE, NULL);
  m4 = matching (rule, titles, NULL);
  g_assert_cmpstr (m4, ==, "");
}

static void
test_rule_regex (void)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("regex");
  g_autoptr(ShoalFeedRule) bad = shoal_feed_rule_new ("bad");
  g_autoptr(GError) error = NULL;
  g_autofree char *m1 = NULL, *m2 = NULL, *why = NULL;
  g_autoptr(ShoalFeedItem) item = _shoal_feed_item_new ("x", "The Show S02E01", "magnet:?xt=urn:btih:x", NULL, 0, 0);

  g_object_set (rule, "use-regex", TRUE, "must-contain", "^the show s02e0[1-5]\\b", NULL);
  g_assert_true (shoal_feed_rule_check (rule, NULL));
  m1 = matching (rule, titles, NULL);
  g_assert_cmpstr (m1, ==, "0,1,2");
  g_object_set (rule, "must-not-contain", "x26[4]", NULL);
  m2 = matching (rule, titles, NULL);
  g_assert_cmpstr (m2, ==, "1,2");

  g_object_set (bad, "use-regex", TRUE, "must-contain", "(unclosed", NULL);
  g_assert_false (shoal_feed_rule_check (bad, &error));
  g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE);
  g_assert_false (shoal_feed_rule_matches (bad, FEED, item, &why));
  g_assert_nonnull (strstr (why, "not a valid regular expression"));
}

static void
test_rule_size_and_feed (void)
{
  static const guint64 sizes[] = { 700000000, 0, 1500000000, 4000000000, 1000, 900000000, 2000000000 };
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("size");
  g_autoptr(ShoalFeedItem) item = _shoal_feed_item_new ("x", "The Show", "magnet:?xt=urn:btih:x", NULL, 0, 0);
  g_autofree char *m1 = NULL, *m2 = NULL;

  g_object_set (rule, "min-size", (guint64) 800000000, "max-size", (guint64) 2000000000, NULL);
  m1 = matching (rule, titles, sizes);
  g_assert_cmpstr (m1, ==, "2,5,6");   /* 1 has no size: not matched with bounds */
  g_object_set (rule, "min-size", (guint64) 3000000000, NULL);
  g_assert_false (shoal_feed_rule_check (rule, NULL));

  g_object_set (rule, "min-size", (guint64) 0, "max-size", (guint64) 0, "feed-url", "https://other.example/", NULL);
  m2 = matching (rule, titles, NULL);
  g_assert_cmpstr (m2, ==, "");
  g_object_set (rule, "feed-url", "", NULL);
  g_assert_true (shoal_feed_rule_matches (rule, FEED, item, NULL));
}

static void
test_rule_episodes (void)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("episodes");
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *why = NULL;
  g_autoptr(ShoalFeedItem) repack = _shoal_feed_item_new ("y", "The Show S02E05 720p", "magnet:?xt=urn:btih:y",
                                                          NULL, 0, 0);
  g_auto(GStrv) recorded = NULL;

  g_object_set (rule, "must-contain", "the show", "episode-filter", "S02E01-S02E10", NULL);
  m1 = matching (rule, titles, NULL);
  g_assert_cmpstr (m1, ==, "0,1,2");

  /* The smart filter: an episode already downloaded, in any release, is
   * not matched again. */
  g_object_set (rule, "smart-filter", TRUE, NULL);
  _shoal_feed_rule_add_episode (rule, "S02E05");
  m2 = matching (rule, titles, NULL);
  g_assert_cmpstr (m2, ==, "0,1");
  g_assert_false (shoal_feed_rule_matches (rule, FEED, repack, &why));
  g_assert_cmpstr (why, ==, "S02E05 was already downloaded");

  recorded = shoal_feed_rule_dup_downloaded_episodes (rule);
  g_assert_cmpuint (g_strv_length (recorded), ==, 1);
  g_assert_cmpstr (recorded[0], ==, "S02E05");

  /* The smart filter alone lets titles without an episode through. */
  g_object_set (rule, "episode-filter", NULL, NULL);
  m3 = matching (rule, titles, NULL);
  g_assert_cmpstr (m3, ==, "0,1,3,5,6");

  shoal_feed_rule_forget_episodes (rule);
  g_assert_true (shoal_feed_rule_matches (rule, FEED, repack, NULL));
}

static void
test_rule_copy (void)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("orig");
  g_autoptr(ShoalFeedRule) copy = NULL;
  g_auto(GStrv) episodes = NULL;

  g_object_set (rule, "must-contain", "a", "save-dir", "/tmp/x", "label", "TV", "add-paused", TRUE,
                "min-size", (guint64) 5, "smart-filter", TRUE, NULL);
  _shoal_feed_rule_add_episode (rule, "S01E01");
  copy = shoal_feed_rule_copy (rule);
  g_assert_cmpstr (shoal_feed_rule_get_name (copy), ==, "orig");
  g_assert_cmpstr (shoal_feed_rule_get_must_contain (copy), ==, "a");
  g_assert_cmpstr (shoal_feed_rule_get_save_dir (copy), ==, "/tmp/x");
  g_assert_cmpstr (shoal_feed_rule_get_label (copy), ==, "TV");
  g_assert_true (shoal_feed_rule_get_add_paused (copy));
  g_assert_true (shoal_feed_rule_get_smart_filter (copy));
  g_assert_cmpuint (shoal_feed_rule_get_min_size (copy), ==, 5);
  episodes = shoal_feed_rule_dup_downloaded_episodes (copy);
  g_assert_cmpstrv (episodes, ((const char *[]) { "S01E01", NULL }));
}

/* A feed's history: what was done with each item, written and read back;
 * a full history forgets its oldest entries, never grows past its bound. */
static void
test_history (void)
{
  g_autoptr(ShoalFeed) feed = _shoal_feed_new ("https://example.org/feed.xml");
  g_autoptr(ShoalFeed) again = _shoal_feed_new ("https://example.org/feed.xml");
  g_autoptr(ShoalFeed) bad = _shoal_feed_new ("https://example.org/feed.xml");
  g_autoptr(ShoalFeedItem) a = _shoal_feed_item_new ("a\tb\nc", "A", NULL, NULL, 0, 0);
  g_autoptr(ShoalFeedItem) b = _shoal_feed_item_new ("b", "B", NULL, NULL, 0, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) garbage = g_bytes_new_static ("x\t1\tid\n", 8);
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_cmpuint (strlen (shoal_feed_get_id (feed)), ==, 32);
  _shoal_feed_record (feed, a, SHOAL_FEED_ITEM_DOWNLOADED);
  _shoal_feed_record (feed, b, SHOAL_FEED_ITEM_IGNORED);
  g_assert_true (shoal_feed_item_get_read (a));
  g_assert_true (_shoal_feed_get_history_dirty (feed));
  bytes = _shoal_feed_history_to_bytes (feed);
  g_assert_false (_shoal_feed_get_history_dirty (feed));
  g_assert_true (_shoal_feed_load_history (again, bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (_shoal_feed_history_lookup (again, "a\tb\nc"), ==, SHOAL_FEED_ITEM_DOWNLOADED);
  g_assert_cmpint (_shoal_feed_history_lookup (again, "b"), ==, SHOAL_FEED_ITEM_IGNORED);
  g_assert_cmpint (_shoal_feed_history_lookup (again, "c"), ==, SHOAL_FEED_ITEM_NEW);
  g_assert_false (_shoal_feed_load_history (bad, garbage, &error));
  g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED);

  for (guint i = 0; i < SHOAL_FEED_MAX_HISTORY + 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("item-%u", i);
      g_autoptr(ShoalFeedItem) item = _shoal_feed_item_new (id, "x", NULL, NULL, 0, 0);

      _shoal_feed_record (again, item, SHOAL_FEED_ITEM_DOWNLOADED);
    }
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = _shoal_feed_history_to_bytes (again);
  g_bytes_get_data (bytes, &len);
  {
    const char *data = g_bytes_get_data (bytes, NULL);
    guint lines = 0;

    for (gsize i = 0; i < len; i++)
      lines += data[i] == '\n';
    g_assert_cmpuint (lines, <=, SHOAL_FEED_MAX_HISTORY);
    g_assert_cmpuint (lines, >=, SHOAL_FEED_MAX_HISTORY * 8 / 10);
  }
  /* the newest is kept */
  g_assert_cmpint (_shoal_feed_history_lookup (again, "item-200009"), ==, SHOAL_FEED_ITEM_DOWNLOADED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/feeds/episode/titles", test_episode_titles);
  g_test_add_func ("/engine/feeds/episode/filters", test_episode_filters);
  g_test_add_func ("/engine/feeds/rule/words", test_rule_words);
  g_test_add_func ("/engine/feeds/rule/regex", test_rule_regex);
  g_test_add_func ("/engine/feeds/rule/size-and-feed", test_rule_size_and_feed);
  g_test_add_func ("/engine/feeds/rule/episodes", test_rule_episodes);
  g_test_add_func ("/engine/feeds/rule/copy", test_rule_copy);
  g_test_add_func ("/engine/feeds/history/round-trip-and-bound", test_history);
  return g_test_run ();
}
