/* shoal-add-file.c: one file of a torrent being added, and its row
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row binds its check box both ways to the file's "wanted" property;
 * expressions in a .ui file only bind one way, hence a small widget.
 */

#include "config.h"

#include "shoal-add-file.h"
#include "shoal-format.h"

struct _ShoalAddFile
{
  GObject   parent_instance;

  guint     index;
  char     *path;
  guint64   size;
  gboolean  wanted;
};

G_DEFINE_FINAL_TYPE (ShoalAddFile, shoal_add_file, G_TYPE_OBJECT)

enum {
  FILE_PROP_0,
  FILE_PROP_PATH,
  FILE_PROP_SIZE_TEXT,
  FILE_PROP_WANTED,
  FILE_N_PROPS
};

static GParamSpec *file_properties[FILE_N_PROPS];

/**
 * shoal_add_file_new:
 * @index: the file's index in the metainfo
 * @path: its path inside the torrent
 * @size: its length in bytes
 *
 * Returns: (transfer full): a wanted file
 */
ShoalAddFile *
shoal_add_file_new (guint       index,
                    const char *path,
                    guint64     size)
{
  ShoalAddFile *self = g_object_new (SHOAL_TYPE_ADD_FILE, NULL);

  self->index = index;
  self->path = g_strdup (path);
  self->size = size;
  return self;
}

guint
shoal_add_file_get_index (ShoalAddFile *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_FILE (self), 0);
  return self->index;
}

guint64
shoal_add_file_get_size (ShoalAddFile *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_FILE (self), 0);
  return self->size;
}

gboolean
shoal_add_file_get_wanted (ShoalAddFile *self)
{
  g_return_val_if_fail (SHOAL_IS_ADD_FILE (self), FALSE);
  return self->wanted;
}

void
shoal_add_file_set_wanted (ShoalAddFile *self,
                           gboolean      wanted)
{
  g_return_if_fail (SHOAL_IS_ADD_FILE (self));

  wanted = !!wanted;
  if (self->wanted == wanted)
    return;
  self->wanted = wanted;
  g_object_notify_by_pspec (G_OBJECT (self), file_properties[FILE_PROP_WANTED]);
}

static void
shoal_add_file_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ShoalAddFile *self = SHOAL_ADD_FILE (object);

  switch (prop_id)
    {
    case FILE_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case FILE_PROP_SIZE_TEXT:
      g_value_take_string (value, shoal_format_size (self->size));
      break;
    case FILE_PROP_WANTED:
      g_value_set_boolean (value, self->wanted);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_add_file_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ShoalAddFile *self = SHOAL_ADD_FILE (object);

  switch (prop_id)
    {
    case FILE_PROP_WANTED:
      shoal_add_file_set_wanted (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_add_file_finalize (GObject *object)
{
  ShoalAddFile *self = SHOAL_ADD_FILE (object);

  g_clear_pointer (&self->path, g_free);
  G_OBJECT_CLASS (shoal_add_file_parent_class)->finalize (object);
}

static void
shoal_add_file_class_init (ShoalAddFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shoal_add_file_get_property;
  object_class->set_property = shoal_add_file_set_property;
  object_class->finalize = shoal_add_file_finalize;

  file_properties[FILE_PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  file_properties[FILE_PROP_SIZE_TEXT] =
    g_param_spec_string ("size-text", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  file_properties[FILE_PROP_WANTED] =
    g_param_spec_boolean ("wanted", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, FILE_N_PROPS, file_properties);
}

static void
shoal_add_file_init (ShoalAddFile *self)
{
  self->wanted = TRUE;
}

/* The row */

struct _ShoalAddFileRow
{
  GtkWidget     parent_instance;

  GtkWidget    *check;
  GtkWidget    *path_label;
  GtkWidget    *size_label;
  ShoalAddFile *file;
  GBinding     *binding;
};

G_DEFINE_FINAL_TYPE (ShoalAddFileRow, shoal_add_file_row, GTK_TYPE_WIDGET)

enum {
  ROW_PROP_0,
  ROW_PROP_FILE,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
shoal_add_file_row_set_file (ShoalAddFileRow *self,
                             ShoalAddFile    *file)
{
  g_autofree char *size = NULL;

  if (self->file == file)
    return;

  g_clear_pointer (&self->binding, g_binding_unbind);
  g_set_object (&self->file, file);

  if (file != NULL)
    {
      self->binding = g_object_bind_property (file, "wanted", self->check, "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
      size = shoal_format_size (file->size);
      gtk_label_set_text (GTK_LABEL (self->path_label), file->path);
      gtk_widget_set_tooltip_text (self->path_label, file->path);
      gtk_label_set_text (GTK_LABEL (self->size_label), size);
      /* The check box's accessible name is the file it selects. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, file->path, -1);
    }
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_FILE]);
}

static void
label_pressed_cb (ShoalAddFileRow *self)
{
  /* Clicking the name toggles the file, like a check button label. */
  if (self->file != NULL)
    shoal_add_file_set_wanted (self->file, !self->file->wanted);
}

static void
shoal_add_file_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalAddFileRow *self = SHOAL_ADD_FILE_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_add_file_row_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ShoalAddFileRow *self = SHOAL_ADD_FILE_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_FILE:
      shoal_add_file_row_set_file (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_add_file_row_dispose (GObject *object)
{
  ShoalAddFileRow *self = SHOAL_ADD_FILE_ROW (object);

  g_clear_pointer (&self->binding, g_binding_unbind);
  g_clear_object (&self->file);
  g_clear_pointer (&self->check, gtk_widget_unparent);
  g_clear_pointer (&self->path_label, gtk_widget_unparent);
  g_clear_pointer (&self->size_label, gtk_widget_unparent);

  G_OBJECT_CLASS (shoal_add_file_row_parent_class)->dispose (object);
}

static void
shoal_add_file_row_class_init (ShoalAddFileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = shoal_add_file_row_get_property;
  object_class->set_property = shoal_add_file_row_set_property;
  object_class->dispose = shoal_add_file_row_dispose;

  row_properties[ROW_PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, SHOAL_TYPE_ADD_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
shoal_add_file_row_init (ShoalAddFileRow *self)
{
  GtkGesture *click;

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);

  self->check = gtk_check_button_new ();
  gtk_widget_set_parent (self->check, GTK_WIDGET (self));

  self->path_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->path_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->path_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (self->path_label, TRUE);
  gtk_widget_set_parent (self->path_label, GTK_WIDGET (self));
  click = gtk_gesture_click_new ();
  g_signal_connect_swapped (click, "released", G_CALLBACK (label_pressed_cb), self);
  gtk_widget_add_controller (self->path_label, GTK_EVENT_CONTROLLER (click));

  self->size_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->size_label, "dim-label");
  gtk_widget_add_css_class (self->size_label, "numeric");
  gtk_widget_set_parent (self->size_label, GTK_WIDGET (self));
}
