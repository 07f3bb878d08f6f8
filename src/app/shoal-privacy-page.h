/* shoal-privacy-page.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PRIVACY_PAGE (shoal_privacy_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPrivacyPage, shoal_privacy_page, SHOAL, PRIVACY_PAGE, AdwPreferencesPage)

AdwPreferencesPage *shoal_privacy_page_new (GSettings    *settings,
                                            ShoalSession *session);

G_END_DECLS
