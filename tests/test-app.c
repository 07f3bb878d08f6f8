/* test-app.c: the main window, add dialog and preferences, driven through
 * the running application under Xvfb
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One application instance serves every test (it owns the app id on the
 * test's private session bus, which the second-instance test relies on);
 * each test leaves the session without torrents.
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session-fixture.h"
#include "shoal-add-dialog.h"
#include "shoal-app-local-torrent.h"
#include "shoal-file-node.h"
#include "shoal-link-dialog.h"
#include "shoal-torrent-uri.h"
#include "shoal-application.h"
#include "shoal-details-view.h"
#include "shoal-format.h"
#include "shoal-new-torrent-dialog.h"
#include "shoal-preferences-window.h"
#include "shoal-remove-dialog.h"
#include "shoal-statistics-dialog.h"
#include "shoal-torrent-item.h"
#include "shoal-torrent-item-widget.h"
#include "shoal-torrent-row.h"
#include "shoal-window.h"

static ShoalApplication *app;
static ShoalWindow *window;
static char *tmp_dir;
static char *download_dir;
static guint torrent_serial;

/* Helpers */

static gboolean window_shown    (gpointer data);
static void     set_window_size (int      width,
                                 int      height);

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

/* A v1 torrent with @n_files files of the given sizes (single-file when
 * @n_files is 1). The name makes the info-hash unique. */
static ShoalMetainfo *
make_metainfo (const char    *name,
               guint          n_files,
               const guint64 *sizes)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pieces = NULL;
  const guint64 piece_length = 16384;
  guint64 total = 0;
  guint64 n_pieces;
  ShoalMetainfo *info;

  for (guint i = 0; i < n_files; i++)
    total += sizes[i];
  n_pieces = (total + piece_length - 1) / piece_length;
  pieces = g_malloc0 (n_pieces * 20);
  for (guint64 i = 0; i < n_pieces * 20; i++)
    pieces[i] = (guint8) (i * 7 + torrent_serial);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  if (n_files == 1)
    {
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) sizes[0]);
    }
  else
    {
      shoal_bencode_writer_cstring (w, "files");
      shoal_bencode_writer_begin_list (w);
      for (guint i = 0; i < n_files; i++)
        {
          g_autofree char *file_name = g_strdup_printf ("file-%u.bin", i);

          shoal_bencode_writer_begin_dict (w);
          shoal_bencode_writer_cstring (w, "length");
          shoal_bencode_writer_integer (w, (gint64) sizes[i]);
          shoal_bencode_writer_cstring (w, "path");
          shoal_bencode_writer_begin_list (w);
          shoal_bencode_writer_cstring (w, file_name);
          shoal_bencode_writer_end (w);
          shoal_bencode_writer_end (w);
        }
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) piece_length);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, pieces, n_pieces * 20);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);

  torrent_serial++;
  info = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return info;
}

static ShoalSession *
session (void)
{
  return shoal_application_get_session (app);
}

static ShoalTorrent *
add_torrent (const char *name,
             guint64     size)
{
  g_autoptr(ShoalMetainfo) info = make_metainfo (name, 1, &size);
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;

  torrent = shoal_session_add_torrent (session (), info, download_dir, SHOAL_ADD_FLAGS_PAUSED, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  return torrent;
}

static void
remove_all_torrents (void)
{
  GListModel *torrents = shoal_session_get_torrents (session ());

  while (g_list_model_get_n_items (torrents) > 0)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (torrents, 0);

      shoal_session_remove_torrent (session (), t, TRUE);
    }
  shoal_window_set_search (window, NULL);
  shoal_window_set_state_filter (window, 0);
  spin (50);
}

static GListModel *
shown (void)
{
  return G_LIST_MODEL (shoal_window_get_selection (window));
}

static gboolean
n_shown_is (gpointer data)
{
  return g_list_model_get_n_items (shown ()) == GPOINTER_TO_UINT (data);
}

static char *
shown_names (void)
{
  GListModel *model = shown ();
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (names, ',');
      g_string_append (names, shoal_torrent_row_get_name (row));
    }
  return g_string_free (names, FALSE);
}

/* A row of the torrent list draws its texts itself: does one of them
 * equal @text (or hold it, with @part)? */
static gboolean
torrent_item_has_text (GtkWidget  *widget,
                       const char *text,
                       gboolean    part)
{
  ShoalTorrentItemWidget *item = SHOAL_TORRENT_ITEM_WIDGET (widget);
  const char *texts[] = {
    shoal_torrent_item_widget_get_title (item),
    shoal_torrent_item_widget_get_progress_text (item),
    shoal_torrent_item_widget_get_summary_text (item),
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i] != NULL && (part ? strstr (texts[i], text) != NULL : strcmp (texts[i], text) == 0))
      return TRUE;
  return FALSE;
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;
  if (SHOAL_IS_TORRENT_ITEM_WIDGET (root) && gtk_widget_get_mapped (root) && torrent_item_has_text (root, text, FALSE))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The check box of a row of a file tree, by its tooltip */
static GtkCheckButton *
find_check (GtkWidget  *root,
            const char *tooltip)
{
  if (GTK_IS_CHECK_BUTTON (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return GTK_CHECK_BUTTON (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkCheckButton *found = find_check (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_shown (gpointer data)
{
  return find_label (GTK_WIDGET (shoal_window_get_list_view (window)), data) != NULL;
}

/* A label of the list whose text has @data in it */
static GtkWidget *
find_label_containing (GtkWidget  *root,
                       const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return root;
  if (SHOAL_IS_TORRENT_ITEM_WIDGET (root) && gtk_widget_get_mapped (root) && torrent_item_has_text (root, text, TRUE))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_containing (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
text_shown (gpointer data)
{
  return find_label_containing (GTK_WIDGET (shoal_window_get_list_view (window)), data) != NULL;
}

static gboolean
label_shown_anywhere (gpointer data)
{
  return find_label (GTK_WIDGET (window), data) != NULL;
}

static gboolean
toast_is (gpointer data)
{
  const char *toast = shoal_window_get_last_toast (window);

  return toast != NULL && strstr (toast, data) != NULL;
}

static void
select_only (const char *name)
{
  GListModel *model = shown ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (model, i);

      if (g_str_equal (shoal_torrent_row_get_name (row), name))
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (model), i, TRUE);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
reset_toast (void)
{
  /* A toast that can never be the answer, so each test sees its own. */
  shoal_window_add_toast (window, "—");
}

/* The widget drawn into a render node, or NULL while it has not been
 * mapped and laid out yet (which takes longer on a loaded machine). */
static GskRenderNode *
snapshot_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  GtkSnapshot *snapshot;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (!gtk_widget_get_mapped (widget) || width <= 0 || height <= 0)
    return NULL;
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  return gtk_snapshot_free_to_node (snapshot);
}

static gboolean
widget_draws (gpointer data)
{
  g_autoptr(GskRenderNode) node = snapshot_widget (data);

  return node != NULL;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *file_name)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                            file_name, NULL);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_true (wait_for (widget_draws, widget));
  node = snapshot_widget (widget);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                                              gtk_widget_get_height (widget)));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Saved %s", path);
}

/* Tests */

static gboolean
stack_page_is (gpointer data)
{
  /* The torrent list's stack is the one holding the status pages. */
  GtkWidget *stack = gtk_widget_get_ancestor (find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE),
                                              GTK_TYPE_STACK);

  return g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (stack)), data) == 0;
}

static void
test_empty_state (void)
{
  remove_all_torrents ();
  g_assert_true (wait_for (stack_page_is, (gpointer) "empty"));

  add_torrent ("lonely", 1000);
  g_assert_true (wait_for (stack_page_is, (gpointer) "list"));

  shoal_window_set_search (window, "nothing matches this");
  g_assert_true (wait_for (stack_page_is, (gpointer) "no-results"));

  remove_all_torrents ();
  g_assert_true (wait_for (stack_page_is, (gpointer) "empty"));
}

static void
test_rows_follow_engine (void)
{
  remove_all_torrents ();
  add_torrent ("alpha-linux.iso", 3 * 1024 * 1024);
  add_torrent ("beta-music", 50000);
  add_torrent ("gamma-video", 700 * 1024);

  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));
  g_assert_true (wait_for (label_shown, (gpointer) "alpha-linux.iso"));
  g_assert_true (wait_for (label_shown, (gpointer) "beta-music"));
  /* The status line of a paused torrent: what is here, its size, its state */
  g_assert_true (wait_for (label_shown, (gpointer) "0 B of 3 MiB · Paused"));

  /* Removed in the engine → gone from the list. */
  shoal_session_remove_torrent (session (), shoal_session_find_torrent (session (),
                                                                        shoal_metainfo_get_info_hash_v1 (shoal_torrent_get_metainfo (add_torrent ("delta", 10)))),
                                FALSE);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));
  remove_all_torrents ();
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (0)));
}

/* A right click finds its torrent from the widget under the pointer: the
 * label itself, the cell around it (its padding), or the row. */
static void
test_cells_know_their_row (void)
{
  GtkWidget *label;
  ShoalTorrentRow *row;

  remove_all_torrents ();
  add_torrent ("epsilon", 4000);
  add_torrent ("zeta", 5000);
  g_assert_true (wait_for (label_shown, (gpointer) "zeta"));

  label = find_label (GTK_WIDGET (shoal_window_get_list_view (window)), "zeta");
  g_assert_nonnull (label);
  row = shoal_torrent_item_find_row (label);
  g_assert_nonnull (row);
  g_assert_cmpstr (shoal_torrent_get_name (shoal_torrent_row_get_torrent (row)), ==, "zeta");
  /* the list's row widget around it */
  g_assert_true (shoal_torrent_item_find_row (gtk_widget_get_parent (label)) == row);
  g_assert_null (shoal_torrent_item_find_row (GTK_WIDGET (window)));

  /* Removed, the rows are unbound: they no longer point at it. */
  remove_all_torrents ();
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (0)));
  g_assert_null (shoal_torrent_item_find_row (GTK_WIDGET (shoal_window_get_list_view (window))));
}

static void
test_sort_by_column (void)
{
  g_autofree char *by_size = NULL;
  g_autofree char *by_size_desc = NULL;
  g_autofree char *by_name = NULL;

  remove_all_torrents ();
  add_torrent ("medium", 5000);
  add_torrent ("big", 90000);
  add_torrent ("small", 10);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));

  shoal_window_set_sort (window, "size", FALSE);
  by_size = shown_names ();
  g_assert_cmpstr (by_size, ==, "small,medium,big");

  /* The sort menu's actions are the same settings. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "sort-descending", NULL);
  by_size_desc = shown_names ();
  g_assert_cmpstr (by_size_desc, ==, "big,medium,small");

  g_action_group_activate_action (G_ACTION_GROUP (window), "sort-by", g_variant_new_string ("name"));
  g_free (by_name);
  by_name = shown_names ();
  g_assert_cmpstr (by_name, ==, "small,medium,big");
  shoal_window_set_sort (window, "name", FALSE);
  g_free (by_name);
  by_name = shown_names ();
  g_assert_cmpstr (by_name, ==, "big,medium,small");

  shoal_window_set_sort (window, "added", TRUE);
  remove_all_torrents ();
}

static gboolean
state_is (gpointer data)
{
  ShoalTorrent *torrent = data;

  return shoal_torrent_get_state (torrent) == SHOAL_TORRENT_STATE_DOWNLOADING;
}

static void
test_filter_by_search_and_state (void)
{
  ShoalTorrent *running;
  g_autofree char *names = NULL;

  remove_all_torrents ();
  add_torrent ("Debian netinst", 5000);
  add_torrent ("Fedora Workstation", 5000);
  running = add_torrent ("debian-live", 5000);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));

  /* Substring, ignoring case. */
  shoal_window_set_search (window, "DEBIAN");
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (2)));
  shoal_window_set_search (window, "fedora");
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (1)));
  names = shown_names ();
  g_assert_cmpstr (names, ==, "Fedora Workstation");
  shoal_window_set_search (window, NULL);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));

  /* State: one torrent starts (there are no peers, so it stays
   * downloading), the others stay paused. The list must follow the
   * engine's change without being told. */
  shoal_torrent_start (running);
  g_assert_true (wait_for (state_is, running));
  shoal_window_set_state_filter (window, 1 /* downloading */);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (1)));
  shoal_window_set_state_filter (window, 3 /* paused */);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (2)));
  shoal_torrent_pause (running);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));
  shoal_window_set_state_filter (window, 5 /* error */);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (0)));

  remove_all_torrents ();
}

static gboolean
dialog_is_add_dialog (gpointer data)
{
  return SHOAL_IS_ADD_DIALOG (shoal_window_get_dialog (window));
}

static gboolean
n_torrents_is (gpointer data)
{
  return g_list_model_get_n_items (shoal_session_get_torrents (session ())) == GPOINTER_TO_UINT (data);
}

static GtkWidget *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      /* Without a portal, GtkFileChooserNative shows GTK's own dialog */
      if (GTK_IS_FILE_CHOOSER_DIALOG (toplevel) && gtk_widget_get_visible (toplevel))
        return toplevel;
    }
  return NULL;
}

static gboolean
file_chooser_shown (gpointer data)
{
  return find_file_chooser () != NULL;
}

static gboolean
chooser_has_file (gpointer data)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (find_file_chooser ()));

  return file != NULL && g_file_equal (file, data);
}

static gboolean
no_file_chooser (gpointer data)
{
  return find_file_chooser () == NULL;
}

/* The folder chooser (shoal_file_chooser_show(), which every file chooser
 * of the app goes through): accepted, then cancelled. */
static void
test_add_dialog_choose_folder (void)
{
  static const guint64 sizes[] = { 1000, 2000 };
  g_autoptr(ShoalMetainfo) info = make_metainfo ("choose-folder", 2, sizes);
  g_autofree char *chosen = g_build_filename (tmp_dir, "chosen", NULL);
  g_autofree char *setting = NULL;
  g_autoptr(GFile) chosen_file = g_file_new_for_path (chosen);
  ShoalAddDialog *dialog;
  GtkWidget *chooser;

  remove_all_torrents ();
  g_assert_cmpint (g_mkdir_with_parents (chosen, 0700), ==, 0);
  shoal_window_open_metainfo (window, info);
  g_assert_true (wait_for (dialog_is_add_dialog, NULL));
  dialog = SHOAL_ADD_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, download_dir);

  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.choose-folder", NULL);
  g_assert_true (wait_for (file_chooser_shown, NULL));
  chooser = find_file_chooser ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chooser)), ==, "Destination Folder");
  g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
  /* The folder is selected in its parent, once that is listed */
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), chosen_file, NULL));
  g_assert_true (wait_for (chooser_has_file, chosen_file));
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  g_assert_true (wait_for (no_file_chooser, NULL));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, chosen);
  setting = g_settings_get_string (shoal_application_get_settings (app), "download-dir");
  g_assert_cmpstr (setting, ==, chosen);

  /* Cancelled: nothing changes */
  shoal_add_dialog_set_save_dir (dialog, download_dir);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.choose-folder", NULL);
  g_assert_true (wait_for (file_chooser_shown, NULL));
  chooser = find_file_chooser ();
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  g_assert_true (wait_for (no_file_chooser, NULL));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, download_dir);

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_settings_reset (shoal_application_get_settings (app), "download-dir");
  remove_all_torrents ();
}

static void
test_add_dialog_skips_file (void)
{
  static const guint64 sizes[] = { 40000, 20000, 30000 };
  g_autoptr(ShoalMetainfo) info = make_metainfo ("three-files", 3, sizes);
  ShoalAddDialog *dialog;
  ShoalFileNode *files;
  GtkCheckButton *check;
  ShoalTorrent *torrent;

  remove_all_torrents ();
  g_settings_set_boolean (shoal_application_get_settings (app), "start-added", FALSE);

  shoal_window_open_metainfo (window, info);
  g_assert_true (wait_for (dialog_is_add_dialog, NULL));
  dialog = SHOAL_ADD_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, download_dir);

  files = shoal_add_dialog_get_files (dialog);
  g_assert_cmpuint (shoal_file_node_get_n_files (files), ==, 3);
  g_assert_true (shoal_file_node_get_wanted (shoal_file_node_get_file (files, 1)));
  /* The files are rows of the file tree the Files page shows too: the
   * torrent's folder is the dialog's title, its files the top rows. */
  spin (100);
  g_assert_null (find_label (GTK_WIDGET (dialog), "three-files/file-0.bin"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "file-0.bin"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "3 of 3 files selected, 87.9 KiB"));
  /* Nothing chosen, nothing to add */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.select-none", NULL);
  g_assert_false (shoal_file_node_get_wanted (files));
  g_assert_false (gtk_check_button_get_active (find_check (GTK_WIDGET (dialog), "Download “file-0.bin”")));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "0 of 3 files selected, 0 B"));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.select-all", NULL);
  check = find_check (GTK_WIDGET (dialog), "Download “file-1.bin”");
  g_assert_nonnull (check);
  g_assert_true (gtk_check_button_get_active (check));
  gtk_check_button_set_active (check, FALSE);
  g_assert_false (shoal_file_node_get_wanted (shoal_file_node_get_file (files, 1)));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "2 of 3 files selected, 68.4 KiB"));
  spin (300);
  save_screenshot (GTK_WIDGET (dialog), "screenshot-add-dialog.png");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.add", NULL);

  g_assert_true (wait_for (n_torrents_is, GUINT_TO_POINTER (1)));
  torrent = shoal_session_find_torrent (session (), shoal_metainfo_get_info_hash_v1 (info));
  g_assert_nonnull (torrent);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 0), ==, SHOAL_FILE_PRIORITY_NORMAL);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 1), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 2), ==, SHOAL_FILE_PRIORITY_NORMAL);
  g_assert_cmpuint (shoal_torrent_get_size_wanted (torrent), ==, 70000);
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, download_dir);
  /* "Start downloading" was off. */
  g_assert_cmpint (shoal_torrent_get_state (torrent), !=, SHOAL_TORRENT_STATE_DOWNLOADING);
  g_assert_false (dialog_is_add_dialog (NULL));

  /* Adding it again: a toast, no dialog. */
  reset_toast ();
  shoal_window_open_metainfo (window, info);
  g_assert_true (wait_for (toast_is, (gpointer) "already in the list"));
  g_assert_false (dialog_is_add_dialog (NULL));

  g_settings_reset (shoal_application_get_settings (app), "start-added");
  remove_all_torrents ();
}

static void
test_broken_torrent_toast (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "broken.torrent", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  remove_all_torrents ();
  g_assert_true (g_file_set_contents (path, "d4:infod4:name3:abce", -1, NULL));

  reset_toast ();
  shoal_window_open_file (window, file);
  g_assert_true (wait_for (toast_is, (gpointer) "Could not open “broken.torrent”"));
  g_assert_false (dialog_is_add_dialog (NULL));
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (0)));
}

static gboolean
dialog_is_message (gpointer data)
{
  return ADW_IS_MESSAGE_DIALOG (shoal_window_get_dialog (window));
}

static ShoalTorrent *
find_torrent_named (const char *name)
{
  GListModel *torrents = shoal_session_get_torrents (session ());

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (torrents, i);

      if (g_str_equal (shoal_torrent_get_name (t), name))
        return t;
    }
  return NULL;
}

static gboolean
torrent_named_added (gpointer data)
{
  return find_torrent_named (data) != NULL;
}

#define RANDOM_MAGNET "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Some%20Magnet"

static void
test_magnet_add_and_duplicate (void)
{
  ShoalTorrent *torrent;
  g_autofree char *uri = NULL;

  remove_all_torrents ();

  reset_toast ();
  shoal_window_add_link (window, "magnet:?dn=no-hash");
  g_assert_true (wait_for (toast_is, (gpointer) "Invalid magnet link"));
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (0)));

  /* No peer has it: it stays fetching, with an unknown size. */
  shoal_window_add_link (window, RANDOM_MAGNET);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (1)));
  torrent = find_torrent_named ("Some Magnet");
  g_assert_nonnull (torrent);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_FETCHING_METADATA);
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, download_dir);
  g_assert_true (wait_for (label_shown, (gpointer) "Some Magnet"));
  /* Its status line: no size to tell yet */
  g_assert_true (wait_for (label_shown, (gpointer) "Fetching metadata…"));

  /* Selected: the details pane and the actions cope without metainfo. */
  select_only ("Some Magnet");
  spin (300);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "pause"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "copy-magnet", NULL);
  g_assert_true (wait_for (toast_is, (gpointer) "Magnet link copied"));
  uri = shoal_torrent_dup_magnet (torrent);
  g_assert_true (g_str_has_prefix (uri, "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Some"));

  /* The same link again: a toast, still one torrent. */
  reset_toast ();
  shoal_window_add_link (window, RANDOM_MAGNET);
  g_assert_true (wait_for (toast_is, (gpointer) "“Some Magnet” is already in the list"));
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (1)));

  remove_all_torrents ();
}

static gboolean
drop_string (const char *text)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  return shoal_window_drop_value (window, &value);
}

static void
test_magnet_drop_text (void)
{
  remove_all_torrents ();

  g_assert_false (drop_string ("just some words"));
  g_assert_true (drop_string ("magnet:?xt=urn:btih:1111111111111111111111111111111111111111&dn=dropped-one\r\n"
                              "magnet:?xt=urn:btih:2222222222222222222222222222222222222222&dn=dropped-two\n"));
  g_assert_true (wait_for (torrent_named_added, (gpointer) "dropped-one"));
  g_assert_true (wait_for (torrent_named_added, (gpointer) "dropped-two"));

  /* A magnet link dropped as a "file" (text/uri-list) too. */
  {
    g_auto(GValue) value = G_VALUE_INIT;
    g_autoptr(GFile) file = g_file_new_for_uri ("magnet:?xt=urn:btih:3333333333333333333333333333333333333333&dn=dropped-three");
    GSList files = { file, NULL };

    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_set_boxed (&value, &files);
    g_assert_true (shoal_window_drop_value (window, &value));
    g_assert_true (wait_for (torrent_named_added, (gpointer) "dropped-three"));
  }
  remove_all_torrents ();
}

/* A seeder in a second session on 127.0.0.1: two 32 KiB files and one
 * of 16 KiB, whole pieces each, so a skipped file is never written. */
typedef struct
{
  SfTorrent *torrent;
  SfNode    *node;
  char      *magnet;   /* with a display name that is not the real one */
} Seeder;

static Seeder *
seeder_new (const char *name)
{
  static const guint64 lengths[] = { 32768, 32768, 16384 };
  Seeder *seeder = g_new0 (Seeder, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *node_name = g_strdup_printf ("seeder-%u", torrent_serial++);

  seeder->torrent = sf_torrent_new (name, lengths, G_N_ELEMENTS (lengths), 16384, torrent_serial);
  seeder->node = sf_node_new (tmp_dir, node_name);
  sf_torrent_write (seeder->torrent, seeder->node->data_dir);
  g_assert_nonnull (shoal_session_add_torrent (seeder->node->session, seeder->torrent->info, seeder->node->data_dir,
                                               SHOAL_ADD_FLAGS_SEED_MODE, &error));
  g_assert_no_error (error);
  hex = shoal_hex_encode (shoal_metainfo_get_info_hash_v1 (seeder->torrent->info), 20);
  seeder->magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=waiting-for-%s", hex, name);
  return seeder;
}

static void
seeder_free (Seeder *seeder)
{
  sf_node_free (seeder->node);
  sf_torrent_free (seeder->torrent);
  g_free (seeder->magnet);
  g_free (seeder);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Seeder, seeder_free)

static void
connect_to_seeder (ShoalTorrent *torrent,
                   Seeder       *seeder)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = sf_node_address (seeder->node);

  g_assert_true (shoal_torrent_add_peer (torrent, address, &error));
  g_assert_no_error (error);
}

static gboolean
seeding (gpointer data)
{
  return shoal_torrent_get_state (data) == SHOAL_TORRENT_STATE_SEEDING;
}

static void
test_magnet_metadata_from_peer (void)
{
  g_autoptr(Seeder) seeder = seeder_new ("real-name-one");
  ShoalTorrent *torrent;

  remove_all_torrents ();

  /* Not through the dialog: no file choice, it downloads everything. */
  torrent = shoal_window_add_magnet (window, seeder->magnet, FALSE);
  g_assert_nonnull (torrent);
  g_assert_true (wait_for (label_shown, (gpointer) "waiting-for-real-name-one"));
  select_only ("waiting-for-real-name-one");

  connect_to_seeder (torrent, seeder);
  g_assert_true (wait_for (label_shown, (gpointer) "real-name-one"));
  g_assert_true (wait_for (seeding, torrent));
  g_assert_true (wait_for (text_shown, (gpointer) "80 KiB · Seeding"));
  g_assert_false (label_shown ((gpointer) "waiting-for-real-name-one"));
  g_assert_null (shoal_window_get_dialog (window));
  sf_torrent_assert_files (seeder->torrent, download_dir);

  remove_all_torrents ();
}

static gboolean
dialog_chooses_files_of (gpointer data)
{
  GtkWindow *dialog = shoal_window_get_dialog (window);

  return SHOAL_IS_ADD_DIALOG (dialog) && shoal_add_dialog_get_torrent (SHOAL_ADD_DIALOG (dialog)) == data;
}

static gboolean
complete (gpointer data)
{
  ShoalTorrentState state = shoal_torrent_get_state (data);

  return shoal_torrent_get_progress (data) >= 1.0 &&
         (state == SHOAL_TORRENT_STATE_SEEDING || state == SHOAL_TORRENT_STATE_FINISHED);
}

static void
test_magnet_choose_files (void)
{
  g_autoptr(Seeder) seeder = seeder_new ("real-name-two");
  AdwMessageDialog *link_dialog;
  GtkWidget *extra;
  GtkCheckButton *choose;
  ShoalAddDialog *dialog;
  ShoalFileNode *files;
  ShoalTorrent *torrent;
  g_autofree char *skipped = NULL;

  remove_all_torrents ();

  /* Through the link dialog, whose "choose files" box is on by default. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "add-link", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  link_dialog = ADW_MESSAGE_DIALOG (shoal_window_get_dialog (window));
  extra = adw_message_dialog_get_extra_child (link_dialog);
  choose = GTK_CHECK_BUTTON (find_widget (extra, GTK_TYPE_CHECK_BUTTON));
  g_assert_true (gtk_check_button_get_active (choose));
  gtk_editable_set_text (GTK_EDITABLE (find_widget (extra, GTK_TYPE_ENTRY)), seeder->magnet);
  g_assert_true (adw_message_dialog_get_response_enabled (link_dialog, "add"));
  adw_message_dialog_response (link_dialog, "add");
  gtk_window_destroy (GTK_WINDOW (link_dialog));

  g_assert_true (wait_for (torrent_named_added, (gpointer) "waiting-for-real-name-two"));
  torrent = find_torrent_named ("waiting-for-real-name-two");
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_FETCHING_METADATA);

  /* The metadata arrives: paused, and the file choice shows up. */
  connect_to_seeder (torrent, seeder);
  g_assert_true (wait_for (dialog_chooses_files_of, torrent));
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_PAUSED);
  g_assert_cmpstr (shoal_torrent_get_name (torrent), ==, "real-name-two");
  g_assert_true (wait_for (label_shown, (gpointer) "real-name-two"));
  dialog = SHOAL_ADD_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, download_dir);
  files = shoal_add_dialog_get_files (dialog);
  g_assert_cmpuint (shoal_file_node_get_n_files (files), ==, 3);
  shoal_file_node_set_wanted (shoal_file_node_get_file (files, 1), FALSE);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "add-dialog.add", NULL);
  g_assert_null (shoal_window_get_dialog (window));

  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, 1), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpuint (shoal_torrent_get_size_wanted (torrent), ==, 49152);
  g_assert_true (wait_for (complete, torrent));
  g_assert_true (sf_torrent_file_matches (seeder->torrent, download_dir, 0));
  g_assert_true (sf_torrent_file_matches (seeder->torrent, download_dir, 2));
  skipped = sf_torrent_file_path (seeder->torrent, download_dir, 1);
  g_assert_false (g_file_test (skipped, G_FILE_TEST_EXISTS));

  remove_all_torrents ();
}

static gboolean
entry_filled (gpointer data)
{
  return gtk_editable_get_text (data)[0] != '\0';
}

/* The link dialog takes a magnet link from the clipboard, asks about the
 * files only for a magnet link, and adds nothing when cancelled. */
static void
test_magnet_link_dialog (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  AdwMessageDialog *message;
  ShoalLinkDialog *dialog;
  GtkWidget *extra;
  GtkEditable *entry;
  GtkWidget *choose;
  g_autofree char *uri = NULL;
  ShoalTorrent *torrent;

  remove_all_torrents ();
  gdk_clipboard_set_text (clipboard, "  " RANDOM_MAGNET "\n");

  g_action_group_activate_action (G_ACTION_GROUP (window), "add-link", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  dialog = SHOAL_LINK_DIALOG (shoal_window_get_dialog (window));
  message = ADW_MESSAGE_DIALOG (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (message), ==, "Add Magnet Link or URL");
  g_assert_cmpstr (adw_message_dialog_get_default_response (message), ==, "add");
  g_assert_cmpstr (adw_message_dialog_get_close_response (message), ==, "cancel");
  extra = adw_message_dialog_get_extra_child (message);
  entry = GTK_EDITABLE (find_widget (extra, GTK_TYPE_ENTRY));
  choose = find_widget (extra, GTK_TYPE_CHECK_BUTTON);
  g_assert_cmpstr (gtk_entry_get_placeholder_text (GTK_ENTRY (entry)), ==, "magnet:?xt=urn:btih:…");
  g_assert_true (wait_for (entry_filled, entry));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, RANDOM_MAGNET);
  g_assert_true (adw_message_dialog_get_response_enabled (message, "add"));
  g_assert_true (gtk_widget_get_sensitive (choose));
  g_assert_true (shoal_link_dialog_get_choose_files (dialog));

  /* The address of a .torrent: the add dialog shows its files anyway. */
  gtk_editable_set_text (entry, " https://127.0.0.1:9/some.torrent ");
  g_assert_true (adw_message_dialog_get_response_enabled (message, "add"));
  g_assert_false (gtk_widget_get_sensitive (choose));
  uri = shoal_link_dialog_dup_uri (dialog);
  g_assert_cmpstr (uri, ==, "https://127.0.0.1:9/some.torrent");

  /* Only spaces: nothing to add. */
  gtk_editable_set_text (entry, "   ");
  g_assert_false (adw_message_dialog_get_response_enabled (message, "add"));
  g_assert_true (gtk_widget_get_sensitive (choose));

  /* Cancelled: nothing added. */
  gtk_editable_set_text (entry, RANDOM_MAGNET);
  adw_message_dialog_response (message, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  spin (100);
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (0)));

  /* Added without the file choice: it fetches its metadata, not paused. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "add-link", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  dialog = SHOAL_LINK_DIALOG (shoal_window_get_dialog (window));
  message = ADW_MESSAGE_DIALOG (dialog);
  extra = adw_message_dialog_get_extra_child (message);
  entry = GTK_EDITABLE (find_widget (extra, GTK_TYPE_ENTRY));
  g_assert_true (wait_for (entry_filled, entry));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_widget (extra, GTK_TYPE_CHECK_BUTTON)), FALSE);
  g_assert_false (shoal_link_dialog_get_choose_files (dialog));
  adw_message_dialog_response (message, "add");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (wait_for (torrent_named_added, (gpointer) "Some Magnet"));
  torrent = find_torrent_named ("Some Magnet");
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_FETCHING_METADATA);

  gdk_clipboard_set_content (clipboard, NULL);
  remove_all_torrents ();
}

static void
remove_through_dialog (const char *name,
                       const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (1)));
  select_only (name);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "remove"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "remove", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  dialog = ADW_MESSAGE_DIALOG (shoal_window_get_dialog (window));
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_remove_keeps_or_deletes_data (void)
{
  g_autofree char *kept = g_build_filename (download_dir, "kept.bin", NULL);
  g_autofree char *deleted = g_build_filename (download_dir, "deleted.bin", NULL);

  remove_all_torrents ();

  g_assert_true (g_file_set_contents (kept, "some data", -1, NULL));
  add_torrent ("kept.bin", 9);
  remove_through_dialog ("kept.bin", "remove");
  g_assert_true (wait_for (n_torrents_is, GUINT_TO_POINTER (0)));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));

  /* Cancelling removes nothing. */
  g_assert_true (g_file_set_contents (deleted, "some data", -1, NULL));
  add_torrent ("deleted.bin", 9);
  remove_through_dialog ("deleted.bin", "cancel");
  spin (100);
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (1)));

  remove_through_dialog ("deleted.bin", "delete");
  g_assert_true (wait_for (n_torrents_is, GUINT_TO_POINTER (0)));
  g_assert_false (g_file_test (deleted, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
}

/* The heading names the torrent, or counts them; the dialog removes all
 * the selected ones. */
static void
test_remove_several (void)
{
  AdwMessageDialog *dialog;

  remove_all_torrents ();
  add_torrent ("one.bin", 9);
  add_torrent ("two.bin", 9);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (2)));

  select_only ("one.bin");
  g_action_group_activate_action (G_ACTION_GROUP (window), "remove", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  dialog = ADW_MESSAGE_DIALOG (shoal_window_get_dialog (window));
  g_assert_true (SHOAL_IS_REMOVE_DIALOG (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove “one.bin”?");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "Transfers stop. The downloaded files can stay on disk or be deleted too.");
  g_assert_cmpuint (shoal_remove_dialog_get_torrents (SHOAL_REMOVE_DIALOG (dialog))->len, ==, 1);
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));

  gtk_selection_model_select_all (GTK_SELECTION_MODEL (shown ()));
  g_action_group_activate_action (G_ACTION_GROUP (window), "remove", NULL);
  g_assert_true (wait_for (dialog_is_message, NULL));
  dialog = ADW_MESSAGE_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove 2 Torrents?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "remove");
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "delete"), ==, "_Delete Files");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "delete"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "remove"), ==, ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_response (dialog, "remove");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (wait_for (n_torrents_is, GUINT_TO_POINTER (0)));
}

/* Deleting the data finishes in a worker thread; a failure there still
 * reaches the window. A directory where the torrent has its file is not
 * the torrent's to delete. */
static void
test_remove_delete_failure_toast (void)
{
  g_autofree char *in_the_way = g_build_filename (download_dir, "in-the-way.bin", NULL);
  g_autofree char *inside = g_build_filename (in_the_way, "keep.txt", NULL);

  remove_all_torrents ();
  g_assert_cmpint (g_mkdir_with_parents (in_the_way, 0700), ==, 0);
  g_assert_true (g_file_set_contents (inside, "mine", -1, NULL));
  add_torrent ("in-the-way.bin", 9);
  reset_toast ();
  remove_through_dialog ("in-the-way.bin", "delete");
  g_assert_true (wait_for (n_torrents_is, GUINT_TO_POINTER (0)));
  g_assert_true (wait_for (toast_is, (gpointer) "Could not delete all the files of “in-the-way.bin”"));
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
}

static gboolean
paused (gpointer data)
{
  return shoal_torrent_get_state (data) == SHOAL_TORRENT_STATE_PAUSED;
}

static void
test_actions_follow_selection (void)
{
  GtkSelectionModel *selection;

  remove_all_torrents ();
  /* Added paused, they check their (missing) data first. */
  g_assert_true (wait_for (paused, add_torrent ("one", 100)));
  g_assert_true (wait_for (paused, add_torrent ("two", 100)));
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (2)));

  selection = shoal_window_get_selection (window);
  gtk_selection_model_unselect_all (selection);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "remove"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "start"));

  /* Both selected and paused: start applies to both, pause to none. */
  gtk_selection_model_select_all (selection);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "start"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "pause"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "start", NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (shoal_session_get_torrents (session ()), i);

      g_assert_true (wait_for (state_is, t));
    }
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "pause"));

  /* The selection survives the rows changing under it. */
  spin (1500);
  g_assert_cmpuint (gtk_bitset_get_size (gtk_selection_model_get_selection (selection)), ==, 2);

  g_action_group_activate_action (G_ACTION_GROUP (window), "pause", NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (shoal_session_get_torrents (session ()), i);

      g_assert_cmpint (shoal_torrent_get_state (t), ==, SHOAL_TORRENT_STATE_PAUSED);
    }
  remove_all_torrents ();
}

static void
test_second_instance_opens_file (void)
{
  static const guint64 size = 12345;
  g_autoptr(ShoalMetainfo) info = make_metainfo ("from-command-line", 1, &size);
  g_autofree char *path = g_build_filename (tmp_dir, "cli.torrent", NULL);
  GBytes *bytes = shoal_metainfo_get_bytes (info);
  g_autofree char *exe = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                           "..", "src", "app", "shoal", NULL);
  g_autoptr(GError) error = NULL;
  int status = -1;
  const char *argv[] = { exe, path, NULL };

  g_assert_true (g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE));
  remove_all_torrents ();
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), NULL));

  /* The second process forwards the file over D-Bus and exits; the
   * running instance only sees it while its main loop runs, so spawn
   * asynchronously and keep iterating. */
  {
    GPid pid;

    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error));
    g_assert_no_error (error);
    g_assert_true (wait_for (dialog_is_add_dialog, NULL));
    while (waitpid (pid, &status, WNOHANG) == 0)
      g_main_context_iteration (NULL, FALSE);
    g_spawn_close_pid (pid);
  }
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  gtk_widget_activate_action (GTK_WIDGET (shoal_window_get_dialog (window)), "add-dialog.add", NULL);
  g_assert_true (wait_for (torrent_named_added, (gpointer) "from-command-line"));
  remove_all_torrents ();
}

static void
test_second_instance_opens_magnet (void)
{
  g_autofree char *exe = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                           "..", "src", "app", "shoal", NULL);
  const char *argv[] = { exe, "magnet:?xt=urn:btih:4444444444444444444444444444444444444444&dn=from-cli-magnet", NULL };
  g_autoptr(GError) error = NULL;
  int status = -1;
  GPid pid;

  remove_all_torrents ();
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (torrent_named_added, (gpointer) "from-cli-magnet"));
  while (waitpid (pid, &status, WNOHANG) == 0)
    g_main_context_iteration (NULL, FALSE);
  g_spawn_close_pid (pid);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (shoal_torrent_get_state (find_torrent_named ("from-cli-magnet")), ==,
                   SHOAL_TORRENT_STATE_FETCHING_METADATA);
  remove_all_torrents ();
}

static void
test_settings_apply_live (void)
{
  GSettings *settings = shoal_application_get_settings (app);

  g_settings_set_int (settings, "download-limit", 100);
  g_settings_set_int (settings, "upload-limit", 20);
  g_settings_set_int (settings, "alt-download-limit", 7);
  g_settings_set_int (settings, "alt-upload-limit", 3);
  g_settings_set_boolean (settings, "alt-speed-enabled", FALSE);
  g_assert_cmpuint (shoal_session_get_download_limit (session ()), ==, 100 * 1024);
  g_assert_cmpuint (shoal_session_get_upload_limit (session ()), ==, 20 * 1024);

  g_settings_set_boolean (settings, "alt-speed-enabled", TRUE);
  g_assert_cmpuint (shoal_session_get_download_limit (session ()), ==, 7 * 1024);
  g_assert_cmpuint (shoal_session_get_upload_limit (session ()), ==, 3 * 1024);

  g_settings_set_string (settings, "download-dir", tmp_dir);
  g_assert_cmpstr (shoal_session_get_download_dir (session ()), ==, tmp_dir);

  g_settings_reset (settings, "download-dir");
  g_assert_cmpstr (shoal_session_get_download_dir (session ()), ==, download_dir);
  g_settings_reset (settings, "alt-speed-enabled");
  g_settings_reset (settings, "download-limit");
  g_settings_reset (settings, "upload-limit");
  g_assert_cmpuint (shoal_session_get_download_limit (session ()), ==, 0);
}

static gboolean
listen_port_is (gpointer data)
{
  return shoal_session_get_listen_port (session ()) == GPOINTER_TO_UINT (data);
}

static gboolean
listen_port_is_not (gpointer data)
{
  return shoal_session_get_listen_port (session ()) != GPOINTER_TO_UINT (data);
}

/* A port set in the preferences is listened on at once, not at the next
 * start. */
static void
test_port_applies_live (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  guint16 port;

  /* A port free a moment ago */
  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  g_settings_set_int (settings, "listen-port", port);
  g_settings_set_boolean (settings, "random-port", FALSE);
  g_assert_true (wait_for (listen_port_is, GUINT_TO_POINTER (port)));
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  g_assert_nonnull (connection);

  g_settings_set_boolean (settings, "random-port", TRUE);
  g_assert_true (wait_for (listen_port_is_not, GUINT_TO_POINTER (port)));
  g_settings_reset (settings, "listen-port");
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

/* The keys bound with a mapping (or switched by another key) set the
 * session's properties, which notify once per real change. */
static void
test_settings_bind_properties (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  guint n_max = 0;
  guint n_ratio = 0;
  guint max_connections = 0;
  guint per_torrent = 0;
  gint64 seed_time = -1;
  double ratio = -1;
  gulong max_id = g_signal_connect (session (), "notify::max-connections", G_CALLBACK (count_notify_cb), &n_max);
  gulong ratio_id = g_signal_connect (session (), "notify::seed-ratio-limit", G_CALLBACK (count_notify_cb), &n_ratio);

  g_settings_set_int (settings, "max-peers-global", 123);
  g_settings_set_int (settings, "max-peers-per-torrent", 45);
  g_settings_set_int (settings, "seed-time-limit", 90);
  g_object_get (session (), "max-connections", &max_connections, "max-connections-per-torrent", &per_torrent,
                "seed-time-limit", &seed_time, NULL);
  g_assert_cmpuint (max_connections, ==, 123);
  g_assert_cmpuint (per_torrent, ==, 45);
  g_assert_cmpint (seed_time, ==, 90 * 60);
  g_assert_cmpuint (n_max, ==, 1);
  /* The same value again is no change. */
  g_object_set (session (), "max-connections", 123, NULL);
  g_assert_cmpuint (n_max, ==, 1);

  /* The ratio applies only while enabled. */
  g_settings_set_double (settings, "seed-ratio-limit", 1.5);
  g_object_get (session (), "seed-ratio-limit", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 0.0);
  g_assert_cmpuint (n_ratio, ==, 0);
  g_settings_set_boolean (settings, "seed-ratio-limit-enabled", TRUE);
  g_object_get (session (), "seed-ratio-limit", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 1.5);
  g_settings_set_double (settings, "seed-ratio-limit", 2.0);
  g_object_get (session (), "seed-ratio-limit", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 2.0);
  g_assert_cmpuint (n_ratio, ==, 2);
  g_settings_set_boolean (settings, "seed-ratio-limit-enabled", FALSE);
  g_object_get (session (), "seed-ratio-limit", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 0.0);
  /* No longer bound: the key changes nothing now. */
  g_settings_set_double (settings, "seed-ratio-limit", 3.0);
  g_object_get (session (), "seed-ratio-limit", &ratio, NULL);
  g_assert_cmpfloat (ratio, ==, 0.0);
  g_assert_cmpuint (n_ratio, ==, 3);

  /* The encryption key is bound to the enum property by nick. */
  g_settings_set_string (settings, "encryption", "allow-plaintext");
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_ALLOW_PLAINTEXT);

  g_signal_handler_disconnect (session (), max_id);
  g_signal_handler_disconnect (session (), ratio_id);
  g_settings_reset (settings, "encryption");
  g_settings_reset (settings, "seed-ratio-limit");
  g_settings_reset (settings, "seed-ratio-limit-enabled");
  g_settings_reset (settings, "seed-time-limit");
  g_settings_reset (settings, "max-peers-global");
  g_settings_reset (settings, "max-peers-per-torrent");
  g_object_get (session (), "max-connections", &max_connections, "seed-time-limit", &seed_time, NULL);
  g_assert_cmpuint (max_connections, ==, (guint) g_settings_get_int (settings, "max-peers-global"));
  g_assert_cmpint (seed_time, ==, (gint64) g_settings_get_int (settings, "seed-time-limit") * 60);
}

static void
test_new_torrent_parse_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tiers = NULL;
  g_auto(GStrv) seeds = NULL;

  tiers = shoal_parse_tracker_tiers ("\n  http://a.example/announce \nudp://b.example:6969\n\n\n"
                                     "https://c.example/announce\n\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tiers->len, ==, 2);
  g_assert_cmpstrv ((char **) g_ptr_array_index (tiers, 0),
                    ((const char *[]) { "http://a.example/announce", "udp://b.example:6969", NULL }));
  g_assert_cmpstrv ((char **) g_ptr_array_index (tiers, 1), ((const char *[]) { "https://c.example/announce", NULL }));
  g_clear_pointer (&tiers, g_ptr_array_unref);

  tiers = shoal_parse_tracker_tiers ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tiers->len, ==, 0);
  g_clear_pointer (&tiers, g_ptr_array_unref);

  tiers = shoal_parse_tracker_tiers ("http://a.example/announce\nftp://b.example/", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (tiers);
  g_assert_nonnull (strstr (error->message, "“ftp://b.example/” is not a valid tracker address"));
  g_clear_error (&error);

  tiers = shoal_parse_tracker_tiers ("tracker.example:80", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  seeds = shoal_parse_web_seeds ("https://mirror.example/files/\n\nhttp://other.example/x", &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (seeds, ((const char *[]) { "https://mirror.example/files/", "http://other.example/x", NULL }));
  g_clear_pointer (&seeds, g_strfreev);
  seeds = shoal_parse_web_seeds ("udp://mirror.example/", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (seeds);
}

static void
write_random_file (const char *path,
                   gsize       size,
                   guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *data = g_malloc (size);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, (const char *) data, (gssize) size, &error);
  g_assert_no_error (error);
}

static gboolean
dialog_is_new_torrent (gpointer data)
{
  return SHOAL_IS_NEW_TORRENT_DIALOG (shoal_window_get_dialog (window));
}

static gboolean
new_torrent_page_is (gpointer data)
{
  GtkWindow *dialog = shoal_window_get_dialog (window);

  return SHOAL_IS_NEW_TORRENT_DIALOG (dialog) &&
         g_strcmp0 (shoal_new_torrent_dialog_get_page (SHOAL_NEW_TORRENT_DIALOG (dialog)), data) == 0;
}

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static ShoalNewTorrentDialog *
open_new_torrent_dialog (void)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "new-torrent"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "new-torrent", NULL);
  g_assert_true (wait_for (dialog_is_new_torrent, NULL));
  return SHOAL_NEW_TORRENT_DIALOG (shoal_window_get_dialog (window));
}

static AdwActionRow *
find_action_row (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_ACTION_ROW (root) && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return ADW_ACTION_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      AdwActionRow *found = find_action_row (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Each choice of the Torrent Version group, as a user picks it (by
 * activating its row): the row explains it, only its check is on, and the
 * saved file is that kind of torrent. */
static void
test_new_torrent_versions (void)
{
  static const struct
  {
    const char         *title;
    ShoalTorrentVersion version;
    const char         *explanation;
  } choices[] = {
    { "_Hybrid", SHOAL_TORRENT_VERSION_HYBRID, "Works with every client, and newer ones check each file on its own" },
    { "v_2 Only", SHOAL_TORRENT_VERSION_V2, "Each file is checked on its own, but clients that only know v1 cannot open it" },
    { "v_1 Only", SHOAL_TORRENT_VERSION_V1, "Works with every client, without checking each file on its own" },
  };
  g_autofree char *shared = g_build_filename (tmp_dir, "versions", "three kinds", NULL);
  g_autofree char *odd = g_build_filename (shared, "odd.bin", NULL);
  g_autofree char *tiny = g_build_filename (shared, "sub", "tiny", NULL);
  g_autofree char *empty = g_build_filename (shared, "empty", NULL);
  g_autoptr(GError) error = NULL;

  write_random_file (odd, 50001, 3);
  write_random_file (tiny, 7, 4);
  g_file_set_contents (empty, "", 0, &error);
  g_assert_no_error (error);

  for (guint c = 0; c < G_N_ELEMENTS (choices); c++)
    {
      g_autofree char *name = g_strdup_printf ("kind-%u.torrent", c);
      g_autofree char *saved = g_build_filename (tmp_dir, name, NULL);
      g_autoptr(GFile) saved_file = g_file_new_for_path (saved);
      g_autoptr(ShoalMetainfo) reread = NULL;
      ShoalNewTorrentDialog *dialog = open_new_torrent_dialog ();
      AdwActionRow *row = find_action_row (GTK_WIDGET (dialog), choices[c].title);
      ShoalTorrentVersion version = choices[c].version;
      guint n_pads = 0, n_roots = 0;
      gsize info_len;
      const guint8 *info_data;

      g_assert_nonnull (row);
      g_assert_nonnull (find_label (GTK_WIDGET (row), choices[c].explanation));
      /* Hybrid unless the user picks another. */
      g_assert_cmpint (shoal_new_torrent_dialog_get_version (dialog), ==, SHOAL_TORRENT_VERSION_HYBRID);
      adw_action_row_activate (row);
      spin (100);
      g_assert_cmpint (shoal_new_torrent_dialog_get_version (dialog), ==, version);
      for (guint other = 0; other < G_N_ELEMENTS (choices); other++)
        {
          AdwActionRow *other_row = find_action_row (GTK_WIDGET (dialog), choices[other].title);
          GtkWidget *check = find_widget (GTK_WIDGET (other_row), GTK_TYPE_CHECK_BUTTON);

          g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)) == (other == c));
        }

      shoal_new_torrent_dialog_set_path (dialog, shared);
      shoal_new_torrent_dialog_set_piece_size (dialog, 16384);
      gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
      g_assert_true (wait_for (new_torrent_page_is, (gpointer) "result"));
      g_assert_true (shoal_new_torrent_dialog_save_to (dialog, saved_file, &error));
      g_assert_no_error (error);
      gtk_window_destroy (GTK_WINDOW (dialog));

      /* The file, as any other program would read it. */
      reread = shoal_metainfo_new_from_file (saved_file, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (shoal_metainfo_get_version (reread), ==, version);
      g_assert_cmpstr (shoal_metainfo_get_name (reread), ==, "three kinds");
      g_assert_cmpuint (shoal_metainfo_get_content_size (reread), ==, 50008);
      g_assert_true ((shoal_metainfo_get_info_hash_v1 (reread) != NULL) == ((version & SHOAL_TORRENT_VERSION_V1) != 0));
      g_assert_true ((shoal_metainfo_get_info_hash_v2 (reread) != NULL) == ((version & SHOAL_TORRENT_VERSION_V2) != 0));
      for (guint i = 0; i < shoal_metainfo_get_n_files (reread); i++)
        {
          const ShoalMetainfoFile *file = shoal_metainfo_get_file (reread, i);

          n_pads += (file->attributes & SHOAL_FILE_ATTRIBUTE_PAD) != 0;
          n_roots += file->pieces_root != NULL;
        }
      /* Pad files after odd.bin and sub/tiny in a hybrid only; a root for
       * each of them with v2. */
      g_assert_cmpuint (n_pads, ==, version == SHOAL_TORRENT_VERSION_HYBRID ? 2 : 0);
      g_assert_cmpuint (n_roots, ==, (version & SHOAL_TORRENT_VERSION_V2) ? 2 : 0);
      info_data = g_bytes_get_data (shoal_metainfo_get_info_bytes (reread), &info_len);
      g_assert_true ((memmem (info_data, info_len, "6:pieces", 8) != NULL) == ((version & SHOAL_TORRENT_VERSION_V1) != 0));
      g_assert_true ((memmem (info_data, info_len, "9:file tree", 11) != NULL) == ((version & SHOAL_TORRENT_VERSION_V2) != 0));
    }
}

static void
test_new_torrent_create_and_seed (void)
{
  g_autofree char *shared = g_build_filename (tmp_dir, "to-share", "shared-folder", NULL);
  g_autofree char *big = g_build_filename (shared, "big.bin", NULL);
  g_autofree char *small = g_build_filename (shared, "docs", "small.txt", NULL);
  g_autofree char *with_slash = g_strconcat (shared, "/", NULL);
  g_autofree char *saved = g_build_filename (tmp_dir, "saved.torrent", NULL);
  g_autofree char *parent = g_path_get_dirname (shared);
  g_autofree char *magnet = NULL;
  g_autofree char *copied = NULL;
  g_autoptr(GFile) saved_file = g_file_new_for_path (saved);
  g_autoptr(ShoalMetainfo) reread = NULL;
  g_autoptr(GError) error = NULL;
  ShoalNewTorrentDialog *dialog;
  ShoalMetainfo *info;
  ShoalTorrent *torrent;

  remove_all_torrents ();
  write_random_file (big, 200000, 1);
  write_random_file (small, 3000, 2);

  dialog = open_new_torrent_dialog ();
  g_assert_cmpstr (shoal_new_torrent_dialog_get_page (dialog), ==, "form");
  /* Nothing to make a torrent of yet. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL) &&
                  !g_str_equal (shoal_new_torrent_dialog_get_page (dialog), "form"));

  shoal_new_torrent_dialog_set_path (dialog, with_slash);
  g_assert_cmpstr (shoal_new_torrent_dialog_get_path (dialog), ==, shared);
  shoal_new_torrent_dialog_set_trackers (dialog, "http://127.0.0.1:9/announce\nudp://127.0.0.1:9/announce\n\n"
                                                 "http://127.0.0.1:10/announce\n");
  shoal_new_torrent_dialog_set_web_seeds (dialog, "http://127.0.0.1:9/seed/\n");
  shoal_new_torrent_dialog_set_piece_size (dialog, 32768);
  shoal_new_torrent_dialog_set_private (dialog, TRUE);
  shoal_new_torrent_dialog_set_comment (dialog, "Made by test-app");
  shoal_new_torrent_dialog_set_source (dialog, "TEST");
  g_assert_cmpint (shoal_new_torrent_dialog_get_version (dialog), ==, SHOAL_TORRENT_VERSION_HYBRID);

  /* Version 1 only, as the Torrent Version row offers */
  shoal_new_torrent_dialog_set_version (dialog, SHOAL_TORRENT_VERSION_V1);
  spin (200);
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "Create"));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  g_assert_true (wait_for (new_torrent_page_is, (gpointer) "result"));
  g_assert_cmpint (shoal_metainfo_get_version (shoal_new_torrent_dialog_get_metainfo (dialog)), ==,
                   SHOAL_TORRENT_VERSION_V1);
  /* Created: no Create button left greyed out */
  spin (100);
  g_assert_null (find_label (GTK_WIDGET (dialog), "Create"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  dialog = open_new_torrent_dialog ();
  shoal_new_torrent_dialog_set_path (dialog, with_slash);
  shoal_new_torrent_dialog_set_trackers (dialog, "http://127.0.0.1:9/announce\nudp://127.0.0.1:9/announce\n\n"
                                                 "http://127.0.0.1:10/announce\n");
  shoal_new_torrent_dialog_set_web_seeds (dialog, "http://127.0.0.1:9/seed/\n");
  shoal_new_torrent_dialog_set_piece_size (dialog, 32768);
  shoal_new_torrent_dialog_set_private (dialog, TRUE);
  shoal_new_torrent_dialog_set_comment (dialog, "Made by test-app");
  shoal_new_torrent_dialog_set_source (dialog, "TEST");

  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  g_assert_true (wait_for (new_torrent_page_is, (gpointer) "result"));

  info = shoal_new_torrent_dialog_get_metainfo (dialog);
  g_assert_nonnull (info);
  g_assert_cmpint (shoal_metainfo_get_version (info), ==, SHOAL_TORRENT_VERSION_HYBRID);
  g_assert_cmpstr (shoal_metainfo_get_name (info), ==, "shared-folder");
  g_assert_cmpuint (shoal_metainfo_get_content_size (info), ==, 203000);
  g_assert_cmpuint (shoal_metainfo_get_piece_length (info), ==, 32768);
  g_assert_cmpuint (shoal_metainfo_get_n_tiers (info), ==, 2);
  g_assert_cmpstrv ((char **) shoal_metainfo_get_tier (info, 0),
                    ((const char *[]) { "http://127.0.0.1:9/announce", "udp://127.0.0.1:9/announce", NULL }));
  g_assert_cmpstrv ((char **) shoal_metainfo_get_tier (info, 1), ((const char *[]) { "http://127.0.0.1:10/announce", NULL }));
  g_assert_cmpstrv ((char **) shoal_metainfo_get_web_seeds (info), ((const char *[]) { "http://127.0.0.1:9/seed/", NULL }));
  g_assert_true (shoal_metainfo_is_private (info));
  g_assert_cmpstr (shoal_metainfo_get_comment (info), ==, "Made by test-app");
  g_assert_cmpstr (shoal_metainfo_get_source (info), ==, "TEST");

  /* Saved: the same torrent reads back. */
  g_assert_true (shoal_new_torrent_dialog_save_to (dialog, saved_file, &error));
  g_assert_no_error (error);
  reread = shoal_metainfo_new_from_file (saved_file, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shoal_metainfo_get_info_hash_v1 (reread), 20, shoal_metainfo_get_info_hash_v1 (info), 20);

  /* The magnet link goes to the clipboard. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.copy-magnet", NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (dialog)), NULL, clipboard_read_cb, &copied);
  g_assert_true (wait_for (is_set, &copied));
  magnet = shoal_metainfo_to_magnet (info);
  g_assert_cmpstr (copied, ==, magnet);
  g_assert_cmpstr (shoal_new_torrent_dialog_get_last_toast (dialog), ==, "Magnet link copied to the clipboard");

  /* Seeding: from the folder's parent, complete at once, no check. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.seed", NULL);
  torrent = shoal_session_find_torrent (session (), shoal_metainfo_get_info_hash_v1 (info));
  g_assert_nonnull (torrent);
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, parent);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_SEEDING);
  g_assert_cmpfloat (shoal_torrent_get_progress (torrent), ==, 1.0);
  g_assert_true (wait_for (label_shown, (gpointer) "shared-folder"));
  g_assert_cmpstr (shoal_new_torrent_dialog_get_last_toast (dialog), ==, "Seeding “shared-folder”");
  /* Once is enough. */
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (find_label (GTK_WIDGET (dialog), "Seeding"))));

  gtk_window_destroy (GTK_WINDOW (dialog));
  /* Removing must not delete the shared data. */
  shoal_session_remove_torrent (session (), torrent, FALSE);
  remove_all_torrents ();
  g_assert_true (g_file_test (big, G_FILE_TEST_EXISTS));
}

static void
test_new_torrent_errors_and_stop (void)
{
  g_autofree char *shared = g_build_filename (tmp_dir, "to-share", "large.bin", NULL);
  g_autofree char *missing = g_build_filename (tmp_dir, "to-share", "missing", NULL);
  ShoalNewTorrentDialog *dialog;
  int fd;

  /* Sparse: large enough that the stop comes before the end. */
  fd = g_open (shared, O_CREAT | O_WRONLY | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 2 << 30), ==, 0);
  g_close (fd, NULL);

  dialog = open_new_torrent_dialog ();

  /* A bad tracker: said so, nothing starts. */
  shoal_new_torrent_dialog_set_path (dialog, shared);
  shoal_new_torrent_dialog_set_trackers (dialog, "tracker.example.org");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  g_assert_cmpstr (shoal_new_torrent_dialog_get_page (dialog), ==, "form");
  g_assert_cmpstr (shoal_new_torrent_dialog_get_last_toast (dialog), ==,
                   "“tracker.example.org” is not a valid tracker address");

  /* Stopped while hashing: back to the form. */
  shoal_new_torrent_dialog_set_trackers (dialog, "");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  g_assert_cmpstr (shoal_new_torrent_dialog_get_page (dialog), ==, "progress");
  spin (50);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.stop", NULL);
  g_assert_true (wait_for (new_torrent_page_is, (gpointer) "form"));
  g_assert_cmpstr (shoal_new_torrent_dialog_get_last_toast (dialog), ==, "Stopped");
  g_assert_null (shoal_new_torrent_dialog_get_metainfo (dialog));

  /* A path that went away: the creator's error, in a toast. */
  shoal_new_torrent_dialog_set_path (dialog, missing);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  g_assert_true (wait_for (new_torrent_page_is, (gpointer) "form"));
  g_assert_true (g_str_has_prefix (shoal_new_torrent_dialog_get_last_toast (dialog), "Could not create the torrent: "));

  /* Closing while hashing stops it too, without a crash when it ends. */
  shoal_new_torrent_dialog_set_path (dialog, shared);
  gtk_widget_activate_action (GTK_WIDGET (dialog), "new-torrent.create", NULL);
  gtk_window_destroy (GTK_WINDOW (dialog));
  spin (500);
  g_assert_null (shoal_window_get_dialog (window));
  g_unlink (shared);
}

static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_encryption_reaches_engine (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  ShoalPreferencesWindow *preferences;
  AdwComboRow *row;

  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_PREFER);

  g_settings_set_enum (settings, "encryption", 1);
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_REQUIRE);
  g_settings_set_enum (settings, "encryption", 2);
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_ALLOW_PLAINTEXT);

  /* The preferences' combo row writes the key, which reaches the engine. */
  preferences = shoal_preferences_window_new (app);
  gtk_window_present (GTK_WINDOW (preferences));
  row = ADW_COMBO_ROW (find_row_titled (GTK_WIDGET (preferences), "_Encryption"));
  g_assert_nonnull (row);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 2);
  adw_combo_row_set_selected (row, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "encryption"), ==, "require");
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_REQUIRE);
  adw_combo_row_set_selected (row, 0);
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_PREFER);
  /* Encryption works: no "not supported yet" note over it. */
  {
    GtkWidget *group = gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_PREFERENCES_GROUP);
    const char *note = adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group));

    g_assert_cmpstr (note != NULL ? note : "", ==, "");
  }
  gtk_window_destroy (GTK_WINDOW (preferences));

  g_settings_reset (settings, "encryption");
  g_assert_cmpint (shoal_session_get_encryption_policy (session ()), ==, SHOAL_ENCRYPTION_PREFER);
}

/* Preferences › Network: the port forwarding switch reaches the engine,
 * and the row shows what the session says (here: never mapped, the test
 * environment keeps the machine's router out of it). */
static void
test_port_mapping_row (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  ShoalPreferencesWindow *preferences;
  AdwExpanderRow *row;

  g_assert_true (g_settings_get_boolean (settings, "enable-port-mapping"));
  g_assert_true (shoal_session_get_port_mapping_enabled (session ()));
  g_assert_cmpint (shoal_session_get_port_mapping_state (session ()), ==, SHOAL_PORT_MAPPING_OFF);

  preferences = shoal_preferences_window_new (app);
  gtk_window_present (GTK_WINDOW (preferences));
  row = ADW_EXPANDER_ROW (find_row_titled (GTK_WIDGET (preferences), "_Forward the Port on the Router"));
  g_assert_nonnull (row);
  /* Next to the port. */
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_PREFERENCES_GROUP))),
                   ==, "Listening Port");
  g_assert_true (adw_expander_row_get_enable_expansion (row));
  g_assert_nonnull (find_row_titled (GTK_WIDGET (row), "Off"));
  g_assert_nonnull (find_row_titled (GTK_WIDGET (row), "Port Test"));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_row_titled (GTK_WIDGET (row), "Port Test"))), ==,
                   "No peer has reached Shoal from outside lately");

  adw_expander_row_set_enable_expansion (row, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "enable-port-mapping"));
  g_assert_false (shoal_session_get_port_mapping_enabled (session ()));
  gtk_window_destroy (GTK_WINDOW (preferences));

  g_settings_reset (settings, "enable-port-mapping");
  g_assert_true (shoal_session_get_port_mapping_enabled (session ()));
}

static gboolean
session_direct_writes (void)
{
  gboolean on = FALSE;

  g_object_get (session (), "direct-writes", &on, NULL);
  return on;
}

/* Preferences › General › Downloads: the direct-writes switch reaches the
 * engine at once, both ways, and is on by default. */
static void
test_direct_writes_reaches_engine (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  ShoalPreferencesWindow *preferences;
  AdwActionRow *row;
  GtkWidget *sw;

  g_assert_true (g_settings_get_boolean (settings, "direct-writes"));
  g_assert_true (session_direct_writes ());

  preferences = shoal_preferences_window_new (app);
  gtk_window_present (GTK_WINDOW (preferences));
  row = ADW_ACTION_ROW (find_row_titled (GTK_WIDGET (preferences), "_Write Directly to Disk"));
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_PREFERENCES_GROUP))),
                   ==, "Downloads");
  sw = adw_action_row_get_activatable_widget (row);
  g_assert_true (GTK_IS_SWITCH (sw));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)));

  /* Turning the switch off changes the key and the session. */
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "direct-writes"));
  g_assert_false (session_direct_writes ());
  gtk_window_destroy (GTK_WINDOW (preferences));

  g_settings_reset (settings, "direct-writes");
  g_assert_true (session_direct_writes ());
}

static void
test_discovery_reaches_engine (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  const char *keys[] = { "enable-dht", "enable-pex", "enable-lsd" };
  gboolean (*getters[]) (ShoalSession *) = {
    shoal_session_get_dht_enabled, shoal_session_get_pex_enabled, shoal_session_get_lsd_enabled,
  };

  /* On by default, and each switch reaches the engine at once. */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_assert_true (getters[i] (session ()));
      g_settings_set_boolean (settings, keys[i], FALSE);
      g_assert_false (getters[i] (session ()));
      for (guint j = 0; j < G_N_ELEMENTS (keys); j++)
        if (j != i)
          g_assert_true (getters[j] (session ()));
      g_settings_reset (settings, keys[i]);
      g_assert_true (getters[i] (session ()));
    }
}

static void
test_screenshots (void)
{
  ShoalTorrent *t;
  ShoalPreferencesWindow *preferences;

  remove_all_torrents ();
  add_torrent ("debian-12.5.0-amd64-netinst.iso", 658505728);
  add_torrent ("Big Buck Bunny (1080p)", 276134947);
  t = add_torrent ("ubuntu-24.04-desktop-amd64.iso", 6114656256);
  add_torrent ("archlinux-2024.06.01-x86_64.iso", 1189085184);
  shoal_torrent_start (t);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (4)));
  shoal_window_set_sort (window, "name", FALSE);
  select_only ("debian-12.5.0-amd64-netinst.iso");
  g_assert_true (wait_for (label_shown, (gpointer) "archlinux-2024.06.01-x86_64.iso"));
  spin (1500);
  save_screenshot (GTK_WIDGET (window), "screenshot-main-window.png");

  /* The same in the dark style, with the details of the running torrent. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  select_only ("ubuntu-24.04-desktop-amd64.iso");
  spin (1500);
  save_screenshot (GTK_WIDGET (window), "screenshot-main-window-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  spin (300);

  {
    ShoalNewTorrentDialog *dialog = open_new_torrent_dialog ();
    shoal_new_torrent_dialog_set_path (dialog, "/home/ann/Pictures/Holiday Photos");
    shoal_new_torrent_dialog_set_trackers (dialog, "https://tracker.example.org/announce\n"
                                                   "udp://tracker.example.org:6969/announce\n\n"
                                                   "https://backup.example.net/announce");
    shoal_new_torrent_dialog_set_web_seeds (dialog, "https://files.example.org/photos/");
    shoal_new_torrent_dialog_set_comment (dialog, "Summer 2026");
    gtk_window_set_default_size (GTK_WINDOW (dialog), 600, 860);
    spin (800);
    save_screenshot (GTK_WIDGET (dialog), "screenshot-new-torrent.png");
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  preferences = shoal_preferences_window_new (app);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  spin (800);
  save_screenshot (GTK_WIDGET (preferences), "screenshot-preferences.png");
  /* Each page, for the alignment of its rows */
  {
    static const char *pages[] = { "network", "speed", "seeding" };

    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_autofree char *name = g_strdup_printf ("screenshot-preferences-%s.png", pages[i]);

        adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), pages[i]);
        spin (300);
        save_screenshot (GTK_WIDGET (preferences), name);
      }
  }
  gtk_window_destroy (GTK_WINDOW (preferences));

  remove_all_torrents ();
}

/* Closing the window asks what to do; Enter on the focused "Do not ask
 * again" box gives the default answer (run in the background) instead of
 * toggling the box. */
static gboolean
message_dialog_shown (gpointer data)
{
  return ADW_IS_MESSAGE_DIALOG (shoal_window_get_dialog (window)) &&
         gtk_widget_get_mapped (GTK_WIDGET (shoal_window_get_dialog (window)));
}

static void
test_close_dialog_enter (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  AdwMessageDialog *dialog;
  GtkWidget *remember;
  GtkEventController *keys = NULL;
  g_autoptr(GListModel) controllers = NULL;
  gboolean handled = FALSE;

  g_settings_set_enum (settings, "close-behaviour", 2);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (wait_for (message_dialog_shown, NULL));
  dialog = ADW_MESSAGE_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "background");
  remember = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_CHECK_BUTTON (remember));

  controllers = gtk_widget_observe_controllers (remember);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (c), "default-on-enter") == 0)
        keys = c;
    }
  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  g_assert_true (handled);
  spin (200);
  /* The default answer: the window is hidden, the box untouched */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (remember)));
  g_assert_cmpint (g_settings_get_enum (settings, "close-behaviour"), ==, 2);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (window_shown, NULL));
  g_settings_reset (settings, "close-behaviour");
}

/* A dialog opened over a small window is no taller than it */
static void
test_dialog_fits_parent (void)
{
  ShoalNewTorrentDialog *dialog;
  int width, height;

  set_window_size (700, 480);
  dialog = open_new_torrent_dialog ();
  gtk_window_get_default_size (GTK_WINDOW (dialog), &width, &height);
  g_assert_cmpint (height, <=, gtk_widget_get_height (GTK_WIDGET (window)));
  g_assert_cmpint (width, <=, gtk_widget_get_width (GTK_WIDGET (window)));
  gtk_window_destroy (GTK_WINDOW (dialog));
  set_window_size (1100, 520);
}

/* Adaptive layout */

/* The width of the window on the screen: its widget is smaller by the
 * border that GTK draws around it without a compositor. */
static int
window_width (void)
{
  return gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (window)));
}

static gboolean
window_width_is (gpointer data)
{
  return window_width () == GPOINTER_TO_INT (data) &&
         shoal_window_is_narrow (window) == (GPOINTER_TO_INT (data) < 720);
}

/* For a window that will not be as narrow as asked: which widgets want
 * more than @width */
static void
print_wide_widgets (GtkWidget *widget,
                    int        width,
                    guint      depth)
{
  int min;

  if (!gtk_widget_get_visible (widget))
    return;
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min <= width / 8)
    return;
  g_printerr ("%*s%s %s: minimum width %d\n", (int) depth * 2, "", G_OBJECT_TYPE_NAME (widget),
              gtk_widget_get_name (widget), min);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    print_wide_widgets (child, min <= width ? width * 8 : width, depth + 1);
}

/* The window has the asked width, or has just turned narrow on its way
 * there (the wide layout did not let it be narrower than some 450 px) */
static gboolean
window_width_is_or_narrowed (gpointer data)
{
  return window_width_is (data) ||
         (GPOINTER_TO_INT (data) < 720 && shoal_window_is_narrow (window) && window_width () < 720);
}

static void
set_window_size (int width,
                 int height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  g_assert_true (wait_for (window_width_is_or_narrowed, GINT_TO_POINTER (width)));
  /* Once narrow, the window can be narrower than the wide layout allowed:
   * ask again (another size first, or GTK sees no change to make) */
  for (guint attempt = 0; attempt < 5 && !window_width_is (GINT_TO_POINTER (width)); attempt++)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), width + 2, height);
      spin (200);
      gtk_window_set_default_size (GTK_WINDOW (window), width, height);
      spin (200);
    }
  if (!wait_for (window_width_is, GINT_TO_POINTER (width)))
    print_wide_widgets (GTK_WIDGET (window), width - 60, 0);
  if (!window_width_is (GINT_TO_POINTER (width)))
    g_error ("The window is %d px wide, not %d (narrow: %d)", window_width (), width,
             shoal_window_is_narrow (window));
  spin (300);
}

static gboolean
is_control (GtkWidget *widget)
{
  return GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget) || GTK_IS_DROP_DOWN (widget) ||
         GTK_IS_CHECK_BUTTON (widget) || GTK_IS_SWITCH (widget) || GTK_IS_ENTRY (widget) ||
         GTK_IS_SEARCH_ENTRY (widget) || GTK_IS_SPIN_BUTTON (widget);
}

/* Every control shown in @root lies inside the window, and is not
 * squeezed under its minimum size; below a scrolled window only the
 * directions it does not scroll count (scrolling reaches the rest).
 * Appends the offenders to @bad. */
static void
check_reachable (GtkWidget *root,
                 GtkWidget *widget,
                 gboolean   scrolls_x,
                 gboolean   scrolls_y,
                 GString   *bad)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_get_child_visible (widget))
    return;
  /* A toast left by an earlier step is not part of the layout: while it
   * slides in or out its close button is squeezed for a few frames. */
  if (g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") == 0)
    return;
  if (is_control (widget))
    {
      graphene_rect_t bounds;
      int min_width;

      g_assert_true (gtk_widget_compute_bounds (widget, root, &bounds));
      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
      if ((!scrolls_x && (bounds.origin.x < -0.5f ||
                          bounds.origin.x + bounds.size.width > gtk_widget_get_width (root) + 0.5f)) ||
          (!scrolls_y && (bounds.origin.y < -0.5f ||
                          bounds.origin.y + bounds.size.height > gtk_widget_get_height (root) + 0.5f)) ||
          bounds.size.width + 0.5f < min_width)
        g_string_append_printf (bad, "%s “%s” at %.0f,%.0f %.0f×%.0f (width %d, minimum %d) in %d×%d\n",
                                G_OBJECT_TYPE_NAME (widget),
                                gtk_widget_get_tooltip_text (widget) ? gtk_widget_get_tooltip_text (widget) : "",
                                bounds.origin.x, bounds.origin.y, bounds.size.width, bounds.size.height,
                                gtk_widget_get_width (widget), min_width,
                                gtk_widget_get_width (root), gtk_widget_get_height (root));
      /* Inside a control (the drop-down's button…) nothing more to see */
      return;
    }
  if (GTK_IS_SCROLLED_WINDOW (widget))
    {
      GtkPolicyType h, v;

      gtk_scrolled_window_get_policy (GTK_SCROLLED_WINDOW (widget), &h, &v);
      scrolls_x |= h != GTK_POLICY_NEVER && h != GTK_POLICY_EXTERNAL;
      scrolls_y |= v != GTK_POLICY_NEVER && v != GTK_POLICY_EXTERNAL;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    check_reachable (root, child, scrolls_x, scrolls_y, bad);
}

/* No label shown in @widget is cut: none is ellipsized, none has less
 * width than its natural width. Appends the offenders to @bad. */
static void
check_labels_whole (GtkWidget *widget,
                    GString   *bad)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_get_child_visible (widget))
    return;
  if (GTK_IS_LABEL (widget) && gtk_label_get_text (GTK_LABEL (widget))[0] != '\0')
    {
      GtkLabel *label = GTK_LABEL (widget);
      graphene_rect_t bounds;
      int natural;

      /* The natural size counts the CSS padding: so do the bounds */
      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
      g_assert_true (gtk_widget_compute_bounds (widget, widget, &bounds));
      if (pango_layout_is_ellipsized (gtk_label_get_layout (label)) ||
          (!gtk_label_get_wrap (label) && bounds.size.width + 0.5f < natural))
        g_string_append_printf (bad, "“%s”: %.0f px of %d\n", gtk_label_get_text (label), bounds.size.width, natural);
    }
  if (SHOAL_IS_TORRENT_ITEM_WIDGET (widget) && shoal_torrent_item_widget_is_cut (SHOAL_TORRENT_ITEM_WIDGET (widget)))
    g_string_append_printf (bad, "row “%s”: cut at %d px\n",
                            shoal_torrent_item_widget_get_title (SHOAL_TORRENT_ITEM_WIDGET (widget)),
                            gtk_widget_get_width (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    check_labels_whole (child, bad);
}

static void
assert_all_reachable (const char *where)
{
  g_autoptr(GString) bad = g_string_new (NULL);

  check_reachable (GTK_WIDGET (window), GTK_WIDGET (window), FALSE, FALSE, bad);
  if (bad->len > 0)
    g_error ("Controls out of reach (%s):\n%s", where, bad->str);
}

static gboolean
leaflet_shows_details (gpointer data)
{
  GtkWidget *details = shoal_window_get_details_view (window);

  return gtk_widget_get_mapped (details) == GPOINTER_TO_INT (data) &&
         gtk_widget_get_mapped (GTK_WIDGET (shoal_window_get_list_view (window))) != GPOINTER_TO_INT (data);
}

static void
screenshot_at (const char *what,
               int         width,
               gboolean    dark)
{
  g_autofree char *name = g_strdup_printf ("screenshot-%s-%d-%s.png", what, width, dark ? "dark" : "light");
  gint64 start = g_get_monotonic_time ();

  save_screenshot (GTK_WIDGET (window), name);
  g_test_message ("%s in %.0f ms, at %.1f s", name, (g_get_monotonic_time () - start) / 1000.0,
                  g_get_monotonic_time () / 1e6);
}

static void
test_adaptive_layout (void)
{
  static const int widths[] = { 360, 900, 1400 };
  AdwStyleManager *style = adw_style_manager_get_default ();
  ShoalTorrent *t;

  remove_all_torrents ();
  shoal_window_set_sort (window, "name", FALSE);

  for (guint d = 0; d < 2; d++)
    {
      adw_style_manager_set_color_scheme (style, d ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
        {
          /* First run: one page, its add buttons in view, no details */
          remove_all_torrents ();
          set_window_size (widths[w], widths[w] < 720 ? 700 : 600);
          g_assert_true (wait_for (stack_page_is, (gpointer) "empty"));
          g_assert_false (gtk_widget_get_mapped (shoal_window_get_details_view (window)));
          g_assert_true (wait_for (label_shown_anywhere, (gpointer) "Add Torrent File…"));
          assert_all_reachable ("first run");
          screenshot_at ("first-run", widths[w], d);
        }
    }

  add_torrent ("debian-12.5.0-amd64-netinst.iso", 658505728);
  add_torrent ("Big Buck Bunny (1080p)", 276134947);
  t = add_torrent ("ubuntu-24.04-desktop-amd64.iso", 6114656256);
  add_torrent ("archlinux-2024.06.01-x86_64.iso", 1189085184);
  shoal_torrent_start (t);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (4)));

  for (guint d = 0; d < 2; d++)
    {
      adw_style_manager_set_color_scheme (style, d ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
        {
          gtk_selection_model_unselect_all (shoal_window_get_selection (window));
          set_window_size (widths[w], widths[w] < 720 ? 700 : 600);
          g_assert_true (wait_for (label_shown, (gpointer) "archlinux-2024.06.01-x86_64.iso"));
          /* No details without a selection */
          g_assert_false (gtk_widget_get_mapped (shoal_window_get_details_view (window)));
          assert_all_reachable ("list");
          screenshot_at ("list", widths[w], d);

          select_only ("ubuntu-24.04-desktop-amd64.iso");
          if (widths[w] < 720)
            {
              /* Narrow: the details are a page of their own, with a way back */
              g_assert_true (wait_for (leaflet_shows_details, GINT_TO_POINTER (FALSE)));
              shoal_window_show_details (window);
              g_assert_true (wait_for (leaflet_shows_details, GINT_TO_POINTER (TRUE)));
            }
          else
            /* Wide: beside the list */
            g_assert_true (wait_for (widget_draws, shoal_window_get_details_view (window)));
          g_assert_true (gtk_widget_get_mapped (shoal_window_get_details_view (window)));
          spin (400);
          /* Every page of the details, at the narrowest and the middle width */
          if (d == 0 && widths[w] <= 900)
            {
              static const char *pages[] = { "pieces", "peers", "files", "trackers", "bandwidth", "general" };
              ShoalDetailsView *details = SHOAL_DETAILS_VIEW (shoal_window_get_details_view (window));

              for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
                {
                  g_autofree char *where = g_strdup_printf ("details page %s", pages[p]);
                  g_autoptr(GString) bad = g_string_new (NULL);

                  shoal_details_view_set_visible_page (details, pages[p]);
                  spin (250);
                  assert_all_reachable (where);
                  if (widths[w] == 900)
                    check_labels_whole (GTK_WIDGET (window), bad);
                  if (bad->len > 0)
                    g_error ("Labels cut at 900 px on the %s page:\n%s", pages[p], bad->str);
                  if (widths[w] < 720)
                    {
                      g_autofree char *what = g_strdup_printf ("details-%s", pages[p]);

                      screenshot_at (what, widths[w], d);
                    }
                }
            }
          assert_all_reachable ("details");
          if (widths[w] == 900)
            {
              g_autoptr(GString) bad = g_string_new (NULL);

              check_labels_whole (GTK_WIDGET (window), bad);
              if (bad->len > 0)
                g_error ("Labels cut at 900 px:\n%s", bad->str);
            }
          screenshot_at ("details", widths[w], d);
          if (widths[w] < 720)
            {
              g_action_group_activate_action (G_ACTION_GROUP (window), "show-list", NULL);
              g_assert_true (wait_for (leaflet_shows_details, GINT_TO_POINTER (FALSE)));
            }
        }
    }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  set_window_size (1100, 520);
  shoal_window_set_sort (window, "added", TRUE);
  remove_all_torrents ();
}

/* The details pane of a wide window keeps the width the user gave it,
 * across selections and in the settings. */
static void
test_details_pane_width (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  GtkWidget *details = shoal_window_get_details_view (window);
  /* (in a stack with the details of remote torrents) */
  GtkPaned *paned = GTK_PANED (gtk_widget_get_ancestor (details, GTK_TYPE_PANED));

  remove_all_torrents ();
  set_window_size (1200, 600);
  add_torrent ("left", 1000);
  add_torrent ("right", 2000);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (2)));
  select_only ("left");
  g_assert_true (wait_for (widget_draws, details));
  spin (300);
  g_assert_true (GTK_IS_PANED (paned));

  gtk_paned_set_position (paned, gtk_widget_get_width (GTK_WIDGET (paned)) - 500);
  spin (300);
  g_assert_cmpint (ABS (gtk_widget_get_width (details) - 500), <=, 8);

  /* Deselected, the pane goes; selected again, it comes back as wide */
  gtk_selection_model_unselect_all (shoal_window_get_selection (window));
  spin (300);
  g_assert_false (gtk_widget_get_mapped (details));
  select_only ("right");
  spin (500);
  g_assert_true (gtk_widget_get_mapped (details));
  g_assert_cmpint (ABS (gtk_widget_get_width (details) - 500), <=, 8);

  shoal_window_save_state (window);
  g_assert_cmpint (ABS (g_settings_get_int (settings, "details-pane-width") - 500), <=, 8);

  g_settings_reset (settings, "details-pane-width");
  set_window_size (1100, 520);
  remove_all_torrents ();
}

/* The status line of a row says what matters in one line */
static void
test_row_status_line (void)
{
  ShoalTorrent *t;
  g_autoptr(ShoalTorrentRow) row = NULL;
  g_autofree char *date = NULL;

  remove_all_torrents ();
  t = add_torrent ("status", 300 * 1024 * 1024);
  /* Added paused, it checks its (missing) data first */
  g_assert_true (wait_for (paused, t));
  {
    g_autoptr(ShoalAppLocalTorrent) item = shoal_app_local_torrent_new (t);

    row = shoal_torrent_row_new (SHOAL_APP_TORRENT (item));
  }
  g_assert_cmpstr (shoal_torrent_row_get_summary_text (row), ==, "0 B of 300 MiB · Paused");
  g_assert_true (wait_for (label_shown, (gpointer) "0 B of 300 MiB · Paused"));
  g_assert_true (wait_for (label_shown, (gpointer) "0 %"));
  g_assert_true (wait_for (text_shown, (gpointer) "of 300 MiB"));

  /* Dates: today and yesterday by name, others with four-digit years */
  date = shoal_format_date (g_get_real_time () / G_USEC_PER_SEC);
  g_assert_true (g_str_has_prefix (date, "Today "));
  g_free (date);
  date = shoal_format_date (g_get_real_time () / G_USEC_PER_SEC - 86400);
  g_assert_true (g_str_has_prefix (date, "Yesterday "));
  g_free (date);
  date = shoal_format_date (1700000000);
  g_assert_nonnull (strstr (date, "2023"));
  g_free (date);
  date = shoal_format_percent (0.117);
  g_assert_cmpstr (date, ==, "11.7 %");
  g_free (date);
  date = shoal_format_percent (0.99999);
  g_assert_cmpstr (date, ==, "99.9 %");
  g_free (date);
  date = shoal_format_eta (245);
  g_assert_cmpstr (date, ==, "4 min left");
  remove_all_torrents ();
}

static gboolean
window_shown (gpointer data)
{
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

/* Queue */

static gboolean
is_queued (gpointer data)
{
  return shoal_torrent_get_state (data) == SHOAL_TORRENT_STATE_QUEUED;
}

static gboolean
is_downloading (gpointer data)
{
  return shoal_torrent_get_state (data) == SHOAL_TORRENT_STATE_DOWNLOADING;
}

static void
select_torrent (ShoalTorrent *torrent,
                gboolean      only)
{
  GListModel *model = shown ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalTorrentRow) row = g_list_model_get_item (model, i);

      if (shoal_torrent_row_get_torrent (row) == torrent)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (shoal_window_get_selection (window)), i, only);
          return;
        }
    }
  g_assert_not_reached ();
}

/* The action an accelerator runs, which must be that one alone */
static void
assert_accel (const char *accel,
              const char *action)
{
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), accel);

  g_assert_cmpuint (g_strv_length (actions), ==, 1);
  g_assert_cmpstr (actions[0], ==, action);
}

/* Preferences › Seeding › Queue sets the session's limits; with one
 * active download the others show Queued, and the list's queue actions
 * (their accelerators, the context menu) change which one runs. */
static void
test_queue_limits_and_moves (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  ShoalPreferencesWindow *preferences;
  GtkWidget *row;
  guint max = 99;
  ShoalTorrent *a, *b, *c;

  remove_all_torrents ();
  g_object_set (session (), "stalled-seconds", 3600u, NULL);
  preferences = shoal_preferences_window_new (app);
  gtk_window_present (GTK_WINDOW (preferences));
  row = find_row_titled (GTK_WIDGET (preferences), "Active _Downloads");
  g_assert_nonnull (row);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON)), 1);
  g_assert_cmpint (g_settings_get_int (settings, "max-active-downloads"), ==, 1);
  g_object_get (session (), "max-active-downloads", &max, NULL);
  g_assert_cmpuint (max, ==, 1);
  row = find_row_titled (GTK_WIDGET (preferences), "Active S_eeds");
  g_assert_nonnull (row);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON)), 3);
  g_object_get (session (), "max-active-seeds", &max, NULL);
  g_assert_cmpuint (max, ==, 3);
  gtk_window_destroy (GTK_WINDOW (preferences));

  a = add_torrent ("queue-a", 1000);
  b = add_torrent ("queue-b", 1000);
  c = add_torrent ("queue-c", 1000);
  g_assert_true (wait_for (paused, a) && wait_for (paused, b) && wait_for (paused, c));
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));
  gtk_selection_model_select_all (shoal_window_get_selection (window));
  g_action_group_activate_action (G_ACTION_GROUP (window), "start", NULL);
  /* The first in the queue downloads, the others wait, and say so */
  g_assert_true (wait_for (is_downloading, a));
  g_assert_true (wait_for (is_queued, b));
  g_assert_true (wait_for (is_queued, c));
  g_assert_true (wait_for (text_shown, (gpointer) "Queued"));

  /* The shortcuts, and nothing else on them */
  assert_accel ("<Alt>Up", "win.queue-up");
  assert_accel ("<Alt>Down", "win.queue-down");
  assert_accel ("<Alt>Home", "win.queue-top");
  assert_accel ("<Alt>End", "win.queue-bottom");

  /* c to the top: it runs, a waits */
  select_torrent (c, TRUE);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "queue-top"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-top", NULL);
  g_assert_cmpuint (shoal_torrent_get_queue_position (c), <, shoal_torrent_get_queue_position (a));
  g_assert_true (wait_for (is_downloading, c));
  g_assert_true (wait_for (is_queued, a));

  /* c down one: after a, which runs again */
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-down", NULL);
  g_assert_cmpuint (shoal_torrent_get_queue_position (a), <, shoal_torrent_get_queue_position (c));
  g_assert_cmpuint (shoal_torrent_get_queue_position (c), <, shoal_torrent_get_queue_position (b));
  g_assert_true (wait_for (is_downloading, a));
  g_assert_true (wait_for (is_queued, c));

  /* a to the bottom, b up one: b, c, a */
  select_torrent (a, TRUE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-bottom", NULL);
  select_torrent (b, TRUE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-up", NULL);
  g_assert_cmpuint (shoal_torrent_get_queue_position (b), <, shoal_torrent_get_queue_position (c));
  g_assert_cmpuint (shoal_torrent_get_queue_position (c), <, shoal_torrent_get_queue_position (a));
  g_assert_true (wait_for (is_downloading, b));
  g_assert_true (wait_for (is_queued, a));

  /* Two selected go to the top keeping their order: c, a, b */
  select_torrent (c, TRUE);
  select_torrent (a, FALSE);
  g_action_group_activate_action (G_ACTION_GROUP (window), "queue-top", NULL);
  g_assert_cmpuint (shoal_torrent_get_queue_position (c), <, shoal_torrent_get_queue_position (a));
  g_assert_cmpuint (shoal_torrent_get_queue_position (a), <, shoal_torrent_get_queue_position (b));
  g_assert_true (wait_for (is_downloading, c));

  g_settings_reset (settings, "max-active-downloads");
  g_settings_reset (settings, "max-active-seeds");
  g_object_get (session (), "max-active-downloads", &max, NULL);
  g_assert_cmpuint (max, ==, 0);
  remove_all_torrents ();
}

/* Set Location… and Ask Trackers for More Peers */

static gboolean
move_done (gpointer data)
{
  return shoal_move_dialog_is_done (data);
}

static gboolean
no_toplevel_dialog (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (SHOAL_IS_MOVE_DIALOG (w))
        return FALSE;
    }
  return TRUE;
}

static gboolean
action_enabled (gpointer data)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (window), data);
}

static void
assert_file_is (const char   *path,
                const guint8 *data,
                gsize         size)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    g_error ("%s is missing", path);
  g_assert_cmpuint (length, ==, size);
  g_assert_true (memcmp (contents, data, size) == 0);
}

static void
test_set_location_and_reannounce (void)
{
  const gsize size = 3 * 1024 * 1024 + 123;
  g_autofree guint8 *data = g_malloc (size);
  g_autofree char *old_path = g_build_filename (download_dir, "move-me", NULL);
  g_autofree char *dest = g_build_filename (tmp_dir, "moved", NULL);
  g_autofree char *new_path = g_build_filename (dest, "move-me", NULL);
  g_autofree char *blocker = g_build_filename (tmp_dir, "not-a-folder", NULL);
  g_autoptr(ShoalMoveDialog) dialog = NULL;
  g_autoptr(GError) error = NULL;
  ShoalTorrent *torrent;
  GRand *rand = g_rand_new_with_seed (15);

  remove_all_torrents ();
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (old_path, (const char *) data, size, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (dest, 0700), ==, 0);
  torrent = add_torrent ("move-me", size);
  g_assert_true (wait_for (paused, torrent));
  select_torrent (torrent, TRUE);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "set-location"));
  /* Not running: no tracker to ask */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "reannounce"));

  /* A destination that cannot be a folder: the dialog says why, and the
   * data stays where it was. */
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  dialog = g_object_ref (shoal_window_move_selected (window, blocker));
  g_assert_true (wait_for (move_done, dialog));
  g_assert_nonnull (shoal_move_dialog_get_error (dialog));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Could Not Move the Data");
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, download_dir);
  assert_file_is (old_path, data, size);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_clear_object (&dialog);

  /* Cancelled at once: all the data in one place or the other */
  dialog = g_object_ref (shoal_window_move_selected (window, dest));
  shoal_move_dialog_cancel (dialog);
  g_assert_true (wait_for (move_done, dialog));
  g_assert_true (wait_for (no_toplevel_dialog, NULL));
  g_test_message ("cancelled move: save dir %s, error %s, old %d, new %d", shoal_torrent_get_save_dir (torrent),
                  shoal_move_dialog_get_error (dialog) != NULL ? shoal_move_dialog_get_error (dialog)->message : "none",
                  g_file_test (old_path, G_FILE_TEST_EXISTS), g_file_test (new_path, G_FILE_TEST_EXISTS));
  if (g_strcmp0 (shoal_torrent_get_save_dir (torrent), download_dir) == 0)
    {
      assert_file_is (old_path, data, size);
      g_assert_false (g_file_test (new_path, G_FILE_TEST_EXISTS));
    }
  else
    {
      g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, dest);
      assert_file_is (new_path, data, size);
      g_assert_true (g_rename (new_path, old_path) == 0);
      g_clear_object (&dialog);
      dialog = g_object_ref (shoal_window_move_selected (window, download_dir));
      g_assert_true (wait_for (move_done, dialog));
    }
  g_clear_object (&dialog);

  /* Moved: byte for byte, and the bar full before the dialog goes */
  dialog = g_object_ref (shoal_window_move_selected (window, dest));
  g_assert_nonnull (dialog);
  g_assert_true (wait_for (move_done, dialog));
  g_assert_null (shoal_move_dialog_get_error (dialog));
  g_assert_cmpfloat (shoal_move_dialog_get_fraction (dialog), ==, 1.0);
  g_assert_true (wait_for (no_toplevel_dialog, NULL));
  g_assert_cmpstr (shoal_torrent_get_save_dir (torrent), ==, dest);
  assert_file_is (new_path, data, size);
  g_assert_false (g_file_test (old_path, G_FILE_TEST_EXISTS));
  /* Already there: nothing to do, no dialog */
  g_assert_null (shoal_window_move_selected (window, dest));

  /* Running: the trackers can be asked (there is none; the engine still
   * says the torrent asked) */
  shoal_torrent_start (torrent);
  g_assert_true (wait_for (state_is, torrent));
  g_assert_true (wait_for (action_enabled, (gpointer) "reannounce"));
  g_action_group_activate_action (G_ACTION_GROUP (window), "reannounce", NULL);
  g_assert_cmpstr (shoal_window_get_last_toast (window), !=, "The torrent is not running");
  shoal_torrent_pause (torrent);
  g_action_group_activate_action (G_ACTION_GROUP (window), "reannounce", NULL);
  g_assert_cmpstr (shoal_window_get_last_toast (window), ==, "The torrent is not running");

  g_unlink (blocker);
  remove_all_torrents ();
}

/* Preferences: folders, schedule, metered connections */

static GtkWidget *
find_button_tooltip (GtkWidget  *root,
                     const char *tooltip)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_tooltip (child, tooltip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_toggle_labelled (GtkWidget  *root,
                      const char *label)
{
  if (GTK_IS_TOGGLE_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_toggle_labelled (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
one_torrent (gpointer data)
{
  return g_list_model_get_n_items (shoal_session_get_torrents (session ())) == 1;
}

static void
test_preferences_extras_reach_session (void)
{
  GSettings *settings = shoal_application_get_settings (app);
  ShoalPreferencesWindow *preferences;
  g_autofree char *incomplete = g_build_filename (tmp_dir, "incomplete", NULL);
  g_autofree char *watch = g_build_filename (tmp_dir, "watch", NULL);
  g_autofree char *watched = g_build_filename (watch, "new.torrent", NULL);
  g_autofree char *watched_added = g_build_filename (watch, "new.torrent.added", NULL);
  g_autofree char *dir = NULL;
  GtkWidget *row, *spins;
  guint minute = 0, days = 0;
  gboolean scheduled = FALSE;
  ShoalMeteredPolicy policy = SHOAL_METERED_IGNORE;
  guint64 alt_down = 0;

  remove_all_torrents ();
  g_assert_cmpint (g_mkdir_with_parents (incomplete, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (watch, 0700), ==, 0);
  preferences = shoal_preferences_window_new (app);
  gtk_window_present (GTK_WINDOW (preferences));

  /* Folders: the row shows the key, which reaches the session */
  row = find_row_titled (GTK_WIDGET (preferences), "_Incomplete Downloads");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "None");
  g_settings_set_string (settings, "incomplete-dir", incomplete);
  g_object_get (session (), "incomplete-dir", &dir, NULL);
  g_assert_cmpstr (dir, ==, incomplete);
  g_clear_pointer (&dir, g_free);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, incomplete);
  g_signal_emit_by_name (find_button_tooltip (row, "No Folder"), "clicked");
  dir = g_settings_get_string (settings, "incomplete-dir");
  g_assert_cmpstr (dir, ==, "");
  g_clear_pointer (&dir, g_free);
  g_object_get (session (), "incomplete-dir", &dir, NULL);
  g_assert_null (dir);

  /* The watch folder adds what is put in it, and renames it */
  g_assert_nonnull (find_row_titled (GTK_WIDGET (preferences), "_Watch Folder"));
  g_settings_set_string (settings, "watch-dir", watch);
  g_object_get (session (), "watch-dir", &dir, NULL);
  g_assert_cmpstr (dir, ==, watch);
  g_clear_pointer (&dir, g_free);
  {
    guint64 size = 5000;
    g_autoptr(ShoalMetainfo) info = make_metainfo ("watched", 1, &size);
    GBytes *bytes = shoal_metainfo_get_bytes (info);

    g_assert_true (g_file_set_contents (watched, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                        NULL));
  }
  g_assert_true (wait_for (one_torrent, NULL));
  g_assert_true (wait_for (label_shown, (gpointer) "watched"));
  g_settings_reset (settings, "watch-dir");
  g_object_get (session (), "watch-dir", &dir, NULL);
  g_assert_null (dir);
  g_assert_true (g_file_test (watched_added, G_FILE_TEST_IS_REGULAR));

  /* The schedule */
  row = find_row_titled (GTK_WIDGET (preferences), "Use the _Schedule");
  g_assert_nonnull (row);
  gtk_switch_set_active (GTK_SWITCH (find_widget (row, GTK_TYPE_SWITCH)), TRUE);
  g_object_get (session (), "alt-schedule-enabled", &scheduled, NULL);
  g_assert_true (scheduled);
  row = find_row_titled (GTK_WIDGET (preferences), "_From");
  spins = find_widget (row, GTK_TYPE_SPIN_BUTTON);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spins), 8);
  g_assert_cmpint (g_settings_get_int (settings, "alt-begin-minute"), ==, 8 * 60);
  g_object_get (session (), "alt-begin-minute", &minute, NULL);
  g_assert_cmpuint (minute, ==, 8 * 60);
  g_settings_set_int (settings, "alt-end-minute", 23 * 60 + 45);
  g_object_get (session (), "alt-end-minute", &minute, NULL);
  g_assert_cmpuint (minute, ==, 23 * 60 + 45);
  row = find_row_titled (GTK_WIDGET (preferences), "_To");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (find_widget (row, GTK_TYPE_SPIN_BUTTON))), ==, 23);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_toggle_labelled (GTK_WIDGET (preferences), "Sun")), FALSE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_toggle_labelled (GTK_WIDGET (preferences), "Sat")), FALSE);
  g_object_get (session (), "alt-days", &days, NULL);
  g_assert_cmpuint (days, ==, 0x1f);
  g_settings_set_int (settings, "alt-download-limit", 33);
  g_object_get (session (), "alt-download-limit", &alt_down, NULL);
  g_assert_cmpuint (alt_down, ==, 33 * 1024);

  /* Metered connections */
  row = find_row_titled (GTK_WIDGET (preferences), "On a _Metered Connection");
  g_assert_nonnull (row);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 2);
  dir = g_settings_get_string (settings, "metered-policy");
  g_assert_cmpstr (dir, ==, "pause");
  g_clear_pointer (&dir, g_free);
  g_object_get (session (), "metered-policy", &policy, NULL);
  g_assert_cmpint (policy, ==, SHOAL_METERED_PAUSE);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 1);
  g_object_get (session (), "metered-policy", &policy, NULL);
  g_assert_cmpint (policy, ==, SHOAL_METERED_LIMIT);

  /* uTP: the row, the key and the session agree */
  g_assert_cmpint (shoal_session_get_utp_mode (session ()), ==, SHOAL_UTP_MODE_PREFER);
  row = find_row_titled (GTK_WIDGET (preferences), "Peer _Connections");
  g_assert_nonnull (row);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 1);
  g_assert_cmpint (g_settings_get_enum (settings, "utp-mode"), ==, SHOAL_UTP_MODE_OFF);
  g_assert_cmpint (shoal_session_get_utp_mode (session ()), ==, SHOAL_UTP_MODE_OFF);
  g_settings_set_enum (settings, "utp-mode", SHOAL_UTP_MODE_ONLY);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 2);
  g_assert_cmpint (shoal_session_get_utp_mode (session ()), ==, SHOAL_UTP_MODE_ONLY);
  g_settings_reset (settings, "utp-mode");
  g_assert_cmpint (shoal_session_get_utp_mode (session ()), ==, SHOAL_UTP_MODE_PREFER);

  gtk_window_destroy (GTK_WINDOW (preferences));
  for (guint i = 0; i < 8; i++)
    {
      const char *keys[] = { "alt-schedule-enabled", "alt-begin-minute", "alt-end-minute", "alt-days",
                             "alt-download-limit", "metered-policy", "incomplete-dir", "watch-remove" };

      g_settings_reset (settings, keys[i]);
    }
  g_object_get (session (), "alt-schedule-enabled", &scheduled, "metered-policy", &policy, NULL);
  g_assert_false (scheduled);
  g_assert_cmpint (policy, ==, SHOAL_METERED_IGNORE);
  remove_all_torrents ();
  /* The list's transitions end before the next test measures the window */
  spin (500);
}

/* Statistics */

static ShoalStatisticsDialog *
find_statistics (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (SHOAL_IS_STATISTICS_DIALOG (w))
        return SHOAL_STATISTICS_DIALOG (w);
    }
  return NULL;
}

static gboolean
statistics_shown (gpointer data)
{
  return find_statistics () != NULL;
}

static void
test_statistics_dialog (void)
{
  ShoalStatisticsDialog *dialog;
  guint64 down = 0, up = 0, seconds = 0;
  gint64 first = 0;
  double ratio = 0;
  g_autofree char *down_text = NULL;
  g_autofree char *up_text = NULL;
  g_autofree char *ratio_text = NULL;
  g_autofree char *first_text = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "statistics", NULL);
  g_assert_true (wait_for (statistics_shown, NULL));
  dialog = find_statistics ();
  g_object_get (session (), "total-downloaded", &down, "total-uploaded", &up, "total-ratio", &ratio,
                "seconds-active", &seconds, "first-start", &first, NULL);
  down_text = shoal_format_size (down);
  up_text = shoal_format_size (up);
  ratio_text = g_strdup_printf ("%.2f", ratio);
  first_text = first > 0 ? shoal_format_date (first) : g_strdup ("Never");
  g_assert_cmpstr (shoal_statistics_dialog_get_value (dialog, "total-downloaded"), ==, down_text);
  g_assert_cmpstr (shoal_statistics_dialog_get_value (dialog, "total-uploaded"), ==, up_text);
  g_assert_cmpstr (shoal_statistics_dialog_get_value (dialog, "total-ratio"), ==, ratio_text);
  g_assert_cmpstr (shoal_statistics_dialog_get_value (dialog, "first-start"), ==, first_text);
  g_assert_nonnull (shoal_statistics_dialog_get_value (dialog, "seconds-active"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "Downloaded"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "Time Running"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (find_statistics ());
}

/* Suspend inhibited while downloading; errors noticed */

static gboolean
inhibiting_is (gpointer data)
{
  return shoal_laptop_monitor_get_inhibiting (shoal_application_get_laptop_monitor (app)) == GPOINTER_TO_INT (data);
}

static gboolean
errors_noticed (gpointer data)
{
  return shoal_laptop_monitor_get_n_error_notices (shoal_application_get_laptop_monitor (app)) >=
         GPOINTER_TO_UINT (data);
}

static void
test_inhibit_while_downloading (void)
{
  ShoalLaptopMonitor *monitor = shoal_application_get_laptop_monitor (app);
  ShoalTorrent *one, *two, *broken;
  guint n_errors;

  g_assert_nonnull (monitor);
  remove_all_torrents ();
  g_assert_true (wait_for (inhibiting_is, GINT_TO_POINTER (FALSE)));

  one = add_torrent ("awake-one", 50000);
  two = add_torrent ("awake-two", 50000);
  g_assert_true (wait_for (paused, one) && wait_for (paused, two));
  g_assert_false (shoal_laptop_monitor_get_inhibiting (monitor));
  g_assert_cmpuint (shoal_laptop_monitor_get_cookie (monitor), ==, 0);

  shoal_torrent_start (one);
  shoal_torrent_start (two);
  g_assert_true (wait_for (state_is, one) && wait_for (state_is, two));
  g_assert_true (wait_for (inhibiting_is, GINT_TO_POINTER (TRUE)));
  g_test_message ("inhibit cookie: %u", shoal_laptop_monitor_get_cookie (monitor));
  /* One still downloads: still inhibited */
  shoal_torrent_pause (one);
  spin (100);
  g_assert_true (shoal_laptop_monitor_get_inhibiting (monitor));
  /* None: released */
  shoal_torrent_pause (two);
  g_assert_true (wait_for (inhibiting_is, GINT_TO_POINTER (FALSE)));
  g_assert_cmpuint (shoal_laptop_monitor_get_cookie (monitor), ==, 0);
  /* A torrent removed while downloading releases it too */
  shoal_torrent_start (two);
  g_assert_true (wait_for (inhibiting_is, GINT_TO_POINTER (TRUE)));
  shoal_session_remove_torrent (session (), two, TRUE);
  g_assert_true (wait_for (inhibiting_is, GINT_TO_POINTER (FALSE)));

  /* A torrent that stops on an error is noticed (the notification
   * itself needs a desktop's server). The engine's own error paths are
   * its tests' business: here the torrent's "error" signal, as the
   * engine emits it, with the disk-full error it would carry. */
  n_errors = shoal_laptop_monitor_get_n_error_notices (monitor);
  broken = add_torrent ("err-me", 50000);
  g_assert_true (wait_for (paused, broken));
  {
    g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "No space left on device");

    g_signal_emit_by_name (broken, "error", error);
  }
  g_assert_true (wait_for (errors_noticed, GUINT_TO_POINTER (n_errors + 1)));
  g_assert_cmpuint (shoal_laptop_monitor_get_n_error_notices (monitor), ==, n_errors + 1);
  g_assert_false (shoal_laptop_monitor_get_inhibiting (monitor));

  remove_all_torrents ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *state_dir = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("shoal-test-app-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (tmp_dir, "state", NULL);
  download_dir = g_build_filename (tmp_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);
  g_setenv ("SHOAL_STATE_DIR", state_dir, TRUE);
  g_setenv ("SHOAL_DOWNLOAD_DIR", download_dir, TRUE);

  /* The memory backend starts from the defaults: no fixed port that a
   * parallel test could hold, no notifications, no close question. */
  settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  g_settings_set_boolean (settings, "random-port", TRUE);
  g_settings_set_boolean (settings, "notify-on-complete", FALSE);
  g_settings_set_int (settings, "window-width", 1100);
  g_settings_set_int (settings, "window-height", 520);

  /* The title bar buttons of GNOME (only a close button), not those of
   * GTK's fallback without a desktop (minimize, maximize and close),
   * which alone take a third of a 360 px wide header bar. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", "appmenu:close", NULL);

  app = shoal_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_application_activate (G_APPLICATION (app));
  window = SHOAL_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);
  g_assert_true (wait_for (window_shown, NULL));
  g_assert_null (shoal_application_get_startup_error (app));

  g_test_add_func ("/app/window/empty-state", test_empty_state);
  g_test_add_func ("/app/window/rows-follow-engine", test_rows_follow_engine);
  g_test_add_func ("/app/window/sort-by-column", test_sort_by_column);
  g_test_add_func ("/app/window/filter-search-and-state", test_filter_by_search_and_state);
  g_test_add_func ("/app/window/actions-follow-selection", test_actions_follow_selection);
  g_test_add_func ("/app/window/remove-keeps-or-deletes-data", test_remove_keeps_or_deletes_data);
  g_test_add_func ("/app/window/cells-know-their-row", test_cells_know_their_row);
  g_test_add_func ("/app/window/remove-delete-failure-toast", test_remove_delete_failure_toast);
  g_test_add_func ("/app/window/remove-several", test_remove_several);
  g_test_add_func ("/app/add-dialog/skip-file-and-duplicate", test_add_dialog_skips_file);
  g_test_add_func ("/app/add-dialog/choose-folder", test_add_dialog_choose_folder);
  g_test_add_func ("/app/add/broken-torrent-toast", test_broken_torrent_toast);
  g_test_add_func ("/app/magnet/add-and-duplicate", test_magnet_add_and_duplicate);
  g_test_add_func ("/app/magnet/drop-text", test_magnet_drop_text);
  g_test_add_func ("/app/magnet/metadata-from-peer", test_magnet_metadata_from_peer);
  g_test_add_func ("/app/magnet/choose-files-when-metadata-arrives", test_magnet_choose_files);
  g_test_add_func ("/app/magnet/link-dialog", test_magnet_link_dialog);
  g_test_add_func ("/app/application/second-instance-opens-file", test_second_instance_opens_file);
  g_test_add_func ("/app/application/second-instance-opens-magnet", test_second_instance_opens_magnet);
  g_test_add_func ("/app/application/settings-apply-live", test_settings_apply_live);
  g_test_add_func ("/app/application/settings-bind-properties", test_settings_bind_properties);
  g_test_add_func ("/app/preferences/encryption-reaches-engine", test_encryption_reaches_engine);
  g_test_add_func ("/app/preferences/port-applies-live", test_port_applies_live);
  g_test_add_func ("/app/preferences/discovery-reaches-engine", test_discovery_reaches_engine);
  g_test_add_func ("/app/preferences/direct-writes-reaches-engine", test_direct_writes_reaches_engine);
  g_test_add_func ("/app/preferences/port-mapping-row", test_port_mapping_row);
  g_test_add_func ("/app/preferences/extras-reach-session", test_preferences_extras_reach_session);
  g_test_add_func ("/app/application/statistics-dialog", test_statistics_dialog);
  g_test_add_func ("/app/application/inhibit-while-downloading", test_inhibit_while_downloading);
  g_test_add_func ("/app/new-torrent/parse-fields", test_new_torrent_parse_fields);
  g_test_add_func ("/app/new-torrent/create-save-copy-seed", test_new_torrent_create_and_seed);
  g_test_add_func ("/app/new-torrent/errors-and-stop", test_new_torrent_errors_and_stop);
  g_test_add_func ("/app/new-torrent/v1-v2-hybrid", test_new_torrent_versions);
  g_test_add_func ("/app/window/screenshots", test_screenshots);
  g_test_add_func ("/app/window/row-status-line", test_row_status_line);
  g_test_add_func ("/app/window/details-pane-width", test_details_pane_width);
  g_test_add_func ("/app/window/adaptive-layout", test_adaptive_layout);
  g_test_add_func ("/app/window/close-dialog-enter", test_close_dialog_enter);
  g_test_add_func ("/app/window/dialog-fits-parent", test_dialog_fits_parent);
  g_test_add_func ("/app/window/queue-limits-and-moves", test_queue_limits_and_moves);
  g_test_add_func ("/app/window/set-location-and-reannounce", test_set_location_and_reannounce);

  ret = g_test_run ();

  remove_all_torrents ();
  gtk_window_destroy (GTK_WINDOW (window));
  shoal_session_close (session ());
  g_clear_object (&app);
  g_free (download_dir);
  /* The state and downloads are small and under /tmp; leave them for a
   * failing run to be looked at. */
  g_free (tmp_dir);
  return ret;
}
