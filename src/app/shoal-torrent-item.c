/* shoal-torrent-item.c: the rows of the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each torrent is one row a person can read at any width, 360 px
 * included: its name and percentage, a progress bar, and one status line
 * ("12.3 MiB of 300 MiB · ↓ 2.1 MiB/s · 4 min left", see
 * ShoalTorrentRow:summary-text), with its labels in their colours beside
 * the name, all drawn by one ShoalTorrentItemWidget:
 * GTK 4.8's list view makes a new row widget for each torrent added in
 * view and keeps 200 of them realized, so a row must be cheap to make,
 * style and measure (see shoal-torrent-item-widget.c).
 *
 * The list item of a row is kept on its widget, so a right click can find
 * the torrent it landed on from the picked widget.
 */

#include "config.h"

#include "shoal-application.h"
#include "shoal-label-colors.h"
#include "shoal-label-dialog.h"
#include "shoal-torrent-item.h"
#include "shoal-torrent-item-widget.h"

static GQuark
list_item_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-torrent-item-list-item");
  return quark;
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

/* A torrent's labels, each after a dot of its colour */
static char *
labels_markup_cb (GObject            *this_,
                  const char * const *labels,
                  GVariant           *colors)
{
  GString *markup = g_string_new (NULL);

  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      g_autofree char *color = shoal_label_color_from (colors, labels[i]);
      g_autofree char *one = g_markup_printf_escaped ("%s<span foreground=\"%s\">●</span> %s", i > 0 ? "  " : "",
                                                      color, labels[i]);

      g_string_append (markup, one);
    }
  return g_string_free (markup, FALSE);
}

/* The labels of the list item's torrent and their colours, through
 * @callback. Like the other values, an expression: evaluated again only
 * when the torrent's labels or the colours change. */
static void
bind_labels (GtkListItem      *list_item,
             GtkWidget        *child,
             const char       *target_property,
             GType             value_type,
             GCallback         callback,
             ShoalLabelColors *colors)
{
  GtkExpression *item = gtk_property_expression_new (GTK_TYPE_LIST_ITEM, NULL, "item");
  GtkExpression *torrent = gtk_property_expression_new (SHOAL_TYPE_TORRENT_ROW, item, "torrent");
  GtkExpression *params[2];
  GtkExpression *value;

  params[0] = gtk_property_expression_new (SHOAL_TYPE_TORRENT, torrent, "labels");
  params[1] = gtk_property_expression_new (SHOAL_TYPE_LABEL_COLORS, gtk_object_expression_new (G_OBJECT (colors)),
                                           "colors");
  value = gtk_cclosure_expression_new (value_type, NULL, 2, params, callback, NULL, NULL);
  gtk_expression_bind (value, child, target_property, list_item);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          ShoalLabelColors         *colors)
{
  GtkWidget *item = shoal_torrent_item_widget_new ();

  bind_row_property (list_item, "name", item, "title");
  bind_row_property (list_item, "progress-text", item, "progress-text");
  bind_row_property (list_item, "progress", item, "progress");
  bind_row_property (list_item, "summary-text", item, "summary-text");
  bind_labels (list_item, item, "labels-markup", G_TYPE_STRING, G_CALLBACK (labels_markup_cb), colors);

  /* The list item owns the row: no reference. */
  g_object_set_qdata (G_OBJECT (item), list_item_quark (), list_item);
  gtk_list_item_set_child (list_item, item);
}

/**
 * shoal_torrent_item_factory_new:
 *
 * Returns: (transfer full): a factory making the rows of the torrent
 *   list, for a list of #ShoalTorrentRow
 */
GtkListItemFactory *
shoal_torrent_item_factory_new (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  /* The labels' colours, for every row */
  g_signal_connect_data (factory, "setup", G_CALLBACK (setup_cb), shoal_label_colors_new (settings),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  return factory;
}

static ShoalTorrentRow *
row_of (GtkWidget *widget)
{
  GtkListItem *list_item = g_object_get_qdata (G_OBJECT (widget), list_item_quark ());

  return list_item != NULL ? gtk_list_item_get_item (list_item) : NULL;
}

/**
 * shoal_torrent_item_find_row:
 * @widget: (nullable): a widget of the torrent list, typically one picked
 *   under the pointer
 *
 * Returns: (transfer none) (nullable): the row holding @widget, if any
 */
ShoalTorrentRow *
shoal_torrent_item_find_row (GtkWidget *widget)
{
  g_return_val_if_fail (widget == NULL || GTK_IS_WIDGET (widget), NULL);

  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    {
      ShoalTorrentRow *row = row_of (w);

      if (row != NULL)
        return row;
    }

  /* A click in a row's padding lands on the list's row widget: the
   * content is its child. */
  if (widget != NULL && gtk_widget_get_first_child (widget) != NULL)
    return row_of (gtk_widget_get_first_child (widget));
  return NULL;
}
