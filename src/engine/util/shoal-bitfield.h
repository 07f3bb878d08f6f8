/* shoal-bitfield.h: a set of piece indexes, in the peer-wire bit order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * ShoalBitfield:
 *
 * A fixed-size set of bits, bit 0 being the high bit of the first byte, as
 * in the peer wire protocol's bitfield message. Keeps a count of set bits.
 * Not thread-safe: copy it to hand it to another thread.
 */
typedef struct _ShoalBitfield ShoalBitfield;

ShoalBitfield *shoal_bitfield_new          (guint                n_bits);
ShoalBitfield *shoal_bitfield_new_from_bytes (guint              n_bits,
                                            const guint8        *bytes,
                                            gsize                len,
                                            GError             **error);
ShoalBitfield *shoal_bitfield_copy         (const ShoalBitfield *self);
void           shoal_bitfield_free         (ShoalBitfield       *self);

guint          shoal_bitfield_get_size     (const ShoalBitfield *self);
guint          shoal_bitfield_count        (const ShoalBitfield *self);
gboolean       shoal_bitfield_get          (const ShoalBitfield *self,
                                            guint                bit);
void           shoal_bitfield_set          (ShoalBitfield       *self,
                                            guint                bit,
                                            gboolean             value);
void           shoal_bitfield_set_all      (ShoalBitfield       *self,
                                            gboolean             value);
gboolean       shoal_bitfield_is_full      (const ShoalBitfield *self);
gboolean       shoal_bitfield_is_empty     (const ShoalBitfield *self);
const guint8  *shoal_bitfield_get_bytes    (const ShoalBitfield *self,
                                            gsize               *len);
gboolean       shoal_bitfield_equal        (const ShoalBitfield *a,
                                            const ShoalBitfield *b);
gint           shoal_bitfield_next_set     (const ShoalBitfield *self,
                                            guint                from);
gint           shoal_bitfield_next_unset   (const ShoalBitfield *self,
                                            guint                from);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalBitfield, shoal_bitfield_free)

G_END_DECLS
