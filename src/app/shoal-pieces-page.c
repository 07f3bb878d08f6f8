/* shoal-pieces-page.c: the pieces map with its legend
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-details-view.h"
#include "shoal-pieces-page.h"

struct _ShoalPiecesPage
{
  GtkWidget       parent_instance;

  ShoalTorrent   *torrent;
  gulong          progress_id;

  GtkLabel       *summary_label;
  ShoalPiecesMap *map;
  GtkFlowBox     *legend;
};

G_DEFINE_FINAL_TYPE (ShoalPiecesPage, shoal_pieces_page, GTK_TYPE_WIDGET)

/**
 * shoal_pieces_page_new:
 *
 * Returns: (transfer full): a new, empty #ShoalPiecesPage
 */
ShoalPiecesPage *
shoal_pieces_page_new (void)
{
  return g_object_new (SHOAL_TYPE_PIECES_PAGE, NULL);
}

/**
 * shoal_pieces_page_get_map:
 * @self: a pieces page
 *
 * Returns: (transfer none): the page's map
 */
ShoalPiecesMap *
shoal_pieces_page_get_map (ShoalPiecesPage *self)
{
  g_return_val_if_fail (SHOAL_IS_PIECES_PAGE (self), NULL);
  return self->map;
}

static void
update_summary (ShoalPiecesPage *self)
{
  ShoalMetainfo *info;
  g_autofree char *piece_size = NULL;
  g_autofree char *text = NULL;
  guint n, had;

  if (self->torrent == NULL)
    {
      gtk_label_set_text (self->summary_label, "");
      return;
    }

  info = shoal_torrent_get_metainfo (self->torrent);
  if (info == NULL)
    {
      gtk_label_set_text (self->summary_label, _("The pieces are known once the metadata arrives"));
      return;
    }
  n = shoal_metainfo_get_n_pieces (info);
  had = shoal_bitfield_count (shoal_torrent_get_pieces (self->torrent));
  piece_size = shoal_format_size (shoal_metainfo_get_piece_length (info));
  /* Translators: "1,200 of 2,000 pieces of 256 KiB downloaded" */
  text = g_strdup_printf (ngettext ("%u of %u piece of %s downloaded",
                                    "%u of %u pieces of %s downloaded", n),
                          had, n, piece_size);
  gtk_label_set_text (self->summary_label, text);
}

static void
progress_changed_cb (ShoalPiecesPage *self)
{
  update_summary (self);
}

/**
 * shoal_pieces_page_set_torrent:
 * @self: a pieces page
 * @torrent: (nullable): the torrent to show
 */
void
shoal_pieces_page_set_torrent (ShoalPiecesPage *self,
                               ShoalTorrent    *torrent)
{
  g_return_if_fail (SHOAL_IS_PIECES_PAGE (self));

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->progress_id, self->torrent);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    self->progress_id = g_signal_connect_swapped (torrent, "notify::progress",
                                                  G_CALLBACK (progress_changed_cb), self);
  shoal_pieces_map_set_torrent (self->map, torrent);
  update_summary (self);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  ShoalPiecesPage *self = g_object_get_data (G_OBJECT (area), "shoal-page");
  GdkRGBA color;

  shoal_pieces_map_get_color (self->map, (ShoalPiecesMapColor) GPOINTER_TO_UINT (user_data), &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

static void
add_legend_entry (ShoalPiecesPage     *self,
                  ShoalPiecesMapColor  which,
                  const char          *text)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *swatch = gtk_drawing_area_new ();

  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 12);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 12);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (swatch), "shoal-page", self);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, GUINT_TO_POINTER (which), NULL);
  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), gtk_label_new (text));
  gtk_flow_box_append (self->legend, box);
  gtk_widget_set_can_focus (gtk_widget_get_parent (box), FALSE);
}

static void
shoal_pieces_page_dispose (GObject *object)
{
  ShoalPiecesPage *self = SHOAL_PIECES_PAGE (object);

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->progress_id, self->torrent);
  g_clear_object (&self->torrent);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_PIECES_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (shoal_pieces_page_parent_class)->dispose (object);
}

static void
shoal_pieces_page_class_init (ShoalPiecesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_pieces_page_dispose;

  g_type_ensure (SHOAL_TYPE_PIECES_MAP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-pieces-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPiecesPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalPiecesPage, map);
  gtk_widget_class_bind_template_child (widget_class, ShoalPiecesPage, legend);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_pieces_page_init (ShoalPiecesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_legend_entry (self, SHOAL_PIECES_MAP_COLOR_HAD, _("Downloaded"));
  add_legend_entry (self, SHOAL_PIECES_MAP_COLOR_DOWNLOADING, _("Downloading"));
  add_legend_entry (self, SHOAL_PIECES_MAP_COLOR_AVAILABLE, _("Missing, a peer has it"));
  add_legend_entry (self, SHOAL_PIECES_MAP_COLOR_MISSING, _("Missing, no peer has it"));
}
