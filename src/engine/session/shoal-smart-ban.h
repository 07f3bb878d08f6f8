/* shoal-smart-ban.h: who sent corrupt data, and which addresses are banned
 *
 * Owns a torrent's strikes (per address, for pieces that failed their hash
 * check), the blocks of failed pieces kept as evidence, and the set of
 * banned addresses. Decides only: the torrent closes connections and tells
 * web seeds. Keyed by address, so blame outlives a connection. May use:
 * util/ (SHA-1).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ShoalSmartBan ShoalSmartBan;

ShoalSmartBan *shoal_smart_ban_new          (guint          max_bad_pieces);
void           shoal_smart_ban_free         (ShoalSmartBan *self);

gboolean       shoal_smart_ban_is_banned    (ShoalSmartBan *self,
                                             const char    *ip);
guint          shoal_smart_ban_get_n_banned (ShoalSmartBan *self);
void           shoal_smart_ban_add          (ShoalSmartBan *self,
                                             const char    *ip);

gboolean       shoal_smart_ban_strike       (ShoalSmartBan *self,
                                             const char    *ip,
                                             guint          n_contributors);
void           shoal_smart_ban_piece_failed (ShoalSmartBan      *self,
                                             guint               piece,
                                             GBytes             *data,
                                             const char * const *block_ips,
                                             guint               n_block_ips);
GPtrArray     *shoal_smart_ban_piece_passed (ShoalSmartBan *self,
                                             guint          piece,
                                             GBytes        *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSmartBan, shoal_smart_ban_free)

G_END_DECLS
