/* shoal-torrent-item.c: the rows of the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each torrent is one row a person can read at any width, 360 px
 * included: its name and percentage, a progress bar, and one status line
 * ("12.3 MiB of 300 MiB · ↓ 2.1 MiB/s · 4 min left", see
 * ShoalTorrentRow:summary-text), with its labels in their colours
 * beside the name. The rows are made in code rather than
 * from a GtkBuilder template, with as few widgets as they can:
 *
 *  - GTK 4.8's list view keeps up to 200 rows realized, and a row added or
 *    removed above them (a new torrent at the top of a newest-first list)
 *    moves the others, which restyles each of them with everything in it.
 *  - Parsing a template for each new row costs more than making its
 *    widgets.
 *
 * The list item of a row is kept on its widget, so a right click can find
 * the torrent it landed on from the picked widget, and a label that does
 * not fit shows its whole text as a tooltip, computed when GTK asks for it.
 */

#include "config.h"

#include "shoal-application.h"
#include "shoal-label-colors.h"
#include "shoal-label-dialog.h"
#include "shoal-torrent-item.h"

static GQuark
list_item_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("shoal-torrent-item-list-item");
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

static GtkWidget *
ellipsized_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_has_tooltip (label, TRUE);
  g_signal_connect (label, "query-tooltip", G_CALLBACK (label_query_tooltip_cb), NULL);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
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

static gboolean
has_labels_cb (GObject            *this_,
               const char * const *labels,
               GVariant           *colors)
{
  return labels != NULL && labels[0] != NULL;
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
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name = ellipsized_label ("heading");
  GtkWidget *percent = gtk_label_new (NULL);
  GtkWidget *labels = gtk_label_new (NULL);
  GtkWidget *bar = gtk_progress_bar_new ();
  GtkWidget *status = ellipsized_label ("dim-label");

  gtk_widget_add_css_class (box, "torrent-item");
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  gtk_widget_set_name (name, "name");
  bind_row_property (list_item, "name", name, "label");
  gtk_box_append (GTK_BOX (top), name);

  gtk_widget_set_name (labels, "labels");
  gtk_widget_add_css_class (labels, "caption");
  gtk_label_set_use_markup (GTK_LABEL (labels), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (labels), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (labels), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (labels), 24);
  bind_labels (list_item, labels, "label", G_TYPE_STRING, G_CALLBACK (labels_markup_cb), colors);
  bind_labels (list_item, labels, "visible", G_TYPE_BOOLEAN, G_CALLBACK (has_labels_cb), colors);
  gtk_box_append (GTK_BOX (top), labels);

  gtk_widget_set_name (percent, "percent");
  gtk_widget_add_css_class (percent, "numeric");
  gtk_widget_add_css_class (percent, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (percent), 1.0f);
  bind_row_property (list_item, "progress-text", percent, "label");
  gtk_box_append (GTK_BOX (top), percent);
  gtk_box_append (GTK_BOX (box), top);

  gtk_widget_set_name (bar, "progress");
  bind_row_property (list_item, "progress", bar, "fraction");
  gtk_box_append (GTK_BOX (box), bar);

  gtk_widget_set_name (status, "status");
  gtk_widget_add_css_class (status, "caption");
  bind_row_property (list_item, "summary-text", status, "label");
  gtk_box_append (GTK_BOX (box), status);

  /* The list item owns the row: no reference. */
  g_object_set_qdata (G_OBJECT (box), list_item_quark (), list_item);
  gtk_list_item_set_child (list_item, box);
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
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_autoptr(GSettings) settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);

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
