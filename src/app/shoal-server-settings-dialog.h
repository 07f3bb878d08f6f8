/* shoal-server-settings-dialog.h: a server's own settings, edited through
 * its RPC
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-app-remote-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_SERVER_SETTINGS_DIALOG (shoal_server_settings_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalServerSettingsDialog, shoal_server_settings_dialog, SHOAL, SERVER_SETTINGS_DIALOG,
                      AdwPreferencesWindow)

ShoalServerSettingsDialog *shoal_server_settings_dialog_new        (GtkWindow                 *parent,
                                                                    ShoalAppRemoteSession     *session);
gboolean                   shoal_server_settings_dialog_is_busy    (ShoalServerSettingsDialog *self);
const char                *shoal_server_settings_dialog_get_error  (ShoalServerSettingsDialog *self);
GtkWidget                 *shoal_server_settings_dialog_get_widget (ShoalServerSettingsDialog *self,
                                                                    const char                *key);

G_END_DECLS
