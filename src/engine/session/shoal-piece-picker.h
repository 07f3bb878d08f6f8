/* shoal-piece-picker.h: which blocks to request from which peer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "shoal-bitfield.h"
#include "shoal-metainfo.h"

G_BEGIN_DECLS

/* Requests are for 16 KiB blocks; only the last block of the last piece is
 * shorter. */
#define SHOAL_PIECE_PICKER_BLOCK_SIZE 16384u

/* Pieces we have opened stay "partial" until verified; once there are this
 * many complete pieces the picker stops choosing new pieces at random and
 * goes rarest first. */
#define SHOAL_PIECE_PICKER_RANDOM_FIRST_PIECES 4u

/**
 * ShoalPiecePriority:
 * @SHOAL_PIECE_PRIORITY_SKIP: never download
 * @SHOAL_PIECE_PRIORITY_LOW: after everything else
 * @SHOAL_PIECE_PRIORITY_NORMAL: the default
 * @SHOAL_PIECE_PRIORITY_HIGH: before everything else
 *
 * Any value from 0 to %SHOAL_PIECE_PRIORITY_MAX is allowed; higher goes first.
 */
typedef enum
{
  SHOAL_PIECE_PRIORITY_SKIP   = 0,
  SHOAL_PIECE_PRIORITY_LOW    = 1,
  SHOAL_PIECE_PRIORITY_NORMAL = 4,
  SHOAL_PIECE_PRIORITY_HIGH   = 7,
} ShoalPiecePriority;

#define SHOAL_PIECE_PRIORITY_MAX 7

/**
 * ShoalBlock:
 * @piece: the piece index
 * @begin: byte offset of the block in the piece, a multiple of
 *   %SHOAL_PIECE_PICKER_BLOCK_SIZE
 * @length: its length in bytes
 *
 * One request, as sent in a peer wire request message.
 */
typedef struct
{
  guint piece;
  guint begin;
  guint length;
} ShoalBlock;

/**
 * ShoalPartialPiece:
 * @piece: the piece index
 * @n_blocks: how many blocks the piece has
 * @n_requested: blocks requested from at least one peer and not received
 * @n_received: blocks received
 *
 * Progress of one piece being downloaded, for a pieces map.
 */
typedef struct
{
  guint piece;
  guint n_blocks;
  guint n_requested;
  guint n_received;
} ShoalPartialPiece;

/**
 * ShoalPiecePicker:
 *
 * Decides which blocks to request from a peer: partial pieces first, then a
 * few random pieces, then rarest first within the highest priority (or index
 * order in sequential mode), and duplicate requests in the endgame. It does
 * no I/O and never dereferences the opaque peer pointers it is given: a peer
 * pointer only has to identify the peer for as long as the picker may report
 * it back (piece_failed() reports senders even after peer_gone()).
 *
 * Availability is kept per peer: the picker records what each peer counts
 * for (its bitfield, or "everything" for a seed), so peer_set_bitfield(),
 * peer_have_all(), peer_have_none() and peer_have() may come in any order
 * and any number of times, and peer_remove() takes back exactly what that
 * peer added to this picker, nothing if it added nothing.
 */
typedef struct _ShoalPiecePicker ShoalPiecePicker;

ShoalPiecePicker *shoal_piece_picker_new              (guint                   n_pieces,
                                                       guint64                 piece_length,
                                                       guint64                 total_length);
void              shoal_piece_picker_free             (ShoalPiecePicker       *self);
void              shoal_piece_picker_set_seed         (ShoalPiecePicker       *self,
                                                       guint32                 seed);

/* Layout */
guint             shoal_piece_picker_get_n_pieces     (ShoalPiecePicker       *self);
guint64           shoal_piece_picker_get_piece_size   (ShoalPiecePicker       *self,
                                                       guint                   piece);
guint             shoal_piece_picker_get_n_blocks     (ShoalPiecePicker       *self,
                                                       guint                   piece);
gboolean          shoal_piece_picker_get_block        (ShoalPiecePicker       *self,
                                                       guint                   piece,
                                                       guint                   index,
                                                       ShoalBlock             *block);

/* What we have */
void              shoal_piece_picker_set_have         (ShoalPiecePicker       *self,
                                                       guint                   piece);
void              shoal_piece_picker_clear_have       (ShoalPiecePicker       *self,
                                                       guint                   piece);
gboolean          shoal_piece_picker_has_piece        (ShoalPiecePicker       *self,
                                                       guint                   piece);
guint             shoal_piece_picker_get_n_have       (ShoalPiecePicker       *self);
const ShoalBitfield *shoal_piece_picker_get_have      (ShoalPiecePicker       *self);

/* What peers have */
void              shoal_piece_picker_peer_set_bitfield    (ShoalPiecePicker    *self,
                                                           gpointer             peer,
                                                           const ShoalBitfield *bitfield);
void              shoal_piece_picker_peer_have            (ShoalPiecePicker    *self,
                                                           gpointer             peer,
                                                           guint                piece);
void              shoal_piece_picker_peer_dont_have       (ShoalPiecePicker    *self,
                                                           gpointer             peer,
                                                           guint                piece);
void              shoal_piece_picker_peer_have_all        (ShoalPiecePicker    *self,
                                                           gpointer             peer);
void              shoal_piece_picker_peer_have_none       (ShoalPiecePicker    *self,
                                                           gpointer             peer);
void              shoal_piece_picker_peer_remove          (ShoalPiecePicker    *self,
                                                           gpointer             peer);
gboolean          shoal_piece_picker_knows_peer           (ShoalPiecePicker    *self,
                                                           gpointer             peer);
guint             shoal_piece_picker_get_n_peers          (ShoalPiecePicker    *self);
guint             shoal_piece_picker_get_availability     (ShoalPiecePicker    *self,
                                                           guint                piece);

/* Priorities and policy */
void              shoal_piece_picker_set_piece_priority   (ShoalPiecePicker    *self,
                                                           guint                piece,
                                                           guint                priority);
guint             shoal_piece_picker_get_piece_priority   (ShoalPiecePicker    *self,
                                                           guint                piece);
void              shoal_piece_picker_set_piece_priorities (ShoalPiecePicker    *self,
                                                           const guint8        *priorities,
                                                           guint                n_priorities);
guint8           *shoal_piece_picker_map_file_priorities  (ShoalMetainfo       *metainfo,
                                                           const guint8        *file_priorities,
                                                           guint                n_files);
void              shoal_piece_picker_set_file_priorities  (ShoalPiecePicker    *self,
                                                           ShoalMetainfo       *metainfo,
                                                           const guint8        *file_priorities,
                                                           guint                n_files);
void              shoal_piece_picker_set_sequential       (ShoalPiecePicker    *self,
                                                           gboolean             sequential);
gboolean          shoal_piece_picker_get_sequential       (ShoalPiecePicker    *self);
void              shoal_piece_picker_set_max_partial      (ShoalPiecePicker    *self,
                                                           guint                max_partial);
guint             shoal_piece_picker_get_max_partial      (ShoalPiecePicker    *self);
void              shoal_piece_picker_set_max_partial_bytes (ShoalPiecePicker   *self,
                                                            guint64             max_bytes);

/* Requests */
void              shoal_piece_picker_pick                 (ShoalPiecePicker    *self,
                                                           const ShoalBitfield *peer_has,
                                                           gpointer             peer,
                                                           guint                max_blocks,
                                                           ShoalBlock          *out,
                                                           guint               *n_out);
void              shoal_piece_picker_pick_with_room       (ShoalPiecePicker    *self,
                                                           const ShoalBitfield *peer_has,
                                                           gpointer             peer,
                                                           guint                max_blocks,
                                                           ShoalBlock          *out,
                                                           guint               *n_out);
gboolean          shoal_piece_picker_block_received       (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block,
                                                           gpointer             peer,
                                                           gpointer           **other_peers,
                                                           guint               *n_other);
void              shoal_piece_picker_block_cancelled      (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block,
                                                           gpointer             peer);
void              shoal_piece_picker_request_rejected     (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block,
                                                           gpointer             peer);
void              shoal_piece_picker_request_timed_out    (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block,
                                                           gpointer             peer);
void              shoal_piece_picker_peer_gone            (ShoalPiecePicker    *self,
                                                           gpointer             peer);
void              shoal_piece_picker_piece_failed         (ShoalPiecePicker    *self,
                                                           guint                piece,
                                                           gpointer           **contributors,
                                                           guint               *n_contributors);
void              shoal_piece_picker_piece_verified       (ShoalPiecePicker    *self,
                                                           guint                piece);
void              shoal_piece_picker_block_failed         (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block);

/* Queries */
gboolean          shoal_piece_picker_is_interesting       (ShoalPiecePicker    *self,
                                                           const ShoalBitfield *peer_has);
gboolean          shoal_piece_picker_is_block_wanted      (ShoalPiecePicker    *self,
                                                           const ShoalBlock    *block);
guint             shoal_piece_picker_get_n_missing_wanted (ShoalPiecePicker    *self);
gboolean          shoal_piece_picker_is_complete          (ShoalPiecePicker    *self);
gboolean          shoal_piece_picker_is_endgame           (ShoalPiecePicker    *self);
guint64           shoal_piece_picker_get_bytes_left       (ShoalPiecePicker    *self);
ShoalPartialPiece *shoal_piece_picker_get_partial_pieces  (ShoalPiecePicker    *self,
                                                           guint               *n_partial);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPiecePicker, shoal_piece_picker_free)

G_END_DECLS
