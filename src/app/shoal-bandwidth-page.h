/* shoal-bandwidth-page.h: rate graphs of a torrent and of the session
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-bandwidth-graph.h"
#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_BANDWIDTH_PAGE (shoal_bandwidth_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalBandwidthPage, shoal_bandwidth_page, SHOAL, BANDWIDTH_PAGE, GtkWidget)

ShoalBandwidthPage  *shoal_bandwidth_page_new          (void);
void                 shoal_bandwidth_page_set_session  (ShoalBandwidthPage *self,
                                                        ShoalSession       *session);
void                 shoal_bandwidth_page_set_torrent  (ShoalBandwidthPage *self,
                                                        ShoalTorrent       *torrent);
void                 shoal_bandwidth_page_sample       (ShoalBandwidthPage *self);
void                 shoal_bandwidth_page_set_show_session (ShoalBandwidthPage *self,
                                                            gboolean            show_session);
ShoalBandwidthGraph *shoal_bandwidth_page_get_graph    (ShoalBandwidthPage *self,
                                                        gboolean            session);

G_END_DECLS
