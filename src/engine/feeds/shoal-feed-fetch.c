/* shoal-feed-fetch.c: bounded HTTP GETs of feeds and torrent files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GET with the validators of the last answer (If-None-Match,
 * If-Modified-Since), read in chunks on the calling thread's main context
 * (libsoup's streams do not block it) up to a maximum size, following
 * redirects only where shoal_http_redirect_check() allows: all of that is
 * shoal_http_fetch_async() (util/), which trackers use too. libsoup's
 * content decoder undoes gzip and deflate; the maximum applies to the
 * decoded bytes, so a small compressed bomb is refused as well.
 */
#include "config.h"

#include "shoal-feed-private.h"
#include "shoal-http-fetch.h"

typedef struct
{
  SoupMessage *message;
  const char  *what;          /* "feed", "torrent file": static */
  guint64      max_bytes;
} Fetch;

static void
fetch_free (Fetch *f)
{
  g_clear_object (&f->message);
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

/* The answer's body, or why there is none, in a feed's words. */
static void
fetched_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) body = shoal_http_fetch_finish (res, &error);
  SoupMessageHeaders *headers = soup_message_get_response_headers (f->message);
  g_autoptr(ShoalFeedFetchResult) result = NULL;
  guint status = soup_message_get_status (f->message);

  if (body == NULL)
    {
      if (g_error_matches (error, SHOAL_HTTP_FETCH_ERROR, SHOAL_HTTP_FETCH_ERROR_REDIRECT))
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_REDIRECT,
                                 "Redirect refused: %s", error->message);
      else if (g_error_matches (error, SHOAL_HTTP_FETCH_ERROR, SHOAL_HTTP_FETCH_ERROR_TOO_LARGE))
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_TOO_LARGE,
                                 "The %s is larger than %" G_GUINT64_FORMAT " MB; Shoal does not read it",
                                 f->what, f->max_bytes / 1000000);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      g_clear_error (&error);
      g_object_unref (task);
      return;
    }

  if (status != SOUP_STATUS_NOT_MODIFIED && !SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      const char *reason = soup_message_get_reason_phrase (f->message);

      if (SOUP_STATUS_IS_REDIRECTION (status))
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_REDIRECT,
                                 "Redirected without a usable location");
      else
        g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_HTTP,
                                 "The server answered %u %s", status,
                                 reason != NULL && *reason != '\0' ? reason : soup_status_get_phrase (status));
      g_object_unref (task);
      return;
    }

  result = g_new0 (ShoalFeedFetchResult, 1);
  result->not_modified = status == SOUP_STATUS_NOT_MODIFIED;
  result->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  result->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  if (!result->not_modified)
    {
      result->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
      result->body = g_steal_pointer (&body);
    }
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) shoal_feed_fetch_result_free);
  g_object_unref (task);
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

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
    {
      g_task_return_new_error (task, SHOAL_FEED_ERROR, SHOAL_FEED_ERROR_BAD_URL,
                               "“%s” is not an http or https URL", url);
      g_object_unref (task);
      return;
    }
  f->message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  headers = soup_message_get_request_headers (f->message);
  soup_message_headers_replace (headers, "Accept",
                                "application/rss+xml, application/atom+xml, application/rdf+xml, "
                                "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
  if (etag != NULL)
    soup_message_headers_replace (headers, "If-None-Match", etag);
  if (last_modified != NULL)
    soup_message_headers_replace (headers, "If-Modified-Since", last_modified);
  /* The body of an error answer is not read: only its status counts. */
  shoal_http_fetch_async (soup, f->message, max_bytes, 0, TRUE, cancellable, fetched_cb, task);
}

ShoalFeedFetchResult *
shoal_feed_fetch_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
