/* shoal-session-torrents.c: a session's torrents and their saved state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the session (shoal-session-internal.h): the torrent list, adding
 * torrents and magnet links, removing them (deleting their data),
 * bringing back those saved in the state directory and saving them, all
 * through the session's ShoalStateStore.
 */
#include "config.h"

#include <string.h>

#define SHOAL_SESSION_INSIDE
#include "shoal-session-internal.h"

/* Everything under the state directory goes through the store. */
ShoalStateStore *
_shoal_session_get_store (ShoalSession *self)
{
  if (self->store == NULL)
    self->store = shoal_state_store_new (self->state_dir);
  return self->store;
}

/* The session's torrents by info-hash (the 20 bytes each torrent keeps):
 * looking one up, which every add and every incoming handshake does,
 * must not walk a list of 10,000. The bytes are random already. */
guint
_shoal_info_hash_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, key, sizeof h);
  return h;
}

gboolean
_shoal_info_hash_equal (gconstpointer a,
                        gconstpointer b)
{
  return memcmp (a, b, 20) == 0;
}

/* Lists and starts a torrent: appended to the list, found by its hash. */
static void
list_torrent (ShoalSession *self,
              ShoalTorrent *torrent)
{
  g_hash_table_insert (self->by_hash, (gpointer) shoal_torrent_get_info_hash (torrent), torrent);
  g_list_store_append (self->torrents, torrent);
  _shoal_session_torrent_listed (self, torrent);
  _shoal_torrent_begin (torrent);
}

/* A magnet link saved while its metadata was still missing. */
static void
load_saved_magnet (ShoalSession *self,
                   const char   *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *save_dir = NULL;
  g_auto(GStrv) labels = NULL;

  magnet = shoal_state_store_load_magnet (_shoal_session_get_store (self), id, &save_dir, &error);
  if (magnet == NULL)
    {
      g_warning ("Skipping saved magnet link %s: %s", id, error->message);
      return;
    }
  torrent = _shoal_torrent_new_magnet (&self->torrent_services, magnet, save_dir ? save_dir : self->download_dir, SHOAL_ADD_FLAGS_NONE);
  labels = shoal_state_store_load_magnet_labels (_shoal_session_get_store (self), id);
  if (labels[0] != NULL)
    shoal_torrent_set_labels (torrent, (const char * const *) labels);
  list_torrent (self, torrent);
}

/* A torrent saved with its metainfo, in the save directory its resume data
 * records (any absolute path: file names are bytes, not necessarily
 * UTF-8), else in the download directory. */
static void
load_saved_torrent (ShoalSession *self,
                    const char   *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(ShoalResumeData) resume = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  const char *save_dir = self->download_dir;

  info = shoal_state_store_load_metainfo (_shoal_session_get_store (self), id, &error);
  if (info == NULL)
    {
      g_warning ("Skipping saved torrent %s: %s", id, error->message);
      return;
    }
  resume = shoal_state_store_load_resume (_shoal_session_get_store (self), id, &error);
  if (resume == NULL)
    g_debug ("No usable resume data for %s: %s", id, error->message);
  else if (resume->save_dir_usable)
    save_dir = resume->save_dir;
  torrent = _shoal_torrent_new (&self->torrent_services, info, save_dir, SHOAL_ADD_FLAGS_NONE);
  if (resume != NULL)
    _shoal_torrent_apply_resume (torrent, resume);
  list_torrent (self, torrent);
}

void
_shoal_session_load_saved_torrents (ShoalSession *self)
{
  g_auto(GStrv) magnets = shoal_state_store_list_magnets (_shoal_session_get_store (self));
  g_auto(GStrv) metainfos = shoal_state_store_list_metainfos (_shoal_session_get_store (self));

  /* A stable order: by name (the hash); the resume data keeps added times
   * and queue positions. */
  self->queue_loading = TRUE;
  for (guint i = 0; magnets[i] != NULL; i++)
    load_saved_magnet (self, magnets[i]);
  for (guint i = 0; metainfos[i] != NULL; i++)
    load_saved_torrent (self, metainfos[i]);
  _shoal_session_queue_loaded (self);
}

/* Threads writing the final states, in parallel: a durable write mostly
 * waits for the disk, and the file system commits concurrent ones
 * together. */
#define SAVE_THREADS 8

typedef struct
{
  ShoalTorrent *torrent;
  GBytes       *bytes;
} SaveJob;

static void
save_job_run (gpointer data,
              gpointer user_data)
{
  SaveJob *job = data;

  _shoal_torrent_write_final_resume (job->torrent, job->bytes);
}

/* The final states of every torrent, taken on the main thread. */
static GArray *
take_final_states (ShoalSession *self,
                   gboolean      closing)
{
  GListModel *list = G_LIST_MODEL (self->torrents);
  guint n = g_list_model_get_n_items (list);
  GArray *jobs = g_array_sized_new (FALSE, FALSE, sizeof (SaveJob), n);

  for (guint i = 0; i < n; i++)
    {
      SaveJob job = { g_list_model_get_item (list, i), NULL };

      job.bytes = _shoal_torrent_take_final_resume (job.torrent, closing);
      if (job.bytes != NULL)
        g_array_append_val (jobs, job);
      else
        g_object_unref (job.torrent);
    }
  return jobs;
}

/* Writes them, a few threads in parallel, then waits for the store's
 * worker: from any thread. */
static void
write_final_states (ShoalStateStore *store,
                    GArray          *jobs)
{
  if (jobs->len > 0)
    {
      GThreadPool *pool = g_thread_pool_new (save_job_run, NULL, MIN (jobs->len, SAVE_THREADS), FALSE, NULL);

      for (guint i = 0; i < jobs->len; i++)
        g_thread_pool_push (pool, &g_array_index (jobs, SaveJob, i), NULL);
      /* Returns once every job ran. */
      g_thread_pool_free (pool, FALSE, TRUE);
    }
  if (store != NULL)
    shoal_state_store_flush (store);
}

static void
save_jobs_free (GArray *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      g_bytes_unref (g_array_index (jobs, SaveJob, i).bytes);
      g_object_unref (g_array_index (jobs, SaveJob, i).torrent);
    }
  g_array_unref (jobs);
}

/**
 * shoal_session_save:
 * @self: a session
 *
 * Writes every torrent's resume state now, and every metainfo and magnet
 * link saved, durably, before returning.
 *
 * The states are taken on this thread, then written by a few threads in
 * parallel (each after any write of the same torrent still under way, so
 * nothing older lands last); the main loop does not run meanwhile. 1,000
 * durable writes one after another took 7.7 s.
 */
void
shoal_session_save (ShoalSession *self)
{
  g_return_if_fail (SHOAL_IS_SESSION (self));
  _shoal_session_save_final (self, FALSE);
}

/* shoal_session_save(); @closing: the torrents save nothing after. */
void
_shoal_session_save_final (ShoalSession *self,
                           gboolean      closing)
{
  GArray *jobs = take_final_states (self, closing);

  write_final_states (self->store, jobs);
  save_jobs_free (jobs);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  ShoalSession *self = source;

  write_final_states (self->store, data);
  g_task_return_boolean (task, TRUE);
}

/* Like _shoal_session_save_final() for a close, the states taken now,
 * but written while the main loop runs: @callback is called once they
 * are all on disk. */
void
_shoal_session_save_async (ShoalSession        *self,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, _shoal_session_save_async);
  g_task_set_task_data (task, take_final_states (self, TRUE), (GDestroyNotify) save_jobs_free);
  g_task_run_in_thread (task, save_thread);
}

guint64
shoal_session_get_download_rate (ShoalSession *self)
{
  guint64 sum = 0;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      sum += shoal_torrent_get_download_rate (t);
    }
  return sum;
}

guint64
shoal_session_get_upload_rate (ShoalSession *self)
{
  guint64 sum = 0;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), 0);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      sum += shoal_torrent_get_upload_rate (t);
    }
  return sum;
}

GListModel *
shoal_session_get_torrents (ShoalSession *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

/**
 * shoal_session_find_torrent:
 * @self: a session
 * @info_hash: 20 bytes: a v1 info-hash, or a v2 one truncated
 *
 * Returns: (transfer none) (nullable): the torrent
 */
ShoalTorrent *
shoal_session_find_torrent (ShoalSession *self,
                            const guint8 *info_hash)
{
  ShoalTorrent *found;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  found = g_hash_table_lookup (self->by_hash, info_hash);
  if (found != NULL)
    return found;
  /* A hybrid is also known by its other hash, which a magnet link learns
   * only with the metadata: those are looked for on a miss. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->torrents)); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);
      const guint8 *alt = _shoal_torrent_get_alt_info_hash (t);

      if (alt != NULL && memcmp (alt, info_hash, 20) == 0)
        return t;
    }
  return NULL;
}

/* Shared by the ways of adding: the same torrent twice is refused. */
static gboolean
check_not_added (ShoalSession  *self,
                 const guint8  *hash,
                 const char    *name,
                 GError       **error)
{
  if (shoal_session_find_torrent (self, hash) == NULL)
    return TRUE;
  g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE,
               "“%s” is already in the list", name ? name : "This torrent");
  return FALSE;
}

/* Lists and starts a torrent just added (and saved, unless it keeps no
 * state). */
static ShoalTorrent *
finish_add (ShoalSession  *self,
            ShoalTorrent  *torrent)
{
  list_torrent (self, torrent);
  return torrent;
}

/* %SHOAL_ADD_FLAGS_RESUME: the saved state, trusted only as far as the
 * files on disk agree with it (see _shoal_torrent_load_resume()); what the
 * caller asks now wins over what was saved. */
static void
resume_saved_state (ShoalSession  *self,
                    ShoalTorrent  *torrent,
                    ShoalAddFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalResumeData) resume = shoal_state_store_load_resume (_shoal_session_get_store (self),
                                                                     shoal_torrent_get_info_hash_hex (torrent), &error);

  if (resume == NULL)
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("No usable resume data for %s: %s", shoal_torrent_get_info_hash_hex (torrent), error->message);
      return;
    }
  _shoal_torrent_apply_resume (torrent, resume);
  _shoal_torrent_apply_add_flags_after_resume (torrent, flags);
}

/* The metainfo saved for @hash under the state directory, if it is there
 * and really is that torrent's. */
static ShoalMetainfo *
load_saved_metainfo (ShoalSession *self,
                     const guint8 *hash)
{
  g_autofree char *hex = shoal_hex_encode (hash, 20);
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *v1;

  info = shoal_state_store_load_metainfo (_shoal_session_get_store (self), hex, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_debug ("Ignoring saved metainfo %s: %s", hex, error->message);
      return NULL;
    }
  v1 = shoal_metainfo_get_info_hash_v1 (info);
  if ((v1 == NULL || memcmp (v1, hash, 20) != 0) &&
      (shoal_metainfo_get_info_hash_v2 (info) == NULL || memcmp (shoal_metainfo_get_info_hash_v2 (info), hash, 20) != 0))
    return NULL;
  return g_steal_pointer (&info);
}

/**
 * shoal_session_add_torrent:
 * @self: a started session
 * @info: the torrent's metainfo
 * @save_dir: (nullable): where to put the data; %NULL for the download dir
 * @flags: how to add it
 * @error: return location for a #SHOAL_SESSION_ERROR
 *
 * Adds a torrent, saving its metainfo under the state directory so it comes
 * back in the next run. Data already in @save_dir is checked first (with
 * %SHOAL_ADD_FLAGS_RESUME, only as far as the saved state does not vouch
 * for it).
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_torrent (ShoalSession   *self,
                           ShoalMetainfo  *info,
                           const char     *save_dir,
                           ShoalAddFlags   flags,
                           GError        **error)
{
  const guint8 *hash;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *final_dir = NULL;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  g_return_val_if_fail (SHOAL_IS_METAINFO (info), NULL);

  /* v2-only: known by its truncated v2 info-hash. A hybrid is also found
   * by that one (shoal_session_find_torrent()). */
  hash = shoal_metainfo_get_info_hash_v1 (info);
  if (hash == NULL)
    hash = shoal_metainfo_get_info_hash_v2 (info);
  if (!check_not_added (self, hash, shoal_metainfo_get_name (info), error) ||
      (shoal_metainfo_get_info_hash_v2 (info) != NULL &&
       !check_not_added (self, shoal_metainfo_get_info_hash_v2 (info), shoal_metainfo_get_name (info), error)))
    return NULL;

  dir = g_canonicalize_filename (save_dir ? save_dir : self->download_dir, NULL);
  final_dir = _shoal_session_incomplete_redirect (self, &dir, flags);
  torrent = _shoal_torrent_new (&self->torrent_services, info, dir, flags);
  if (final_dir != NULL)
    _shoal_torrent_set_final_dir (torrent, final_dir);
  if ((flags & SHOAL_ADD_FLAGS_RESUME) && !(flags & SHOAL_ADD_FLAGS_SEED_MODE))
    resume_saved_state (self, torrent, flags);
  if (!(flags & SHOAL_ADD_FLAGS_NO_SAVE) &&
      !shoal_state_store_save_metainfo (_shoal_session_get_store (self), shoal_torrent_get_info_hash_hex (torrent), shoal_metainfo_get_bytes (info), error))
    return NULL;
  return finish_add (self, torrent);
}

/* A magnet link whose metadata was saved before: added as the torrent,
 * with the link's trackers and peers. The link's file selection is the
 * caller's to apply (shoal_magnet_is_file_selected()). */
static ShoalTorrent *
add_magnet_with_metainfo (ShoalSession   *self,
                          ShoalMagnet    *magnet,
                          ShoalMetainfo  *info,
                          const char     *save_dir,
                          ShoalAddFlags   flags,
                          GError        **error)
{
  const char * const *trackers = shoal_magnet_get_trackers (magnet);
  const char * const *peers = shoal_magnet_get_peers (magnet);
  ShoalTorrent *torrent;

  torrent = shoal_session_add_torrent (self, info, save_dir, flags & ~SHOAL_ADD_FLAGS_PAUSE_AFTER_METADATA, error);
  if (torrent == NULL)
    return NULL;
  for (guint i = 0; trackers != NULL && trackers[i] != NULL; i++)
    shoal_torrent_add_tracker (torrent, trackers[i], i, NULL);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    shoal_torrent_add_peer (torrent, peers[i], NULL);
  return torrent;
}

/**
 * shoal_session_add_magnet:
 * @self: a started session
 * @magnet: a parsed magnet link
 * @save_dir: (nullable): where to put the data; %NULL for the download dir
 * @flags: how to add it
 * @error: return location for a #SHOAL_SESSION_ERROR
 *
 * Adds a torrent known by its magnet link. It fetches the metadata from the
 * peers it finds, then downloads like any other.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_magnet (ShoalSession   *self,
                          ShoalMagnet    *magnet,
                          const char     *save_dir,
                          ShoalAddFlags   flags,
                          GError        **error)
{
  const guint8 *hash;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *final_dir = NULL;

  g_return_val_if_fail (SHOAL_IS_SESSION (self), NULL);
  g_return_val_if_fail (SHOAL_IS_MAGNET (magnet), NULL);

  /* A btmh link alone is known by the truncated v2 info-hash. */
  hash = shoal_magnet_get_info_hash_v1 (magnet);
  if (hash == NULL)
    hash = shoal_magnet_get_info_hash_v2 (magnet);
  if (!check_not_added (self, hash, shoal_magnet_get_display_name (magnet), error) ||
      (shoal_magnet_get_info_hash_v2 (magnet) != NULL &&
       !check_not_added (self, shoal_magnet_get_info_hash_v2 (magnet), shoal_magnet_get_display_name (magnet), error)))
    return NULL;

  if (flags & SHOAL_ADD_FLAGS_RESUME)
    {
      g_autoptr(ShoalMetainfo) saved = load_saved_metainfo (self, hash);

      /* Its metadata came in an earlier run: no need to fetch it again. */
      if (saved != NULL)
        return add_magnet_with_metainfo (self, magnet, saved, save_dir, flags, error);
    }

  dir = g_canonicalize_filename (save_dir ? save_dir : self->download_dir, NULL);
  final_dir = _shoal_session_incomplete_redirect (self, &dir, flags);
  torrent = _shoal_torrent_new_magnet (&self->torrent_services, magnet, dir, flags);
  if (final_dir != NULL)
    _shoal_torrent_set_final_dir (torrent, final_dir);
  if (!(flags & SHOAL_ADD_FLAGS_NO_SAVE) &&
      !shoal_state_store_save_magnet (_shoal_session_get_store (self), shoal_torrent_get_info_hash_hex (torrent), magnet, dir, error))
    return NULL;
  return finish_add (self, torrent);
}

/**
 * shoal_session_add_torrent_file:
 * @self: a started session
 * @file: a .torrent file
 * @save_dir: (nullable): where to put the data
 * @flags: how to add it
 * @error: return location for an error
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
ShoalTorrent *
shoal_session_add_torrent_file (ShoalSession   *self,
                                GFile          *file,
                                const char     *save_dir,
                                ShoalAddFlags   flags,
                                GError        **error)
{
  g_autoptr(ShoalMetainfo) info = shoal_metainfo_new_from_file (file, NULL, error);

  if (info == NULL)
    return NULL;
  return shoal_session_add_torrent (self, info, save_dir, flags, error);
}

static void
delete_files_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ShoalSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  g_assert (self->n_deleting > 0);
  self->n_deleting--;
  if (shoal_storage_delete_files_finish (SHOAL_STORAGE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  _shoal_session_check_close_tasks (self);
}

/**
 * shoal_session_remove_torrent_async:
 * @self: a session
 * @torrent: one of its torrents
 * @delete_data: also delete the downloaded files
 * @cancellable: (nullable): a #GCancellable
 * @callback: (nullable): called once the data is deleted
 * @user_data: for @callback
 *
 * Stops @torrent, forgets its saved state and removes it from the list
 * before this returns. With @delete_data, its files are gone from their
 * names before this returns too (the same torrent may be added again into
 * the same place at once), and the space they held is given back by a
 * worker thread; @callback tells whether that went well.
 * shoal_session_close_async() waits for such deletions to finish.
 */
void
shoal_session_remove_torrent_async (ShoalSession        *self,
                                    ShoalTorrent        *torrent,
                                    gboolean             delete_data,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ShoalTorrent) hold = NULL;
  guint pos;

  g_return_if_fail (SHOAL_IS_SESSION (self));
  g_return_if_fail (SHOAL_IS_TORRENT (torrent));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_session_remove_torrent_async);
  if (!g_list_store_find (self->torrents, torrent, &pos))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  hold = g_object_ref (torrent);
  shoal_torrent_pause (torrent);
  _shoal_torrent_close (torrent);
  _shoal_torrent_remove_state (torrent);
  g_list_store_remove (self->torrents, pos);
  if (g_hash_table_lookup (self->by_hash, shoal_torrent_get_info_hash (torrent)) == torrent)
    g_hash_table_remove (self->by_hash, shoal_torrent_get_info_hash (torrent));
  _shoal_session_torrent_unlisted (self, torrent);
  /* A magnet link still fetching its metadata has no storage, no data. */
  if (delete_data && _shoal_torrent_get_storage (torrent) != NULL)
    {
      g_autofree char *journal = shoal_state_store_dup_deletion_journal (_shoal_session_get_store (self));

      /* What is being deleted is recorded until it is done: a session
       * killed meanwhile finishes it at its next start. */
      self->n_deleting++;
      shoal_storage_delete_files_async (_shoal_torrent_get_storage (torrent), journal, cancellable, delete_files_cb,
                                        g_steal_pointer (&task));
    }
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * shoal_session_remove_torrent_finish:
 * @self: a session
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the torrent's data, when it was to be deleted, is all
 *   gone
 */
gboolean
shoal_session_remove_torrent_finish (ShoalSession  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
remove_torrent_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_session_remove_torrent_finish (SHOAL_SESSION (source), result, &error))
    g_warning ("Could not delete the data of a removed torrent: %s", error->message);
}

/**
 * shoal_session_remove_torrent:
 * @self: a session
 * @torrent: one of its torrents
 * @delete_data: also delete the downloaded files
 *
 * Like shoal_session_remove_torrent_async(), for a caller that has nobody
 * to tell when deleting the data fails: a warning is logged.
 */
void
shoal_session_remove_torrent (ShoalSession *self,
                              ShoalTorrent *torrent,
                              gboolean      delete_data)
{
  shoal_session_remove_torrent_async (self, torrent, delete_data, NULL, remove_torrent_cb, NULL);
}
