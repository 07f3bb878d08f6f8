/* shoal-app-session.h: the torrents the window shows: this computer's
 * session, or a remote one
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "shoal-app-torrent.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_SESSION (shoal_app_session_get_type ())

G_DECLARE_INTERFACE (ShoalAppSession, shoal_app_session, SHOAL, APP_SESSION, GObject)

/**
 * ShoalAppSessionInterface:
 *
 * What the window asks of a session. The operations report a failure
 * with #ShoalAppSession::failed (a message for a person), not through a
 * callback: the window shows it, whatever asked.
 */
struct _ShoalAppSessionInterface
{
  GTypeInterface parent_iface;

  GListModel   *(*get_torrents)      (ShoalAppSession *self);
  const char   *(*get_title)         (ShoalAppSession *self);
  const char   *(*get_url)           (ShoalAppSession *self);
  guint64       (*get_download_rate) (ShoalAppSession *self);
  guint64       (*get_upload_rate)   (ShoalAppSession *self);
  ShoalSession *(*get_local)         (ShoalAppSession *self);

  void          (*add_link)          (ShoalAppSession *self,
                                      const char      *uri);
  void          (*add_metainfo)      (ShoalAppSession *self,
                                      GBytes          *metainfo);
  void          (*remove)            (ShoalAppSession *self,
                                      ShoalAppTorrent *torrent,
                                      gboolean         delete_data);
  void          (*set_location)      (ShoalAppSession *self,
                                      ShoalAppTorrent *torrent,
                                      const char      *dir);
};

GListModel   *shoal_app_session_get_torrents      (ShoalAppSession *self);
const char   *shoal_app_session_get_title         (ShoalAppSession *self);
const char   *shoal_app_session_get_url           (ShoalAppSession *self);
guint64       shoal_app_session_get_download_rate (ShoalAppSession *self);
guint64       shoal_app_session_get_upload_rate   (ShoalAppSession *self);
ShoalSession *shoal_app_session_get_local         (ShoalAppSession *self);
void          shoal_app_session_add_link          (ShoalAppSession *self,
                                                   const char      *uri);
void          shoal_app_session_add_metainfo      (ShoalAppSession *self,
                                                   GBytes          *metainfo);
void          shoal_app_session_remove            (ShoalAppSession *self,
                                                   ShoalAppTorrent *torrent,
                                                   gboolean         delete_data);
void          shoal_app_session_set_location      (ShoalAppSession *self,
                                                   ShoalAppTorrent *torrent,
                                                   const char      *dir);
void          shoal_app_session_failed            (ShoalAppSession *self,
                                                   const char      *message);

G_END_DECLS
