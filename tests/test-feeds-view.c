/* test-feeds-view.c: the Feeds window under Xvfb: a feed added by its
 * address shows its items; the rule editor previews what a rule would
 * take, says what is wrong with a bad one, saves it, and the rule adds
 * its torrent; an item downloads by hand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "feed-server.h"
#include "session-fixture.h"
#include "shoal-feeds-window.h"
#include "shoal-feeds.h"

static GObject *
child (ShoalFeedsWindow *window,
       const char       *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (window), SHOAL_TYPE_FEEDS_WINDOW, name);

  g_assert_nonnull (object);
  return object;
}

static guint
preview_count (ShoalFeedsWindow *window)
{
  GListModel *preview = shoal_feeds_window_get_preview (window);

  return preview != NULL ? g_list_model_get_n_items (preview) : 0;
}

/* The download buttons of the item rows GTK has made. */
static void
find_buttons (GtkWidget  *widget,
              GPtrArray  *found)
{
  if (GTK_IS_BUTTON (widget) && g_object_get_data (G_OBJECT (widget), "item") != NULL)
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    find_buttons (c, found);
}

static GtkWidget *
download_button_for (ShoalFeedsWindow *window,
                     const char       *title)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  find_buttons (GTK_WIDGET (child (window, "items_view")), buttons);
  /* the ignore button is the download button's previous sibling */
  for (guint i = 0; i < buttons->len; i++)
    {
      ShoalFeedItem *item = g_object_get_data (buttons->pdata[i], "item");

      if (g_strcmp0 (shoal_feed_item_get_title (item), title) == 0)
        return buttons->pdata[i];
    }
  return NULL;
}

static ShoalTorrent *
torrent_labelled (ShoalSession *session,
                  const char   *label)
{
  GListModel *torrents = shoal_session_get_torrents (session);

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (torrents, i);
      const char * const *labels = shoal_torrent_get_labels (t);

      if (labels[0] != NULL && g_strcmp0 (labels[0], label) == 0)
        return t;
    }
  return NULL;
}

static void
test_feeds_view (void)
{
  static const char *titles[] = { "Show S01E01 1080p", "Show S01E02 720p", "Other S01E01" };
  g_autofree char *tmp = g_dir_make_tmp ("shoal-feeds-view-XXXXXX", NULL);
  g_autofree char *tv = g_build_filename (tmp, "tv", NULL);
  g_autoptr(FeedServer) server = feed_server_new ();
  g_autoptr(GString) xml = g_string_new ("<rss version=\"2.0\"><channel><title>Series</title>");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func ((GDestroyNotify) sf_torrent_free);
  g_autoptr(ShoalFeedManager) manager = NULL;
  g_autofree char *url = NULL;
  SfNode *node = sf_node_new (tmp, "node");
  ShoalFeedsWindow *window;
  ShoalFeed *feed;
  GtkWidget *button;

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      const guint64 lengths[] = { 30000 };
      SfTorrent *t = sf_torrent_new (titles[i], lengths, 1, 16384, 300 + i);
      g_autofree char *path = g_strdup_printf ("/%u.torrent", i);
      g_autofree char *enclosure = feed_server_url (server, path);

      feed_server_set (server, path, 200, "application/x-bittorrent", shoal_metainfo_get_bytes (t->info), 0);
      g_ptr_array_add (torrents, t);
      g_string_append_printf (xml, "<item><title>%s</title><guid>%u</guid><enclosure url=\"%s\" length=\"30000\" "
                              "type=\"application/x-bittorrent\"/></item>", titles[i], i, enclosure);
    }
  g_string_append (xml, "</channel></rss>");
  body = g_string_free_to_bytes (g_steal_pointer (&xml));
  feed_server_set (server, "/feed.xml", 200, "application/rss+xml", body, 0);
  url = feed_server_url (server, "/feed.xml");

  manager = shoal_feed_manager_new (node->session);
  window = shoal_feeds_window_new (manager);
  gtk_window_present (GTK_WINDOW (window));

  /* A bad address says so; a good one is subscribed, fetched, shown. */
  gtk_editable_set_text (GTK_EDITABLE (child (window, "url_entry")), "not a feed");
  g_signal_emit_by_name (child (window, "url_entry"), "activate");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (window, "feed_status_label"))),
                            "is not the URL of a feed"));
  gtk_editable_set_text (GTK_EDITABLE (child (window, "url_entry")), url);
  g_signal_emit_by_name (child (window, "add_button"), "clicked");
  feed = shoal_feeds_window_get_feed (window);
  g_assert_nonnull (feed);
  g_assert_cmpstr (shoal_feed_get_url (feed), ==, url);
  SF_WAIT (g_list_model_get_n_items (shoal_feed_get_items (feed)) == 3, 20);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (
                      GTK_LIST_VIEW (child (window, "items_view"))))), ==, 3);
  SF_WAIT (download_button_for (window, "Other S01E01") != NULL, 10);

  /* The rule editor's live preview. */
  gtk_editable_set_text (GTK_EDITABLE (child (window, "must_row")), "show");
  g_assert_cmpuint (preview_count (window), ==, 2);
  gtk_editable_set_text (GTK_EDITABLE (child (window, "must_not_row")), "720p");
  g_assert_cmpuint (preview_count (window), ==, 1);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (window, "preview_label"))), ==, "Would download 1 item now");
  gtk_editable_set_text (GTK_EDITABLE (child (window, "episodes_row")), "S01E02-");
  g_assert_cmpuint (preview_count (window), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (child (window, "episodes_row")), "S01E01");
  g_assert_cmpuint (preview_count (window), ==, 1);

  /* A bad expression: said, and the rule cannot be saved. */
  gtk_switch_set_active (GTK_SWITCH (child (window, "regex_switch")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (child (window, "must_row")), "(show");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (window, "preview_label"))),
                            "not a valid regular expression"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (child (window, "save_rule_button"))));
  gtk_editable_set_text (GTK_EDITABLE (child (window, "must_row")), "^show s01");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (window, "save_rule_button"))));
  g_assert_cmpuint (preview_count (window), ==, 1);

  /* Saved with a folder, a label, paused: the rule adds its torrent. */
  gtk_editable_set_text (GTK_EDITABLE (child (window, "name_row")), "show");
  gtk_editable_set_text (GTK_EDITABLE (child (window, "save_dir_row")), tv);
  gtk_editable_set_text (GTK_EDITABLE (child (window, "label_row")), "TV");
  gtk_switch_set_active (GTK_SWITCH (child (window, "paused_switch")), TRUE);
  g_assert_cmpstr (shoal_feed_rule_get_label (shoal_feeds_window_get_edited_rule (window)), ==, "TV");
  g_signal_emit_by_name (child (window, "save_rule_button"), "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_manager_get_rules (manager)), ==, 1);
  SF_WAIT (torrent_labelled (node->session, "TV") != NULL, 20);
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent_labelled (node->session, "TV")), ==, tv);
  g_assert_cmpstr (shoal_torrent_get_name (torrent_labelled (node->session, "TV")), ==, "Show S01E01 1080p");

  /* Ignored: the rules leave it alone; and back. */
  {
    ShoalFeedItem *other = shoal_feed_find_item (feed, "2");
    GtkWidget *ignore = gtk_widget_get_prev_sibling (download_button_for (window, "Other S01E01"));

    g_assert_nonnull (other);
    g_signal_emit_by_name (ignore, "clicked");
    g_assert_cmpint (shoal_feed_item_get_state (other), ==, SHOAL_FEED_ITEM_IGNORED);
    g_signal_emit_by_name (ignore, "clicked");
    g_assert_cmpint (shoal_feed_item_get_state (other), ==, SHOAL_FEED_ITEM_NEW);
  }

  /* An item by hand. */
  button = download_button_for (window, "Other S01E01");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  SF_WAIT (g_list_model_get_n_items (shoal_session_get_torrents (node->session)) == 2, 20);
  SF_WAIT (!gtk_widget_get_sensitive (download_button_for (window, "Other S01E01")), 5);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&manager);
  sf_node_free (node);
  sf_rm_rf (tmp);
}

/* What the desktop hands over: an .rss/.atom file on disk is read and
 * the address it gives offered (not subscribed before Add); one without
 * an address says Shoal cannot follow a local file; an http(s) URL of a
 * feed is offered as it is; a .torrent is not a feed. */
static void
test_feeds_view_open (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("shoal-feeds-open-XXXXXX", NULL);
  g_autofree char *with_self = g_build_filename (tmp, "show.rss", NULL);
  g_autofree char *without = g_build_filename (tmp, "bare.atom", NULL);
  g_autoptr(FeedServer) server = feed_server_new ();
  g_autoptr(ShoalFeedManager) manager = NULL;
  g_autoptr(GFile) self_file = g_file_new_for_path (with_self);
  g_autoptr(GFile) bare_file = g_file_new_for_path (without);
  g_autoptr(GFile) http_file = NULL;
  g_autoptr(GFile) torrent_file = g_file_new_for_path ("/tmp/x.torrent");
  g_autofree char *url = feed_server_url (server, "/show.rss");
  g_autofree char *xml = g_strdup_printf ("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>"
                                          "<title>Show</title><link>https://example.org/</link>"
                                          "<atom:link rel=\"self\" href=\"%s\"/></channel></rss>", url);
  const char *bare = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Bare</title></feed>";
  SfNode *node = sf_node_new (tmp, "node");
  GtkLabel *status;
  GtkEditable *entry;
  ShoalFeedsWindow *window;

  g_autoptr(GBytes) served = g_bytes_new (xml, strlen (xml));

  feed_server_set (server, "/show.rss", 200, "application/rss+xml", served, 0);
  g_assert_true (g_file_set_contents (with_self, xml, -1, NULL));
  g_assert_true (g_file_set_contents (without, bare, -1, NULL));
  http_file = g_file_new_for_uri ("https://example.org/news/feed.atom");

  g_assert_true (shoal_feeds_is_feed_file (self_file));
  g_assert_true (shoal_feeds_is_feed_file (bare_file));
  g_assert_true (shoal_feeds_is_feed_file (http_file));
  g_assert_false (shoal_feeds_is_feed_file (torrent_file));

  manager = shoal_feed_manager_new (node->session);
  window = shoal_feeds_window_new (manager);
  gtk_window_present (GTK_WINDOW (window));
  status = GTK_LABEL (child (window, "feed_status_label"));
  entry = GTK_EDITABLE (child (window, "url_entry"));

  shoal_feeds_window_open_file (window, self_file);
  SF_WAIT (g_strcmp0 (gtk_editable_get_text (entry), url) == 0, 10);
  g_assert_nonnull (strstr (gtk_label_get_text (status), "Subscribe to the feed at"));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_manager_get_feeds (manager)), ==, 0);
  g_signal_emit_by_name (child (window, "add_button"), "clicked");
  g_assert_nonnull (shoal_feed_manager_find_feed (manager, url));
  /* Opened again: already followed, said so. */
  shoal_feeds_window_open_file (window, self_file);
  SF_WAIT (strstr (gtk_label_get_text (status), "already follow") != NULL, 10);

  shoal_feeds_window_open_file (window, bare_file);
  SF_WAIT (strstr (gtk_label_get_text (status), "cannot follow a file on this computer") != NULL, 10);
  g_assert_nonnull (strstr (gtk_label_get_text (status), "bare.atom"));
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_manager_get_feeds (manager)), ==, 1);

  shoal_feeds_window_offer_feed (window, "https://example.org/news/feed.atom");
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "https://example.org/news/feed.atom");
  g_assert_cmpuint (g_list_model_get_n_items (shoal_feed_manager_get_feeds (manager)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&manager);
  sf_node_free (node);
  sf_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  adw_init ();
  sf_init_logging ();
  g_test_add_func ("/app/feeds-view/add-items-rules", test_feeds_view);
  g_test_add_func ("/app/feeds-view/open-feed-file", test_feeds_view_open);
  return g_test_run ();
}
