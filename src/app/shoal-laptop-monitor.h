/* shoal-laptop-monitor.h: suspend inhibited while downloading, error
 * notifications
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_LAPTOP_MONITOR (shoal_laptop_monitor_get_type ())

G_DECLARE_FINAL_TYPE (ShoalLaptopMonitor, shoal_laptop_monitor, SHOAL, LAPTOP_MONITOR, GObject)

typedef void (*ShoalErrorNoticeFunc) (ShoalTorrent *torrent,
                                      const GError *error,
                                      gpointer      user_data);

ShoalLaptopMonitor *shoal_laptop_monitor_new              (GtkApplication       *application,
                                                           ShoalSession         *session,
                                                           ShoalErrorNoticeFunc  notice,
                                                           gpointer              user_data);
gboolean            shoal_laptop_monitor_get_inhibiting   (ShoalLaptopMonitor   *self);
guint               shoal_laptop_monitor_get_cookie       (ShoalLaptopMonitor   *self);
guint               shoal_laptop_monitor_get_n_error_notices (ShoalLaptopMonitor *self);

G_END_DECLS
