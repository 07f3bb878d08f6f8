/* shoal-window.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-application.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_WINDOW (shoal_window_get_type ())

G_DECLARE_FINAL_TYPE (ShoalWindow, shoal_window, SHOAL, WINDOW, AdwApplicationWindow)

ShoalWindow *shoal_window_new (ShoalApplication *application);

G_END_DECLS
