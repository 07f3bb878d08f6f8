/* shoal-statistics-dialog.h: the session's totals over every run
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_STATISTICS_DIALOG (shoal_statistics_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalStatisticsDialog, shoal_statistics_dialog, SHOAL, STATISTICS_DIALOG, AdwWindow)

ShoalStatisticsDialog *shoal_statistics_dialog_new    (ShoalSession          *session);
const char            *shoal_statistics_dialog_get_value (ShoalStatisticsDialog *self,
                                                          const char            *property);

G_END_DECLS
