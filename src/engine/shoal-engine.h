/* shoal-engine.h: the one header front ends include
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's public API: the headers below, listed again as
 * shoal_engine_public_headers in src/engine/meson.build. Each of them
 * refuses to be included on its own outside the engine (it checks
 * SHOAL_ENGINE_INSIDE, defined here, or SHOAL_ENGINE_COMPILATION, which
 * the engine and the tests of its internals are built with). None of them
 * names a libsoup, DHT, MSE, announcer or other private type;
 * tests/check-layering.py checks that they include only each other.
 */
#pragma once

#define SHOAL_ENGINE_INSIDE
# include "shoal-types.h"
# include "shoal-engine-enums.h"
# include "shoal-bitfield.h"
# include "shoal-hash.h"
# include "shoal-metainfo.h"
# include "shoal-magnet.h"
# include "shoal-torrent-creator.h"
# include "shoal-announce-url.h"
# include "shoal-tracker-info.h"
# include "shoal-peer.h"
# include "shoal-torrent.h"
# include "shoal-session.h"
# include "shoal-rpc-server.h"
# include "shoal-remote-torrent.h"
# include "shoal-rpc-client.h"
# include "shoal-feed-item.h"
# include "shoal-feed-rule.h"
# include "shoal-feed.h"
# include "shoal-feed-manager.h"
#undef SHOAL_ENGINE_INSIDE
