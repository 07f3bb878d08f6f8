/* shoal-session-ticks.c: which torrents the session's tick visits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h). The session ticks once a
 * second, but most torrents of a large session have nothing to do at it:
 * seeding without a peer, or paused, with nothing unsaved. Ticking each of
 * them every second was the idle CPU of a session of 10,000 torrents, and
 * it grew with every torrent added. So only the torrents that may have
 * something to do are ticked, in the order they were woken:
 *
 * - every torrent starts awake as it is listed, and is woken by itself
 *   through its services: a state change, a connection, a candidate, a web
 *   seed, unsaved resume data, a new seeding limit; see
 *   _shoal_torrent_wake()); one not listed (yet) is not ticked;
 * - after its tick, a torrent that says it has nothing to do until a time
 *   (_shoal_torrent_can_sleep(): its next DHT announce, its seeding time
 *   limit) or until woken leaves the awake queue; one with a time waits in
 *   a sequence by that time, and the tick that reaches it wakes it;
 * - before it sleeps, the session's per-torrent work of the tick is done
 *   for it (the run's transfer totals, its LSD announcement), so that what
 *   walks only the awake torrents misses nothing.
 *
 * Work per second is then proportional to the busy torrents, not to all of
 * them. The entries hold no reference: a torrent closed
 * (_shoal_torrent_close(), on removal or on its dispose) is forgotten.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

typedef struct
{
  GList          link;     /* in self->tick_awake while awake; data: the torrent */
  gboolean       awake;
  GSequenceIter *sleeper;  /* in self->tick_sleepers while asleep until a time */
  gint64         wake_us;
} TickEntry;

static void
tick_entry_free (gpointer data)
{
  g_free (data);
}

static gint
compare_sleepers (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const TickEntry *x = a, *y = b;

  (void) user_data;
  if (x->wake_us != y->wake_us)
    return x->wake_us < y->wake_us ? -1 : 1;
  return x < y ? -1 : (x > y ? 1 : 0);
}

/* A torrent enters the list: it is ticked from now on, while awake. */
static void
list_torrent (ShoalSession *self,
              ShoalTorrent *torrent)
{
  TickEntry *e;

  if (g_hash_table_contains (self->tick_entries, torrent))
    return;
  e = g_new0 (TickEntry, 1);
  e->link.data = torrent;
  g_hash_table_insert (self->tick_entries, torrent, e);
  _shoal_session_wake_torrent (self, torrent);
}

static void
torrents_changed_cb (GListModel   *list,
                     guint         position,
                     guint         removed,
                     guint         added,
                     ShoalSession *self)
{
  (void) removed;
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (list, i);

      list_torrent (self, t);
    }
}

void
_shoal_session_ticks_init (ShoalSession *self)
{
  g_queue_init (&self->tick_awake);
  self->tick_entries = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, tick_entry_free);
  self->tick_sleepers = g_sequence_new (NULL);
  g_signal_connect_object (self->torrents, "items-changed", G_CALLBACK (torrents_changed_cb), self, 0);
}

void
_shoal_session_ticks_clear (ShoalSession *self)
{
  g_clear_pointer (&self->tick_sleepers, g_sequence_free);
  g_queue_init (&self->tick_awake);
  g_clear_pointer (&self->tick_entries, g_hash_table_unref);
}

/* The torrent services' torrent_wake. */
void
_shoal_session_wake_torrent (gpointer      owner,
                             ShoalTorrent *torrent)
{
  ShoalSession *self = owner;
  TickEntry *e;

  /* Not listed yet (it will be woken then), or no more. */
  if (self->tick_entries == NULL || (e = g_hash_table_lookup (self->tick_entries, torrent)) == NULL)
    return;
  if (e->sleeper != NULL)
    {
      g_sequence_remove (e->sleeper);
      e->sleeper = NULL;
    }
  if (!e->awake)
    {
      e->awake = TRUE;
      g_queue_push_tail_link (&self->tick_awake, &e->link);
    }
}

/* The torrent services' torrent_forget. */
void
_shoal_session_forget_torrent (gpointer      owner,
                               ShoalTorrent *torrent)
{
  ShoalSession *self = owner;
  TickEntry *e;

  if (self->stats_last != NULL)
    g_hash_table_remove (self->stats_last, torrent);
  if (self->tick_entries == NULL || (e = g_hash_table_lookup (self->tick_entries, torrent)) == NULL)
    return;
  if (e->sleeper != NULL)
    g_sequence_remove (e->sleeper);
  if (e->awake)
    g_queue_unlink (&self->tick_awake, &e->link);
  g_hash_table_remove (self->tick_entries, torrent);
}

/* Every torrent gets a tick again: what the sleeping ones were sure of
 * changed (the DHT came up, LSD started). */
void
_shoal_session_wake_all_torrents (ShoalSession *self)
{
  for (guint i = 0; self->torrents != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      _shoal_session_wake_torrent (self, t);
    }
}

static void
put_to_sleep (ShoalSession *self,
              ShoalTorrent *torrent,
              gint64        wake_us)
{
  TickEntry *e = g_hash_table_lookup (self->tick_entries, torrent);

  if (e == NULL || !e->awake)
    return;
  g_queue_unlink (&self->tick_awake, &e->link);
  e->awake = FALSE;
  e->wake_us = wake_us;
  if (wake_us != G_MAXINT64)
    e->sleeper = g_sequence_insert_sorted (self->tick_sleepers, e, compare_sleepers, NULL);
}

/* Once a second: wakes the torrents whose time came, then ticks the awake
 * ones, and puts to sleep those with nothing left to do. */
void
_shoal_session_tick_torrents (ShoalSession *self,
                              gint64        now_us)
{
  g_autoptr(GPtrArray) awake = NULL;

  while (g_sequence_get_length (self->tick_sleepers) > 0)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->tick_sleepers);
      TickEntry *e = g_sequence_get (first);

      if (e->wake_us > now_us)
        break;
      _shoal_session_wake_torrent (self, e->link.data);
    }

  /* A tick may wake, add, remove or close torrents: tick the ones awake
   * now, each held. */
  awake = g_ptr_array_new_full (self->tick_awake.length, g_object_unref);
  for (GList *l = self->tick_awake.head; l != NULL; l = l->next)
    g_ptr_array_add (awake, g_object_ref (l->data));
  for (guint i = 0; i < awake->len; i++)
    {
      ShoalTorrent *t = awake->pdata[i];
      gint64 wake_us;

      if (!g_hash_table_contains (self->tick_entries, t))
        continue; /* closed meanwhile */
      _shoal_torrent_tick (t, now_us);
      self->n_torrent_ticks++;
      if (!g_hash_table_contains (self->tick_entries, t))
        continue; /* removed by what its tick set off */
      if (_shoal_torrent_can_sleep (t, now_us, &wake_us))
        {
          _shoal_session_sync_lsd_torrent (self, t);
          _shoal_session_count_transfers_of (self, t);
          put_to_sleep (self, t, wake_us);
        }
    }
}

/* The DHT announces of all torrents share a budget, so that thousands of
 * torrents starting (or waking together) spread their lookups over
 * seconds instead of sending tens of thousands of queries at once. */
#define DHT_ANNOUNCES_PER_SECOND 10

gboolean
_shoal_session_take_dht_announce (gpointer owner)
{
  ShoalSession *self = SHOAL_SESSION (owner);
  gint64 second = g_get_monotonic_time () / G_USEC_PER_SEC;

  if (second != self->dht_budget_second)
    {
      self->dht_budget_second = second;
      self->dht_budget_used = 0;
    }
  if (self->dht_budget_used >= DHT_ANNOUNCES_PER_SECOND)
    return FALSE;
  self->dht_budget_used++;
  self->n_dht_announces++;
  return TRUE;
}

/* The DHT announces started (test hook). */
guint64
_shoal_session_get_n_dht_announces (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->n_dht_announces;
}

/* The torrents ticked (test hook). */
guint64
_shoal_session_get_n_torrent_ticks (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  return self->n_torrent_ticks;
}
