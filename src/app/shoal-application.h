/* shoal-application.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* The GSettings schema id stays the same for the .Devel flavour, like the
 * resource base path, so both flavours share one settings layout. */
#define SHOAL_SETTINGS_SCHEMA_ID "io.github.shoal.Shoal"

#define SHOAL_TYPE_APPLICATION (shoal_application_get_type ())

G_DECLARE_FINAL_TYPE (ShoalApplication, shoal_application, SHOAL, APPLICATION, AdwApplication)

ShoalApplication *shoal_application_new (void);

G_END_DECLS
