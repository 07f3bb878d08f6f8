/* shoal-feed-private.h: what feeds/'s files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-feed.h"
#include "shoal-feed-item.h"
#include "shoal-feed-rule.h"

G_BEGIN_DECLS

/* Bounds of what an item keeps of the feed's text. */
#define SHOAL_FEED_MAX_TITLE      1024    /* bytes, cut at a character */
#define SHOAL_FEED_MAX_URL        8192    /* longer URLs are left out */
#define SHOAL_FEED_MAX_ID         2048
#define SHOAL_FEED_MAX_HISTORY    200000  /* entries kept per feed */
#define SHOAL_FEED_MAX_TORRENT    (G_GUINT64_CONSTANT (20) * 1024 * 1024)

ShoalFeedItem *_shoal_feed_item_new          (const char         *id,
                                              const char         *title,
                                              const char         *torrent_url,
                                              const char         *info_hash,
                                              gint64              pub_date,
                                              guint64             size);
void           _shoal_feed_item_set_state    (ShoalFeedItem      *self,
                                              ShoalFeedItemState  state,
                                              const char         *error);
void           _shoal_feed_item_set_read     (ShoalFeedItem      *self,
                                              gboolean            read);

/* The feed's side of the manager. */
ShoalFeed     *_shoal_feed_new               (const char         *url);
char          *_shoal_feed_id_for_url        (const char         *url);
void           _shoal_feed_set_updating      (ShoalFeed          *self,
                                              gboolean            updating);
void           _shoal_feed_set_error         (ShoalFeed          *self,
                                              const GError       *error);
void           _shoal_feed_set_not_modified  (ShoalFeed          *self);
const char    *_shoal_feed_get_etag          (ShoalFeed          *self);
const char    *_shoal_feed_get_last_modified (ShoalFeed          *self);
void           _shoal_feed_set_validators    (ShoalFeed          *self,
                                              const char         *etag,
                                              const char         *last_modified);
gboolean       _shoal_feed_take_validators_dirty (ShoalFeed       *self);
void           _shoal_feed_record            (ShoalFeed          *self,
                                              ShoalFeedItem      *item,
                                              ShoalFeedItemState  state);
gboolean       _shoal_feed_load_history      (ShoalFeed          *self,
                                              GBytes             *history,
                                              GError            **error);
GBytes        *_shoal_feed_history_to_bytes  (ShoalFeed          *self);
gboolean       _shoal_feed_get_history_dirty (ShoalFeed          *self);
ShoalFeedItemState _shoal_feed_history_lookup (ShoalFeed         *self,
                                              const char         *item_id);

void           _shoal_feed_rule_add_episode  (ShoalFeedRule      *self,
                                              const char         *episode);
void           _shoal_feed_rule_set_episodes (ShoalFeedRule      *self,
                                              const char * const *episodes);

/* The parser (shoal-feed-parser.c), run in a worker thread. */
typedef struct
{
  char    *id;
  char    *title;
  char    *torrent_url;
  char    *info_hash;
  gint64   pub_date;
  guint64  size;
} ShoalFeedEntry;

typedef struct
{
  char      *title;
  guint      ttl_seconds;  /* 0: the feed says nothing */
  char      *self_url;     /* atom:link rel="self": the feed's address */
  char      *link;         /* the channel's link (its site) */
  GPtrArray *items;        /* of ShoalFeedEntry */
} ShoalFeedDocument;

void               shoal_feed_entry_free     (ShoalFeedEntry     *entry);
ShoalFeedItem     *_shoal_feed_item_new_from_entry (const ShoalFeedEntry *entry);

ShoalFeedDocument *shoal_feed_parse          (const char         *data,
                                              gsize               len,
                                              GError            **error);
void               shoal_feed_document_free  (ShoalFeedDocument  *doc);
gint64             shoal_feed_parse_date     (const char         *text);
char              *shoal_feed_info_hash_normalize (const char    *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalFeedDocument, shoal_feed_document_free)

typedef struct _ShoalFeedMerge ShoalFeedMerge;

ShoalFeedMerge    *_shoal_feed_merge_new     (ShoalFeed          *self,
                                              ShoalFeedDocument  *doc);
gboolean           _shoal_feed_merge_step    (ShoalFeedMerge     *merge,
                                              gint64              deadline_us);
ShoalFeedDocument *_shoal_feed_merge_finish  (ShoalFeedMerge     *merge);
void               _shoal_feed_merge_free    (ShoalFeedMerge     *merge);
void               _shoal_feed_set_result    (ShoalFeed          *self,
                                              ShoalFeedDocument  *doc);

/* Which generation of the rules last looked at an item. */
guint          _shoal_feed_item_get_rules_seen (ShoalFeedItem    *self);
void           _shoal_feed_item_set_rules_seen (ShoalFeedItem    *self,
                                                guint             generation);

/* Bounded HTTP GETs (shoal-feed-fetch.c), for feeds and torrent files. */
typedef struct
{
  GBytes *body;           /* NULL when not modified */
  char   *etag;
  char   *last_modified;
  char   *content_type;
  gboolean not_modified;
} ShoalFeedFetchResult;

void                  shoal_feed_fetch_async  (SoupSession         *soup,
                                               const char          *url,
                                               const char          *etag,
                                               const char          *last_modified,
                                               guint64              max_bytes,
                                               const char          *what,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
ShoalFeedFetchResult *shoal_feed_fetch_finish (GAsyncResult        *result,
                                               GError             **error);
void                  shoal_feed_fetch_result_free (ShoalFeedFetchResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalFeedFetchResult, shoal_feed_fetch_result_free)

G_END_DECLS
