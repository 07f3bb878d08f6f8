/* shoal-label-column.c: list columns of labels that follow their items
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "shoal-label-column.h"

typedef struct
{
  ShoalLabelColumnFunc  text_func;
  ShoalLabelColumnFunc  tooltip_func;
  GStrv                 watched;
  float                 xalign;
  gboolean              tree_rows;
} LabelColumn;

static void
label_column_free (gpointer data)
{
  LabelColumn *column = data;

  g_strfreev (column->watched);
  g_free (column);
}

static gpointer
label_column_item (LabelColumn *column,
                   GtkListItem *list_item)
{
  gpointer item = gtk_list_item_get_item (list_item);

  if (column->tree_rows && item != NULL)
    item = gtk_tree_list_row_get_item (item);
  else if (item != NULL)
    g_object_ref (item);
  return item;
}

static void
label_column_update (LabelColumn *column,
                     GtkLabel    *label,
                     gpointer     item)
{
  g_autofree char *text = column->text_func (item);

  gtk_label_set_text (label, text != NULL ? text : "");
  if (column->tooltip_func != NULL)
    {
      g_autofree char *tooltip = column->tooltip_func (item);

      gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
    }
}

static void
label_column_notify_cb (GObject    *item,
                        GParamSpec *pspec,
                        GtkLabel   *label)
{
  LabelColumn *column = g_object_get_data (G_OBJECT (label), "shoal-label-column");

  /* Rows of peers get several notifications a second; only the ones
   * this column shows are worth a new text. */
  if (column->watched != NULL && !g_strv_contains ((const char * const *) column->watched, pspec->name))
    return;
  label_column_update (column, label, item);
}

static void
label_column_setup_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       LabelColumn              *column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column->xalign);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (column->xalign > 0.5f)
    gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (label), "shoal-label-column", column);
  gtk_list_item_set_child (list_item, label);
}

static void
label_column_bind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      LabelColumn              *column)
{
  g_autoptr(GObject) item = label_column_item (column, list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  gulong id;

  if (item == NULL)
    return;
  label_column_update (column, GTK_LABEL (label), item);
  id = g_signal_connect_object (item, "notify", G_CALLBACK (label_column_notify_cb), label, 0);
  g_object_set_data (G_OBJECT (label), "shoal-notify-id", GSIZE_TO_POINTER ((gsize) id));
  g_object_set_data_full (G_OBJECT (label), "shoal-item", g_object_ref (item), g_object_unref);
}

static void
label_column_unbind_cb (GtkSignalListItemFactory *factory,
                        GtkListItem              *list_item,
                        LabelColumn              *column)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  GObject *item = g_object_get_data (G_OBJECT (label), "shoal-item");
  gulong id = (gulong) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "shoal-notify-id"));

  if (item != NULL && id != 0)
    g_signal_handler_disconnect (item, id);
  g_object_set_data (G_OBJECT (label), "shoal-notify-id", NULL);
  g_object_set_data (G_OBJECT (label), "shoal-item", NULL);
}

/**
 * shoal_label_column_new:
 * @title: the column's header
 * @text_func: computes a row's text
 * @tooltip_func: (nullable): computes a row's tooltip
 * @watched_properties: (nullable): the item properties the text depends
 *   on; %NULL to update on any notification
 * @xalign: 0 for text, 1 for numbers
 * @tree_rows: whether the column view's items are #GtkTreeListRows
 *
 * Creates a column of single-line labels that follow their item's
 * property notifications, so live lists (peers, trackers) update without
 * rebuilding rows.
 *
 * Returns: (transfer full): a new column
 */
GtkColumnViewColumn *
shoal_label_column_new (const char           *title,
                        ShoalLabelColumnFunc  text_func,
                        ShoalLabelColumnFunc  tooltip_func,
                        const char * const   *watched_properties,
                        float                 xalign,
                        gboolean              tree_rows)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  LabelColumn *column = g_new0 (LabelColumn, 1);

  column->text_func = text_func;
  column->tooltip_func = tooltip_func;
  column->watched = g_strdupv ((char **) watched_properties);
  column->xalign = xalign;
  column->tree_rows = tree_rows;
  g_object_set_data_full (G_OBJECT (factory), "shoal-label-column", column, label_column_free);

  g_signal_connect (factory, "setup", G_CALLBACK (label_column_setup_cb), column);
  g_signal_connect (factory, "bind", G_CALLBACK (label_column_bind_cb), column);
  g_signal_connect (factory, "unbind", G_CALLBACK (label_column_unbind_cb), column);

  return gtk_column_view_column_new (title, factory);
}
