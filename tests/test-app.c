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

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "shoal-add-dialog.h"
#include "shoal-add-file.h"
#include "shoal-application.h"
#include "shoal-preferences-window.h"
#include "shoal-torrent-row.h"
#include "shoal-window.h"

static ShoalApplication *app;
static ShoalWindow *window;
static char *tmp_dir;
static char *download_dir;
static guint torrent_serial;

/* Helpers */

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
  bytes = shoal_bencode_writer_finish (g_steal_pointer (&w));

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

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
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

static gboolean
label_shown (gpointer data)
{
  return find_label (GTK_WIDGET (shoal_window_get_column_view (window)), data) != NULL;
}

static GtkColumnViewColumn *
column_titled (const char *title)
{
  GListModel *columns = gtk_column_view_get_columns (shoal_window_get_column_view (window));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }
  g_assert_not_reached ();
  return NULL;
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

static void
save_screenshot (GtkWidget  *widget,
                 const char *file_name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                            file_name, NULL);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
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
  g_assert_true (wait_for (label_shown, (gpointer) "3 MiB"));

  /* Removed in the engine → gone from the list. */
  shoal_session_remove_torrent (session (), shoal_session_find_torrent (session (),
                                                                        shoal_metainfo_get_info_hash_v1 (shoal_torrent_get_metainfo (add_torrent ("delta", 10)))),
                                FALSE);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));
  remove_all_torrents ();
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (0)));
}

static void
test_sort_by_column (void)
{
  GtkColumnView *view = shoal_window_get_column_view (window);
  g_autofree char *by_size = NULL;
  g_autofree char *by_size_desc = NULL;
  g_autofree char *by_name = NULL;

  remove_all_torrents ();
  add_torrent ("medium", 5000);
  add_torrent ("big", 90000);
  add_torrent ("small", 10);
  g_assert_true (wait_for (n_shown_is, GUINT_TO_POINTER (3)));

  gtk_column_view_sort_by_column (view, column_titled ("Size"), GTK_SORT_ASCENDING);
  by_size = shown_names ();
  g_assert_cmpstr (by_size, ==, "small,medium,big");

  gtk_column_view_sort_by_column (view, column_titled ("Size"), GTK_SORT_DESCENDING);
  by_size_desc = shown_names ();
  g_assert_cmpstr (by_size_desc, ==, "big,medium,small");

  gtk_column_view_sort_by_column (view, column_titled ("Name"), GTK_SORT_ASCENDING);
  by_name = shown_names ();
  g_assert_cmpstr (by_name, ==, "big,medium,small");

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

static void
test_add_dialog_skips_file (void)
{
  static const guint64 sizes[] = { 40000, 20000, 30000 };
  g_autoptr(ShoalMetainfo) info = make_metainfo ("three-files", 3, sizes);
  ShoalAddDialog *dialog;
  GListModel *files;
  ShoalTorrent *torrent;

  remove_all_torrents ();
  g_settings_set_boolean (shoal_application_get_settings (app), "start-added", FALSE);

  shoal_window_open_metainfo (window, info);
  g_assert_true (wait_for (dialog_is_add_dialog, NULL));
  dialog = SHOAL_ADD_DIALOG (shoal_window_get_dialog (window));
  g_assert_cmpstr (shoal_add_dialog_get_save_dir (dialog), ==, download_dir);

  files = shoal_add_dialog_get_files (dialog);
  g_assert_cmpuint (g_list_model_get_n_items (files), ==, 3);
  {
    g_autoptr(ShoalAddFile) second = g_list_model_get_item (files, 1);

    g_assert_true (shoal_add_file_get_wanted (second));
    shoal_add_file_set_wanted (second, FALSE);
  }
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

static void
test_magnet_not_supported (void)
{
  reset_toast ();
  shoal_window_add_link (window, "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x");
  g_assert_true (wait_for (toast_is, (gpointer) "Magnet links are not supported yet"));

  reset_toast ();
  shoal_window_add_link (window, "magnet:?dn=no-hash");
  g_assert_true (wait_for (toast_is, (gpointer) "Invalid magnet link"));
  g_assert_true (n_torrents_is (GUINT_TO_POINTER (0)));
}

static gboolean
dialog_is_message (gpointer data)
{
  return ADW_IS_MESSAGE_DIALOG (shoal_window_get_dialog (window));
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

static gboolean
torrent_named_added (gpointer data)
{
  GListModel *torrents = shoal_session_get_torrents (session ());

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(ShoalTorrent) t = g_list_model_get_item (torrents, i);

      if (g_str_equal (shoal_torrent_get_name (t), data))
        return TRUE;
    }
  return FALSE;
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
  gtk_column_view_sort_by_column (shoal_window_get_column_view (window), column_titled ("Name"), GTK_SORT_ASCENDING);
  select_only ("debian-12.5.0-amd64-netinst.iso");
  g_assert_true (wait_for (label_shown, (gpointer) "archlinux-2024.06.01-x86_64.iso"));
  spin (1500);
  save_screenshot (GTK_WIDGET (window), "screenshot-main-window.png");

  preferences = shoal_preferences_window_new (app);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  spin (800);
  save_screenshot (GTK_WIDGET (preferences), "screenshot-preferences.png");
  gtk_window_destroy (GTK_WINDOW (preferences));

  remove_all_torrents ();
}

static gboolean
window_shown (gpointer data)
{
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
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
  g_test_add_func ("/app/add-dialog/skip-file-and-duplicate", test_add_dialog_skips_file);
  g_test_add_func ("/app/add/broken-torrent-toast", test_broken_torrent_toast);
  g_test_add_func ("/app/add/magnet-not-supported", test_magnet_not_supported);
  g_test_add_func ("/app/application/second-instance-opens-file", test_second_instance_opens_file);
  g_test_add_func ("/app/application/settings-apply-live", test_settings_apply_live);
  g_test_add_func ("/app/window/screenshots", test_screenshots);

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
