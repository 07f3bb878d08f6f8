/* shoal-application.h
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"
#include "shoal-laptop-monitor.h"

G_BEGIN_DECLS

/* The GSettings schema id stays the same for the .Devel flavour, like the
 * resource base path, so both flavours share one settings layout. */
#define SHOAL_SETTINGS_SCHEMA_ID "io.github.shoal.Shoal"

#define SHOAL_TYPE_APPLICATION (shoal_application_get_type ())

G_DECLARE_FINAL_TYPE (ShoalApplication, shoal_application, SHOAL, APPLICATION, AdwApplication)

ShoalApplication *shoal_application_new              (void);
ShoalSession     *shoal_application_get_session      (ShoalApplication *self);
GSettings        *shoal_application_get_settings     (ShoalApplication *self);
char             *shoal_application_dup_download_dir (ShoalApplication *self);
const char       *shoal_application_get_startup_error (ShoalApplication *self);

ShoalLaptopMonitor *shoal_application_get_laptop_monitor (ShoalApplication *self);

G_END_DECLS
