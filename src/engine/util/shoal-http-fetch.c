/* shoal-http-fetch.c: an HTTP GET read into memory, bounded
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The body is read in chunks on the caller's main context (libsoup's
 * streams do not block it) instead of trusting Content-Length; a
 * Content-Length over the maximum fails at once, unless the body is
 * encoded (its decoded size is what counts).
 */
#include "config.h"

#include "shoal-http-fetch.h"
#include "shoal-http-redirect.h"

#define READ_CHUNK (64 * 1024)

G_DEFINE_QUARK (shoal-http-fetch-error-quark, shoal_http_fetch_error)

typedef struct
{
  SoupMessage  *message;
  GInputStream *stream;
  GByteArray   *body;
  guint64       max_bytes;
  gboolean      success_body_only;
  GUri         *original;          /* the URL asked for, which redirects are judged by */
  guint         n_redirects;
  char         *refused_redirect;  /* why a redirect was not followed, or NULL */
  GCancellable *cancellable;       /* ours: cancelled by the caller's, a redirect or the timeout */
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  GSource      *timeout_source;
  guint         timeout_ms;
  gboolean      timed_out;
} Fetch;

static void
fetch_free (Fetch *f)
{
  if (f->caller_handler != 0)
    g_cancellable_disconnect (f->caller_cancellable, f->caller_handler);
  if (f->timeout_source != NULL)
    {
      g_source_destroy (f->timeout_source);
      g_source_unref (f->timeout_source);
    }
  g_clear_object (&f->caller_cancellable);
  if (f->message != NULL)
    g_signal_handlers_disconnect_by_data (f->message, f);
  g_clear_object (&f->message);
  g_clear_object (&f->stream);
  g_clear_pointer (&f->body, g_byte_array_unref);
  g_clear_pointer (&f->original, g_uri_unref);
  g_free (f->refused_redirect);
  g_clear_object (&f->cancellable);
  g_free (f);
}

/* Takes @task and @error: our own cancellations become what caused them. */
static void
fetch_fail (GTask  *task,
            GError *error)
{
  Fetch *f = g_task_get_task_data (task);

  if (f->refused_redirect != NULL)
    {
      g_clear_error (&error);
      g_set_error_literal (&error, SHOAL_HTTP_FETCH_ERROR, SHOAL_HTTP_FETCH_ERROR_REDIRECT, f->refused_redirect);
    }
  else if (f->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      g_set_error (&error, SHOAL_HTTP_FETCH_ERROR, SHOAL_HTTP_FETCH_ERROR_TIMEOUT,
                   "No answer within %u seconds", (f->timeout_ms + 999) / 1000);
    }
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
fetch_too_large (GTask *task)
{
  Fetch *f = g_task_get_task_data (task);

  fetch_fail (task, g_error_new (SHOAL_HTTP_FETCH_ERROR, SHOAL_HTTP_FETCH_ERROR_TOO_LARGE,
                                 "The answer is larger than %" G_GUINT64_FORMAT " bytes", f->max_bytes));
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;
  gsize len;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      fetch_fail (task, error);
      return;
    }
  len = g_bytes_get_size (chunk);
  if (len == 0)
    {
      /* The body is complete, so closing does not block; it hands the
       * connection back to the session for reuse. */
      g_input_stream_close (f->stream, NULL, NULL);
      g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&f->body)),
                             (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }
  if ((guint64) f->body->len + len > f->max_bytes)
    {
      fetch_too_large (task);
      return;
    }
  g_byte_array_append (f->body, g_bytes_get_data (chunk, NULL), (guint) len);
  g_input_stream_read_bytes_async (f->stream, READ_CHUNK, G_PRIORITY_DEFAULT, f->cancellable, read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Fetch *f = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  GError *error = NULL;
  goffset length;

  f->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (f->stream == NULL || f->refused_redirect != NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      fetch_fail (task, error);
      return;
    }
  if (f->success_body_only && !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (f->message)))
    {
      g_input_stream_close_async (f->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }
  /* An announced size over the limit fails early; the read loop still
   * enforces it for chunked, encoded or lying answers. */
  headers = soup_message_get_response_headers (f->message);
  length = soup_message_headers_get_content_length (headers);
  if (length > 0 && (guint64) length > f->max_bytes &&
      soup_message_headers_get_one (headers, "Content-Encoding") == NULL)
    {
      fetch_too_large (task);
      return;
    }
  f->body = g_byte_array_sized_new ((guint) MIN ((guint64) MAX (length, 0),
                                                 MIN (f->max_bytes, (guint64) 4 * 1024 * 1024)));
  g_input_stream_read_bytes_async (f->stream, READ_CHUNK, G_PRIORITY_DEFAULT, f->cancellable, read_cb, task);
}

/* Emitted before libsoup sends the message again, to a redirect's target:
 * cancelling here keeps the request from leaving. */
static void
restarted_cb (SoupMessage *message,
              Fetch       *f)
{
  GUri *uri = soup_message_get_uri (message);
  ShoalHttpRedirect verdict;

  /* Not a redirect: sent again with credentials (a proxy's 407, a 401). */
  if (f->refused_redirect != NULL || !SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (message)))
    return;
  verdict = shoal_http_redirect_check (f->original, uri);
  if (verdict != SHOAL_HTTP_REDIRECT_ALLOWED)
    f->refused_redirect = g_strdup_printf ("%s (%s)", shoal_http_redirect_to_string (verdict),
                                           g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "no host");
  else if (++f->n_redirects > SHOAL_HTTP_FETCH_MAX_REDIRECTS)
    f->refused_redirect = g_strdup_printf ("redirected more than %u times", SHOAL_HTTP_FETCH_MAX_REDIRECTS);
  else
    {
      g_debug ("Redirected to %s", g_uri_get_host (uri));
      return;
    }
  g_debug ("Redirect refused: %s", f->refused_redirect);
  g_cancellable_cancel (f->cancellable);
}

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static gboolean
timeout_cb (gpointer data)
{
  Fetch *f = data;

  f->timed_out = TRUE;
  g_cancellable_cancel (f->cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_http_fetch_async:
 * @session: the session to send with
 * @message: a GET, its headers set; kept (the caller reads its status
 *   and response headers once done)
 * @max_bytes: the most the body may have, decoded
 * @timeout_ms: how long the whole exchange may take; 0 for no limit
 * @success_body_only: whether to leave the body of an answer whose
 *   status is not 2xx unread (an empty body is given)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Sends @message and reads its answer's body. Errors are
 * #ShoalHttpFetchError, or libsoup's and GIO's for the rest.
 */
void
shoal_http_fetch_async (SoupSession         *session,
                        SoupMessage         *message,
                        guint64              max_bytes,
                        guint                timeout_ms,
                        gboolean             success_body_only,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Fetch *f;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (SOUP_IS_MESSAGE (message));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_http_fetch_async);
  f = g_new0 (Fetch, 1);
  g_task_set_task_data (task, f, (GDestroyNotify) fetch_free);
  f->message = g_object_ref (message);
  f->max_bytes = max_bytes;
  f->success_body_only = success_body_only;
  f->original = g_uri_ref (soup_message_get_uri (message));
  f->cancellable = g_cancellable_new ();
  f->timeout_ms = timeout_ms;
  if (cancellable != NULL)
    {
      f->caller_cancellable = g_object_ref (cancellable);
      f->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                 f->cancellable, NULL);
    }
  if (timeout_ms > 0)
    {
      f->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (f->timeout_source, timeout_cb, f, NULL);
      g_source_set_static_name (f->timeout_source, "[shoal] HTTP fetch timeout");
      g_source_attach (f->timeout_source, g_task_get_context (task));
    }
  g_signal_connect (message, "restarted", G_CALLBACK (restarted_cb), f);
  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, f->cancellable, send_cb, task);
}

/**
 * shoal_http_fetch_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the body (maybe empty), or %NULL on error
 */
GBytes *
shoal_http_fetch_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == shoal_http_fetch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
