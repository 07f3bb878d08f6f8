/* shoal-rate.h: transfer rate meters and token-bucket rate limiters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_RATE_WINDOW 8 /* seconds */

/**
 * ShoalRate:
 *
 * Bytes per second over the last few seconds. Embed it by value.
 */
typedef struct
{
  guint64 buckets[SHOAL_RATE_WINDOW];
  gint64  newest;   /* second of buckets[newest % WINDOW], monotonic */
  gint64  started;  /* first second anything was counted */
  guint64 total;
} ShoalRate;

void    shoal_rate_add    (ShoalRate *rate,
                           gint64     now_us,
                           guint64    bytes);
guint64 shoal_rate_get    (ShoalRate *rate,
                           gint64     now_us);

/**
 * ShoalRateLimit:
 *
 * A token bucket: @limit bytes per second (0 = unlimited), refilled as time
 * passes, holding at most one second's worth.
 */
typedef struct
{
  guint64 limit;
  gint64  tokens;
  gint64  last_us;
} ShoalRateLimit;

void    shoal_rate_limit_set_limit (ShoalRateLimit *limit,
                                    guint64         bytes_per_second);
guint64 shoal_rate_limit_available (ShoalRateLimit *limit,
                                    gint64          now_us);
void    shoal_rate_limit_consume   (ShoalRateLimit *limit,
                                    guint64         bytes);
gint64  shoal_rate_limit_wait_us   (ShoalRateLimit *limit,
                                    guint64         bytes);

G_END_DECLS
