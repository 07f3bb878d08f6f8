/* shoal-rpc-client-private.h: what the RPC client's files share (private to rpc/)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "shoal-remote-torrent.h"
#include "shoal-rpc-client.h"

G_BEGIN_DECLS

ShoalRemoteTorrent *_shoal_remote_torrent_new    (int                 id);
void                _shoal_remote_torrent_update (ShoalRemoteTorrent *self,
                                                  JsonObject         *torrent);

G_END_DECLS
