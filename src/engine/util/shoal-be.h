/* shoal-be.h: big-endian (network order) integers in byte buffers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns the engine's one way of reading and writing the big-endian integers
 * of wire formats (peer wire, MSE, UDP trackers, compact addresses). No
 * alignment is assumed. May use: GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline guint16
shoal_be16_read (const guint8 *p)
{
  return (guint16) (((guint16) p[0] << 8) | p[1]);
}

static inline guint32
shoal_be32_read (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline guint64
shoal_be64_read (const guint8 *p)
{
  return ((guint64) shoal_be32_read (p) << 32) | shoal_be32_read (p + 4);
}

static inline void
shoal_be16_write (guint8  *p,
                  guint16  v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static inline void
shoal_be32_write (guint8  *p,
                  guint32  v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

static inline void
shoal_be64_write (guint8  *p,
                  guint64  v)
{
  shoal_be32_write (p, (guint32) (v >> 32));
  shoal_be32_write (p + 4, (guint32) v);
}

G_END_DECLS
