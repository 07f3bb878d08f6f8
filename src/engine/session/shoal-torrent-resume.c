/* shoal-torrent-resume.c: a torrent's saved state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "shoal-bencode.h"
#include "shoal-session.h"
#include "shoal-torrent-private.h"

/* Resume state
 *
 * Which files may have been written since the saved state was taken is
 * recorded too ("dirty-files"): before the first write to a file that the
 * saved state calls clean, the state is saved again with that file marked.
 * So on the next start, a file whose mtime changed although the saved state
 * calls it clean was changed by someone else: all its pieces are checked.
 * A dirty file had writes of ours in flight (a crash, a kill -9): only its
 * pieces not recorded as had are checked. Nothing unverified counts, and no
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

  if (g_file_set_contents_full (self->resume_path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, &error))
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
  g_autoptr(GBytes) bytes = build_resume (self);

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
 * _shoal_torrent_save_resume_now:
 *
 * Saves the state before returning, for when the session closes.
 */
void
_shoal_torrent_save_resume_now (ShoalTorrent *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  wait_resume_writes (self);
  bytes = build_resume (self);
  if (bytes == NULL)
    return;
  if (!g_file_set_contents_full (self->resume_path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, &error))
    g_warning ("Could not save the state of “%s”: %s", shoal_torrent_get_name (self), error->message);
}

static GBytes *
build_resume (ShoalTorrent *self)
{
  g_autoptr(ShoalBencodeWriter) w = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) tiers = NULL;
  const ShoalBitfield *have;
  const guint8 *bits;
  gsize bits_len;
  guint n_files = self->info != NULL ? shoal_metainfo_get_n_files (self->info) : 0;
  gint64 seeded = self->seeding_seconds;
  gboolean unverified;

  self->last_resume_save_us = g_get_monotonic_time ();
  self->resume_dirty = FALSE;
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

  w = shoal_bencode_writer_new ();
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "added-time");
  shoal_bencode_writer_integer (w, self->added_time);
  shoal_bencode_writer_cstring (w, "completed-time");
  shoal_bencode_writer_integer (w, self->completed_time);
  shoal_bencode_writer_cstring (w, "download-limit");
  shoal_bencode_writer_integer (w, (gint64) self->down_limit.limit);
  shoal_bencode_writer_cstring (w, "dirty-files");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; i < n_files; i++)
    if (self->dirty_files[i])
      shoal_bencode_writer_integer (w, i);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "downloaded");
  shoal_bencode_writer_integer (w, (gint64) self->downloaded);
  shoal_bencode_writer_cstring (w, "file-priorities");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; i < n_files; i++)
    shoal_bencode_writer_integer (w, self->file_priorities[i]);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "file-stats");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; !unverified && i < self->file_stats->len; i++)
    {
      const ShoalStorageFileStat *st = &g_array_index (self->file_stats, ShoalStorageFileStat, i);

      shoal_bencode_writer_begin_list (w);
      shoal_bencode_writer_integer (w, st->exists);
      shoal_bencode_writer_integer (w, (gint64) st->size);
      shoal_bencode_writer_integer (w, st->mtime_ns);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "have");
  shoal_bencode_writer_string (w, bits, bits_len);
  shoal_bencode_writer_cstring (w, "paused");
  shoal_bencode_writer_integer (w, self->paused || self->state == SHOAL_TORRENT_STATE_FINISHED);
  shoal_bencode_writer_cstring (w, "save-dir");
  shoal_bencode_writer_cstring (w, self->save_dir);
  shoal_bencode_writer_cstring (w, "seeding-seconds");
  shoal_bencode_writer_integer (w, seeded);
  shoal_bencode_writer_cstring (w, "sequential");
  shoal_bencode_writer_integer (w, self->sequential);
  shoal_bencode_writer_cstring (w, "trackers");
  shoal_bencode_writer_begin_list (w);
  tiers = shoal_announcer_dup_tiers (self->announcer);
  for (guint t = 0; tiers != NULL && t < tiers->len; t++)
    {
      const char * const *tier = tiers->pdata[t];

      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; tier[i] != NULL; i++)
        shoal_bencode_writer_cstring (w, tier[i]);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "upload-limit");
  shoal_bencode_writer_integer (w, (gint64) self->up_limit.limit);
  shoal_bencode_writer_cstring (w, "uploaded");
  shoal_bencode_writer_integer (w, (gint64) self->uploaded);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);
  return g_steal_pointer (&bytes);
}

static gint64
dict_int (const ShoalBencodeNode *dict,
          const char             *key,
          gint64                  fallback)
{
  const ShoalBencodeNode *n = shoal_bencode_node_dict_lookup (dict, key);

  return shoal_bencode_node_is (n, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (n) : fallback;
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
 * _shoal_torrent_load_resume:
 *
 * Reads the saved state. Pieces recorded as had are trusted for files whose
 * size and mtime are unchanged. A changed file that the state marks dirty
 * was being written when we stopped (a crash): its pieces not recorded as
 * had are checked, as long as it still has the size our writes give it.
 * Any other changed file was changed by someone else: every piece of it is
 * checked. State saved for another save directory vouches for none of the
 * files here: they are all checked. See "Resume state" above.
 */
gboolean
_shoal_torrent_load_resume (ShoalTorrent  *self,
                            GError       **error)
{
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(ShoalBencode) doc = NULL;
  const ShoalBencodeNode *root, *n;
  guint n_files = shoal_metainfo_get_n_files (self->info);
  guint n_pieces = shoal_metainfo_get_n_pieces (self->info);
  g_autoptr(ShoalBitfield) check = NULL;
  g_autoptr(GArray) current = NULL;
  g_autofree char *saved_dir = NULL;
  gboolean any_check = FALSE;

  if (!g_file_get_contents (self->resume_path, &contents, &len, error))
    return FALSE;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  doc = shoal_bencode_parse (bytes, error);
  if (doc == NULL)
    return FALSE;
  root = shoal_bencode_get_root (doc);
  if (!shoal_bencode_node_is (root, SHOAL_BENCODE_DICT))
    {
      g_set_error (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_STATE, "Resume data is not a dictionary");
      return FALSE;
    }

  self->added_time = dict_int (root, "added-time", self->added_time);
  self->completed_time = dict_int (root, "completed-time", 0);
  self->downloaded = (guint64) MAX (0, dict_int (root, "downloaded", 0));
  self->uploaded = (guint64) MAX (0, dict_int (root, "uploaded", 0));
  self->paused = dict_int (root, "paused", 0) != 0;
  self->sequential = dict_int (root, "sequential", 0) != 0;
  self->seeding_seconds = MAX (0, dict_int (root, "seeding-seconds", 0));
  shoal_piece_picker_set_sequential (self->picker, self->sequential);
  shoal_rate_limit_set_limit (&self->down_limit, (guint64) MAX (0, dict_int (root, "download-limit", 0)));
  shoal_rate_limit_set_limit (&self->up_limit, (guint64) MAX (0, dict_int (root, "upload-limit", 0)));

  n = shoal_bencode_node_dict_lookup (root, "file-priorities");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST) && shoal_bencode_node_get_n_children (n) == n_files)
    {
      guint i = 0;

      for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c), i++)
        {
          gint64 prio = shoal_bencode_node_is (c, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (c) : 4;

          self->file_priorities[i] = (guint8) CLAMP (prio, 0, 7);
        }
    }

  n = shoal_bencode_node_dict_lookup (root, "trackers");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST) && shoal_bencode_node_get_n_children (n) > 0)
    {
      g_autoptr(GPtrArray) tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

      for (const ShoalBencodeNode *t = shoal_bencode_node_get_first (n); t; t = shoal_bencode_node_get_next (t))
        {
          g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

          if (!shoal_bencode_node_is (t, SHOAL_BENCODE_LIST))
            continue;
          for (const ShoalBencodeNode *u = shoal_bencode_node_get_first (t); u; u = shoal_bencode_node_get_next (u))
            if (shoal_bencode_node_is (u, SHOAL_BENCODE_STRING))
              {
                g_autofree char *url = shoal_bencode_node_dup_string (u);

                if (g_utf8_validate (url, -1, NULL))
                  g_strv_builder_add (b, url);
              }
          g_ptr_array_add (tiers, g_strv_builder_end (b));
        }
      shoal_announcer_set_tiers (self->announcer, tiers);
    }

  /* Pieces had, trusted only as far as the files allow; and not at all
   * when they were had in another directory, whatever is here now. */
  n = shoal_bencode_node_dict_lookup (root, "save-dir");
  saved_dir = shoal_bencode_node_is (n, SHOAL_BENCODE_STRING) ? shoal_bencode_node_dup_string (n) : NULL;
  if (g_strcmp0 (saved_dir, self->save_dir) != 0)
    {
      g_debug ("Torrent %s: the resume data was saved for another directory (%s): checking the files in %s",
               self->hash_hex, saved_dir ? saved_dir : "none", self->save_dir);
      g_clear_pointer (&self->file_stats, g_array_unref);
      self->file_stats = shoal_storage_get_file_stats (self->storage);
      g_clear_pointer (&self->check_only, shoal_bitfield_free);
      self->needs_check = TRUE;
      return TRUE;
    }
  n = shoal_bencode_node_dict_lookup (root, "have");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_STRING))
    {
      gsize bits_len;
      const guint8 *bits = shoal_bencode_node_get_string (n, &bits_len);
      g_autoptr(ShoalBitfield) have = shoal_bitfield_new_from_bytes (n_pieces, bits, bits_len, NULL);

      if (have != NULL)
        for (gint p = shoal_bitfield_next_set (have, 0); p >= 0; p = shoal_bitfield_next_set (have, (guint) p + 1))
          shoal_piece_picker_set_have (self->picker, (guint) p);
    }

  n = shoal_bencode_node_dict_lookup (root, "dirty-files");
  if (shoal_bencode_node_is (n, SHOAL_BENCODE_LIST))
    for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c))
      if (shoal_bencode_node_is (c, SHOAL_BENCODE_INTEGER) && shoal_bencode_node_get_integer (c) >= 0 &&
          shoal_bencode_node_get_integer (c) < n_files)
        self->dirty_files[shoal_bencode_node_get_integer (c)] = TRUE;

  check = shoal_bitfield_new (n_pieces);
  current = shoal_storage_get_file_stats (self->storage);
  n = shoal_bencode_node_dict_lookup (root, "file-stats");
  if (!shoal_bencode_node_is (n, SHOAL_BENCODE_LIST) || shoal_bencode_node_get_n_children (n) != n_files)
    {
      shoal_bitfield_set_all (check, TRUE);
      any_check = TRUE;
    }
  else
    {
      guint i = 0;

      for (const ShoalBencodeNode *c = shoal_bencode_node_get_first (n); c; c = shoal_bencode_node_get_next (c), i++)
        {
          const ShoalStorageFileStat *now = &g_array_index (current, ShoalStorageFileStat, i);
          const ShoalBencodeNode *e = shoal_bencode_node_get_first (c);
          const ShoalBencodeNode *s = e ? shoal_bencode_node_get_next (e) : NULL;
          const ShoalBencodeNode *m = s ? shoal_bencode_node_get_next (s) : NULL;
          gboolean exists = shoal_bencode_node_is (e, SHOAL_BENCODE_INTEGER) && shoal_bencode_node_get_integer (e);
          gint64 size = shoal_bencode_node_is (s, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (s) : -1;
          gint64 mtime = shoal_bencode_node_is (m, SHOAL_BENCODE_INTEGER) ? shoal_bencode_node_get_integer (m) : -1;

          gboolean changed = exists != now->exists || (exists && (size != (gint64) now->size ||
                                                                   mtime != now->mtime_ns));
          gboolean ours;

          /* Missing then and now, but pieces in it are recorded as had:
           * the files were removed under us (the torrent stopped with
           * "files missing"), and the record cannot be trusted. */
          if (!now->exists && file_has_had_piece (self, i))
            changed = TRUE;

          if (!changed)
            continue;
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
  return TRUE;
}

void
_shoal_torrent_remove_state (ShoalTorrent *self)
{
  g_autofree char *parts = g_strdup_printf ("%s/torrents/%s.parts", shoal_session_get_state_dir (self->session), self->hash_hex);
  g_autofree char *magnet = g_strdup_printf ("%s/torrents/%s.magnet", shoal_session_get_state_dir (self->session), self->hash_hex);

  self->no_save = TRUE;
  /* A write under way would bring the file back. */
  wait_resume_writes (self);
  g_unlink (magnet);
  g_unlink (self->resume_path);
  g_unlink (self->torrent_path);
  g_unlink (parts);
}
