/* shoal-web-seed.h: downloading pieces from an HTTP server (BEP 19)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "shoal-metainfo.h"
#include "shoal-peer-private.h"
#include "shoal-piece-picker.h"

G_BEGIN_DECLS

/**
 * ShoalWebSeedHooks:
 * @pick: ask the torrent's picker for up to @max blocks for this web seed
 *   (which has every piece); returns how many were written to @out
 * @block: one block arrived (its data not yet verified: the torrent checks
 *   whole pieces); returns FALSE if the torrent no longer wants it
 * @release: a picked block will not be delivered (error, stop): give it back
 *
 * How a web seed talks to its torrent. All calls on the torrent's context.
 */
typedef struct
{
  guint    (*pick)    (gpointer owner, gpointer web_seed, guint max, ShoalBlock *out);
  gboolean (*block)   (gpointer owner, gpointer web_seed, const ShoalBlock *block, const guint8 *data);
  void     (*release) (gpointer owner, gpointer web_seed, const ShoalBlock *block);
} ShoalWebSeedHooks;

#define SHOAL_TYPE_WEB_SEED (shoal_web_seed_get_type ())
G_DECLARE_FINAL_TYPE (ShoalWebSeed, shoal_web_seed, SHOAL, WEB_SEED, GObject)

ShoalWebSeed *shoal_web_seed_new               (SoupSession             *soup,
                                                ShoalMetainfo           *info,
                                                const char              *url,
                                                const ShoalWebSeedHooks *hooks,
                                                gpointer                 owner);
const char   *shoal_web_seed_get_url           (ShoalWebSeed *self);
void          shoal_web_seed_set_timing        (ShoalWebSeed *self,
                                                guint         retry_base_ms,
                                                guint         stall_ms);
void          shoal_web_seed_start             (ShoalWebSeed *self);
void          shoal_web_seed_stop              (ShoalWebSeed *self);
void          shoal_web_seed_tick              (ShoalWebSeed *self,
                                                gint64        now_us);
void          shoal_web_seed_report_bad_piece  (ShoalWebSeed *self,
                                                guint         piece);
gboolean      shoal_web_seed_is_failed         (ShoalWebSeed *self);
ShoalPeer    *shoal_web_seed_get_peer          (ShoalWebSeed *self);

G_END_DECLS
