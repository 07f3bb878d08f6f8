/* shoal-ip-filter.h: a blocklist loaded from a file or a URL, kept up to date
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-ip-ranges.h"

G_BEGIN_DECLS

#define SHOAL_IP_FILTER_MAX_DOWNLOAD (G_GUINT64_CONSTANT (64) * 1024 * 1024) /* bytes, as sent */
#define SHOAL_IP_FILTER_DEFAULT_UPDATE_INTERVAL (24 * 60 * 60)               /* seconds */

#define SHOAL_TYPE_IP_FILTER (shoal_ip_filter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalIpFilter, shoal_ip_filter, SHOAL, IP_FILTER, GObject)

ShoalIpFilter *shoal_ip_filter_new                 (SoupSession   *soup);
void           shoal_ip_filter_set_source          (ShoalIpFilter *self,
                                                    const char    *source);
const char    *shoal_ip_filter_get_source          (ShoalIpFilter *self);
void           shoal_ip_filter_set_update_interval (ShoalIpFilter *self,
                                                    guint          seconds);
void           shoal_ip_filter_reload              (ShoalIpFilter *self);
gboolean       shoal_ip_filter_is_blocked          (ShoalIpFilter *self,
                                                    GInetAddress  *address);
gboolean       shoal_ip_filter_is_pending          (ShoalIpFilter *self);
guint          shoal_ip_filter_get_n_ranges        (ShoalIpFilter *self);
const GError  *shoal_ip_filter_get_error           (ShoalIpFilter *self);
const ShoalIpRangesReport *shoal_ip_filter_get_report (ShoalIpFilter *self);

G_END_DECLS
