/* shoal-feed-manager.c: feeds, download rules, and the torrents they add
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The manager sits above the session and uses only its public API: it
 * keeps the feeds subscribed to and the rules, refreshes the feeds (an
 * HTTP GET on the main context, libsoup's streams never blocking it, then
 * the XML parsed in a worker thread), runs the rules over the new items
 * and adds the torrents they pick to the session, with the rule's save
 * directory, paused or not, and its label. The subscriptions and rules
 * (feeds.conf) and each feed's history are saved through the state store.
 */
#include "config.h"

#include <string.h>

#include "shoal-episode.h"
#include "shoal-feed-manager-private.h"

#define MAX_FEEDS  1000
#define MAX_RULES  1000
#define HTTP_TIMEOUT_S  60


G_DEFINE_FINAL_TYPE (ShoalFeedManager, shoal_feed_manager, G_TYPE_OBJECT)

enum {
  SIGNAL_TORRENT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
_shoal_feed_manager_emit_torrent_added (ShoalFeedManager *self,
                                        ShoalFeed        *feed,
                                        ShoalFeedItem    *item,
                                        ShoalTorrent     *torrent)
{
  g_signal_emit (self, signals[SIGNAL_TORRENT_ADDED], 0, feed, item, torrent);
}

static void save_job_run (gpointer data, gpointer user_data);

static void
shoal_feed_manager_dispose (GObject *object)
{
  ShoalFeedManager *self = SHOAL_FEED_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->timers != NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->timers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_source_remove (GPOINTER_TO_UINT (value));
      g_hash_table_remove_all (self->timers);
    }
  G_OBJECT_CLASS (shoal_feed_manager_parent_class)->dispose (object);
}

static void
shoal_feed_manager_finalize (GObject *object)
{
  ShoalFeedManager *self = SHOAL_FEED_MANAGER (object);

  g_clear_pointer (&self->timers, g_hash_table_unref);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_pointer (&self->downloading, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->feeds);
  g_clear_object (&self->rules);
  g_clear_object (&self->soup);
  /* What is still to be written is written before the manager goes. */
  if (self->writer != NULL)
    g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  g_clear_object (&self->store);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (shoal_feed_manager_parent_class)->finalize (object);
}

static void
shoal_feed_manager_class_init (ShoalFeedManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_feed_manager_dispose;
  object_class->finalize = shoal_feed_manager_finalize;

  /**
   * ShoalFeedManager::torrent-added:
   * @feed: the #ShoalFeed
   * @item: the #ShoalFeedItem
   * @torrent: the #ShoalTorrent added to the session
   *
   * A rule (or the user) added an item's torrent to the session.
   */
  signals[SIGNAL_TORRENT_ADDED] = g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                SHOAL_TYPE_FEED, SHOAL_TYPE_FEED_ITEM, SHOAL_TYPE_TORRENT);
}

static void
shoal_feed_manager_init (ShoalFeedManager *self)
{
  self->feeds = g_list_store_new (SHOAL_TYPE_FEED);
  self->rules = g_list_store_new (SHOAL_TYPE_FEED_RULE);
  self->timers = g_hash_table_new (NULL, NULL);
  self->refreshing = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  self->downloading = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->cancellable = g_cancellable_new ();
  self->writer = g_thread_pool_new (save_job_run, NULL, 1, FALSE, NULL);
  self->rules_generation = 1;
}

/**
 * shoal_feed_manager_new:
 * @session: the session torrents are added to; its state directory keeps
 *   the feeds, the rules and the feeds' histories
 *
 * Returns: (transfer full): a manager without feeds; call
 *   shoal_feed_manager_load() for the saved ones
 */
ShoalFeedManager *
shoal_feed_manager_new (ShoalSession *session)
{
  ShoalFeedManager *self;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_FEED_MANAGER, NULL);
  self->session = g_object_ref (session);
  self->store = shoal_state_store_new (shoal_session_get_state_dir (session));
  self->soup = soup_session_new_with_options ("user-agent", "Shoal/" PACKAGE_VERSION,
                                              "timeout", HTTP_TIMEOUT_S,
                                              "max-conns-per-host", 2,
                                              NULL);
  return self;
}

ShoalSession *
shoal_feed_manager_get_session (ShoalFeedManager *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  return self->session;
}

/**
 * shoal_feed_manager_get_feeds:
 * @self: a manager
 *
 * Returns: (transfer none): a #GListModel of #ShoalFeed
 */
GListModel *
shoal_feed_manager_get_feeds (ShoalFeedManager *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  return G_LIST_MODEL (self->feeds);
}

/**
 * shoal_feed_manager_get_rules:
 * @self: a manager
 *
 * Returns: (transfer none): a #GListModel of #ShoalFeedRule, in the order
 *   they are tried (the first that matches an item adds it)
 */
GListModel *
shoal_feed_manager_get_rules (ShoalFeedManager *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  return G_LIST_MODEL (self->rules);
}

ShoalFeed *
shoal_feed_manager_find_feed (ShoalFeedManager *self,
                              const char       *url)
{
  guint n;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->feeds));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (G_LIST_MODEL (self->feeds), i);

      if (g_strcmp0 (shoal_feed_get_url (feed), url) == 0)
        return feed;
    }
  return NULL;
}

ShoalFeedRule *
shoal_feed_manager_find_rule (ShoalFeedManager *self,
                              const char       *name)
{
  guint n;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->rules));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeedRule) rule = g_list_model_get_item (G_LIST_MODEL (self->rules), i);

      if (g_strcmp0 (shoal_feed_rule_get_name (rule), name) == 0)
        return rule;
    }
  return NULL;
}

/* What a subscription may be: an http or https URL with a host, at most
 * SHOAL_FEED_MAX_URL bytes; feed:// and feed:https:// (what browsers hand
 * over for application/rss+xml links) are read as http(s). */
static char *
normalize_url (const char  *url,
               GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (url));
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (g_str_has_prefix (text, "feed:https://") || g_str_has_prefix (text, "feed:http://"))
    memmove (text, text + 5, strlen (text + 5) + 1);
  else if (g_str_has_prefix (text, "feed://"))
    {
      char *http = g_strconcat ("http://", text + 7, NULL);

      g_free (text);
      text = http;
    }
  if (strlen (text) > SHOAL_FEED_MAX_URL)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL, "The feed's URL is too long");
      return NULL;
    }
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL,
                   "“%s” is not the URL of a feed (it must start with http:// or https://)", url);
      return NULL;
    }
  return g_uri_to_string (uri);
}

/* Saves run in the writer thread, in the order they were asked for: the
 * state store replaces files atomically, which may mean an fsync, and the
 * main loop does not wait for the disk. */
typedef struct
{
  ShoalStateStore *store;
  char            *feed_id;  /* NULL: feeds.conf */
  char            *url;
  GBytes          *bytes;
  gboolean         copy;     /* the feed's body (ID.feed), not its history */
} SaveJob;

static void
save_job_run (gpointer data,
              gpointer user_data)
{
  SaveJob *job = data;
  g_autoptr(GError) error = NULL;

  if (job->feed_id != NULL && job->copy)
    {
      if (!shoal_state_store_save_feed_copy (job->store, job->feed_id, job->bytes, &error))
        g_warning ("Could not save a copy of feed %s: %s", job->url, error->message);
    }
  else if (job->feed_id != NULL)
    {
      if (!shoal_state_store_save_feed_history (job->store, job->feed_id, job->bytes, &error))
        g_warning ("Could not save the history of feed %s: %s", job->url, error->message);
    }
  else if (!shoal_state_store_save_feeds (job->store, job->bytes, &error))
    g_warning ("Could not save the feeds and rules: %s", error->message);
  g_object_unref (job->store);
  g_free (job->feed_id);
  g_free (job->url);
  g_bytes_unref (job->bytes);
  g_free (job);
}

/**
 * shoal_feed_manager_flush:
 * @self: a feed manager
 *
 * Waits until every save asked for so far (feeds, rules, histories, the
 * conditional-request validators) is on disk. A front end about to exit
 * calls it: a refresh still finishing may hold the manager past the
 * front end's last reference, and what it queued would be lost.
 */
void
shoal_feed_manager_flush (ShoalFeedManager *self)
{
  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));

  g_thread_pool_free (g_steal_pointer (&self->writer), FALSE, TRUE);
  self->writer = g_thread_pool_new (save_job_run, NULL, 1, FALSE, NULL);
}

static void
save_later_full (ShoalFeedManager *self,
                 ShoalFeed        *feed,
                 GBytes           *bytes,
                 gboolean          copy)
{
  SaveJob *job = g_new0 (SaveJob, 1);

  job->copy = copy;

  job->store = g_object_ref (self->store);
  job->feed_id = feed != NULL ? g_strdup (shoal_feed_get_id (feed)) : NULL;
  job->url = feed != NULL ? g_strdup (shoal_feed_get_url (feed)) : NULL;
  job->bytes = g_bytes_ref (bytes);
  g_thread_pool_push (self->writer, job, NULL);
}

static void
save_later (ShoalFeedManager *self,
            ShoalFeed        *feed,
            GBytes           *bytes)
{
  save_later_full (self, feed, bytes, FALSE);
}

/* The body of the feed's last 200, kept to read its items from after a
 * restart whose first (conditional) fetch gets a 304. One too large to be
 * read back is kept as nothing: a 304 then fetches the feed again. */
#define MAX_COPY  (64 * 1024 * 1024)

void
_shoal_feed_manager_save_copy (ShoalFeedManager *self,
                               ShoalFeed        *feed,
                               GBytes           *body)
{
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);

  save_later_full (self, feed, g_bytes_get_size (body) <= MAX_COPY ? body : empty, TRUE);
}

void
_shoal_feed_manager_save_history (ShoalFeedManager *self,
              ShoalFeed        *feed)
{
  g_autoptr(GBytes) bytes = NULL;

  if (!_shoal_feed_get_history_dirty (feed))
    return;
  bytes = _shoal_feed_history_to_bytes (feed);
  save_later (self, feed, bytes);
}

static void
feed_unread_cb (ShoalFeed        *feed,
                GParamSpec       *pspec,
                ShoalFeedManager *self)
{
  /* The read marks go to the history file with the next save. */
  _shoal_feed_manager_save_history (self, feed);
}

static ShoalFeed *
add_feed_object (ShoalFeedManager *self,
                 const char       *url,
                 guint             interval)
{
  g_autoptr(ShoalFeed) feed = _shoal_feed_new (url);
  g_autoptr(GBytes) history = NULL;
  g_autoptr(GError) error = NULL;

  shoal_feed_set_refresh_interval (feed, interval);
  history = shoal_state_store_load_feed_history (self->store, shoal_feed_get_id (feed), &error);
  if (history != NULL && !_shoal_feed_load_history (feed, history, &error))
    g_warning ("The history of feed %s cannot be read, it starts again: %s", url, error->message);
  else if (history == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("The history of feed %s cannot be read: %s", url, error->message);
  g_signal_connect (feed, "notify::n-unread", G_CALLBACK (feed_unread_cb), self);
  g_list_store_append (self->feeds, feed);
  if (self->polling)
    _shoal_feed_manager_schedule_refresh (self, feed, 0);
  return feed;
}

/**
 * shoal_feed_manager_add_feed:
 * @self: a manager
 * @url: the feed's http or https URL (or feed://)
 * @error: return location for a %SHOAL_FEED_ERROR_BAD_URL or
 *   %SHOAL_FEED_ERROR_DUPLICATE error
 *
 * Subscribes to @url and saves the subscription. The feed is fetched
 * when polling is on (at once) or at shoal_feed_manager_refresh_async().
 *
 * Returns: (transfer none): the new feed, or %NULL with @error set
 */
ShoalFeed *
shoal_feed_manager_add_feed (ShoalFeedManager  *self,
                             const char        *url,
                             GError           **error)
{
  g_autofree char *normal = NULL;
  ShoalFeed *feed;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  normal = normalize_url (url, error);
  if (normal == NULL)
    return NULL;
  if (shoal_feed_manager_find_feed (self, normal) != NULL)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_DUPLICATE, "Already subscribed to %s", normal);
      return NULL;
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (self->feeds)) >= MAX_FEEDS)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL, "Shoal follows at most %d feeds", MAX_FEEDS);
      return NULL;
    }
  feed = add_feed_object (self, normal, SHOAL_FEED_DEFAULT_INTERVAL);
  _shoal_feed_manager_save_config (self);
  return feed;
}

/**
 * shoal_feed_manager_remove_feed:
 * @self: a manager
 * @feed: one of its feeds
 *
 * Unsubscribes and forgets the feed's history. Torrents it added stay.
 */
void
shoal_feed_manager_remove_feed (ShoalFeedManager *self,
                                ShoalFeed        *feed)
{
  guint pos;
  gpointer timer;

  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  g_return_if_fail (SHOAL_IS_FEED (feed));

  if (!g_list_store_find (self->feeds, feed, &pos))
    return;
  if (g_hash_table_steal_extended (self->timers, feed, NULL, &timer))
    g_source_remove (GPOINTER_TO_UINT (timer));
  g_signal_handlers_disconnect_by_func (feed, feed_unread_cb, self);
  shoal_state_store_remove_feed_history (self->store, shoal_feed_get_id (feed));
  g_list_store_remove (self->feeds, pos);
  _shoal_feed_manager_save_config (self);
}

static gboolean
rule_name_taken (ShoalFeedManager *self,
                 ShoalFeedRule    *rule,
                 ShoalFeedRule    *except,
                 GError          **error)
{
  ShoalFeedRule *other = shoal_feed_manager_find_rule (self, shoal_feed_rule_get_name (rule));

  if (other != NULL && other != except)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "There is already a rule named “%s”", shoal_feed_rule_get_name (rule));
      return TRUE;
    }
  return FALSE;
}

static gboolean
rule_usable (ShoalFeedManager *self,
             ShoalFeedRule    *rule,
             GError          **error)
{
  const char *name = shoal_feed_rule_get_name (rule);
  const char *dir = shoal_feed_rule_get_save_dir (rule);

  if (name == NULL || *name == '\0')
    {
      g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE, "A rule needs a name");
      return FALSE;
    }
  if (dir != NULL && !g_path_is_absolute (dir))
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE,
                   "The save folder “%s” is not an absolute path", dir);
      return FALSE;
    }
  return shoal_feed_rule_check (rule, error);
}

/**
 * shoal_feed_manager_add_rule:
 * @self: a manager
 * @rule: a rule, which the manager keeps (do not change it afterwards:
 *   replace it with shoal_feed_manager_replace_rule())
 * @error: return location for a %SHOAL_FEED_ERROR_BAD_RULE error
 *
 * Adds @rule after the others and saves the rules. It runs at the next
 * refresh.
 *
 * Returns: whether the rule was usable and added
 */
gboolean
shoal_feed_manager_add_rule (ShoalFeedManager  *self,
                             ShoalFeedRule     *rule,
                             GError           **error)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (rule), FALSE);

  if (!rule_usable (self, rule, error) || rule_name_taken (self, rule, NULL, error))
    return FALSE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->rules)) >= MAX_RULES)
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE, "Shoal keeps at most %d rules", MAX_RULES);
      return FALSE;
    }
  g_list_store_append (self->rules, rule);
  self->rules_generation++;
  _shoal_feed_manager_save_config (self);
  return TRUE;
}

/**
 * shoal_feed_manager_replace_rule:
 * @self: a manager
 * @old_rule: one of its rules
 * @new_rule: the rule to put in its place (an edited copy, see
 *   shoal_feed_rule_copy())
 * @error: return location for a %SHOAL_FEED_ERROR_BAD_RULE error
 *
 * Returns: whether @new_rule was usable and took @old_rule's place
 */
gboolean
shoal_feed_manager_replace_rule (ShoalFeedManager  *self,
                                 ShoalFeedRule     *old_rule,
                                 ShoalFeedRule     *new_rule,
                                 GError           **error)
{
  guint pos;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (old_rule), FALSE);
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (new_rule), FALSE);

  if (!g_list_store_find (self->rules, old_rule, &pos))
    {
      g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_RULE, "The rule was removed");
      return FALSE;
    }
  if (!rule_usable (self, new_rule, error) || rule_name_taken (self, new_rule, old_rule, error))
    return FALSE;
  g_list_store_splice (self->rules, pos, 1, (gpointer *) &new_rule, 1);
  self->rules_generation++;
  _shoal_feed_manager_save_config (self);
  return TRUE;
}

void
shoal_feed_manager_remove_rule (ShoalFeedManager *self,
                                ShoalFeedRule    *rule)
{
  guint pos;

  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  g_return_if_fail (SHOAL_IS_FEED_RULE (rule));
  if (!g_list_store_find (self->rules, rule, &pos))
    return;
  g_list_store_remove (self->rules, pos);
  self->rules_generation++;
  _shoal_feed_manager_save_config (self);
}

/**
 * shoal_feed_manager_preview_rule:
 * @self: a manager
 * @rule: a rule, in the manager or not (one being edited)
 *
 * Returns: (transfer full): a #GListModel of the #ShoalFeedItem the rule
 *   matches now, of every feed it applies to: what it would download
 *   (items downloaded or ignored before are left out)
 */
GListModel *
shoal_feed_manager_preview_rule (ShoalFeedManager *self,
                                 ShoalFeedRule    *rule)
{
  GListStore *matches;
  guint n_feeds;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), NULL);
  g_return_val_if_fail (SHOAL_IS_FEED_RULE (rule), NULL);

  matches = g_list_store_new (SHOAL_TYPE_FEED_ITEM);
  n_feeds = g_list_model_get_n_items (G_LIST_MODEL (self->feeds));
  for (guint f = 0; f < n_feeds; f++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (G_LIST_MODEL (self->feeds), f);
      GListModel *items = shoal_feed_get_items (feed);
      g_autoptr(GHashTable) episodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint n = g_list_model_get_n_items (items);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalFeedItem) item = g_list_model_get_item (items, i);
          ShoalFeedItemState state = shoal_feed_item_get_state (item);

          if (state == SHOAL_FEED_ITEM_DOWNLOADED || state == SHOAL_FEED_ITEM_IGNORED)
            continue;
          if (!shoal_feed_rule_matches (rule, shoal_feed_get_url (feed), item, NULL))
            continue;
          /* The smart filter takes the first release of an episode. */
          if (shoal_feed_rule_get_smart_filter (rule))
            {
              char *episode = shoal_feed_item_dup_episode (item);

              if (episode != NULL && !g_hash_table_add (episodes, episode))
                continue;
            }
          g_list_store_append (matches, item);
        }
    }
  return G_LIST_MODEL (matches);
}

/* Saving the subscriptions and rules: a key file, one group a feed
 * ("Feed N": url, interval, etag, last-modified) and a rule ("Rule N": its properties and the
 * episodes its smart filter recorded). */

void
_shoal_feed_manager_save_config (ShoalFeedManager *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GBytes) bytes = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->feeds));
  g_autofree char *data = NULL;
  gsize len;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (G_LIST_MODEL (self->feeds), i);
      g_autofree char *group = g_strdup_printf ("Feed %u", i);

      g_key_file_set_string (kf, group, "url", shoal_feed_get_url (feed));
      g_key_file_set_uint64 (kf, group, "interval", shoal_feed_get_refresh_interval (feed));
      if (_shoal_feed_get_etag (feed) != NULL)
        g_key_file_set_string (kf, group, "etag", _shoal_feed_get_etag (feed));
      if (_shoal_feed_get_last_modified (feed) != NULL)
        g_key_file_set_string (kf, group, "last-modified", _shoal_feed_get_last_modified (feed));
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->rules));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeedRule) rule = g_list_model_get_item (G_LIST_MODEL (self->rules), i);
      g_autofree char *group = g_strdup_printf ("Rule %u", i);
      g_autofree GParamSpec **specs = NULL;
      g_auto(GStrv) episodes = shoal_feed_rule_dup_downloaded_episodes (rule);
      guint n_specs;

      specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (rule), &n_specs);
      for (guint p = 0; p < n_specs; p++)
        {
          g_auto(GValue) value = G_VALUE_INIT;

          g_value_init (&value, specs[p]->value_type);
          g_object_get_property (G_OBJECT (rule), specs[p]->name, &value);
          if (G_VALUE_HOLDS_STRING (&value))
            g_key_file_set_string (kf, group, specs[p]->name, g_value_get_string (&value));
          else if (G_VALUE_HOLDS_BOOLEAN (&value))
            g_key_file_set_boolean (kf, group, specs[p]->name, g_value_get_boolean (&value));
          else if (G_VALUE_HOLDS_UINT64 (&value))
            g_key_file_set_uint64 (kf, group, specs[p]->name, g_value_get_uint64 (&value));
        }
      g_key_file_set_string_list (kf, group, "downloaded-episodes", (const char * const *) episodes,
                                  g_strv_length (episodes));
    }
  data = g_key_file_to_data (kf, &len, NULL);
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  save_later (self, NULL, bytes);
}

/**
 * shoal_feed_manager_save:
 * @self: a manager
 *
 * Saves the feeds (their refresh intervals) and rules now. Adding and
 * removing feeds and rules saves by itself.
 */
void
shoal_feed_manager_save (ShoalFeedManager *self)
{
  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  _shoal_feed_manager_save_config (self);
}

static ShoalFeedRule *
rule_from_group (GKeyFile   *kf,
                 const char *group)
{
  g_autoptr(ShoalFeedRule) rule = shoal_feed_rule_new (NULL);
  g_autofree GParamSpec **specs = NULL;
  g_auto(GStrv) episodes = NULL;
  guint n_specs;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (rule), &n_specs);
  for (guint p = 0; p < n_specs; p++)
    {
      const char *key = specs[p]->name;
      g_autoptr(GError) error = NULL;

      if (!g_key_file_has_key (kf, group, key, NULL))
        continue;
      if (specs[p]->value_type == G_TYPE_STRING)
        {
          g_autofree char *v = g_key_file_get_string (kf, group, key, &error);

          if (v != NULL)
            g_object_set (rule, key, v, NULL);
        }
      else if (specs[p]->value_type == G_TYPE_BOOLEAN)
        {
          gboolean v = g_key_file_get_boolean (kf, group, key, &error);

          if (error == NULL)
            g_object_set (rule, key, v, NULL);
        }
      else if (specs[p]->value_type == G_TYPE_UINT64)
        {
          guint64 v = g_key_file_get_uint64 (kf, group, key, &error);

          if (error == NULL)
            g_object_set (rule, key, v, NULL);
        }
    }
  episodes = g_key_file_get_string_list (kf, group, "downloaded-episodes", NULL, NULL);
  _shoal_feed_rule_set_episodes (rule, (const char * const *) episodes);
  return g_steal_pointer (&rule);
}

/**
 * shoal_feed_manager_load:
 * @self: a manager without feeds
 * @error: return location for an error: the saved feeds cannot be read
 *
 * Loads the feeds, rules and histories saved in the session's state
 * directory. Nothing saved is not an error.
 *
 * Returns: whether what was saved could be read
 */
gboolean
shoal_feed_manager_load (ShoalFeedManager  *self,
                         GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  gsize len;
  const char *data;

  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), FALSE);

  bytes = shoal_state_store_load_feeds (self->store, &local_error);
  if (bytes == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  data = g_bytes_get_data (bytes, &len);
  if (!g_key_file_load_from_data (kf, data != NULL ? data : "", len, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED,
                   "The saved feeds cannot be read: %s", local_error->message);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (g_str_has_prefix (groups[i], "Feed "))
        {
          g_autofree char *url = g_key_file_get_string (kf, groups[i], "url", NULL);
          g_autofree char *normal = url ? normalize_url (url, NULL) : NULL;
          guint64 interval = g_key_file_get_uint64 (kf, groups[i], "interval", NULL);

          g_autofree char *etag = g_key_file_get_string (kf, groups[i], "etag", NULL);
          g_autofree char *last_modified = g_key_file_get_string (kf, groups[i], "last-modified", NULL);
          ShoalFeed *feed;

          if (normal == NULL || shoal_feed_manager_find_feed (self, normal) != NULL ||
              g_list_model_get_n_items (G_LIST_MODEL (self->feeds)) >= MAX_FEEDS)
            continue;
          feed = add_feed_object (self, normal, interval > 0 ? (guint) MIN (interval, G_MAXUINT) : SHOAL_FEED_DEFAULT_INTERVAL);
          _shoal_feed_set_validators (feed, etag, last_modified);
          _shoal_feed_take_validators_dirty (feed);
        }
      else if (g_str_has_prefix (groups[i], "Rule "))
        {
          g_autoptr(ShoalFeedRule) rule = rule_from_group (kf, groups[i]);
          g_autoptr(GError) rule_error = NULL;

          if (g_list_model_get_n_items (G_LIST_MODEL (self->rules)) >= MAX_RULES)
            continue;
          /* A rule that cannot be used now is kept (matching nothing) for
           * the user to fix; one without a name gets one. */
          if (shoal_feed_rule_get_name (rule) == NULL || rule_name_taken (self, rule, NULL, NULL))
            {
              g_autofree char *name = g_strdup_printf ("Rule %u", g_list_model_get_n_items (G_LIST_MODEL (self->rules)) + 1);

              g_object_set (rule, "name", name, NULL);
            }
          if (!shoal_feed_rule_check (rule, &rule_error))
            g_warning ("Rule “%s” matches nothing: %s", shoal_feed_rule_get_name (rule), rule_error->message);
          g_list_store_append (self->rules, rule);
        }
    }
  return TRUE;
}

