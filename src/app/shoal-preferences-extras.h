/* shoal-preferences-extras.h: the preferences of issue 15 (schedule,
 * metered networks, incomplete and watch folders)
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void shoal_preferences_add_extras (AdwPreferencesWindow *window,
                                   GSettings            *settings);

G_END_DECLS
