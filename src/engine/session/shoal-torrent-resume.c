/* shoal-torrent-resume.c: a torrent's saved state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-torrent-private.h"

/* Resume state
 *
 * Which files may have been written since the saved state was taken is
 * recorded too ("dirty-files"): before the first write to a file that the
 * saved state calls clean, the state is saved again with that file marked.
 * So on the next start, a file whose mtime changed although the saved state
 * calls it clean was changed by someone else: all its pieces are checked.
 * A dirty file had writes of ours in flight (a crash, a kill -9): only its
 * pieces not recorded as had are checked, even when its size and mtime are
 * as saved (a write can land before the save's stat() and its piece be had
 * only after). Nothing unverified counts, and no
 * full recheck is needed after a crash.
 */

static guint
first_file_of_piece (ShoalTorrent *self,
                     guint         piece)
{
  guint64 start = (guint64) piece * shoal_metainfo_get_piece_length (self->info);
  guint lo = 0, hi = shoal_metainfo_get_n_files (self->info);

  /* The last file starting at or before @start. */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (shoal_metainfo_get_file (self->info, mid)->offset <= start)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

void
_shoal_torrent_note_write_start (ShoalTorrent *self,
                                 guint         piece)
{
  guint64 pl = shoal_metainfo_get_piece_length (self->info);
  guint64 start = (guint64) piece * pl;
  guint64 end = start + shoal_metainfo_get_piece_size (self->info, piece);
  guint n_files = shoal_metainfo_get_n_files (self->info);
  gboolean newly_dirty = FALSE;

  g_array_append_val (self->writing, piece);
  for (guint i = first_file_of_piece (self, piece); i < n_files; i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);

      if (f->offset >= end)
        break;
      if (f->offset + f->length <= start || (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD))
        continue;
      if (!self->dirty_files[i])
        {
          self->dirty_files[i] = TRUE;
          newly_dirty = TRUE;
        }
    }
  if (newly_dirty)
    _shoal_torrent_save_resume (self);
}

void
_shoal_torrent_note_write_end (ShoalTorrent *self,
                               guint         piece)
{
  for (guint i = 0; i < self->writing->len; i++)
    if (g_array_index (self->writing, guint, i) == piece)
      {
        g_array_remove_index_fast (self->writing, i);
        break;
      }
}

/* After a save: only files with writes still in flight stay dirty. */
static void
recompute_dirty (ShoalTorrent *self)
{
  guint n_files = shoal_metainfo_get_n_files (self->info);

  memset (self->dirty_files, 0, n_files);
  for (guint w = 0; w < self->writing->len; w++)
    {
      guint piece = g_array_index (self->writing, guint, w);
      guint64 start = (guint64) piece * shoal_metainfo_get_piece_length (self->info);
      guint64 end = start + shoal_metainfo_get_piece_size (self->info, piece);

      for (guint i = first_file_of_piece (self, piece); i < n_files; i++)
        {
          const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);

          if (f->offset >= end)
            break;
          if (f->offset + f->length > start)
            self->dirty_files[i] = TRUE;
        }
    }
}

/* Resume files are written by a worker: a durable write (fsync) has no
 * place on the main loop. One write per torrent at a time; a newer state
 * waiting for it replaces an older one. */

static void
write_resume_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  ShoalTorrent *self = source;
  GBytes *bytes = data;
  GError *error = NULL;

  gboolean ok = shoal_state_store_save_resume (self->store, self->hash_hex, bytes, &error);

  /* Done with the file, before the main loop hears of it: see
   * _shoal_torrent_write_final_resume(). */
  g_atomic_int_dec_and_test (&self->resume_in_thread);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void start_resume_write (ShoalTorrent *self, GBytes *bytes);

static void
write_resume_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ShoalTorrent *self = SHOAL_TORRENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) next = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Could not save the state of “%s”: %s", shoal_torrent_get_name (self), error->message);
  self->resume_writing = FALSE;
  next = g_steal_pointer (&self->resume_pending);
  if (next != NULL && !self->no_save)
    start_resume_write (self, next);
}

static void
start_resume_write (ShoalTorrent *self,
                    GBytes       *bytes)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, write_resume_done_cb, NULL);

  self->resume_writing = TRUE;
  g_atomic_int_inc (&self->resume_in_thread);
  g_task_set_task_data (task, g_bytes_ref (bytes), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, write_resume_thread);
}

/* Waits (bounded) for the write under way, so that nothing older lands
 * after what comes next. */
static void
wait_resume_writes (ShoalTorrent *self)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_clear_pointer (&self->resume_pending, g_bytes_unref);
  while (self->resume_writing && g_get_monotonic_time () < deadline)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
}

static GBytes *build_resume (ShoalTorrent *self);

void
_shoal_torrent_save_resume (ShoalTorrent *self)
{
  g_autoptr(GBytes) bytes = NULL;

  if (self->resume_final)
    return;
  bytes = build_resume (self);

  if (bytes == NULL)
    return;
  if (self->resume_writing)
    {
      g_clear_pointer (&self->resume_pending, g_bytes_unref);
      self->resume_pending = g_steal_pointer (&bytes);
      return;
    }
  start_resume_write (self, bytes);
}

/**
 * _shoal_torrent_take_final_resume:
 *
 * For shoal_session_save() and the session closing: the state to save
 * now (%NULL when the torrent keeps none), and no write queued after the
 * one under way.
 */
GBytes *
_shoal_torrent_take_final_resume (ShoalTorrent *self,
                                  gboolean      closing)
{
  g_clear_pointer (&self->resume_pending, g_bytes_unref);
  /* Closing: nothing the torrent does after (a check cut short) is
   * saved, or it could land before this state and be overwritten. */
  if (closing)
    self->resume_final = TRUE;
  return build_resume (self);
}

/* How long a final write waits for the worker's write under way. */
#define FINAL_WAIT_US (10 * G_USEC_PER_SEC)

/**
 * _shoal_torrent_write_final_resume:
 * @bytes: from _shoal_torrent_take_final_resume()
 *
 * Writes @bytes durably, after the write under way if there is one (so
 * that nothing older lands last). Called from any thread: the session
 * writes the final states of its torrents in parallel.
 */
void
_shoal_torrent_write_final_resume (ShoalTorrent *self,
                                   GBytes       *bytes)
{
  gint64 deadline = g_get_monotonic_time () + FINAL_WAIT_US;
  g_autoptr(GError) error = NULL;

  while (g_atomic_int_get (&self->resume_in_thread) > 0 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  if (!shoal_state_store_save_resume (self->store, self->hash_hex, bytes, &error))
    g_warning ("Could not save the state of “%s”: %s", shoal_torrent_get_name (self), error->message);
}

static GBytes *
build_resume (ShoalTorrent *self)
{
  g_autoptr(ShoalResumeData) data = NULL;
  const ShoalBitfield *have;
  const guint8 *bits;
  gsize bits_len;
  guint n_files = self->info != NULL ? shoal_metainfo_get_n_files (self->info) : 0;
  gint64 seeded = self->seeding_seconds;
  gboolean unverified;

  self->last_resume_save_us = g_get_monotonic_time ();
  self->resume_unsaved = FALSE;
  /* A magnet link is kept as its .magnet file until the metadata arrives. */
  if (self->no_save || self->info == NULL)
    return NULL;

  /* Stats are taken now, after every write that completed; files with
   * writes in flight (or about to start) are marked dirty. Every save does
   * this, not only the periodic one: a save at completion or on close
   * must not leave files dirty that no write is touching any more. */
  recompute_dirty (self);
  g_clear_pointer (&self->file_stats, g_array_unref);
  self->file_stats = shoal_storage_get_file_stats (self->storage);
  have = shoal_piece_picker_get_have (self->picker);
  bits = shoal_bitfield_get_bytes (have, &bits_len);
  if (self->seeding_started_us)
    seeded += (g_get_monotonic_time () - self->seeding_started_us) / G_USEC_PER_SEC;

  /* A check still to come or cut short (a pause, a quit, a kill) has not
   * vouched for the pieces recorded as had: leaving the file stats out
   * makes the next start check everything, instead of trusting them
   * against files that match only because they were read now. The check
   * runs once more at worst. */
  unverified = self->needs_check ||
               (self->state == SHOAL_TORRENT_STATE_CHECKING && self->check_progress < 1.0);

  data = shoal_resume_data_new ();
  data->has_added_time = TRUE;
  data->added_time = self->added_time;
  data->completed_time = self->completed_time;
  data->download_limit = (gint64) self->down_limit.limit;
  for (guint i = 0; i < n_files; i++)
    if (self->dirty_files[i])
      g_array_append_val (data->dirty_files, i);
  data->downloaded = (gint64) self->downloaded;
  data->file_priorities = g_array_sized_new (FALSE, FALSE, 1, n_files);
  g_array_append_vals (data->file_priorities, self->file_priorities, n_files);
  data->file_stats = g_array_sized_new (FALSE, FALSE, sizeof (ShoalResumeFileStat), self->file_stats->len);
  for (guint i = 0; !unverified && i < self->file_stats->len; i++)
    {
      const ShoalStorageFileStat *st = &g_array_index (self->file_stats, ShoalStorageFileStat, i);
      ShoalResumeFileStat saved = { st->exists, (gint64) st->size, st->mtime_ns };

      g_array_append_val (data->file_stats, saved);
    }
  data->have = g_bytes_new (bits, bits_len);
  data->paused = self->paused || self->state == SHOAL_TORRENT_STATE_FINISHED;
  data->save_dir = g_strdup (self->save_dir);
  data->seeding_seconds = seeded;
  data->sequential = self->sequential;
  data->labels = g_strdupv (self->labels);
  data->trackers = shoal_announcer_dup_tiers (self->announcer);
  data->upload_limit = (gint64) self->up_limit.limit;
  data->uploaded = (gint64) self->uploaded;
  data->queue_position = self->queue_position;
  data->seed_ratio_milli = self->seed_ratio_own ? (gint64) (MAX (self->seed_ratio_limit, 0.0) * 1000.0 + 0.5) : -1;
  data->seed_time_limit = self->seed_time_own ? MAX (self->seed_time_limit, 0) : -1;
  data->seed_idle_limit = self->seed_idle_own ? MAX (self->seed_idle_limit, 0) : -1;
  data->max_peers = (gint) MIN (self->max_connections_own, (guint) G_MAXINT);
  data->first_last_pieces = self->first_last;
  data->stream_piece = self->stream_piece;
  data->final_dir = g_strdup (self->final_dir);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *rel = shoal_storage_dup_file_rel_path (self->storage, i);

      if (strcmp (rel, shoal_metainfo_get_file (self->info, i)->path) != 0)
        {
          data->file_paths = shoal_storage_dup_rel_paths (self->storage);
          break;
        }
    }
  return shoal_resume_data_to_bytes (data);
}

/* Marks in @check the pieces that overlap @file. */
static void
mark_file_pieces (ShoalTorrent  *self,
                  guint          file_index,
                  ShoalBitfield *check,
                  gboolean       only_missing)
{
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, file_index);
  guint64 pl = shoal_metainfo_get_piece_length (self->info);

  if (f->length == 0)
    return;
  for (guint64 p = f->offset / pl; p <= (f->offset + f->length - 1) / pl; p++)
    if (!only_missing || !shoal_piece_picker_has_piece (self->picker, (guint) p))
      shoal_bitfield_set (check, (guint) p, TRUE);
}

static gboolean
file_has_had_piece (ShoalTorrent *self,
                    guint         file_index)
{
  const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, file_index);
  guint64 pl = shoal_metainfo_get_piece_length (self->info);

  if (f->length == 0 || (f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0)
    return FALSE;
  for (guint64 p = f->offset / pl; p <= (f->offset + f->length - 1) / pl; p++)
    if (shoal_piece_picker_has_piece (self->picker, (guint) p))
      return TRUE;
  return FALSE;
}

/**
 * _shoal_torrent_apply_resume:
 * @resume: the torrent's saved state, from its #ShoalStateStore
 *
 * Takes up the saved state. Pieces recorded as had are trusted for files
 * whose size and mtime are unchanged. A changed file that the state marks
 * dirty was being written when we stopped (a crash): its pieces not
 * recorded as had are checked, as long as it still has the size our writes
 * give it. Any other changed file was changed by someone else: every piece
 * of it is checked. State saved for another save directory vouches for
 * none of the files here: they are all checked. See "Resume state" above.
 */
void
_shoal_torrent_apply_resume (ShoalTorrent          *self,
                             const ShoalResumeData *resume)
{
  guint n_files = shoal_metainfo_get_n_files (self->info);
  guint n_pieces = shoal_metainfo_get_n_pieces (self->info);
  g_autoptr(ShoalBitfield) check = NULL;
  g_autoptr(GArray) current = NULL;
  gboolean any_check = FALSE;

  if (resume->has_added_time)
    self->added_time = resume->added_time;
  self->completed_time = resume->completed_time;
  self->downloaded = (guint64) MAX (0, resume->downloaded);
  self->uploaded = (guint64) MAX (0, resume->uploaded);
  self->paused = resume->paused;
  self->sequential = resume->sequential;
  if (resume->labels != NULL && resume->labels[0] != NULL)
    {
      g_strfreev (self->labels);
      self->labels = g_strdupv (resume->labels);
    }
  self->seeding_seconds = MAX (0, resume->seeding_seconds);
  shoal_piece_picker_set_sequential (self->picker, self->sequential);
  shoal_rate_limit_set_limit (&self->down_limit, (guint64) MAX (0, resume->download_limit));
  shoal_rate_limit_set_limit (&self->up_limit, (guint64) MAX (0, resume->upload_limit));
  self->queue_position = resume->queue_position;
  if (resume->seed_ratio_milli >= 0)
    {
      self->seed_ratio_own = TRUE;
      self->seed_ratio_limit = (double) resume->seed_ratio_milli / 1000.0;
    }
  if (resume->seed_time_limit >= 0)
    {
      self->seed_time_own = TRUE;
      self->seed_time_limit = resume->seed_time_limit;
    }
  if (resume->seed_idle_limit >= 0)
    {
      self->seed_idle_own = TRUE;
      self->seed_idle_limit = resume->seed_idle_limit;
    }
  if (resume->max_peers > 0)
    {
      self->max_connections_own = (guint) resume->max_peers;
      self->max_connections = (guint) resume->max_peers;
    }
  self->first_last = resume->first_last_pieces;
  self->stream_piece = resume->stream_piece < shoal_metainfo_get_n_pieces (self->info) ? resume->stream_piece : -1;
  g_free (self->final_dir);
  self->final_dir = g_strdup (resume->final_dir);
  if (resume->file_paths != NULL &&
      !shoal_storage_set_rel_paths (self->storage, (const char * const *) resume->file_paths))
    g_message ("Torrent “%s”: ignoring the saved names of renamed files (not one valid path per file)",
               shoal_torrent_get_name (self));

  if (resume->file_priorities != NULL && resume->file_priorities->len == n_files)
    memcpy (self->file_priorities, resume->file_priorities->data, n_files);

  if (resume->trackers != NULL)
    shoal_announcer_set_tiers (self->announcer, resume->trackers);

  /* Pieces had, trusted only as far as the files allow; and not at all
   * when they were had in another directory, whatever is here now. */
  if (g_strcmp0 (resume->save_dir, self->save_dir) != 0)
    {
      g_debug ("Torrent %s: the resume data was saved for another directory (%s): checking the files in %s",
               self->hash_hex, resume->save_dir ? resume->save_dir : "none", self->save_dir);
      g_clear_pointer (&self->file_stats, g_array_unref);
      self->file_stats = shoal_storage_get_file_stats (self->storage);
      g_clear_pointer (&self->check_only, shoal_bitfield_free);
      self->needs_check = TRUE;
      return;
    }
  if (resume->have != NULL)
    {
      gsize bits_len;
      const guint8 *bits = g_bytes_get_data (resume->have, &bits_len);
      g_autoptr(ShoalBitfield) have = shoal_bitfield_new_from_bytes (n_pieces, bits, bits_len, NULL);

      if (have != NULL)
        for (gint p = shoal_bitfield_next_set (have, 0); p >= 0; p = shoal_bitfield_next_set (have, (guint) p + 1))
          shoal_piece_picker_set_have (self->picker, (guint) p);
    }

  for (guint i = 0; i < resume->dirty_files->len; i++)
    if (g_array_index (resume->dirty_files, guint, i) < n_files)
      self->dirty_files[g_array_index (resume->dirty_files, guint, i)] = TRUE;

  check = shoal_bitfield_new (n_pieces);
  current = shoal_storage_get_file_stats (self->storage);
  if (resume->file_stats == NULL || resume->file_stats->len != n_files)
    {
      shoal_bitfield_set_all (check, TRUE);
      any_check = TRUE;
    }
  else
    {
      for (guint i = 0; i < n_files; i++)
        {
          const ShoalStorageFileStat *now = &g_array_index (current, ShoalStorageFileStat, i);
          const ShoalResumeFileStat *then = &g_array_index (resume->file_stats, ShoalResumeFileStat, i);
          gboolean exists = then->exists;
          gint64 size = then->size;
          gboolean changed = exists != now->exists || (exists && (size != (gint64) now->size ||
                                                                   then->mtime_ns != now->mtime_ns));
          gboolean ours;

          /* Missing then and now, but pieces in it are recorded as had:
           * the files were removed under us (the torrent stopped with
           * "files missing"), and the record cannot be trusted. */
          if (!now->exists && file_has_had_piece (self, i))
            changed = TRUE;
          /* Dirty and unchanged: a write in flight at the save may have
           * landed before the file was stat()ed there (its piece not had
           * yet), so unchanged stats prove nothing about its missing
           * pieces. */
          if (!changed)
            {
              guint before = shoal_bitfield_count (check);

              if (self->dirty_files[i] && now->exists)
                mark_file_pieces (self, i, check, TRUE);
              any_check = any_check || shoal_bitfield_count (check) != before;
              continue;
            }
          /* Ours, cut short: what we had not verified yet. Our writes give
           * a file its full length at once (or leave a bigger one as it
           * was): any other size means someone else changed it too.
           * Someone else's: everything in the file. */
          ours = self->dirty_files[i] && now->exists &&
                 (now->size == shoal_metainfo_get_file (self->info, i)->length ||
                  (exists && (gint64) now->size == size));
          mark_file_pieces (self, i, check, ours);
          any_check = TRUE;
        }
    }

  g_clear_pointer (&self->file_stats, g_array_unref);
  self->file_stats = g_steal_pointer (&current);
  self->needs_check = any_check;
  if (any_check)
    self->check_only = g_steal_pointer (&check);
  /* Trusted as it is: the start has nothing new to write (a session of
   * 10,000 torrents would otherwise rewrite, durably, every resume file
   * as it starts). Anything that changes the state later marks it dirty. */
  self->resume_on_disk = !any_check;
}

void
_shoal_torrent_remove_state (ShoalTorrent *self)
{
  self->no_save = TRUE;
  /* A write under way would bring the file back. */
  wait_resume_writes (self);
  shoal_state_store_remove_torrent (self->store, self->hash_hex);
}
