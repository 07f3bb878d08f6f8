/* shoal-feed-manager-refresh.c: refreshes, polling, and the rules run
 * over what is new
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-feed-manager-private.h"

/* Refreshing a feed: fetch, parse in a worker thread, merge the items and
 * run the rules a slice of at most SLICE_US at a time, and finish when the
 * torrents the rules picked are added (or failed). The parsed document is
 * freed in a worker thread too. */

#define SLICE_US  4000

typedef struct
{
  ShoalFeed      *feed;
  ShoalFeedMerge *merge;
  guint           rule_pos;
  guint           pending;   /* downloads started by the rules, and the rules' pass */
  guint           source;
  GError         *error;
  GBytes         *body;       /* a 200's body, saved once it parsed */
  gboolean        from_copy;  /* a 304 with no items known: read the saved copy */
  gboolean        refetched;  /* the copy was unusable: fetched again without validators */
} Refresh;

typedef struct
{
  ShoalStateStore *store;
  char            *feed_id;
} CopyLoad;

static void
copy_load_free (CopyLoad *c)
{
  g_object_unref (c->store);
  g_free (c->feed_id);
  g_free (c);
}

static void
refresh_free (Refresh *r)
{
  if (r->source != 0)
    g_source_remove (r->source);
  g_clear_pointer (&r->merge, _shoal_feed_merge_free);
  g_clear_object (&r->feed);
  g_clear_error (&r->error);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GBytes *body = task_data;
  GError *error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  ShoalFeedDocument *doc = shoal_feed_parse (data != NULL ? data : "", len, &error);

  if (doc == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, doc, (GDestroyNotify) shoal_feed_document_free);
}

/* The saved copy of a feed whose server said 304, read and parsed. */
static void
copy_parse_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  CopyLoad *c = task_data;
  GError *error = NULL;
  g_autoptr(GBytes) body = shoal_state_store_load_feed_copy (c->store, c->feed_id, &error);
  ShoalFeedDocument *doc = NULL;

  if (body != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (body, &len);

      doc = shoal_feed_parse (data != NULL ? data : "", len, &error);
    }
  if (doc == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, doc, (GDestroyNotify) shoal_feed_document_free);
}

static void
free_document_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  shoal_feed_document_free (task_data);
  g_task_return_boolean (task, TRUE);
}

/* Tens of thousands of entries (plain structures) are freed in a worker
 * thread. */
static void
free_document_later (ShoalFeedDocument *doc)
{
  GTask *task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_source_tag (task, free_document_later);
  g_task_set_task_data (task, doc, NULL);
  g_task_run_in_thread (task, free_document_thread);
  g_object_unref (task);
}

static void
refresh_done (ShoalFeedManager *self,
              GTask            *task)
{
  Refresh *r = g_task_get_task_data (task);
  GPtrArray *waiting = NULL;

  _shoal_feed_set_updating (r->feed, FALSE);
  _shoal_feed_manager_save_history (self, r->feed);
  /* after the history, so a restart never skips items by a 304 */
  if (_shoal_feed_take_validators_dirty (r->feed) && g_list_store_find (self->feeds, r->feed, NULL))
    _shoal_feed_manager_save_config (self);
  g_task_return_boolean (task, r->error == NULL);
  if (self->polling && !g_cancellable_is_cancelled (self->cancellable) &&
      g_list_store_find (self->feeds, r->feed, NULL))
    _shoal_feed_manager_schedule_refresh (self, r->feed, shoal_feed_get_next_refresh_delay (r->feed));

  g_hash_table_steal_extended (self->refreshing, r->feed, NULL, (gpointer *) &waiting);
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *t = waiting->pdata[i];

      if (r->error != NULL)
        g_task_return_error (t, g_error_copy (r->error));
      else
        g_task_return_boolean (t, TRUE);
    }
  g_clear_pointer (&waiting, g_ptr_array_unref);
}

static void
rule_download_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalFeedManager *self = SHOAL_FEED_MANAGER (source);
  Refresh *r = g_task_get_task_data (task);
  g_autoptr(ShoalTorrent) torrent = NULL;

  /* A failure is the item's (its state and error say it), not the feed's. */
  torrent = shoal_feed_manager_download_item_finish (self, res, NULL);
  if (--r->pending == 0)
    refresh_done (self, task);
}

/* Runs the rules over the items they have not seen (new items, or every
 * item after the rules changed) and those that failed; returns TRUE when
 * through. */
static gboolean
run_rules_step (ShoalFeedManager *self,
                GTask            *task,
                gint64            deadline_us)
{
  Refresh *r = g_task_get_task_data (task);
  GListModel *items = shoal_feed_get_items (r->feed);
  guint n = g_list_model_get_n_items (items);
  guint n_rules = g_list_model_get_n_items (G_LIST_MODEL (self->rules));

  for (; r->rule_pos < n; r->rule_pos++)
    {
      g_autoptr(ShoalFeedItem) item = NULL;
      ShoalFeedItemState state;

      if ((r->rule_pos & 63) == 0 && g_get_monotonic_time () > deadline_us)
        return FALSE;
      item = g_list_model_get_item (items, r->rule_pos);
      state = shoal_feed_item_get_state (item);
      if (state == SHOAL_FEED_ITEM_DOWNLOADED || state == SHOAL_FEED_ITEM_IGNORED ||
          (state == SHOAL_FEED_ITEM_NEW && _shoal_feed_item_get_rules_seen (item) == self->rules_generation) ||
          g_hash_table_contains (self->downloading, item))
        continue;
      _shoal_feed_item_set_rules_seen (item, self->rules_generation);
      for (guint k = 0; k < n_rules; k++)
        {
          g_autoptr(ShoalFeedRule) rule = g_list_model_get_item (G_LIST_MODEL (self->rules), k);

          if (!shoal_feed_rule_matches (rule, shoal_feed_get_url (r->feed), item, NULL))
            continue;
          g_debug ("Feed %s: rule “%s” picks “%s”", shoal_feed_get_url (r->feed),
                   shoal_feed_rule_get_name (rule), shoal_feed_item_get_title (item));
          r->pending++;
          _shoal_feed_manager_start_download (self, r->feed, item, rule, self->cancellable, rule_download_cb, g_object_ref (task));
          break;
        }
    }
  return TRUE;
}

static gboolean
apply_step_cb (gpointer user_data)
{
  GTask *task = user_data;
  ShoalFeedManager *self = g_task_get_source_object (task);
  Refresh *r = g_task_get_task_data (task);
  gint64 deadline = g_get_monotonic_time () + SLICE_US;

  if (r->merge != NULL)
    {
      if (!_shoal_feed_merge_step (r->merge, deadline))
        return G_SOURCE_CONTINUE;
      free_document_later (_shoal_feed_merge_finish (r->merge));
      g_clear_pointer (&r->merge, _shoal_feed_merge_free);
      g_debug ("Feed %s: %u items", shoal_feed_get_url (r->feed),
               g_list_model_get_n_items (shoal_feed_get_items (r->feed)));
      if (g_get_monotonic_time () > deadline)
        return G_SOURCE_CONTINUE;
    }
  if (!self->no_auto_download && !run_rules_step (self, task, deadline))
    return G_SOURCE_CONTINUE;
  r->source = 0;
  if (--r->pending == 0)
    refresh_done (self, task);
  return G_SOURCE_REMOVE;
}

/* Merges @doc (NULL: not modified) and runs the rules, in slices. */
static void
start_apply (ShoalFeedManager  *self,
             GTask             *task,
             ShoalFeedDocument *doc)
{
  Refresh *r = g_task_get_task_data (task);

  if (doc != NULL)
    r->merge = _shoal_feed_merge_new (r->feed, doc);
  r->rule_pos = 0;
  r->pending = 1;
  r->source = g_idle_add_full (G_PRIORITY_DEFAULT, apply_step_cb, g_object_ref (task), g_object_unref);
}

static void fetched_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static void
parsed_cb (GObject      *source,
           GAsyncResult *res,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalFeedManager *self = g_task_get_source_object (task);
  Refresh *r = g_task_get_task_data (task);
  ShoalFeedDocument *doc;

  doc = g_task_propagate_pointer (G_TASK (res), &r->error);
  if (doc == NULL && r->from_copy && !r->refetched &&
      !g_error_matches (r->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* No usable copy (none saved, or too large): the whole feed again. */
      g_debug ("Feed %s: no usable saved copy (%s), fetching it whole", shoal_feed_get_url (r->feed),
               r->error->message);
      g_clear_error (&r->error);
      r->refetched = TRUE;
      _shoal_feed_set_validators (r->feed, NULL, NULL);
      shoal_feed_fetch_async (self->soup, shoal_feed_get_url (r->feed), NULL, NULL, SHOAL_FEED_MAX_BYTES, "feed",
                              self->cancellable, fetched_cb, g_steal_pointer (&task));
      return;
    }
  if (doc == NULL)
    {
      _shoal_feed_set_validators (r->feed, NULL, NULL);
      _shoal_feed_set_error (r->feed, r->error);
      refresh_done (self, task);
      return;
    }
  if (r->body != NULL)
    _shoal_feed_manager_save_copy (self, r->feed, r->body);
  start_apply (self, task, doc);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalFeedManager *self = g_task_get_source_object (task);
  Refresh *r = g_task_get_task_data (task);
  g_autoptr(ShoalFeedFetchResult) result = NULL;
  GTask *parse;

  result = shoal_feed_fetch_finish (res, &r->error);
  if (result == NULL)
    {
      _shoal_feed_set_error (r->feed, r->error);
      refresh_done (self, task);
      return;
    }
  _shoal_feed_set_validators (r->feed, result->etag, result->last_modified);
  if (result->not_modified)
    {
      g_debug ("Feed %s: not modified", shoal_feed_get_url (r->feed));
      _shoal_feed_set_not_modified (r->feed);
      if (g_list_model_get_n_items (shoal_feed_get_items (r->feed)) == 0 && !r->from_copy && !r->refetched)
        {
          /* The first fetch after a restart: the items are in the copy. */
          CopyLoad *c = g_new0 (CopyLoad, 1);

          c->store = g_object_ref (self->store);
          c->feed_id = g_strdup (shoal_feed_get_id (r->feed));
          r->from_copy = TRUE;
          parse = g_task_new (self, self->cancellable, parsed_cb, g_steal_pointer (&task));
          g_task_set_source_tag (parse, copy_parse_thread);
          g_task_set_task_data (parse, c, (GDestroyNotify) copy_load_free);
          g_task_run_in_thread (parse, copy_parse_thread);
          g_object_unref (parse);
          return;
        }
      /* Items that failed are tried again; changed rules run too. */
      start_apply (self, task, NULL);
      return;
    }
  g_clear_pointer (&r->body, g_bytes_unref);
  r->body = g_bytes_ref (result->body);
  parse = g_task_new (self, self->cancellable, parsed_cb, g_steal_pointer (&task));
  g_task_set_source_tag (parse, parse_thread);
  g_task_set_task_data (parse, g_bytes_ref (result->body), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (parse, parse_thread);
  g_object_unref (parse);
}

static void
start_refresh (ShoalFeedManager *self,
               ShoalFeed        *feed)
{
  GTask *task;
  Refresh *r;

  if (g_hash_table_contains (self->refreshing, feed))
    return;
  g_hash_table_insert (self->refreshing, feed, g_ptr_array_new_with_free_func (g_object_unref));
  task = g_task_new (self, self->cancellable, NULL, NULL);
  r = g_new0 (Refresh, 1);
  r->feed = g_object_ref (feed);
  g_task_set_task_data (task, r, (GDestroyNotify) refresh_free);
  _shoal_feed_set_updating (feed, TRUE);
  shoal_feed_fetch_async (self->soup, shoal_feed_get_url (feed), _shoal_feed_get_etag (feed),
                          _shoal_feed_get_last_modified (feed), SHOAL_FEED_MAX_BYTES, "feed", self->cancellable,
                          fetched_cb, task);
}

static gboolean
timer_cb (gpointer user_data)
{
  ShoalFeed *feed = user_data;
  ShoalFeedManager *self = g_object_get_data (G_OBJECT (feed), "shoal-feed-manager");

  g_hash_table_remove (self->timers, feed);
  start_refresh (self, feed);
  return G_SOURCE_REMOVE;
}

void
_shoal_feed_manager_schedule_refresh (ShoalFeedManager *self,
                  ShoalFeed        *feed,
                  guint             seconds)
{
  gpointer old;
  guint id;

  if (g_hash_table_steal_extended (self->timers, feed, NULL, &old))
    g_source_remove (GPOINTER_TO_UINT (old));
  g_object_set_data (G_OBJECT (feed), "shoal-feed-manager", self);
  id = seconds == 0 ? g_idle_add (timer_cb, feed) : g_timeout_add_seconds (seconds, timer_cb, feed);
  g_hash_table_insert (self->timers, feed, GUINT_TO_POINTER (id));
}

/**
 * shoal_feed_manager_set_polling:
 * @self: a manager
 * @polling: whether to refresh every feed by itself
 *
 * With polling on, each feed is refreshed at once and then every
 * shoal_feed_get_next_refresh_delay() seconds, and the rules run over
 * what is new.
 */
void
shoal_feed_manager_set_polling (ShoalFeedManager *self,
                                gboolean          polling)
{
  guint n;

  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  if (self->polling == !!polling)
    return;
  self->polling = !!polling;
  if (!polling)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->timers);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_source_remove (GPOINTER_TO_UINT (value));
      g_hash_table_remove_all (self->timers);
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->feeds));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeed) feed = g_list_model_get_item (G_LIST_MODEL (self->feeds), i);

      if (!g_hash_table_contains (self->refreshing, feed))
        _shoal_feed_manager_schedule_refresh (self, feed, 0);
    }
}

/**
 * shoal_feed_manager_set_auto_download:
 * @self: a manager
 * @auto_download: whether refreshes run the rules (the default)
 *
 * Without, refreshes only fetch the feeds: to look at them, or preview
 * rules, without downloading anything.
 */
void
shoal_feed_manager_set_auto_download (ShoalFeedManager *self,
                                      gboolean          auto_download)
{
  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  self->no_auto_download = !auto_download;
}

gboolean
shoal_feed_manager_get_auto_download (ShoalFeedManager *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), FALSE);
  return !self->no_auto_download;
}

gboolean
shoal_feed_manager_get_polling (ShoalFeedManager *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_MANAGER (self), FALSE);
  return self->polling;
}

typedef struct
{
  guint   pending;
  GError *error;   /* the first feed's error */
} RefreshAll;

static void
refresh_all_free (RefreshAll *all)
{
  g_clear_error (&all->error);
  g_free (all);
}

static void
one_refreshed_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshAll *all = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error) && all->error == NULL)
    all->error = g_steal_pointer (&error);
  if (--all->pending > 0)
    return;
  if (all->error != NULL)
    g_task_return_error (task, g_steal_pointer (&all->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
wait_refresh (ShoalFeedManager *self,
              ShoalFeed        *feed,
              GTask            *waiter)
{
  GPtrArray *waiting;

  start_refresh (self, feed);
  waiting = g_hash_table_lookup (self->refreshing, feed);
  g_ptr_array_add (waiting, waiter);
}

/**
 * shoal_feed_manager_refresh_async:
 * @self: a manager
 * @feed: (nullable): one of its feeds, or %NULL for all
 * @cancellable: (nullable): a #GCancellable (it stops the wait, not the
 *   refresh)
 * @callback: called when done
 * @user_data: for @callback
 *
 * Fetches the feed(s) now, runs the rules over their items and finishes
 * when the torrents the rules picked are added to the session (or
 * failed). A refresh already under way is joined, not repeated.
 */
void
shoal_feed_manager_refresh_async (ShoalFeedManager    *self,
                                  ShoalFeed           *feed,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RefreshAll *all;
  guint n;

  g_return_if_fail (SHOAL_IS_FEED_MANAGER (self));
  g_return_if_fail (feed == NULL || SHOAL_IS_FEED (feed));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_feed_manager_refresh_async);
  all = g_new0 (RefreshAll, 1);
  g_task_set_task_data (task, all, (GDestroyNotify) refresh_all_free);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->feeds));
  all->pending = 1;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeed) f = g_list_model_get_item (G_LIST_MODEL (self->feeds), i);

      if (feed != NULL && f != feed)
        continue;
      all->pending++;
      wait_refresh (self, f, g_task_new (self, NULL, one_refreshed_cb, g_object_ref (task)));
    }
  if (--all->pending == 0)
    {
      if (all->error != NULL)
        g_task_return_error (task, g_steal_pointer (&all->error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

/**
 * shoal_feed_manager_refresh_finish:
 * @self: a manager
 * @result: the result
 * @error: return location for the first feed's error (each feed's
 *   shoal_feed_get_error() has its own)
 *
 * Returns: whether every feed was refreshed
 */
gboolean
shoal_feed_manager_refresh_finish (ShoalFeedManager  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
