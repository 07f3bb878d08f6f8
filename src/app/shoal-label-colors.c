/* shoal-label-colors.c: the labels' colours as a property
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "label-colors" setting, as the "colors" property of an object, so
 * that a GtkExpression (the rows of the torrent list) can watch it: a
 * setting has no notification an expression follows.
 */

#include "config.h"

#include "shoal-label-colors.h"

struct _ShoalLabelColors
{
  GObject   parent_instance;

  GVariant *colors;  /* a{ss} */
};

G_DEFINE_FINAL_TYPE (ShoalLabelColors, shoal_label_colors, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_COLORS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
variant_mapping (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  g_value_set_variant (value, variant);
  return TRUE;
}

/**
 * shoal_label_colors_new:
 * @settings: the app's settings
 *
 * Returns: (transfer full): an object whose "colors" follows the
 *   "label-colors" setting of @settings
 */
ShoalLabelColors *
shoal_label_colors_new (GSettings *settings)
{
  ShoalLabelColors *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SHOAL_TYPE_LABEL_COLORS, NULL);
  /* GSettings binds no GVariant property by itself */
  g_settings_bind_with_mapping (settings, "label-colors", self, "colors", G_SETTINGS_BIND_GET, variant_mapping, NULL,
                                NULL, NULL);
  return self;
}

/**
 * shoal_label_colors_get_colors:
 * @self: a #ShoalLabelColors
 *
 * Returns: (transfer none): each label's colour, a{ss}
 */
GVariant *
shoal_label_colors_get_colors (ShoalLabelColors *self)
{
  g_return_val_if_fail (SHOAL_IS_LABEL_COLORS (self), NULL);
  return self->colors;
}

static void
shoal_label_colors_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalLabelColors *self = SHOAL_LABEL_COLORS (object);

  switch (prop_id)
    {
    case PROP_COLORS:
      g_value_set_variant (value, self->colors);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_label_colors_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ShoalLabelColors *self = SHOAL_LABEL_COLORS (object);
  GVariant *colors;

  switch (prop_id)
    {
    case PROP_COLORS:
      colors = g_value_get_variant (value);
      if (colors == NULL)
        colors = g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0);
      if (self->colors != NULL && g_variant_equal (self->colors, colors))
        {
          g_variant_unref (g_variant_ref_sink (colors));
          return;
        }
      g_clear_pointer (&self->colors, g_variant_unref);
      self->colors = g_variant_ref_sink (colors);
      g_object_notify_by_pspec (object, properties[PROP_COLORS]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_label_colors_finalize (GObject *object)
{
  ShoalLabelColors *self = SHOAL_LABEL_COLORS (object);

  g_clear_pointer (&self->colors, g_variant_unref);
  G_OBJECT_CLASS (shoal_label_colors_parent_class)->finalize (object);
}

static void
shoal_label_colors_class_init (ShoalLabelColorsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shoal_label_colors_get_property;
  object_class->set_property = shoal_label_colors_set_property;
  object_class->finalize = shoal_label_colors_finalize;

  /* ShoalLabelColors:colors: each label's colour, "#rrggbb" */
  properties[PROP_COLORS] = g_param_spec_variant ("colors", NULL, NULL, G_VARIANT_TYPE ("a{ss}"), NULL,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_label_colors_init (ShoalLabelColors *self)
{
  self->colors = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{ss}"), NULL, 0));
}
