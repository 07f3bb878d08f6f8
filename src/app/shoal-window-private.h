/* shoal-window-private.h: what the window's source files share
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "shoal-app-local-session.h"
#include "shoal-app-remote-session.h"
#include "shoal-torrent-list.h"
#include "shoal-window.h"

G_BEGIN_DECLS

/* The entries of the state filter drop-down, in order. */
typedef enum
{
  SHOAL_STATE_FILTER_ALL,
  SHOAL_STATE_FILTER_DOWNLOADING,
  SHOAL_STATE_FILTER_SEEDING,
  SHOAL_STATE_FILTER_PAUSED,
  SHOAL_STATE_FILTER_FINISHED,
  SHOAL_STATE_FILTER_ERROR,
  SHOAL_STATE_FILTER_QUEUED,
} ShoalStateFilter;

struct _ShoalWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  ShoalSession         *session;
  GCancellable         *cancellable;

  /* Template widgets */
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkToggleButton      *search_button;
  AdwWindowTitle       *window_title;
  ShoalStateFilter      state_filter_value;
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *list_page;
  GtkWidget            *details_page;
  AdwBin               *details_bin;
  AdwWindowTitle       *details_title;
  GtkWidget            *torrent_actions;
  GtkPaned             *paned;
  GtkStack             *stack;
  GtkListView          *list_view;
  GtkLabel             *download_rate_label;
  GtkLabel             *upload_rate_label;
  GtkLabel             *free_space_label;
  GtkToggleButton      *alt_speed_button;
  GMenuModel           *context_menu;
  AdwFlap              *flap;
  GtkWidget            *sidebar_button;
  GtkWidget            *sidebar;      /* a ShoalSidebar, in the flap */

  GtkWidget            *details_view;
  GtkWidget            *context_popover;
  GBinding             *details_title_binding;

  /* The layout: narrow (details as a page of their own) or wide (details
   * in a pane beside the list), see update_layout() in shoal-window.c */
  gboolean              narrow;
  gboolean              sidebar_beside; /* wide enough for the sidebar beside the list */
  gboolean              layout_known;
  gboolean              restore_pane;
  guint                 layout_idle_id;
  int                   pane_width;

  /* Models: rows → filter → sort → selection */
  ShoalTorrentList     *rows;
  GtkFilterListModel   *filter_model;
  GtkSortListModel     *sort_model;
  GtkMultiSelection    *selection;
  GtkStringFilter      *search_filter;
  GtkCustomFilter      *state_filter;

  GtkWindow            *dialog;       /* the last modal dialog shown, weak */
  GPtrArray            *awaiting_files; /* magnet links to choose files of, see shoal-window-magnet.c */
  guint                 awaiting_idle_id;
  char                 *last_toast;
  guint                 footer_id;
  guint                 free_space_counter;
  gboolean              closing_confirmed;

  /* The session shown: this computer's (local_session) or a server's,
   * see shoal_window_set_app_session() */
  ShoalAppLocalSession *local_session;
  ShoalAppSession      *app_session;
  GMenu                *sessions_section;
  GtkWidget            *details_box;    /* details_view or remote_details, moved by the layout */
  GtkWidget            *remote_details;
};

void       shoal_window_init_actions        (ShoalWindow *self);
void       shoal_window_update_actions      (ShoalWindow *self);
GPtrArray *shoal_window_dup_selected        (ShoalWindow *self);
void       shoal_window_set_dialog          (ShoalWindow *self,
                                             GtkWindow   *dialog);
void       shoal_window_open_torrent_data   (ShoalWindow  *self,
                                             ShoalTorrent *torrent);
void       shoal_window_show_link_dialog    (ShoalWindow  *self);
void       shoal_window_clear_awaiting_files (ShoalWindow *self);
GPtrArray *shoal_window_dup_selected_items  (ShoalWindow *self);
void       shoal_window_update_sessions_menu (ShoalWindow *self);


/* shoal-window-remote.c */
void       shoal_window_init_remote            (ShoalWindow *self);
void       shoal_window_remote_session_changed (ShoalWindow *self);

G_END_DECLS
