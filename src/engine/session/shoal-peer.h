/* shoal-peer.h: what the user sees of one peer of a torrent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-types.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PEER (shoal_peer_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPeer, shoal_peer, SHOAL, PEER, GObject)

const char     *shoal_peer_get_address       (ShoalPeer *self);
const char     *shoal_peer_get_client        (ShoalPeer *self);
ShoalPeerFlags  shoal_peer_get_flags         (ShoalPeer *self);
double          shoal_peer_get_progress      (ShoalPeer *self);
guint64         shoal_peer_get_download_rate (ShoalPeer *self);
guint64         shoal_peer_get_upload_rate   (ShoalPeer *self);
guint64         shoal_peer_get_downloaded    (ShoalPeer *self);
guint64         shoal_peer_get_uploaded      (ShoalPeer *self);

G_END_DECLS
