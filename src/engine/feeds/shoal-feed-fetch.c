/* shoal-feed-fetch.c: bounded HTTP GETs of feeds and torrent files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GET with the validators of the last answer (If-None-Match,
 * If-Modified-Since), read in chunks on the calling thread's main context
 * (libsoup's streams do not block it) up to a maximum size, following
 * redirects only where shoal_http_redirect_check() allows. libsoup's
 * content decoder undoes gzip and deflate; the maximum applies to the
 * decoded bytes, so a small compressed bomb is refused as well.
 */
#include "config.h"

#include "shoal-feed-private.h"
#include "shoal-http-redirect.h"

#define READ_CHUNK     (64 * 1024)
#define MAX_REDIRECTS  5
#define TIMEOUT_S      60

typedef struct
{
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  GUri         *original;
  guint64       max_bytes;
  const char   *what;          /* "feed", "torrent file": static */
  guint         n_redirects;
  char         *refused_redirect;
  GCancellable *cancellable;   /* the caller's, chained */
  gulong        cancelled_id;
  GCancellable *caller_cancellable;
} Fetch;

static void
fetch_free (Fetch *f)
{
  if (f->caller_cancellable != NULL)
    g_cancellable_disconnect (f->caller_cancellable, f->cancelled_id);
  g_clear_object (&f->caller_cancellable);
  g_clear_object (&f->message);
  g_clear_object (&f->stream);
  g_clear_pointer (&f->body, g_byte_array_unref);
  g_clear_pointer (&f->original, g_uri_unref);
  g_free (f->refused_redirect);
  g_clear_object (&f->cancellable);
  g_free (f);
}

void
shoal_feed_fetch_result_free (ShoalFeedFetchResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->body, g_bytes_unref);
  g_free (result->etag);
  g_free (result->last_modified);
  g_free (result->content_type);
  g_free (result);
}

static void
fetch_fail (GTask  *task,
            GError *error)
{
  Fetch *f = g_task_get_task_data (task);

  if (f->refused_redirect != NULL)
    {
      g_clear_error (&error);
      g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_REDIRECT, "%s", f->refused_redirect);
    }
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
fetch_done (GTask *task)
{
  Fetch *f = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (f->message);
  g_autoptr(ShoalFeedFetchResult) result = g_new0 (ShoalFeedFetchResult, 1);

  result->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  result->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  result->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  if (f->body != NULL)
    result->body = g_byte_array_free_to_bytes (g_steal_pointer (&f->body));
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) shoal_feed_fetch_result_free);
  g_object_unref (task);
}

static void
read_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;
  gsize size;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, &error);
  if (chunk == NULL)
    {
      fetch_fail (task, error);
      return;
    }
  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      fetch_done (task);
      return;
    }
  if ((guint64) f->body->len + size > f->max_bytes)
    {
      g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_TOO_LARGE,
                               "The %s is larger than %" G_GUINT64_FORMAT " MB; Shoal does not read it",
                               f->what, f->max_bytes / 1000000);
      g_object_unref (task);
      return;
    }
  g_byte_array_append (f->body, g_bytes_get_data (chunk, NULL), (guint) size);
  g_input_stream_read_bytes_async (f->stream, READ_CHUNK, G_PRIORITY_DEFAULT, f->cancellable, read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  GError *error = NULL;
  guint status;
  goffset length;

  f->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (f->stream == NULL)
    {
      fetch_fail (task, error);
      return;
    }
  status = soup_message_get_status (f->message);
  if (status == SOUP_STATUS_NOT_MODIFIED)
    {
      g_autoptr(ShoalFeedFetchResult) result = g_new0 (ShoalFeedFetchResult, 1);
      SoupMessageHeaders *headers = soup_message_get_response_headers (f->message);

      result->not_modified = TRUE;
      result->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
      result->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
      g_input_stream_close_async (f->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) shoal_feed_fetch_result_free);
      g_object_unref (task);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *reason = soup_message_get_reason_phrase (f->message);

      if (f->refused_redirect != NULL || SOUP_STATUS_IS_REDIRECTION (status))
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_REDIRECT, "%s",
                                 f->refused_redirect ? f->refused_redirect : "Redirected without a usable location");
      else
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_HTTP,
                                 "The server answered %u %s", status,
                                 reason != NULL && *reason != '\0' ? reason : soup_status_get_phrase (status));
      g_object_unref (task);
      return;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (f->message));
  if (length > 0 && (guint64) length > f->max_bytes &&
      soup_message_headers_get_one (soup_message_get_response_headers (f->message), "Content-Encoding") == NULL)
    {
      g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_TOO_LARGE,
                               "The %s is larger than %" G_GUINT64_FORMAT " MB; Shoal does not read it",
                               f->what, f->max_bytes / 1000000);
      g_object_unref (task);
      return;
    }
  f->body = g_byte_array_sized_new ((guint) MIN ((guint64) MAX (length, 0), (guint64) 4 * 1024 * 1024));
  g_input_stream_read_bytes_async (f->stream, READ_CHUNK, G_PRIORITY_DEFAULT, f->cancellable, read_cb, task);
}

/* Emitted before libsoup sends the message again to a redirect's target:
 * cancelling here keeps the request from leaving. */
static void
restarted_cb (SoupMessage *message,
              Fetch       *f)
{
  GUri *uri = soup_message_get_uri (message);
  ShoalHttpRedirect verdict;

  if (f->refused_redirect != NULL)
    return;
  verdict = shoal_http_redirect_check (f->original, uri);
  if (verdict != SHOAL_HTTP_REDIRECT_ALLOWED)
    f->refused_redirect = g_strdup_printf ("Redirect refused: %s (%s)", shoal_http_redirect_to_string (verdict),
                                           g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "no host");
  else if (++f->n_redirects > MAX_REDIRECTS)
    f->refused_redirect = g_strdup_printf ("Redirected more than %u times", MAX_REDIRECTS);
  else
    {
      g_debug ("Feed fetch redirected to %s", g_uri_get_host (uri));
      return;
    }
  g_debug ("%s", f->refused_redirect);
  g_cancellable_cancel (f->cancellable);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/**
 * shoal_feed_fetch_async:
 * @soup: the session to send with
 * @url: an http or https URL
 * @etag: (nullable): the ETag of the last answer
 * @last_modified: (nullable): its Last-Modified
 * @max_bytes: the most the answer may have, decoded
 * @what: (not nullable): what is fetched, for errors ("feed"), a static string
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Fetches @url; shoal_feed_fetch_finish() gives the body, or says it was
 * not modified, or a #ShoalFeedError / #GIOError.
 */
void
shoal_feed_fetch_async (SoupSession         *soup,
                        const char          *url,
                        const char          *etag,
                        const char          *last_modified,
                        guint64              max_bytes,
                        const char          *what,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Fetch *f = g_new0 (Fetch, 1);
  g_autoptr(GUri) uri = NULL;
  SoupMessageHeaders *headers;

  g_task_set_source_tag (task, shoal_feed_fetch_async);
  g_task_set_task_data (task, f, (GDestroyNotify) fetch_free);
  f->max_bytes = max_bytes;
  f->what = what;
  f->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      f->caller_cancellable = g_object_ref (cancellable);
      f->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                               f->cancellable, NULL);
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL,
                               "“%s” is not an http or https URL", url);
      g_object_unref (task);
      return;
    }
  f->original = g_uri_ref (uri);
  f->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  headers = soup_message_get_request_headers (f->message);
  soup_message_headers_replace (headers, "Accept",
                                "application/rss+xml, application/atom+xml, application/rdf+xml, "
                                "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
  if (etag != NULL)
    soup_message_headers_replace (headers, "If-None-Match", etag);
  if (last_modified != NULL)
    soup_message_headers_replace (headers, "If-Modified-Since", last_modified);
  g_signal_connect (f->message, "restarted", G_CALLBACK (restarted_cb), f);
  soup_session_send_async (soup, f->message, G_PRIORITY_DEFAULT, f->cancellable, send_cb, task);
}

ShoalFeedFetchResult *
shoal_feed_fetch_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
