/* shoal-background.h: running without a window and starting at login,
 * through the Background portal
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_BACKGROUND (shoal_background_get_type ())

G_DECLARE_FINAL_TYPE (ShoalBackground, shoal_background, SHOAL, BACKGROUND, GObject)

ShoalBackground *shoal_background_new            (void);
void             shoal_background_request_async  (ShoalBackground     *self,
                                                  GtkWindow           *parent,
                                                  gboolean             autostart,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean         shoal_background_request_finish (ShoalBackground     *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
guint            shoal_background_get_n_requests (ShoalBackground     *self);

G_END_DECLS
