/* shoal-app-torrent.h: a torrent as the window shows and drives it, in
 * this computer's session or in a remote one
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_TORRENT (shoal_app_torrent_get_type ())

G_DECLARE_INTERFACE (ShoalAppTorrent, shoal_app_torrent, SHOAL, APP_TORRENT, GObject)

/**
 * ShoalAppTorrentInterface:
 *
 * The values the list and the details show, and what the actions do.
 * Rates and limits are in bytes per second (a limit of 0 is none), times
 * in seconds since the Unix epoch. An implementation emits
 * #ShoalAppTorrent::changed when any value may have changed.
 */
struct _ShoalAppTorrentInterface
{
  GTypeInterface parent_iface;

  const char         *(*get_name)           (ShoalAppTorrent *self);
  const char         *(*get_hash)           (ShoalAppTorrent *self);
  ShoalTorrentState   (*get_state)          (ShoalAppTorrent *self);
  double              (*get_progress)       (ShoalAppTorrent *self);
  double              (*get_check_progress) (ShoalAppTorrent *self);
  gboolean            (*has_metainfo)       (ShoalAppTorrent *self);
  guint64             (*get_size_wanted)    (ShoalAppTorrent *self);
  guint64             (*get_download_rate)  (ShoalAppTorrent *self);
  guint64             (*get_upload_rate)    (ShoalAppTorrent *self);
  gint64              (*get_eta)            (ShoalAppTorrent *self);
  double              (*get_ratio)          (ShoalAppTorrent *self);
  guint               (*get_n_peers)        (ShoalAppTorrent *self);
  gint64              (*get_added_time)     (ShoalAppTorrent *self);
  const char         *(*get_error_message)  (ShoalAppTorrent *self);
  const char         *(*get_save_dir)       (ShoalAppTorrent *self);
  const char * const *(*get_labels)         (ShoalAppTorrent *self);
  guint64             (*get_download_limit) (ShoalAppTorrent *self);
  guint64             (*get_upload_limit)   (ShoalAppTorrent *self);
  char               *(*dup_magnet)         (ShoalAppTorrent *self);
  ShoalTorrent       *(*get_local)          (ShoalAppTorrent *self);

  void                (*start)              (ShoalAppTorrent *self);
  void                (*stop)               (ShoalAppTorrent *self);
  void                (*verify)             (ShoalAppTorrent *self);
  gboolean            (*reannounce)         (ShoalAppTorrent *self);
  void                (*set_download_limit) (ShoalAppTorrent *self,
                                             guint64          limit);
  void                (*set_upload_limit)   (ShoalAppTorrent *self,
                                             guint64          limit);
  void                (*set_labels)         (ShoalAppTorrent *self,
                                             const char * const *labels);
};

const char         *shoal_app_torrent_get_name           (ShoalAppTorrent *self);
const char         *shoal_app_torrent_get_hash           (ShoalAppTorrent *self);
ShoalTorrentState   shoal_app_torrent_get_state          (ShoalAppTorrent *self);
double              shoal_app_torrent_get_progress       (ShoalAppTorrent *self);
double              shoal_app_torrent_get_check_progress (ShoalAppTorrent *self);
gboolean            shoal_app_torrent_has_metainfo       (ShoalAppTorrent *self);
guint64             shoal_app_torrent_get_size_wanted    (ShoalAppTorrent *self);
guint64             shoal_app_torrent_get_download_rate  (ShoalAppTorrent *self);
guint64             shoal_app_torrent_get_upload_rate    (ShoalAppTorrent *self);
gint64              shoal_app_torrent_get_eta            (ShoalAppTorrent *self);
double              shoal_app_torrent_get_ratio          (ShoalAppTorrent *self);
guint               shoal_app_torrent_get_n_peers        (ShoalAppTorrent *self);
gint64              shoal_app_torrent_get_added_time     (ShoalAppTorrent *self);
const char         *shoal_app_torrent_get_error_message  (ShoalAppTorrent *self);
const char         *shoal_app_torrent_get_save_dir       (ShoalAppTorrent *self);
const char * const *shoal_app_torrent_get_labels         (ShoalAppTorrent *self);
guint64             shoal_app_torrent_get_download_limit (ShoalAppTorrent *self);
guint64             shoal_app_torrent_get_upload_limit   (ShoalAppTorrent *self);
char               *shoal_app_torrent_dup_magnet         (ShoalAppTorrent *self);
ShoalTorrent       *shoal_app_torrent_get_local          (ShoalAppTorrent *self);

void                shoal_app_torrent_start              (ShoalAppTorrent *self);
void                shoal_app_torrent_stop               (ShoalAppTorrent *self);
void                shoal_app_torrent_verify             (ShoalAppTorrent *self);
gboolean            shoal_app_torrent_reannounce         (ShoalAppTorrent *self);
void                shoal_app_torrent_set_download_limit (ShoalAppTorrent *self,
                                                          guint64          limit);
void                shoal_app_torrent_set_upload_limit   (ShoalAppTorrent *self,
                                                          guint64          limit);
void                shoal_app_torrent_set_labels         (ShoalAppTorrent    *self,
                                                          const char * const *labels);
void                shoal_app_torrent_changed            (ShoalAppTorrent *self);

G_END_DECLS
