/* shoal-bitfield.c: a set of piece indexes, in the peer-wire bit order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-bitfield.h"

G_DEFINE_QUARK (shoal-bitfield-error-quark, shoal_bitfield_error)

struct _ShoalBitfield
{
  guint   n_bits;
  guint   n_set;
  gsize   n_bytes;
  guint8 *bytes;
};

ShoalBitfield *
shoal_bitfield_new (guint n_bits)
{
  ShoalBitfield *self = g_new0 (ShoalBitfield, 1);

  self->n_bits = n_bits;
  self->n_bytes = ((gsize) n_bits + 7) / 8;
  self->bytes = g_malloc0 (MAX (self->n_bytes, 1));
  return self;
}

static guint
popcount_bytes (const guint8 *bytes,
                gsize         len)
{
  guint n = 0;

  for (gsize i = 0; i < len; i++)
    n += (guint) __builtin_popcount (bytes[i]);
  return n;
}

/**
 * shoal_bitfield_new_from_bytes:
 * @n_bits: how many bits the set must hold
 * @bytes: the bytes, as received in a bitfield message or stored on disk
 * @len: their length, which must be exactly ceil(@n_bits / 8)
 * @error: return location for a %SHOAL_BITFIELD_ERROR_INVALID error
 *
 * Spare bits at the end of the last byte must be zero.
 *
 * Returns: (transfer full) (nullable): the bitfield
 */
ShoalBitfield *
shoal_bitfield_new_from_bytes (guint          n_bits,
                               const guint8  *bytes,
                               gsize          len,
                               GError       **error)
{
  g_autoptr(ShoalBitfield) self = NULL;
  guint spare;

  if (len != ((gsize) n_bits + 7) / 8)
    {
      g_set_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID,
                   "Bitfield of %" G_GSIZE_FORMAT " bytes for %u pieces", len, n_bits);
      return NULL;
    }
  spare = (guint) (len * 8 - n_bits);
  if (spare > 0 && (bytes[len - 1] & ((1u << spare) - 1)) != 0)
    {
      g_set_error (error, SHOAL_BITFIELD_ERROR, SHOAL_BITFIELD_ERROR_INVALID,
                   "Bitfield has spare bits set");
      return NULL;
    }

  self = shoal_bitfield_new (n_bits);
  if (len > 0)
    memcpy (self->bytes, bytes, len);
  self->n_set = popcount_bytes (self->bytes, self->n_bytes);
  return g_steal_pointer (&self);
}

ShoalBitfield *
shoal_bitfield_copy (const ShoalBitfield *self)
{
  ShoalBitfield *copy = g_new0 (ShoalBitfield, 1);

  *copy = *self;
  copy->bytes = g_memdup2 (self->bytes, MAX (self->n_bytes, 1));
  return copy;
}

void
shoal_bitfield_free (ShoalBitfield *self)
{
  if (self == NULL)
    return;
  g_free (self->bytes);
  g_free (self);
}

guint
shoal_bitfield_get_size (const ShoalBitfield *self)
{
  return self->n_bits;
}

guint
shoal_bitfield_count (const ShoalBitfield *self)
{
  return self->n_set;
}

gboolean
shoal_bitfield_get (const ShoalBitfield *self,
                    guint                bit)
{
  g_return_val_if_fail (bit < self->n_bits, FALSE);
  return (self->bytes[bit >> 3] & (0x80 >> (bit & 7))) != 0;
}

void
shoal_bitfield_set (ShoalBitfield *self,
                    guint          bit,
                    gboolean       value)
{
  guint8 mask;
  gboolean old;

  g_return_if_fail (bit < self->n_bits);
  mask = 0x80 >> (bit & 7);
  old = (self->bytes[bit >> 3] & mask) != 0;
  if (old == !!value)
    return;
  if (value)
    {
      self->bytes[bit >> 3] |= mask;
      self->n_set++;
    }
  else
    {
      self->bytes[bit >> 3] &= ~mask;
      self->n_set--;
    }
}

void
shoal_bitfield_set_all (ShoalBitfield *self,
                        gboolean       value)
{
  guint spare = (guint) (self->n_bytes * 8 - self->n_bits);

  if (self->n_bytes == 0)
    return;
  memset (self->bytes, value ? 0xff : 0, self->n_bytes);
  if (value && spare > 0)
    self->bytes[self->n_bytes - 1] &= (guint8) (0xff << spare);
  self->n_set = value ? self->n_bits : 0;
}

gboolean
shoal_bitfield_is_full (const ShoalBitfield *self)
{
  return self->n_set == self->n_bits;
}

gboolean
shoal_bitfield_is_empty (const ShoalBitfield *self)
{
  return self->n_set == 0;
}

/**
 * shoal_bitfield_get_bytes:
 * @self: a bitfield
 * @len: (out): ceil(size / 8)
 *
 * Returns: (transfer none): the bytes in peer-wire order, spare bits zero
 */
const guint8 *
shoal_bitfield_get_bytes (const ShoalBitfield *self,
                          gsize               *len)
{
  *len = self->n_bytes;
  return self->bytes;
}

gboolean
shoal_bitfield_equal (const ShoalBitfield *a,
                      const ShoalBitfield *b)
{
  return a->n_bits == b->n_bits && a->n_set == b->n_set &&
         memcmp (a->bytes, b->bytes, a->n_bytes) == 0;
}

static gint
next_with (const ShoalBitfield *self,
           guint                from,
           gboolean             value)
{
  guint8 skip = value ? 0x00 : 0xff;

  for (guint i = from; i < self->n_bits; )
    {
      if ((i & 7) == 0 && self->bytes[i >> 3] == skip)
        {
          i += 8;
          continue;
        }
      if (shoal_bitfield_get (self, i) == value)
        return (gint) i;
      i++;
    }
  return -1;
}

/**
 * shoal_bitfield_next_set:
 * @self: a bitfield
 * @from: the first bit to look at
 *
 * Returns: the index of the first set bit at or after @from, or -1
 */
gint
shoal_bitfield_next_set (const ShoalBitfield *self,
                         guint                from)
{
  return next_with (self, from, TRUE);
}

gint
shoal_bitfield_next_unset (const ShoalBitfield *self,
                           guint                from)
{
  return next_with (self, from, FALSE);
}
