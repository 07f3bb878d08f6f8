/* shoal-app-local-session.h: this computer's session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-app-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_LOCAL_SESSION (shoal_app_local_session_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAppLocalSession, shoal_app_local_session, SHOAL, APP_LOCAL_SESSION, GObject)

ShoalAppLocalSession *shoal_app_local_session_new  (ShoalSession         *session);
ShoalAppTorrent      *shoal_app_local_session_find (ShoalAppLocalSession *self,
                                                    ShoalTorrent         *torrent);

G_END_DECLS
