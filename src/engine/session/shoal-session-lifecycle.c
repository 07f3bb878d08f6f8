/* shoal-session-lifecycle.c: starting, running and closing a session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): shoal_session_start(),
 * the tick that drives incoming connections and torrents once a second,
 * and closing, with shoal_session_close_async() waiting for the final
 * states written off the main loop, the `stopped` announces and the
 * deletions of removed torrents.
 */
#include "config.h"

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

static gboolean
tick_cb (gpointer user_data)
{
  ShoalSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) incoming = g_ptr_array_copy (self->incoming, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  g_ptr_array_set_free_func (incoming, g_object_unref);
  for (guint i = 0; i < incoming->len; i++)
    shoal_peer_connection_tick (incoming->pdata[i], now);

  _shoal_session_tick_torrents (self, now);
  _shoal_session_sync_lsd (self);
  _shoal_session_tick_port_test (self, now);
  _shoal_session_extras_tick (self, now);
  _shoal_session_check_interface (self);
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_session_start:
 * @self: a session
 * @error: return location for a %SHOAL_SESSION_ERROR_LISTEN error
 *
 * Creates the state directory, starts listening for peers and brings back
 * the torrents of the last run.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_session_start (ShoalSession  *self,
                     GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (!shoal_state_store_prepare (_shoal_session_get_store (self), error))
    return FALSE;

  {
    g_autofree char *journal = shoal_state_store_dup_deletion_journal (_shoal_session_get_store (self));

    shoal_storage_finish_deletions (self->disk_pool, journal);
  }

  if (!_shoal_session_listen (self, error))
    return FALSE;

  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  self->started = TRUE;
  _shoal_session_open_udp (self);
  _shoal_session_start_dht (self);
  _shoal_session_start_lsd (self);
  if (self->restore_saved)
    _shoal_session_load_saved_torrents (self);
  _shoal_session_sync_port_mapping (self);
  _shoal_session_extras_start (self);
  return TRUE;
}

/**
 * shoal_session_close:
 * @self: a session
 *
 * Saves every torrent's state, tells the trackers we leave, closes every
 * connection and stops listening. The session cannot be started again.
 */
static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ShoalSession *self = SHOAL_SESSION (source);

  g_assert (self->n_saving > 0);
  self->n_saving--;
  _shoal_session_check_close_tasks (self);
}

/* With @save_async, the final states are written by worker threads while
 * the main loop runs (shoal_session_close_async() waits for them). */
static void
close_session (ShoalSession *self,
               gboolean      save_async)
{
  if (self->tick_id)
    g_source_remove (self->tick_id);
  self->tick_id = 0;
  _shoal_session_extras_close (self);
  if (self->started && save_async)
    {
      self->n_saving++;
      _shoal_session_save_async (self, save_done_cb, NULL);
    }
  else if (self->started)
    _shoal_session_save_final (self, TRUE);
  _shoal_session_stop_dht (self);
  _shoal_session_stop_lsd (self);
  _shoal_session_stop_port_mapping (self);
  self->started = FALSE;
  _shoal_session_close_udp (self);
  for (guint i = 0; self->torrents && i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (_shoal_torrent_is_active (t))
        _shoal_torrent_stop_announcing (t);
      _shoal_torrent_close (t);
    }
  if (self->service)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  if (self->incoming)
    {
      g_autoptr(GPtrArray) incoming = g_steal_pointer (&self->incoming);

      self->incoming = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < incoming->len; i++)
        shoal_peer_connection_set_handler (incoming->pdata[i], NULL, NULL);
    }
}

void
shoal_session_close (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  close_session (self, FALSE);
}

/* A shoal_session_close_async() waiting for this session's own `stopped`
 * announces and deletions; woken when one ends, at its deadlines, or when
 * cancelled. */
typedef struct
{
  gint64   deadline_us;
  GSource *timeout;
  GSource *cancelled;
} CloseData;

static void
close_data_free (CloseData *data)
{
  if (data->timeout != NULL)
    g_source_destroy (data->timeout);
  g_clear_pointer (&data->timeout, g_source_unref);
  if (data->cancelled != NULL)
    g_source_destroy (data->cancelled);
  g_clear_pointer (&data->cancelled, g_source_unref);
  g_free (data);
}

static gboolean
close_is_done (ShoalSession *self,
               GTask        *task)
{
  CloseData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  /* The torrents' final states are written whatever happens: a program
   * that exits before loses them. */
  if (self->n_saving > 0)
    return FALSE;
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return TRUE;
  if (shoal_announcer_group_get_n_stopping (self->announcers) > 0 && now < data->deadline_us)
    return FALSE;
  /* The router is told to delete our mappings, for as long. */
  if (_shoal_session_get_port_mapping_pending (self) > 0 && now < data->deadline_us)
    return FALSE;
  /* Data being deleted is waited for longer: a program that exits before
   * leaves its files in a hidden directory of the save directory. */
  if (self->n_deleting > 0 && now < data->deadline_us + 55 * G_USEC_PER_SEC)
    return FALSE;
  return TRUE;
}

/* Returns the close tasks that have nothing left to wait for. */
void
_shoal_session_check_close_tasks (gpointer user_data)
{
  ShoalSession *self = user_data;

  for (guint i = 0; self->close_tasks != NULL && i < self->close_tasks->len;)
    {
      GTask *task = self->close_tasks->pdata[i];

      if (close_is_done (self, task))
        {
          g_autoptr(GTask) done = g_ptr_array_steal_index (self->close_tasks, i);

          g_task_set_task_data (done, NULL, NULL);
          g_task_return_boolean (done, TRUE);
        }
      else
        i++;
    }
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  ShoalSession *self = g_task_get_source_object (task);
  CloseData *data = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  /* After the first deadline, only deletions can still be waited for:
   * their own deadline is the next wake-up. */
  if (now >= data->deadline_us && g_source_get_ready_time (data->timeout) < data->deadline_us + 55 * G_USEC_PER_SEC)
    g_source_set_ready_time (data->timeout, data->deadline_us + 55 * G_USEC_PER_SEC);
  _shoal_session_check_close_tasks (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
close_deadline_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs close_deadline_funcs = {
  NULL, NULL, close_deadline_dispatch, NULL, NULL, NULL,
};

static gboolean
close_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  _shoal_session_check_close_tasks (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * shoal_session_close_async:
 * @self: a session
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the trackers were told, or after a few seconds
 * @user_data: for @callback
 *
 * Like shoal_session_close(), but the torrents' final states are written
 * by worker threads while the main loop runs, and waited for (however
 * long that takes, even once @cancellable is cancelled); then waits (at
 * most 5 s) for the `stopped` announces to reach the trackers, and (at
 * most a minute) for the data of removed torrents to be deleted, so that
 * a program can exit right after.
 */
void
shoal_session_close_async (ShoalSession        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CloseData *data;

  g_return_if_fail (SHOAL_IS_SESSION (self));

  close_session (self, TRUE);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_session_close_async);
  data = g_new0 (CloseData, 1);
  data->deadline_us = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  g_task_set_task_data (task, data, (GDestroyNotify) close_data_free);
  if (close_is_done (self, task))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Woken by the end of each `stopped` announce or deletion, and at the
   * two deadlines. The task holds the session, which holds the task (and
   * so these sources) until it returns. */
  data->timeout = g_source_new (&close_deadline_funcs, sizeof (GSource));
  g_source_set_callback (data->timeout, close_timeout_cb, task, NULL);
  g_source_set_static_name (data->timeout, "[shoal] session close deadline");
  g_source_set_ready_time (data->timeout, data->deadline_us);
  g_source_attach (data->timeout, g_task_get_context (task));
  if (cancellable != NULL)
    {
      data->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (data->cancelled, (GSourceFunc) (void (*) (void)) close_cancelled_cb, self, NULL);
      g_source_attach (data->cancelled, g_task_get_context (task));
    }
  g_ptr_array_add (self->close_tasks, g_steal_pointer (&task));
}

gboolean
shoal_session_close_finish (ShoalSession  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
