/* shoal-choker.c: which peers to unchoke (a pure policy, no sockets)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-choker.h"

typedef struct
{
  const ShoalChokerPeer *peers;
  gboolean               seeding;
} RankContext;

static guint64
rank_rate (const RankContext *ctx,
           guint              i)
{
  return ctx->seeding ? ctx->peers[i].up_rate : ctx->peers[i].down_rate;
}

/* Interested peers first, the fastest first; equal ones keep their order. */
static gint
compare_for_unchoke (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  const RankContext *ctx = user_data;
  guint ia = *(const guint *) a;
  guint ib = *(const guint *) b;
  guint64 ra, rb;

  if (ctx->peers[ia].interested != ctx->peers[ib].interested)
    return ctx->peers[ia].interested ? -1 : 1;
  ra = rank_rate (ctx, ia);
  rb = rank_rate (ctx, ib);
  if (ra != rb)
    return ra < rb ? 1 : -1;
  return ia < ib ? -1 : (ia > ib ? 1 : 0);
}

static guint
random_between (GRand *rand,
                guint  begin,
                guint  end)
{
  gint32 span = (gint32) (end - begin);

  return begin + (guint) (rand != NULL ? g_rand_int_range (rand, 0, span) : g_random_int_range (0, span));
}

/**
 * shoal_choker_run:
 * @peers: (array length=n_peers): the peers; `unchoke` and `optimistic`
 *   are set on return
 * @n_peers: how many
 * @settings: the policy's settings
 * @rand: (nullable): where the optimistic pick comes from; %NULL for
 *   g_random_int_range() (tests pass a seeded one)
 * @order: (out caller-allocates) (array length=n_peers) (optional): the
 *   peers' indices, the interested ones first in the order they rank
 *
 * Downloading, the interested peers that send us the most get the regular
 * slots (tit-for-tat); seeding, those we upload to fastest. One more slot
 * goes to an optimistic unchoke picked at random among the rest: it is kept
 * from round to round unless @settings asks to rotate it or it earned a
 * regular slot. When no more peers are interested than there are slots,
 * all of them are unchoked. Peers not interested are choked; they keep
 * their optimistic flag, so one that becomes interested again before the
 * next rotation gets its slot back.
 *
 * Returns: how many peers are unchoked
 */
guint
shoal_choker_run (ShoalChokerPeer           *peers,
                  guint                      n_peers,
                  const ShoalChokerSettings *settings,
                  GRand                     *rand,
                  guint                     *order)
{
  g_autofree guint *ranked = g_new (guint, MAX (n_peers, 1));
  RankContext ctx = { peers, settings->seeding };
  guint regular = settings->slots > 0 ? settings->slots - 1 : 0;
  guint n_interested = 0;
  guint n_unchoked = 0;
  gint optimistic = -1;

  for (guint i = 0; i < n_peers; i++)
    {
      ranked[i] = i;
      if (!peers[i].interested)
        continue;
      n_interested++;
      if (peers[i].optimistic && !settings->rotate_optimistic)
        optimistic = (gint) i;
    }
  g_qsort_with_data (ranked, (gint) n_peers, sizeof (guint), compare_for_unchoke, &ctx);

  if (optimistic < 0 && n_interested > regular)
    optimistic = (gint) ranked[random_between (rand, regular, n_interested)];
  else if (optimistic >= 0)
    {
      /* Keep it unless it earned a regular slot. */
      for (guint r = 0; r < MIN (regular, n_interested); r++)
        if (ranked[r] == (guint) optimistic)
          optimistic = n_interested > regular
                       ? (gint) ranked[random_between (rand, regular, n_interested)]
                       : -1;
    }

  for (guint r = 0; r < n_interested; r++)
    {
      ShoalChokerPeer *p = &peers[ranked[r]];

      p->optimistic = ranked[r] == (guint) optimistic;
      p->unchoke = r < regular || p->optimistic || n_interested <= settings->slots;
      if (p->unchoke)
        n_unchoked++;
    }
  for (guint r = n_interested; r < n_peers; r++)
    peers[ranked[r]].unchoke = FALSE;

  if (order != NULL)
    memcpy (order, ranked, n_peers * sizeof (guint));
  return n_unchoked;
}
