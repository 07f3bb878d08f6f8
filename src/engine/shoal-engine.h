/* shoal-engine.h: the one header front ends include
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-bencode.h"
#include "shoal-hash.h"
#include "shoal-magnet.h"
#include "shoal-metainfo.h"
#include "shoal-announcer.h"
#include "shoal-engine-enums.h"
#include "shoal-peer.h"
#include "shoal-session.h"
#include "shoal-torrent.h"
#include "shoal-torrent-creator.h"
#include "shoal-types.h"
