/* shoal-pieces-map.c: a grid of a torrent's pieces
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every piece gets a cell while they fit; past that, each cell stands for
 * a run of consecutive pieces and shows the fraction of them that is
 * had, so that a 100,000-piece torrent still reads as a picture of where
 * the data is. The cells' states are computed into small arrays (one byte
 * per cell and quantity) and compared with the previous ones, so the
 * widget is redrawn only when something a person could see changed.
 *
 * A torrent of this computer's session gives the pieces had, being
 * downloaded and their availability; a server's torrent gives only the
 * bitfield of the pieces it has (shoal_pieces_map_set_bitfield()).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-pieces-map.h"

#define MIN_CELL          4
#define MAX_CELL          24
/* At most this often for cells changed by verified pieces. */
#define REDRAW_INTERVAL_MS 250

struct _ShoalPiecesMap
{
  GtkWidget     parent_instance;

  ShoalTorrent *torrent;
  ShoalBitfield *bitfield;    /* without a torrent: the pieces had */
  gulong        verified_id;
  guint         timer_id;
  guint         redraw_id;

  /* Layout, from the last allocation */
  int           width;
  int           height;
  guint         n_pieces;
  guint         cell;
  guint         gap;
  guint         columns;
  guint         pieces_per_cell;
  guint         n_cells;
  int           x0;
  int           y0;

  /* Per cell, 0..255: fraction had, fraction downloading, availability
   * of the missing pieces */
  guint8       *had;
  guint8       *downloading;
  guint8       *available;
};

G_DEFINE_FINAL_TYPE (ShoalPiecesMap, shoal_pieces_map, GTK_TYPE_WIDGET)

/**
 * shoal_pieces_map_new:
 *
 * Creates an empty pieces map; give it a torrent with
 * shoal_pieces_map_set_torrent().
 *
 * Returns: (transfer full): a new #ShoalPiecesMap
 */
ShoalPiecesMap *
shoal_pieces_map_new (void)
{
  return g_object_new (SHOAL_TYPE_PIECES_MAP, NULL);
}

static void compute_layout (ShoalPiecesMap *self,
                            int             width,
                            int             height);

static guint
torrent_n_pieces (ShoalTorrent *torrent);

static guint
map_n_pieces (ShoalPiecesMap *self)
{
  if (self->bitfield != NULL)
    return shoal_bitfield_get_size (self->bitfield);
  return torrent_n_pieces (self->torrent);
}

static const ShoalBitfield *
map_have (ShoalPiecesMap *self)
{
  return self->torrent != NULL ? shoal_torrent_get_pieces (self->torrent) : self->bitfield;
}

static guint
torrent_n_pieces (ShoalTorrent *torrent)
{
  ShoalMetainfo *info = torrent != NULL ? shoal_torrent_get_metainfo (torrent) : NULL;

  /* A magnet link has no pieces until its metadata arrives. */
  if (info == NULL || shoal_torrent_get_pieces (torrent) == NULL)
    return 0;
  return shoal_metainfo_get_n_pieces (info);
}

/* Computes one cell's bytes; returns whether they changed. */
static gboolean
compute_cell (ShoalPiecesMap *self,
              guint           c)
{
  const ShoalBitfield *have = map_have (self);
  guint first = c * self->pieces_per_cell;
  guint last = MIN (self->n_pieces, first + self->pieces_per_cell);
  guint n_had = 0, n_downloading = 0, n_missing = 0;
  guint n_available = 0;
  guint8 had, downloading, available;
  gboolean changed;

  for (guint p = first; p < last; p++)
    {
      if (shoal_bitfield_get (have, p))
        {
          n_had++;
          continue;
        }
      n_missing++;
      if (self->torrent == NULL)
        continue;
      if (shoal_torrent_is_piece_downloading (self->torrent, p))
        n_downloading++;
      /* One peer with the piece is enough to get it: the cell takes the
       * legend's "a peer has it" color, not a shade between the two
       * that reads as neither. */
      if (shoal_torrent_get_piece_availability (self->torrent, p) > 0)
        n_available++;
    }

  if (last <= first)
    return FALSE;
  had = (guint8) ((n_had * 255 + (last - first) / 2) / (last - first));
  /* A cell with one piece had in a hundred must not look empty, nor one
   * missing a single piece look complete. */
  if (n_had > 0 && had == 0)
    had = 1;
  if (n_missing > 0 && had == 255)
    had = 254;
  downloading = (guint8) ((n_downloading * 255 + (last - first) - 1) / (last - first));
  available = n_missing > 0 ? (guint8) (n_available * 255 / n_missing) : 0;

  changed = self->had[c] != had || self->downloading[c] != downloading || self->available[c] != available;
  self->had[c] = had;
  self->downloading[c] = downloading;
  self->available[c] = available;
  return changed;
}

/**
 * shoal_pieces_map_update:
 * @self: a pieces map
 *
 * Reads the torrent's pieces again and redraws the map if any cell
 * changed. Runs every second while the map is shown.
 *
 * Returns: whether anything changed
 */
gboolean
shoal_pieces_map_update (ShoalPiecesMap *self)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), FALSE);

  if (self->torrent == NULL && self->bitfield == NULL)
    return FALSE;
  /* A magnet link's metadata arrived: lay the pieces out. */
  if (map_n_pieces (self) != self->n_pieces)
    {
      compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
      gtk_widget_queue_resize (GTK_WIDGET (self));
      return TRUE;
    }
  for (guint c = 0; c < self->n_cells; c++)
    changed |= compute_cell (self, c);
  if (changed)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  return changed;
}

static void
compute_layout (ShoalPiecesMap *self,
                int             width,
                int             height)
{
  guint n = map_n_pieces (self);
  guint columns = 1, rows = 1;
  guint cell = MIN_CELL, gap = 1;

  self->width = width;
  self->height = height;
  self->n_pieces = n;

  /* The biggest cells with which every piece gets its own; small
   * torrents get big cells rather than a thin stripe. */
  for (guint s = MAX_CELL; s >= MIN_CELL; s--)
    {
      cell = s;
      gap = s >= 10 ? 2 : 1;
      columns = MAX (1, (guint) (width + (int) gap) / (cell + gap));
      rows = MAX (1, (guint) (height + (int) gap) / (cell + gap));
      if ((guint64) columns * rows >= n)
        break;
    }

  self->cell = cell;
  self->gap = gap;
  self->columns = columns;
  if (n == 0)
    self->pieces_per_cell = 1;
  else
    self->pieces_per_cell = (guint) ((n + (guint64) columns * rows - 1) / ((guint64) columns * rows));
  self->n_cells = n == 0 ? 0 : (n + self->pieces_per_cell - 1) / self->pieces_per_cell;

  /* A map of few cells sits in a centred block rather than at the left. */
  if (self->n_cells < columns)
    self->columns = MAX (self->n_cells, 1);
  self->x0 = MAX (0, (width - (int) (self->columns * (cell + gap) - gap)) / 2);
  self->y0 = 0;

  g_clear_pointer (&self->had, g_free);
  g_clear_pointer (&self->downloading, g_free);
  g_clear_pointer (&self->available, g_free);
  self->had = g_malloc0 (MAX (self->n_cells, 1));
  self->downloading = g_malloc0 (MAX (self->n_cells, 1));
  self->available = g_malloc0 (MAX (self->n_cells, 1));
  if (self->torrent != NULL || self->bitfield != NULL)
    for (guint c = 0; c < self->n_cells; c++)
      compute_cell (self, c);
}

static void
cell_rect (ShoalPiecesMap  *self,
           guint            c,
           graphene_rect_t *rect)
{
  guint pitch = self->cell + self->gap;

  graphene_rect_init (rect,
                      self->x0 + (float) ((c % self->columns) * pitch),
                      self->y0 + (float) ((c / self->columns) * pitch),
                      self->cell, self->cell);
}

/**
 * shoal_pieces_map_get_piece_bounds:
 * @self: a pieces map
 * @piece: a piece index
 * @bounds: (out): where the cell showing @piece is, in widget coordinates
 *
 * Returns: %FALSE if the map has no torrent, no layout yet or fewer pieces
 */
gboolean
shoal_pieces_map_get_piece_bounds (ShoalPiecesMap  *self,
                                   guint            piece,
                                   graphene_rect_t *bounds)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), FALSE);

  if (piece >= self->n_pieces || self->n_cells == 0)
    return FALSE;
  cell_rect (self, piece / self->pieces_per_cell, bounds);
  return TRUE;
}

/**
 * shoal_pieces_map_get_pieces_per_cell:
 * @self: a pieces map
 *
 * Returns: how many consecutive pieces each cell stands for, at the
 *   current size
 */
guint
shoal_pieces_map_get_pieces_per_cell (ShoalPiecesMap *self)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), 1);
  return self->pieces_per_cell;
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/**
 * shoal_pieces_map_get_color:
 * @self: a pieces map
 * @which: which kind of cell
 * @color: (out): its color in the current theme
 *
 * The colors come from the named colors of the libadwaita style sheet
 * (accent, warning, foreground), so they follow light and dark styles.
 */
void
shoal_pieces_map_get_color (ShoalPiecesMap      *self,
                            ShoalPiecesMapColor  which,
                            GdkRGBA             *color)
{
  GdkRGBA fg;

  g_return_if_fail (SHOAL_IS_PIECES_MAP (self));
  g_return_if_fail (color != NULL);

  switch (which)
    {
    case SHOAL_PIECES_MAP_COLOR_HAD:
      lookup_color (GTK_WIDGET (self), "accent_bg_color", "#3584e4", color);
      break;
    case SHOAL_PIECES_MAP_COLOR_DOWNLOADING:
      lookup_color (GTK_WIDGET (self), "warning_color", "#e5a50a", color);
      break;
    case SHOAL_PIECES_MAP_COLOR_MISSING:
    case SHOAL_PIECES_MAP_COLOR_AVAILABLE:
    default:
      lookup_color (GTK_WIDGET (self), "window_fg_color", "#000000", &fg);
      *color = fg;
      color->alpha = which == SHOAL_PIECES_MAP_COLOR_AVAILABLE ? 0.45f : 0.10f;
      break;
    }
}

/* Mixes in premultiplied space, so that mixing a faint gray with an
 * opaque blue gives a blue, not a darkened one. */
static void
mix (const GdkRGBA *a,
     const GdkRGBA *b,
     float          t,
     GdkRGBA       *out)
{
  float alpha = a->alpha + (b->alpha - a->alpha) * t;

  if (alpha <= 0.f)
    {
      *out = (GdkRGBA) { 0, 0, 0, 0 };
      return;
    }
  out->red = (a->red * a->alpha + (b->red * b->alpha - a->red * a->alpha) * t) / alpha;
  out->green = (a->green * a->alpha + (b->green * b->alpha - a->green * a->alpha) * t) / alpha;
  out->blue = (a->blue * a->alpha + (b->blue * b->alpha - a->blue * a->alpha) * t) / alpha;
  out->alpha = alpha;
}

static void
shoal_pieces_map_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA had, downloading, missing, available;

  if (self->torrent == NULL && self->bitfield == NULL)
    return;
  if (width != self->width || height != self->height || map_n_pieces (self) != self->n_pieces)
    compute_layout (self, width, height);

  shoal_pieces_map_get_color (self, SHOAL_PIECES_MAP_COLOR_HAD, &had);
  shoal_pieces_map_get_color (self, SHOAL_PIECES_MAP_COLOR_DOWNLOADING, &downloading);
  shoal_pieces_map_get_color (self, SHOAL_PIECES_MAP_COLOR_MISSING, &missing);
  shoal_pieces_map_get_color (self, SHOAL_PIECES_MAP_COLOR_AVAILABLE, &available);

  /* One color node per cell, blended here: a layered node per state
   * would triple the nodes for 10,000 cells. */
  for (guint c = 0; c < self->n_cells; c++)
    {
      graphene_rect_t rect;
      GdkRGBA color;

      mix (&missing, &available, self->available[c] / 255.f, &color);
      if (self->downloading[c] > 0)
        mix (&color, &downloading, 0.5f + self->downloading[c] / 510.f, &color);
      mix (&color, &had, self->had[c] / 255.f, &color);

      cell_rect (self, c, &rect);
      gtk_snapshot_append_color (snapshot, &color, &rect);
    }
}

static void
shoal_pieces_map_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);

  if (width != self->width || height != self->height)
    compute_layout (self, width, height);
}

static void
shoal_pieces_map_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 4 * (MIN_CELL + 1);
      *natural = 480;
    }
  else
    {
      guint n = map_n_pieces (self);
      int width = for_size > 0 ? for_size : 480;
      guint columns = MAX (1, (guint) (width + 2) / 14);
      guint64 rows = (n + columns - 1) / columns;

      /* Room for 12 px cells when there are few pieces; big torrents
       * aggregate pieces into cells instead of growing further. */
      *minimum = 4 * (MIN_CELL + 1);
      *natural = (int) CLAMP (rows * 14, (guint64) *minimum, 360);
    }
}

static gboolean
find_cell (ShoalPiecesMap *self,
           double          x,
           double          y,
           guint          *cell)
{
  guint pitch = self->cell + self->gap;
  guint column, row;

  if (x < self->x0 || y < self->y0 || pitch == 0)
    return FALSE;
  column = (guint) (x - self->x0) / pitch;
  row = (guint) (y - self->y0) / pitch;
  if (column >= self->columns || (guint64) row * self->columns + column >= self->n_cells)
    return FALSE;
  *cell = row * self->columns + column;
  return TRUE;
}

static gboolean
shoal_pieces_map_query_tooltip (GtkWidget  *widget,
                                int         x,
                                int         y,
                                gboolean    keyboard,
                                GtkTooltip *tooltip)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);
  g_autofree char *text = NULL;
  guint c, first, last, n_had = 0;

  if ((self->torrent == NULL && self->bitfield == NULL) || keyboard || !find_cell (self, x, y, &c))
    return FALSE;

  first = c * self->pieces_per_cell;
  last = MIN (self->n_pieces, first + self->pieces_per_cell);
  for (guint p = first; p < last; p++)
    n_had += shoal_bitfield_get (map_have (self), p);

  if (last - first == 1 && self->torrent == NULL)
    text = g_strdup_printf (n_had ? _("Piece %u: downloaded") : _("Piece %u: missing"), first);
  else if (last - first == 1)
    {
      guint peers = shoal_torrent_get_piece_availability (self->torrent, first);

      if (n_had)
        /* Translators: %u is a piece number */
        text = g_strdup_printf (_("Piece %u: downloaded"), first);
      else if (shoal_torrent_is_piece_downloading (self->torrent, first))
        text = g_strdup_printf (_("Piece %u: downloading"), first);
      else
        text = g_strdup_printf (ngettext ("Piece %u: missing, %u peer has it",
                                          "Piece %u: missing, %u peers have it", peers),
                                first, peers);
    }
  else
    /* Translators: a range of pieces, then how many of them are had */
    text = g_strdup_printf (_("Pieces %u–%u: %u of %u downloaded"),
                            first, last - 1, n_had, last - first);

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static gboolean
redraw_cb (gpointer user_data)
{
  ShoalPiecesMap *self = user_data;

  self->redraw_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static void
piece_verified_cb (ShoalTorrent   *torrent,
                   guint           piece,
                   ShoalPiecesMap *self)
{
  /* Only this piece's cell can have changed; a full update waits for
   * the timer, which also catches availability. A fast download verifies
   * hundreds of pieces a second: a frame for each would keep the main
   * loop drawing, so the cells are redrawn a few times a second. */
  if (piece < self->n_pieces && self->pieces_per_cell > 0 &&
      compute_cell (self, piece / self->pieces_per_cell) &&
      self->redraw_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->redraw_id = g_timeout_add (REDRAW_INTERVAL_MS, redraw_cb, self);
}

static gboolean
update_timeout_cb (gpointer user_data)
{
  shoal_pieces_map_update (SHOAL_PIECES_MAP (user_data));
  return G_SOURCE_CONTINUE;
}

static void
shoal_pieces_map_map (GtkWidget *widget)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);

  GTK_WIDGET_CLASS (shoal_pieces_map_parent_class)->map (widget);

  /* Nobody sees a hidden map: no need to read 100,000 pieces a second. */
  shoal_pieces_map_update (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, update_timeout_cb, self);
}

static void
shoal_pieces_map_unmap (GtkWidget *widget)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (widget);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->redraw_id, g_source_remove);

  GTK_WIDGET_CLASS (shoal_pieces_map_parent_class)->unmap (widget);
}

/**
 * shoal_pieces_map_set_torrent:
 * @self: a pieces map
 * @torrent: (nullable): the torrent to show
 *
 * Shows @torrent's pieces, or nothing.
 */
void
shoal_pieces_map_set_torrent (ShoalPiecesMap *self,
                              ShoalTorrent   *torrent)
{
  g_return_if_fail (SHOAL_IS_PIECES_MAP (self));
  g_return_if_fail (torrent == NULL || SHOAL_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;

  g_clear_pointer (&self->bitfield, shoal_bitfield_free);
  if (self->torrent != NULL)
    g_clear_signal_handler (&self->verified_id, self->torrent);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    self->verified_id = g_signal_connect (torrent, "piece-verified", G_CALLBACK (piece_verified_cb), self);

  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/**
 * shoal_pieces_map_get_torrent:
 * @self: a pieces map
 *
 * Returns: (transfer none) (nullable): the torrent shown
 */
ShoalTorrent *
shoal_pieces_map_get_torrent (ShoalPiecesMap *self)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), NULL);
  return self->torrent;
}

/**
 * shoal_pieces_map_set_bitfield:
 * @self: a pieces map
 * @have: (nullable): the pieces had, one bit each, as a server says them
 *
 * Shows the pieces of a torrent known only by its bitfield (a server's),
 * without a torrent of this computer; or nothing. The map keeps a copy;
 * call again when the bitfield changed.
 */
void
shoal_pieces_map_set_bitfield (ShoalPiecesMap      *self,
                               const ShoalBitfield *have)
{
  gboolean relayout;

  g_return_if_fail (SHOAL_IS_PIECES_MAP (self));

  if (self->torrent != NULL)
    {
      g_clear_signal_handler (&self->verified_id, self->torrent);
      g_clear_object (&self->torrent);
    }
  relayout = self->bitfield == NULL || have == NULL ||
             shoal_bitfield_get_size (self->bitfield) != shoal_bitfield_get_size (have);
  g_clear_pointer (&self->bitfield, shoal_bitfield_free);
  if (have != NULL)
    self->bitfield = shoal_bitfield_copy (have);
  if (relayout)
    {
      compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)));
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  else
    shoal_pieces_map_update (self);
}

/**
 * shoal_pieces_map_get_cell_had:
 * @self: a pieces map
 * @piece: a piece index
 *
 * Returns: how much of the cell showing @piece is drawn as had, from 0
 *   (none of its pieces) to 255 (all)
 */
guint8
shoal_pieces_map_get_cell_had (ShoalPiecesMap *self,
                               guint           piece)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), 0);

  if (piece >= self->n_pieces || self->pieces_per_cell == 0 || piece / self->pieces_per_cell >= self->n_cells)
    return 0;
  return self->had[piece / self->pieces_per_cell];
}

/* Returns: how many pieces the map lays out */
guint
shoal_pieces_map_get_n_pieces (ShoalPiecesMap *self)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_MAP (self), 0);
  return self->n_pieces;
}

static void
shoal_pieces_map_dispose (GObject *object)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->redraw_id, g_source_remove);
  if (self->torrent != NULL)
    g_clear_signal_handler (&self->verified_id, self->torrent);
  g_clear_object (&self->torrent);
  g_clear_pointer (&self->bitfield, shoal_bitfield_free);

  G_OBJECT_CLASS (shoal_pieces_map_parent_class)->dispose (object);
}

static void
shoal_pieces_map_finalize (GObject *object)
{
  ShoalPiecesMap *self = SHOAL_PIECES_MAP (object);

  g_free (self->had);
  g_free (self->downloading);
  g_free (self->available);

  G_OBJECT_CLASS (shoal_pieces_map_parent_class)->finalize (object);
}

static void
shoal_pieces_map_class_init (ShoalPiecesMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_pieces_map_dispose;
  object_class->finalize = shoal_pieces_map_finalize;

  widget_class->snapshot = shoal_pieces_map_snapshot;
  widget_class->size_allocate = shoal_pieces_map_size_allocate;
  widget_class->measure = shoal_pieces_map_measure;
  widget_class->query_tooltip = shoal_pieces_map_query_tooltip;
  widget_class->map = shoal_pieces_map_map;
  widget_class->unmap = shoal_pieces_map_unmap;

  gtk_widget_class_set_css_name (widget_class, "piecesmap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
shoal_pieces_map_init (ShoalPiecesMap *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  self->pieces_per_cell = 1;
  self->had = g_malloc0 (1);
  self->downloading = g_malloc0 (1);
  self->available = g_malloc0 (1);
}
