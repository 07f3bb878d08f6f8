/* shoal-torrent-item-widget.c: one row of the torrent list, drawn whole
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A row shows the torrent's name, its percentage, a progress bar and one
 * status line ("12.3 MiB of 300 MiB · ↓ 2.1 MiB/s · 4 min left"). It is
 * one widget that draws all of that itself, with a height that depends
 * on the fonts only, not on the texts:
 *
 *  - GTK 4.8's list view keeps 200 rows realized whatever is visible, and
 *    makes a new row widget for each torrent added in view (newest first:
 *    each one). A row of labels, boxes and a progress bar was eight
 *    widgets and CSS nodes to create, style and measure; after a burst of
 *    added torrents a single frame spent 40 ms on them.
 *  - A label asks for a new size each time its text changes, and its row
 *    is measured again, text shaped included, visible or not. Here a new
 *    text is only a redraw, and only rows on screen are drawn.
 *
 * The texts are laid out when the row is first drawn; the line heights
 * come from the font metrics, computed once per font for all the rows.
 */

#include "config.h"

#include "shoal-torrent-item-widget.h"

#define MARGIN_X     6
#define MARGIN_Y     9
#define SPACING      4
#define GAP          12  /* between the name and the percentage */
#define BAR_HEIGHT   8
#define DIM_ALPHA    0.55  /* libadwaita's .dim-label */
#define NAT_WIDTH    300

struct _ShoalTorrentItemWidget
{
  GtkWidget             parent_instance;

  char                 *title;
  char                 *progress_text;
  char                 *summary_text;
  char                 *labels_markup;  /* coloured dots and names, or NULL */
  double                progress;

  /* Made when first drawn; dropped when a text or the font changes. */
  PangoFontDescription *font;
  PangoLayout          *title_layout;
  PangoLayout          *progress_layout;
  PangoLayout          *summary_layout;
  PangoLayout          *labels_layout;
};

G_DEFINE_FINAL_TYPE (ShoalTorrentItemWidget, shoal_torrent_item_widget, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TITLE,
  PROP_PROGRESS_TEXT,
  PROP_SUMMARY_TEXT,
  PROP_PROGRESS,
  PROP_LABELS_MARKUP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Fonts */

/* As libadwaita's .heading and .caption style classes give them, in
 * points (which the display's resolution scales). */
#define TITLE_POINTS   11
#define CAPTION_POINTS 9

static PangoFontDescription *
title_font (const PangoFontDescription *base)
{
  PangoFontDescription *desc = pango_font_description_copy (base);

  pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_font_description_set_size (desc, TITLE_POINTS * PANGO_SCALE);
  return desc;
}

static PangoFontDescription *
caption_font (const PangoFontDescription *base)
{
  PangoFontDescription *desc = pango_font_description_copy (base);

  pango_font_description_set_size (desc, CAPTION_POINTS * PANGO_SCALE);
  return desc;
}

/* The line heights of the title and the status line, for the widget's
 * font: computed once per font and resolution, for every row. */
typedef struct
{
  int title;
  int caption;
} LineHeights;

static int
line_height (PangoContext               *context,
             const PangoFontDescription *desc)
{
  PangoFontMetrics *metrics = pango_context_get_metrics (context, desc, NULL);
  int height = PANGO_PIXELS_CEIL (pango_font_metrics_get_height (metrics));

  if (height <= 0)
    height = PANGO_PIXELS_CEIL (pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics));
  pango_font_metrics_unref (metrics);
  return height;
}

static LineHeights
get_line_heights (ShoalTorrentItemWidget *self)
{
  static GHashTable *cache;
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *base = pango_context_get_font_description (context);
  g_autofree char *font = pango_font_description_to_string (base);
  g_autofree char *key = g_strdup_printf ("%s@%g", font, pango_cairo_context_get_resolution (context));
  LineHeights *found;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  found = g_hash_table_lookup (cache, key);
  if (found == NULL)
    {
      g_autoptr(PangoFontDescription) title = title_font (base);
      g_autoptr(PangoFontDescription) caption = caption_font (base);

      /* A handful of fonts in a run at most (a change of text size). */
      if (g_hash_table_size (cache) >= 16)
        g_hash_table_remove_all (cache);
      found = g_new (LineHeights, 1);
      found->title = line_height (context, title);
      found->caption = line_height (context, caption);
      g_hash_table_insert (cache, g_steal_pointer (&key), found);
    }
  return *found;
}

/* Layouts */

static void
clear_layouts (ShoalTorrentItemWidget *self)
{
  g_clear_object (&self->title_layout);
  g_clear_object (&self->progress_layout);
  g_clear_object (&self->summary_layout);
  g_clear_object (&self->labels_layout);
}

static PangoLayout *
make_layout (ShoalTorrentItemWidget     *self,
             const char                 *text,
             const PangoFontDescription *desc,
             gboolean                    ellipsize)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text != NULL ? text : "");

  pango_layout_set_font_description (layout, desc);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (ellipsize)
    pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  return layout;
}

/* Lays the texts out for @width: the percentage at its natural width, the
 * name and the status line ellipsized in what is left. */
static void
ensure_layouts (ShoalTorrentItemWidget *self,
                int                     width)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *base = pango_context_get_font_description (context);
  int inner = MAX (0, width - 2 * MARGIN_X);
  int progress_width;

  if (self->font == NULL || !pango_font_description_equal (self->font, base))
    {
      clear_layouts (self);
      g_clear_pointer (&self->font, pango_font_description_free);
      self->font = pango_font_description_copy (base);
    }
  if (self->title_layout == NULL)
    {
      g_autoptr(PangoFontDescription) desc = title_font (base);

      self->title_layout = make_layout (self, self->title, desc, TRUE);
    }
  if (self->progress_layout == NULL)
    {
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

      self->progress_layout = make_layout (self, self->progress_text, base, FALSE);
      /* Figures of one width, as the .numeric style class gives. */
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      pango_layout_set_attributes (self->progress_layout, attrs);
    }
  if (self->summary_layout == NULL)
    {
      g_autoptr(PangoFontDescription) desc = caption_font (base);

      self->summary_layout = make_layout (self, self->summary_text, desc, TRUE);
    }
  if (self->labels_layout == NULL && self->labels_markup != NULL && self->labels_markup[0] != '\0')
    {
      g_autoptr(PangoFontDescription) desc = caption_font (base);

      self->labels_layout = make_layout (self, NULL, desc, TRUE);
      pango_layout_set_markup (self->labels_layout, self->labels_markup, -1);
    }
  pango_layout_get_pixel_size (self->progress_layout, &progress_width, NULL);
  if (self->labels_layout != NULL)
    {
      int labels_width;

      /* The labels take at most a third of the line, the name the rest. */
      pango_layout_set_width (self->labels_layout, -1);
      pango_layout_get_pixel_size (self->labels_layout, &labels_width, NULL);
      labels_width = MIN (labels_width, inner / 3);
      pango_layout_set_width (self->labels_layout, labels_width * PANGO_SCALE);
      progress_width += labels_width + GAP;
    }
  pango_layout_set_width (self->title_layout, MAX (0, inner - progress_width - GAP) * PANGO_SCALE);
  pango_layout_set_width (self->summary_layout, inner * PANGO_SCALE);
}

/* Drawing */

static void
get_colors (ShoalTorrentItemWidget *self,
            GdkRGBA                *fg,
            GdkRGBA                *accent)
{
  GtkStyleContext *style;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  style = gtk_widget_get_style_context (GTK_WIDGET (self));
  gtk_style_context_get_color (style, fg);
  if (!gtk_style_context_lookup_color (style, "accent_bg_color", accent) &&
      !gtk_style_context_lookup_color (style, "accent_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
append_rounded (GtkSnapshot           *snapshot,
                const graphene_rect_t *clip,
                const graphene_rect_t *fill,
                const GdkRGBA         *color)
{
  GskRoundedRect rounded;

  gsk_rounded_rect_init_from_rect (&rounded, clip, clip->size.height / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, color, fill);
  gtk_snapshot_pop (snapshot);
}

static void
shoal_torrent_item_widget_snapshot (GtkWidget   *widget,
                                    GtkSnapshot *snapshot)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (widget);
  int width = gtk_widget_get_width (widget);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  LineHeights heights = get_line_heights (self);
  GdkRGBA fg, dim, accent, trough;
  int inner = MAX (0, width - 2 * MARGIN_X);
  int progress_width, progress_height, title_width;
  float y = MARGIN_Y;
  graphene_rect_t bar, fill;

  ensure_layouts (self, width);
  get_colors (self, &fg, &accent);
  dim = fg;
  dim.alpha *= DIM_ALPHA;
  trough = fg;
  trough.alpha *= 0.15f;

  /* The name, and the percentage at the end of its line */
  pango_layout_get_pixel_size (self->progress_layout, &progress_width, &progress_height);
  pango_layout_get_pixel_size (self->title_layout, &title_width, NULL);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (rtl ? MARGIN_X + inner - title_width : MARGIN_X, y));
  gtk_snapshot_append_layout (snapshot, self->title_layout, &fg);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (rtl ? MARGIN_X : MARGIN_X + inner - progress_width,
                                                          y + (heights.title - progress_height) / 2.0f));
  gtk_snapshot_append_layout (snapshot, self->progress_layout, &dim);
  gtk_snapshot_restore (snapshot);
  /* The labels between them, before the percentage */
  if (self->labels_layout != NULL)
    {
      int labels_width, labels_height;

      pango_layout_get_pixel_size (self->labels_layout, &labels_width, &labels_height);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (rtl ? MARGIN_X + progress_width + GAP
                                                        : MARGIN_X + inner - progress_width - GAP - labels_width,
                                                    y + (heights.title - labels_height) / 2.0f));
      gtk_snapshot_append_layout (snapshot, self->labels_layout, &fg);
      gtk_snapshot_restore (snapshot);
    }
  y += heights.title + SPACING;

  /* The bar, filled from the start of the line */
  bar = GRAPHENE_RECT_INIT (MARGIN_X, y, inner, BAR_HEIGHT);
  fill = GRAPHENE_RECT_INIT (rtl ? MARGIN_X + inner * (1.0 - self->progress) : MARGIN_X, y,
                             inner * self->progress, BAR_HEIGHT);
  append_rounded (snapshot, &bar, &bar, &trough);
  if (self->progress > 0)
    append_rounded (snapshot, &bar, &fill, &accent);
  y += BAR_HEIGHT + SPACING;

  /* The status line */
  {
    int summary_width;

    pango_layout_get_pixel_size (self->summary_layout, &summary_width, NULL);
    gtk_snapshot_save (snapshot);
    gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (rtl ? MARGIN_X + inner - summary_width : MARGIN_X, y));
    gtk_snapshot_append_layout (snapshot, self->summary_layout, &dim);
    gtk_snapshot_restore (snapshot);
  }
}

/* Size: from the fonts only */

static void
shoal_torrent_item_widget_measure (GtkWidget      *widget,
                                   GtkOrientation  orientation,
                                   int             for_size,
                                   int            *minimum,
                                   int            *natural,
                                   int            *minimum_baseline,
                                   int            *natural_baseline)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 2 * MARGIN_X;
      *natural = NAT_WIDTH;
    }
  else
    {
      LineHeights heights = get_line_heights (self);

      *minimum = *natural = 2 * MARGIN_Y + heights.title + SPACING + BAR_HEIGHT + SPACING + heights.caption;
    }
}

/* The whole name or status line as a tooltip, when it does not fit */
static gboolean
shoal_torrent_item_widget_query_tooltip (GtkWidget  *widget,
                                         int         x,
                                         int         y,
                                         gboolean    keyboard_tooltip,
                                         GtkTooltip *tooltip)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (widget);
  LineHeights heights = get_line_heights (self);
  int summary_top = MARGIN_Y + heights.title + SPACING + BAR_HEIGHT + SPACING;

  ensure_layouts (self, gtk_widget_get_width (widget));
  if (keyboard_tooltip || y < summary_top)
    {
      if (!pango_layout_is_ellipsized (self->title_layout))
        return FALSE;
      gtk_tooltip_set_text (tooltip, self->title);
      return TRUE;
    }
  if (!pango_layout_is_ellipsized (self->summary_layout))
    return FALSE;
  gtk_tooltip_set_text (tooltip, self->summary_text);
  return TRUE;
}

/* Properties */

static void
update_accessible (ShoalTorrentItemWidget *self)
{
  g_autofree char *description = g_strdup_printf ("%s · %s", self->progress_text ? self->progress_text : "",
                                                  self->summary_text ? self->summary_text : "");

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->title ? self->title : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

/* Returns whether the text changed; the layout showing it is then made
 * again when the row is drawn. */
static gboolean
set_text (ShoalTorrentItemWidget  *self,
          char                   **field,
          PangoLayout            **layout,
          const char              *text)
{
  if (g_strcmp0 (*field, text) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (text);
  g_clear_object (layout);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

static void
shoal_torrent_item_widget_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      if (set_text (self, &self->title, &self->title_layout, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_PROGRESS_TEXT:
      /* The name's room depends on the percentage's width. */
      if (set_text (self, &self->progress_text, &self->progress_layout, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_SUMMARY_TEXT:
      if (set_text (self, &self->summary_text, &self->summary_layout, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_LABELS_MARKUP:
      if (set_text (self, &self->labels_markup, &self->labels_layout, g_value_get_string (value)))
        {
          /* The name's room depends on the labels' width. */
          g_clear_object (&self->title_layout);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_PROGRESS:
      if (self->progress != g_value_get_double (value))
        {
          self->progress = CLAMP (g_value_get_double (value), 0.0, 1.0);
          gtk_widget_queue_draw (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_item_widget_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;
    case PROP_SUMMARY_TEXT:
      g_value_set_string (value, self->summary_text);
      break;
    case PROP_LABELS_MARKUP:
      g_value_set_string (value, self->labels_markup);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_item_widget_finalize (GObject *object)
{
  ShoalTorrentItemWidget *self = SHOAL_TORRENT_ITEM_WIDGET (object);

  clear_layouts (self);
  g_clear_pointer (&self->font, pango_font_description_free);
  g_free (self->title);
  g_free (self->progress_text);
  g_free (self->summary_text);
  g_free (self->labels_markup);
  G_OBJECT_CLASS (shoal_torrent_item_widget_parent_class)->finalize (object);
}

static void
shoal_torrent_item_widget_class_init (ShoalTorrentItemWidgetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = shoal_torrent_item_widget_finalize;
  object_class->get_property = shoal_torrent_item_widget_get_property;
  object_class->set_property = shoal_torrent_item_widget_set_property;
  widget_class->measure = shoal_torrent_item_widget_measure;
  widget_class->snapshot = shoal_torrent_item_widget_snapshot;
  widget_class->query_tooltip = shoal_torrent_item_widget_query_tooltip;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY_TEXT] =
    g_param_spec_string ("summary-text", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LABELS_MARKUP] =
    g_param_spec_string ("labels-markup", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "torrent-item");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
shoal_torrent_item_widget_init (ShoalTorrentItemWidget *self)
{
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
shoal_torrent_item_widget_new (void)
{
  return g_object_new (SHOAL_TYPE_TORRENT_ITEM_WIDGET, NULL);
}

const char *
shoal_torrent_item_widget_get_title (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), NULL);
  return self->title;
}

const char *
shoal_torrent_item_widget_get_progress_text (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), NULL);
  return self->progress_text;
}

const char *
shoal_torrent_item_widget_get_summary_text (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), NULL);
  return self->summary_text;
}

/**
 * shoal_torrent_item_widget_get_labels_markup:
 * @self: a row
 *
 * Returns: (nullable): the Pango markup of the torrent's labels, each after
 *   a dot of its colour
 */
const char *
shoal_torrent_item_widget_get_labels_markup (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), NULL);
  return self->labels_markup;
}

double
shoal_torrent_item_widget_get_progress (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), 0.0);
  return self->progress;
}

/**
 * shoal_torrent_item_widget_is_cut:
 * @self: a row, allocated
 *
 * Returns: whether the name or the status line does not fit (it is
 *   ellipsized, and its whole text is the tooltip)
 */
gboolean
shoal_torrent_item_widget_is_cut (ShoalTorrentItemWidget *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ITEM_WIDGET (self), FALSE);

  ensure_layouts (self, gtk_widget_get_width (GTK_WIDGET (self)));
  return pango_layout_is_ellipsized (self->title_layout) || pango_layout_is_ellipsized (self->summary_layout);
}
