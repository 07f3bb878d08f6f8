/* shoal-torrent-accessors.c: what front ends read and set of a torrent:
 * its identity and numbers, trackers, file priorities, limits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-torrent-private.h"

ShoalSession *
shoal_torrent_get_session (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->session;
}

ShoalMetainfo *
shoal_torrent_get_metainfo (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->info;
}

const char *
shoal_torrent_get_name (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  if (self->info == NULL)
    return self->display_name ? self->display_name : self->hash_hex;
  return shoal_metainfo_get_name (self->info);
}

const guint8 *
shoal_torrent_get_info_hash (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->info_hash;
}

const char *
shoal_torrent_get_info_hash_hex (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->hash_hex;
}

const char *
shoal_torrent_get_save_dir (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->save_dir;
}

ShoalTorrentState
shoal_torrent_get_state (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), SHOAL_TORRENT_STATE_ERROR);
  return self->state;
}

const GError *
shoal_torrent_get_error (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->error;
}

static guint64
wanted_size (ShoalTorrent *self)
{
  guint64 total = 0;

  for (guint i = 0; self->info != NULL && i < shoal_metainfo_get_n_files (self->info); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);

      if (!(f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) && self->file_priorities[i] != SHOAL_FILE_PRIORITY_SKIP)
        total += f->length;
    }
  return total;
}

guint64
shoal_torrent_get_size_wanted (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return wanted_size (self);
}

/* Bytes of @file we have verified, counting pieces that overlap it. */
guint64
shoal_torrent_get_file_have (ShoalTorrent *self,
                             guint         file_index)
{
  const ShoalMetainfoFile *f;
  guint64 piece_length, have = 0;
  guint first, last;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  g_return_val_if_fail (file_index < shoal_torrent_get_n_files (self), 0);

  f = shoal_metainfo_get_file (self->info, file_index);
  if (f->length == 0)
    return 0;
  piece_length = shoal_metainfo_get_piece_length (self->info);
  first = (guint) (f->offset / piece_length);
  last = (guint) ((f->offset + f->length - 1) / piece_length);
  for (guint p = first; p <= last; p++)
    {
      guint64 ps, pe, s, e;

      if (!shoal_piece_picker_has_piece (self->picker, p))
        continue;
      ps = (guint64) p * piece_length;
      pe = ps + shoal_metainfo_get_piece_size (self->info, p);
      s = MAX (ps, f->offset);
      e = MIN (pe, f->offset + f->length);
      have += e - s;
    }
  return have;
}

guint64
shoal_torrent_get_have_wanted (ShoalTorrent *self)
{
  guint64 have = 0;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  for (guint i = 0; i < shoal_torrent_get_n_files (self); i++)
    {
      const ShoalMetainfoFile *f = shoal_metainfo_get_file (self->info, i);

      if (!(f->attributes & SHOAL_FILE_ATTRIBUTE_PAD) && self->file_priorities[i] != SHOAL_FILE_PRIORITY_SKIP)
        have += shoal_torrent_get_file_have (self, i);
    }
  return have;
}

double
shoal_torrent_get_progress (ShoalTorrent *self)
{
  guint64 wanted;
  guint n_pieces;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  if (self->info == NULL)
    return 0.0;
  n_pieces = shoal_metainfo_get_n_pieces (self->info);
  /* Cheap for the common case of nothing skipped. */
  if (memchr (self->file_priorities, SHOAL_FILE_PRIORITY_SKIP, shoal_metainfo_get_n_files (self->info)) == NULL)
    return n_pieces ? (double) shoal_piece_picker_get_n_have (self->picker) / n_pieces : 1.0;
  wanted = wanted_size (self);
  return wanted ? (double) shoal_torrent_get_have_wanted (self) / (double) wanted : 1.0;
}

double
shoal_torrent_get_check_progress (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->check_progress;
}

guint64
shoal_torrent_get_downloaded (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->downloaded;
}

guint64
shoal_torrent_get_uploaded (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->uploaded;
}

guint64
shoal_torrent_get_download_rate (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return shoal_rate_get (&self->down_rate, g_get_monotonic_time ());
}

guint64
shoal_torrent_get_upload_rate (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return shoal_rate_get (&self->up_rate, g_get_monotonic_time ());
}

/**
 * shoal_torrent_get_eta:
 * @self: a torrent
 *
 * Returns: seconds until the wanted data is complete at the current rate,
 *   0 when complete, -1 when unknown
 */
gint64
shoal_torrent_get_eta (ShoalTorrent *self)
{
  guint64 rate, left;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), -1);
  if (self->picker == NULL)
    return -1;
  left = shoal_piece_picker_get_bytes_left (self->picker);
  if (left == 0)
    return 0;
  rate = shoal_torrent_get_download_rate (self);
  if (rate == 0 || self->state != SHOAL_TORRENT_STATE_DOWNLOADING)
    return -1;
  return (gint64) ((left + rate - 1) / rate);
}

double
shoal_torrent_get_ratio (ShoalTorrent *self)
{
  guint64 base;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  /* Data we had before downloading (e.g. we created the torrent) counts as
   * the base for a seeder, like other clients do. */
  base = self->downloaded > 0 ? self->downloaded : wanted_size (self);
  return base ? (double) self->uploaded / (double) base : 0.0;
}

guint
shoal_torrent_get_n_connected (ShoalTorrent *self)
{
  guint n = 0;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  for (guint i = 0; i < self->connections->len; i++)
    if (shoal_peer_connection_get_state (self->connections->pdata[i]) == SHOAL_PEER_CONNECTION_ACTIVE)
      n++;
  return n;
}

guint
shoal_torrent_get_n_seeds (ShoalTorrent *self)
{
  guint n = 0;

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  for (guint i = 0; i < self->connections->len; i++)
    {
      ShoalPeerConnection *c = self->connections->pdata[i];

      if (shoal_peer_connection_get_state (c) == SHOAL_PEER_CONNECTION_ACTIVE &&
          shoal_peer_connection_peer_has_all (c))
        n++;
    }
  return n;
}

gint64
shoal_torrent_get_added_time (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->added_time;
}

gint64
shoal_torrent_get_completed_time (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->completed_time;
}

/**
 * shoal_torrent_get_pieces:
 * @self: a torrent
 *
 * Returns: (nullable): the pieces we have; %NULL while a magnet link is
 *   still fetching its metadata
 */
const ShoalBitfield *
shoal_torrent_get_pieces (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  if (self->picker == NULL)
    return NULL;
  return shoal_piece_picker_get_have (self->picker);
}

guint
shoal_torrent_get_piece_availability (ShoalTorrent *self,
                                      guint         piece)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  if (self->picker == NULL)
    return 0;
  return shoal_piece_picker_get_availability (self->picker, piece);
}

gboolean
shoal_torrent_is_piece_downloading (ShoalTorrent *self,
                                    guint         piece)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  return g_hash_table_contains (self->buffers, GUINT_TO_POINTER (piece));
}

GListModel *
shoal_torrent_get_peers (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return G_LIST_MODEL (self->peers);
}

GListModel *
shoal_torrent_get_trackers (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return shoal_announcer_get_trackers (self->announcer);
}

/**
 * shoal_torrent_add_tracker:
 * @self: a torrent
 * @url: the announce URL
 * @tier: the tier to add it to (at its end); may be a new tier
 * @error: return location for a #GError (%SHOAL_ANNOUNCER_ERROR)
 *
 * Adds a tracker to the torrent's list (shown by
 * shoal_torrent_get_trackers()) and keeps it in the resume state.
 *
 * Returns: %TRUE if added; %FALSE if @url is not a URL or already listed
 */
gboolean
shoal_torrent_add_tracker (ShoalTorrent  *self,
                           const char    *url,
                           guint          tier,
                           GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (!shoal_announcer_add_tracker (self->announcer, url, tier, error))
    return FALSE;
  _shoal_torrent_mark_dirty (self);
  return TRUE;
}

/**
 * shoal_torrent_remove_tracker:
 * @self: a torrent
 * @url: the announce URL of a tracker of the torrent
 *
 * Removes a tracker (sending it a `stopped` event if it was told we
 * started) and forgets it in the resume state.
 *
 * Returns: %TRUE if removed; %FALSE if no tracker has that URL
 */
gboolean
shoal_torrent_remove_tracker (ShoalTorrent *self,
                              const char   *url)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (!shoal_announcer_remove_tracker (self->announcer, url))
    return FALSE;
  _shoal_torrent_mark_dirty (self);
  return TRUE;
}

/**
 * shoal_torrent_replace_tracker:
 * @self: a torrent
 * @old_url: the announce URL of a tracker of the torrent
 * @new_url: the URL to use instead, in the same tier and position
 * @error: return location for a #GError (%SHOAL_ANNOUNCER_ERROR)
 *
 * Edits a tracker's URL, for example to fix a typo or switch to https.
 *
 * Returns: %TRUE if replaced; %FALSE if @old_url is not listed, or
 *   @new_url is not a URL or already listed
 */
gboolean
shoal_torrent_replace_tracker (ShoalTorrent  *self,
                               const char    *old_url,
                               const char    *new_url,
                               GError       **error)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (old_url != NULL, FALSE);
  g_return_val_if_fail (new_url != NULL, FALSE);

  if (!shoal_announcer_replace_tracker (self->announcer, old_url, new_url, error))
    return FALSE;
  _shoal_torrent_mark_dirty (self);
  return TRUE;
}

guint
shoal_torrent_get_n_files (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  if (self->info == NULL)
    return 0;
  return shoal_metainfo_get_n_files (self->info);
}

ShoalFilePriority
shoal_torrent_get_file_priority (ShoalTorrent *self,
                                 guint         file_index)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), SHOAL_FILE_PRIORITY_NORMAL);
  g_return_val_if_fail (file_index < shoal_torrent_get_n_files (self), SHOAL_FILE_PRIORITY_NORMAL);
  return self->file_priorities[file_index];
}

void
_shoal_torrent_apply_priorities (ShoalTorrent *self)
{
  guint n_files = shoal_metainfo_get_n_files (self->info);

  shoal_piece_picker_set_file_priorities (self->picker, self->info, self->file_priorities, n_files);
  for (guint i = 0; i < n_files; i++)
    shoal_storage_set_file_skipped (self->storage, i, self->file_priorities[i] == SHOAL_FILE_PRIORITY_SKIP);
  _shoal_torrent_apply_piece_priorities (self);
}

static void
apply_skipped_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ShoalTorrent) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_storage_apply_skipped_finish (SHOAL_STORAGE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _shoal_torrent_set_error (self, error);
}

/**
 * shoal_torrent_set_file_priority:
 * @self: a torrent
 * @file_index: which file
 * @priority: its new priority; %SHOAL_FILE_PRIORITY_SKIP stops downloading it
 *
 * Takes effect at once: the picker stops or starts picking its pieces.
 */
void
shoal_torrent_set_file_priority (ShoalTorrent      *self,
                                 guint              file_index,
                                 ShoalFilePriority  priority)
{
  gboolean was_complete;

  g_return_if_fail (SHOAL_IS_TORRENT (self));
  g_return_if_fail (file_index < shoal_torrent_get_n_files (self));

  if (self->file_priorities[file_index] == (guint8) priority)
    return;
  was_complete = shoal_piece_picker_is_complete (self->picker);
  self->file_priorities[file_index] = (guint8) priority;
  _shoal_torrent_apply_priorities (self);
  shoal_storage_apply_skipped_async (self->storage, self->cancellable, apply_skipped_cb, g_object_ref (self));
  _shoal_torrent_mark_dirty (self);

  if (_shoal_torrent_is_active (self))
    {
      if (was_complete && !shoal_piece_picker_is_complete (self->picker))
        {
          _shoal_torrent_set_state (self, SHOAL_TORRENT_STATE_DOWNLOADING);
          shoal_announcer_set_want_peers (self->announcer, TRUE);
          _shoal_torrent_start_web_seeds (self);
        }
      else if (!was_complete && shoal_piece_picker_is_complete (self->picker))
        _shoal_torrent_become_active (self);
      _shoal_torrent_update_interest (self);
      _shoal_torrent_fill_all_requests (self);
    }
  _shoal_torrent_notify_progress (self);
}

gboolean
shoal_torrent_get_sequential (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), FALSE);
  return self->sequential;
}

void
shoal_torrent_set_sequential (ShoalTorrent *self,
                              gboolean      sequential)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  if (self->sequential == !!sequential)
    return;
  self->sequential = !!sequential;
  if (self->picker != NULL)
    shoal_piece_picker_set_sequential (self->picker, self->sequential);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_notify_sequential (self);
}

/**
 * shoal_torrent_get_labels:
 * @self: a torrent
 *
 * Returns: (transfer none): the torrent's labels, an empty array for none
 */
const char * const *
shoal_torrent_get_labels (ShoalTorrent *self)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (SHOAL_IS_TORRENT (self), NULL);
  return self->labels != NULL ? (const char * const *) self->labels : none;
}

/**
 * shoal_torrent_set_labels:
 * @self: a torrent
 * @labels: (nullable) (array zero-terminated=1): the new labels; %NULL or
 *   empty for none
 *
 * Replaces the torrent's labels, which are kept in its resume data. Each
 * is trimmed of whitespace and cut to SHOAL_TORRENT_MAX_LABEL_LEN bytes;
 * then empty labels, repeated ones and any that is not UTF-8 are left out,
 * and at most SHOAL_TORRENT_MAX_LABELS are kept.
 */
void
shoal_torrent_set_labels (ShoalTorrent       *self,
                          const char * const *labels)
{
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) cleaned = NULL;

  g_return_if_fail (SHOAL_IS_TORRENT (self));

  /* Trimmed and cut first, so that " a" and "a" are one label. */
  for (guint i = 0; labels != NULL && labels[i] != NULL && kept->len < SHOAL_TORRENT_MAX_LABELS; i++)
    {
      g_autofree char *trimmed = NULL;
      g_autofree char *label = NULL;
      gboolean seen = FALSE;

      if (!g_utf8_validate (labels[i], -1, NULL))
        continue;
      trimmed = g_strstrip (g_strdup (labels[i]));
      label = g_utf8_make_valid (trimmed, MIN (strlen (trimmed), SHOAL_TORRENT_MAX_LABEL_LEN));
      g_strchomp (label);
      if (*label == '\0')
        continue;
      for (guint j = 0; j < kept->len && !seen; j++)
        seen = strcmp (kept->pdata[j], label) == 0;
      if (!seen)
        g_ptr_array_add (kept, g_steal_pointer (&label));
    }
  g_ptr_array_add (kept, NULL);
  cleaned = (GStrv) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
  if (g_strv_equal ((const char * const *) cleaned, shoal_torrent_get_labels (self)))
    return;
  g_strfreev (self->labels);
  self->labels = g_steal_pointer (&cleaned);
  _shoal_torrent_mark_dirty (self);
  _shoal_torrent_save_resume (self);
  /* Until its metadata arrives, a magnet's labels live in its .magnet file. */
  if (self->info == NULL && self->magnet != NULL && !self->no_save && self->store != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!shoal_state_store_save_magnet_with_labels (self->store, self->hash_hex, self->magnet, self->save_dir,
                                                      (const char * const *) self->labels, &error))
        g_warning ("Could not save the labels of “%s”: %s", shoal_torrent_get_name (self), error->message);
    }
  _shoal_torrent_notify_labels (self);
}

void
shoal_torrent_set_download_limit (ShoalTorrent *self,
                                  guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  shoal_rate_limit_set_limit (&self->down_limit, bytes_per_second);
  _shoal_torrent_mark_dirty (self);
}

void
shoal_torrent_set_upload_limit (ShoalTorrent *self,
                                guint64       bytes_per_second)
{
  g_return_if_fail (SHOAL_IS_TORRENT (self));
  shoal_rate_limit_set_limit (&self->up_limit, bytes_per_second);
  _shoal_torrent_mark_dirty (self);
}

guint64
shoal_torrent_get_download_limit (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->down_limit.limit;
}

guint64
shoal_torrent_get_upload_limit (ShoalTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT (self), 0);
  return self->up_limit.limit;
}
