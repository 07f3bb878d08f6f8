/* shoal-http-fetch.h: an HTTP GET read into memory, bounded in size, time
 * and redirects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What trackers (announce/) and feeds (feeds/) both need of libsoup: the
 * body read in chunks up to a maximum (decoded bytes: a small compressed
 * bomb is refused too), the whole exchange under one timeout, redirects
 * followed a few times and only where shoal_http_redirect_check() allows.
 * Each caller builds its message and turns these errors into its own.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SHOAL_HTTP_FETCH_ERROR (shoal_http_fetch_error_quark ())

/**
 * ShoalHttpFetchError:
 * @SHOAL_HTTP_FETCH_ERROR_TOO_LARGE: the answer is larger than allowed
 * @SHOAL_HTTP_FETCH_ERROR_REDIRECT: a redirect was refused (the message
 *   says why and to which host) or there were too many
 * @SHOAL_HTTP_FETCH_ERROR_TIMEOUT: the exchange took longer than allowed
 */
typedef enum
{
  SHOAL_HTTP_FETCH_ERROR_TOO_LARGE,
  SHOAL_HTTP_FETCH_ERROR_REDIRECT,
  SHOAL_HTTP_FETCH_ERROR_TIMEOUT,
} ShoalHttpFetchError;

#define SHOAL_HTTP_FETCH_MAX_REDIRECTS 5

GQuark  shoal_http_fetch_error_quark (void);
void    shoal_http_fetch_async       (SoupSession          *session,
                                      SoupMessage          *message,
                                      guint64               max_bytes,
                                      guint                 timeout_ms,
                                      gboolean              success_body_only,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
GBytes *shoal_http_fetch_finish      (GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
