/* shoal-statistics-dialog.c: the session's totals over every run
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the session counts across runs (its total-downloaded,
 * total-uploaded, total-ratio, seconds-active and first-start
 * properties), one row each, read again every second while shown.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-statistics-dialog.h"

struct _ShoalStatisticsDialog
{
  AdwWindow     parent_instance;

  ShoalSession *session;
  GHashTable   *labels;   /* property name → GtkLabel */
  guint         timer_id;
};

G_DEFINE_FINAL_TYPE (ShoalStatisticsDialog, shoal_statistics_dialog, ADW_TYPE_WINDOW)

static const char * const properties[] = {
  "total-downloaded", "total-uploaded", "total-ratio", "seconds-active", "first-start",
};

static char *
value_text (ShoalSession *session,
            const char   *property)
{
  if (g_str_equal (property, "total-ratio"))
    {
      double ratio = 0;

      g_object_get (session, property, &ratio, NULL);
      return g_strdup_printf ("%.2f", ratio);
    }
  if (g_str_equal (property, "first-start"))
    {
      gint64 when = 0;

      g_object_get (session, property, &when, NULL);
      return when > 0 ? shoal_format_date (when) : g_strdup (_("Never"));
    }
  if (g_str_equal (property, "seconds-active"))
    {
      guint64 seconds = 0;

      g_object_get (session, property, &seconds, NULL);
      return shoal_format_duration ((gint64) MIN (seconds, (guint64) G_MAXINT64));
    }
  {
    guint64 bytes = 0;

    g_object_get (session, property, &bytes, NULL);
    return shoal_format_size (bytes);
  }
}

static void
update (ShoalStatisticsDialog *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
    {
      g_autofree char *text = value_text (self->session, properties[i]);

      gtk_label_set_text (g_hash_table_lookup (self->labels, properties[i]), text);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  update (user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_statistics_dialog_new:
 * @session: the session whose totals to show
 *
 * Returns: (transfer none): a new dialog, to present
 */
ShoalStatisticsDialog *
shoal_statistics_dialog_new (ShoalSession *session)
{
  ShoalStatisticsDialog *self;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_STATISTICS_DIALOG, NULL);
  self->session = g_object_ref (session);
  update (self);
  self->timer_id = g_timeout_add_seconds (1, tick_cb, self);
  return self;
}

/**
 * shoal_statistics_dialog_get_value:
 * @self: a statistics dialog
 * @property: one of the session properties it shows
 *
 * Returns: (nullable): the text shown for it
 */
const char *
shoal_statistics_dialog_get_value (ShoalStatisticsDialog *self,
                                   const char            *property)
{
  GtkLabel *label;

  g_return_val_if_fail (SHOAL_IS_STATISTICS_DIALOG (self), NULL);
  label = g_hash_table_lookup (self->labels, property);
  return label != NULL ? gtk_label_get_text (label) : NULL;
}

static void
shoal_statistics_dialog_dispose (GObject *object)
{
  ShoalStatisticsDialog *self = SHOAL_STATISTICS_DIALOG (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (shoal_statistics_dialog_parent_class)->dispose (object);
}

static void
shoal_statistics_dialog_finalize (GObject *object)
{
  ShoalStatisticsDialog *self = SHOAL_STATISTICS_DIALOG (object);

  g_hash_table_unref (self->labels);

  G_OBJECT_CLASS (shoal_statistics_dialog_parent_class)->finalize (object);
}

static void
shoal_statistics_dialog_class_init (ShoalStatisticsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_statistics_dialog_dispose;
  object_class->finalize = shoal_statistics_dialog_finalize;
}

static void
shoal_statistics_dialog_init (ShoalStatisticsDialog *self)
{
  const char *titles[] = {
    _("Downloaded"), _("Uploaded"), _("Ratio"), _("Time Running"), _("Since"),
  };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();

  G_STATIC_ASSERT (G_N_ELEMENTS (titles) == G_N_ELEMENTS (properties));

  self->labels = g_hash_table_new (g_str_hash, g_str_equal);
  gtk_window_set_title (GTK_WINDOW (self), _("Statistics"));
  gtk_window_set_default_size (GTK_WINDOW (self), 360, -1);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("All torrents, every time Shoal ran"));
  for (guint i = 0; i < G_N_ELEMENTS (properties); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label = gtk_label_new (NULL);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), titles[i]);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_hash_table_insert (self->labels, (gpointer) properties[i], label);
    }
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}
