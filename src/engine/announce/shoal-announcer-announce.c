/* shoal-announcer-announce.c: announce rounds, their answers, and `stopped`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the announcer (shoal-announcer-private.h): a tier's round walks
 * its trackers until one answers, a failed round is retried with backoff,
 * an answer reorders the tier and schedules the next announce; `stopped`
 * is sent without anyone waiting for it.
 */
#include "config.h"

#include <string.h>

#define SHOAL_ANNOUNCER_INSIDE
#include "shoal-announcer-private.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

void
_shoal_announce_op_free (AnnounceOp *op)
{
  g_clear_object (&op->info);
  g_clear_object (&op->cancellable);
  g_free (op);
}

void
_shoal_announcer_fill_request (ShoalAnnouncer      *self,
                               ShoalTrackerInfo    *info,
                               ShoalTrackerEvent    event,
                               ShoalTrackerRequest *request)
{
  guint64 uploaded = 0, downloaded = 0, left = 0;

  if (self->stats_func != NULL)
    self->stats_func (self->stats_data, &uploaded, &downloaded, &left);

  memset (request, 0, sizeof *request);
  memcpy (request->info_hash, self->info_hash, sizeof request->info_hash);
  memcpy (request->peer_id, self->peer_id, sizeof request->peer_id);
  request->port = self->port;
  request->uploaded = uploaded;
  request->downloaded = downloaded;
  request->left = left;
  request->event = event;
  request->numwant = self->want_peers && event != SHOAL_TRACKER_EVENT_STOPPED ? NUMWANT_WANTED : 0;
  request->key = self->key;
  request->tracker_id = info->tracker_id;
}

/* Stopped ---------------------------------------------------------------- */

/* The announcers of one session (main context): how many `stopped`
 * announces they still have under way, and whom to tell when none is. */
struct _ShoalAnnouncerGroup
{
  grefcount       ref_count;
  guint           n_stopping;
  GCallback       idle_func;
  gpointer        idle_data;
  gint64          start_tat_us;  /* when the next `started` would be due, at the spacing */
  /* Every wait of the group's tiers, by due time, behind one source: a
   * session of 10,000 torrents has one source for them, not 10,000, each
   * of which every main loop iteration would look at. */
  GSequence      *due;
  GSource        *due_source;
};

/**
 * shoal_announcer_group_new:
 *
 * Returns: (transfer full): a group to give the announcers of one session
 *   (shoal_announcer_set_group()), so that the session can wait for their
 *   `stopped` announces, and for no one else's
 */
ShoalAnnouncerGroup *
shoal_announcer_group_new (void)
{
  ShoalAnnouncerGroup *group = g_new0 (ShoalAnnouncerGroup, 1);

  g_ref_count_init (&group->ref_count);
  return group;
}

ShoalAnnouncerGroup *
shoal_announcer_group_ref (ShoalAnnouncerGroup *group)
{
  g_ref_count_inc (&group->ref_count);
  return group;
}

void
shoal_announcer_group_unref (ShoalAnnouncerGroup *group)
{
  if (!g_ref_count_dec (&group->ref_count))
    return;
  /* Each tier in the queue belongs to an announcer holding the group. */
  g_assert (group->due == NULL || g_sequence_is_empty (group->due));
  if (group->due_source != NULL)
    {
      g_source_destroy (group->due_source);
      g_source_unref (group->due_source);
    }
  g_clear_pointer (&group->due, g_sequence_free);
  g_free (group);
}

static gint
compare_due (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  const Tier *ta = a, *tb = b;

  if (ta->due_us != tb->due_us)
    return ta->due_us < tb->due_us ? -1 : 1;
  return ta < tb ? -1 : (ta > tb ? 1 : 0);
}

static void
group_update_ready_time (ShoalAnnouncerGroup *group)
{
  GSequenceIter *first;

  if (group->due_source == NULL)
    return;
  first = g_sequence_get_begin_iter (group->due);
  if (g_sequence_iter_is_end (first))
    g_source_set_ready_time (group->due_source, -1);
  else
    g_source_set_ready_time (group->due_source, ((Tier *) g_sequence_get (first))->due_us);
}

typedef struct
{
  GSource              source;
  ShoalAnnouncerGroup *group;  /* not owned: it destroys the source before it goes */
} GroupDueSource;

static gboolean
group_due_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  ShoalAnnouncerGroup *group = shoal_announcer_group_ref (((GroupDueSource *) source)->group);
  gint64 now = g_get_monotonic_time ();

  /* A tier that fires may schedule, cancel or free others: look at the
   * head of the queue again each time. */
  for (;;)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (group->due);
      Tier *tier;

      if (g_sequence_iter_is_end (first))
        break;
      tier = g_sequence_get (first);
      if (tier->due_us > now)
        break;
      g_sequence_remove (first);
      tier->due = NULL;
      _shoal_announcer_tier_timer_fired (tier);
    }
  group_update_ready_time (group);
  shoal_announcer_group_unref (group);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs group_due_funcs = {
  NULL, NULL, group_due_dispatch, NULL, NULL, NULL,
};

/* Puts @tier's wait, until @due_us, in the group's queue; the queue's
 * source runs on @context (the announcers of a group share one). */
void
_shoal_announcer_group_schedule (ShoalAnnouncerGroup *group,
                                 Tier                *tier,
                                 gint64               due_us,
                                 GMainContext        *context)
{
  g_assert (tier->due == NULL);
  if (group->due == NULL)
    group->due = g_sequence_new (NULL);
  if (group->due_source == NULL)
    {
      group->due_source = g_source_new (&group_due_funcs, sizeof (GroupDueSource));
      ((GroupDueSource *) group->due_source)->group = group;
      g_source_set_static_name (group->due_source, "[shoal] tracker announces");
      g_source_attach (group->due_source, context);
    }
  tier->due_us = due_us;
  tier->due = g_sequence_insert_sorted (group->due, tier, compare_due, NULL);
  group_update_ready_time (group);
}

void
_shoal_announcer_group_unschedule (ShoalAnnouncerGroup *group,
                                   Tier                *tier)
{
  if (tier->due == NULL)
    return;
  g_sequence_remove (tier->due);
  tier->due = NULL;
  group_update_ready_time (group);
}

/**
 * shoal_announcer_group_get_n_stopping:
 * @group: a group
 *
 * Returns: how many `stopped` announces of the group's announcers are
 *   still under way (each gives up after a few seconds)
 */
guint
shoal_announcer_group_get_n_stopping (ShoalAnnouncerGroup *group)
{
  return group->n_stopping;
}

/**
 * shoal_announcer_group_set_idle_func:
 * @group: a group
 * @func: (nullable): called (with @data) each time the last `stopped`
 *   announce under way ends
 * @data: for @func
 */
void
shoal_announcer_group_set_idle_func (ShoalAnnouncerGroup *group,
                                     void               (*func) (gpointer data),
                                     gpointer             data)
{
  group->idle_func = (GCallback) func;
  group->idle_data = data;
}

/* How long (ms) an announcer starting now waits for its `started`
 * announce: 0 for the first START_BURST, then START_SPACING_US more for
 * each (a virtual schedule: starts spread over time wait for nothing). */
guint
_shoal_announcer_group_take_start_delay (ShoalAnnouncerGroup *group,
                                         gint64               now_us)
{
  gint64 tat;
  gint64 delay_us;

  if (group == NULL)
    return 0;
  tat = MAX (group->start_tat_us, now_us);
  delay_us = MAX (0, tat - now_us - (gint64) START_BURST * START_SPACING_US);
  group->start_tat_us = tat + START_SPACING_US;
  return (guint) MIN (delay_us / 1000, (gint64) G_MAXUINT);
}

static void
group_stopped_done (ShoalAnnouncerGroup *group)
{
  if (group == NULL)
    return;
  g_assert (group->n_stopping > 0);
  if (--group->n_stopping == 0 && group->idle_func != NULL)
    ((void (*) (gpointer)) group->idle_func) (group->idle_data);
  shoal_announcer_group_unref (group);
}

/**
 * shoal_announcer_set_group:
 * @self: a #ShoalAnnouncer
 * @group: (nullable): the group its `stopped` announces count in
 */
void
shoal_announcer_set_group (ShoalAnnouncer      *self,
                           ShoalAnnouncerGroup *group)
{
  g_autoptr(GArray) waits = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  if (group == self->group)
    return;
  /* Waits in the old group's queue move to the new one (or to sources of
   * their own). */
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      gint64 due = tier->due != NULL ? tier->due_us : -1;

      if (tier->due != NULL)
        _shoal_announcer_group_unschedule (self->group, tier);
      g_array_append_val (waits, due);
    }
  if (group != NULL)
    shoal_announcer_group_ref (group);
  g_clear_pointer (&self->group, shoal_announcer_group_unref);
  self->group = group;
  for (guint i = 0; i < self->tiers->len; i++)
    {
      gint64 due = g_array_index (waits, gint64, i);
      gint64 now = g_get_monotonic_time ();

      if (due >= 0)
        _shoal_announcer_tier_schedule (g_ptr_array_index (self->tiers, i),
                                        (guint) MIN (MAX (0, due - now) / 1000, (gint64) G_MAXUINT));
    }
}

typedef struct
{
  GCancellable        *cancellable;
  GSource             *timeout;
  ShoalAnnouncerGroup *group;  /* (nullable) (owned) */
} StoppedOp;

static void
stopped_op_free (StoppedOp *op)
{
  if (op->timeout != NULL)
    {
      g_source_destroy (op->timeout);
      g_source_unref (op->timeout);
    }
  g_clear_object (&op->cancellable);
  g_free (op);
}

static gboolean
stopped_timeout_cb (gpointer data)
{
  StoppedOp *op = data;

  g_cancellable_cancel (op->cancellable);
  return G_SOURCE_REMOVE;
}

static void
stopped_http_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ShoalAnnouncerGroup *group = user_data;
  g_autoptr(ShoalTrackerResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  (void) source;
  response = shoal_tracker_http_announce_finish (result, &error);
  if (response == NULL)
    g_debug ("`stopped` announce failed: %s", error->message);
  group_stopped_done (group);
}

static void
stopped_udp_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StoppedOp *op = user_data;
  g_autoptr(ShoalTrackerResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  ShoalAnnouncerGroup *group = g_steal_pointer (&op->group);

  response = shoal_tracker_udp_announce_finish (SHOAL_TRACKER_UDP (source), result, &error);
  if (response == NULL)
    g_debug ("`stopped` announce failed: %s", error->message);
  stopped_op_free (op);
  group_stopped_done (group);
}

/* Tells a tracker we are going away. Nobody waits for the answer, and the
 * request holds no reference to the announcer, which may be gone first. */
void
_shoal_announcer_tracker_send_stopped (ShoalAnnouncer   *self,
                                       ShoalTrackerInfo *info)
{
  ShoalTrackerRequest request;

  _shoal_announcer_fill_request (self, info, SHOAL_TRACKER_EVENT_STOPPED, &request);

  if (self->group != NULL)
    self->group->n_stopping++;
  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_announce_async (self->soup, info->url, &request, STOPPED_TIMEOUT_MS, NULL, stopped_http_cb,
                                       self->group != NULL ? shoal_announcer_group_ref (self->group) : NULL);
  else
    {
      StoppedOp *op = g_new0 (StoppedOp, 1);

      op->group = self->group != NULL ? shoal_announcer_group_ref (self->group) : NULL;
      op->cancellable = g_cancellable_new ();
      op->timeout = g_timeout_source_new (STOPPED_TIMEOUT_MS);
      g_source_set_callback (op->timeout, stopped_timeout_cb, op, NULL);
      g_source_set_static_name (op->timeout, "[shoal] tracker stopped timeout");
      g_source_attach (op->timeout, self->context);
      shoal_tracker_udp_set_bind (info->udp, self->bind);
      shoal_tracker_udp_set_socks_proxy (info->udp, self->socks_proxy);
      shoal_tracker_udp_announce_async (info->udp, &request, op->cancellable, stopped_udp_cb, op);
    }
  g_main_context_pop_thread_default (self->context);
  _shoal_announcer_send_alt (self, info, &request);
}

/* Announce rounds -------------------------------------------------------- */

static gboolean
all_tiers_failed (ShoalAnnouncer *self)
{
  for (guint i = 0; i < self->tiers->len; i++)
    if (!((Tier *) g_ptr_array_index (self->tiers, i))->failed)
      return FALSE;
  return self->tiers->len > 0;
}

static void
tier_round_failed (Tier *tier)
{
  ShoalAnnouncer *self = tier->announcer;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *url = NULL;

  tier->failed = TRUE;
  if (tier->round_tried)
    {
      guint base = self->test_retry_ms != 0 ? self->test_retry_ms : RETRY_BASE_MS;
      guint64 delay = (guint64) base << MIN (tier->failures, 16u);

      tier->failures++;
      _shoal_announcer_tier_schedule (tier, (guint) MIN (delay, (guint64) RETRY_MAX_MS));
    }
  else
    {
      /* No tracker of the tier can be contacted: retrying cannot help. */
      tier->next_announce = 0;
      _shoal_announcer_tier_show_next_announce (self, tier);
    }

  if (!all_tiers_failed (self) || tier->last_error == NULL)
    return;

  /* A handler may change the trackers, and with them this tier. */
  error = g_error_copy (tier->last_error);
  url = g_strdup (tier->last_error_url);
  g_signal_emit (self, _shoal_announcer_signals[SIGNAL_ERROR], 0, url, error);
}

static void
tier_set_error (Tier             *tier,
                ShoalTrackerInfo *info,
                const GError     *error)
{
  g_clear_error (&tier->last_error);
  tier->last_error = g_error_copy (error);
  g_free (tier->last_error_url);
  tier->last_error_url = g_strdup (info->url);
}

static void announce_http_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void announce_udp_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static ShoalTrackerEvent
tracker_next_event (ShoalTrackerInfo *info)
{
  if (!info->started_sent)
    return SHOAL_TRACKER_EVENT_STARTED;
  if (info->completed_due)
    return SHOAL_TRACKER_EVENT_COMPLETED;
  return SHOAL_TRACKER_EVENT_NONE;
}

/* Sends the announce to the tier's tracker at round_pos, skipping those
 * that cannot be contacted; ends the round when none is left. */
static void
tier_try (Tier *tier)
{
  ShoalAnnouncer *self = tier->announcer;
  ShoalTrackerInfo *info;
  ShoalTrackerRequest request;
  AnnounceOp *op;

  g_assert (tier->op == NULL);

  for (;;)
    {
      info = _shoal_announcer_tier_nth (self, tier->number, tier->round_pos, NULL);
      if (info == NULL)
        {
          tier_round_failed (tier);
          return;
        }
      if (info->unusable == NULL && (info->is_http || self->udp_off == NULL))
        break;
      if (!tier->round_tried)
        tier_set_error (tier, info, info->unusable != NULL ? info->unusable : self->udp_off);
      tier->round_pos++;
    }

  tier->round_tried = TRUE;
  op = g_new0 (AnnounceOp, 1);
  op->announcer = self;
  op->tier = tier;
  op->info = g_object_ref (info);
  op->cancellable = g_cancellable_new ();
  op->event = tracker_next_event (info);
  tier->op = op;

  _shoal_announcer_fill_request (self, info, op->event, &request);
  _shoal_tracker_info_set_status (info, SHOAL_TRACKER_STATUS_ANNOUNCING);

  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_announce_async (self->soup, info->url, &request, 0,
                                       op->cancellable, announce_http_cb, op);
  else
    {
      shoal_tracker_udp_set_bind (info->udp, self->bind);
      shoal_tracker_udp_set_socks_proxy (info->udp, self->socks_proxy);
      shoal_tracker_udp_announce_async (info->udp, &request, op->cancellable, announce_udp_cb, op);
    }
  g_main_context_pop_thread_default (self->context);
  _shoal_announcer_send_alt (self, info, &request);
}

void
_shoal_announcer_tier_start_round (Tier *tier)
{
  if (tier->op != NULL || !tier->announcer->running)
    return;
  _shoal_announcer_tier_cancel_timer (tier);
  tier->next_announce = 0;
  tier->round_pos = 0;
  tier->round_tried = FALSE;
  tier_try (tier);
}

static guint
regular_delay_ms (ShoalAnnouncer       *self,
                  ShoalTrackerResponse *response)
{
  gint64 seconds;

  if (self->test_interval_ms != 0)
    return self->test_interval_ms;

  seconds = response->interval > 0 ? response->interval : DEFAULT_INTERVAL_S;
  seconds = CLAMP (seconds, MIN_INTERVAL_S, MAX_INTERVAL_S);
  if (response->min_interval > seconds)
    seconds = MIN (response->min_interval, (gint64) MAX_HONOURED_MIN_S);
  return (guint) (seconds * 1000);
}

static void
tier_succeeded (Tier                 *tier,
                ShoalTrackerInfo     *info,
                ShoalTrackerEvent     event,
                ShoalTrackerResponse *response)
{
  ShoalAnnouncer *self = tier->announcer;
  ShoalTrackerInfo *other;
  guint position = 0, front = 0;

  if (event == SHOAL_TRACKER_EVENT_STARTED)
    info->started_sent = TRUE;
  else if (event == SHOAL_TRACKER_EVENT_COMPLETED)
    info->completed_due = FALSE;
  if (response->tracker_id != NULL)
    {
      g_free (info->tracker_id);
      info->tracker_id = g_strdup (response->tracker_id);
    }

  tier->failed = FALSE;
  tier->failures = 0;

  _shoal_tracker_info_set_status (info, SHOAL_TRACKER_STATUS_WORKING);
  _shoal_tracker_info_set_message (info, response->warning);
  _shoal_tracker_info_set_int64 (info, &info->last_announce, g_get_real_time () / G_USEC_PER_SEC,
                                 INFO_PROP_LAST_ANNOUNCE);
  if (response->seeders >= 0)
    _shoal_tracker_info_set_int64 (info, &info->seeders, response->seeders, INFO_PROP_SEEDERS);
  if (response->leechers >= 0)
    _shoal_tracker_info_set_int64 (info, &info->leechers, response->leechers, INFO_PROP_LEECHERS);
  _shoal_tracker_info_set_last_peers (info, response->peers != NULL ? response->peers->len : 0);

  /* BEP 12: a tracker that answers goes to the front of its tier. */
  _shoal_announcer_tier_nth (self, tier->number, 0, &front);
  if (_shoal_announcer_find_tracker (self, info->url, &position, NULL) && position != front)
    {
      g_object_ref (info);
      g_list_store_remove (self->trackers, position);
      g_list_store_insert (self->trackers, front, info);
      g_object_unref (info);
    }
  for (guint n = 1; (other = _shoal_announcer_tier_nth (self, tier->number, n, NULL)) != NULL; n++)
    if (other->status == SHOAL_TRACKER_STATUS_IDLE || other->status == SHOAL_TRACKER_STATUS_WORKING)
      _shoal_tracker_info_set_status (other, SHOAL_TRACKER_STATUS_BACKUP);

  /* completed() came while an earlier request was in flight. */
  _shoal_announcer_tier_schedule (tier, info->completed_due ? 0 : regular_delay_ms (self, response));

  if (info->last_scrape_us == 0 ||
      g_get_monotonic_time () - info->last_scrape_us >= SCRAPE_INTERVAL_US)
    _shoal_announcer_tracker_scrape (self, info);
}

static void
announce_done (AnnounceOp           *op,
               ShoalTrackerResponse *response,
               GError               *error)
{
  ShoalAnnouncer *self;
  Tier *tier;
  g_autoptr(GArray) peers = NULL;

  if (g_cancellable_is_cancelled (op->cancellable))
    return;  /* abandoned: the tier may be gone */

  self = g_object_ref (op->announcer);
  tier = op->tier;
  g_assert (tier->op == op);
  tier->op = NULL;

  if (response == NULL)
    {
      g_debug ("Announce to a tracker of tier %u failed: %s", tier->number, error->message);
      _shoal_tracker_info_set_status (op->info, SHOAL_TRACKER_STATUS_ERROR);
      _shoal_tracker_info_set_message (op->info, error->message);
      tier_set_error (tier, op->info, error);
      tier->round_pos++;
      tier_try (tier);
    }
  else
    {
      tier_succeeded (tier, op->info, op->event, response);
      peers = response->peers != NULL ? g_array_ref (response->peers)
                                      : g_array_new (FALSE, FALSE, sizeof (ShoalTrackerPeer));
      /* Last, since a handler may change the trackers. */
      g_signal_emit (self, _shoal_announcer_signals[SIGNAL_PEERS], 0, peers, op->info->url);
    }
  g_object_unref (self);
}

static void
announce_http_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AnnounceOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = shoal_tracker_http_announce_finish (result, &error);

  (void) source;
  announce_done (op, response, error);
  _shoal_announce_op_free (op);
}

static void
announce_udp_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AnnounceOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = NULL;

  response = shoal_tracker_udp_announce_finish (SHOAL_TRACKER_UDP (source), result, &error);
  announce_done (op, response, error);
  _shoal_announce_op_free (op);
}
