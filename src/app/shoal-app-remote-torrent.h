/* shoal-app-remote-torrent.h: a torrent of a remote session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-app-remote-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_REMOTE_TORRENT (shoal_app_remote_torrent_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAppRemoteTorrent, shoal_app_remote_torrent, SHOAL, APP_REMOTE_TORRENT, GObject)

ShoalAppRemoteTorrent *shoal_app_remote_torrent_new     (ShoalAppRemoteSession *session,
                                                         ShoalRemoteTorrent    *torrent);
ShoalRemoteTorrent    *shoal_app_remote_torrent_get_remote (ShoalAppRemoteTorrent *self);
int                    shoal_app_remote_torrent_get_id  (ShoalAppRemoteTorrent *self);
ShoalAppRemoteSession *shoal_app_remote_torrent_dup_session (ShoalAppRemoteTorrent *self);

G_END_DECLS
