/* shoal-feeds.c: the application's feed manager and its Feeds window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application makes one ShoalFeedManager for its session at startup
 * (so that rules run whether the Feeds window is open or not) and polls
 * the feeds. app.feeds opens the Feeds window; app.add-feed (a string: a
 * URL) subscribes and opens it.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-feeds.h"
#include "shoal-feeds-window.h"

#define MANAGER_KEY  "shoal-feed-manager"

ShoalFeedManager *
shoal_feeds_get_manager (ShoalApplication *app)
{
  return g_object_get_data (G_OBJECT (app), MANAGER_KEY);
}

static ShoalFeedsWindow *
present_window (ShoalApplication *app)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (app));
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  ShoalFeedsWindow *window = NULL;

  for (GList *l = windows; l != NULL && window == NULL; l = l->next)
    if (SHOAL_IS_FEEDS_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    {
      window = shoal_feeds_window_new (shoal_feeds_get_manager (app));
      gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (app));
      if (parent != NULL)
        gtk_window_set_transient_for (GTK_WINDOW (window), parent);
    }
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
feeds_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  present_window (SHOAL_APPLICATION (user_data));
}

static void
add_feed_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  ShoalFeedsWindow *window = present_window (SHOAL_APPLICATION (user_data));

  shoal_feeds_window_add_feed (window, g_variant_get_string (parameter, NULL));
}

static void
torrent_added_cb (ShoalFeedManager *manager,
                  ShoalFeed        *feed,
                  ShoalFeedItem    *item,
                  ShoalTorrent     *torrent,
                  ShoalApplication *app)
{
  g_autoptr(GNotification) notification = g_notification_new (_("Download Added From a Feed"));

  g_notification_set_body (notification, shoal_feed_item_get_title (item));
  g_application_send_notification (G_APPLICATION (app), "feed-torrent-added", notification);
}

/* The manager goes with the application's shutdown: it stops polling and
 * finishes writing what it saves. */
static void
shutdown_cb (GApplication *app)
{
  ShoalFeedManager *manager = shoal_feeds_get_manager (SHOAL_APPLICATION (app));

  if (manager != NULL)
    {
      shoal_feed_manager_set_polling (manager, FALSE);
      shoal_feed_manager_flush (manager);
    }
  g_object_set_data (G_OBJECT (app), MANAGER_KEY, NULL);
}

/**
 * shoal_feeds_open:
 * @app: the application
 * @file: what the desktop handed over
 *
 * A feed:// (or feed:https://) link, which browsers hand over for a
 * page's application/rss+xml link, is subscribed to in the Feeds window.
 * An RSS or Atom file (application/rss+xml, application/atom+xml, by its
 * name): an http(s) one is offered for subscription in the Feeds window;
 * a local one is read there, and the address it gives for itself offered.
 *
 * Returns: whether @file was such a link or file
 */
gboolean
shoal_feeds_open (ShoalApplication *app,
                  GFile            *file)
{
  g_autofree char *uri = NULL;

  if (g_file_has_uri_scheme (file, "feed"))
    {
      uri = g_file_get_uri (file);
      g_action_group_activate_action (G_ACTION_GROUP (app), "add-feed", g_variant_new_string (uri));
      return TRUE;
    }
  if (!shoal_feeds_is_feed_file (file))
    return FALSE;
  if (g_file_is_native (file))
    shoal_feeds_window_open_file (present_window (app), file);
  else
    {
      uri = g_file_get_uri (file);
      shoal_feeds_window_offer_feed (present_window (app), uri);
    }
  return TRUE;
}

/**
 * shoal_feeds_is_feed_file:
 * @file: what the desktop handed over
 *
 * Returns: whether @file is a local file or an http(s) URL whose name
 *   says RSS or Atom (.rss, .atom: application/rss+xml,
 *   application/atom+xml)
 */
gboolean
shoal_feeds_is_feed_file (GFile *file)
{
  g_autofree char *basename = NULL;
  g_autofree char *type = NULL;

  if (!g_file_is_native (file) && !g_file_has_uri_scheme (file, "http") && !g_file_has_uri_scheme (file, "https"))
    return FALSE;
  basename = g_file_get_basename (file);
  if (basename == NULL)
    return FALSE;
  type = g_content_type_guess (basename, NULL, 0, NULL);
  return g_content_type_is_mime_type (type, "application/rss+xml") ||
         g_content_type_is_mime_type (type, "application/atom+xml");
}

/**
 * shoal_feeds_install:
 * @app: the application, its session started
 *
 * Makes the feed manager, loads the saved feeds and rules, starts polling
 * and adds the actions app.feeds and app.add-feed.
 */
void
shoal_feeds_install (ShoalApplication *app)
{
  static const GActionEntry actions[] = {
    { "feeds", feeds_action, NULL, NULL, NULL, { 0 } },
    { "add-feed", add_feed_action, "s", NULL, NULL, { 0 } },
  };
  ShoalSession *session = shoal_application_get_session (app);
  g_autoptr(ShoalFeedManager) manager = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (session != NULL);

  manager = shoal_feed_manager_new (session);
  if (!shoal_feed_manager_load (manager, &error))
    g_message ("Could not read the saved feeds: %s", error->message);
  g_signal_connect_object (manager, "torrent-added", G_CALLBACK (torrent_added_cb), app, 0);
  shoal_feed_manager_set_polling (manager, TRUE);
  g_object_set_data_full (G_OBJECT (app), MANAGER_KEY, g_steal_pointer (&manager), g_object_unref);
  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  g_signal_connect (app, "shutdown", G_CALLBACK (shutdown_cb), NULL);
}
