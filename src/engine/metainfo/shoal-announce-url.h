/* shoal-announce-url.h: what URL a tracker may have
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the one rule for tracker (and web seed) URLs that the .torrent
 * parser, the announcer, the New Torrent dialog and `shoal-cli create`
 * apply: printable, at most 4 KiB, absolute, with a host, and a scheme
 * Shoal can announce to (http, https, udp). May use: GLib/GIO.
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

/* Longer URLs are not a tracker's: they only bloat state and messages. */
#define SHOAL_ANNOUNCE_URL_MAX_LEN 4096

#define SHOAL_ANNOUNCE_URL_ERROR (shoal_announce_url_error_quark ())

/**
 * ShoalAnnounceUrlError:
 * @SHOAL_ANNOUNCE_URL_ERROR_INVALID: not an absolute URL with a host, too
 *   long, or with spaces or control characters in it
 * @SHOAL_ANNOUNCE_URL_ERROR_UNSUPPORTED_SCHEME: a URL, but not one Shoal
 *   can announce to (or, for web seeds, download from)
 */
typedef enum
{
  SHOAL_ANNOUNCE_URL_ERROR_INVALID,
  SHOAL_ANNOUNCE_URL_ERROR_UNSUPPORTED_SCHEME,
} ShoalAnnounceUrlError;

/**
 * ShoalAnnounceUrlScheme:
 * @SHOAL_ANNOUNCE_URL_SCHEME_OTHER: none Shoal announces to
 * @SHOAL_ANNOUNCE_URL_SCHEME_HTTP: http or https (BEP 3)
 * @SHOAL_ANNOUNCE_URL_SCHEME_UDP: udp (BEP 15)
 */
typedef enum
{
  SHOAL_ANNOUNCE_URL_SCHEME_OTHER,
  SHOAL_ANNOUNCE_URL_SCHEME_HTTP,
  SHOAL_ANNOUNCE_URL_SCHEME_UDP,
} ShoalAnnounceUrlScheme;

/**
 * ShoalAnnounceUrlFlags:
 * @SHOAL_ANNOUNCE_URL_FLAGS_NONE: a tracker URL: http, https or udp
 * @SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME: any scheme, for a caller that lists
 *   trackers it cannot use and judges the scheme itself
 * @SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY: http or https only (BEP 19 web seeds)
 */
typedef enum
{
  SHOAL_ANNOUNCE_URL_FLAGS_NONE       = 0,
  SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME = 1 << 0,
  SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY  = 1 << 1,
} ShoalAnnounceUrlFlags;

GQuark                  shoal_announce_url_error_quark (void);

ShoalAnnounceUrlScheme  shoal_announce_url_get_scheme  (const char             *url);
gboolean                shoal_announce_url_check       (const char             *url,
                                                        ShoalAnnounceUrlFlags   flags,
                                                        GError                **error);

G_END_DECLS
