/* shoal-label-colors.h: the labels' colours as a property
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_LABEL_COLORS (shoal_label_colors_get_type ())

G_DECLARE_FINAL_TYPE (ShoalLabelColors, shoal_label_colors, SHOAL, LABEL_COLORS, GObject)

ShoalLabelColors *shoal_label_colors_new        (GSettings        *settings);
GVariant         *shoal_label_colors_get_colors (ShoalLabelColors *self);

G_END_DECLS
