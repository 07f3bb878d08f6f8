/* shoal-peer.h: what the user sees of one peer of a torrent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

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

/* Engine side */
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
