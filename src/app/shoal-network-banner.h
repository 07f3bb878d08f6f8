/* shoal-network-banner.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_NETWORK_BANNER (shoal_network_banner_get_type ())
G_DECLARE_FINAL_TYPE (ShoalNetworkBanner, shoal_network_banner, SHOAL, NETWORK_BANNER, GtkWidget)

GtkWidget  *shoal_network_banner_new      (ShoalSession       *session);
const char *shoal_network_banner_get_text (ShoalNetworkBanner *self);

G_END_DECLS
