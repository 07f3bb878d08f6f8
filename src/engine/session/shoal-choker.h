/* shoal-choker.h: which peers to unchoke (a pure policy, no sockets)
 *
 * Owns the choking policy only: peers' rates, interest and optimistic flag
 * and the settings in; who is unchoked, who holds the optimistic slot, and
 * the ranking out. It touches no connection and no clock, so tests drive it
 * with plain numbers. May use: GLib only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* In */
  guint64  down_rate;   /* payload bytes/s the peer sends us */
  guint64  up_rate;     /* payload bytes/s we send it */
  gboolean interested;  /* it wants to download from us */
  gboolean optimistic;  /* it holds the optimistic slot now; also out */

  /* Out */
  gboolean unchoke;
} ShoalChokerPeer;

typedef struct
{
  guint    slots;             /* unchoke slots, the optimistic one included (>= 1) */
  gboolean seeding;           /* rank by our upload rate to them, not theirs to us */
  gboolean rotate_optimistic; /* give the optimistic slot to a new peer */
} ShoalChokerSettings;

guint shoal_choker_run (ShoalChokerPeer           *peers,
                        guint                      n_peers,
                        const ShoalChokerSettings *settings,
                        GRand                     *rand,
                        guint                     *order);

G_END_DECLS
