/* shoal-torrent-columns.c: the cells of the torrent list's columns
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each column of the torrent list shows one property of a ShoalTorrentRow
 * in a label (a progress bar for the progress). The cells are made in code
 * rather than from GtkBuilder templates, one widget each:
 *
 *  - GTK 4.8's list view keeps up to 200 rows realized, and a row added or
 *    removed above them (a new torrent at the top of a newest-first list)
 *    moves the others, which restyles each of them with everything in it.
 *    A wrapper around every label doubled the style nodes of a row.
 *  - Parsing a template for each of the ten cells of each new row cost
 *    more than making a label.
 *
 * The list item of a cell is kept on its widget, so a right click can find
 * the torrent it landed on from the picked widget, and a label that does
 * not fit shows its whole text as a tooltip, computed when GTK asks for it
 * (a tooltip set on every label whose text changes would cost the list a
 * round trip to the display server for each).
 */

#include "config.h"

#include "shoal-torrent-columns.h"

typedef struct
{
  const char *property;  /* of ShoalTorrentRow; NULL for the progress bar */
  float       xalign;
  gboolean    ellipsize;
  gboolean    numeric;
} ColumnKind;

static const ColumnKind kinds[] = {
  [SHOAL_TORRENT_COLUMN_NAME]     = { "name", 0.0f, TRUE, FALSE },
  [SHOAL_TORRENT_COLUMN_SIZE]     = { "size-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_PROGRESS] = { NULL, 0.0f, FALSE, FALSE },
  [SHOAL_TORRENT_COLUMN_STATUS]   = { "status-text", 0.0f, TRUE, FALSE },
  [SHOAL_TORRENT_COLUMN_DOWN]     = { "download-rate-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_UP]       = { "upload-rate-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_ETA]      = { "eta-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_RATIO]    = { "ratio-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_PEERS]    = { "peers-text", 1.0f, FALSE, TRUE },
  [SHOAL_TORRENT_COLUMN_ADDED]    = { "added-text", 0.0f, FALSE, TRUE },
};

static GQuark
list_item_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-torrent-columns-list-item");
  return quark;
}

static gboolean
label_query_tooltip_cb (GtkLabel   *label,
                        int         x,
                        int         y,
                        gboolean    keyboard_tooltip,
                        GtkTooltip *tooltip)
{
  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;
  gtk_tooltip_set_text (tooltip, gtk_label_get_text (label));
  return TRUE;
}

/* Binds @property of the list item's row to @target_property of @child.
 * An expression rather than a binding made in a "bind" handler: GTK 4.8
 * unbinds and binds again every row whose position changes (each row of
 * the list when a torrent is added at the top), while an expression on
 * the list item's item is only evaluated again when that item changes. */
static void
bind_row_property (GtkListItem *list_item,
                   const char  *property,
                   GtkWidget   *child,
                   const char  *target_property)
{
  GtkExpression *item = gtk_property_expression_new (GTK_TYPE_LIST_ITEM, NULL, "item");
  GtkExpression *value = gtk_property_expression_new (SHOAL_TYPE_TORRENT_ROW, item, property);

  gtk_expression_bind (value, child, target_property, list_item);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          const ColumnKind         *kind)
{
  GtkWidget *child;

  if (kind->property == NULL)
    {
      child = gtk_progress_bar_new ();
      gtk_widget_set_valign (child, GTK_ALIGN_CENTER);
      gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (child), TRUE);
      bind_row_property (list_item, "progress", child, "fraction");
      bind_row_property (list_item, "progress-text", child, "text");
    }
  else
    {
      child = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (child), kind->xalign);
      if (kind->ellipsize)
        {
          gtk_label_set_ellipsize (GTK_LABEL (child), PANGO_ELLIPSIZE_END);
          gtk_widget_set_has_tooltip (child, TRUE);
          g_signal_connect (child, "query-tooltip", G_CALLBACK (label_query_tooltip_cb), NULL);
        }
      if (kind->numeric)
        gtk_widget_add_css_class (child, "numeric");
      bind_row_property (list_item, kind->property, child, "label");
    }
  /* The list item owns the child: no reference. */
  g_object_set_qdata (G_OBJECT (child), list_item_quark (), list_item);
  gtk_list_item_set_child (list_item, child);
}

/**
 * shoal_torrent_column_factory_new:
 * @column: which column
 *
 * Returns: (transfer full): a factory making the cells of @column, for
 *   a list of #ShoalTorrentRow
 */
GtkListItemFactory *
shoal_torrent_column_factory_new (ShoalTorrentColumn column)
{
  GtkListItemFactory *factory;

  g_return_val_if_fail (column < G_N_ELEMENTS (kinds), NULL);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), (gpointer) &kinds[column]);
  return factory;
}

static ShoalTorrentRow *
row_of (GtkWidget *widget)
{
  GtkListItem *list_item = g_object_get_qdata (G_OBJECT (widget), list_item_quark ());

  return list_item != NULL ? gtk_list_item_get_item (list_item) : NULL;
}

static ShoalTorrentRow *
row_below (GtkWidget *widget,
           guint      depth)
{
  ShoalTorrentRow *row = row_of (widget);

  if (row != NULL || depth == 0)
    return row;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      row = row_below (child, depth - 1);
      if (row != NULL)
        return row;
    }
  return NULL;
}

/**
 * shoal_torrent_columns_find_row:
 * @widget: (nullable): a widget of the torrent list, typically one picked
 *   under the pointer
 *
 * Returns: (transfer none) (nullable): the row of the cell holding
 *   @widget, if any
 */
ShoalTorrentRow *
shoal_torrent_columns_find_row (GtkWidget *widget)
{
  g_return_val_if_fail (widget == NULL || GTK_IS_WIDGET (widget), NULL);

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      ShoalTorrentRow *row = row_of (w);

      if (row != NULL)
        return row;
    }

  /* A click in a cell's padding lands on the cell, or between cells on
   * the row: the content is a level or two down. */
  return widget != NULL ? row_below (widget, 2) : NULL;
}
