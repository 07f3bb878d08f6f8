/* shoal-details-view.c: the details pane of the selected torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files of the details pane (for src/app/meson.build):
 *   sources:   shoal-details-view.c, shoal-format.c, shoal-label-column.c,
 *              shoal-general-page.c, shoal-pieces-map.c,
 *              shoal-pieces-page.c, shoal-peers-page.c,
 *              shoal-files-page.c, shoal-file-node.c, shoal-file-row.c,
 *              shoal-trackers-page.c, shoal-tracker-dialog.c,
 *              shoal-bandwidth-graph.c, shoal-bandwidth-page.c,
 *              shoal-options-page.c
 *   templates: shoal-details-view.ui, shoal-general-page.ui,
 *              shoal-pieces-page.ui, shoal-peers-page.ui,
 *              shoal-files-page.ui, shoal-file-row.ui,
 *              shoal-files-page-name.ui, shoal-files-page-priority.ui,
 *              shoal-trackers-page.ui, shoal-tracker-dialog.ui,
 *              shoal-bandwidth-page.ui, shoal-options-page.ui
 *
 * The file tree (shoal-file-node.c, shoal-file-row.c) is the add
 * dialog's too, which is why it lives here: the app links this library.
 *   resources: shoal-details.gresource.xml (prefix
 *              /io/github/shoal/Shoal/details, compiled on its own with
 *              c_name shoal_details)
 *
 * The view only hands the session and the selected torrent to its
 * pages; each page keeps itself up to date (property notifications, and
 * a one-second timer while it is shown). A newly selected torrent goes to
 * the visible page only, and to each other page when it is shown: every
 * page given a torrent measures itself again (the view stack measures
 * all of them), and selecting a torrent would otherwise lay out seven
 * pages in one frame.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-bandwidth-page.h"
#include "shoal-details-view.h"
#include "shoal-files-page.h"
#include "shoal-general-page.h"
#include "shoal-options-page.h"
#include "shoal-peers-page.h"
#include "shoal-pieces-page.h"
#include "shoal-trackers-page.h"

struct _ShoalDetailsView
{
  GtkWidget           parent_instance;

  ShoalSession       *session;
  ShoalTorrent       *torrent;
  gulong              name_id;
  gboolean            had_metainfo;
  /* Pages still showing a torrent other than self->torrent */
  GHashTable         *stale_pages;

  GtkWidget          *pages_box;
  GtkWidget          *empty_page;
  AdwSqueezer        *squeezer;
  GtkWidget          *switcher_fallback;
  AdwViewSwitcherBar *switcher_bar;
  AdwViewStack       *view_stack;
  ShoalGeneralPage   *general_page;
  ShoalPiecesPage    *pieces_page;
  ShoalPeersPage     *peers_page;
  ShoalFilesPage     *files_page;
  ShoalTrackersPage  *trackers_page;
  ShoalBandwidthPage *bandwidth_page;
  ShoalOptionsPage   *options_page;
};

G_DEFINE_FINAL_TYPE (ShoalDetailsView, shoal_details_view, GTK_TYPE_WIDGET)

/**
 * shoal_details_view_new:
 *
 * Creates the details pane, showing "no torrent selected" until
 * shoal_details_view_set_torrent() gives it one.
 *
 * Returns: (transfer full): a new #ShoalDetailsView
 */
ShoalDetailsView *
shoal_details_view_new (void)
{
  return g_object_new (SHOAL_TYPE_DETAILS_VIEW, NULL);
}

/**
 * shoal_details_view_set_session:
 * @self: a details view
 * @session: (nullable): the session, for its overall transfer rates
 */
void
shoal_details_view_set_session (ShoalDetailsView *self,
                                ShoalSession     *session)
{
  g_return_if_fail (SHOAL_IS_DETAILS_VIEW (self));
  g_return_if_fail (session == NULL || SHOAL_IS_SESSION (session));

  g_set_object (&self->session, session);
  shoal_bandwidth_page_set_session (self->bandwidth_page, session);
}

static void set_pages_torrent (ShoalDetailsView *self,
                               ShoalTorrent     *torrent);

/* A magnet link's metadata arrived (its name is then notified): the
 * pieces and files pages can only be built now, so every page starts
 * over with the complete torrent. */
static void
name_changed_cb (ShoalDetailsView *self)
{
  gboolean has_metainfo = shoal_torrent_get_metainfo (self->torrent) != NULL;

  if (has_metainfo == self->had_metainfo)
    return;
  self->had_metainfo = has_metainfo;
  set_pages_torrent (self, NULL);
  set_pages_torrent (self, self->torrent);
}

/**
 * shoal_details_view_set_torrent:
 * @self: a details view
 * @torrent: (nullable): the torrent to show
 *
 * Shows @torrent's details, keeping the page the user was looking at.
 */
void
shoal_details_view_set_torrent (ShoalDetailsView *self,
                                ShoalTorrent     *torrent)
{
  g_return_if_fail (SHOAL_IS_DETAILS_VIEW (self));
  g_return_if_fail (torrent == NULL || SHOAL_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->name_id, self->torrent);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    {
      self->had_metainfo = shoal_torrent_get_metainfo (torrent) != NULL;
      self->name_id = g_signal_connect_swapped (torrent, "notify::name", G_CALLBACK (name_changed_cb), self);
    }

  set_pages_torrent (self, torrent);
  /* The pages stay mapped under the empty state: unmapping and mapping
   * them again costs a frame of some 40 ms with a busy window. Their
   * widgets cannot take the focus meanwhile. */
  gtk_widget_set_visible (self->empty_page, torrent == NULL);
  gtk_widget_set_can_focus (self->pages_box, torrent != NULL);
}

static void
set_page_torrent (ShoalDetailsView *self,
                  GtkWidget        *page,
                  ShoalTorrent     *torrent)
{
  if (page == GTK_WIDGET (self->general_page))
    shoal_general_page_set_torrent (self->general_page, torrent);
  else if (page == GTK_WIDGET (self->pieces_page))
    shoal_pieces_page_set_torrent (self->pieces_page, torrent);
  else if (page == GTK_WIDGET (self->peers_page))
    shoal_peers_page_set_torrent (self->peers_page, torrent);
  else if (page == GTK_WIDGET (self->files_page))
    shoal_files_page_set_torrent (self->files_page, torrent);
  else if (page == GTK_WIDGET (self->trackers_page))
    shoal_trackers_page_set_torrent (self->trackers_page, torrent);
  else if (page == GTK_WIDGET (self->bandwidth_page))
    shoal_bandwidth_page_set_torrent (self->bandwidth_page, torrent);
  else if (page == GTK_WIDGET (self->options_page))
    shoal_options_page_set_torrent (self->options_page, torrent);
  g_hash_table_remove (self->stale_pages, page);
}

/* No torrent: every page lets go of the last one at once. A torrent: the
 * visible page shows it now, the others when they are shown. */
static void
set_pages_torrent (ShoalDetailsView *self,
                   ShoalTorrent     *torrent)
{
  GtkWidget *visible = adw_view_stack_get_visible_child (self->view_stack);
  GtkWidget *pages[] = {
    GTK_WIDGET (self->general_page), GTK_WIDGET (self->pieces_page), GTK_WIDGET (self->peers_page),
    GTK_WIDGET (self->files_page), GTK_WIDGET (self->trackers_page), GTK_WIDGET (self->bandwidth_page),
    GTK_WIDGET (self->options_page),
  };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      if (torrent == NULL || pages[i] == visible)
        set_page_torrent (self, pages[i], torrent);
      else
        g_hash_table_add (self->stale_pages, pages[i]);
    }
}

/* The content of a page is there from the first time it is shown: the
 * view stack measures every page, and the pane appearing at the first
 * selection would otherwise lay out all seven in one frame (some 30 ms of
 * text shaping). */
static void
show_page_content (GtkWidget *page)
{
  GtkWidget *content = gtk_widget_get_first_child (page);

  if (content != NULL && !gtk_widget_get_visible (content))
    gtk_widget_set_visible (content, TRUE);
}

static void
visible_page_cb (ShoalDetailsView *self)
{
  GtkWidget *visible = adw_view_stack_get_visible_child (self->view_stack);

  if (visible != NULL)
    show_page_content (visible);

  if (visible != NULL && g_hash_table_contains (self->stale_pages, visible))
    set_page_torrent (self, visible, self->torrent);
}

/**
 * shoal_details_view_get_torrent:
 * @self: a details view
 *
 * Returns: (transfer none) (nullable): the torrent shown
 */
ShoalTorrent *
shoal_details_view_get_torrent (ShoalDetailsView *self)
{
  g_return_val_if_fail (SHOAL_IS_DETAILS_VIEW (self), NULL);
  return self->torrent;
}

/**
 * shoal_details_view_get_page:
 * @self: a details view
 * @name: "general", "pieces", "peers", "files", "trackers", "bandwidth"
 *   or "options"
 *
 * Returns: (transfer none) (nullable): the page of that name
 */
GtkWidget *
shoal_details_view_get_page (ShoalDetailsView *self,
                             const char       *name)
{
  g_return_val_if_fail (SHOAL_IS_DETAILS_VIEW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

/**
 * shoal_details_view_set_visible_page:
 * @self: a details view
 * @name: a page name, see shoal_details_view_get_page()
 *
 * Switches to a page, as the view switcher does.
 */
void
shoal_details_view_set_visible_page (ShoalDetailsView *self,
                                     const char       *name)
{
  g_return_if_fail (SHOAL_IS_DETAILS_VIEW (self));
  g_return_if_fail (name != NULL);

  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

static void
shoal_details_view_dispose (GObject *object)
{
  ShoalDetailsView *self = SHOAL_DETAILS_VIEW (object);

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->name_id, self->torrent);
  /* No page is given a torrent while the stack takes them down */
  if (self->view_stack != NULL)
    g_signal_handlers_disconnect_by_func (self->view_stack, visible_page_cb, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_DETAILS_VIEW);
  shoal_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->torrent);
  g_clear_object (&self->session);
  g_clear_pointer (&self->stale_pages, g_hash_table_unref);

  G_OBJECT_CLASS (shoal_details_view_parent_class)->dispose (object);
}

static void
shoal_details_view_class_init (ShoalDetailsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_details_view_dispose;

  g_type_ensure (SHOAL_TYPE_GENERAL_PAGE);
  g_type_ensure (SHOAL_TYPE_PIECES_PAGE);
  g_type_ensure (SHOAL_TYPE_PEERS_PAGE);
  g_type_ensure (SHOAL_TYPE_FILES_PAGE);
  g_type_ensure (SHOAL_TYPE_TRACKERS_PAGE);
  g_type_ensure (SHOAL_TYPE_BANDWIDTH_PAGE);
  g_type_ensure (SHOAL_TYPE_OPTIONS_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-details-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, pages_box);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, squeezer);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, switcher_fallback);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, general_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, pieces_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, peers_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, files_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, trackers_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, bandwidth_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalDetailsView, options_page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "detailsview");
}

/* No switcher fits at the top: the bar at the bottom has the pages. */
static void
squeezer_child_cb (ShoalDetailsView *self)
{
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    adw_squeezer_get_visible_child (self->squeezer) == self->switcher_fallback);
}

static void
shoal_details_view_init (ShoalDetailsView *self)
{
  self->stale_pages = g_hash_table_new (NULL, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_object (self->view_stack, "notify::visible-child", G_CALLBACK (visible_page_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->squeezer, "notify::visible-child", G_CALLBACK (squeezer_child_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_set_can_focus (self->pages_box, FALSE);

  for (GtkWidget *page = gtk_widget_get_first_child (GTK_WIDGET (self->view_stack)); page != NULL;
       page = gtk_widget_get_next_sibling (page))
    {
      GtkWidget *content = gtk_widget_get_first_child (page);

      if (page != adw_view_stack_get_visible_child (self->view_stack) && content != NULL)
        gtk_widget_set_visible (content, FALSE);
    }
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
