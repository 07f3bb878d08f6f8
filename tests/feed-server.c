/* feed-server.c: an HTTP server on 127.0.0.1 in a thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "feed-server.h"

typedef struct
{
  guint           status;
  char           *content_type;
  GBytes         *body;
  FeedRouteFlags  flags;
  char           *location;
  guint64         huge;       /* a body of this many bytes of filler */
  guint           hits;
  guint           not_modified;
} Route;

struct _FeedServer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;
  GMutex        lock;
  GCond         ready;
  GHashTable   *routes;   /* path -> Route */
};

static void
route_free (Route *r)
{
  g_free (r->content_type);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r->location);
  g_free (r);
}

static GBytes *
gzip_bytes (GBytes *bytes)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (base, G_CONVERTER (compressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                                    G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL), >=, 0);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  FeedServer *self = user_data;
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *location = NULL;
  g_autofree char *etag = NULL;
  FeedRouteFlags flags = 0;
  guint64 huge = 0;
  guint status;
  Route *r;

  g_mutex_lock (&self->lock);
  r = g_hash_table_lookup (self->routes, path);
  if (r == NULL)
    {
      g_mutex_unlock (&self->lock);
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<html>404</html>", 16);
      return;
    }
  r->hits++;
  status = r->status;
  flags = r->flags;
  huge = r->huge;
  content_type = g_strdup (r->content_type);
  location = g_strdup (r->location);
  payload = r->body ? g_bytes_ref (r->body) : NULL;
  if (payload != NULL && (flags & FEED_ROUTE_ETAG))
    {
      g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, payload);

      etag = g_strdup_printf ("\"%s\"", digest);
      if (g_strcmp0 (soup_message_headers_get_one (req, "If-None-Match"), etag) == 0)
        {
          r->not_modified++;
          g_mutex_unlock (&self->lock);
          soup_message_headers_replace (resp, "ETag", etag);
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
          return;
        }
    }
  g_mutex_unlock (&self->lock);

  if (location != NULL)
    {
      soup_message_headers_replace (resp, "Location", location);
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, status, NULL);
  if (etag != NULL)
    soup_message_headers_replace (resp, "ETag", etag);
  if (huge > 0)
    {
      static const char head[] = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>";
      g_autofree char *filler = g_malloc (1024 * 1024);
      g_autoptr(GBytes) chunk = NULL;

      memset (filler, ' ', 1024 * 1024);
      chunk = g_bytes_new_take (g_steal_pointer (&filler), 1024 * 1024);
      soup_message_headers_set_content_type (resp, "application/rss+xml", NULL);
      if (flags & FEED_ROUTE_GZIP)
        {
          /* 100 MB of spaces are some 100 KB compressed */
          g_autoptr(GByteArray) all = g_byte_array_sized_new ((guint) huge);
          g_autoptr(GBytes) plain = NULL;
          g_autoptr(GBytes) packed = NULL;

          g_byte_array_append (all, (const guint8 *) head, strlen (head));
          while (all->len < huge)
            g_byte_array_append (all, g_bytes_get_data (chunk, NULL), (guint) MIN (1024 * 1024, huge - all->len));
          plain = g_byte_array_free_to_bytes (g_steal_pointer (&all));
          packed = gzip_bytes (plain);
          soup_message_headers_replace (resp, "Content-Encoding", "gzip");
          soup_message_body_append_bytes (body, packed);
          return;
        }
      soup_message_body_append (body, SOUP_MEMORY_STATIC, head, strlen (head));
      for (guint64 sent = strlen (head); sent < huge; sent += 1024 * 1024)
        soup_message_body_append_bytes (body, chunk);
      return;
    }
  if (payload == NULL)
    return;
  if (flags & FEED_ROUTE_GZIP)
    {
      g_autoptr(GBytes) packed = gzip_bytes (payload);

      g_clear_pointer (&payload, g_bytes_unref);
      payload = g_steal_pointer (&packed);
      soup_message_headers_replace (resp, "Content-Encoding", "gzip");
    }
  soup_message_headers_set_content_type (resp, content_type, NULL);
  soup_message_body_append_bytes (body, payload);
}

static gpointer
server_thread (gpointer data)
{
  FeedServer *self = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, handler, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (self->server);
  g_mutex_lock (&self->lock);
  self->port = (guint) g_uri_get_port (uris->data);
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  /* what the disconnect left to dispatch */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

FeedServer *
feed_server_new (void)
{
  FeedServer *self = g_new0 (FeedServer, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) route_free);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("feed-server", server_thread, self);
  g_mutex_lock (&self->lock);
  while (self->port == 0)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
feed_server_free (FeedServer *self)
{
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->routes);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self);
}

char *
feed_server_url (FeedServer *self,
                 const char *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

static Route *
route_new (FeedServer *self,
           const char *path)
{
  Route *r = g_new0 (Route, 1);

  g_hash_table_replace (self->routes, g_strdup (path), r);
  return r;
}

void
feed_server_set (FeedServer     *self,
                 const char     *path,
                 guint           status,
                 const char     *content_type,
                 GBytes         *body,
                 FeedRouteFlags  flags)
{
  Route *r;

  g_mutex_lock (&self->lock);
  r = route_new (self, path);
  r->status = status;
  r->content_type = g_strdup (content_type);
  r->body = body ? g_bytes_ref (body) : NULL;
  r->flags = flags;
  g_mutex_unlock (&self->lock);
}

void
feed_server_set_redirect (FeedServer *self,
                          const char *path,
                          const char *location)
{
  g_mutex_lock (&self->lock);
  route_new (self, path)->location = g_strdup (location);
  g_mutex_unlock (&self->lock);
}

void
feed_server_set_huge (FeedServer     *self,
                      const char     *path,
                      guint64         size,
                      FeedRouteFlags  flags)
{
  Route *r;

  g_mutex_lock (&self->lock);
  r = route_new (self, path);
  r->status = 200;
  r->huge = size;
  r->flags = flags;
  g_mutex_unlock (&self->lock);
}

guint
feed_server_hits (FeedServer *self,
                  const char *path)
{
  Route *r;
  guint n;

  g_mutex_lock (&self->lock);
  r = g_hash_table_lookup (self->routes, path);
  n = r ? r->hits : 0;
  g_mutex_unlock (&self->lock);
  return n;
}

guint
feed_server_not_modified (FeedServer *self,
                          const char *path)
{
  Route *r;
  guint n;

  g_mutex_lock (&self->lock);
  r = g_hash_table_lookup (self->routes, path);
  n = r ? r->not_modified : 0;
  g_mutex_unlock (&self->lock);
  return n;
}
