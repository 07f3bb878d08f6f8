/* shoal-peer-private.h: how the engine creates and updates a ShoalPeer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to session/: the torrent and its web seeds make the ShoalPeer
 * objects front ends read through shoal-peer.h.
 */
#pragma once

#include "shoal-peer.h"

G_BEGIN_DECLS

ShoalPeer      *_shoal_peer_new              (const char     *address,
                                              ShoalPeerFlags  flags);
void            _shoal_peer_update           (ShoalPeer      *self,
                                              const char     *client,
                                              ShoalPeerFlags  flags,
                                              double          progress,
                                              guint64         download_rate,
                                              guint64         upload_rate,
                                              guint64         downloaded,
                                              guint64         uploaded);

G_END_DECLS
