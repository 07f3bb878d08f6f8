/* test-feed-parser.c: RSS 2.0, RSS 1.0 and Atom documents into items
 * (engine/feeds/shoal-feed-parser.c), and what is refused
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-feed-private.h"

#define HASH_A "0123456789abcdef0123456789abcdef01234567"

static ShoalFeedDocument *
parse_ok (const char *xml)
{
  g_autoptr(GError) error = NULL;
  ShoalFeedDocument *doc = shoal_feed_parse (xml, strlen (xml), &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  return doc;
}

static ShoalFeedItem *
item (ShoalFeedDocument *doc,
      guint              i)
{
  ShoalFeedItem *it;

  g_assert_cmpuint (i, <, doc->items->len);
  it = _shoal_feed_item_new_from_entry (doc->items->pdata[i]);
  g_test_queue_unref (it);
  return it;
}

static void
test_rss2_enclosures (void)
{
  const char *xml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"><channel><title>Weekly ISOs</title><ttl>90</ttl>\n"
    "<item><title>Distro 1.0 amd64</title><link>https://example.org/news/1</link>\n"
    "  <guid isPermaLink=\"false\">distro-1.0</guid>\n"
    "  <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>\n"
    "  <enclosure url=\"https://example.org/d-1.0.torrent\" length=\"1234567\" type=\"application/x-bittorrent\"/>\n"
    "</item>\n"
    "<item><title><![CDATA[Podcast & <b>episode</b>]]></title>\n"
    "  <enclosure url=\"https://example.org/ep.mp3\" length=\"99\" type=\"audio/mpeg\"/>\n"
    "  <enclosure url=\"https://example.org/ep.mp3.torrent\" length=\"5\" type=\"application/x-bittorrent\"/>\n"
    "  <pubDate>Wed, 11 Jun 2003 06:30:00 +0200</pubDate>\n"
    "</item>\n"
    "<item><title>Only audio</title><guid>audio-only</guid>\n"
    "  <enclosure url=\"https://example.org/a.mp3\" type=\"audio/mpeg\"/></item>\n"
    "</channel></rss>\n";
  g_autoptr(ShoalFeedDocument) doc = parse_ok (xml);

  g_assert_cmpstr (doc->title, ==, "Weekly ISOs");
  g_assert_cmpuint (doc->ttl_seconds, ==, 90 * 60);
  g_assert_cmpuint (doc->items->len, ==, 3);

  g_assert_cmpstr (shoal_feed_item_get_id (item (doc, 0)), ==, "distro-1.0");
  g_assert_cmpstr (shoal_feed_item_get_title (item (doc, 0)), ==, "Distro 1.0 amd64");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 0)), ==, "https://example.org/d-1.0.torrent");
  g_assert_cmpuint (shoal_feed_item_get_size (item (doc, 0)), ==, 1234567);
  g_assert_cmpint (shoal_feed_item_get_pub_date (item (doc, 0)), ==, 1055217600);

  /* CDATA is text; the torrent enclosure wins over the audio one. */
  g_assert_cmpstr (shoal_feed_item_get_title (item (doc, 1)), ==, "Podcast & <b>episode</b>");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 1)), ==, "https://example.org/ep.mp3.torrent");
  g_assert_cmpuint (shoal_feed_item_get_size (item (doc, 1)), ==, 5);
  g_assert_cmpint (shoal_feed_item_get_pub_date (item (doc, 1)), ==, 1055217600 + 24 * 3600 + 30 * 60);  /* 04:30 UTC */

  /* Without a torrent, the item is listed but names none. */
  g_assert_null (shoal_feed_item_get_torrent_url (item (doc, 2)));
}

static void
test_atom_links (void)
{
  const char *xml =
    "<?xml version=\"1.0\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"text\">Atom releases</title>\n"
    "<entry><title>Release 2</title><id>urn:uuid:2</id>\n"
    "  <updated>2024-03-01T10:00:00Z</updated><published>2024-02-29T09:00:00+01:00</published>\n"
    "  <link rel=\"alternate\" href=\"https://example.org/r2\"/>\n"
    "  <link rel=\"enclosure\" type=\"application/x-bittorrent\" href=\"https://example.org/r2.torrent\" length=\"777\"/>\n"
    "</entry>\n"
    "<entry><title>Release 1</title><id>urn:uuid:1</id><updated>2024-01-01T00:00:00Z</updated>\n"
    "  <link href=\"https://example.org/files/r1.torrent\"/></entry>\n"
    "<entry><title>Page only</title><id>urn:uuid:0</id><link href=\"https://example.org/page\"/></entry>\n"
    "</feed>";
  g_autoptr(ShoalFeedDocument) doc = parse_ok (xml);

  g_assert_cmpstr (doc->title, ==, "Atom releases");
  g_assert_cmpuint (doc->items->len, ==, 3);
  g_assert_cmpstr (shoal_feed_item_get_id (item (doc, 0)), ==, "urn:uuid:2");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 0)), ==, "https://example.org/r2.torrent");
  g_assert_cmpuint (shoal_feed_item_get_size (item (doc, 0)), ==, 777);
  g_assert_cmpint (shoal_feed_item_get_pub_date (item (doc, 0)), ==, 1709193600);  /* published wins */
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 1)), ==, "https://example.org/files/r1.torrent");
  /* An Atom page link is not a torrent. */
  g_assert_null (shoal_feed_item_get_torrent_url (item (doc, 2)));
}

static void
test_magnets (void)
{
  const char *xml =
    "<rss version=\"2.0\"><channel><title>Magnets</title>"
    "<item><title>In link</title><link>magnet:?xt=urn:btih:" HASH_A "&amp;dn=a</link></item>"
    "<item><title>In guid</title><guid>magnet:?xt=urn:btih:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU&amp;dn=b</guid></item>"
    "<item><title>In description</title><guid>d</guid>"
    "<description>&lt;a href=\"magnet:?xt=urn:btih:" HASH_A "&amp;amp;dn=c\"&gt;get&lt;/a&gt;</description></item>"
    "<item><title>Enclosure</title><guid>e</guid>"
    "<enclosure url=\"magnet:?xt=urn:btih:" HASH_A "\" type=\"application/octet-stream\"/></item>"
    "</channel></rss>";
  g_autoptr(ShoalFeedDocument) doc = parse_ok (xml);

  g_assert_cmpuint (doc->items->len, ==, 4);
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 0)), ==, "magnet:?xt=urn:btih:" HASH_A "&dn=a");
  g_assert_cmpstr (shoal_feed_item_get_info_hash (item (doc, 0)), ==, HASH_A);
  /* base32 hashes come out as hex */
  g_assert_cmpstr (shoal_feed_item_get_info_hash (item (doc, 1)), ==, "0102030405060708090a0b0c0d0e0f1011121314");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 2)), ==, "magnet:?xt=urn:btih:" HASH_A "&dn=c");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 3)), ==, "magnet:?xt=urn:btih:" HASH_A);
}

static void
test_torrent_namespace (void)
{
  const char *xml =
    "<rss version=\"2.0\" xmlns:torrent=\"http://xmlns.ezrss.it/0.1/\" xmlns:nyaa=\"https://nyaa.si/xmlns/nyaa\">"
    "<channel><title>Tracker</title>"
    "<item><title>Show S01E02 720p</title><link>https://tracker.example/view/1</link>"
    "<torrent:magnetURI><![CDATA[magnet:?xt=urn:btih:" HASH_A "&dn=show]]></torrent:magnetURI>"
    "<torrent:contentLength>2000000</torrent:contentLength></item>"
    "<item><title>Anime 03</title><guid>https://nyaa.example/view/3</guid>"
    "<nyaa:infoHash>ABCDEF0123456789ABCDEF0123456789ABCDEF01</nyaa:infoHash><nyaa:size>1.5 GiB</nyaa:size></item>"
    "<item><title>Hash only</title><guid>h</guid><torrent:infoHash>" HASH_A "</torrent:infoHash></item>"
    "</channel></rss>";
  g_autoptr(ShoalFeedDocument) doc = parse_ok (xml);

  g_assert_cmpuint (doc->items->len, ==, 3);
  /* magnetURI wins over the RSS link (a web page) */
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 0)), ==, "magnet:?xt=urn:btih:" HASH_A "&dn=show");
  g_assert_cmpuint (shoal_feed_item_get_size (item (doc, 0)), ==, 2000000);
  g_assert_cmpstr (shoal_feed_item_get_info_hash (item (doc, 1)), ==, "abcdef0123456789abcdef0123456789abcdef01");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 1)), ==,
                   "magnet:?xt=urn:btih:abcdef0123456789abcdef0123456789abcdef01&dn=Anime%2003");
  g_assert_cmpuint (shoal_feed_item_get_size (item (doc, 1)), ==, (guint64) (1.5 * 1024 * 1024 * 1024));
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 2)), ==,
                   "magnet:?xt=urn:btih:" HASH_A "&dn=Hash%20only");
}

static void
test_rss1_rdf (void)
{
  const char *xml =
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\""
    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">"
    "<channel rdf:about=\"https://example.org/\"><title>RDF feed</title>"
    "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>"
    "<item rdf:about=\"https://example.org/x.torrent\"><title>X</title><link>https://example.org/x.torrent</link>"
    "<dc:date>2020-05-06T07:08:09Z</dc:date></item>"
    "</rdf:RDF>";
  g_autoptr(ShoalFeedDocument) doc = parse_ok (xml);

  g_assert_cmpstr (doc->title, ==, "RDF feed");
  g_assert_cmpuint (doc->ttl_seconds, ==, 1800);
  g_assert_cmpuint (doc->items->len, ==, 1);
  g_assert_cmpstr (shoal_feed_item_get_id (item (doc, 0)), ==, "https://example.org/x.torrent");
  g_assert_cmpstr (shoal_feed_item_get_torrent_url (item (doc, 0)), ==, "https://example.org/x.torrent");
  g_assert_cmpint (shoal_feed_item_get_pub_date (item (doc, 0)), ==, 1588748889);
}

static void
assert_refused (const char *xml,
                gsize       len,
                int         code,
                const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalFeedDocument) doc = shoal_feed_parse (xml, len, &error);

  g_assert_null (doc);
  g_assert_error (error, SHOAL_FEED_ERROR, code);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_refused (void)
{
  const char *html = "<!DOCTYPE html>\n<html><head><title>Login</title><body><p>Please log in<br></body></html>";
  const char *xhtml = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>";
  const char *malformed = "<rss version=\"2.0\"><channel><title>Broken</title><item><title>x</item></channel></rss>";
  const char *other = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                       "<rss><channel><title>&b;</title></channel></rss>";

  assert_refused (html, strlen (html), SHOAL_FEED_ERROR_NOT_A_FEED, "web page (HTML)");
  assert_refused (xhtml, strlen (xhtml), SHOAL_FEED_ERROR_NOT_A_FEED, "web page (HTML)");
  assert_refused (malformed, strlen (malformed), SHOAL_FEED_ERROR_MALFORMED, "not well-formed XML (line 1");
  assert_refused (other, strlen (other), SHOAL_FEED_ERROR_NOT_A_FEED, "“svg”");
  assert_refused (laughs, strlen (laughs), SHOAL_FEED_ERROR_MALFORMED, "entities");
  assert_refused ("", 0, SHOAL_FEED_ERROR_MALFORMED, "not well-formed");
}

static void
test_too_many_items (void)
{
  g_autoptr(GString) xml = g_string_new ("<rss><channel><title>Many</title>");
  g_autoptr(ShoalFeedDocument) doc = NULL;

  for (guint i = 0; i < SHOAL_FEED_MAX_ITEMS; i++)
    g_string_append_printf (xml, "<item><guid>%u</guid></item>", i);
  g_string_append (xml, "</channel></rss>");
  doc = parse_ok (xml->str);
  g_assert_cmpuint (doc->items->len, ==, SHOAL_FEED_MAX_ITEMS);

  g_string_truncate (xml, xml->len - strlen ("</channel></rss>"));
  g_string_append (xml, "<item><guid>one more</guid></item></channel></rss>");
  assert_refused (xml->str, xml->len, SHOAL_FEED_ERROR_TOO_MANY_ITEMS, "more than 100000 items");
}

static void
test_too_large (void)
{
  /* Refused by its length alone, without reading it. */
  assert_refused ("<rss/>", SHOAL_FEED_MAX_BYTES + 1, SHOAL_FEED_ERROR_TOO_LARGE, "larger than 100 MB");
}

static void
test_bounds (void)
{
  g_autoptr(GString) xml = g_string_new ("<rss><channel><item><title>");
  g_autoptr(GString) url = g_string_new ("https://example.org/");
  g_autoptr(ShoalFeedDocument) doc = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append (xml, "é");
  while (url->len <= SHOAL_FEED_MAX_URL)
    g_string_append (url, "aaaaaaaa");
  g_string_append (url, ".torrent");
  g_string_append_printf (xml, "</title><guid>g</guid><enclosure type=\"application/x-bittorrent\" url=\"%s\"/>"
                          "</item></channel></rss>", url->str);
  doc = parse_ok (xml->str);
  g_assert_cmpuint (strlen (shoal_feed_item_get_title (item (doc, 0))), <=, SHOAL_FEED_MAX_TITLE);
  g_assert_true (g_utf8_validate (shoal_feed_item_get_title (item (doc, 0)), -1, NULL));
  g_assert_null (shoal_feed_item_get_torrent_url (item (doc, 0)));
}

static void
test_dates (void)
{
  g_assert_cmpint (shoal_feed_parse_date ("Tue, 10 Jun 2003 04:00:00 GMT"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("10 Jun 2003 04:00 GMT"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("Tue, 10 Jun 03 00:00:00 EDT"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("Tue,  10  Jun 2003 05:30:00 +0130"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("2003-06-10T04:00:00Z"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("2003-06-10T06:00:00+02:00"), ==, 1055217600);
  g_assert_cmpint (shoal_feed_parse_date ("yesterday"), ==, 0);
  g_assert_cmpint (shoal_feed_parse_date ("Tue, 99 Foo 2003 04:00:00 GMT"), ==, 0);
}

/* A saved feed's own address: atom:link rel="self" first, else the
 * channel's link; neither, or not http(s): an error that says so. */
static void
test_address (void)
{
  static const struct { const char *xml; const char *want; } cases[] = {
    { "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>t</title>"
      "<link>https://example.org/</link>"
      "<atom:link href=\"https://example.org/feed.rss\" rel=\"self\" type=\"application/rss+xml\"/>"
      "</channel></rss>", "https://example.org/feed.rss" },
    { "<rss version=\"2.0\"><channel><link> http://example.org/show </link></channel></rss>",
      "http://example.org/show" },
    { "<feed xmlns=\"http://www.w3.org/2005/Atom\"><link href=\"https://example.org/\"/>"
      "<link rel=\"self\" href=\"https://example.org/atom.xml\"/></feed>", "https://example.org/atom.xml" },
    { "<rss version=\"2.0\"><channel><title>t</title></channel></rss>", NULL },
    { "<rss version=\"2.0\"><channel><link>file:///etc/passwd</link></channel></rss>", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (cases[i].xml, strlen (cases[i].xml));
      g_autoptr(GError) error = NULL;
      g_autofree char *url = shoal_feed_address_from_document (bytes, &error);

      g_assert_cmpstr (url, ==, cases[i].want);
      if (cases[i].want == NULL)
        {
          g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL);
          g_assert_nonnull (strstr (error->message, "cannot follow a file"));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/feeds/parser/rss2-enclosures", test_rss2_enclosures);
  g_test_add_func ("/engine/feeds/parser/atom-links", test_atom_links);
  g_test_add_func ("/engine/feeds/parser/magnets", test_magnets);
  g_test_add_func ("/engine/feeds/parser/torrent-namespace", test_torrent_namespace);
  g_test_add_func ("/engine/feeds/parser/rss1-rdf", test_rss1_rdf);
  g_test_add_func ("/engine/feeds/parser/refused", test_refused);
  g_test_add_func ("/engine/feeds/parser/too-many-items", test_too_many_items);
  g_test_add_func ("/engine/feeds/parser/too-large", test_too_large);
  g_test_add_func ("/engine/feeds/parser/bounds", test_bounds);
  g_test_add_func ("/engine/feeds/parser/dates", test_dates);
  g_test_add_func ("/engine/feeds/parser/address", test_address);
  return g_test_run ();
}
