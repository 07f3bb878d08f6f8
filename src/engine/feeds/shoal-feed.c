/* shoal-feed.c: one subscribed RSS or Atom feed and its items
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A feed keeps its items (a GListModel, in the feed's order), what the
 * last refresh said, the validators for the next conditional request, and
 * its history: what was done with each item id (downloaded, ignored, read),
 * which the manager saves in the state directory so that a restart neither
 * downloads an item again nor shows it as new. The manager fetches and
 * parses; the feed only records.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-feed-private.h"

#define MAX_BACKOFF_SHIFT  6
#define MAX_DELAY          (24 * 3600)

typedef struct
{
  char   state;   /* 'd' downloaded, 'i' ignored, 'r' read */
  gint64 time;
} HistoryEntry;

struct _ShoalFeed
{
  GObject      parent_instance;

  char        *url;
  char        *id;
  char        *title;
  GListStore  *items;
  GHashTable  *history;     /* item id -> HistoryEntry */
  GHashTable  *by_id;       /* item id -> item in items (borrowed) */
  GPtrArray   *order;       /* the items as in items, borrowed */
  gboolean     history_dirty;
  gint64       last_update;
  GError      *error;
  gboolean     updating;
  guint        interval;
  guint        ttl;
  guint        n_failures;
  char        *etag;
  char        *last_modified;
  gboolean     validators_dirty;
};

G_DEFINE_FINAL_TYPE (ShoalFeed, shoal_feed, G_TYPE_OBJECT)

G_DEFINE_QUARK (shoal-feed-error-quark, shoal_feed_error)

enum {
  PROP_0,
  PROP_URL,
  PROP_TITLE,
  PROP_N_UNREAD,
  PROP_LAST_UPDATE,
  PROP_ERROR,
  PROP_UPDATING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_feed_finalize (GObject *object)
{
  ShoalFeed *self = SHOAL_FEED (object);

  g_free (self->url);
  g_free (self->id);
  g_free (self->title);
  g_clear_object (&self->items);
  g_clear_pointer (&self->history, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_free (self->etag);
  g_free (self->last_modified);
  G_OBJECT_CLASS (shoal_feed_parent_class)->finalize (object);
}

static void
shoal_feed_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalFeed *self = SHOAL_FEED (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_TITLE:
      g_value_set_string (value, shoal_feed_get_title (self));
      break;
    case PROP_N_UNREAD:
      g_value_set_uint (value, shoal_feed_get_n_unread (self));
      break;
    case PROP_LAST_UPDATE:
      g_value_set_int64 (value, self->last_update);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_UPDATING:
      g_value_set_boolean (value, self->updating);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_feed_class_init (ShoalFeedClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_feed_finalize;
  object_class->get_property = shoal_feed_get_property;

  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_N_UNREAD] = g_param_spec_uint ("n-unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_LAST_UPDATE] = g_param_spec_int64 ("last-update", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  properties[PROP_UPDATING] = g_param_spec_boolean ("updating", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_feed_init (ShoalFeed *self)
{
  self->items = g_list_store_new (SHOAL_TYPE_FEED_ITEM);
  self->history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->order = g_ptr_array_new ();
  self->interval = SHOAL_FEED_DEFAULT_INTERVAL;
}

/* The id the state store knows the feed's history by. */
char *
_shoal_feed_id_for_url (const char *url)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);

  return g_strndup (digest, 32);
}

ShoalFeed *
_shoal_feed_new (const char *url)
{
  ShoalFeed *self = g_object_new (SHOAL_TYPE_FEED, NULL);

  self->url = g_strdup (url);
  self->id = _shoal_feed_id_for_url (url);
  return self;
}

typedef struct
{
  const char *id;
  gint64      time;
} Aged;

static int
compare_aged (const void *a,
              const void *b)
{
  gint64 ta = ((const Aged *) a)->time, tb = ((const Aged *) b)->time;

  return ta < tb ? -1 : ta > tb;
}

/* Forgets the oldest tenth of a full history at once: a feed shows its
 * latest items, and entries that old are for items it no longer has. */
static void
forget_oldest (ShoalFeed *self)
{
  guint n = g_hash_table_size (self->history), i = 0;
  g_autofree Aged *aged = g_new (Aged, n);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->history);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      aged[i].id = key;
      aged[i].time = ((HistoryEntry *) value)->time;
      i++;
    }
  qsort (aged, n, sizeof (Aged), compare_aged);
  for (i = 0; i < n / 10 + 1 && i < n; i++)
    g_hash_table_remove (self->history, aged[i].id);
}

static void
history_set (ShoalFeed  *self,
             const char *id,
             char        state)
{
  HistoryEntry *entry = g_hash_table_lookup (self->history, id);

  if (entry != NULL)
    {
      /* read never replaces downloaded or ignored */
      if (entry->state == state || (state == 'r' && entry->state != 'r'))
        return;
      entry->state = state;
      entry->time = g_get_real_time () / G_USEC_PER_SEC;
      self->history_dirty = TRUE;
      return;
    }
  if (g_hash_table_size (self->history) >= SHOAL_FEED_MAX_HISTORY)
    forget_oldest (self);
  entry = g_new0 (HistoryEntry, 1);
  entry->state = state;
  entry->time = g_get_real_time () / G_USEC_PER_SEC;
  g_hash_table_insert (self->history, g_strdup (id), entry);
  self->history_dirty = TRUE;
}

ShoalFeedItemState
_shoal_feed_history_lookup (ShoalFeed  *self,
                            const char *item_id)
{
  HistoryEntry *entry = g_hash_table_lookup (self->history, item_id);

  if (entry == NULL)
    return SHOAL_FEED_ITEM_NEW;
  if (entry->state == 'd')
    return SHOAL_FEED_ITEM_DOWNLOADED;
  if (entry->state == 'i')
    return SHOAL_FEED_ITEM_IGNORED;
  return SHOAL_FEED_ITEM_NEW;
}

/* Records what was done with @item, in the item and in the history. */
void
_shoal_feed_record (ShoalFeed          *self,
                    ShoalFeedItem      *item,
                    ShoalFeedItemState  state)
{
  const char *id = shoal_feed_item_get_id (item);

  switch (state)
    {
    case SHOAL_FEED_ITEM_DOWNLOADED:
      history_set (self, id, 'd');
      break;
    case SHOAL_FEED_ITEM_IGNORED:
      history_set (self, id, 'i');
      break;
    case SHOAL_FEED_ITEM_NEW:
      {
        HistoryEntry *entry = g_hash_table_lookup (self->history, id);

        /* Not ignored any more: back to read. */
        if (entry != NULL && entry->state != 'r')
          {
            entry->state = 'r';
            self->history_dirty = TRUE;
          }
      }
      break;
    case SHOAL_FEED_ITEM_FAILED:
    default:
      break;
    }
  if (state != SHOAL_FEED_ITEM_FAILED)
    {
      gboolean was_read = shoal_feed_item_get_read (item);

      _shoal_feed_item_set_state (item, state, NULL);
      if (was_read != shoal_feed_item_get_read (item))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
    }
}

void
_shoal_feed_set_updating (ShoalFeed *self,
                          gboolean   updating)
{
  if (self->updating == !!updating)
    return;
  self->updating = !!updating;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATING]);
}

static void
set_error (ShoalFeed    *self,
           const GError *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
set_updated_now (ShoalFeed *self)
{
  self->last_update = g_get_real_time () / G_USEC_PER_SEC;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_UPDATE]);
}

/* The result of a refresh, merged a slice at a time (the manager gives
 * each step a deadline, so that a feed of 100,000 items never holds the
 * main loop long): items already listed keep their object (and their
 * state); new ones take theirs from the history. */
struct _ShoalFeedMerge
{
  ShoalFeed         *feed;
  ShoalFeedDocument *doc;
  GHashTable        *by_id;  /* id -> item of the new list (borrowed) */
  GPtrArray         *list;   /* of ShoalFeedItem, owned */
  guint              pos;
};

ShoalFeedMerge *
_shoal_feed_merge_new (ShoalFeed         *self,
                       ShoalFeedDocument *doc)
{
  ShoalFeedMerge *m = g_new0 (ShoalFeedMerge, 1);

  m->feed = g_object_ref (self);
  m->doc = doc;
  m->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  m->list = g_ptr_array_new_full (MIN (doc->items->len, 4096), g_object_unref);
  return m;
}

/* Returns TRUE when every item is merged. */
gboolean
_shoal_feed_merge_step (ShoalFeedMerge *m,
                        gint64          deadline_us)
{
  ShoalFeed *self = m->feed;
  GPtrArray *items = m->doc->items;

  for (; m->pos < items->len; m->pos++)
    {
      const ShoalFeedEntry *entry = items->pdata[m->pos];
      const char *id = entry->id;
      ShoalFeedItem *kept;

      if ((m->pos & 31) == 0 && g_get_monotonic_time () > deadline_us)
        return FALSE;
      /* A feed listing an id twice shows it once. */
      if (g_hash_table_contains (m->by_id, id))
        continue;
      kept = g_hash_table_lookup (self->by_id, id);
      if (kept != NULL)
        g_ptr_array_add (m->list, g_object_ref (kept));
      else
        {
          kept = _shoal_feed_item_new_from_entry (entry);
          if (g_hash_table_contains (self->history, id))
            {
              _shoal_feed_item_set_state (kept, _shoal_feed_history_lookup (self, id), NULL);
              _shoal_feed_item_set_read (kept, TRUE);
            }
          g_ptr_array_add (m->list, kept);
        }
      g_hash_table_insert (m->by_id, (gpointer) shoal_feed_item_get_id (kept), kept);
    }
  return TRUE;
}

/* Shows the merged list; returns the parsed document, which the caller
 * frees (in a worker thread, where it is big). */
ShoalFeedDocument *
_shoal_feed_merge_finish (ShoalFeedMerge *m)
{
  ShoalFeed *self = m->feed;
  ShoalFeedDocument *doc = g_steal_pointer (&m->doc);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  g_assert (m->pos >= doc->items->len);
  g_hash_table_unref (self->by_id);
  self->by_id = g_steal_pointer (&m->by_id);
  /* Most refreshes list the same items: then the list stays as it is. */
  if (n_old != m->list->len ||
      (n_old > 0 && memcmp (self->order->pdata, m->list->pdata, sizeof (gpointer) * n_old) != 0))
    {
      g_list_store_splice (self->items, 0, n_old, m->list->pdata, m->list->len);
      g_ptr_array_set_size (self->order, 0);
      g_ptr_array_extend (self->order, m->list, NULL, NULL);
    }

  if (doc->title != NULL && g_strcmp0 (doc->title, self->title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (doc->title);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
  self->ttl = doc->ttl_seconds;
  self->n_failures = 0;
  set_error (self, NULL);
  set_updated_now (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
  return doc;
}

void
_shoal_feed_merge_free (ShoalFeedMerge *m)
{
  if (m == NULL)
    return;
  g_clear_object (&m->feed);
  g_clear_pointer (&m->doc, shoal_feed_document_free);
  g_clear_pointer (&m->by_id, g_hash_table_unref);
  g_clear_pointer (&m->list, g_ptr_array_unref);
  g_free (m);
}

/* All at once, for tests and small documents. */
void
_shoal_feed_set_result (ShoalFeed         *self,
                        ShoalFeedDocument *doc)
{
  ShoalFeedMerge *m = _shoal_feed_merge_new (self, doc);

  _shoal_feed_merge_step (m, G_MAXINT64);
  shoal_feed_document_free (_shoal_feed_merge_finish (m));
  _shoal_feed_merge_free (m);
}

void
_shoal_feed_set_not_modified (ShoalFeed *self)
{
  self->n_failures = 0;
  set_error (self, NULL);
  set_updated_now (self);
}

void
_shoal_feed_set_error (ShoalFeed    *self,
                       const GError *error)
{
  self->n_failures = MIN (self->n_failures + 1, 1000);
  set_error (self, error);
}

const char *
_shoal_feed_get_etag (ShoalFeed *self)
{
  return self->etag;
}

const char *
_shoal_feed_get_last_modified (ShoalFeed *self)
{
  return self->last_modified;
}

void
_shoal_feed_set_validators (ShoalFeed  *self,
                            const char *etag,
                            const char *last_modified)
{
  g_autofree char *new_etag = etag != NULL && strlen (etag) <= 1024 ? g_strdup (etag) : NULL;
  g_autofree char *new_last_modified = last_modified != NULL && strlen (last_modified) <= 128
                                       ? g_strdup (last_modified) : NULL;

  if (g_strcmp0 (new_etag, self->etag) != 0 || g_strcmp0 (new_last_modified, self->last_modified) != 0)
    self->validators_dirty = TRUE;
  g_free (self->etag);
  self->etag = g_steal_pointer (&new_etag);
  g_free (self->last_modified);
  self->last_modified = g_steal_pointer (&new_last_modified);
}

/* Whether the validators changed since the last call: feeds.conf keeps
 * them, so the first fetch after a restart is conditional too. */
gboolean
_shoal_feed_take_validators_dirty (ShoalFeed *self)
{
  gboolean dirty = self->validators_dirty;

  self->validators_dirty = FALSE;
  return dirty;
}

/* History file: one line per item, "STATE TIME ID" separated by tabs, the
 * id escaped with g_strescape(). */
gboolean
_shoal_feed_load_history (ShoalFeed  *self,
                          GBytes     *history,
                          GError    **error)
{
  gsize len;
  const char *data = g_bytes_get_data (history, &len);
  g_autofree char *text = g_strndup (data, len);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL && n < SHOAL_FEED_MAX_HISTORY; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *id = NULL;
      HistoryEntry *entry;
      gint64 time;

      if (*lines[i] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 3);
      if (g_strv_length (fields) != 3 || strlen (fields[0]) != 1 || strchr ("dir", fields[0][0]) == NULL ||
          !g_ascii_string_to_signed (fields[1], 10, 0, G_MAXINT64, &time, NULL))
        {
          g_set_error (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_MALFORMED,
                       "Line %u of the feed's history is not in the format Shoal writes", i + 1);
          return FALSE;
        }
      id = g_strcompress (fields[2]);
      if (*id == '\0' || strlen (id) > SHOAL_FEED_MAX_ID * 2)
        continue;
      entry = g_new0 (HistoryEntry, 1);
      entry->state = fields[0][0];
      entry->time = time;
      g_hash_table_replace (self->history, g_steal_pointer (&id), entry);
      n++;
    }
  self->history_dirty = FALSE;
  return TRUE;
}

GBytes *
_shoal_feed_history_to_bytes (ShoalFeed *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GList) keys = g_hash_table_get_keys (self->history);

  keys = g_list_sort (keys, (GCompareFunc) (void (*) (void)) strcmp);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      HistoryEntry *entry = g_hash_table_lookup (self->history, l->data);
      g_autofree char *escaped = g_strescape (l->data, NULL);

      g_string_append_printf (out, "%c\t%" G_GINT64_FORMAT "\t%s\n", entry->state, entry->time, escaped);
    }
  self->history_dirty = FALSE;
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

gboolean
_shoal_feed_get_history_dirty (ShoalFeed *self)
{
  return self->history_dirty;
}

/**
 * shoal_feed_get_url:
 * @self: a feed
 *
 * Returns: the URL subscribed to
 */
const char *
shoal_feed_get_url (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  return self->url;
}

/**
 * shoal_feed_get_id:
 * @self: a feed
 *
 * Returns: a short id made from its URL (hex), the same in every run
 */
const char *
shoal_feed_get_id (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  return self->id;
}

/**
 * shoal_feed_get_title:
 * @self: a feed
 *
 * Returns: the feed's title, or its URL until it has been fetched
 */
const char *
shoal_feed_get_title (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  return self->title != NULL ? self->title : self->url;
}

/**
 * shoal_feed_get_items:
 * @self: a feed
 *
 * Returns: (transfer none): a #GListModel of #ShoalFeedItem, in the
 *   feed's order
 */
GListModel *
shoal_feed_get_items (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  return G_LIST_MODEL (self->items);
}

/**
 * shoal_feed_find_item:
 * @self: a feed
 * @id: an item's id
 *
 * Returns: (transfer none) (nullable): the item with that id
 */
ShoalFeedItem *
shoal_feed_find_item (ShoalFeed  *self,
                      const char *id)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->by_id, id);
}

/**
 * shoal_feed_get_n_unread:
 * @self: a feed
 *
 * Returns: how many of its items were not read (nor downloaded or ignored)
 */
guint
shoal_feed_get_n_unread (ShoalFeed *self)
{
  guint n, unread = 0;

  g_return_val_if_fail (SHOAL_IS_FEED (self), 0);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeedItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (!shoal_feed_item_get_read (item))
        unread++;
    }
  return unread;
}

/**
 * shoal_feed_mark_read:
 * @self: a feed
 *
 * Marks every item read (kept in the history).
 */
void
shoal_feed_mark_read (ShoalFeed *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_FEED (self));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalFeedItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (!shoal_feed_item_get_read (item))
        {
          history_set (self, shoal_feed_item_get_id (item), 'r');
          _shoal_feed_item_set_read (item, TRUE);
        }
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
}

/**
 * shoal_feed_mark_item_read:
 * @self: a feed
 * @item: one of its items
 *
 * Marks @item read (kept in the history).
 */
void
shoal_feed_mark_item_read (ShoalFeed     *self,
                           ShoalFeedItem *item)
{
  g_return_if_fail (SHOAL_IS_FEED (self));
  g_return_if_fail (SHOAL_IS_FEED_ITEM (item));

  if (shoal_feed_item_get_read (item))
    return;
  history_set (self, shoal_feed_item_get_id (item), 'r');
  _shoal_feed_item_set_read (item, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNREAD]);
}

/**
 * shoal_feed_get_last_update:
 * @self: a feed
 *
 * Returns: when it was last fetched without error, in seconds since the
 *   epoch; 0: never in this run
 */
gint64
shoal_feed_get_last_update (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), 0);
  return self->last_update;
}

/**
 * shoal_feed_get_error:
 * @self: a feed
 *
 * Returns: (nullable): why the last refresh failed, or %NULL
 */
const GError *
shoal_feed_get_error (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), NULL);
  return self->error;
}

gboolean
shoal_feed_get_updating (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), FALSE);
  return self->updating;
}

guint
shoal_feed_get_refresh_interval (ShoalFeed *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED (self), 0);
  return self->interval;
}

/**
 * shoal_feed_set_refresh_interval:
 * @self: a feed
 * @seconds: how often to fetch it, at least %SHOAL_FEED_MIN_INTERVAL
 *
 * The feed's own time to live (RSS ttl, sy:updatePeriod) makes it longer
 * when the feed asks for that.
 */
void
shoal_feed_set_refresh_interval (ShoalFeed *self,
                                 guint      seconds)
{
  g_return_if_fail (SHOAL_IS_FEED (self));
  self->interval = CLAMP (seconds, SHOAL_FEED_MIN_INTERVAL, MAX_DELAY);
}

/**
 * shoal_feed_get_next_refresh_delay:
 * @self: a feed
 *
 * Returns: seconds to wait before the next refresh: the interval or the
 *   feed's time to live, whichever is longer; after failures, that doubled
 *   for each failure in a row (at most 64 times, and a day)
 */
guint
shoal_feed_get_next_refresh_delay (ShoalFeed *self)
{
  guint64 delay;

  g_return_val_if_fail (SHOAL_IS_FEED (self), 0);
  delay = MAX (self->interval, self->ttl);
  if (self->n_failures > 0)
    delay <<= MIN (self->n_failures, MAX_BACKOFF_SHIFT);
  return (guint) MIN (delay, MAX_DELAY);
}

/**
 * shoal_feed_address_from_document:
 * @document: a feed's XML, as saved to a file
 * @error: return location for a #ShoalFeedError
 *
 * The web address a saved feed gives for itself, to subscribe to it
 * instead of to the file: its atom:link rel="self", else its channel's
 * link. Parses @document on the calling thread.
 *
 * Returns: (transfer full): an http(s) URL, or %NULL with @error set
 *   (%SHOAL_FEED_ERROR_BAD_URL when the feed names no address)
 */
char *
shoal_feed_address_from_document (GBytes  *document,
                                  GError **error)
{
  g_autoptr(ShoalFeedDocument) doc = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (document, &len);

  doc = shoal_feed_parse (data != NULL ? data : "", len, error);
  if (doc == NULL)
    return NULL;
  if (doc->self_url != NULL)
    return g_strdup (doc->self_url);
  if (doc->link != NULL)
    return g_strdup (doc->link);
  g_set_error_literal (error, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL,
                       "This feed file does not give its web address (no self or channel link), "
                       "and Shoal cannot follow a file on this computer: add the feed by its address");
  return NULL;
}
