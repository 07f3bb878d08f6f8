/* shoal-feed-item.c: one item of a feed, and the torrent it gives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-episode.h"
#include "shoal-feed-private.h"

struct _ShoalFeedItem
{
  GObject             parent_instance;

  char               *id;
  char               *title;
  char               *torrent_url;
  char               *info_hash;
  gint64              pub_date;
  guint64             size;
  ShoalFeedItemState  state;
  char               *error;
  gboolean            read;
  guint               rules_seen;
};

G_DEFINE_FINAL_TYPE (ShoalFeedItem, shoal_feed_item, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ShoalFeedItemState, shoal_feed_item_state,
                    G_DEFINE_ENUM_VALUE (SHOAL_FEED_ITEM_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (SHOAL_FEED_ITEM_DOWNLOADED, "downloaded"),
                    G_DEFINE_ENUM_VALUE (SHOAL_FEED_ITEM_IGNORED, "ignored"),
                    G_DEFINE_ENUM_VALUE (SHOAL_FEED_ITEM_FAILED, "failed"))

enum {
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_TORRENT_URL,
  PROP_PUB_DATE,
  PROP_SIZE,
  PROP_STATE,
  PROP_ERROR,
  PROP_READ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_feed_item_finalize (GObject *object)
{
  ShoalFeedItem *self = SHOAL_FEED_ITEM (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->torrent_url);
  g_free (self->info_hash);
  g_free (self->error);
  G_OBJECT_CLASS (shoal_feed_item_parent_class)->finalize (object);
}

static void
shoal_feed_item_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalFeedItem *self = SHOAL_FEED_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_TORRENT_URL:
      g_value_set_string (value, self->torrent_url);
      break;
    case PROP_PUB_DATE:
      g_value_set_int64 (value, self->pub_date);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_READ:
      g_value_set_boolean (value, self->read);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_feed_item_class_init (ShoalFeedItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_feed_item_finalize;
  object_class->get_property = shoal_feed_item_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_TORRENT_URL] = g_param_spec_string ("torrent-url", NULL, NULL, NULL, flags);
  properties[PROP_PUB_DATE] = g_param_spec_int64 ("pub-date", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_FEED_ITEM_STATE,
                                              SHOAL_FEED_ITEM_NEW, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_READ] = g_param_spec_boolean ("read", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_feed_item_init (ShoalFeedItem *self)
{
}

ShoalFeedItem *
_shoal_feed_item_new (const char *id,
                      const char *title,
                      const char *torrent_url,
                      const char *info_hash,
                      gint64      pub_date,
                      guint64     size)
{
  ShoalFeedItem *self = g_object_new (SHOAL_TYPE_FEED_ITEM, NULL);

  self->id = g_strdup (id);
  self->title = g_strdup (title != NULL ? title : "");
  self->torrent_url = g_strdup (torrent_url);
  self->info_hash = g_strdup (info_hash);
  self->pub_date = MAX (0, pub_date);
  self->size = size;
  return self;
}

ShoalFeedItem *
_shoal_feed_item_new_from_entry (const ShoalFeedEntry *e)
{
  return _shoal_feed_item_new (e->id, e->title, e->torrent_url, e->info_hash, e->pub_date, e->size);
}

void
_shoal_feed_item_set_state (ShoalFeedItem      *self,
                            ShoalFeedItemState  state,
                            const char         *error)
{
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (state == SHOAL_FEED_ITEM_DOWNLOADED || state == SHOAL_FEED_ITEM_IGNORED)
    _shoal_feed_item_set_read (self, TRUE);
}

void
_shoal_feed_item_set_read (ShoalFeedItem *self,
                           gboolean       read)
{
  if (self->read == !!read)
    return;
  self->read = !!read;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ]);
}

guint
_shoal_feed_item_get_rules_seen (ShoalFeedItem *self)
{
  return self->rules_seen;
}

void
_shoal_feed_item_set_rules_seen (ShoalFeedItem *self,
                                 guint          generation)
{
  self->rules_seen = generation;
}

/**
 * shoal_feed_item_get_id:
 * @self: an item
 *
 * Returns: what identifies the item in its feed (its guid, Atom id, link
 *   or title), by which its history is kept
 */
const char *
shoal_feed_item_get_id (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  return self->id;
}

const char *
shoal_feed_item_get_title (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  return self->title;
}

/**
 * shoal_feed_item_get_torrent_url:
 * @self: an item
 *
 * Returns: (nullable): the torrent: an http(s) URL of a .torrent file or a
 *   magnet link; %NULL when the item names none
 */
const char *
shoal_feed_item_get_torrent_url (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  return self->torrent_url;
}

/**
 * shoal_feed_item_get_info_hash:
 * @self: an item
 *
 * Returns: (nullable): the v1 info-hash the feed gives, 40 lower-case hex
 *   digits, or %NULL
 */
const char *
shoal_feed_item_get_info_hash (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  return self->info_hash;
}

/**
 * shoal_feed_item_get_pub_date:
 * @self: an item
 *
 * Returns: when it was published, in seconds since the epoch; 0: unknown
 */
gint64
shoal_feed_item_get_pub_date (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), 0);
  return self->pub_date;
}

/**
 * shoal_feed_item_get_size:
 * @self: an item
 *
 * Returns: the size of the torrent's content the feed gives, in bytes;
 *   0: unknown
 */
guint64
shoal_feed_item_get_size (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), 0);
  return self->size;
}

ShoalFeedItemState
shoal_feed_item_get_state (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), SHOAL_FEED_ITEM_NEW);
  return self->state;
}

/**
 * shoal_feed_item_get_error:
 * @self: an item
 *
 * Returns: (nullable): why its torrent could not be added, when the state
 *   is %SHOAL_FEED_ITEM_FAILED
 */
const char *
shoal_feed_item_get_error (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  return self->error;
}

gboolean
shoal_feed_item_get_read (ShoalFeedItem *self)
{
  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), FALSE);
  return self->read;
}

/**
 * shoal_feed_item_dup_episode:
 * @self: an item
 *
 * Returns: (transfer full) (nullable): the episode its title names, as
 *   "S02E05", or %NULL
 */
char *
shoal_feed_item_dup_episode (ShoalFeedItem *self)
{
  ShoalEpisode ep;

  g_return_val_if_fail (SHOAL_IS_FEED_ITEM (self), NULL);
  if (!shoal_episode_parse_title (self->title, &ep))
    return NULL;
  return shoal_episode_to_string (&ep);
}
