/* shoal-http-redirect.h: which HTTP redirects trackers and web seeds follow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ShoalHttpRedirect:
 * @SHOAL_HTTP_REDIRECT_ALLOWED: the redirect may be followed
 * @SHOAL_HTTP_REDIRECT_NOT_HTTP: the target is not an http or https URL
 *   with a host
 * @SHOAL_HTTP_REDIRECT_DOWNGRADE: the original URL is https and the target
 *   plain http
 * @SHOAL_HTTP_REDIRECT_LOCAL_HOST: the target is on a loopback, private or
 *   link-local host and the original URL is not
 *
 * What shoal_http_redirect_check() says of a redirect.
 */
typedef enum
{
  SHOAL_HTTP_REDIRECT_ALLOWED,
  SHOAL_HTTP_REDIRECT_NOT_HTTP,
  SHOAL_HTTP_REDIRECT_DOWNGRADE,
  SHOAL_HTTP_REDIRECT_LOCAL_HOST,
} ShoalHttpRedirect;

gboolean          shoal_http_host_is_local       (const char       *host);
ShoalHttpRedirect shoal_http_redirect_check      (GUri             *original,
                                                  GUri             *target);
const char       *shoal_http_redirect_to_string  (ShoalHttpRedirect verdict);

G_END_DECLS
