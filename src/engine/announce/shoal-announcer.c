/* shoal-announcer.c: a torrent's trackers, their tiers and their schedule
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trackers live in one GListStore, ordered by tier and, within a tier, by
 * preference: BEP 12 has the URLs of each tier shuffled once, tried in
 * order, and a tracker that answers moved to the front of its tier.
 *
 * Which tiers are announced to: every tier, each to its first working
 * tracker. BEP 12 strictly asks for the first working tier only, but
 * torrents and magnet links commonly put each tracker in a tier of its own
 * (libtorrent does so for magnet links), and announcing to the first one
 * alone finds far fewer peers; qBittorrent's default ("always announce to
 * all tiers") does the same as we do. So each tier runs its own schedule:
 * a round walks the tier from the front until one tracker answers, a round
 * that finds none is retried with exponential backoff, and a successful
 * one is followed by a regular announce after the tracker's interval.
 *
 * The "error" signal is emitted whenever a tier's round fails while the
 * last round of every other tier failed too: at that point no tracker at
 * all answers, which is what the torrent reports to the user.
 *
 * Requests in flight are abandoned by cancelling their cancellable; their
 * callbacks check it first and touch nothing but their own data when it is
 * set, because the tier or the announcer may be gone by then.
 *
 * This file has the tiers, their trackers and the public API; what the
 * user sees of a tracker is in shoal-announcer-tracker-info.c, the rounds
 * and `stopped` in shoal-announcer-announce.c, scrapes in
 * shoal-announcer-scrape.c (shoal-announcer-private.h lists what they share).
 */
#include "config.h"

#include <string.h>

#define SHOAL_ANNOUNCER_INSIDE
#include "shoal-announce-url.h"
#include "shoal-announcer-private.h"
#include "shoal-announcer-testing.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

G_DEFINE_QUARK (shoal-announcer-error-quark, shoal_announcer_error)

/* Checks that @url is an absolute URL with a host; the scheme is judged
 * later, since unsupported trackers are still listed. */
static gboolean
validate_url (const char  *url,
              GError     **error)
{
  /* Any scheme: the tracker list shows the ones it cannot use, as such. */
  if (url == NULL || !shoal_announce_url_check (url, SHOAL_ANNOUNCE_URL_FLAGS_ANY_SCHEME, NULL))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_INVALID_URL,
                   "“%s” is not a tracker URL", url != NULL ? url : "");
      return FALSE;
    }
  return TRUE;
}

/* ShoalAnnouncer -------------------------------------------------------- */

guint _shoal_announcer_signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ShoalAnnouncer, shoal_announcer, G_TYPE_OBJECT)

static void
tier_cancel (Tier *tier)
{
  if (tier->op != NULL)
    {
      g_cancellable_cancel (tier->op->cancellable);
      tier->op = NULL;
    }
  _shoal_announcer_tier_cancel_timer (tier);
  tier->next_announce = 0;
}

static void
tier_free (Tier *tier)
{
  tier_cancel (tier);
  g_clear_error (&tier->last_error);
  g_clear_pointer (&tier->last_error_url, g_free);
  g_free (tier);
}

static Tier *
tier_find (ShoalAnnouncer *self,
           guint           number)
{
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);

      if (tier->number == number)
        return tier;
    }
  return NULL;
}

static Tier *
tier_ensure (ShoalAnnouncer *self,
             guint           number)
{
  Tier *tier = tier_find (self, number);
  guint i;

  if (tier != NULL)
    return tier;

  tier = g_new0 (Tier, 1);
  tier->announcer = self;
  tier->number = number;
  for (i = 0; i < self->tiers->len; i++)
    if (((Tier *) g_ptr_array_index (self->tiers, i))->number > number)
      break;
  g_ptr_array_insert (self->tiers, (gint) i, tier);
  return tier;
}

/* The @n-th tracker of the tier @number, and its position in the store. */
ShoalTrackerInfo *
_shoal_announcer_tier_nth (ShoalAnnouncer *self,
                           guint           number,
                           guint           n,
                           guint          *position)
{
  guint count = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->tier != number)
        continue;
      if (n-- == 0)
        {
          if (position != NULL)
            *position = i;
          return info;  /* the store keeps it alive */
        }
    }
  return NULL;
}

/* Shows the tier's next announce on the tracker that will get it. */
void
_shoal_announcer_tier_show_next_announce (ShoalAnnouncer *self,
                                          Tier           *tier)
{
  ShoalTrackerInfo *info;
  gboolean shown = FALSE;

  for (guint n = 0; (info = _shoal_announcer_tier_nth (self, tier->number, n, NULL)) != NULL; n++)
    {
      gint64 value = 0;

      if (!shown && info->unusable == NULL)
        {
          value = tier->next_announce;
          shown = TRUE;
        }
      _shoal_tracker_info_set_int64 (info, &info->next_announce, value, INFO_PROP_NEXT_ANNOUNCE);
    }
}

/* The tier's wait is over (it is no longer scheduled). */
void
_shoal_announcer_tier_timer_fired (Tier *tier)
{
  tier->next_announce = 0;
  _shoal_announcer_tier_start_round (tier);
}

static gboolean
tier_timer_cb (gpointer data)
{
  Tier *tier = data;

  g_clear_pointer (&tier->timer, g_source_unref);
  _shoal_announcer_tier_timer_fired (tier);
  return G_SOURCE_REMOVE;
}

static gboolean
tier_timer_pending (Tier *tier)
{
  return tier->timer != NULL || tier->due != NULL;
}

void
_shoal_announcer_tier_cancel_timer (Tier *tier)
{
  if (tier->timer != NULL)
    {
      g_source_destroy (tier->timer);
      g_clear_pointer (&tier->timer, g_source_unref);
    }
  if (tier->due != NULL)
    _shoal_announcer_group_unschedule (tier->announcer->group, tier);
}

static void
tier_schedule (Tier     *tier,
               guint     delay_ms,
               gboolean  coarse)
{
  ShoalAnnouncer *self = tier->announcer;

  _shoal_announcer_tier_cancel_timer (tier);
  if (self->group != NULL)
    {
      gint64 due = g_get_monotonic_time () + (gint64) delay_ms * 1000;

      /* Long waits end on the second, together: one wake-up for all the
       * tiers due in that second. */
      if (coarse)
        due = (due + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC * G_USEC_PER_SEC;
      _shoal_announcer_group_schedule (self->group, tier, due, self->context);
    }
  else
    {
      if (coarse)
        tier->timer = g_timeout_source_new_seconds ((delay_ms + 999) / 1000);
      else
        tier->timer = g_timeout_source_new (delay_ms);
      g_source_set_callback (tier->timer, tier_timer_cb, tier, NULL);
      g_source_set_static_name (tier->timer, "[shoal] tracker announce");
      g_source_attach (tier->timer, self->context);
    }
  tier->next_announce = g_get_real_time () / G_USEC_PER_SEC + (delay_ms + 999) / 1000;
  _shoal_announcer_tier_show_next_announce (self, tier);
}

void
_shoal_announcer_tier_schedule (Tier  *tier,
                                guint  delay_ms)
{
  tier_schedule (tier, delay_ms, delay_ms >= COARSE_TIMER_MS);
}


/* Runs @func on every tier, looked up again each time since a signal
 * handler run from @func may add or remove tiers. */
static void
foreach_tier (ShoalAnnouncer *self,
              void          (*func) (Tier *tier))
{
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->tiers->len; i++)
    g_array_append_val (numbers, ((Tier *) g_ptr_array_index (self->tiers, i))->number);
  for (guint i = 0; i < numbers->len; i++)
    {
      Tier *tier = tier_find (self, g_array_index (numbers, guint, i));

      if (tier != NULL)
        func (tier);
    }
}

/* GObject ---------------------------------------------------------------- */

static void
shoal_announcer_dispose (GObject *object)
{
  ShoalAnnouncer *self = SHOAL_ANNOUNCER (object);

  self->running = FALSE;
  _shoal_announcer_cancel_alt (self);
  if (self->tiers != NULL)
    g_ptr_array_set_size (self->tiers, 0);
  if (self->trackers != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

          _shoal_announcer_tracker_cancel_scrape (info);
        }
    }
  g_clear_object (&self->trackers);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (shoal_announcer_parent_class)->dispose (object);
}

static void
shoal_announcer_finalize (GObject *object)
{
  ShoalAnnouncer *self = SHOAL_ANNOUNCER (object);

  g_clear_pointer (&self->tiers, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->group, shoal_announcer_group_unref);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  g_clear_error (&self->udp_off);
  g_clear_pointer (&self->socks_proxy, g_free);

  G_OBJECT_CLASS (shoal_announcer_parent_class)->finalize (object);
}

static void
shoal_announcer_class_init (ShoalAnnouncerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_announcer_dispose;
  object_class->finalize = shoal_announcer_finalize;

  /**
   * ShoalAnnouncer::peers:
   * @self: the announcer
   * @peers: (element-type ShoalTrackerPeer): the peers of one response
   * @tracker_url: the tracker that sent them
   *
   * Emitted for every successful announce, even one without peers.
   */
  _shoal_announcer_signals[SIGNAL_PEERS] =
    g_signal_new ("peers", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * ShoalAnnouncer::error:
   * @self: the announcer
   * @tracker_url: the tracker that failed last
   * @error: its error
   *
   * Emitted when a round of announces failed while the last round of every
   * other tier failed too, so that no tracker at all is working.
   */
  _shoal_announcer_signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
shoal_announcer_init (ShoalAnnouncer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->trackers = g_list_store_new (SHOAL_TYPE_TRACKER_INFO);
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) tier_free);
  self->key = g_random_int ();
  self->want_peers = TRUE;
  self->udp_base_ms = UDP_BASE_TIMEOUT_MS;
  self->udp_max_tries = UDP_MAX_TRIES;
}

/* Public API ------------------------------------------------------------- */

/**
 * shoal_announcer_new:
 * @soup: the session used for HTTP(S) trackers
 * @info_hash: the torrent's 20-byte info-hash (truncated SHA-256 for v2)
 * @peer_id: our peer id
 * @port: the port peers connect to
 * @stats_func: (scope notified) (nullable): asked for the transfer totals
 *   right before each announce
 * @stats_data: data for @stats_func
 *
 * Creates an announcer for one torrent. It works on the thread-default main
 * context of the caller, and contacts nobody before
 * shoal_announcer_start(). Peers are wanted until
 * shoal_announcer_set_want_peers() says otherwise.
 *
 * Returns: (transfer full): a new #ShoalAnnouncer
 */
ShoalAnnouncer *
shoal_announcer_new (SoupSession            *soup,
                     const guint8            info_hash[20],
                     const guint8            peer_id[20],
                     guint16                 port,
                     ShoalAnnouncerStatsFunc stats_func,
                     gpointer                stats_data)
{
  ShoalAnnouncer *self;

  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ANNOUNCER, NULL);
  self->soup = g_object_ref (soup);
  memcpy (self->info_hash, info_hash, SHOAL_TRACKER_HASH_LEN);
  memcpy (self->peer_id, peer_id, SHOAL_TRACKER_PEER_ID_LEN);
  self->port = port;
  self->stats_func = stats_func;
  self->stats_data = stats_data;
  return self;
}

/**
 * shoal_announcer_set_port:
 * @self: a #ShoalAnnouncer
 * @port: the port peers connect to
 *
 * Changes the port sent from the next announce on.
 */
void
shoal_announcer_set_port (ShoalAnnouncer *self,
                          guint16         port)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->port = port;
}

/**
 * shoal_announcer_change_port:
 * @self: a #ShoalAnnouncer
 * @port: the port peers connect to now
 *
 * The port peers can reach us at changed while announcing (a router
 * mapped another one): an announce in flight carries the old port, and
 * the tracker would hand that out until the next interval, so requests in
 * flight are made again with @port at once, as by
 * shoal_announcer_restart_requests(). Nothing is asked again if @port is
 * the one already announced.
 */
void
shoal_announcer_change_port (ShoalAnnouncer *self,
                             guint16         port)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (self->port == port)
    return;
  self->port = port;
  shoal_announcer_restart_requests (self);
}

/**
 * shoal_announcer_set_udp_retransmission:
 * @self: a #ShoalAnnouncer
 * @base_timeout_ms: the first wait for an answer, doubled on every try
 * @max_tries: how many times a request is sent before the tracker is
 *   considered down
 *
 * Sets how patient the announcer is with UDP trackers, for the current
 * ones and those added later. The default gives up after 2 tries from
 * 15 s, so that the next tracker of a tier is tried within a minute.
 */
/**
 * shoal_announcer_set_bind:
 * @bind: (nullable): the interface and address UDP trackers are asked from
 */
void
shoal_announcer_set_bind (ShoalAnnouncer *self,
                          ShoalNetBind   *bind)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (bind != NULL)
    shoal_net_bind_ref (bind);
  g_clear_pointer (&self->bind, shoal_net_bind_unref);
  self->bind = bind;
}

/**
 * shoal_announcer_set_udp_off:
 * @reason: (nullable): why UDP trackers must not be asked (shown as their
 *   error), or %NULL to ask them again
 */
void
shoal_announcer_set_udp_off (ShoalAnnouncer *self,
                             const char     *reason)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  g_clear_error (&self->udp_off);
  if (reason != NULL)
    self->udp_off = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, reason);
}

void
shoal_announcer_set_udp_retransmission (ShoalAnnouncer *self,
                                        guint           base_timeout_ms,
                                        guint           max_tries)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  g_return_if_fail (base_timeout_ms > 0 && max_tries > 0);

  self->udp_base_ms = base_timeout_ms;
  self->udp_max_tries = max_tries;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->udp != NULL)
        shoal_tracker_udp_set_retransmission (info->udp, base_timeout_ms, max_tries);
    }
}

/**
 * shoal_announcer_set_intervals_for_testing:
 * @self: a #ShoalAnnouncer
 * @interval_ms: the regular announce interval to use instead of the
 *   tracker's, or 0 for the tracker's
 * @retry_ms: the first retry delay after a failed round, or 0 for 15 s
 *
 * Lets tests see several announces in a few seconds. Not for real use:
 * ignoring a tracker's interval gets a client banned.
 */
void
shoal_announcer_set_intervals_for_testing (ShoalAnnouncer *self,
                                           guint           interval_ms,
                                           guint           retry_ms)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->test_interval_ms = interval_ms;
  self->test_retry_ms = retry_ms;
}

gboolean
_shoal_announcer_find_tracker (ShoalAnnouncer    *self,
                               const char        *url,
                               guint             *position,
                               ShoalTrackerInfo **out)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (g_strcmp0 (info->url, url) == 0)
        {
          if (position != NULL)
            *position = i;
          if (out != NULL)
            *out = info;  /* the store keeps it alive */
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * shoal_announcer_set_tiers:
 * @self: a #ShoalAnnouncer
 * @tiers: (element-type GStrv): the tiers in order of preference, each a
 *   %NULL-terminated array of announce URLs
 *
 * Replaces all trackers. The URLs of each tier are shuffled, as BEP 12
 * asks; invalid and repeated URLs are left out, and empty tiers are
 * dropped, so tier numbers stay dense. If the announcer is running, the new
 * trackers get a `started` announce at once.
 */
void
shoal_announcer_set_tiers (ShoalAnnouncer *self,
                           GPtrArray      *tiers)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  guint number = 0;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  g_return_if_fail (tiers != NULL);

  g_ptr_array_set_size (self->tiers, 0);
  for (guint t = 0; t < tiers->len; t++)
    {
      const char * const *urls = g_ptr_array_index (tiers, t);
      g_autoptr(GPtrArray) shuffled = g_ptr_array_new ();
      guint added = 0;

      for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
        g_ptr_array_add (shuffled, (gpointer) urls[i]);
      for (guint i = shuffled->len; i > 1; i--)
        {
          guint j = (guint) g_random_int_range (0, (gint32) i);
          gpointer tmp = shuffled->pdata[i - 1];

          shuffled->pdata[i - 1] = shuffled->pdata[j];
          shuffled->pdata[j] = tmp;
        }

      for (guint i = 0; i < shuffled->len; i++)
        {
          const char *url = g_ptr_array_index (shuffled, i);
          g_autoptr(GError) error = NULL;
          gboolean seen = FALSE;

          if (!validate_url (url, &error))
            {
              g_debug ("Ignoring tracker: %s", error->message);
              continue;
            }
          for (guint k = 0; k < infos->len && !seen; k++)
            seen = g_strcmp0 (((ShoalTrackerInfo *) g_ptr_array_index (infos, k))->url, url) == 0;
          if (seen)
            continue;
          g_ptr_array_add (infos, _shoal_tracker_info_new (url, number, self->udp_base_ms, self->udp_max_tries));
          added++;
        }
      if (added > 0)
        {
          tier_ensure (self, number);
          number++;
        }
    }

  {
    guint old = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));

    for (guint i = 0; i < old; i++)
      {
        g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

        _shoal_announcer_tracker_cancel_scrape (info);
        if (self->running && info->started_sent)
          _shoal_announcer_tracker_send_stopped (self, info);
      }
    g_list_store_splice (self->trackers, 0, old, infos->pdata, infos->len);
  }

  foreach_tier (self, _shoal_announcer_tier_start_round);
}

/**
 * shoal_announcer_add_tracker:
 * @self: a #ShoalAnnouncer
 * @url: the announce URL
 * @tier: the tier to add it to, at its end; may be a new tier
 * @error: return location for a #GError
 *
 * Adds a tracker. A URL of a scheme Shoal cannot speak is still added, but
 * shown with an error and never contacted.
 *
 * Returns: %TRUE if added; %FALSE if @url is not a URL or already listed
 */
gboolean
shoal_announcer_add_tracker (ShoalAnnouncer  *self,
                             const char      *url,
                             guint            tier,
                             GError         **error)
{
  g_autoptr(ShoalTrackerInfo) info = NULL;
  guint n, position;
  Tier *t;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!validate_url (url, error))
    return FALSE;
  if (_shoal_announcer_find_tracker (self, url, NULL, NULL))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE,
                   "The tracker “%s” is already in the list", url);
      return FALSE;
    }

  info = _shoal_tracker_info_new (url, tier, self->udp_base_ms, self->udp_max_tries);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (position = 0; position < n; position++)
    {
      g_autoptr(ShoalTrackerInfo) other = g_list_model_get_item (G_LIST_MODEL (self->trackers), position);

      if (other->tier > tier)
        break;
    }
  g_list_store_insert (self->trackers, position, info);

  t = tier_ensure (self, tier);
  if (t->op == NULL && !tier_timer_pending (t))
    _shoal_announcer_tier_start_round (t);
  return TRUE;
}

/* Forgets the tracker at @position; its tier restarts its round if the
 * tracker was being asked. */
static void
remove_at (ShoalAnnouncer   *self,
           guint             position,
           ShoalTrackerInfo *replacement)
{
  g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), position);
  Tier *tier = tier_find (self, info->tier);
  gboolean was_asked = tier != NULL && tier->op != NULL && tier->op->info == info;

  _shoal_announcer_tracker_cancel_scrape (info);
  if (self->running && (info->started_sent || was_asked))
    _shoal_announcer_tracker_send_stopped (self, info);
  if (was_asked)
    {
      g_cancellable_cancel (tier->op->cancellable);
      tier->op = NULL;
    }

  if (replacement != NULL)
    g_list_store_splice (self->trackers, position, 1, (gpointer *) &replacement, 1);
  else
    g_list_store_remove (self->trackers, position);

  if (tier == NULL)
    return;
  if (_shoal_announcer_tier_nth (self, tier->number, 0, NULL) == NULL)
    {
      g_ptr_array_remove (self->tiers, tier);
      return;
    }
  /* A replacement is a tracker the user wants to try now, and it has not
   * had our `started` yet. */
  if (was_asked || replacement != NULL || (tier->op == NULL && !tier_timer_pending (tier)))
    _shoal_announcer_tier_start_round (tier);
  else
    _shoal_announcer_tier_show_next_announce (self, tier);
}

/**
 * shoal_announcer_remove_tracker:
 * @self: a #ShoalAnnouncer
 * @url: the announce URL
 *
 * Removes a tracker; a request in flight to it is abandoned, and if it
 * knows of us it gets a `stopped` announce.
 *
 * Returns: %TRUE if it was listed
 */
gboolean
shoal_announcer_remove_tracker (ShoalAnnouncer *self,
                                const char     *url)
{
  guint position;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (!_shoal_announcer_find_tracker (self, url, &position, NULL))
    return FALSE;
  remove_at (self, position, NULL);
  return TRUE;
}

/**
 * shoal_announcer_replace_tracker:
 * @self: a #ShoalAnnouncer
 * @old_url: the URL to replace
 * @new_url: the URL to put in its place, same tier and position
 * @error: return location for a #GError
 *
 * Replaces a tracker by another, which starts afresh (it gets a `started`
 * announce if the announcer is running).
 *
 * Returns: %TRUE if replaced; %FALSE if @old_url is not listed, @new_url is
 *   not a URL or is listed already
 */
gboolean
shoal_announcer_replace_tracker (ShoalAnnouncer  *self,
                                 const char      *old_url,
                                 const char      *new_url,
                                 GError         **error)
{
  g_autoptr(ShoalTrackerInfo) info = NULL;
  ShoalTrackerInfo *old = NULL;
  guint position;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (old_url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_shoal_announcer_find_tracker (self, old_url, &position, &old))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_NOT_FOUND,
                   "The tracker “%s” is not in the list", old_url);
      return FALSE;
    }
  if (!validate_url (new_url, error))
    return FALSE;
  if (g_strcmp0 (old_url, new_url) == 0)
    return TRUE;
  if (_shoal_announcer_find_tracker (self, new_url, NULL, NULL))
    {
      g_set_error (error, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_DUPLICATE,
                   "The tracker “%s” is already in the list", new_url);
      return FALSE;
    }

  info = _shoal_tracker_info_new (new_url, old->tier, self->udp_base_ms, self->udp_max_tries);
  remove_at (self, position, info);
  return TRUE;
}

/**
 * shoal_announcer_dup_tiers:
 * @self: a #ShoalAnnouncer
 *
 * Returns the trackers as tiers, in the current order of preference (the
 * ones that worked first), for saving with the torrent's resume data.
 *
 * Returns: (transfer full) (element-type GStrv): the tiers
 */
GPtrArray *
shoal_announcer_dup_tiers (ShoalAnnouncer *self)
{
  GPtrArray *tiers;

  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), NULL);

  tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      ShoalTrackerInfo *info;

      for (guint n = 0; (info = _shoal_announcer_tier_nth (self, tier->number, n, NULL)) != NULL; n++)
        g_strv_builder_add (builder, info->url);
      g_ptr_array_add (tiers, g_strv_builder_end (builder));
    }
  return tiers;
}

/**
 * shoal_announcer_get_trackers:
 * @self: a #ShoalAnnouncer
 *
 * Returns: (transfer none): a #GListModel of #ShoalTrackerInfo, ordered by
 *   tier and by preference within each tier
 */
GListModel *
shoal_announcer_get_trackers (ShoalAnnouncer *self)
{
  g_return_val_if_fail (SHOAL_IS_ANNOUNCER (self), NULL);
  return G_LIST_MODEL (self->trackers);
}

/**
 * shoal_announcer_start:
 * @self: a #ShoalAnnouncer
 *
 * Starts announcing: every tier gets a `started` announce, then regular
 * ones. The `started` announce goes at once, unless many announcers of
 * the same group start together (a session bringing back its torrents):
 * then they are spread out, 50 a second.
 */
void
shoal_announcer_start (ShoalAnnouncer *self)
{
  guint delay_ms;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (self->running)
    return;
  self->running = TRUE;
  delay_ms = _shoal_announcer_group_take_start_delay (self->group, g_get_monotonic_time ());
  if (delay_ms == 0)
    foreach_tier (self, _shoal_announcer_tier_start_round);
  else
    /* On the second: those due in the same second go together, one
     * wake-up for all of them. */
    for (guint i = 0; i < self->tiers->len; i++)
      tier_schedule (g_ptr_array_index (self->tiers, i), delay_ms, TRUE);
}

static void
tier_start_round_if_completed_due (Tier *tier)
{
  ShoalTrackerInfo *info;

  for (guint n = 0; (info = _shoal_announcer_tier_nth (tier->announcer, tier->number, n, NULL)) != NULL; n++)
    if (info->completed_due)
      {
        _shoal_announcer_tier_start_round (tier);
        return;
      }
}

/**
 * shoal_announcer_completed:
 * @self: a #ShoalAnnouncer
 *
 * Reports the download as finished: trackers that acknowledged our
 * `started` get a `completed` announce at once. The others will get a
 * `started` with nothing left, which says the same.
 */
void
shoal_announcer_completed (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->started_sent)
        info->completed_due = TRUE;
    }
  /* A tier whose request is in flight sends it when that one is done. */
  foreach_tier (self, tier_start_round_if_completed_due);
}

static void
tier_reset (Tier *tier)
{
  tier_cancel (tier);
  tier->failed = FALSE;
  tier->failures = 0;
  tier->round_pos = 0;
  g_clear_error (&tier->last_error);
  g_clear_pointer (&tier->last_error_url, g_free);
}

/**
 * shoal_announcer_stop:
 * @self: a #ShoalAnnouncer
 *
 * Stops announcing: requests in flight and timers are cancelled, and the
 * trackers that know of us get a `stopped` announce, which is not waited
 * for and given up after a few seconds.
 */
void
shoal_announcer_stop (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  if (!self->running)
    return;
  self->running = FALSE;
  _shoal_announcer_cancel_alt (self);
  for (guint i = 0; i < self->tiers->len; i++)
    {
      Tier *tier = g_ptr_array_index (self->tiers, i);

      /* The tracker may have registered us before we cancel its answer. */
      if (tier->op != NULL)
        tier->op->info->started_sent = TRUE;
      tier_reset (tier);
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      if (info->started_sent)
        _shoal_announcer_tracker_send_stopped (self, info);
      info->started_sent = FALSE;
      info->completed_due = FALSE;
      _shoal_announcer_tracker_cancel_scrape (info);
      _shoal_tracker_info_set_int64 (info, &info->next_announce, 0, INFO_PROP_NEXT_ANNOUNCE);
      if (info->unusable == NULL)
        {
          _shoal_tracker_info_set_status (info, SHOAL_TRACKER_STATUS_IDLE);
          _shoal_tracker_info_set_message (info, NULL);
        }
    }
}

/**
 * shoal_announcer_announce_now:
 * @self: a #ShoalAnnouncer
 *
 * Announces to every tier at once instead of waiting for the interval, as
 * a manual re-announce or when the torrent runs short of peers. Tiers with
 * a request in flight are left alone. Does nothing while stopped.
 */
void
shoal_announcer_announce_now (ShoalAnnouncer *self)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  foreach_tier (self, _shoal_announcer_tier_start_round);
}

/**
 * shoal_announcer_restart_requests:
 * @self: a #ShoalAnnouncer
 *
 * The route to trackers changed (another interface or proxy): requests
 * in flight, made the old way, are cancelled at once (no `stopped` is
 * sent for them), and a running announcer asks every tier again, the
 * new way (set with shoal_announcer_set_bind() and the like before).
 */
void
shoal_announcer_restart_requests (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  _shoal_announcer_cancel_alt (self);
  for (guint i = 0; i < self->tiers->len; i++)
    tier_cancel (g_ptr_array_index (self->tiers, i));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      _shoal_announcer_tracker_cancel_scrape (info);
    }
  if (self->running)
    shoal_announcer_announce_now (self);
}

/**
 * shoal_announcer_set_want_peers:
 * @self: a #ShoalAnnouncer
 * @want: whether the torrent wants more peers
 *
 * Sets whether announces ask for peers (200) or for none, as a seed with
 * enough connections does.
 */
void
shoal_announcer_set_want_peers (ShoalAnnouncer *self,
                                gboolean        want)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->want_peers = !!want;
}

/**
 * shoal_announcer_scrape_now:
 * @self: a #ShoalAnnouncer
 *
 * Asks every tracker that can be contacted for its seeder, leecher and
 * download counts (BEP 48 for HTTP, BEP 15 for UDP), which fill the
 * #ShoalTrackerInfo properties. Trackers are also scraped on their own
 * after a successful announce, at most every 30 minutes.
 */
void
shoal_announcer_scrape_now (ShoalAnnouncer *self)
{
  guint n;

  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->trackers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->trackers), i);

      _shoal_announcer_tracker_scrape (self, info);
    }
}

/**
 * shoal_announcer_set_socks_proxy:
 * @self: an announcer
 * @proxy_uri: (nullable): `socks5://[USER:PASSWORD@]HOST:PORT` UDP
 *   trackers are asked through (UDP ASSOCIATE), or %NULL for direct
 */
void
shoal_announcer_set_socks_proxy (ShoalAnnouncer *self,
                                 const char     *proxy_uri)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));

  g_free (self->socks_proxy);
  self->socks_proxy = g_strdup (proxy_uri);
}
