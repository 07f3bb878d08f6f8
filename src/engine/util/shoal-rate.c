/* shoal-rate.c: transfer rate meters and token-bucket rate limiters
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "shoal-rate.h"

static void
advance (ShoalRate *rate,
         gint64     second)
{
  if (rate->started == 0)
    {
      rate->started = second;
      rate->newest = second;
      return;
    }
  if (second <= rate->newest)
    return;
  if (second - rate->newest >= SHOAL_RATE_WINDOW)
    {
      for (guint i = 0; i < SHOAL_RATE_WINDOW; i++)
        rate->buckets[i] = 0;
    }
  else
    {
      for (gint64 s = rate->newest + 1; s <= second; s++)
        rate->buckets[s % SHOAL_RATE_WINDOW] = 0;
    }
  rate->newest = second;
}

/**
 * shoal_rate_add:
 * @rate: a meter
 * @now_us: g_get_monotonic_time()
 * @bytes: bytes transferred now
 */
void
shoal_rate_add (ShoalRate *rate,
                gint64     now_us,
                guint64    bytes)
{
  gint64 second = now_us / G_USEC_PER_SEC + 1;

  advance (rate, second);
  rate->buckets[second % SHOAL_RATE_WINDOW] += bytes;
  rate->total += bytes;
}

/**
 * shoal_rate_get:
 * @rate: a meter
 * @now_us: g_get_monotonic_time()
 *
 * The current second is still filling, so the rate is computed over the
 * complete seconds of the window (or fewer, just after the start).
 *
 * Returns: bytes per second
 */
guint64
shoal_rate_get (ShoalRate *rate,
                gint64     now_us)
{
  gint64 second = now_us / G_USEC_PER_SEC + 1;
  gint64 span;
  guint64 sum = 0;

  if (rate->started == 0)
    return 0;
  advance (rate, second);
  span = MIN (second - rate->started, SHOAL_RATE_WINDOW - 1);
  if (span <= 0)
    {
      /* Less than a second old: extrapolate the partial second. */
      gint64 frac = now_us % G_USEC_PER_SEC;

      return frac > 100000 ? rate->buckets[second % SHOAL_RATE_WINDOW] * G_USEC_PER_SEC / (guint64) frac : 0;
    }
  for (gint64 s = second - span; s < second; s++)
    sum += rate->buckets[s % SHOAL_RATE_WINDOW];
  return sum / (guint64) span;
}

void
shoal_rate_limit_set_limit (ShoalRateLimit *limit,
                            guint64         bytes_per_second)
{
  limit->limit = bytes_per_second;
  if (limit->tokens > (gint64) bytes_per_second)
    limit->tokens = (gint64) bytes_per_second;
}

/**
 * shoal_rate_limit_available:
 * @limit: a limiter
 * @now_us: g_get_monotonic_time()
 *
 * Returns: how many bytes may be transferred now; G_MAXUINT64 if unlimited
 */
guint64
shoal_rate_limit_available (ShoalRateLimit *limit,
                            gint64          now_us)
{
  gint64 elapsed;

  if (limit->limit == 0)
    return G_MAXUINT64;
  if (limit->last_us == 0)
    {
      limit->last_us = now_us;
      limit->tokens = (gint64) limit->limit / 10;
    }
  elapsed = now_us - limit->last_us;
  if (elapsed > 0)
    {
      limit->tokens += (gint64) ((guint64) elapsed * limit->limit / G_USEC_PER_SEC);
      if (limit->tokens > (gint64) limit->limit)
        limit->tokens = (gint64) limit->limit;
      limit->last_us = now_us;
    }
  return limit->tokens > 0 ? (guint64) limit->tokens : 0;
}

void
shoal_rate_limit_consume (ShoalRateLimit *limit,
                          guint64         bytes)
{
  if (limit->limit == 0)
    return;
  limit->tokens -= (gint64) MIN (bytes, (guint64) G_MAXINT64 / 2);
}

/**
 * shoal_rate_limit_wait_us:
 * @limit: a limiter
 * @bytes: bytes wanted
 *
 * Returns: microseconds until @bytes are available (0 if they are now)
 */
gint64
shoal_rate_limit_wait_us (ShoalRateLimit *limit,
                          guint64         bytes)
{
  gint64 missing;

  if (limit->limit == 0)
    return 0;
  missing = (gint64) bytes - limit->tokens;
  if (missing <= 0)
    return 0;
  return (gint64) ((guint64) missing * G_USEC_PER_SEC / limit->limit) + 1;
}
