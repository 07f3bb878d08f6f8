/* shoal-file-row.c: a row of a torrent's file tree
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The add dialog and the Files page show a ShoalFileNode tree with this
 * row: a check box bound both ways to the node's "wanted" (expressions
 * in a .ui file only bind one way, hence a small widget), the expander,
 * the icon and the name, and for the add dialog the size.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-file-node.h"
#include "shoal-file-row.h"
#include "shoal-format.h"

struct _ShoalFileRow
{
  GtkWidget        parent_instance;

  GtkTreeListRow  *list_row;
  ShoalFileNode   *node;
  GBinding        *wanted_binding;
  GBinding        *inconsistent_binding;
  gboolean         name_toggles;

  GtkCheckButton  *check;
  GtkTreeExpander *expander;
  GtkImage        *icon;
  GtkLabel        *name_label;
  GtkLabel        *size_label;
};

G_DEFINE_FINAL_TYPE (ShoalFileRow, shoal_file_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LIST_ROW,
  PROP_SHOW_SIZE,
  PROP_NAME_TOGGLES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
unbind_node (ShoalFileRow *self)
{
  g_clear_pointer (&self->wanted_binding, g_binding_unbind);
  g_clear_pointer (&self->inconsistent_binding, g_binding_unbind);
  g_clear_object (&self->node);
}

static void
set_list_row (ShoalFileRow   *self,
              GtkTreeListRow *list_row)
{
  g_autofree char *tooltip = NULL;
  g_autofree char *size = NULL;
  const char *name;

  if (self->list_row == list_row)
    return;

  unbind_node (self);
  g_set_object (&self->list_row, list_row);
  gtk_tree_expander_set_list_row (self->expander, list_row);

  if (list_row != NULL)
    self->node = gtk_tree_list_row_get_item (list_row);
  if (self->node != NULL)
    {
      name = shoal_file_node_get_name (self->node);
      self->wanted_binding = g_object_bind_property (self->node, "wanted", self->check, "active",
                                                     G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
      self->inconsistent_binding = g_object_bind_property (self->node, "inconsistent", self->check, "inconsistent",
                                                           G_BINDING_SYNC_CREATE);
      gtk_image_set_from_icon_name (self->icon, shoal_file_node_get_children (self->node) != NULL
                                                ? "folder-symbolic" : "text-x-generic-symbolic");
      gtk_label_set_text (self->name_label, name);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->name_label), name);
      size = shoal_format_size (shoal_file_node_get_size (self->node));
      gtk_label_set_text (self->size_label, size);
      /* Translators: the tooltip of the checkbox of a file or folder */
      tooltip = g_strdup_printf (_("Download “%s”"), name);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->check), tooltip);
      /* The check box's accessible name is the file it selects. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIST_ROW]);
}

static void
name_released_cb (ShoalFileRow *self)
{
  /* Clicking the name toggles the file, like a check button label. */
  if (self->name_toggles && self->node != NULL)
    shoal_file_node_set_wanted (self->node, !shoal_file_node_get_wanted (self->node));
}

static void
shoal_file_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ShoalFileRow *self = SHOAL_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_LIST_ROW:
      g_value_set_object (value, self->list_row);
      break;
    case PROP_SHOW_SIZE:
      g_value_set_boolean (value, gtk_widget_get_visible (GTK_WIDGET (self->size_label)));
      break;
    case PROP_NAME_TOGGLES:
      g_value_set_boolean (value, self->name_toggles);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_file_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ShoalFileRow *self = SHOAL_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_LIST_ROW:
      set_list_row (self, g_value_get_object (value));
      break;
    case PROP_SHOW_SIZE:
      gtk_widget_set_visible (GTK_WIDGET (self->size_label), g_value_get_boolean (value));
      break;
    case PROP_NAME_TOGGLES:
      self->name_toggles = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_file_row_dispose (GObject *object)
{
  ShoalFileRow *self = SHOAL_FILE_ROW (object);

  unbind_node (self);
  g_clear_object (&self->list_row);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_FILE_ROW);

  G_OBJECT_CLASS (shoal_file_row_parent_class)->dispose (object);
}

static void
shoal_file_row_class_init (ShoalFileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = shoal_file_row_get_property;
  object_class->set_property = shoal_file_row_set_property;
  object_class->dispose = shoal_file_row_dispose;

  properties[PROP_LIST_ROW] =
    g_param_spec_object ("list-row", NULL, NULL, GTK_TYPE_TREE_LIST_ROW, flags | G_PARAM_EXPLICIT_NOTIFY);
  /* The add dialog shows the sizes beside the names; the Files page has
   * a column for them. */
  properties[PROP_SHOW_SIZE] = g_param_spec_boolean ("show-size", NULL, NULL, FALSE, flags);
  /* Whether clicking the name toggles the check box, like a check
   * button's label: in the add dialog, where choosing is all one does. */
  properties[PROP_NAME_TOGGLES] = g_param_spec_boolean ("name-toggles", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-file-row.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalFileRow, check);
  gtk_widget_class_bind_template_child (widget_class, ShoalFileRow, expander);
  gtk_widget_class_bind_template_child (widget_class, ShoalFileRow, icon);
  gtk_widget_class_bind_template_child (widget_class, ShoalFileRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalFileRow, size_label);
  gtk_widget_class_bind_template_callback (widget_class, name_released_cb);
}

static void
shoal_file_row_init (ShoalFileRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
