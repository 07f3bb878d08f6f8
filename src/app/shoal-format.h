/* shoal-format.h: sizes, rates, durations, dates and states as text
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-engine.h"

G_BEGIN_DECLS

char       *shoal_format_size          (guint64           bytes);
char       *shoal_format_rate          (guint64           bytes_per_second);
char       *shoal_format_duration      (gint64            seconds);
char       *shoal_format_relative_time (gint64            unix_time,
                                        gint64            now);
char       *shoal_format_date          (gint64            unix_time);
char       *shoal_format_percent       (double            fraction);
char       *shoal_format_eta           (gint64            seconds);
const char *shoal_torrent_state_label  (ShoalTorrentState state);

G_END_DECLS
