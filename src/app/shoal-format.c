/* shoal-format.c: sizes, rates, durations, dates and states as text
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "shoal-format.h"

/* Scales @value to the largest binary unit under it; returns the exponent
 * (0 for bytes, 1 for KiB, ...) and the scaled number as text. Numbers
 * under 100 keep one decimal unless it is zero, so that an axis reads
 * "1 MiB/s, 1.5 MiB/s" rather than "1.0 MiB/s". */
static guint
scale_binary (guint64   value,
              char    **number)
{
  double v = (double) value;
  guint exponent = 0;
  double rounded;

  while (v >= 1024.0 && exponent < 4)
    {
      v /= 1024.0;
      exponent++;
    }

  rounded = round (v * 10.0) / 10.0;
  if (exponent == 0 || v >= 100.0 || rounded == floor (rounded))
    *number = g_strdup_printf ("%.0f", exponent == 0 ? v : round (v));
  else
    *number = g_strdup_printf ("%.1f", rounded);
  return exponent;
}

/**
 * shoal_format_size:
 * @bytes: a size
 *
 * Formats a size with binary units, as "1.5 MiB".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_size (guint64 bytes)
{
  g_autofree char *n = NULL;

  switch (scale_binary (bytes, &n))
    {
    case 0:
      /* Translators: a size in bytes; %s is the number */
      return g_strdup_printf (_("%s B"), n);
    case 1:
      return g_strdup_printf (_("%s KiB"), n);
    case 2:
      return g_strdup_printf (_("%s MiB"), n);
    case 3:
      return g_strdup_printf (_("%s GiB"), n);
    default:
      return g_strdup_printf (_("%s TiB"), n);
    }
}

/**
 * shoal_format_rate:
 * @bytes_per_second: a transfer rate
 *
 * Formats a rate with binary units, as "1.5 MiB/s".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_rate (guint64 bytes_per_second)
{
  g_autofree char *n = NULL;

  switch (scale_binary (bytes_per_second, &n))
    {
    case 0:
      /* Translators: a transfer rate in bytes per second; %s is the number */
      return g_strdup_printf (_("%s B/s"), n);
    case 1:
      return g_strdup_printf (_("%s KiB/s"), n);
    case 2:
      return g_strdup_printf (_("%s MiB/s"), n);
    case 3:
      return g_strdup_printf (_("%s GiB/s"), n);
    default:
      return g_strdup_printf (_("%s TiB/s"), n);
    }
}

/**
 * shoal_format_duration:
 * @seconds: a duration, not negative
 *
 * Formats a duration with its two largest units, as "3 h 20 min": a person
 * waiting for a download does not care about the seconds of a day.
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_duration (gint64 seconds)
{
  int d, h, m, s;

  seconds = MAX (seconds, 0);
  /* Clamped to what an int holds, some 68 years */
  seconds = MIN (seconds, (gint64) G_MAXINT);
  d = (int) (seconds / 86400);
  h = (int) ((seconds % 86400) / 3600);
  m = (int) ((seconds % 3600) / 60);
  s = (int) (seconds % 60);

  if (d > 0)
    /* Translators: a duration in days and hours */
    return g_strdup_printf (_("%d d %d h"), d, h);
  if (h > 0)
    /* Translators: a duration in hours and minutes */
    return g_strdup_printf (_("%d h %d min"), h, m);
  if (m > 0)
    /* Translators: a duration in minutes and seconds */
    return g_strdup_printf (_("%d min %d s"), m, s);
  /* Translators: a duration in seconds */
  return g_strdup_printf (_("%d s"), s);
}

/**
 * shoal_format_relative_time:
 * @unix_time: a time, 0 for none
 * @now: the current time
 *
 * Formats a time close to now, as "2 min ago" or "in 5 min".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_relative_time (gint64 unix_time,
                            gint64 now)
{
  g_autofree char *d = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never"));
  if (ABS (unix_time - now) < 1)
    return g_strdup (_("Now"));

  d = shoal_format_duration (ABS (unix_time - now));
  if (unix_time < now)
    /* Translators: %s is a duration, as "2 min 5 s" */
    return g_strdup_printf (_("%s ago"), d);
  /* Translators: %s is a duration, as "2 min 5 s" */
  return g_strdup_printf (_("in %s"), d);
}

/**
 * shoal_format_date:
 * @unix_time: a time, 0 for none
 *
 * Formats a date and time for people: "Today 14:02", "Yesterday 14:02",
 * or the day with its four-digit year, as "7 Dec 2026 14:02".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) yesterday = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never"));
  dt = g_date_time_new_from_unix_local (unix_time);
  if (dt == NULL)
    return g_strdup (_("Unknown"));

  now = g_date_time_new_now_local ();
  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
  yesterday = g_date_time_add_days (today, -1);
  if (g_date_time_compare (dt, today) >= 0 && g_date_time_difference (dt, today) < G_TIME_SPAN_DAY)
    /* Translators: a time today, in g_date_time_format() syntax */
    return g_date_time_format (dt, _("Today %H:%M"));
  if (g_date_time_compare (dt, yesterday) >= 0 && g_date_time_compare (dt, today) < 0)
    /* Translators: a time yesterday, in g_date_time_format() syntax */
    return g_date_time_format (dt, _("Yesterday %H:%M"));
  /* Translators: a date with a four-digit year and a time, in
   * g_date_time_format() syntax */
  return g_date_time_format (dt, _("%-d %b %Y %H:%M"));
}

/**
 * shoal_format_percent:
 * @fraction: between 0 and 1
 *
 * Formats a fraction as a percentage the same way everywhere: one
 * decimal, rounded down so that an unfinished download never reads
 * "100 %", and whole numbers for 0 and 1.
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_percent (double fraction)
{
  double tenths;

  fraction = CLAMP (fraction, 0.0, 1.0);
  if (fraction >= 1.0)
    /* Translators: a percentage; keep the %% */
    return g_strdup_printf (_("%.0f %%"), 100.0);
  if (fraction <= 0.0)
    return g_strdup_printf (_("%.0f %%"), 0.0);
  tenths = floor (fraction * 1000.0) / 10.0;
  /* Translators: a percentage with one decimal; keep the %% */
  return g_strdup_printf (_("%.1f %%"), tenths);
}

/**
 * shoal_format_eta:
 * @seconds: the time left, not negative
 *
 * Formats the time left for a download coarsely, as "4 min left": the
 * seconds only under a minute.
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_eta (gint64 seconds)
{
  seconds = CLAMP (seconds, 0, (gint64) G_MAXINT);
  if (seconds < 60)
    /* Translators: time left for a download */
    return g_strdup_printf (_("%d s left"), (int) seconds);
  if (seconds < 3600)
    /* Translators: time left for a download */
    return g_strdup_printf (_("%d min left"), (int) (seconds / 60));
  if (seconds < 86400)
    /* Translators: time left for a download, hours and minutes */
    return g_strdup_printf (_("%d h %d min left"), (int) (seconds / 3600), (int) (seconds % 3600 / 60));
  /* Translators: time left for a download, days and hours */
  return g_strdup_printf (_("%d d %d h left"), (int) (seconds / 86400), (int) (seconds % 86400 / 3600));
}

/**
 * shoal_torrent_state_label:
 * @state: a torrent state
 *
 * Returns: (transfer none): the translated name of @state
 */
const char *
shoal_torrent_state_label (ShoalTorrentState state)
{
  switch (state)
    {
    case SHOAL_TORRENT_STATE_PAUSED:
      return _("Paused");
    case SHOAL_TORRENT_STATE_CHECKING:
      return _("Checking");
    case SHOAL_TORRENT_STATE_DOWNLOADING:
      return _("Downloading");
    case SHOAL_TORRENT_STATE_SEEDING:
      return _("Seeding");
    case SHOAL_TORRENT_STATE_FINISHED:
      return _("Finished");
    case SHOAL_TORRENT_STATE_ERROR:
      return _("Error");
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      return _("Fetching metadata…");
    case SHOAL_TORRENT_STATE_QUEUED:
      return _("Queued");
    default:
      return "";
    }
}
