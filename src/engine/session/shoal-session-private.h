/* shoal-session-private.h: what the engine reads of a session and front ends do not
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Private to session/: declarations that name types of the private
 * subsystems (the DHT), kept out of the public shoal-session.h.
 */
#pragma once

#include "shoal-dht.h"
#include "shoal-session.h"

G_BEGIN_DECLS

ShoalDht     *shoal_session_get_dht            (ShoalSession   *self);

G_END_DECLS
