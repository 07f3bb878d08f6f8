/* test-feeds.c: feeds fetched from an HTTP server on 127.0.0.1, rules, and
 * the torrents they add to a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server (feed-server.c) runs in a thread of its own. The torrents the
 * rules add here are added paused (their download from a real seed is in
 * tests/interop/test-feed-download.c); what is checked is which items the
 * rules pick, where the torrents go and with what label, what each kind
 * of broken feed says, and that a restart downloads nothing again.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "feed-server.h"
#include "session-fixture.h"

typedef struct
{
  char             *tmp;
  FeedServer       *server;
  SfNode           *node;
  ShoalFeedManager *manager;
  GPtrArray        *added;     /* of ShoalTorrent, from torrent-added */
  GPtrArray        *torrents;  /* of SfTorrent, served */
  gboolean          done;
  GError           *error;
} Fixture;

static void
torrent_added_cb (ShoalFeedManager *manager,
                  ShoalFeed        *feed,
                  ShoalFeedItem    *item,
                  ShoalTorrent     *torrent,
                  Fixture          *fx)
{
  g_ptr_array_add (fx->added, g_object_ref (torrent));
}

/* A restart: what the manager queued is on disk first (a refresh task may
 * still hold it past our reference). */
static void
drop_manager (Fixture *fx)
{
  if (fx->manager != NULL)
    shoal_feed_manager_flush (fx->manager);
  g_clear_object (&fx->manager);
}

static void
new_manager (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  fx->manager = shoal_feed_manager_new (fx->node->session);
  g_signal_connect (fx->manager, "torrent-added", G_CALLBACK (torrent_added_cb), fx);
  g_assert_true (shoal_feed_manager_load (fx->manager, &error));
  g_assert_no_error (error);
}

static void
setup (Fixture       *fx,
       gconstpointer  data)
{
  fx->tmp = g_dir_make_tmp ("shoal-feeds-XXXXXX", NULL);
  fx->server = feed_server_new ();
  fx->node = sf_node_new (fx->tmp, "node");
  fx->added = g_ptr_array_new_with_free_func (g_object_unref);
  fx->torrents = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_torrent_free);
  new_manager (fx);
}

static void
teardown (Fixture       *fx,
          gconstpointer  data)
{
  drop_manager (fx);
  g_clear_pointer (&fx->added, g_ptr_array_unref);
  sf_node_free (fx->node);
  feed_server_free (fx->server);
  g_clear_pointer (&fx->torrents, g_ptr_array_unref);
  g_clear_error (&fx->error);
  sf_rm_rf (fx->tmp);
  g_free (fx->tmp);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fx = user_data;

  g_clear_error (&fx->error);
  shoal_feed_manager_refresh_finish (SHOAL_FEED_MANAGER (source), result, &fx->error);
  fx->done = TRUE;
}

/* Refreshes @feed (NULL: all) and waits; FALSE if it timed out. */
static gboolean
refresh (Fixture   *fx,
         ShoalFeed *feed)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick = g_timeout_add (50, sf_wake_cb, NULL);

  fx->done = FALSE;
  shoal_feed_manager_refresh_async (fx->manager, feed, NULL, refreshed_cb, fx);
  while (!fx->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return fx->done;
}

/* Serves a generated torrent at /PATH and returns it. */
static SfTorrent *
serve_torrent (Fixture    *fx,
               const char *path,
               const char *name,
               guint32     seed)
{
  const guint64 lengths[] = { 40000 };
  SfTorrent *t = sf_torrent_new (name, lengths, 1, 16384, seed);

  feed_server_set (fx->server, path, 200, "application/x-bittorrent", shoal_metainfo_get_bytes (t->info), 0);
  g_ptr_array_add (fx->torrents, t);
  return t;
}

static GBytes *
bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static ShoalFeed *
subscribe (Fixture    *fx,
           const char *path)
{
  g_autofree char *url = feed_server_url (fx->server, path);
  g_autoptr(GError) error = NULL;
  ShoalFeed *feed = shoal_feed_manager_add_feed (fx->manager, url, &error);

  g_assert_no_error (error);
  g_assert_nonnull (feed);
  return feed;
}

static ShoalFeedItem *
item_titled (ShoalFeed  *feed,
             const char *title)
{
  GListModel *items = shoal_feed_get_items (feed);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(ShoalFeedItem) item = g_list_model_get_item (items, i);

      if (g_strcmp0 (shoal_feed_item_get_title (item), title) == 0)
        return item;
    }
  g_error ("no item “%s”", title);
  return NULL;
}

static gboolean
added_has (Fixture   *fx,
           SfTorrent *t)
{
  for (guint i = 0; i < fx->added->len; i++)
    if (memcmp (shoal_torrent_get_info_hash (fx->added->pdata[i]),
                shoal_metainfo_get_info_hash_v1 (t->info), 20) == 0)
      return TRUE;
  return FALSE;
}

/* An RSS 2.0 feed of a series, with .torrent enclosures: the rule takes
 * S01E01-S01E03 in 1080p, never 720p, each episode once; the torrents go
 * to the rule's folder, paused, with its label. One enclosure is a 404. */
static void
test_rss_enclosures (Fixture       *fx,
                     gconstpointer  data)
{
  static const char *titles[] = {
    "Show S01E01 1080p", "Show S01E01 720p", "Show S01E02 1080p", "Show S01E02 1080p PROPER",
    "Show S01E03 1080p", "Show S01E04 1080p", "Other S01E01 1080p",
  };
  g_autoptr(GString) xml = g_string_new ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Series</title>");
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("show");
  g_autoptr(GListModel) preview = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *tv = g_build_filename (fx->tmp, "tv", NULL);
  SfTorrent *served[G_N_ELEMENTS (titles)];
  ShoalFeed *feed;
  ShoalFeedItem *missing;

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autofree char *path = g_strdup_printf ("/t/%u.torrent", i);
      g_autofree char *url = NULL;

      served[i] = serve_torrent (fx, path, titles[i], 100 + i);
      url = feed_server_url (fx->server, i == 4 ? "/t/missing.torrent" : path);
      g_string_append_printf (xml, "<item><title>%s</title><guid>g%u</guid>"
                              "<enclosure url=\"%s\" length=\"40000\" type=\"application/x-bittorrent\"/></item>",
                              titles[i], i, url);
    }
  g_string_append (xml, "</channel></rss>");
  body = g_string_free_to_bytes (g_steal_pointer (&xml));
  feed_server_set (fx->server, "/series.xml", 200, "application/rss+xml", body, 0);
  feed = subscribe (fx, "/series.xml");

  /* First a refresh without rules: items, nothing added. */
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpstr (shoal_feed_get_title (feed), ==, "Series");
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (feed)), ==, G_N_ELEMENTS (titles));
  g_assert_cmpuint (shoal_feed_get_n_unread (feed), ==, G_N_ELEMENTS (titles));
  g_assert_cmpuint (fx->added->len, ==, 0);

  g_object_set (rule, "must-contain", "show 1080p", "must-not-contain", "720p", "episode-filter", "S01E01-S01E03",
                "smart-filter", TRUE, "save-dir", tv, "label", "TV", "add-paused", TRUE, NULL);

  /* The preview: what the rule would take now. */
  preview = shoal_feed_manager_preview_rule (fx->manager, rule);
  g_assert_cmpuint (g_list_model_get_n_items (preview), ==, 3);
  {
    g_autoptr(ShoalFeedItem) a = g_list_model_get_item (preview, 0);
    g_autoptr(ShoalFeedItem) b = g_list_model_get_item (preview, 1);
    g_autoptr(ShoalFeedItem) c = g_list_model_get_item (preview, 2);

    g_assert_cmpstr (shoal_feed_item_get_title (a), ==, "Show S01E01 1080p");
    g_assert_cmpstr (shoal_feed_item_get_title (b), ==, "Show S01E02 1080p");
    g_assert_cmpstr (shoal_feed_item_get_title (c), ==, "Show S01E03 1080p");
  }

  g_assert_true (shoal_feed_manager_add_rule (fx->manager, rule, &error));
  g_assert_no_error (error);
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);

  /* S01E01 and S01E02 (not the PROPER: the same episode); S01E03's
   * enclosure is a 404. */
  g_assert_cmpuint (fx->added->len, ==, 2);
  g_assert_true (added_has (fx, served[0]));
  g_assert_true (added_has (fx, served[2]));
  for (guint i = 0; i < fx->added->len; i++)
    {
      ShoalTorrent *t = fx->added->pdata[i];

      g_assert_cmpstr (shoal_torrent_get_save_dir (t), ==, tv);
      g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { "TV", NULL }));
      /* added paused: it checks what is on disk, then stays paused */
      SF_WAIT (shoal_torrent_get_state (t) == SHOAL_TORRENT_STATE_PAUSED, 10);
    }
  g_assert_cmpint (shoal_feed_item_get_state (item_titled (feed, "Show S01E01 1080p")), ==, SHOAL_FEED_ITEM_DOWNLOADED);
  g_assert_cmpint (shoal_feed_item_get_state (item_titled (feed, "Show S01E02 1080p PROPER")), ==, SHOAL_FEED_ITEM_NEW);
  missing = item_titled (feed, "Show S01E03 1080p");
  g_assert_cmpint (shoal_feed_item_get_state (missing), ==, SHOAL_FEED_ITEM_FAILED);
  g_assert_nonnull (strstr (shoal_feed_item_get_error (missing), "404"));
  g_assert_cmpuint (feed_server_hits (fx->server, "/t/1.torrent"), ==, 0);

  /* The 404 is tried again at the next refresh; now it is there. */
  serve_torrent (fx, "/t/missing.torrent", "Show S01E03 1080p", 104);
  g_assert_true (refresh (fx, feed));
  g_assert_cmpuint (fx->added->len, ==, 3);
  g_assert_cmpint (shoal_feed_item_get_state (missing), ==, SHOAL_FEED_ITEM_DOWNLOADED);

  /* A restart: the session restores the torrents with their labels, the
   * manager its feed, rule and history; a refresh adds nothing. */
  drop_manager (fx);
  g_ptr_array_set_size (fx->added, 0);
  sf_node_restart (fx->node);
  new_manager (fx);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (fx->node->session)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (shoal_session_get_torrents (fx->node->session), i);

      g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { "TV", NULL }));
    }
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_manager_get_rules (fx->manager)), ==, 1);
  feed = g_list_model_get_item (shoal_feed_manager_get_feeds (fx->manager), 0);
  g_object_unref (feed);
  g_assert_true (refresh (fx, NULL));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (fx->added->len, ==, 0);
  g_assert_cmpint (shoal_feed_item_get_state (item_titled (feed, "Show S01E02 1080p")), ==, SHOAL_FEED_ITEM_DOWNLOADED);
  /* only the three downloaded were read; the others are still unread */
  g_assert_cmpuint (shoal_feed_get_n_unread (feed), ==, G_N_ELEMENTS (titles) - 3);
}

/* Atom with links, served gzip-compressed behind a redirect; a regex rule
 * for every feed. */
static void
test_atom_gzip_redirect (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("regex");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *u1 = feed_server_url (fx->server, "/a/linux-6.1.torrent");
  g_autofree char *u2 = feed_server_url (fx->server, "/a/linux-6.2-rc1.torrent");
  g_autofree char *target = feed_server_url (fx->server, "/atom.xml");
  g_autofree char *xml = g_strdup_printf (
    "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Kernels</title>"
    "<entry><title>linux 6.1</title><id>k61</id><updated>2023-01-01T00:00:00Z</updated>"
    "<link rel=\"enclosure\" type=\"application/x-bittorrent\" href=\"%s\"/></entry>"
    "<entry><title>linux 6.2-rc1</title><id>k62</id><updated>2023-02-01T00:00:00Z</updated>"
    "<link href=\"%s\"/></entry></feed>", u1, u2);
  SfTorrent *stable = serve_torrent (fx, "/a/linux-6.1.torrent", "linux-6.1", 7);
  ShoalFeed *feed;

  serve_torrent (fx, "/a/linux-6.2-rc1.torrent", "linux-6.2-rc1", 8);
  body = bytes (xml);
  feed_server_set (fx->server, "/atom.xml", 200, "application/atom+xml", body, FEED_ROUTE_GZIP);
  feed_server_set_redirect (fx->server, "/old-atom", target);
  feed = subscribe (fx, "/old-atom");

  g_object_set (rule, "use-regex", TRUE, "must-contain", "^linux \\d+\\.\\d+$", "add-paused", TRUE, NULL);
  g_assert_true (shoal_feed_manager_add_rule (fx->manager, rule, &error));
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (feed_server_hits (fx->server, "/old-atom"), ==, 1);
  g_assert_cmpuint (feed_server_hits (fx->server, "/atom.xml"), ==, 1);
  g_assert_cmpstr (shoal_feed_get_title (feed), ==, "Kernels");
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (feed)), ==, 2);
  g_assert_cmpuint (fx->added->len, ==, 1);
  g_assert_true (added_has (fx, stable));
  /* no rule folder: the session's download directory */
  g_assert_cmpstr (shoal_torrent_get_save_dir (fx->added->pdata[0]), ==, fx->node->data_dir);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_torrent_get_labels (fx->added->pdata[0])), ==, 0);
}

/* Magnet links (in link, in an enclosure) and a tracker's torrent
 * namespace (magnetURI, nyaa:infoHash): magnets added with the label. */
static void
test_magnets_and_namespace (Fixture       *fx,
                            gconstpointer  data)
{
  const char *magnets =
    "<rss version=\"2.0\"><channel><title>Magnets</title>"
    "<item><title>Alpha 1</title><link>magnet:?xt=urn:btih:1111111111111111111111111111111111111111&amp;dn=alpha1</link></item>"
    "<item><title>Alpha 2</title><guid>a2</guid>"
    "<enclosure url=\"magnet:?xt=urn:btih:2222222222222222222222222222222222222222\" type=\"application/x-bittorrent\"/></item>"
    "<item><title>Beta 1</title><link>magnet:?xt=urn:btih:3333333333333333333333333333333333333333</link></item>"
    "</channel></rss>";
  const char *ns =
    "<rss version=\"2.0\" xmlns:torrent=\"http://xmlns.ezrss.it/0.1/\" xmlns:nyaa=\"https://nyaa.si/xmlns/nyaa\">"
    "<channel><title>Tracker</title>"
    "<item><title>Alpha 3</title><link>https://tracker.example/view/3</link>"
    "<torrent:magnetURI>magnet:?xt=urn:btih:4444444444444444444444444444444444444444</torrent:magnetURI>"
    "<torrent:contentLength>5000</torrent:contentLength></item>"
    "<item><title>Alpha 4</title><guid>https://tracker.example/view/4</guid>"
    "<nyaa:infoHash>5555555555555555555555555555555555555555</nyaa:infoHash><nyaa:size>2 MiB</nyaa:size></item>"
    "</channel></rss>";
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new ("alpha");
  g_autoptr(GBytes) b1 = bytes (magnets);
  g_autoptr(GBytes) b2 = bytes (ns);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) hashes = g_hash_table_new (g_str_hash, g_str_equal);

  feed_server_set (fx->server, "/magnets.xml", 200, "application/rss+xml", b1, 0);
  feed_server_set (fx->server, "/ns.xml", 200, "application/xml", b2, 0);
  subscribe (fx, "/magnets.xml");
  subscribe (fx, "/ns.xml");
  g_object_set (rule, "must-contain", "alpha", "label", "Alpha", "add-paused", TRUE, NULL);
  g_assert_true (shoal_feed_manager_add_rule (fx->manager, rule, &error));
  g_assert_true (refresh (fx, NULL));
  g_assert_no_error (fx->error);

  g_assert_cmpuint (fx->added->len, ==, 4);
  for (guint i = 0; i < fx->added->len; i++)
    {
      ShoalTorrent *t = fx->added->pdata[i];

      g_hash_table_add (hashes, (gpointer) shoal_torrent_get_info_hash_hex (t));
      g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { "Alpha", NULL }));
    }
  g_assert_true (g_hash_table_contains (hashes, "1111111111111111111111111111111111111111"));
  g_assert_true (g_hash_table_contains (hashes, "2222222222222222222222222222222222222222"));
  g_assert_true (g_hash_table_contains (hashes, "4444444444444444444444444444444444444444"));
  g_assert_true (g_hash_table_contains (hashes, "5555555555555555555555555555555555555555"));

  /* A restart while their metadata is still missing (no peer has it):
   * the magnets come back with the rule's label. */
  drop_manager (fx);
  g_ptr_array_set_size (fx->added, 0);
  g_hash_table_remove_all (hashes);
  sf_node_restart (fx->node);
  new_manager (fx);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_torrents (fx->node->session)), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (shoal_session_get_torrents (fx->node->session), i);

      g_assert_null (shoal_torrent_get_metainfo (t));
      g_assert_cmpstrv (shoal_torrent_get_labels (t), ((const char *[]) { "Alpha", NULL }));
    }
}

/* A conditional request: the second fetch sends the ETag and gets a 304;
 * the items stay. */
static void
test_etag_304 (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GBytes) body = bytes ("<rss><channel><title>Cached</title><item><guid>1</guid><title>one</title></item>"
                                  "</channel></rss>");
  ShoalFeed *feed;

  feed_server_set (fx->server, "/etag.xml", 200, "application/rss+xml", body, FEED_ROUTE_ETAG);
  feed = subscribe (fx, "/etag.xml");
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 0);
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_true (refresh (fx, feed));
  g_assert_cmpuint (feed_server_hits (fx->server, "/etag.xml"), ==, 3);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (feed)), ==, 1);
  g_assert_null (shoal_feed_get_error (feed));
  g_assert_cmpint (shoal_feed_get_last_update (feed), >, 0);
}

/* The validators are saved with the feed: the first fetch after a restart
 * is conditional and gets a 304; a changed feed is fetched whole again. */
static void
test_etag_304_restart (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(GBytes) body = bytes ("<rss><channel><title>Cached</title><item><guid>1</guid><title>one</title></item>"
                                  "</channel></rss>");
  g_autoptr(GBytes) changed = bytes ("<rss><channel><title>Cached</title><item><guid>2</guid><title>two</title></item>"
                                     "</channel></rss>");
  ShoalFeed *feed;

  feed_server_set (fx->server, "/etag.xml", 200, "application/rss+xml", body, FEED_ROUTE_ETAG);
  feed = subscribe (fx, "/etag.xml");
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 0);

  drop_manager (fx);
  sf_node_restart (fx->node);
  new_manager (fx);
  feed = g_list_model_get_item (shoal_feed_manager_get_feeds (fx->manager), 0);
  g_object_unref (feed);
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (feed_server_hits (fx->server, "/etag.xml"), ==, 2);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 1);
  g_assert_null (shoal_feed_get_error (feed));
  /* its items come from the copy saved with the 200 */
  g_assert_nonnull (shoal_feed_find_item (feed, "1"));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (feed)), ==, 1);

  /* (a new route: the server's counts start again) */
  feed_server_set (fx->server, "/etag.xml", 200, "application/rss+xml", changed, FEED_ROUTE_ETAG);
  g_assert_true (refresh (fx, feed));
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 0);
  g_assert_nonnull (shoal_feed_find_item (feed, "2"));

  /* the new ETag is the one saved */
  drop_manager (fx);
  new_manager (fx);
  feed = g_list_model_get_item (shoal_feed_manager_get_feeds (fx->manager), 0);
  g_object_unref (feed);
  g_assert_true (refresh (fx, feed));
  g_assert_cmpuint (feed_server_hits (fx->server, "/etag.xml"), ==, 2);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 1);
  g_assert_nonnull (shoal_feed_find_item (feed, "2"));
  g_assert_null (shoal_feed_find_item (feed, "1"));

  /* Without its copy, a 304 after a restart fetches the feed whole. */
  {
    g_autofree char *name = g_strconcat (shoal_feed_get_id (feed), ".feed", NULL);
    g_autofree char *cmd = g_strdup_printf ("find %s -name %s -delete -print", fx->tmp, name);
    g_autofree char *out = NULL;

    drop_manager (fx);
    g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL));
    g_assert_nonnull (strstr (out, name));
  }
  new_manager (fx);
  feed = g_list_model_get_item (shoal_feed_manager_get_feeds (fx->manager), 0);
  g_object_unref (feed);
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (feed_server_hits (fx->server, "/etag.xml"), ==, 4);
  g_assert_cmpuint (feed_server_not_modified (fx->server, "/etag.xml"), ==, 2);
  g_assert_nonnull (shoal_feed_find_item (feed, "2"));
}

static void
assert_feed_error (Fixture    *fx,
                   const char *path,
                   int         code,
                   const char *words)
{
  ShoalFeed *feed = subscribe (fx, path);

  g_assert_true (refresh (fx, feed));
  g_assert_error (fx->error, SHOAL_FEED_ERROR, code);
  g_assert_nonnull (shoal_feed_get_error (feed));
  g_assert_error ((GError *) shoal_feed_get_error (feed), SHOAL_FEED_ERROR, code);
  g_test_message ("%s: %s", path, shoal_feed_get_error (feed)->message);
  g_assert_nonnull (strstr (shoal_feed_get_error (feed)->message, words));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_get_items (feed)), ==, 0);
}

/* Each broken feed fails with an error that says what is wrong; errors
 * back off the next refresh. */
static void
test_broken_feeds (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GBytes) malformed = bytes ("<rss><channel><item><title>x</channel></rss>");
  g_autoptr(GBytes) html = bytes ("<!DOCTYPE html><html><head><title>Sign in</title></head><body>x</body></html>");
  g_autoptr(GString) many = g_string_new ("<rss><channel>");
  g_autoptr(GBytes) many_bytes = NULL;
  g_autoptr(GError) error = NULL;
  ShoalFeed *feed;
  guint interval;

  for (guint i = 0; i <= SHOAL_FEED_MAX_ITEMS; i++)
    g_string_append_printf (many, "<item><guid>%u</guid></item>", i);
  g_string_append (many, "</channel></rss>");
  many_bytes = g_string_free_to_bytes (g_steal_pointer (&many));

  feed_server_set (fx->server, "/malformed.xml", 200, "application/rss+xml", malformed, 0);
  feed_server_set (fx->server, "/page.html", 200, "text/html", html, 0);
  feed_server_set (fx->server, "/many.xml", 200, "application/rss+xml", many_bytes, FEED_ROUTE_GZIP);
  feed_server_set_huge (fx->server, "/huge.xml", SHOAL_FEED_MAX_BYTES + 1, 0);
  /* compressed: no length to refuse it by, the decoded bytes are counted */
  feed_server_set_huge (fx->server, "/huge-gzip.xml", SHOAL_FEED_MAX_BYTES + 1, FEED_ROUTE_GZIP);

  assert_feed_error (fx, "/malformed.xml", SHOAL_FEED_ERROR_MALFORMED, "not well-formed XML");
  assert_feed_error (fx, "/page.html", SHOAL_FEED_ERROR_NOT_A_FEED, "web page (HTML), not a feed");
  assert_feed_error (fx, "/many.xml", SHOAL_FEED_ERROR_TOO_MANY_ITEMS, "more than 100000 items");
  assert_feed_error (fx, "/huge.xml", SHOAL_FEED_ERROR_TOO_LARGE, "feed is larger than 100 MB");
  assert_feed_error (fx, "/huge-gzip.xml", SHOAL_FEED_ERROR_TOO_LARGE, "feed is larger than 100 MB");
  assert_feed_error (fx, "/gone.xml", SHOAL_FEED_ERROR_HTTP, "404");

  /* Backoff: each failure in a row doubles the wait. */
  feed = shoal_feed_manager_find_feed (fx->manager, shoal_feed_get_url (
           g_list_model_get_item (shoal_feed_manager_get_feeds (fx->manager), 5)));
  g_object_unref (feed);
  shoal_feed_set_refresh_interval (feed, 60);
  interval = shoal_feed_get_next_refresh_delay (feed);
  g_assert_cmpuint (interval, ==, 120);
  g_assert_true (refresh (fx, feed));
  g_assert_cmpuint (shoal_feed_get_next_refresh_delay (feed), ==, 240);

  /* Not a feed URL at all. */
  g_assert_null (shoal_feed_manager_add_feed (fx->manager, "ftp://example.org/feed", &error));
  g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL);
  g_clear_error (&error);
  g_assert_null (shoal_feed_manager_add_feed (fx->manager, shoal_feed_get_url (feed), &error));
  g_assert_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_DUPLICATE);
}

/* A feed's ttl (RSS) makes the interval longer, never shorter. */
static void
test_ttl (Fixture       *fx,
          gconstpointer  data)
{
  g_autoptr(GBytes) body = bytes ("<rss><channel><title>Slow</title><ttl>120</ttl></channel></rss>");
  ShoalFeed *feed;

  feed_server_set (fx->server, "/ttl.xml", 200, "application/rss+xml", body, 0);
  feed = subscribe (fx, "/ttl.xml");
  shoal_feed_set_refresh_interval (feed, 600);
  g_assert_true (refresh (fx, feed));
  g_assert_no_error (fx->error);
  g_assert_cmpuint (shoal_feed_get_next_refresh_delay (feed), ==, 7200);
  shoal_feed_set_refresh_interval (feed, 10000);
  g_assert_cmpuint (shoal_feed_get_next_refresh_delay (feed), ==, 10000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sf_init_logging ();
  g_test_add ("/engine/feeds/rss-enclosures-rules-restart", Fixture, NULL, setup, test_rss_enclosures, teardown);
  g_test_add ("/engine/feeds/atom-gzip-redirect", Fixture, NULL, setup, test_atom_gzip_redirect, teardown);
  g_test_add ("/engine/feeds/magnets-and-namespace", Fixture, NULL, setup, test_magnets_and_namespace, teardown);
  g_test_add ("/engine/feeds/etag-304", Fixture, NULL, setup, test_etag_304, teardown);
  g_test_add ("/engine/feeds/etag-304-restart", Fixture, NULL, setup, test_etag_304_restart, teardown);
  g_test_add ("/engine/feeds/broken-feeds", Fixture, NULL, setup, test_broken_feeds, teardown);
  g_test_add ("/engine/feeds/ttl", Fixture, NULL, setup, test_ttl, teardown);
  return g_test_run ();
}
