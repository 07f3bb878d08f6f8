/* shoal-session-extras.c: queue settings, alternative speeds, metered
 * networks, the incomplete-downloads and watch folders, statistics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h), with its own properties
 * (installed after shoal-session.c's):
 *
 * - the queue's settings (the queue itself: shoal-session-queue.c);
 * - alternative speed limits, on by hand, on a weekly schedule (days, a
 *   begin and an end minute of local time; a timer wakes at the next
 *   switching minute, nothing polls), or on a metered network;
 * - the metered-network policy (GNetworkMonitor's network-metered; a test
 *   gives its own monitor, see shoal-session-testing.h);
 * - the incomplete-downloads folder: new torrents download there and move
 *   to their save folder once complete (shoal-torrent-options.c);
 * - a watch folder: .torrent files put there are added, then renamed
 *   .torrent.added (or removed); files still being written are waited for,
 *   bad ones renamed .torrent.invalid;
 * - cumulative statistics (downloaded, uploaded, time running, first start)
 *   kept in the state directory across runs (from the first run that moved
 *   any data);
 * - whether whole pieces are written past the page cache (kept by the disk
 *   pool, which every torrent's storage reads at each write).
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

GParamSpec *_shoal_session_extra_properties[N_EXTRA_PROPS];

#define WATCH_SETTLE_S        1   /* a file's size unchanged this long: try it */
#define WATCH_GIVE_UP_S       15  /* unparsable this long after its last change: invalid */
#define WATCH_MAX_PENDING     1024
#define STATS_SAVE_EVERY_S    60

typedef struct
{
  gint64 size;
  gint64 changed_us;  /* when its size last changed */
  gint64 tried_us;    /* 0: not tried yet */
} WatchEntry;

static void update_alt_speed (ShoalSession *self);
static void watch_start (ShoalSession *self);
static void watch_stop (ShoalSession *self);

/* Properties */

void
_shoal_session_extras_class_init (GObjectClass *object_class)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamSpec **p = _shoal_session_extra_properties;

  /* ShoalSession:max-active-downloads: torrents downloading at once, the
   * others queued; 0 for no limit. */
  p[PROP_MAX_ACTIVE_DOWNLOADS] = g_param_spec_uint ("max-active-downloads", NULL, NULL, 0, G_MAXUINT, 0, rw);
  /* ShoalSession:max-active-seeds: the same for seeding. */
  p[PROP_MAX_ACTIVE_SEEDS] = g_param_spec_uint ("max-active-seeds", NULL, NULL, 0, G_MAXUINT, 0, rw);
  /* ShoalSession:stalled-seconds: an active torrent without payload this
   * long does not count toward those limits; 0: it always counts. */
  p[PROP_STALLED_SECONDS] = g_param_spec_uint ("stalled-seconds", NULL, NULL, 0, G_MAXUINT, 300, rw);
  /* ShoalSession:alt-download-limit, alt-upload-limit: bytes/s while the
   * alternative limits are active; 0 for none. */
  p[PROP_ALT_DOWNLOAD_LIMIT] = g_param_spec_uint64 ("alt-download-limit", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  p[PROP_ALT_UPLOAD_LIMIT] = g_param_spec_uint64 ("alt-upload-limit", NULL, NULL, 0, G_MAXUINT64, 0, rw);
  /* ShoalSession:alt-speed-enabled: the alternative limits, on by hand. */
  p[PROP_ALT_SPEED_ENABLED] = g_param_spec_boolean ("alt-speed-enabled", NULL, NULL, FALSE, rw);
  /* ShoalSession:alt-schedule-enabled: on during alt-begin-minute to
   * alt-end-minute (local time; past midnight when the end comes first; the
   * whole day when equal) of the alt-days (bit 0 Monday … bit 6 Sunday; a
   * window past midnight belongs to the day it begins). */
  p[PROP_ALT_SCHEDULE_ENABLED] = g_param_spec_boolean ("alt-schedule-enabled", NULL, NULL, FALSE, rw);
  p[PROP_ALT_DAYS] = g_param_spec_uint ("alt-days", NULL, NULL, 0, 0x7f, 0x7f, rw);
  p[PROP_ALT_BEGIN_MINUTE] = g_param_spec_uint ("alt-begin-minute", NULL, NULL, 0, 1439, 9 * 60, rw);
  p[PROP_ALT_END_MINUTE] = g_param_spec_uint ("alt-end-minute", NULL, NULL, 0, 1439, 17 * 60, rw);
  /* ShoalSession:alt-speed-active: whether the alternative limits apply
   * now (by hand, schedule or metered network). */
  p[PROP_ALT_SPEED_ACTIVE] = g_param_spec_boolean ("alt-speed-active", NULL, NULL, FALSE, ro);
  /* ShoalSession:metered-policy: what a metered network does. */
  p[PROP_METERED_POLICY] = g_param_spec_enum ("metered-policy", NULL, NULL, SHOAL_TYPE_METERED_POLICY,
                                              SHOAL_METERED_IGNORE, rw);
  /* ShoalSession:metered-paused: transfers wait for a network that is not
   * metered (every torrent not paused is queued). */
  p[PROP_METERED_PAUSED] = g_param_spec_boolean ("metered-paused", NULL, NULL, FALSE, ro);
  /* ShoalSession:incomplete-dir: torrents added from now on download here,
   * then move to their save folder once complete; %NULL: straight there. */
  p[PROP_INCOMPLETE_DIR] = g_param_spec_string ("incomplete-dir", NULL, NULL, NULL, rw);
  /* ShoalSession:watch-dir: .torrent files appearing here are added (to
   * the download dir); %NULL: none. */
  p[PROP_WATCH_DIR] = g_param_spec_string ("watch-dir", NULL, NULL, NULL, rw);
  /* ShoalSession:watch-remove: remove a watched file once added, instead
   * of renaming it .torrent.added. */
  p[PROP_WATCH_REMOVE] = g_param_spec_boolean ("watch-remove", NULL, NULL, FALSE, rw);
  /* ShoalSession:total-downloaded, total-uploaded: payload bytes, all
   * runs; seconds-active: time the session ran, all runs; first-start:
   * when it first ran (s since the epoch). */
  p[PROP_TOTAL_DOWNLOADED] = g_param_spec_uint64 ("total-downloaded", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  p[PROP_TOTAL_UPLOADED] = g_param_spec_uint64 ("total-uploaded", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  p[PROP_SECONDS_ACTIVE] = g_param_spec_uint64 ("seconds-active", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  p[PROP_FIRST_START] = g_param_spec_int64 ("first-start", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* ShoalSession:total-ratio: total-uploaded over total-downloaded, 0
   * before anything was downloaded. */
  p[PROP_TOTAL_RATIO] = g_param_spec_double ("total-ratio", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  /* ShoalSession:seed-idle-limit: completed torrents without an idle limit
   * of their own stop seeding after this many seconds without sending any
   * payload (Transmission's idle-seeding-limit); 0 for no limit. Not the
   * seed-time-limit, which counts seeding time, uploading or not. */
  p[PROP_SEED_IDLE_LIMIT] = g_param_spec_int64 ("seed-idle-limit", NULL, NULL, 0, G_MAXINT64, 0, rw);
  /* ShoalSession:direct-writes: whole checked pieces of 256 KiB and more
   * are written with O_DIRECT, past the page cache (half the CPU of a fast
   * download, and other programs' cached files are left alone), their new
   * files allocated in full first; where a file system refuses, and for
   * anything smaller or unaligned, writes go through the cache. On by
   * default; takes effect at the next write. */
  p[PROP_DIRECT_WRITES] = g_param_spec_boolean ("direct-writes", NULL, NULL, TRUE, rw);

  for (guint i = PROP_EXTRA_0 + 1; i < N_EXTRA_PROPS; i++)
    g_object_class_install_property (object_class, i, p[i]);
}

static guint64
run_seconds (ShoalSession *self)
{
  if (self->stats_run_start_us == 0)
    return 0;
  return (guint64) ((g_get_monotonic_time () - self->stats_run_start_us) / G_USEC_PER_SEC);
}

gboolean
_shoal_session_extras_get_property (ShoalSession *self,
                                    guint         prop_id,
                                    GValue       *value)
{
  switch (prop_id)
    {
    case PROP_MAX_ACTIVE_DOWNLOADS:
      g_value_set_uint (value, self->max_active_downloads);
      return TRUE;
    case PROP_MAX_ACTIVE_SEEDS:
      g_value_set_uint (value, self->max_active_seeds);
      return TRUE;
    case PROP_STALLED_SECONDS:
      g_value_set_uint (value, self->stalled_seconds);
      return TRUE;
    case PROP_ALT_DOWNLOAD_LIMIT:
      g_value_set_uint64 (value, self->alt_down_limit);
      return TRUE;
    case PROP_ALT_UPLOAD_LIMIT:
      g_value_set_uint64 (value, self->alt_up_limit);
      return TRUE;
    case PROP_ALT_SPEED_ENABLED:
      g_value_set_boolean (value, self->alt_speed_enabled);
      return TRUE;
    case PROP_ALT_SCHEDULE_ENABLED:
      g_value_set_boolean (value, self->alt_schedule_enabled);
      return TRUE;
    case PROP_ALT_DAYS:
      g_value_set_uint (value, self->alt_days);
      return TRUE;
    case PROP_ALT_BEGIN_MINUTE:
      g_value_set_uint (value, self->alt_begin_minute);
      return TRUE;
    case PROP_ALT_END_MINUTE:
      g_value_set_uint (value, self->alt_end_minute);
      return TRUE;
    case PROP_ALT_SPEED_ACTIVE:
      g_value_set_boolean (value, self->alt_active);
      return TRUE;
    case PROP_METERED_POLICY:
      g_value_set_enum (value, self->metered_policy);
      return TRUE;
    case PROP_METERED_PAUSED:
      g_value_set_boolean (value, _shoal_session_is_metered_paused (self));
      return TRUE;
    case PROP_INCOMPLETE_DIR:
      g_value_set_string (value, self->incomplete_dir);
      return TRUE;
    case PROP_WATCH_DIR:
      g_value_set_string (value, self->watch_dir);
      return TRUE;
    case PROP_WATCH_REMOVE:
      g_value_set_boolean (value, self->watch_remove);
      return TRUE;
    case PROP_TOTAL_DOWNLOADED:
      g_value_set_uint64 (value, self->stats_downloaded + self->stats_run_down);
      return TRUE;
    case PROP_TOTAL_UPLOADED:
      g_value_set_uint64 (value, self->stats_uploaded + self->stats_run_up);
      return TRUE;
    case PROP_SECONDS_ACTIVE:
      g_value_set_uint64 (value, self->stats_seconds + run_seconds (self));
      return TRUE;
    case PROP_FIRST_START:
      g_value_set_int64 (value, self->stats_first_start);
      return TRUE;
    case PROP_TOTAL_RATIO:
      g_value_set_double (value, shoal_session_get_total_ratio (self));
      return TRUE;
    case PROP_SEED_IDLE_LIMIT:
      g_value_set_int64 (value, self->seed_idle_limit);
      return TRUE;
    case PROP_DIRECT_WRITES:
      g_value_set_boolean (value, shoal_disk_pool_get_direct_writes (self->disk_pool));
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
set_uint (ShoalSession *self,
          guint        *field,
          guint         value,
          guint         prop_id)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[prop_id]);
  return TRUE;
}

static gboolean
set_uint64 (ShoalSession *self,
            guint64      *field,
            guint64       value,
            guint         prop_id)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[prop_id]);
  return TRUE;
}

static gboolean
set_path (ShoalSession *self,
          char        **field,
          const char   *value,
          guint         prop_id)
{
  g_autofree char *canonical = value != NULL && value[0] != '\0' ? g_canonicalize_filename (value, NULL) : NULL;

  if (g_strcmp0 (*field, canonical) == 0)
    return FALSE;
  g_free (*field);
  *field = g_steal_pointer (&canonical);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[prop_id]);
  return TRUE;
}

static void
metered_changed (ShoalSession *self)
{
  update_alt_speed (self);
  _shoal_session_update_queue (self);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_METERED_PAUSED]);
}

gboolean
_shoal_session_extras_set_property (ShoalSession *self,
                                    guint         prop_id,
                                    const GValue *value)
{
  switch (prop_id)
    {
    case PROP_MAX_ACTIVE_DOWNLOADS:
      if (set_uint (self, &self->max_active_downloads, g_value_get_uint (value), prop_id))
        _shoal_session_update_queue (self);
      return TRUE;
    case PROP_MAX_ACTIVE_SEEDS:
      if (set_uint (self, &self->max_active_seeds, g_value_get_uint (value), prop_id))
        _shoal_session_update_queue (self);
      return TRUE;
    case PROP_STALLED_SECONDS:
      if (set_uint (self, &self->stalled_seconds, g_value_get_uint (value), prop_id))
        _shoal_session_update_queue (self);
      return TRUE;
    case PROP_ALT_DOWNLOAD_LIMIT:
      if (set_uint64 (self, &self->alt_down_limit, g_value_get_uint64 (value), prop_id))
        _shoal_session_apply_rate_limits (self);
      return TRUE;
    case PROP_ALT_UPLOAD_LIMIT:
      if (set_uint64 (self, &self->alt_up_limit, g_value_get_uint64 (value), prop_id))
        _shoal_session_apply_rate_limits (self);
      return TRUE;
    case PROP_ALT_SPEED_ENABLED:
      if (set_uint (self, (guint *) &self->alt_speed_enabled, g_value_get_boolean (value), prop_id))
        update_alt_speed (self);
      return TRUE;
    case PROP_ALT_SCHEDULE_ENABLED:
      if (set_uint (self, (guint *) &self->alt_schedule_enabled, g_value_get_boolean (value), prop_id))
        update_alt_speed (self);
      return TRUE;
    case PROP_ALT_DAYS:
      if (set_uint (self, &self->alt_days, g_value_get_uint (value), prop_id))
        update_alt_speed (self);
      return TRUE;
    case PROP_ALT_BEGIN_MINUTE:
      if (set_uint (self, &self->alt_begin_minute, g_value_get_uint (value), prop_id))
        update_alt_speed (self);
      return TRUE;
    case PROP_ALT_END_MINUTE:
      if (set_uint (self, &self->alt_end_minute, g_value_get_uint (value), prop_id))
        update_alt_speed (self);
      return TRUE;
    case PROP_METERED_POLICY:
      if (set_uint (self, (guint *) &self->metered_policy, (guint) g_value_get_enum (value), prop_id))
        metered_changed (self);
      return TRUE;
    case PROP_INCOMPLETE_DIR:
      set_path (self, &self->incomplete_dir, g_value_get_string (value), prop_id);
      return TRUE;
    case PROP_WATCH_DIR:
      if (set_path (self, &self->watch_dir, g_value_get_string (value), prop_id) && self->started)
        {
          watch_stop (self);
          watch_start (self);
        }
      return TRUE;
    case PROP_WATCH_REMOVE:
      set_uint (self, (guint *) &self->watch_remove, g_value_get_boolean (value), prop_id);
      return TRUE;
    case PROP_SEED_IDLE_LIMIT:
      /* The torrents ask for it when they check their limits: the
       * sleeping ones are woken to compute their next deadline again. */
      if (self->seed_idle_limit != g_value_get_int64 (value))
        {
          self->seed_idle_limit = g_value_get_int64 (value);
          _shoal_session_wake_all_torrents (self);
          g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[prop_id]);
        }
      return TRUE;
    case PROP_DIRECT_WRITES:
      if (shoal_disk_pool_get_direct_writes (self->disk_pool) != g_value_get_boolean (value))
        {
          shoal_disk_pool_set_direct_writes (self->disk_pool, g_value_get_boolean (value));
          g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[prop_id]);
        }
      return TRUE;
    default:
      return FALSE;
    }
}

void
_shoal_session_extras_init (ShoalSession *self)
{
  self->stalled_seconds = 300;
  self->alt_days = 0x7f;
  self->alt_begin_minute = 9 * 60;
  self->alt_end_minute = 17 * 60;
  self->metered_policy = SHOAL_METERED_IGNORE;
  self->watch_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->stats_last = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
}

void
_shoal_session_extras_finalize (ShoalSession *self)
{
  watch_stop (self);
  g_clear_handle_id (&self->alt_timer_id, g_source_remove);
  g_clear_handle_id (&self->queue_idle_id, g_source_remove);
  g_clear_handle_id (&self->final_move_id, g_source_remove);
  g_clear_pointer (&self->final_moves, g_ptr_array_unref);
  if (self->network_monitor != NULL && self->metered_handler != 0)
    g_signal_handler_disconnect (self->network_monitor, self->metered_handler);
  g_clear_object (&self->network_monitor);
  g_clear_pointer (&self->watch_pending, g_hash_table_unref);
  g_clear_pointer (&self->stats_last, g_hash_table_unref);
  g_clear_pointer (&self->incomplete_dir, g_free);
  g_clear_pointer (&self->watch_dir, g_free);
}

/* Alternative speeds */

void
_shoal_session_apply_rate_limits (ShoalSession *self)
{
  guint64 down = self->normal_down_limit, up = self->normal_up_limit;

  /* The alternative limits only ever lower the normal ones. */
  if (self->alt_active && self->alt_down_limit > 0)
    down = down > 0 ? MIN (down, self->alt_down_limit) : self->alt_down_limit;
  if (self->alt_active && self->alt_up_limit > 0)
    up = up > 0 ? MIN (up, self->alt_up_limit) : self->alt_up_limit;
  shoal_rate_limit_set_limit (&self->down_limit, down);
  shoal_rate_limit_set_limit (&self->up_limit, up);
}

static GDateTime *
now_local (ShoalSession *self)
{
  if (self->clock != NULL)
    return self->clock (self->clock_data);
  return g_date_time_new_now_local ();
}

static gboolean
day_set (ShoalSession *self,
         gint          day_of_week) /* 1 Monday … 7 Sunday */
{
  return (self->alt_days & (1u << (day_of_week - 1))) != 0;
}

static gboolean
in_schedule (ShoalSession *self,
             GDateTime    *now)
{
  gint day = g_date_time_get_day_of_week (now);
  gint prev = day == 1 ? 7 : day - 1;
  guint minute = (guint) (g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now));
  guint b = self->alt_begin_minute, e = self->alt_end_minute;

  if (b == e)
    return day_set (self, day);
  if (b < e)
    return day_set (self, day) && minute >= b && minute < e;
  return (day_set (self, day) && minute >= b) || (day_set (self, prev) && minute < e);
}

/* Seconds from @now to the next begin or end minute. */
static gint64
ms_to_next_switch (ShoalSession *self,
                   GDateTime    *now)
{
  gint64 in_day_ms = ((gint64) g_date_time_get_hour (now) * 3600 + g_date_time_get_minute (now) * 60) * 1000 +
                     (gint64) (g_date_time_get_seconds (now) * 1000.0);
  gint64 best = G_MAXINT64;
  guint targets[2] = { self->alt_begin_minute, self->alt_end_minute };

  for (guint i = 0; i < 2; i++)
    {
      gint64 delta = ((gint64) targets[i] * 60000 - in_day_ms) % (24 * 3600 * 1000);

      if (delta <= 0)
        delta += 24 * 3600 * 1000;
      best = MIN (best, delta);
    }
  return best;
}

static gboolean
alt_timer_cb (gpointer user_data)
{
  ShoalSession *self = user_data;

  self->alt_timer_id = 0;
  update_alt_speed (self);
  return G_SOURCE_REMOVE;
}

static void
update_alt_speed (ShoalSession *self)
{
  gboolean active = self->alt_speed_enabled ||
                    (self->metered && self->metered_policy == SHOAL_METERED_LIMIT);

  g_clear_handle_id (&self->alt_timer_id, g_source_remove);
  if (self->alt_schedule_enabled)
    {
      g_autoptr(GDateTime) now = now_local (self);
      gint64 ms;

      active = active || in_schedule (self, now);
      /* A little after the minute begins, so as not to wake just before. */
      ms = ms_to_next_switch (self, now) + 50;
      self->alt_timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (ms, (gint64) G_MAXUINT),
                                               alt_timer_cb, self, NULL);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->alt_timer_id),
                                "[shoal] alternative speed schedule");
    }
  if (active != self->alt_active)
    {
      self->alt_active = active;
      g_debug ("Alternative speed limits %s", active ? "on" : "off");
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_ALT_SPEED_ACTIVE]);
    }
  _shoal_session_apply_rate_limits (self);
}

/* Metered networks */

gboolean
_shoal_session_is_metered_paused (ShoalSession *self)
{
  return self->metered && self->metered_policy == SHOAL_METERED_PAUSE;
}

static void
network_metered_cb (GNetworkMonitor *monitor,
                    GParamSpec      *pspec,
                    ShoalSession    *self)
{
  gboolean metered = g_network_monitor_get_network_metered (monitor);

  (void) pspec;
  if (metered == self->metered)
    return;
  g_message ("The network is %s", metered ? "metered" : "not metered");
  self->metered = metered;
  metered_changed (self);
}

/**
 * _shoal_session_set_network_monitor:
 * @self: a session not started yet
 * @monitor: the monitor whose network-metered the session follows
 *
 * For tests; the default is g_network_monitor_get_default().
 */
void
_shoal_session_set_network_monitor (ShoalSession    *self,
                                    GNetworkMonitor *monitor)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (!self->started);
  g_set_object (&self->network_monitor, monitor);
}

/**
 * _shoal_session_set_clock:
 * @self: a session
 * @clock: (nullable): gives the local time now; %NULL for the real clock
 * @data: for @clock
 *
 * For tests of the speed schedule.
 */
void
_shoal_session_set_clock (ShoalSession *self,
                          GDateTime  *(*clock) (gpointer data),
                          gpointer      data)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  self->clock = clock;
  self->clock_data = data;
  update_alt_speed (self);
}

/* Statistics */

static void
load_stats (ShoalSession *self)
{
  g_autoptr(GBytes) bytes = shoal_state_store_load_session_stats (_shoal_session_get_store (self));
  g_autoptr(ShoalBencode) doc = NULL;
  const ShoalBencodeNode *root;
  const char *keys[] = { "downloaded", "uploaded", "seconds", "first-start" };
  gint64 values[4] = { 0, 0, 0, 0 };

  if (bytes != NULL)
    doc = shoal_bencode_parse (bytes, NULL);
  root = doc != NULL ? shoal_bencode_get_root (doc) : NULL;
  if (root != NULL && shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      {
        const ShoalBencodeNode *n = shoal_bencode_node_dict_lookup (root, keys[i]);

        if (shoal_bencode_node_is (n, SHOAL_BENCODE_INTEGER))
          values[i] = MAX (shoal_bencode_node_get_integer (n), 0);
      }
  else if (bytes != NULL)
    g_message ("Ignoring unreadable session statistics in %s", self->state_dir);
  self->stats_saved = root != NULL;
  self->stats_downloaded = (guint64) values[0];
  self->stats_uploaded = (guint64) values[1];
  self->stats_seconds = (guint64) values[2];
  self->stats_first_start = values[3] > 0 ? values[3] : g_get_real_time () / G_USEC_PER_SEC;
  self->stats_run_start_us = g_get_monotonic_time ();
}

static void
save_stats (ShoalSession *self)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;

  if (self->stats_run_start_us == 0)
    return;
  /* A session that never moved data (shoal-cli verify, a test) leaves no
   * file behind where there was none. */
  if (!self->stats_saved && self->stats_run_down == 0 && self->stats_run_up == 0)
    return;
  self->stats_saved = TRUE;
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "downloaded");
  shoal_bencode_writer_integer (w, (gint64) MIN (self->stats_downloaded + self->stats_run_down, (guint64) G_MAXINT64));
  shoal_bencode_writer_cstring (w, "first-start");
  shoal_bencode_writer_integer (w, self->stats_first_start);
  shoal_bencode_writer_cstring (w, "seconds");
  shoal_bencode_writer_integer (w, (gint64) MIN (self->stats_seconds + run_seconds (self), (guint64) G_MAXINT64));
  shoal_bencode_writer_cstring (w, "uploaded");
  shoal_bencode_writer_integer (w, (gint64) MIN (self->stats_uploaded + self->stats_run_up, (guint64) G_MAXINT64));
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);
  shoal_state_store_save_session_stats (_shoal_session_get_store (self), bytes);
}

/* What a torrent moved since the last look; one seen for the first time
 * brings its earlier totals, which are not this run's. */
static void
count_torrent (ShoalSession *self,
               ShoalTorrent *t,
               guint64      *down,
               guint64      *up)
{
  guint64 *last = g_hash_table_lookup (self->stats_last, t);
  guint64 d = shoal_torrent_get_downloaded (t), u = shoal_torrent_get_uploaded (t);

  if (last == NULL)
    {
      last = g_new (guint64, 2);
      last[0] = d;
      last[1] = u;
      g_hash_table_insert (self->stats_last, t, last);
      return;
    }
  *down += d > last[0] ? d - last[0] : 0;
  *up += u > last[1] ? u - last[1] : 0;
  last[0] = d;
  last[1] = u;
}

static void
add_transfers (ShoalSession *self,
               guint64       down,
               guint64       up)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (down > 0)
    {
      self->stats_run_down += down;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_TOTAL_DOWNLOADED]);
    }
  if (up > 0)
    {
      self->stats_run_up += up;
      g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_TOTAL_UPLOADED]);
    }
  if (down > 0 || up > 0)
    g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_TOTAL_RATIO]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A torrent the tick leaves asleep: nothing moves for it until woken
 * (shoal-session-ticks.c), so it is counted now. */
void
_shoal_session_count_transfers_of (ShoalSession *self,
                                   ShoalTorrent *torrent)
{
  guint64 down = 0, up = 0;

  count_torrent (self, torrent, &down, &up);
  if (down > 0 || up > 0)
    add_transfers (self, down, up);
}

/* Once a second: what the awake torrents moved (the sleeping ones move
 * nothing). */
static void
count_transfers (ShoalSession *self)
{
  guint64 down = 0, up = 0;

  for (GList *l = self->tick_awake.head; l != NULL; l = l->next)
    count_torrent (self, l->data, &down, &up);
  add_transfers (self, down, up);
  g_object_notify_by_pspec (G_OBJECT (self), _shoal_session_extra_properties[PROP_SECONDS_ACTIVE]);
}

/* A torrent just listed: what it brings from earlier runs is not this
 * run's. */
void
_shoal_session_stats_listed (ShoalSession *self,
                             ShoalTorrent *torrent)
{
  guint64 *last = g_new (guint64, 2);

  last[0] = shoal_torrent_get_downloaded (torrent);
  last[1] = shoal_torrent_get_uploaded (torrent);
  g_hash_table_insert (self->stats_last, torrent, last);
}

/**
 * shoal_session_get_total_ratio:
 * @self: a session
 *
 * Returns: all uploaded over all downloaded, across runs; 0 before
 *   anything was downloaded
 */
double
shoal_session_get_total_ratio (ShoalSession *self)
{
  guint64 down;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  down = self->stats_downloaded + self->stats_run_down;
  return down > 0 ? (double) (self->stats_uploaded + self->stats_run_up) / (double) down : 0.0;
}

/* Watch folder */

static gboolean
watched_name (const char *name)
{
  return g_str_has_suffix (name, ".torrent") && name[0] != '.';
}

static void
rename_watched (const char *path,
                const char *suffix)
{
  g_autofree char *target = g_strconcat (path, suffix, NULL);

  if (g_rename (path, target) != 0)
    g_message ("Could not rename %s to %s: %s", path, target, g_strerror (errno));
}

/* Tries one watched file whose size has settled; returns whether it is
 * done with (added, refused for good, or gone). */
static gboolean
watch_try (ShoalSession *self,
           const char   *path,
           WatchEntry   *entry,
           gint64        now_us)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;

  entry->tried_us = now_us;
  torrent = shoal_session_add_torrent_file (self, file, NULL, SHOAL_ADD_FLAGS_NONE, &error);
  if (torrent == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return TRUE;
  if (torrent == NULL && !g_error_matches (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE))
    {
      /* Perhaps still being written by something that pauses: given up
       * only once it stayed the same for a while. */
      if (now_us - entry->changed_us < WATCH_GIVE_UP_S * G_USEC_PER_SEC)
        return FALSE;
      g_message ("Watch folder: %s is not a torrent that can be added (%s); renamed .invalid", path,
                 error->message);
      rename_watched (path, ".invalid");
      return TRUE;
    }
  if (torrent != NULL)
    g_message ("Watch folder: added “%s” from %s", shoal_torrent_get_name (torrent), path);
  else
    g_debug ("Watch folder: %s is already in the list", path);
  if (self->watch_remove)
    {
      if (g_unlink (path) != 0)
        g_message ("Could not remove %s: %s", path, g_strerror (errno));
    }
  else
    rename_watched (path, ".added");
  return TRUE;
}

static gboolean
watch_timer_cb (gpointer user_data)
{
  ShoalSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;
  g_autoptr(GPtrArray) ready = g_ptr_array_new_with_free_func (g_free);

  g_hash_table_iter_init (&iter, self->watch_pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WatchEntry *entry = value;
      GStatBuf st;

      if (g_stat (key, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if ((gint64) st.st_size != entry->size)
        {
          entry->size = st.st_size;
          entry->changed_us = now;
          entry->tried_us = 0;
          continue;
        }
      if (entry->size > 0 && now - entry->changed_us >= WATCH_SETTLE_S * G_USEC_PER_SEC &&
          (entry->tried_us == 0 || now - entry->tried_us >= G_USEC_PER_SEC))
        g_ptr_array_add (ready, g_strdup (key));
    }
  /* Adding may run the main loop's handlers: the table is not iterated. */
  for (guint i = 0; i < ready->len; i++)
    {
      WatchEntry *entry = g_hash_table_lookup (self->watch_pending, ready->pdata[i]);

      if (entry != NULL && watch_try (self, ready->pdata[i], entry, now))
        g_hash_table_remove (self->watch_pending, ready->pdata[i]);
    }
  if (g_hash_table_size (self->watch_pending) == 0)
    {
      self->watch_timer_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
watch_note (ShoalSession *self,
            const char   *path)
{
  g_autofree char *name = g_path_get_basename (path);
  WatchEntry *entry;

  if (!watched_name (name) || g_hash_table_contains (self->watch_pending, path))
    return;
  if (g_hash_table_size (self->watch_pending) >= WATCH_MAX_PENDING)
    return;
  entry = g_new0 (WatchEntry, 1);
  entry->size = -1;
  entry->changed_us = g_get_monotonic_time ();
  g_hash_table_insert (self->watch_pending, g_strdup (path), entry);
  if (self->watch_timer_id == 0)
    {
      self->watch_timer_id = g_timeout_add (250, watch_timer_cb, self);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->watch_timer_id),
                                "[shoal] watch folder");
    }
}

static void
watch_changed_cb (GFileMonitor      *monitor,
                  GFile             *file,
                  GFile             *other,
                  GFileMonitorEvent  event,
                  ShoalSession      *self)
{
  g_autofree char *path = NULL;

  (void) monitor;
  if (event == G_FILE_MONITOR_EVENT_MOVED_IN || event == G_FILE_MONITOR_EVENT_RENAMED)
    file = other != NULL ? other : file;
  else if (event != G_FILE_MONITOR_EVENT_CREATED && event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT &&
           event != G_FILE_MONITOR_EVENT_CHANGED)
    return;
  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path != NULL)
    watch_note (self, path);
}

static void
watch_start (ShoalSession *self)
{
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *name;

  if (self->watch_dir == NULL)
    return;
  dir = g_file_new_for_path (self->watch_dir);
  self->watch_monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->watch_monitor == NULL)
    {
      g_message ("Cannot watch %s: %s", self->watch_dir, error->message);
      return;
    }
  g_signal_connect (self->watch_monitor, "changed", G_CALLBACK (watch_changed_cb), self);
  /* What arrived while we were not running. */
  listing = g_dir_open (self->watch_dir, 0, NULL);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->watch_dir, name, NULL);

      watch_note (self, path);
    }
}

static void
watch_stop (ShoalSession *self)
{
  if (self->watch_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->watch_monitor, watch_changed_cb, self);
      g_file_monitor_cancel (self->watch_monitor);
      g_clear_object (&self->watch_monitor);
    }
  g_clear_handle_id (&self->watch_timer_id, g_source_remove);
  if (self->watch_pending != NULL)
    g_hash_table_remove_all (self->watch_pending);
}

/* Incomplete-downloads folder */

/**
 * _shoal_session_incomplete_redirect:
 * @self: a session
 * @dir: (inout): where the torrent is to be saved; replaced by the
 *   incomplete-downloads folder when one applies
 * @flags: how it is added
 *
 * Returns: (transfer full) (nullable): the save folder to move the data
 *   to once complete, or %NULL
 */
char *
_shoal_session_incomplete_redirect (ShoalSession   *self,
                                    char          **dir,
                                    ShoalAddFlags   flags)
{
  char *final;

  if (self->incomplete_dir == NULL || (flags & SHOAL_ADD_FLAGS_SEED_MODE) ||
      g_strcmp0 (self->incomplete_dir, *dir) == 0)
    return NULL;
  final = *dir;
  *dir = g_strdup (self->incomplete_dir);
  return final;
}

static gboolean
final_moves_cb (gpointer data)
{
  ShoalSession *self = data;
  g_autoptr(GPtrArray) moves = g_steal_pointer (&self->final_moves);

  self->final_move_id = 0;
  for (guint i = 0; moves != NULL && i < moves->len; i++)
    if (g_list_store_find (self->torrents, moves->pdata[i], NULL))  /* not removed meanwhile */
      _shoal_torrent_move_to_final_dir (moves->pdata[i]);
  return G_SOURCE_REMOVE;
}

void
_shoal_session_extras_completed (ShoalSession *self,
                                 ShoalTorrent *torrent)
{
  /* Not from inside the piece's verification, which called us: moving
   * stops the torrent's connections first. */
  if (torrent->final_dir != NULL && self->started)
    {
      if (self->final_moves == NULL)
        self->final_moves = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->final_moves, g_object_ref (torrent));
      if (self->final_move_id == 0)
        self->final_move_id = g_idle_add (final_moves_cb, self);
    }
  _shoal_session_queue_later (self);
}

/* Life cycle */

void
_shoal_session_extras_start (ShoalSession *self)
{
  load_stats (self);
  if (self->network_monitor == NULL)
    self->network_monitor = g_object_ref (g_network_monitor_get_default ());
  self->metered_handler = g_signal_connect (self->network_monitor, "notify::network-metered",
                                            G_CALLBACK (network_metered_cb), self);
  self->metered = g_network_monitor_get_network_metered (self->network_monitor);
  update_alt_speed (self);
  _shoal_session_update_queue (self);
  watch_start (self);
}

void
_shoal_session_extras_close (ShoalSession *self)
{
  if (!self->started)
    return;
  count_transfers (self);
  save_stats (self);
  watch_stop (self);
  g_clear_handle_id (&self->alt_timer_id, g_source_remove);
  g_clear_handle_id (&self->queue_idle_id, g_source_remove);
  g_clear_handle_id (&self->final_move_id, g_source_remove);
  g_clear_pointer (&self->final_moves, g_ptr_array_unref);
  if (self->network_monitor != NULL && self->metered_handler != 0)
    g_signal_handler_disconnect (self->network_monitor, self->metered_handler);
  self->metered_handler = 0;
}

/* Once a second, from the session's tick. */
void
_shoal_session_extras_tick (ShoalSession *self,
                            gint64        now_us)
{
  (void) now_us;
  count_transfers (self);
  if (self->max_active_downloads > 0 || self->max_active_seeds > 0)
    _shoal_session_update_queue (self);
  if (run_seconds (self) / STATS_SAVE_EVERY_S != self->stats_saved_period)
    {
      self->stats_saved_period = run_seconds (self) / STATS_SAVE_EVERY_S;
      save_stats (self);
      /* Also catches a suspend or a time zone change the schedule's
       * timer did not see. */
      update_alt_speed (self);
    }
}
