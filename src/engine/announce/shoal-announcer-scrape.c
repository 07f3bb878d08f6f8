/* shoal-announcer-scrape.c: asking a tracker for a torrent's counts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the announcer (shoal-announcer-private.h): scrapes are sent
 * after a successful announce, at most every SCRAPE_INTERVAL_US, and only
 * update the seeder, leecher and download counts the user sees.
 */
#include "config.h"

#define SHOAL_ANNOUNCER_INSIDE
#include "shoal-announcer-private.h"
#include "shoal-tracker-http.h"
#include "shoal-tracker-udp.h"

typedef struct
{
  ShoalTrackerInfo *info;
  GCancellable     *cancellable;
} ScrapeOp;

static void
scrape_op_free (ScrapeOp *op)
{
  g_clear_object (&op->info);
  g_clear_object (&op->cancellable);
  g_free (op);
}

static void
scrape_done (ScrapeOp *op,
             GArray   *entries,
             GError   *error)
{
  ShoalTrackerInfo *info = op->info;

  if (g_cancellable_is_cancelled (op->cancellable))
    return;
  if (info->scrape_cancellable == op->cancellable)
    g_clear_object (&info->scrape_cancellable);

  if (entries == NULL)
    {
      /* Many trackers do not scrape; the announce still gives the counts. */
      g_debug ("Scrape of %s failed: %s", info->url, error->message);
      return;
    }
  if (entries->len == 0)
    return;

  {
    const ShoalTrackerScrapeEntry *entry = &g_array_index (entries, ShoalTrackerScrapeEntry, 0);

    if (entry->complete >= 0)
      _shoal_tracker_info_set_int64 (info, &info->seeders, entry->complete, INFO_PROP_SEEDERS);
    if (entry->incomplete >= 0)
      _shoal_tracker_info_set_int64 (info, &info->leechers, entry->incomplete, INFO_PROP_LEECHERS);
    if (entry->downloaded >= 0)
      _shoal_tracker_info_set_int64 (info, &info->downloaded, entry->downloaded, INFO_PROP_DOWNLOADED);
  }
}

static void
http_scrape_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ScrapeOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = shoal_tracker_http_scrape_finish (result, &error);

  (void) source;
  scrape_done (op, entries, error);
  scrape_op_free (op);
}

static void
udp_scrape_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ScrapeOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) entries = shoal_tracker_udp_scrape_finish (SHOAL_TRACKER_UDP (source), result, &error);

  scrape_done (op, entries, error);
  scrape_op_free (op);
}

void
_shoal_announcer_tracker_scrape (ShoalAnnouncer   *self,
                                 ShoalTrackerInfo *info)
{
  ScrapeOp *op;

  if (info->unusable != NULL || info->scrape_cancellable != NULL)
    return;

  op = g_new0 (ScrapeOp, 1);
  op->info = g_object_ref (info);
  op->cancellable = g_cancellable_new ();
  info->scrape_cancellable = g_object_ref (op->cancellable);
  info->last_scrape_us = g_get_monotonic_time ();

  g_main_context_push_thread_default (self->context);
  if (info->is_http)
    shoal_tracker_http_scrape_async (self->soup, info->url, self->info_hash, 1, 0,
                                     op->cancellable, http_scrape_cb, op);
  else
    {
      shoal_tracker_udp_set_bind (info->udp, self->bind);
      shoal_tracker_udp_set_socks_proxy (info->udp, self->socks_proxy);
      shoal_tracker_udp_scrape_async (info->udp, self->info_hash, 1, op->cancellable, udp_scrape_cb, op);
    }
  g_main_context_pop_thread_default (self->context);
}

void
_shoal_announcer_tracker_cancel_scrape (ShoalTrackerInfo *info)
{
  if (info->scrape_cancellable != NULL)
    {
      g_cancellable_cancel (info->scrape_cancellable);
      g_clear_object (&info->scrape_cancellable);
    }
}
