/* shoal-announce-url.c: what URL a tracker may have
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rule is the one .torrent files have always been read with, so that
 * a URL accepted when a torrent is made or a tracker added is one the
 * torrent keeps when it is loaded again. URLs are parsed as found in the
 * wild (relaxed, percent-escapes kept), not re-encoded.
 */
#include "config.h"

#include <string.h>

#include "shoal-announce-url.h"

G_DEFINE_QUARK (shoal-announce-url-error-quark, shoal_announce_url_error)

static ShoalAnnounceUrlScheme
classify (const char *scheme)
{
  if (scheme == NULL)
    return SHOAL_ANNOUNCE_URL_SCHEME_OTHER;
  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    return SHOAL_ANNOUNCE_URL_SCHEME_HTTP;
  if (g_ascii_strcasecmp (scheme, "udp") == 0)
    return SHOAL_ANNOUNCE_URL_SCHEME_UDP;
  return SHOAL_ANNOUNCE_URL_SCHEME_OTHER;
}

/**
 * shoal_announce_url_get_scheme:
 * @url: a URL
 *
 * Returns: which kind of tracker @url names, by its scheme alone
 */
ShoalAnnounceUrlScheme
shoal_announce_url_get_scheme (const char *url)
{
  g_autofree char *scheme = NULL;

  g_return_val_if_fail (url != NULL, SHOAL_ANNOUNCE_URL_SCHEME_OTHER);

  scheme = g_uri_parse_scheme (url);
  return classify (scheme);
}

/**
 * shoal_announce_url_check:
 * @url: (nullable): a URL, already stripped of surrounding white space
 * @flags: which schemes are acceptable
 * @error: return location for a #SHOAL_ANNOUNCE_URL_ERROR
 *
 * Checks that @url is a URL a tracker may have: at most
 * %SHOAL_ANNOUNCE_URL_MAX_LEN bytes, with no space or control character,
 * absolute, with a non-empty host (and a port in range, if any), and of a
 * scheme @flags accepts.
 *
 * Returns: whether it is
 */
gboolean
shoal_announce_url_check (const char             *url,
                          ShoalAnnounceUrlFlags   flags,
                          GError                **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;
  ShoalAnnounceUrlScheme kind;

  if (url == NULL || *url == '\0' || strlen (url) > SHOAL_ANNOUNCE_URL_MAX_LEN)
    goto invalid;
  for (const char *p = url; *p != '\0'; p++)
    if ((guint8) *p < 0x20 || *p == 0x7f || *p == ' ')
      goto invalid;

  uri = g_uri_parse (url, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    goto invalid;
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    goto invalid;

  if (flags & SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME)
    return TRUE;
  kind = classify (g_uri_get_scheme (uri));
  if (kind == SHOAL_ANNOUNCE_URL_SCHEME_HTTP ||
      (kind == SHOAL_ANNOUNCE_URL_SCHEME_UDP && !(flags & SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY)))
    return TRUE;
  g_set_error (error, SHOAL_ANNOUNCE_URL_ERROR, SHOAL_ANNOUNCE_URL_ERROR_UNSUPPORTED_SCHEME,
               "“%s” is not an %s URL", url,
               (flags & SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY) ? "http or https" : "http, https or udp");
  return FALSE;

invalid:
  g_set_error (error, SHOAL_ANNOUNCE_URL_ERROR, SHOAL_ANNOUNCE_URL_ERROR_INVALID,
               "“%s” is not a tracker URL", url != NULL ? url : "");
  return FALSE;
}
