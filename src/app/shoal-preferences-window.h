/* shoal-preferences-window.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-application.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PREFERENCES_WINDOW (shoal_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (ShoalPreferencesWindow, shoal_preferences_window, SHOAL, PREFERENCES_WINDOW, AdwPreferencesWindow)

ShoalPreferencesWindow *shoal_preferences_window_new (ShoalApplication *application);

G_END_DECLS
