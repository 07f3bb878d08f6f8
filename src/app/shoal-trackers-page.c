/* shoal-trackers-page.c: a torrent's trackers, editable
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A column view over the announcer's tracker list, which the engine
 * keeps up to date (status, counts, times) by property notifications.
 * Times are shown relative to now ("2 min ago"), so the labels showing
 * them are kept in a set and rewritten every second while the page is
 * shown. Adding and editing go through a small dialog; every change is
 * made through the torrent's API, and the list follows the engine's
 * model rather than being edited here.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-label-column.h"
#include "shoal-details-view.h"
#include "shoal-tracker-dialog.h"
#include "shoal-trackers-page.h"

struct _ShoalTrackersPage
{
  GtkWidget           parent_instance;

  ShoalTorrent       *torrent;
  GtkSingleSelection *selection;
  GHashTable         *time_labels;   /* GtkLabel → nothing */
  guint               timer_id;

  /* The add/edit dialog, while it is open */
  ShoalTrackerDialog *dialog;

  GtkColumnView      *column_view;
  GtkLabel           *error_label;
};

G_DEFINE_FINAL_TYPE (ShoalTrackersPage, shoal_trackers_page, GTK_TYPE_WIDGET)

/**
 * shoal_trackers_page_new:
 *
 * Returns: (transfer full): a new, empty #ShoalTrackersPage
 */
ShoalTrackersPage *
shoal_trackers_page_new (void)
{
  return g_object_new (SHOAL_TYPE_TRACKERS_PAGE, NULL);
}

static ShoalTrackerInfo *
selected_tracker (ShoalTrackersPage *self)
{
  if (self->selection == NULL)
    return NULL;
  return gtk_single_selection_get_selected_item (self->selection);
}

static void
update_actions (ShoalTrackersPage *self)
{
  gboolean selected = selected_tracker (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trackers.add", self->torrent != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trackers.edit", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trackers.remove", selected);
}

static void
show_error (ShoalTrackersPage *self,
            const GError      *error)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  if (error != NULL)
    gtk_label_set_text (self->error_label, error->message);
}

/* Text of the columns */

static char *
tier_text (gpointer item)
{
  /* Tiers count from 1 for people */
  return g_strdup_printf ("%u", shoal_tracker_info_get_tier (item) + 1);
}

static char *
url_text (gpointer item)
{
  return g_strdup (shoal_tracker_info_get_url (item));
}

static char *
status_text (gpointer item)
{
  switch (shoal_tracker_info_get_status (item))
    {
    case SHOAL_TRACKER_STATUS_IDLE:
      return g_strdup (_("Idle"));
    case SHOAL_TRACKER_STATUS_ANNOUNCING:
      return g_strdup (_("Announcing…"));
    case SHOAL_TRACKER_STATUS_WORKING:
      return g_strdup (_("Working"));
    case SHOAL_TRACKER_STATUS_ERROR:
      return g_strdup (_("Error"));
    case SHOAL_TRACKER_STATUS_BACKUP:
      return g_strdup (_("Backup"));
    default:
      return g_strdup (_("Unknown"));
    }
}

static char *
message_text (gpointer item)
{
  return g_strdup (shoal_tracker_info_get_message (item));
}

static char *
count_text (gint64 count)
{
  return count < 0 ? g_strdup ("—") : g_strdup_printf ("%" G_GINT64_FORMAT, count);
}

static char *
seeders_text (gpointer item)
{
  return count_text (shoal_tracker_info_get_seeders (item));
}

static char *
leechers_text (gpointer item)
{
  return count_text (shoal_tracker_info_get_leechers (item));
}

static void
add_label_column (ShoalTrackersPage    *self,
                  const char           *title,
                  ShoalLabelColumnFunc  text_func,
                  ShoalLabelColumnFunc  tooltip_func,
                  const char           *property,
                  gboolean              numeric,
                  gboolean              expand)
{
  const char *watched[] = { property, NULL };
  g_autoptr(GtkColumnViewColumn) column = NULL;

  column = shoal_label_column_new (title, text_func, tooltip_func, watched, numeric ? 1.f : 0.f, FALSE);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
}

/* Time columns: labels rewritten every second */

static void
time_label_update (GtkLabel *label)
{
  ShoalTrackerInfo *info = g_object_get_data (G_OBJECT (label), "shoal-item");
  gboolean next = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "shoal-next"));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *text = NULL;

  if (info == NULL)
    return;
  if (next)
    {
      gint64 t = shoal_tracker_info_get_next_announce (info);

      /* A time already passed means the announce is under way or late;
       * "in 0 s" or "3 s ago" would read as nonsense for the future. */
      text = t <= 0 ? g_strdup ("—") : shoal_format_relative_time (MAX (t, now), now);
    }
  else
    text = shoal_format_relative_time (shoal_tracker_info_get_last_announce (info), now);
  if (g_strcmp0 (gtk_label_get_text (label), text) != 0)
    gtk_label_set_text (label, text);
}

static void
time_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ShoalTrackersPage        *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  g_object_set_data (G_OBJECT (label), "shoal-next", g_object_get_data (G_OBJECT (factory), "shoal-next"));
  gtk_list_item_set_child (list_item, label);
}

static void
time_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              ShoalTrackersPage        *self)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  g_object_set_data_full (G_OBJECT (label), "shoal-item",
                          g_object_ref (gtk_list_item_get_item (list_item)), g_object_unref);
  g_hash_table_add (self->time_labels, label);
  time_label_update (GTK_LABEL (label));
}

static void
time_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                ShoalTrackersPage        *self)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  g_hash_table_remove (self->time_labels, label);
  g_object_set_data (G_OBJECT (label), "shoal-item", NULL);
}

static void
time_teardown_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  ShoalTrackersPage        *self)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  if (label != NULL)
    g_hash_table_remove (self->time_labels, label);
}

static void
add_time_column (ShoalTrackersPage *self,
                 const char        *title,
                 gboolean           next)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;

  g_object_set_data (G_OBJECT (factory), "shoal-next", GINT_TO_POINTER (next));
  g_signal_connect (factory, "setup", G_CALLBACK (time_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (time_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (time_unbind_cb), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (time_teardown_cb), self);
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
}

static gboolean
time_timeout_cb (gpointer user_data)
{
  ShoalTrackersPage *self = user_data;
  GHashTableIter iter;
  gpointer label;

  g_hash_table_iter_init (&iter, self->time_labels);
  while (g_hash_table_iter_next (&iter, &label, NULL))
    time_label_update (label);
  return G_SOURCE_CONTINUE;
}

/* The add/edit dialog */

static void
dialog_response_cb (ShoalTrackersPage  *self,
                    const char         *response,
                    ShoalTrackerDialog *dialog)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *editing_url = shoal_tracker_dialog_get_editing_url (dialog);

  if (g_strcmp0 (response, "apply") == 0 && self->torrent != NULL)
    {
      url = shoal_tracker_dialog_dup_url (dialog);
      if (editing_url != NULL)
        shoal_torrent_replace_tracker (self->torrent, editing_url, url, &error);
      else
        shoal_torrent_add_tracker (self->torrent, url, shoal_tracker_dialog_get_tier (dialog), &error);
      show_error (self, error);
    }

  self->dialog = NULL;
}

static guint
next_tier (ShoalTrackersPage *self)
{
  GListModel *trackers = shoal_torrent_get_trackers (self->torrent);
  guint n = g_list_model_get_n_items (trackers);
  guint tier = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (trackers, i);

      tier = MAX (tier, shoal_tracker_info_get_tier (info) + 1);
    }
  return tier;
}

static void
open_dialog (ShoalTrackersPage *self,
             ShoalTrackerInfo  *editing)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->dialog));
      return;
    }

  self->dialog = shoal_tracker_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                           editing != NULL ? shoal_tracker_info_get_url (editing) : NULL,
                                           editing != NULL ? shoal_tracker_info_get_tier (editing) : next_tier (self));
  g_signal_connect_object (self->dialog, "response", G_CALLBACK (dialog_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (self->dialog));
}

static void
add_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (widget);

  if (self->torrent != NULL)
    open_dialog (self, NULL);
}

static void
edit_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (widget);
  ShoalTrackerInfo *info = selected_tracker (self);

  if (info != NULL)
    open_dialog (self, info);
}

static void
remove_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (widget);
  ShoalTrackerInfo *info = selected_tracker (self);
  g_autofree char *url = NULL;

  if (info == NULL || self->torrent == NULL)
    return;
  /* The item goes away with the removal. */
  url = g_strdup (shoal_tracker_info_get_url (info));
  shoal_torrent_remove_tracker (self->torrent, url);
  show_error (self, NULL);
}

static void
row_activated_cb (ShoalTrackersPage *self,
                  guint              position)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "trackers.edit", NULL);
}

/**
 * shoal_trackers_page_set_torrent:
 * @self: a trackers page
 * @torrent: (nullable): the torrent whose trackers to show
 */
void
shoal_trackers_page_set_torrent (ShoalTrackersPage *self,
                                 ShoalTorrent      *torrent)
{
  g_return_if_fail (SHOAL_IS_TRACKERS_PAGE (self));

  if (self->dialog != NULL)
    gtk_window_close (GTK_WINDOW (self->dialog));
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_set_object (&self->torrent, torrent);
  show_error (self, NULL);

  if (torrent != NULL)
    {
      self->selection = gtk_single_selection_new (g_object_ref (shoal_torrent_get_trackers (torrent)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (update_actions), self);
    }
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  update_actions (self);
}

static void
shoal_trackers_page_map (GtkWidget *widget)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (widget);

  GTK_WIDGET_CLASS (shoal_trackers_page_parent_class)->map (widget);

  time_timeout_cb (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, time_timeout_cb, self);
}

static void
shoal_trackers_page_unmap (GtkWidget *widget)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (widget);

  g_clear_handle_id (&self->timer_id, g_source_remove);

  GTK_WIDGET_CLASS (shoal_trackers_page_parent_class)->unmap (widget);
}

static void
shoal_trackers_page_dispose (GObject *object)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  self->dialog = NULL;
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_TRACKERS_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->selection);
  g_clear_object (&self->torrent);

  G_OBJECT_CLASS (shoal_trackers_page_parent_class)->dispose (object);
}

static void
shoal_trackers_page_finalize (GObject *object)
{
  ShoalTrackersPage *self = SHOAL_TRACKERS_PAGE (object);

  g_hash_table_unref (self->time_labels);

  G_OBJECT_CLASS (shoal_trackers_page_parent_class)->finalize (object);
}

static void
shoal_trackers_page_class_init (ShoalTrackersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_trackers_page_dispose;
  object_class->finalize = shoal_trackers_page_finalize;
  widget_class->map = shoal_trackers_page_map;
  widget_class->unmap = shoal_trackers_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-trackers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalTrackersPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalTrackersPage, error_label);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "trackers.add", NULL, add_action_cb);
  gtk_widget_class_install_action (widget_class, "trackers.edit", NULL, edit_action_cb);
  gtk_widget_class_install_action (widget_class, "trackers.remove", NULL, remove_action_cb);
}

static void
shoal_trackers_page_init (ShoalTrackersPage *self)
{
  self->time_labels = g_hash_table_new (NULL, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  add_label_column (self, _("Tier"), tier_text, NULL, "tier", TRUE, FALSE);
  add_label_column (self, _("URL"), url_text, url_text, "url", FALSE, TRUE);
  add_label_column (self, _("Status"), status_text, message_text, "status", FALSE, FALSE);
  add_label_column (self, _("Message"), message_text, message_text, "message", FALSE, TRUE);
  add_label_column (self, _("Seeders"), seeders_text, NULL, "seeders", TRUE, FALSE);
  add_label_column (self, _("Leechers"), leechers_text, NULL, "leechers", TRUE, FALSE);
  add_time_column (self, _("Last Announce"), FALSE);
  add_time_column (self, _("Next Announce"), TRUE);

  update_actions (self);
}
