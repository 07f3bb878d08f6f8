/* shoal-details-util.c: formatting and list columns shared by the details pages
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "shoal-details-util.h"

/* Scales @value to the largest binary unit under it; returns the exponent
 * (0 for bytes, 1 for KiB, ...) and the scaled number as text. Numbers
 * under 100 keep one decimal unless it is zero, so that an axis reads
 * "1 MiB/s, 1.5 MiB/s" rather than "1.0 MiB/s". */
static guint
scale_binary (guint64   value,
              char    **number)
{
  double v = (double) value;
  guint exponent = 0;
  double rounded;

  while (v >= 1024.0 && exponent < 4)
    {
      v /= 1024.0;
      exponent++;
    }

  rounded = round (v * 10.0) / 10.0;
  if (exponent == 0 || v >= 100.0 || rounded == floor (rounded))
    *number = g_strdup_printf ("%.0f", exponent == 0 ? v : round (v));
  else
    *number = g_strdup_printf ("%.1f", rounded);
  return exponent;
}

/**
 * shoal_format_size:
 * @bytes: a size
 *
 * Formats a size with binary units, as "1.5 MiB".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_size (guint64 bytes)
{
  g_autofree char *n = NULL;

  switch (scale_binary (bytes, &n))
    {
    case 0:
      /* Translators: a size in bytes; %s is the number */
      return g_strdup_printf (_("%s B"), n);
    case 1:
      return g_strdup_printf (_("%s KiB"), n);
    case 2:
      return g_strdup_printf (_("%s MiB"), n);
    case 3:
      return g_strdup_printf (_("%s GiB"), n);
    default:
      return g_strdup_printf (_("%s TiB"), n);
    }
}

/**
 * shoal_format_rate:
 * @bytes_per_second: a transfer rate
 *
 * Formats a rate with binary units, as "1.5 MiB/s".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_rate (guint64 bytes_per_second)
{
  g_autofree char *n = NULL;

  switch (scale_binary (bytes_per_second, &n))
    {
    case 0:
      /* Translators: a transfer rate in bytes per second; %s is the number */
      return g_strdup_printf (_("%s B/s"), n);
    case 1:
      return g_strdup_printf (_("%s KiB/s"), n);
    case 2:
      return g_strdup_printf (_("%s MiB/s"), n);
    case 3:
      return g_strdup_printf (_("%s GiB/s"), n);
    default:
      return g_strdup_printf (_("%s TiB/s"), n);
    }
}

/**
 * shoal_format_duration:
 * @seconds: a duration, not negative
 *
 * Formats a duration with its two largest units, as "3 h 20 min": a person
 * waiting for a download does not care about the seconds of a day.
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_duration (gint64 seconds)
{
  int d, h, m, s;

  seconds = MAX (seconds, 0);
  /* Clamped to what an int holds, some 68 years */
  seconds = MIN (seconds, (gint64) G_MAXINT);
  d = (int) (seconds / 86400);
  h = (int) ((seconds % 86400) / 3600);
  m = (int) ((seconds % 3600) / 60);
  s = (int) (seconds % 60);

  if (d > 0)
    /* Translators: a duration in days and hours */
    return g_strdup_printf (_("%d d %d h"), d, h);
  if (h > 0)
    /* Translators: a duration in hours and minutes */
    return g_strdup_printf (_("%d h %d min"), h, m);
  if (m > 0)
    /* Translators: a duration in minutes and seconds */
    return g_strdup_printf (_("%d min %d s"), m, s);
  /* Translators: a duration in seconds */
  return g_strdup_printf (_("%d s"), s);
}

/**
 * shoal_format_relative_time:
 * @unix_time: a time, 0 for none
 * @now: the current time
 *
 * Formats a time close to now, as "2 min ago" or "in 5 min".
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_relative_time (gint64 unix_time,
                            gint64 now)
{
  g_autofree char *d = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never"));
  if (ABS (unix_time - now) < 1)
    return g_strdup (_("Now"));

  d = shoal_format_duration (ABS (unix_time - now));
  if (unix_time < now)
    /* Translators: %s is a duration, as "2 min 5 s" */
    return g_strdup_printf (_("%s ago"), d);
  /* Translators: %s is a duration, as "2 min 5 s" */
  return g_strdup_printf (_("in %s"), d);
}

/**
 * shoal_format_date:
 * @unix_time: a time, 0 for none
 *
 * Formats a date and time in the user's locale.
 *
 * Returns: (transfer full): the text
 */
char *
shoal_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) dt = NULL;

  if (unix_time <= 0)
    return g_strdup (_("Never"));
  dt = g_date_time_new_from_unix_local (unix_time);
  if (dt == NULL)
    return g_strdup (_("Unknown"));
  return g_date_time_format (dt, "%x %X");
}

/* Label columns */

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

/**
 * shoal_widget_unparent_children:
 * @widget: a widget
 *
 * Unparents every child of @widget, for the dispose of widgets whose
 * template's top child has no id (gtk_widget_dispose_template() only
 * handles the bound ones).
 */
void
shoal_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}
