/* shoal-connect-dialog.h: Connect to Server…
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "shoal-app-remote-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_CONNECT_DIALOG (shoal_connect_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ShoalConnectDialog, shoal_connect_dialog, SHOAL, CONNECT_DIALOG, AdwMessageDialog)

/* Called once connected, with the dialog's parent. */
typedef void (*ShoalConnectedFunc) (GtkWindow             *parent,
                                    ShoalAppRemoteSession *session);

ShoalConnectDialog *shoal_connect_dialog_new          (GtkWindow          *parent,
                                                       const char         *url,
                                                       const char         *user,
                                                       const char         *error_message,
                                                       ShoalConnectedFunc  connected);
GtkEditable        *shoal_connect_dialog_get_entry    (ShoalConnectDialog *self,
                                                       const char         *name);

G_END_DECLS
