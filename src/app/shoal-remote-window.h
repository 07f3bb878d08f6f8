/* shoal-remote-window.h: a window on a remote session (Connect to Server…)
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <shoal-engine.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_REMOTE_WINDOW (shoal_remote_window_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRemoteWindow, shoal_remote_window, SHOAL, REMOTE_WINDOW, AdwApplicationWindow)

ShoalRemoteWindow  *shoal_remote_window_new            (GtkApplication    *application,
                                                        ShoalRpcClient    *client);
ShoalRpcClient     *shoal_remote_window_get_client     (ShoalRemoteWindow *self);
GtkSingleSelection *shoal_remote_window_get_selection  (ShoalRemoteWindow *self);

void                shoal_remote_window_connect_dialog (GtkWindow         *parent);

G_END_DECLS
