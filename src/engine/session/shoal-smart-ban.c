/* shoal-smart-ban.c: who sent corrupt data, and which addresses are banned
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "shoal-hash.h"
#include "shoal-piece-picker.h"
#include "shoal-smart-ban.h"

/* Strikes are counted in 60ths of a bad piece: a peer that sent a failed
 * piece alone gets a whole strike, one of n contributors 1/n of one. A bad
 * peer is banned after max_bad_pieces pieces of its own, long before a good
 * peer that happened to share a few pieces with it. Strikes go to the
 * address, connected or not: a peer cannot shed them by hanging up before
 * its piece is checked. */
#define STRIKE_UNIT 60

#define MAX_SUSPECT_PIECES 256

/* A block of a piece that failed its hash check, remembered until the
 * piece passes: if the good data differs, its sender lied. */
typedef struct
{
  guint  block;
  char  *ip;
  guint8 hash[20];
} SuspectBlock;

struct _ShoalSmartBan
{
  guint       max_bad_pieces;
  GHashTable *strikes;  /* ip -> strikes, in STRIKE_UNITs */
  GHashTable *banned;   /* ip set */
  GHashTable *suspects; /* piece -> GPtrArray of SuspectBlock */
};

static void
suspect_block_free (gpointer data)
{
  SuspectBlock *sb = data;

  g_free (sb->ip);
  g_free (sb);
}

/**
 * shoal_smart_ban_new:
 * @max_bad_pieces: failed pieces of its own after which an address is banned
 *
 * Returns: (transfer full): a new, empty record
 */
ShoalSmartBan *
shoal_smart_ban_new (guint max_bad_pieces)
{
  ShoalSmartBan *self = g_new0 (ShoalSmartBan, 1);

  self->max_bad_pieces = max_bad_pieces;
  self->strikes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->banned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->suspects = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  return self;
}

void
shoal_smart_ban_free (ShoalSmartBan *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->strikes);
  g_hash_table_unref (self->banned);
  g_hash_table_unref (self->suspects);
  g_free (self);
}

gboolean
shoal_smart_ban_is_banned (ShoalSmartBan *self,
                           const char    *ip)
{
  return g_hash_table_contains (self->banned, ip);
}

guint
shoal_smart_ban_get_n_banned (ShoalSmartBan *self)
{
  return g_hash_table_size (self->banned);
}

/* Records @ip as banned; the caller closes its connections. */
void
shoal_smart_ban_add (ShoalSmartBan *self,
                     const char    *ip)
{
  g_hash_table_add (self->banned, g_strdup (ip));
}

/**
 * shoal_smart_ban_strike:
 * @self: the record
 * @ip: an address that sent part of a piece that failed its hash check
 * @n_contributors: how many addresses sent parts of it
 *
 * Returns: %TRUE if @ip, not banned yet, must be banned now
 */
gboolean
shoal_smart_ban_strike (ShoalSmartBan *self,
                        const char    *ip,
                        guint          n_contributors)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->strikes, ip)) + STRIKE_UNIT / MAX (n_contributors, 1);

  g_hash_table_replace (self->strikes, g_strdup (ip), GUINT_TO_POINTER (n));
  g_debug ("Peer %s sent part of a piece that failed its hash check (%.1f strikes)",
           ip, n / (double) STRIKE_UNIT);
  return n >= self->max_bad_pieces * STRIKE_UNIT && !g_hash_table_contains (self->banned, ip);
}

/**
 * shoal_smart_ban_piece_failed:
 * @self: the record
 * @piece: a piece that failed its hash check
 * @data: what it held
 * @block_ips: (array length=n_block_ips): per block, the address that sent
 *   it; %NULL or "" for none known (a web seed)
 * @n_block_ips: how many
 *
 * Remembers who sent which block, and what it sent, until the piece passes
 * (for at most MAX_SUSPECT_PIECES pieces at a time).
 */
void
shoal_smart_ban_piece_failed (ShoalSmartBan      *self,
                              guint               piece,
                              GBytes             *data,
                              const char * const *block_ips,
                              guint               n_block_ips)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  guint n_blocks = (guint) ((len + SHOAL_PIECE_PICKER_BLOCK_SIZE - 1) / SHOAL_PIECE_PICKER_BLOCK_SIZE);
  GPtrArray *list;

  if (g_hash_table_size (self->suspects) >= MAX_SUSPECT_PIECES &&
      !g_hash_table_contains (self->suspects, GUINT_TO_POINTER (piece)))
    return;
  list = g_hash_table_lookup (self->suspects, GUINT_TO_POINTER (piece));
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (suspect_block_free);
      g_hash_table_insert (self->suspects, GUINT_TO_POINTER (piece), list);
    }
  for (guint i = 0; i < MIN (n_blocks, n_block_ips) && list->len < 4 * n_blocks; i++)
    {
      const char *ip = block_ips[i];
      SuspectBlock *sb;
      gsize off = (gsize) i * SHOAL_PIECE_PICKER_BLOCK_SIZE;

      /* Whether or not the sender is still connected. */
      if (ip == NULL || ip[0] == '\0')
        continue;
      sb = g_new0 (SuspectBlock, 1);
      sb->block = i;
      sb->ip = g_strdup (ip);
      shoal_sha1 (bytes + off, MIN (SHOAL_PIECE_PICKER_BLOCK_SIZE, len - off), sb->hash);
      g_ptr_array_add (list, sb);
    }
}

/**
 * shoal_smart_ban_piece_passed:
 * @self: the record
 * @piece: a piece that passed its hash check
 * @data: what it holds
 *
 * A piece that once failed passed: whoever sent a block that differs from
 * the good data is proven to have sent corrupt data. Forgets the piece.
 *
 * Returns: (transfer full) (element-type utf8): the addresses to ban, not
 *   banned yet (one may be listed more than once)
 */
GPtrArray *
shoal_smart_ban_piece_passed (ShoalSmartBan *self,
                              guint          piece,
                              GBytes        *data)
{
  GPtrArray *list = g_hash_table_lookup (self->suspects, GUINT_TO_POINTER (piece));
  GPtrArray *guilty = g_ptr_array_new_with_free_func (g_free);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  if (list == NULL)
    return guilty;
  for (guint i = 0; i < list->len; i++)
    {
      SuspectBlock *sb = list->pdata[i];
      gsize off = (gsize) sb->block * SHOAL_PIECE_PICKER_BLOCK_SIZE;
      guint8 hash[20];

      if (off >= len)
        continue;
      shoal_sha1 (bytes + off, MIN (SHOAL_PIECE_PICKER_BLOCK_SIZE, len - off), hash);
      if (memcmp (hash, sb->hash, 20) != 0 && !g_hash_table_contains (self->banned, sb->ip))
        g_ptr_array_add (guilty, g_strdup (sb->ip));
    }
  g_hash_table_remove (self->suspects, GUINT_TO_POINTER (piece));
  return guilty;
}
