/* shoal-remote-details.h: the details of a torrent of a remote session
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-app-remote-torrent.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_REMOTE_DETAILS (shoal_remote_details_get_type ())

G_DECLARE_FINAL_TYPE (ShoalRemoteDetails, shoal_remote_details, SHOAL, REMOTE_DETAILS, AdwBin)

ShoalRemoteDetails    *shoal_remote_details_new         (void);
void                   shoal_remote_details_set_torrent (ShoalRemoteDetails    *self,
                                                         ShoalAppRemoteTorrent *torrent);
ShoalAppRemoteTorrent *shoal_remote_details_get_torrent (ShoalRemoteDetails    *self);
GtkWidget             *shoal_remote_details_get_widget  (ShoalRemoteDetails    *self,
                                                         const char            *name);

G_END_DECLS
