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
 * The row a cell shows is kept on its widget, so a right click can find
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
row_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-torrent-columns-row");
  return quark;
}

static GQuark
bindings_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-torrent-columns-bindings");
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
    }
  gtk_list_item_set_child (list_item, child);
}

static void
unbind_all (GtkWidget *child)
{
  GPtrArray *bindings = g_object_steal_qdata (G_OBJECT (child), bindings_quark ());

  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (bindings, i));
  g_clear_pointer (&bindings, g_ptr_array_unref);
  g_object_set_qdata (G_OBJECT (child), row_quark (), NULL);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         const ColumnKind         *kind)
{
  ShoalTorrentRow *row = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  GPtrArray *bindings = g_ptr_array_new ();

  unbind_all (child);
  if (row == NULL)
    {
      g_ptr_array_unref (bindings);
      return;
    }

  if (kind->property == NULL)
    {
      g_ptr_array_add (bindings, g_object_bind_property (row, "progress", child, "fraction", G_BINDING_SYNC_CREATE));
      g_ptr_array_add (bindings, g_object_bind_property (row, "progress-text", child, "text", G_BINDING_SYNC_CREATE));
    }
  else
    g_ptr_array_add (bindings, g_object_bind_property (row, kind->property, child, "label", G_BINDING_SYNC_CREATE));

  g_object_set_qdata_full (G_OBJECT (child), bindings_quark (), bindings, (GDestroyNotify) g_ptr_array_unref);
  /* The list item holds the row while it is bound. */
  g_object_set_qdata (G_OBJECT (child), row_quark (), row);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           const ColumnKind         *kind)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);

  if (child != NULL)
    unbind_all (child);
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
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), (gpointer) &kinds[column]);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), (gpointer) &kinds[column]);
  return factory;
}

static ShoalTorrentRow *
row_below (GtkWidget *widget,
           guint      depth)
{
  ShoalTorrentRow *row = g_object_get_qdata (G_OBJECT (widget), row_quark ());

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
      ShoalTorrentRow *row = g_object_get_qdata (G_OBJECT (w), row_quark ());

      if (row != NULL)
        return row;
    }

  /* A click in a cell's padding lands on the cell, or between cells on
   * the row: the content is a level or two down. */
  return widget != NULL ? row_below (widget, 2) : NULL;
}
