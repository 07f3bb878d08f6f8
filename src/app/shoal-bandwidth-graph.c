/* shoal-bandwidth-graph.c: download and upload rates over the last minutes
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ring of one sample a second, drawn as two filled curves over a grid.
 * The rate axis goes up in powers of two of a byte, so its labels read
 * "256 KiB/s, 512 KiB/s, 768 KiB/s, 1 MiB/s" rather than odd decimals.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-bandwidth-graph.h"
#include "shoal-format.h"

#define MIN_SCALE   (16 * 1024)
#define LABEL_GAP   6
#define PAD         8

struct _ShoalRateHistory
{
  guint64    down[SHOAL_BANDWIDTH_GRAPH_N_SAMPLES];
  guint64    up[SHOAL_BANDWIDTH_GRAPH_N_SAMPLES];
  guint      first;     /* index of the oldest sample */
  guint      n;         /* samples held */
};

struct _ShoalBandwidthGraph
{
  GtkWidget         parent_instance;

  ShoalRateHistory  own;
  ShoalRateHistory *history;  /* own, or one kept by someone else */
};

/**
 * shoal_rate_history_new:
 *
 * A history of rates, one sample a second for the last five minutes,
 * which a graph can show (shoal_bandwidth_graph_set_history()) and
 * outlive: the torrents keep theirs whether or not they are shown.
 *
 * Returns: (transfer full): a new empty history, for g_free()
 */
ShoalRateHistory *
shoal_rate_history_new (void)
{
  return g_new0 (ShoalRateHistory, 1);
}

/**
 * shoal_rate_history_add:
 * @history: a history
 * @download_rate: bytes per second
 * @upload_rate: bytes per second
 *
 * Adds a sample, forgetting the oldest one if the history is full.
 */
void
shoal_rate_history_add (ShoalRateHistory *history,
                        guint64           download_rate,
                        guint64           upload_rate)
{
  guint i;

  if (history->n < SHOAL_BANDWIDTH_GRAPH_N_SAMPLES)
    i = (history->first + history->n++) % SHOAL_BANDWIDTH_GRAPH_N_SAMPLES;
  else
    {
      i = history->first;
      history->first = (history->first + 1) % SHOAL_BANDWIDTH_GRAPH_N_SAMPLES;
    }
  history->down[i] = download_rate;
  history->up[i] = upload_rate;
}

/**
 * shoal_rate_history_get_n_samples:
 * @history: a history
 *
 * Returns: how many samples it holds
 */
guint
shoal_rate_history_get_n_samples (const ShoalRateHistory *history)
{
  return history->n;
}

G_DEFINE_FINAL_TYPE (ShoalBandwidthGraph, shoal_bandwidth_graph, GTK_TYPE_WIDGET)

/**
 * shoal_bandwidth_graph_new:
 *
 * Returns: (transfer full): a new, empty #ShoalBandwidthGraph
 */
ShoalBandwidthGraph *
shoal_bandwidth_graph_new (void)
{
  return g_object_new (SHOAL_TYPE_BANDWIDTH_GRAPH, NULL);
}

/**
 * shoal_bandwidth_graph_add_sample:
 * @self: a graph
 * @download_rate: bytes per second received
 * @upload_rate: bytes per second sent
 *
 * Appends a sample; the graph keeps the last
 * %SHOAL_BANDWIDTH_GRAPH_N_SAMPLES, taken one a second.
 */
void
shoal_bandwidth_graph_add_sample (ShoalBandwidthGraph *self,
                                  guint64              download_rate,
                                  guint64              upload_rate)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_GRAPH (self));

  shoal_rate_history_add (self->history, download_rate, upload_rate);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * shoal_bandwidth_graph_set_history:
 * @self: a graph
 * @history: (nullable): the history to show, which must outlive its use
 *   here; %NULL for the graph's own
 *
 * Shows a history kept elsewhere; shoal_bandwidth_graph_add_sample() then
 * adds to it. Call gtk_widget_queue_draw() when it changes otherwise.
 */
void
shoal_bandwidth_graph_set_history (ShoalBandwidthGraph *self,
                                   ShoalRateHistory    *history)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_GRAPH (self));

  self->history = history != NULL ? history : &self->own;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * shoal_bandwidth_graph_clear:
 * @self: a graph
 *
 * Forgets every sample.
 */
void
shoal_bandwidth_graph_clear (ShoalBandwidthGraph *self)
{
  g_return_if_fail (SHOAL_IS_BANDWIDTH_GRAPH (self));

  self->history->first = 0;
  self->history->n = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * shoal_bandwidth_graph_get_n_samples:
 * @self: a graph
 *
 * Returns: how many samples the graph holds
 */
guint
shoal_bandwidth_graph_get_n_samples (ShoalBandwidthGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_BANDWIDTH_GRAPH (self), 0);
  return self->history->n;
}

static guint64
sample (const guint64 *ring,
        guint          first,
        guint          i)
{
  return ring[(first + i) % SHOAL_BANDWIDTH_GRAPH_N_SAMPLES];
}

/**
 * shoal_bandwidth_graph_get_scale:
 * @self: a graph
 * @step: (out) (optional): the rate between two horizontal grid lines
 *
 * Returns: the rate at the top of the graph: a whole number of @steps,
 *   at least the highest sample held
 */
guint64
shoal_bandwidth_graph_get_scale (ShoalBandwidthGraph *self,
                                 guint64             *step)
{
  guint64 max = MIN_SCALE;
  guint64 s = 1024;

  g_return_val_if_fail (SHOAL_IS_BANDWIDTH_GRAPH (self), MIN_SCALE);

  for (guint i = 0; i < self->history->n; i++)
    max = MAX (max, MAX (sample (self->history->down, self->history->first, i),
                         sample (self->history->up, self->history->first, i)));

  /* Between two and four grid lines, a power of two apart */
  while (s * 4 < max && s < G_MAXUINT64 / 4)
    s *= 2;
  if (step != NULL)
    *step = s;
  return (max + s - 1) / s * s;
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              const char *fallback,
              GdkRGBA    *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, color))
    gdk_rgba_parse (color, fallback);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
foreground (GtkWidget *widget,
            float      alpha,
            GdkRGBA   *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  color->alpha *= alpha;
}

static void
draw_text (GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           const GdkRGBA *color,
           float          x,
           float          y)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* A rate of zero is drawn just above the axis, not hidden under it: an
 * idle upload is a line too. */
static double
rate_y (const graphene_rect_t *plot,
        guint64                rate,
        guint64                scale)
{
  double bottom = plot->origin.y + plot->size.height;

  return MIN (bottom - plot->size.height * (double) rate / (double) scale, bottom - 2.0);
}

static void
draw_series (cairo_t               *cr,
             ShoalBandwidthGraph   *self,
             const guint64         *ring,
             const graphene_rect_t *plot,
             guint64                scale,
             const GdkRGBA         *color)
{
  guint n = self->history->n;
  guint first = self->history->first;
  double dx = plot->size.width / (SHOAL_BANDWIDTH_GRAPH_N_SAMPLES - 1);
  double bottom = plot->origin.y + plot->size.height;
  double x0 = plot->origin.x + plot->size.width - (n - 1) * dx;

  if (n < 2)
    return;

  cairo_move_to (cr, x0, bottom);
  for (guint i = 0; i < n; i++)
    cairo_line_to (cr, x0 + i * dx, rate_y (plot, sample (ring, first, i), scale));
  cairo_line_to (cr, x0 + (n - 1) * dx, bottom);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.25);
  cairo_fill (cr);

  for (guint i = 0; i < n; i++)
    cairo_line_to (cr, x0 + i * dx, rate_y (plot, sample (ring, first, i), scale));
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
}

static void
shoal_bandwidth_graph_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  ShoalBandwidthGraph *self = SHOAL_BANDWIDTH_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA text, grid, axis, down, up;
  graphene_rect_t plot;
  guint64 step, scale;
  int label_width = 0, label_height = 0, w, h;
  float label_x, last_label_x = G_MAXFLOAT;
  cairo_t *cr;

  foreground (widget, 0.7f, &text);
  foreground (widget, 0.12f, &grid);
  foreground (widget, 0.4f, &axis);
  lookup_color (widget, "accent_color", "#1c71d8", &down);
  lookup_color (widget, "success_color", "#26a269", &up);

  scale = shoal_bandwidth_graph_get_scale (self, &step);

  /* The left margin fits the widest rate label. */
  for (guint64 r = 0; r <= scale; r += step)
    {
      g_autofree char *label = shoal_format_rate (r);

      pango_layout_set_text (layout, label, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      label_width = MAX (label_width, w);
      label_height = MAX (label_height, h);
    }

  graphene_rect_init (&plot, PAD + label_width + LABEL_GAP, PAD + label_height / 2.f,
                      width - (PAD + label_width + LABEL_GAP) - 2 * PAD,
                      height - PAD - label_height / 2.f - (label_height + LABEL_GAP) - PAD);
  if (plot.size.width < 20 || plot.size.height < 20)
    return;

  /* Horizontal grid lines and rate labels */
  for (guint64 r = 0; r <= scale; r += step)
    {
      g_autofree char *label = shoal_format_rate (r);
      float y = plot.origin.y + plot.size.height - plot.size.height * (float) ((double) r / (double) scale);

      gtk_snapshot_append_color (snapshot, r == 0 ? &axis : &grid,
                                 &GRAPHENE_RECT_INIT (plot.origin.x, y - 0.5f, plot.size.width, 1));
      pango_layout_set_text (layout, label, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      draw_text (snapshot, layout, &text, plot.origin.x - LABEL_GAP - w, y - h / 2.f);
    }

  /* Vertical grid lines, one a minute, labelled with the time ago */
  for (guint minute = 0; minute <= SHOAL_BANDWIDTH_GRAPH_N_SAMPLES / 60; minute++)
    {
      g_autofree char *label = NULL;
      float x = plot.origin.x + plot.size.width
                - plot.size.width * (float) (minute * 60) / (SHOAL_BANDWIDTH_GRAPH_N_SAMPLES - 1);

      x = MAX (x, plot.origin.x);
      gtk_snapshot_append_color (snapshot, minute == SHOAL_BANDWIDTH_GRAPH_N_SAMPLES / 60 ? &axis : &grid,
                                 &GRAPHENE_RECT_INIT (x - 0.5f, plot.origin.y, 1, plot.size.height));
      if (minute == 0)
        label = g_strdup (_("now"));
      else
        /* Translators: on the time axis of the bandwidth graph */
        label = g_strdup_printf (ngettext ("%u min ago", "%u min ago", minute), minute);
      pango_layout_set_text (layout, label, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      label_x = CLAMP (x - w / 2.f, plot.origin.x - LABEL_GAP, width - PAD - w);
      /* In a narrow graph, only the labels that do not run into the one
       * on their right */
      if (label_x + w + LABEL_GAP > last_label_x)
        continue;
      draw_text (snapshot, layout, &text, label_x, plot.origin.y + plot.size.height + LABEL_GAP);
      last_label_x = label_x;
    }

  cr = gtk_snapshot_append_cairo (snapshot, &plot);
  cairo_rectangle (cr, plot.origin.x, plot.origin.y, plot.size.width, plot.size.height);
  cairo_clip (cr);
  draw_series (cr, self, self->history->up, &plot, scale, &up);
  draw_series (cr, self, self->history->down, &plot, scale, &down);
  cairo_destroy (cr);
}

static void
shoal_bandwidth_graph_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 600;
    }
  else
    {
      *minimum = 120;
      *natural = 240;
    }
}

static void
shoal_bandwidth_graph_class_init (ShoalBandwidthGraphClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = shoal_bandwidth_graph_snapshot;
  widget_class->measure = shoal_bandwidth_graph_measure;

  gtk_widget_class_set_css_name (widget_class, "bandwidthgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
shoal_bandwidth_graph_init (ShoalBandwidthGraph *self)
{
  self->history = &self->own;
}
