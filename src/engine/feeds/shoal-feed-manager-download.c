/* shoal-feed-manager-download.c: an item's torrent added to the session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-feed-manager-private.h"

/* Downloading an item: a magnet link is added as it is; a .torrent URL is
 * fetched (at most SHOAL_FEED_MAX_TORRENT bytes) and added. */

typedef struct
{
  ShoalFeed     *feed;
  ShoalFeedItem *item;
  ShoalFeedRule *rule;
  char          *episode;   /* recorded by the smart filter, undone on failure */
} Download;

static void
download_free (Download *d)
{
  g_clear_object (&d->feed);
  g_clear_object (&d->item);
  g_clear_object (&d->rule);
  g_free (d->episode);
  g_free (d);
}

static void
download_finish_item (ShoalFeedManager *self,
                      Download         *d,
                      ShoalTorrent     *torrent,
                      const GError     *error)
{
  g_hash_table_remove (self->downloading, d->item);
  if (torrent != NULL)
    {
      _shoal_feed_record (d->feed, d->item, SHOAL_FEED_ITEM_DOWNLOADED);
      _shoal_feed_manager_save_history (self, d->feed);
      g_debug ("Feed %s: added “%s”", shoal_feed_get_url (d->feed), shoal_feed_item_get_title (d->item));
      _shoal_feed_manager_emit_torrent_added (self, d->feed, d->item, torrent);
    }
  else
    {
      if (d->rule != NULL && d->episode != NULL)
        {
          /* Another release of the episode may still be downloaded. */
          g_auto(GStrv) episodes = shoal_feed_rule_dup_downloaded_episodes (d->rule);
          g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
          g_auto(GStrv) kept = NULL;

          for (guint i = 0; episodes[i] != NULL; i++)
            if (strcmp (episodes[i], d->episode) != 0)
              g_strv_builder_add (b, episodes[i]);
          kept = g_strv_builder_end (b);
          _shoal_feed_rule_set_episodes (d->rule, (const char * const *) kept);
          _shoal_feed_manager_save_config (self);
        }
      g_debug ("Feed %s: “%s” failed: %s", shoal_feed_get_url (d->feed),
               shoal_feed_item_get_title (d->item), error->message);
      _shoal_feed_item_set_state (d->item, SHOAL_FEED_ITEM_FAILED, error->message);
    }
}

static ShoalTorrent *
add_to_session (ShoalFeedManager  *self,
                Download          *d,
                ShoalMetainfo     *info,
                ShoalMagnet       *magnet,
                GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *dir = d->rule != NULL ? shoal_feed_rule_get_save_dir (d->rule) : NULL;
  const char *label = d->rule != NULL ? shoal_feed_rule_get_label (d->rule) : NULL;
  ShoalAddFlags flags = d->rule != NULL && shoal_feed_rule_get_add_paused (d->rule) ? SHOAL_ADD_FLAGS_PAUSED
                                                                                    : SHOAL_ADD_FLAGS_NONE;
  ShoalTorrent *torrent;

  if (info != NULL)
    torrent = shoal_session_add_torrent (self->session, info, dir, flags, &local_error);
  else
    torrent = shoal_session_add_magnet (self->session, magnet, dir, flags, &local_error);
  if (torrent == NULL && g_error_matches (local_error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE))
    {
      /* Already there (another feed, or added by hand): that is done. */
      const guint8 *hash = info != NULL ? shoal_metainfo_get_info_hash_v1 (info)
                                        : shoal_magnet_get_info_hash_v1 (magnet);

      torrent = hash != NULL ? shoal_session_find_torrent (self->session, hash) : NULL;
      if (torrent != NULL)
        return torrent;
    }
  if (torrent == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (label != NULL)
    {
      const char * const labels[] = { label, NULL };

      shoal_torrent_set_labels (torrent, labels);
    }
  return torrent;
}

static void
torrent_fetched_cb (GObject      *source,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalFeedManager *self = g_task_get_source_object (task);
  Download *d = g_task_get_task_data (task);
  g_autoptr(ShoalFeedFetchResult) result = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;

  result = shoal_feed_fetch_finish (res, &error);
  if (result != NULL && result->body == NULL)
    g_set_error_literal (&error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_TORRENT, "The server sent no torrent file");
  else if (result != NULL)
    {
      g_autoptr(GError) parse_error = NULL;

      info = shoal_metainfo_new_from_bytes (result->body, &parse_error);
      if (info == NULL)
        g_set_error (&error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_TORRENT,
                     "What %s sent is not a torrent file: %s", shoal_feed_item_get_torrent_url (d->item),
                     parse_error->message);
    }
  else
    g_prefix_error (&error, "Could not download the torrent file: ");
  if (error != NULL)
    {
      download_finish_item (self, d, NULL, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  torrent = add_to_session (self, d, info, NULL, &error);
  download_finish_item (self, d, torrent, error);
  if (torrent == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (torrent), g_object_unref);
}

void
_shoal_feed_manager_start_download (ShoalFeedManager    *self,
                ShoalFeed           *feed,
                ShoalFeedItem       *item,
                ShoalFeedRule       *rule,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Download *d = g_new0 (Download, 1);
  const char *url = shoal_feed_item_get_torrent_url (item);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, shoal_feed_manager_download_item_async);
  d->feed = g_object_ref (feed);
  d->item = g_object_ref (item);
  d->rule = rule != NULL ? g_object_ref (rule) : NULL;
  g_task_set_task_data (task, d, (GDestroyNotify) download_free);

  if (g_hash_table_contains (self->downloading, item))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "The item is being downloaded already");
      return;
    }
  g_hash_table_add (self->downloading, g_object_ref (item));

  /* The smart filter holds the episode from now on, so that another
   * release of it in the same refresh does not match. */
  if (rule != NULL && shoal_feed_rule_get_smart_filter (rule))
    {
      d->episode = shoal_feed_item_dup_episode (item);
      if (d->episode != NULL)
        {
          _shoal_feed_rule_add_episode (rule, d->episode);
          _shoal_feed_manager_save_config (self);
        }
    }

  if (url == NULL)
    {
      g_set_error_literal (&error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_NO_TORRENT,
                           "The item names no torrent (no enclosure, magnet link or info-hash)");
      download_finish_item (self, d, NULL, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_ascii_strncasecmp (url, "magnet:", 7) == 0)
    {
      g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (url, &error);
      ShoalTorrent *torrent = NULL;

      if (magnet == NULL)
        g_prefix_error (&error, "The item's magnet link cannot be used: ");
      else
        torrent = add_to_session (self, d, NULL, magnet, &error);
      download_finish_item (self, d, torrent, error);
      if (torrent == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, g_object_ref (torrent), g_object_unref);
      return;
    }
  shoal_feed_fetch_async (self->soup, url, NULL, NULL, SHOAL_FEED_MAX_TORRENT, "torrent file", cancellable,
                          torrent_fetched_cb, g_steal_pointer (&task));
}

/**
 * shoal_feed_manager_download_item_async:
 * @self: a manager
 * @feed: the feed @item is in
 * @item: an item
 * @rule: (nullable): the rule that picked it, whose save directory, label
 *   and add-paused apply; %NULL for the session's defaults
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the torrent was added, or could not be
 * @user_data: for @callback
 *
 * Adds the item's torrent to the session, whatever its state (the user
 * asked for it), and records it as downloaded in the feed's history.
 */
void
shoal_feed_manager_download_item_async (ShoalFeedManager    *self,
                                        ShoalFeed           *feed,
                                        ShoalFeedItem       *item,
                                        ShoalFeedRule       *rule,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  g_return_if_fail (SHOAL_IS_FEED (feed));
  g_return_if_fail (SHOAL_IS_FEED_ITEM (item));
  g_return_if_fail (rule == NULL || SHOAL_IS_FEED_RULE (rule));

  _shoal_feed_manager_start_download (self, feed, item, rule, cancellable, callback, user_data);
}

/**
 * shoal_feed_manager_download_item_finish:
 * @self: a manager
 * @result: the result
 * @error: return location for a #ShoalFeedError, #ShoalSessionError…
 *
 * Returns: (transfer full): the torrent in the session, or %NULL
 */
ShoalTorrent *
shoal_feed_manager_download_item_finish (ShoalFeedManager  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * shoal_feed_manager_set_item_ignored:
 * @self: a manager
 * @feed: the feed @item is in
 * @item: an item
 * @ignored: whether rules should leave it alone
 */
void
shoal_feed_manager_set_item_ignored (ShoalFeedManager *self,
                                     ShoalFeed        *feed,
                                     ShoalFeedItem    *item,
                                     gboolean          ignored)
{
  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  g_return_if_fail (SHOAL_IS_FEED (feed));
  g_return_if_fail (SHOAL_IS_FEED_ITEM (item));

  if (shoal_feed_item_get_state (item) == SHOAL_FEED_ITEM_DOWNLOADED)
    return;
  _shoal_feed_record (feed, item, ignored ? SHOAL_FEED_ITEM_IGNORED : SHOAL_FEED_ITEM_NEW);
  _shoal_feed_manager_save_history (self, feed);
}

