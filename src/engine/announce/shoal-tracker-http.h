/* shoal-tracker-http.h: HTTP(S) tracker client (BEP 3, 7, 23, 48)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "shoal-tracker.h"

G_BEGIN_DECLS

/* How long a whole request (connect, send, read the body) may take. */
#define SHOAL_TRACKER_HTTP_DEFAULT_TIMEOUT_MS 30000u

gchar                *shoal_tracker_http_build_announce_url   (const char                *announce_url,
                                                               const ShoalTrackerRequest *request,
                                                               GError                   **error);
gchar                *shoal_tracker_http_build_scrape_url     (const char                *announce_url,
                                                               const guint8              *info_hashes,
                                                               guint                      n_info_hashes,
                                                               GError                   **error);

ShoalTrackerResponse *shoal_tracker_http_parse_announce       (GBytes                    *body,
                                                               GError                   **error);
GArray               *shoal_tracker_http_parse_scrape         (GBytes                    *body,
                                                               GError                   **error);

void                  shoal_tracker_http_announce_async       (SoupSession               *session,
                                                               const char                *announce_url,
                                                               const ShoalTrackerRequest *request,
                                                               guint                      timeout_ms,
                                                               GCancellable              *cancellable,
                                                               GAsyncReadyCallback        callback,
                                                               gpointer                   user_data);
ShoalTrackerResponse *shoal_tracker_http_announce_finish      (GAsyncResult              *result,
                                                               GError                   **error);

void                  shoal_tracker_http_scrape_async         (SoupSession               *session,
                                                               const char                *announce_url,
                                                               const guint8              *info_hashes,
                                                               guint                      n_info_hashes,
                                                               guint                      timeout_ms,
                                                               GCancellable              *cancellable,
                                                               GAsyncReadyCallback        callback,
                                                               gpointer                   user_data);
GArray               *shoal_tracker_http_scrape_finish        (GAsyncResult              *result,
                                                               GError                   **error);

G_END_DECLS
