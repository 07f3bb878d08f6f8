/* shoal-session-queue.c: which torrents may run under the session's limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). Every torrent has a queue
 * position (0 first, dense, saved in its resume data). The session allows
 * at most max-active-downloads torrents to download and max-active-seeds to
 * seed (0: no limit); the others wait in %SHOAL_TORRENT_STATE_QUEUED and
 * start in queue order as slots free up (a torrent completes, is paused or
 * removed). A torrent active but without payload for stalled-seconds does
 * not take a slot. While a metered network pauses transfers, every torrent
 * waits. The decision is made again on each change (deferred to an idle,
 * so that a torrent is never stopped from inside its own state change) and
 * once a second for stalled torrents.
 */
#include "config.h"

#include <string.h>

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

static gint
compare_position (gconstpointer a,
                  gconstpointer b)
{
  ShoalTorrent *ta = *(ShoalTorrent **) a;
  ShoalTorrent *tb = *(ShoalTorrent **) b;
  gint pa = ta->queue_position < 0 ? G_MAXINT : ta->queue_position;
  gint pb = tb->queue_position < 0 ? G_MAXINT : tb->queue_position;

  if (pa != pb)
    return pa < pb ? -1 : 1;
  /* Ties (saved state from elsewhere): the older first, then the hash. */
  if (ta->added_time != tb->added_time)
    return ta->added_time < tb->added_time ? -1 : 1;
  return strcmp (ta->hash_hex, tb->hash_hex);
}

/* The torrents in queue order (references held by the list store). */
static GPtrArray *
sorted_torrents (ShoalSession *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  GPtrArray *all = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (all, g_list_model_get_item (G_LIST_MODEL (self->torrents), i));
  g_ptr_array_sort (all, compare_position);
  return all;
}

/* Positions 0…n-1 in the current order. */
static void
renumber (ShoalSession *self,
          GPtrArray    *sorted)
{
  (void) self;
  for (guint i = 0; i < sorted->len; i++)
    _shoal_torrent_set_queue_position (sorted->pdata[i], (gint) i);
}

static gboolean
queue_idle_cb (gpointer user_data)
{
  ShoalSession *self = user_data;

  self->queue_idle_id = 0;
  _shoal_session_update_queue (self);
  return G_SOURCE_REMOVE;
}

/* Decides again soon, outside whatever torrent code is running now. */
void
_shoal_session_queue_later (ShoalSession *self)
{
  if (self->queue_idle_id == 0 && self->torrents != NULL)
    self->queue_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, queue_idle_cb, self, NULL);
}

static void
torrent_state_cb (ShoalTorrent *torrent,
                  GParamSpec   *pspec,
                  ShoalSession *self)
{
  (void) torrent;
  (void) pspec;
  _shoal_session_queue_later (self);
}

/* Lets each torrent run or holds it back, in queue order. */
void
_shoal_session_update_queue (ShoalSession *self)
{
  g_autoptr(GPtrArray) sorted = NULL;
  gint64 now = g_get_monotonic_time ();
  guint n_down = 0, n_seed = 0, n_changed = 0;
  gboolean hold_all;

  if (self->torrents == NULL || !self->started || self->queue_loading)
    return;
  g_clear_handle_id (&self->queue_idle_id, g_source_remove);
  hold_all = _shoal_session_is_metered_paused (self);
  if (!hold_all && self->max_active_downloads == 0 && self->max_active_seeds == 0)
    {
      /* No limit: every torrent may run, whatever the order. No sort:
       * this runs after each torrent added, and 10,000 of them added one
       * by one were 10,000 sorts of up to 10,000. */
      GListModel *list = G_LIST_MODEL (self->torrents);

      /* Held torrents come only from the limits below (or a restore
       * under limits): once none is, none is until then. */
      if (self->queue_none_held)
        return;
      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(ShoalTorrent) t = g_list_model_get_item (list, i);

          n_changed += t->queue_hold;
          _shoal_torrent_set_queue_hold (t, FALSE);
        }
      if (n_changed > 0)
        g_debug ("Queue: %u let go; no limits", n_changed);
      self->queue_none_held = TRUE;
      return;
    }
  self->queue_none_held = FALSE;
  sorted = sorted_torrents (self);
  /* Holding first, then letting go: a slot is free before it is taken. */
  for (guint pass = 0; pass < 2; pass++)
    {
      n_down = n_seed = 0;
      for (guint i = 0; i < sorted->len; i++)
        {
          ShoalTorrent *t = sorted->pdata[i];
          ShoalQueueClass cls = _shoal_torrent_get_queue_class (t);
          guint limit = cls == SHOAL_QUEUE_CLASS_SEED ? self->max_active_seeds : self->max_active_downloads;
          guint *count = cls == SHOAL_QUEUE_CLASS_SEED ? &n_seed : &n_down;
          gboolean hold;

          if (hold_all)
            hold = TRUE;
          else if (_shoal_torrent_is_stalled (t, now, self->stalled_seconds))
            hold = FALSE;  /* keeps trying, in no slot */
          else
            {
              /* A paused torrent takes no slot, but learns whether it
               * would get one if started now. */
              hold = limit > 0 && *count >= limit;
              if (!hold && cls != SHOAL_QUEUE_CLASS_NONE)
                (*count)++;
            }
          if (hold == (pass == 0))
            {
              n_changed += hold != t->queue_hold;
              _shoal_torrent_set_queue_hold (t, hold);
            }
        }
    }
  if (n_changed > 0)
    g_debug ("Queue: %u held or let go; %u to download, %u to seed (limits %u, %u)%s", n_changed, n_down,
             n_seed, self->max_active_downloads, self->max_active_seeds, hold_all ? ", all held" : "");
}

/* A torrent just listed, before it begins: its place at the end of the
 * queue (or the one it saved), the session's defaults, and whether it may
 * start. */
void
_shoal_session_torrent_listed (ShoalSession *self,
                               ShoalTorrent *torrent)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));

  _shoal_torrent_set_default_seed_limits (torrent, self->seed_ratio_limit, self->seed_time_limit);
  _shoal_torrent_set_default_max_connections (torrent, self->max_per_torrent);
  g_signal_connect_object (torrent, "notify::state", G_CALLBACK (torrent_state_cb), self, 0);
  _shoal_session_stats_listed (self, torrent);
  if (self->queue_loading)
    {
      /* Restored torrents wait until all are listed and their saved
       * positions put in order (_shoal_session_queue_loaded()). */
      if (self->max_active_downloads > 0 || self->max_active_seeds > 0 ||
          _shoal_session_is_metered_paused (self))
        {
          torrent->queue_hold = TRUE;
          self->queue_none_held = FALSE;
        }
      return;
    }
  if (torrent->queue_position < 0)
    {
      /* The others hold 0…n-2 (every change renumbers them densely):
       * the end of the queue is n-1, with no walk over them all. */
      _shoal_torrent_set_queue_position (torrent, (gint) n - 1);
    }
  else
    {
      g_autoptr(GPtrArray) sorted = sorted_torrents (self);

      renumber (self, sorted);
    }
  _shoal_session_update_queue (self);
}

void
_shoal_session_torrent_unlisted (ShoalSession *self,
                                 ShoalTorrent *torrent)
{
  g_autoptr(GPtrArray) sorted = sorted_torrents (self);

  g_signal_handlers_disconnect_by_func (torrent, torrent_state_cb, self);
  renumber (self, sorted);
  _shoal_session_queue_later (self);
}

/* Every saved torrent is listed: positions as saved, made dense. */
void
_shoal_session_queue_loaded (ShoalSession *self)
{
  g_autoptr(GPtrArray) sorted = sorted_torrents (self);

  self->queue_loading = FALSE;
  renumber (self, sorted);
  _shoal_session_update_queue (self);
}

/**
 * shoal_session_queue_move:
 * @self: a session
 * @torrent: one of its torrents
 * @move: where to
 *
 * Changes @torrent's place in the queue; the torrents it passes move by
 * one. Which torrents run follows at once. Saved with the torrents.
 */
void
shoal_session_queue_move (ShoalSession   *self,
                          ShoalTorrent   *torrent,
                          ShoalQueueMove  move)
{
  g_autoptr(GPtrArray) sorted = NULL;
  guint index;

  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (SHOAL_IS_TORRENT (torrent));

  sorted = sorted_torrents (self);
  if (!g_ptr_array_find (sorted, torrent, &index))
    return;
  switch (move)
    {
    case SHOAL_QUEUE_MOVE_UP:
      if (index > 0)
        {
          sorted->pdata[index] = sorted->pdata[index - 1];
          sorted->pdata[index - 1] = torrent;
        }
      break;
    case SHOAL_QUEUE_MOVE_DOWN:
      if (index + 1 < sorted->len)
        {
          sorted->pdata[index] = sorted->pdata[index + 1];
          sorted->pdata[index + 1] = torrent;
        }
      break;
    case SHOAL_QUEUE_MOVE_TOP:
      memmove (&sorted->pdata[1], &sorted->pdata[0], index * sizeof (gpointer));
      sorted->pdata[0] = torrent;
      break;
    case SHOAL_QUEUE_MOVE_BOTTOM:
      memmove (&sorted->pdata[index], &sorted->pdata[index + 1], (sorted->len - index - 1) * sizeof (gpointer));
      sorted->pdata[sorted->len - 1] = torrent;
      break;
    default:
      g_return_if_reached ();
    }
  renumber (self, sorted);
  _shoal_session_update_queue (self);
}

/**
 * shoal_session_set_queue_limits:
 * @self: a session
 * @max_downloads: #ShoalSession:max-active-downloads, 0 for no limit
 * @max_seeds: #ShoalSession:max-active-seeds, 0 for no limit
 */
void
shoal_session_set_queue_limits (ShoalSession *self,
                                guint         max_downloads,
                                guint         max_seeds)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_object_set (self, "max-active-downloads", max_downloads, "max-active-seeds", max_seeds, NULL);
}
