/* shoal-window.c: the main window and its torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The actions, dialogs and drag-and-drop live in shoal-window-actions.c;
 * this file builds the list models, the layout, the footer and the window
 * state.
 *
 * The layout adapts to the window's width: under NARROW_WIDTH the details
 * of a torrent are a page of their own (a leaflet page, reached by
 * clicking a row, left with the back button or a swipe); wider, they
 * stand in a pane beside the list, shown only while one torrent is
 * selected, whose width is remembered.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-connect-dialog.h"
#include "shoal-format.h"
#include "shoal-details-view.h"
#include "shoal-remote-details.h"
#include "shoal-sidebar.h"
#include "shoal-torrent-item.h"
#include "shoal-torrent-row.h"
#include "shoal-network-banner.h"
#include "shoal-window-private.h"

/* Below this width the details are a page of their own. */
#define NARROW_WIDTH 720
/* From this width on the filter sidebar stands beside the list; below,
 * it opens over the list. */
#define SIDEBAR_WIDTH 1200

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, ADW_TYPE_APPLICATION_WINDOW)

static void shoal_window_set_up (ShoalWindow      *self,
                                 ShoalApplication *app);

/**
 * shoal_window_new:
 * @application: the #ShoalApplication the window belongs to
 *
 * Creates a main window for @application, sized as the user last left it,
 * showing the torrents of the application's session.
 *
 * Returns: (transfer full): a new #ShoalWindow
 */
ShoalWindow *
shoal_window_new (ShoalApplication *application)
{
  ShoalWindow *self;

  g_return_val_if_fail (SHOAL_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (shoal_application_get_session (application) != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_WINDOW,
                       "application", application,
                       NULL);
  shoal_window_set_up (self, application);
  return self;
}

/**
 * shoal_window_save_state:
 * @self: a window
 *
 * Remembers the window size in the settings, for the next start.
 */
void
shoal_window_save_state (ShoalWindow *self)
{
  int width = 0;
  int height = 0;
  gboolean maximized;

  g_return_if_fail (SHOAL_IS_WINDOW (self));

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  /* Only remember the size of an unmaximized window: that is the size
   * the user chose, and the one to come back to after unmaximizing. */
  if (!maximized)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }

  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  if (self->pane_width > 0)
    g_settings_set_int (self->settings, "details-pane-width", CLAMP (self->pane_width, 200, 4000));
}

static void
shoal_window_restore_state (ShoalWindow *self)
{
  int width;
  int height;

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");

  /* A zero or negative size would mean "natural size" to GTK; ignore
   * such values (for example from a hand-edited dconf) rather than
   * opening a tiny window. */
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/**
 * shoal_window_add_toast:
 * @self: a window
 * @title: what to tell the user
 *
 * Shows a short message over the torrent list.
 */
void
shoal_window_add_toast (ShoalWindow *self,
                        const char  *title)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  /* Toast titles are markup; error messages and file names are not. */
  escaped = g_markup_escape_text (title, -1);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
}

/**
 * shoal_window_get_last_toast:
 * @self: a window
 *
 * AdwToastOverlay does not let anyone read its toasts back; this does, for
 * the tests.
 *
 * Returns: (nullable): the text of the last toast shown
 */
const char *
shoal_window_get_last_toast (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->last_toast;
}

/**
 * shoal_window_get_list_view:
 * @self: a window
 *
 * Returns: (transfer none): the torrent list
 */
GtkListView *
shoal_window_get_list_view (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->list_view;
}

/**
 * shoal_window_get_details_view:
 * @self: a window
 *
 * Returns: (transfer none): the details of the selected torrent, a
 *   #ShoalDetailsView, in the pane or on the details page
 */
GtkWidget *
shoal_window_get_details_view (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->details_view;
}

/**
 * shoal_window_is_narrow:
 * @self: a window
 *
 * Returns: whether the window has its narrow layout, the details being a
 *   page of their own
 */
gboolean
shoal_window_is_narrow (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), FALSE);
  return self->narrow;
}

/**
 * shoal_window_get_selection:
 * @self: a window
 *
 * The rows sorted and filtered as shown, after flushing pending changes.
 *
 * Returns: (transfer none): the selection model of the torrent list, a
 *   #GListModel of #ShoalTorrentRow
 */
GtkSelectionModel *
shoal_window_get_selection (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);

  shoal_torrent_list_flush (self->rows);
  return GTK_SELECTION_MODEL (self->selection);
}

/**
 * shoal_window_get_dialog:
 * @self: a window
 *
 * Returns: (transfer none) (nullable): the dialog the window shows, if
 *   one is open
 */
GtkWindow *
shoal_window_get_dialog (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->dialog;
}

void
shoal_window_set_dialog (ShoalWindow *self,
                         GtkWindow   *dialog)
{
  g_set_weak_pointer (&self->dialog, dialog);
  if (dialog != NULL)
    shoal_window_fit_dialog (self, dialog);
}

/**
 * shoal_window_fit_dialog:
 * @self: a window
 * @dialog: a dialog of @self, not shown yet
 *
 * Makes @dialog no wider and no taller than the window it belongs to (its
 * default size is for a large window; it can still be made larger).
 */
void
shoal_window_fit_dialog (ShoalWindow *self,
                         GtkWindow   *dialog)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int dialog_width, dialog_height;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (GTK_IS_WINDOW (dialog));

  if (width <= 0 || height <= 0)
    return;
  gtk_window_get_default_size (dialog, &dialog_width, &dialog_height);
  gtk_window_set_default_size (dialog,
                               dialog_width > 0 ? MIN (dialog_width, width) : dialog_width,
                               dialog_height > 0 ? MIN (dialog_height, height) : dialog_height);
}

/**
 * shoal_window_set_search:
 * @self: a window
 * @text: (nullable): text to look for in torrent names
 *
 * Shows only the torrents whose name contains @text, as the search entry
 * does.
 */
void
shoal_window_set_search (ShoalWindow *self,
                         const char  *text)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));

  gtk_search_bar_set_search_mode (self->search_bar, text != NULL && text[0] != '\0');
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
}

/* The targets of the win.state-filter action, in ShoalStateFilter order */
static const char * const state_filter_names[] = {
  "all", "downloading", "seeding", "paused", "finished", "error", "queued",
};

/**
 * shoal_window_set_state_filter:
 * @self: a window
 * @filter: a #ShoalStateFilter: which torrents to show (all,
 *   downloading, seeding, paused, finished, error, then queued)
 */
void
shoal_window_set_state_filter (ShoalWindow *self,
                               guint        filter)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (filter <= SHOAL_STATE_FILTER_QUEUED);

  g_action_group_change_action_state (G_ACTION_GROUP (self), "state-filter",
                                      g_variant_new_string (state_filter_names[filter]));
}

/* The Show menu: filters the list, and the window's subtitle says which
 * torrents it shows when not all of them. */
static void
state_filter_change_state (GSimpleAction *action,
                           GVariant      *value,
                           gpointer       user_data)
{
  ShoalWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);
  static const char *subtitles[] = {
    NULL, NC_("filter", "Downloading"), NC_("filter", "Seeding"), NC_("filter", "Paused"),
    NC_("filter", "Finished"), NC_("filter", "Error"), NC_("filter", "Queued"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (state_filter_names); i++)
    if (g_str_equal (name, state_filter_names[i]))
      {
        self->state_filter_value = (ShoalStateFilter) i;
        g_simple_action_set_state (action, value);
        adw_window_title_set_subtitle (self->window_title, subtitles[i] != NULL ? g_dpgettext2 (NULL, "filter", subtitles[i]) : NULL);
        gtk_filter_changed (GTK_FILTER (self->state_filter), GTK_FILTER_CHANGE_DIFFERENT);
        shoal_sidebar_set_state_filter (SHOAL_SIDEBAR (self->sidebar), name);
        return;
      }
}

/* Filtering */

static gboolean
state_filter_func (gpointer item,
                   gpointer user_data)
{
  ShoalWindow *self = user_data;
  ShoalTorrentRow *row = item;

  return shoal_sidebar_state_matches (state_filter_names[self->state_filter_value], shoal_torrent_row_get_state (row),
                                      shoal_torrent_row_get_progress (row));
}

/* The sidebar's state entries are the Show menu's */
static void
sidebar_state_cb (ShoalWindow *self)
{
  g_action_group_change_action_state (G_ACTION_GROUP (self), "state-filter",
                                      g_variant_new_string (shoal_sidebar_get_state_filter (SHOAL_SIDEBAR (self->sidebar))));
}

/**
 * shoal_window_get_sidebar:
 * @self: a window
 *
 * Returns: (transfer none): the filter sidebar, a #ShoalSidebar
 */
GtkWidget *
shoal_window_get_sidebar (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->sidebar;
}

static void
update_stack (ShoalWindow *self)
{
  const char *page;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->rows)) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0)
    page = "no-results";
  else
    page = "list";
  gtk_stack_set_visible_child_name (self->stack, page);
}

/* Sorting */

static int
reverse_compare_cb (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  return -gtk_ordering_from_cmpfunc (gtk_sorter_compare (user_data, (gpointer) a, (gpointer) b));
}

/* The list's order from the settings: one value, then the name for the
 * rows that are equal in it. */
static void
update_sorter (ShoalWindow *self)
{
  g_autofree char *key = g_settings_get_string (self->settings, "sort-by");
  gboolean descending = g_settings_get_boolean (self->settings, "sort-descending");
  GtkMultiSorter *sorter = gtk_multi_sorter_new ();
  GtkStringSorter *by_name;

  by_name = gtk_string_sorter_new (gtk_property_expression_new (SHOAL_TYPE_TORRENT_ROW, NULL, "name"));
  gtk_string_sorter_set_ignore_case (by_name, TRUE);

  if (g_str_equal (key, "name"))
    {
      if (descending)
        gtk_multi_sorter_append (sorter, GTK_SORTER (gtk_custom_sorter_new (reverse_compare_cb, by_name,
                                                                            g_object_unref)));
      else
        gtk_multi_sorter_append (sorter, GTK_SORTER (by_name));
    }
  else
    {
      GtkNumericSorter *by_value =
        gtk_numeric_sorter_new (gtk_property_expression_new (SHOAL_TYPE_TORRENT_ROW, NULL, key));

      gtk_numeric_sorter_set_sort_order (by_value, descending ? GTK_SORT_DESCENDING : GTK_SORT_ASCENDING);
      gtk_multi_sorter_append (sorter, GTK_SORTER (by_value));
      gtk_multi_sorter_append (sorter, GTK_SORTER (by_name));
    }
  gtk_sort_list_model_set_sorter (self->sort_model, GTK_SORTER (sorter));
  g_object_unref (sorter);
}

/**
 * shoal_window_set_sort:
 * @self: a window
 * @key: a property of #ShoalTorrentRow the sort menu offers: "added",
 *   "name", "size", "progress", "download-rate", "upload-rate", "eta"
 *   or "ratio"
 * @descending: whether the largest value comes first
 *
 * Sorts the list, as the sort menu does (and remembers it as the menu
 * does).
 */
void
shoal_window_set_sort (ShoalWindow *self,
                       const char  *key,
                       gboolean     descending)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (key != NULL);

  g_settings_set_string (self->settings, "sort-by", key);
  g_settings_set_boolean (self->settings, "sort-descending", descending);
}

/* Layout */

static ShoalTorrent *
details_torrent (ShoalWindow *self)
{
  return shoal_details_view_get_torrent (SHOAL_DETAILS_VIEW (self->details_view));
}

/* Whether the details show a torrent, local or remote */
static gboolean
has_details (ShoalWindow *self)
{
  return details_torrent (self) != NULL ||
         shoal_remote_details_get_torrent (SHOAL_REMOTE_DETAILS (self->remote_details)) != NULL;
}

/* The details pane, in a wide window, is there while one torrent is
 * selected, as wide as the user left it. */
static void
update_details_pane (ShoalWindow *self)
{
  gboolean any = has_details (self);
  gboolean shown = !self->narrow && any;

  if (shown && !gtk_widget_get_visible (self->details_box))
    self->restore_pane = TRUE;
  gtk_widget_set_visible (self->details_box, self->narrow || any);

  if (self->narrow && !any &&
      adw_leaflet_get_visible_child (self->leaflet) == self->details_page)
    shoal_window_show_list (self);
}

static void
restore_pane_width (ShoalWindow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->paned));

  if (width <= 0 || !gtk_widget_get_visible (self->details_box) || self->narrow)
    return;
  self->restore_pane = FALSE;
  gtk_paned_set_position (self->paned, MAX (width - self->pane_width, 0));
}

static void
paned_position_cb (ShoalWindow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->paned));

  /* Only what the user sets, in the wide layout with the pane shown */
  if (self->narrow || self->restore_pane || width <= 0 || !gtk_widget_get_visible (self->details_box))
    return;
  self->pane_width = width - gtk_paned_get_position (self->paned);
}

/* Moves the details where the layout wants them: on their own page when
 * narrow, in the pane beside the list when wide. */
static void
update_layout (ShoalWindow *self)
{
  GtkWidget *details = self->details_box;

  g_object_ref (details);
  if (self->narrow && adw_bin_get_child (self->details_bin) != details)
    {
      gtk_paned_set_end_child (self->paned, NULL);
      adw_bin_set_child (self->details_bin, details);
    }
  else if (!self->narrow && gtk_paned_get_end_child (self->paned) != details)
    {
      shoal_window_show_list (self);
      adw_bin_set_child (self->details_bin, NULL);
      gtk_paned_set_end_child (self->paned, details);
      self->restore_pane = TRUE;
    }
  g_object_unref (details);

  /* The start, pause and remove buttons of a narrow window are on the
   * details page, which the selected torrent opens. */
  gtk_widget_set_visible (self->torrent_actions, !self->narrow);
  /* The sidebar: beside the list when wide, over it when narrow (from
   * the Show menu: a narrow header bar has no room for its button) */
  adw_flap_set_fold_policy (self->flap, self->sidebar_beside ? ADW_FLAP_FOLD_POLICY_NEVER : ADW_FLAP_FOLD_POLICY_ALWAYS);
  gtk_widget_set_visible (self->sidebar_button, !self->narrow);
  if (self->narrow)
    gtk_widget_add_css_class (GTK_WIDGET (self), "narrow");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "narrow");
  update_details_pane (self);
}

static gboolean
layout_idle_cb (gpointer user_data)
{
  ShoalWindow *self = user_data;

  self->layout_idle_id = 0;
  g_debug ("Window layout: %s%s", self->narrow ? "narrow" : "wide", self->restore_pane ? ", pane width restored" : "");
  update_layout (self);
  if (self->restore_pane)
    restore_pane_width (self);
  return G_SOURCE_REMOVE;
}

static void
shoal_window_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  ShoalWindow *self = SHOAL_WINDOW (widget);
  gboolean narrow = width < NARROW_WIDTH;
  gboolean sidebar_beside = width >= SIDEBAR_WIDTH;

  GTK_WIDGET_CLASS (shoal_window_parent_class)->size_allocate (widget, width, height, baseline);

  /* Nothing may change size while the window allocates: the new layout
   * comes right after, before the next frame. */
  if (self->layout_idle_id != 0)
    return;
  /* A new layout, or the pane just shown to be given its width: the
   * window allocates at every change of a label's size, and nothing else
   * is worth an idle. */
  if (narrow != self->narrow || sidebar_beside != self->sidebar_beside || !self->layout_known ||
      (self->restore_pane && !self->narrow && gtk_widget_get_visible (self->details_box)))
    {
      self->narrow = narrow;
      self->sidebar_beside = sidebar_beside;
      self->layout_known = TRUE;
      self->layout_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, layout_idle_cb, self, NULL);
    }
}

/**
 * shoal_window_show_details:
 * @self: a window
 *
 * Shows the details of the selected torrent: in a narrow window, goes to
 * the details page.
 */
void
shoal_window_show_details (ShoalWindow *self)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));

  if (!has_details (self))
    return;
  if (self->narrow)
    adw_leaflet_set_visible_child (self->leaflet, self->details_page);
}

/**
 * shoal_window_show_list:
 * @self: a window
 *
 * Goes back to the torrent list from the details page.
 */
void
shoal_window_show_list (ShoalWindow *self)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));

  adw_leaflet_set_visible_child (self->leaflet, self->list_page);
}

/* Details */

static void
selection_changed_cb (ShoalWindow *self)
{
  g_autoptr(GPtrArray) selected = shoal_window_dup_selected_items (self);
  ShoalAppTorrent *item = selected->len == 1 ? g_ptr_array_index (selected, 0) : NULL;
  ShoalTorrent *torrent = item != NULL ? shoal_app_torrent_get_local (item) : NULL;
  ShoalAppRemoteTorrent *remote = item != NULL && torrent == NULL ? SHOAL_APP_REMOTE_TORRENT (item) : NULL;
  ShoalRemoteDetails *remote_details = SHOAL_REMOTE_DETAILS (self->remote_details);

  shoal_window_update_actions (self);

  /* The details show one torrent: the only one selected. */
  if (torrent != details_torrent (self))
    {
      g_clear_pointer (&self->details_title_binding, g_binding_unbind);
      if (torrent != NULL)
        self->details_title_binding = g_object_bind_property (torrent, "name", self->details_title, "title",
                                                              G_BINDING_SYNC_CREATE);
      shoal_details_view_set_torrent (SHOAL_DETAILS_VIEW (self->details_view), torrent);
    }

  /* A remote torrent's details are what its RPC tells: a page of their
   * own, as the engine's pages read the engine. */
  if (remote != shoal_remote_details_get_torrent (remote_details))
    {
      if (torrent == NULL)
        g_clear_pointer (&self->details_title_binding, g_binding_unbind);
      if (remote != NULL)
        self->details_title_binding = g_object_bind_property (shoal_app_remote_torrent_get_remote (remote), "name",
                                                              self->details_title, "title",
                                                              G_BINDING_SYNC_CREATE);
      shoal_remote_details_set_torrent (remote_details, remote);
    }
  gtk_stack_set_visible_child (GTK_STACK (self->details_box),
                               remote != NULL ? self->remote_details : self->details_view);
  update_details_pane (self);
}

static void
model_changed_cb (ShoalWindow *self)
{
  update_stack (self);
  shoal_window_update_actions (self);
}

/* Footer */

static void
free_space_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ShoalWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;

  info = g_file_query_filesystem_info_finish (G_FILE (source), result, &error);
  /* Cancelled means the window is gone: do not touch it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* asked before the window switched to a server */
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE) ||
      shoal_app_session_get_local (self->app_session) == NULL)
    {
      gtk_label_set_text (self->free_space_label, "");
      return;
    }

  size = shoal_format_size (g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
  /* Translators: free disk space in the download folder, %s is a size */
  text = g_strdup_printf (_("%s free"), size);
  gtk_label_set_text (self->free_space_label, text);
}

static void
update_free_space (ShoalWindow *self)
{
  g_autoptr(GFile) dir = NULL;

  /* A server's free space is its own business. */
  if (shoal_app_session_get_local (self->app_session) == NULL)
    {
      gtk_label_set_text (self->free_space_label, "");
      return;
    }
  dir = g_file_new_for_path (shoal_session_get_download_dir (self->session));

  g_file_query_filesystem_info_async (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, G_PRIORITY_LOW,
                                      self->cancellable, free_space_cb, self);
}

static void
update_rates (ShoalWindow *self)
{
  g_autofree char *down = shoal_format_rate (shoal_app_session_get_download_rate (self->app_session));
  g_autofree char *up = shoal_format_rate (shoal_app_session_get_upload_rate (self->app_session));

  gtk_label_set_text (self->download_rate_label, down);
  gtk_label_set_text (self->upload_rate_label, up);
}

static gboolean
footer_tick_cb (gpointer user_data)
{
  ShoalWindow *self = user_data;

  update_rates (self);
  /* Free space changes slowly, and asking may wake a disk: every 10 s. */
  if (++self->free_space_counter % 10 == 0)
    update_free_space (self);
  return G_SOURCE_CONTINUE;
}

static void
settings_changed_cb (ShoalWindow *self,
                     const char  *key)
{
  if (g_str_equal (key, "download-dir"))
    update_free_space (self);
  else if (g_str_equal (key, "sort-by") || g_str_equal (key, "sort-descending"))
    update_sorter (self);
}

/* Close behaviour */

static void
close_response_cb (ShoalWindow    *self,
                   const char     *response,
                   AdwMessageDialog *dialog)
{
  GtkCheckButton *remember = GTK_CHECK_BUTTON (adw_message_dialog_get_extra_child (dialog));
  gboolean quit = g_str_equal (response, "quit");

  if (g_str_equal (response, "cancel"))
    return;

  if (gtk_check_button_get_active (remember))
    g_settings_set_enum (self->settings, "close-behaviour", quit ? 1 : 0);

  if (quit)
    g_action_group_activate_action (G_ACTION_GROUP (gtk_window_get_application (GTK_WINDOW (self))),
                                    "quit", NULL);
  else
    gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* The check box takes the focus first in the dialog; Enter there must
 * still choose the default answer, not toggle the box (Space does). */
static gboolean
remember_key_pressed_cb (AdwMessageDialog      *dialog,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  adw_message_dialog_response (dialog, adw_message_dialog_get_default_response (dialog));
  return TRUE;
}

static gboolean
shoal_window_close_request (GtkWindow *window)
{
  ShoalWindow *self = SHOAL_WINDOW (window);
  GtkApplication *app = gtk_window_get_application (window);
  AdwMessageDialog *dialog;
  GtkWidget *remember;

  shoal_window_save_state (self);

  if (app == NULL)
    return GTK_WINDOW_CLASS (shoal_window_parent_class)->close_request (window);

  switch (g_settings_get_enum (self->settings, "close-behaviour"))
    {
    case 0: /* run in background: the window stays in the application */
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    case 1:
      g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
      return TRUE;
    default:
      break;
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                       _("Keep Transfers Running?"),
                                                       _("Shoal can keep downloading and seeding in the background after the window is closed.")));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "quit", _("_Quit"),
                                    "background", _("_Run in Background"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "background", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "background");
  adw_message_dialog_set_close_response (dialog, "cancel");
  remember = gtk_check_button_new_with_mnemonic (_("_Do not ask again"));
  gtk_widget_set_halign (remember, GTK_ALIGN_CENTER);
  {
    GtkEventController *keys = gtk_event_controller_key_new ();

    gtk_event_controller_set_name (keys, "default-on-enter");
    g_signal_connect_object (keys, "key-pressed", G_CALLBACK (remember_key_pressed_cb), dialog, G_CONNECT_SWAPPED);
    gtk_widget_add_controller (remember, keys);
  }
  adw_message_dialog_set_extra_child (dialog, remember);
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, G_CONNECT_SWAPPED);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* Sessions */

/**
 * shoal_window_get_app_session:
 * @self: a window
 *
 * Returns: (transfer none): the session the window shows: this
 *   computer's, or a server's
 */
ShoalAppSession *
shoal_window_get_app_session (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->app_session;
}

static void
connection_error_cb (ShoalWindow     *self,
                     GParamSpec      *pspec,
                     ShoalAppSession *session)
{
  g_autofree char *message = NULL;

  g_object_get (session, "connection-error", &message, NULL);
  if (message != NULL)
    shoal_window_add_toast (self, message);
}

/**
 * shoal_window_set_app_session:
 * @self: a window
 * @session: (nullable): the session to show; %NULL for this computer's
 *
 * Switches the window to another session: its list, actions and footer
 * show and drive @session from now on.
 */
void
shoal_window_set_app_session (ShoalWindow     *self,
                              ShoalAppSession *session)
{
  gboolean local;

  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (session == NULL || SHOAL_IS_APP_SESSION (session));

  if (session == NULL)
    session = SHOAL_APP_SESSION (self->local_session);
  if (session == self->app_session)
    return;

  g_signal_handlers_disconnect_by_data (self->app_session, self);
  g_set_object (&self->app_session, session);
  g_signal_connect_object (session, "failed", G_CALLBACK (shoal_window_add_toast), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::connection-error", G_CALLBACK (connection_error_cb), self,
                           G_CONNECT_SWAPPED);
  local = shoal_app_session_get_local (session) != NULL;

  g_signal_handlers_disconnect_by_data (self->rows, self);
  g_clear_object (&self->rows);
  self->rows = shoal_torrent_list_new (shoal_app_session_get_torrents (session));
  gtk_filter_list_model_set_model (self->filter_model, G_LIST_MODEL (self->rows));
  shoal_sidebar_set_torrents (SHOAL_SIDEBAR (self->sidebar), shoal_app_session_get_torrents (session), self->settings);
  g_signal_connect_object (self->rows, "items-changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);

  adw_window_title_set_title (self->window_title, local ? _("Shoal") : shoal_app_session_get_title (session));
  /* What only this computer's session has */
  gtk_widget_set_sensitive (GTK_WIDGET (self->alt_speed_button), local);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->alt_speed_button),
                               local ? _("Use Alternative Speed Limits")
                                     : _("The alternative speed limits are the server’s own settings"));
  update_free_space (self);
  update_rates (self);
  update_stack (self);
  selection_changed_cb (self);
  shoal_window_update_sessions_menu (self);
  shoal_window_remote_session_changed (self);
}

/* The Session menu: This Computer, then the servers connected to, last
 * used first (win.session's target is a server's address, "" for this
 * computer). */
void
shoal_window_update_sessions_menu (ShoalWindow *self)
{
  g_autoptr(GVariant) servers = g_settings_get_value (self->settings, "remote-servers");
  g_autoptr(GMenuItem) local = g_menu_item_new (_("This Computer"), NULL);
  const char *current = shoal_app_session_get_url (self->app_session);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "session");
  GVariantIter iter;
  const char *url, *user;

  g_menu_remove_all (self->sessions_section);
  g_menu_item_set_action_and_target_value (local, "win.session", g_variant_new_string (""));
  g_menu_append_item (self->sessions_section, local);
  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s)", &url, &user))
    {
      g_autoptr(GMenuItem) item = NULL;
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      g_autofree char *label = NULL;

      if (uri != NULL && g_uri_get_port (uri) > 0)
        label = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
      else
        label = g_strdup (uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : url);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.session", g_variant_new_string (url));
      g_menu_append_item (self->sessions_section, item);
    }
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (current != NULL ? current : ""));
}

/* Remembers a server, first in the menu; at most 10. */
static void
remember_server (ShoalWindow *self,
                 const char  *url,
                 const char  *user)
{
  g_autoptr(GVariant) servers = g_settings_get_value (self->settings, "remote-servers");
  GVariantBuilder builder;
  GVariantIter iter;
  const char *u, *n;
  guint count = 1;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&builder, "(ss)", url, user != NULL ? user : "");
  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s)", &u, &n) && count < 10)
    if (!g_str_equal (u, url))
      {
        g_variant_builder_add (&builder, "(ss)", u, n);
        count++;
      }
  g_settings_set_value (self->settings, "remote-servers", g_variant_builder_end (&builder));
}

static void
connected_cb (GtkWindow             *parent,
              ShoalAppRemoteSession *session)
{
  ShoalWindow *self = SHOAL_WINDOW (parent);

  remember_server (self, shoal_app_session_get_url (SHOAL_APP_SESSION (session)),
                   shoal_app_remote_session_get_user (session));
  shoal_window_set_app_session (self, SHOAL_APP_SESSION (session));
}

/**
 * shoal_window_connect_dialog:
 * @self: a window
 * @url: (nullable): a server's address to start from
 * @user: (nullable): the user name to start from
 *
 * Connect to Server…: asks for a server's address and login, then shows
 * its torrents in the window. The server is remembered in the Session
 * menu (address and user name: the password is asked each time).
 *
 * Returns: (transfer none): the dialog
 */
GtkWindow *
shoal_window_connect_dialog (ShoalWindow *self,
                             const char  *url,
                             const char  *user)
{
  ShoalConnectDialog *dialog;

  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);

  dialog = shoal_connect_dialog_new (GTK_WINDOW (self), url, user, NULL, connected_cb);
  shoal_window_set_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

static void
connect_server_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  shoal_window_connect_dialog (SHOAL_WINDOW (user_data), NULL, NULL);
}

/* Choosing a server in the Session menu asks for its password. */
static void
session_change_state (GSimpleAction *action,
                      GVariant      *value,
                      gpointer       user_data)
{
  ShoalWindow *self = user_data;
  const char *url = g_variant_get_string (value, NULL);
  g_autoptr(GVariant) servers = NULL;
  GVariantIter iter;
  const char *u, *user = NULL;

  if (url[0] == '\0')
    {
      shoal_window_set_app_session (self, NULL);
      return;
    }
  if (g_strcmp0 (url, shoal_app_session_get_url (self->app_session)) == 0)
    return;
  servers = g_settings_get_value (self->settings, "remote-servers");
  g_variant_iter_init (&iter, servers);
  while (g_variant_iter_next (&iter, "(&s&s)", &u, &user))
    if (g_str_equal (u, url))
      break;
  shoal_window_connect_dialog (self, url, user);
}

/* Setup */

static void
setup_models (ShoalWindow *self)
{
  g_autoptr(GtkEveryFilter) filter = NULL;
  GtkExpression *name_expr;

  self->rows = shoal_torrent_list_new (shoal_app_session_get_torrents (self->app_session));

  name_expr = gtk_property_expression_new (SHOAL_TYPE_TORRENT_ROW, NULL, "name");
  self->search_filter = gtk_string_filter_new (name_expr);
  gtk_string_filter_set_match_mode (self->search_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->search_filter, TRUE);
  g_object_bind_property (self->search_entry, "text", self->search_filter, "search", G_BINDING_SYNC_CREATE);

  self->state_filter = gtk_custom_filter_new (state_filter_func, self, NULL);

  filter = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->search_filter)));
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->state_filter)));
  shoal_sidebar_set_torrents (SHOAL_SIDEBAR (self->sidebar), shoal_app_session_get_torrents (self->app_session),
                              self->settings);
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (shoal_sidebar_get_filter (SHOAL_SIDEBAR (self->sidebar))));
  g_signal_connect_object (self->sidebar, "notify::state-filter", G_CALLBACK (sidebar_state_cb), self,
                           G_CONNECT_SWAPPED);
  {
    g_autoptr(GPropertyAction) show = g_property_action_new ("show-sidebar", self->flap, "reveal-flap");

    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (show));
  }

  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                                  g_object_ref (GTK_FILTER (filter)));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)), NULL);
  update_sorter (self);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->rows, "items-changed", G_CALLBACK (model_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->filter_model, "items-changed", G_CALLBACK (model_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  {
    g_autoptr(GSimpleAction) action = g_simple_action_new_stateful ("state-filter", G_VARIANT_TYPE_STRING,
                                                                    g_variant_new_string ("all"));

    g_signal_connect_object (action, "change-state", G_CALLBACK (state_filter_change_state), self, 0);
    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
  }
}

static void
setup_details (ShoalWindow *self)
{
  self->details_view = GTK_WIDGET (shoal_details_view_new ());
  shoal_details_view_set_session (SHOAL_DETAILS_VIEW (self->details_view), self->session);
  self->remote_details = GTK_WIDGET (shoal_remote_details_new ());
  self->details_box = gtk_stack_new ();
  gtk_stack_add_child (GTK_STACK (self->details_box), self->details_view);
  gtk_stack_add_child (GTK_STACK (self->details_box), self->remote_details);
  gtk_widget_set_visible (self->details_box, FALSE);
  gtk_paned_set_end_child (self->paned, self->details_box);
  self->pane_width = g_settings_get_int (self->settings, "details-pane-width");
  g_signal_connect_object (self->paned, "notify::position", G_CALLBACK (paned_position_cb), self,
                           G_CONNECT_SWAPPED);
}

/* The application is not a construct property of GtkWindow, so it is
 * only known once g_object_new() returns. */
static void
shoal_window_set_up (ShoalWindow      *self,
                     ShoalApplication *app)
{
  const char *startup_error;

  self->session = g_object_ref (shoal_application_get_session (app));
  self->local_session = shoal_app_local_session_new (self->session);
  self->app_session = g_object_ref (SHOAL_APP_SESSION (self->local_session));
  g_signal_connect_object (self->app_session, "failed", G_CALLBACK (shoal_window_add_toast), self, G_CONNECT_SWAPPED);
  /* Why transfers stopped, under the header bar (Preferences › Privacy). */
  gtk_box_insert_child_after (GTK_BOX (self->list_page), shoal_network_banner_new (self->session),
                              gtk_widget_get_first_child (GTK_WIDGET (self->list_page)));

  setup_details (self);
  setup_models (self);
  shoal_window_init_actions (self);
  {
    g_autoptr(GSimpleAction) session = g_simple_action_new_stateful ("session", G_VARIANT_TYPE_STRING,
                                                                     g_variant_new_string (""));
    g_autoptr(GSimpleAction) connect = g_simple_action_new ("connect-server", NULL);

    g_signal_connect_object (session, "change-state", G_CALLBACK (session_change_state), self, 0);
    g_signal_connect_object (connect, "activate", G_CALLBACK (connect_server_action), self, 0);
    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (session));
    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (connect));
  }
  shoal_window_init_remote (self);
  update_stack (self);
  shoal_window_update_actions (self);

  g_settings_bind (self->settings, "alt-speed-enabled", self->alt_speed_button, "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  update_rates (self);
  update_free_space (self);
  shoal_window_update_sessions_menu (self);
  self->footer_id = g_timeout_add_seconds (1, footer_tick_cb, self);

  startup_error = shoal_application_get_startup_error (app);
  if (startup_error != NULL)
    shoal_window_add_toast (self, startup_error);
}

static void
shoal_window_dispose (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->footer_id, g_source_remove);
  g_clear_handle_id (&self->layout_idle_id, g_source_remove);
  g_clear_pointer (&self->details_title_binding, g_binding_unbind);
  shoal_window_clear_awaiting_files (self);
  g_clear_pointer (&self->context_popover, gtk_widget_unparent);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  shoal_window_set_dialog (self, NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WINDOW);

  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->search_filter);
  g_clear_object (&self->state_filter);
  g_clear_object (&self->rows);
  if (self->app_session != NULL)
    g_signal_handlers_disconnect_by_data (self->app_session, self);
  g_clear_object (&self->app_session);
  g_clear_object (&self->local_session);

  G_OBJECT_CLASS (shoal_window_parent_class)->dispose (object);
}

static void
shoal_window_finalize (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->last_toast, g_free);

  G_OBJECT_CLASS (shoal_window_parent_class)->finalize (object);
}

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = shoal_window_dispose;
  object_class->finalize = shoal_window_finalize;

  window_class->close_request = shoal_window_close_request;
  widget_class->size_allocate = shoal_window_size_allocate;

  g_type_ensure (SHOAL_TYPE_TORRENT_ROW);
  g_type_ensure (SHOAL_TYPE_SIDEBAR);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, list_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, details_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, details_bin);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, details_title);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, torrent_actions);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, download_rate_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, upload_rate_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, free_space_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, alt_speed_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, context_menu);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, sessions_section);
}

static void
shoal_window_init (ShoalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    g_autoptr(GtkListItemFactory) factory = shoal_torrent_item_factory_new ();

    gtk_list_view_set_factory (self->list_view, factory);
  }

  /* Development builds get the striped header bar, so they are never
   * mistaken for the installed release. */
  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  shoal_window_restore_state (self);
}
