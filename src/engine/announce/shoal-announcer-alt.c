/* shoal-announcer-alt.c: a hybrid torrent's second info-hash at trackers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the announcer (shoal-announcer-private.h). A hybrid torrent
 * (BEP 52) is two swarms: its v1 info-hash and its truncated v2 one. Each
 * announce the announcer sends for the first goes to the same tracker for
 * the second as well, with the same event and counts; the peers the
 * tracker lists under it are reported like any others. The tier's state
 * (order, intervals, errors) follows the first hash's answers alone.
 */
#include "config.h"

#include <string.h>

#define SHOAL_ANNOUNCER_INSIDE
#include "shoal-announcer-private.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

typedef struct
{
  ShoalAnnouncer *announcer;  /* a reference; NULL for `stopped` */
  char           *url;
  GCancellable   *cancellable;
} AltOp;

static void
alt_op_free (AltOp *op)
{
  g_clear_object (&op->announcer);
  g_clear_object (&op->cancellable);
  g_free (op->url);
  g_free (op);
}

/**
 * shoal_announcer_set_alt_info_hash:
 * @self: an announcer
 * @info_hash: (nullable): the torrent's other 20-byte info-hash, or %NULL
 *
 * Announces the torrent under @info_hash too, to every tracker.
 */
void
shoal_announcer_set_alt_info_hash (ShoalAnnouncer *self,
                                   const guint8   *info_hash)
{
  g_return_if_fail (SHOAL_IS_ANNOUNCER (self));
  self->has_alt = info_hash != NULL;
  if (info_hash != NULL)
    memcpy (self->alt_info_hash, info_hash, SHOAL_TRACKER_HASH_LEN);
}

static void
alt_done (AltOp                *op,
          ShoalTrackerResponse *response,
          GError               *error)
{
  g_autoptr(GArray) peers = NULL;

  if (op->announcer == NULL || g_cancellable_is_cancelled (op->cancellable))
    return;
  if (response == NULL)
    {
      g_debug ("Announce of the second info-hash to %s failed: %s", op->url, error->message);
      return;
    }
  if (response->peers == NULL || response->peers->len == 0)
    return;
  peers = g_array_ref (response->peers);
  g_signal_emit (op->announcer, _shoal_announcer_signals[SIGNAL_PEERS], 0, peers, op->url);
}

static void
alt_http_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AltOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = shoal_tracker_http_announce_finish (result, &error);

  (void) source;
  alt_done (op, response, error);
  alt_op_free (op);
}

static void
alt_udp_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AltOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTrackerResponse) response = NULL;

  response = shoal_tracker_udp_announce_finish (SHOAL_TRACKER_UDP (source), result, &error);
  alt_done (op, response, error);
  alt_op_free (op);
}

/* Sends @request again for the second info-hash, on the announcer's
 * context; a `stopped` one keeps no reference to the announcer. */
void
_shoal_announcer_send_alt (ShoalAnnouncer            *self,
                           ShoalTrackerInfo          *info,
                           const ShoalTrackerRequest *request)
{
  ShoalTrackerRequest alt = *request;
  AltOp *op;
  gboolean stopped = request->event == SHOAL_TRACKER_EVENT_STOPPED;

  if (!self->has_alt)
    return;
  memcpy (alt.info_hash, self->alt_info_hash, sizeof alt.info_hash);
  /* The tracker id belongs to the first hash's registration. */
  alt.tracker_id = NULL;

  if (self->alt_cancellable == NULL)
    self->alt_cancellable = g_cancellable_new ();
  op = g_new0 (AltOp, 1);
  op->announcer = stopped ? NULL : g_object_ref (self);
  op->url = g_strdup (info->url);
  op->cancellable = stopped ? g_cancellable_new () : g_object_ref (self->alt_cancellable);

  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_announce_async (self->soup, info->url, &alt, stopped ? STOPPED_TIMEOUT_MS : 0,
                                       op->cancellable, alt_http_cb, op);
  else
    {
      shoal_tracker_udp_set_bind (info->udp, self->bind);
      shoal_tracker_udp_announce_async (info->udp, &alt, op->cancellable, alt_udp_cb, op);
    }
  g_main_context_pop_thread_default (self->context);
}

/* Drops the answers still due for the second info-hash. */
void
_shoal_announcer_cancel_alt (ShoalAnnouncer *self)
{
  if (self->alt_cancellable == NULL)
    return;
  g_cancellable_cancel (self->alt_cancellable);
  g_clear_object (&self->alt_cancellable);
}
