/* feed-server.h: an HTTP server on 127.0.0.1 in a thread of its own, for
 * the feed tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * It runs its own GMainContext, so that serving (compressing, writing a
 * 100 MB answer) costs the main loop under test nothing. Routes are set
 * from the test's thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FeedServer FeedServer;

typedef enum
{
  FEED_ROUTE_GZIP       = 1 << 0,  /* Content-Encoding: gzip */
  FEED_ROUTE_ETAG       = 1 << 1,  /* an ETag; If-None-Match gets a 304 */
} FeedRouteFlags;

FeedServer *feed_server_new          (void);
void        feed_server_free         (FeedServer     *self);
char       *feed_server_url          (FeedServer     *self,
                                      const char     *path);
void        feed_server_set          (FeedServer     *self,
                                      const char     *path,
                                      guint           status,
                                      const char     *content_type,
                                      GBytes         *body,
                                      FeedRouteFlags  flags);
void        feed_server_set_redirect (FeedServer     *self,
                                      const char     *path,
                                      const char     *location);
void        feed_server_set_huge     (FeedServer     *self,
                                      const char     *path,
                                      guint64         size,
                                      FeedRouteFlags  flags);
guint       feed_server_hits         (FeedServer     *self,
                                      const char     *path);
guint       feed_server_not_modified (FeedServer     *self,
                                      const char     *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FeedServer, feed_server_free)

G_END_DECLS
