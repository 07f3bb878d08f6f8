/* shoal-announcer-testing.h: the announcer's test hook
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For tests only (tests/interop/test-announcer.c); nothing in the engine
 * outside announce/ includes it.
 */
#pragma once

#include "shoal-announcer.h"

G_BEGIN_DECLS

/* Replaces the tracker-chosen interval and the retry backoff base by
 * @interval_ms and @retry_ms (0 restores the normal rules). Tests only. */
void            shoal_announcer_set_intervals_for_testing (ShoalAnnouncer *self,
                                                           guint           interval_ms,
                                                           guint           retry_ms);

G_END_DECLS
