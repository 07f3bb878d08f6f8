/* shoal-app-remote-session.h: a remote session (a shoal-daemon, or any
 * Transmission daemon), for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-app-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_APP_REMOTE_SESSION (shoal_app_remote_session_get_type ())

G_DECLARE_FINAL_TYPE (ShoalAppRemoteSession, shoal_app_remote_session, SHOAL, APP_REMOTE_SESSION, GObject)

void                   shoal_app_remote_session_connect_async  (const char          *url,
                                                                const char          *user,
                                                                const char          *password,
                                                                GCancellable        *cancellable,
                                                                GAsyncReadyCallback  callback,
                                                                gpointer             user_data);
ShoalAppRemoteSession *shoal_app_remote_session_connect_finish (GAsyncResult        *result,
                                                                GError             **error);
char                  *shoal_app_remote_session_describe_error (const GError        *error);
ShoalRpcClient        *shoal_app_remote_session_get_client     (ShoalAppRemoteSession *self);
const char            *shoal_app_remote_session_get_user       (ShoalAppRemoteSession *self);
void                   shoal_app_remote_session_call           (ShoalAppRemoteSession *self,
                                                                const char            *method,
                                                                GVariant              *arguments);
void                   shoal_app_remote_session_refresh        (ShoalAppRemoteSession *self);
gboolean               shoal_app_remote_session_is_refreshing  (ShoalAppRemoteSession *self);

G_END_DECLS
