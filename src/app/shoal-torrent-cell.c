/* shoal-torrent-cell.c: a torrent list cell that knows its row
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8's column view has no way to tell which item lies under the
 * pointer. Every cell of the torrent list wraps its content in one of
 * these, bound to the list item's row, so a right click can find the
 * torrent it landed on from the picked widget.
 *
 * A cell whose content is a label that does not fit shows the whole text
 * as its tooltip. It is computed when GTK asks for it: a tooltip set on
 * every label whose text changes would cost the list a round trip to the
 * display server for each (GTK checks at once whether the pointer is
 * above it), a thousand times a second in a long list.
 */

#include "config.h"

#include "shoal-torrent-cell.h"

struct _ShoalTorrentCell
{
  GtkWidget        parent_instance;

  GtkWidget       *child;
  ShoalTorrentRow *row;
};

G_DEFINE_FINAL_TYPE (ShoalTorrentCell, shoal_torrent_cell, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CHILD,
  PROP_ROW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * shoal_torrent_cell_get_row:
 * @self: a cell
 *
 * Returns: (transfer none) (nullable): the row the cell shows
 */
ShoalTorrentRow *
shoal_torrent_cell_get_row (ShoalTorrentCell *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_CELL (self), NULL);
  return self->row;
}

/**
 * shoal_torrent_cell_get_child:
 * @self: a cell
 *
 * Returns: (transfer none) (nullable): the content of the cell
 */
GtkWidget *
shoal_torrent_cell_get_child (ShoalTorrentCell *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_CELL (self), NULL);
  return self->child;
}

/**
 * shoal_torrent_cell_set_child:
 * @self: a cell
 * @child: (nullable): the content of the cell
 */
void
shoal_torrent_cell_set_child (ShoalTorrentCell *self,
                              GtkWidget        *child)
{
  g_return_if_fail (SHOAL_IS_TORRENT_CELL (self));
  g_return_if_fail (child == NULL || GTK_IS_WIDGET (child));

  if (self->child == child)
    return;
  g_clear_pointer (&self->child, gtk_widget_unparent);
  if (child != NULL)
    {
      self->child = child;
      gtk_widget_set_parent (child, GTK_WIDGET (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHILD]);
}

static void
shoal_torrent_cell_set_row (ShoalTorrentCell *self,
                            ShoalTorrentRow  *row)
{
  if (g_set_object (&self->row, row))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROW]);
}

/**
 * shoal_torrent_cell_find_row:
 * @widget: a widget, typically one picked under the pointer
 *
 * Returns: (transfer none) (nullable): the row of the cell holding
 *   @widget, if any
 */
ShoalTorrentRow *
shoal_torrent_cell_find_row (GtkWidget *widget)
{
  GtkWidget *cell;

  g_return_val_if_fail (widget == NULL || GTK_IS_WIDGET (widget), NULL);

  if (widget == NULL)
    return NULL;
  if (SHOAL_IS_TORRENT_CELL (widget))
    return SHOAL_TORRENT_CELL (widget)->row;
  cell = gtk_widget_get_ancestor (widget, SHOAL_TYPE_TORRENT_CELL);
  if (cell != NULL)
    return SHOAL_TORRENT_CELL (cell)->row;

  /* A click in a cell's padding lands on the cell's parent: look down. */
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (SHOAL_IS_TORRENT_CELL (child))
        return SHOAL_TORRENT_CELL (child)->row;
    }
  return NULL;
}

static gboolean
shoal_torrent_cell_query_tooltip (GtkWidget  *widget,
                                  int         x,
                                  int         y,
                                  gboolean    keyboard_tooltip,
                                  GtkTooltip *tooltip)
{
  ShoalTorrentCell *self = SHOAL_TORRENT_CELL (widget);
  GtkLabel *label;

  if (!GTK_IS_LABEL (self->child))
    return FALSE;
  label = GTK_LABEL (self->child);
  if (!pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    return FALSE;
  gtk_tooltip_set_text (tooltip, gtk_label_get_text (label));
  return TRUE;
}

static void
shoal_torrent_cell_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalTorrentCell *self = SHOAL_TORRENT_CELL (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      g_value_set_object (value, self->child);
      break;
    case PROP_ROW:
      g_value_set_object (value, self->row);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_cell_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ShoalTorrentCell *self = SHOAL_TORRENT_CELL (object);

  switch (prop_id)
    {
    case PROP_CHILD:
      shoal_torrent_cell_set_child (self, g_value_get_object (value));
      break;
    case PROP_ROW:
      shoal_torrent_cell_set_row (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_cell_dispose (GObject *object)
{
  ShoalTorrentCell *self = SHOAL_TORRENT_CELL (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);
  g_clear_object (&self->row);

  G_OBJECT_CLASS (shoal_torrent_cell_parent_class)->dispose (object);
}

static void
shoal_torrent_cell_class_init (ShoalTorrentCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = shoal_torrent_cell_get_property;
  object_class->set_property = shoal_torrent_cell_set_property;
  object_class->dispose = shoal_torrent_cell_dispose;

  properties[PROP_CHILD] =
    g_param_spec_object ("child", NULL, NULL, GTK_TYPE_WIDGET,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROW] =
    g_param_spec_object ("row", NULL, NULL, SHOAL_TYPE_TORRENT_ROW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->query_tooltip = shoal_torrent_cell_query_tooltip;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_torrent_cell_init (ShoalTorrentCell *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
}
