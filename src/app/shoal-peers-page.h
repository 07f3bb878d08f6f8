/* shoal-peers-page.h: the peers a torrent is connected to
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "shoal-engine.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PEERS_PAGE (shoal_peers_page_get_type ())

G_DECLARE_FINAL_TYPE (ShoalPeersPage, shoal_peers_page, SHOAL, PEERS_PAGE, GtkWidget)

ShoalPeersPage *shoal_peers_page_new          (void);
void            shoal_peers_page_set_torrent  (ShoalPeersPage *self,
                                               ShoalTorrent   *torrent);
char           *shoal_peers_page_format_flags (ShoalPeerFlags  flags,
                                               gboolean        explain);

G_END_DECLS
