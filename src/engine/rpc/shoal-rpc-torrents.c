/* shoal-rpc-torrents.c: the ids clients name torrents by, and the
 * per-torrent settings the RPC has and the engine keeps as one value
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Transmission gives each torrent a small integer id for the life of the
 * session; clients also name torrents by their info-hash. A torrent gets
 * the next id when it appears in the session's list, whoever added it, and
 * its id is reported as removed for a minute after it goes
 * ("recently-active").
 */

#include "config.h"

#include <string.h>

#include "shoal-rpc-private.h"

static gint64
now_seconds (void)
{
  return g_get_monotonic_time () / G_USEC_PER_SEC;
}

static void
rpc_torrent_free (ShoalRpcTorrent *t)
{
  g_clear_object (&t->torrent);
  g_free (t);
}

static ShoalRpcTorrent *
rpc_torrent_new (ShoalRpcServer *self,
                 ShoalTorrent   *torrent)
{
  ShoalRpcTorrent *t = g_new0 (ShoalRpcTorrent, 1);
  guint64 down = shoal_torrent_get_download_limit (torrent);
  guint64 up = shoal_torrent_get_upload_limit (torrent);
  t->id = ++self->next_id;
  t->torrent = g_object_ref (torrent);
  t->down_limited = down > 0;
  t->up_limited = up > 0;
  t->down_limit_k = down > 0 ? MAX (down / SHOAL_RPC_SPEED_K, 1) : 100;
  t->up_limit_k = up > 0 ? MAX (up / SHOAL_RPC_SPEED_K, 1) : 100;
  /* The modes are the engine's; the limits shown while a torrent has
   * none of its own are kept here, as Transmission keeps them. */
  t->seed_ratio_mode = (int) shoal_torrent_get_seed_ratio_mode (torrent);
  t->seed_ratio_limit = t->seed_ratio_mode == 1 ? shoal_torrent_get_seed_ratio_limit (torrent) : 2.0;
  t->seed_idle_mode = (int) shoal_torrent_get_seed_idle_mode (torrent);
  t->seed_idle_limit = t->seed_idle_mode == 1 ?
                       (int) CLAMP (shoal_torrent_get_seed_idle_limit (torrent) / 60, 1, 60 * 24 * 365) : 30;
  t->peer_limit = 0;  /* the session's (or its own, restored) */
  t->last_active = now_seconds ();
  return t;
}

static void
forget_old_removals (ShoalRpcServer *self)
{
  gint64 now = now_seconds ();
  guint keep = 0;

  for (guint i = 0; i < self->removed->len; i++)
    {
      ShoalRpcRemoved *r = &g_array_index (self->removed, ShoalRpcRemoved, i);
      if (now - r->when <= SHOAL_RPC_RECENT_SECONDS)
        g_array_index (self->removed, ShoalRpcRemoved, keep++) = *r;
    }
  g_array_set_size (self->removed, keep);
}

/* Brings the id table in line with the session's list. */
static void
sync_torrents (ShoalRpcServer *self)
{
  GListModel *model = shoal_session_get_torrents (self->session);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  guint keep = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTorrent) torrent = g_list_model_get_item (model, i);

      g_hash_table_add (present, torrent);
      if (!g_hash_table_contains (self->by_torrent, torrent))
        {
          ShoalRpcTorrent *t = rpc_torrent_new (self, torrent);
          g_ptr_array_add (self->torrents, t);
          g_hash_table_insert (self->by_torrent, t->torrent, t);
          g_debug ("RPC: torrent %s is id %d", shoal_torrent_get_info_hash_hex (torrent), t->id);
        }
    }

  forget_old_removals (self);
  for (guint i = 0; i < self->torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (self->torrents, i);

      if (g_hash_table_contains (present, t->torrent))
        {
          self->torrents->pdata[keep++] = t;
          continue;
        }
      {
        ShoalRpcRemoved r = { .id = t->id, .when = now_seconds () };
        g_array_append_val (self->removed, r);
      }
      self->removed_downloaded += shoal_torrent_get_downloaded (t->torrent);
      self->removed_uploaded += shoal_torrent_get_uploaded (t->torrent);
      g_hash_table_remove (self->by_torrent, t->torrent);
      rpc_torrent_free (t);
    }
  self->torrents->len = keep;
}

static void
items_changed_cb (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  ShoalRpcServer *self)
{
  sync_torrents (self);
}

void
_shoal_rpc_torrents_init (ShoalRpcServer *self)
{
  self->torrents = g_ptr_array_new ();
  self->by_torrent = g_hash_table_new (NULL, NULL);
  self->removed = g_array_new (FALSE, FALSE, sizeof (ShoalRpcRemoved));
  self->items_changed_id = g_signal_connect (shoal_session_get_torrents (self->session), "items-changed",
                                             G_CALLBACK (items_changed_cb), self);
  sync_torrents (self);
}

void
_shoal_rpc_torrents_clear (ShoalRpcServer *self)
{
  if (self->items_changed_id != 0)
    {
      g_clear_signal_handler (&self->items_changed_id, shoal_session_get_torrents (self->session));
    }
  if (self->torrents != NULL)
    {
      for (guint i = 0; i < self->torrents->len; i++)
        rpc_torrent_free (g_ptr_array_index (self->torrents, i));
      g_ptr_array_set_size (self->torrents, 0);
    }
  g_clear_pointer (&self->by_torrent, g_hash_table_unref);
}

ShoalRpcTorrent *
_shoal_rpc_torrent_lookup (ShoalRpcServer *self,
                           ShoalTorrent   *torrent)
{
  ShoalRpcTorrent *t = g_hash_table_lookup (self->by_torrent, torrent);

  if (t == NULL)
    {
      sync_torrents (self);
      t = g_hash_table_lookup (self->by_torrent, torrent);
    }
  return t;
}

ShoalRpcTorrent *
_shoal_rpc_torrent_by_id (ShoalRpcServer *self,
                          int             id)
{
  guint lo = 0, hi = self->torrents->len;

  /* ids only grow along the array */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      ShoalRpcTorrent *t = g_ptr_array_index (self->torrents, mid);

      if (t->id == id)
        return t;
      if (t->id < id)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

ShoalRpcTorrent *
_shoal_rpc_torrent_by_hash (ShoalRpcServer *self,
                            const char     *hash)
{
  if (strlen (hash) != 40)
    return NULL;
  for (guint i = 0; i < self->torrents->len; i++)
    {
      ShoalRpcTorrent *t = g_ptr_array_index (self->torrents, i);
      if (g_ascii_strcasecmp (shoal_torrent_get_info_hash_hex (t->torrent), hash) == 0)
        return t;
    }
  return NULL;
}

gboolean
_shoal_rpc_torrent_recently_active (ShoalRpcTorrent *t)
{
  ShoalTorrentState state = shoal_torrent_get_state (t->torrent);

  if (shoal_torrent_get_download_rate (t->torrent) > 0 ||
      shoal_torrent_get_upload_rate (t->torrent) > 0 ||
      state == SHOAL_TORRENT_STATE_CHECKING ||
      state == SHOAL_TORRENT_STATE_FETCHING_METADATA)
    t->last_active = now_seconds ();
  return now_seconds () - t->last_active <= SHOAL_RPC_RECENT_SECONDS;
}

/* Hands the RPC's view of one torrent's speed and peer limits to the
 * engine. */
void
_shoal_rpc_torrent_apply_limits (ShoalRpcServer  *self,
                                 ShoalRpcTorrent *t)
{
  shoal_torrent_set_download_limit (t->torrent, t->down_limited ? t->down_limit_k * SHOAL_RPC_SPEED_K : 0);
  shoal_torrent_set_upload_limit (t->torrent, t->up_limited ? t->up_limit_k * SHOAL_RPC_SPEED_K : 0);
  if (t->peer_limit > 0)
    shoal_torrent_set_max_connections (t->torrent, t->peer_limit);
}

/* Hands the torrent's seeding limits to the engine (only when a client
 * sets them: a torrent's own limits restored by the session are kept).
 * seedIdleLimit is the engine's idle limit (no upload for that long), not
 * its seeding time limit, which stays as it was. */
void
_shoal_rpc_torrent_apply_seed_limits (ShoalRpcServer  *self,
                                      ShoalRpcTorrent *t)
{
  double session_ratio;
  gint64 session_seconds;

  if (t->seed_ratio_mode != (int) shoal_torrent_get_seed_ratio_mode (t->torrent) ||
      (t->seed_ratio_mode == 1 && shoal_torrent_get_seed_ratio_limit (t->torrent) != t->seed_ratio_limit))
    {
      if (t->seed_ratio_mode == 1)
        shoal_torrent_set_seed_ratio_limit (t->torrent, t->seed_ratio_limit);
      else if (t->seed_ratio_mode == 2)
        shoal_torrent_set_seed_ratio_limit (t->torrent, 0);
      else
        {
          /* Resetting forgets the time limit too: it is put back. */
          ShoalSeedLimitMode time_mode = shoal_torrent_get_seed_time_mode (t->torrent);
          gint64 time_limit = shoal_torrent_get_seed_time_limit (t->torrent);

          g_object_get (self->session, "seed-ratio-limit", &session_ratio,
                        "seed-time-limit", &session_seconds, NULL);
          shoal_torrent_reset_seed_limits (t->torrent, session_ratio, session_seconds);
          if (time_mode != SHOAL_SEED_LIMIT_MODE_GLOBAL)
            shoal_torrent_set_seed_time_limit (t->torrent, time_limit);
        }
    }

  if (t->seed_idle_mode == 1)
    shoal_torrent_set_seed_idle_limit (t->torrent, (gint64) t->seed_idle_limit * 60);
  else if (t->seed_idle_mode == 2)
    shoal_torrent_set_seed_idle_limit (t->torrent, 0);
  else
    shoal_torrent_reset_seed_idle_limit (t->torrent);
}

/* Hands the session-wide limits to the engine. */
void
_shoal_rpc_apply_session_limits (ShoalRpcServer *self)
{
  shoal_session_set_download_limit (self->session,
                                    self->speed_down_enabled ? self->speed_down_k * SHOAL_RPC_SPEED_K : 0);
  shoal_session_set_upload_limit (self->session,
                                  self->speed_up_enabled ? self->speed_up_k * SHOAL_RPC_SPEED_K : 0);
  /* Set as properties: the torrents' own limits stay (Transmission's
   * session-set leaves seedRatioMode 1 torrents alone), those without
   * follow. idle-seeding-limit is the idle limit; the seeding time limit
   * is not Transmission's and is left as it is. */
  g_object_set (self->session,
                "seed-ratio-limit", self->seed_ratio_limited ? self->seed_ratio_limit : 0.0,
                "seed-idle-limit", self->idle_seeding_limit_enabled ? (gint64) self->idle_seeding_limit * 60 : (gint64) 0,
                NULL);
}
