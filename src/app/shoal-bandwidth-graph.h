/* shoal-bandwidth-graph.h: download and upload rates over the last minutes
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Five minutes of one sample a second */
#define SHOAL_BANDWIDTH_GRAPH_N_SAMPLES 300

typedef struct _ShoalRateHistory ShoalRateHistory;

ShoalRateHistory *shoal_rate_history_new           (void);
void              shoal_rate_history_add           (ShoalRateHistory       *history,
                                                    guint64                 download_rate,
                                                    guint64                 upload_rate);
guint             shoal_rate_history_get_n_samples (const ShoalRateHistory *history);

#define SHOAL_TYPE_BANDWIDTH_GRAPH (shoal_bandwidth_graph_get_type ())

G_DECLARE_FINAL_TYPE (ShoalBandwidthGraph, shoal_bandwidth_graph, SHOAL, BANDWIDTH_GRAPH, GtkWidget)

ShoalBandwidthGraph *shoal_bandwidth_graph_new           (void);
void                 shoal_bandwidth_graph_add_sample    (ShoalBandwidthGraph *self,
                                                          guint64              download_rate,
                                                          guint64              upload_rate);
void                 shoal_bandwidth_graph_clear         (ShoalBandwidthGraph *self);
void                 shoal_bandwidth_graph_set_history   (ShoalBandwidthGraph *self,
                                                          ShoalRateHistory    *history);
guint                shoal_bandwidth_graph_get_n_samples (ShoalBandwidthGraph *self);
guint64              shoal_bandwidth_graph_get_scale     (ShoalBandwidthGraph *self,
                                                          guint64             *step);

G_END_DECLS
