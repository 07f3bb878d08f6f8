/* test-details.c: the details pane, driven against a real session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts a session on 127.0.0.1 with its state in a temporary
 * directory, adds torrents made from generated data, shows a
 * ShoalDetailsView in a window and checks what it shows (labels, rendered
 * pixels) and what its controls change in the engine. Screenshots of the
 * pages are written to <builddir>/screenshots/.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "shoal-bandwidth-page.h"
#include "shoal-file-node.h"
#include "shoal-format.h"
#include "shoal-details-view.h"
#include "shoal-engine.h"
#include "shoal-bencode.h"
#include "shoal-peers-page.h"
#include "shoal-pieces-page.h"

#define PIECE (16 * 1024)

typedef struct
{
  const char *path;     /* under the torrent's name */
  guint64     length;
  gboolean    pad;
} FileSpec;

/* 16 pieces: a.bin ends with a pad file so the sub/ files start on a
 * piece boundary; a.bin and its pad are exactly the first 8 pieces. */
static const FileSpec half_files[] = {
  { "a.bin", 8 * PIECE - 8192, FALSE },
  { ".pad/8192", 8192, TRUE },
  { "sub/b.bin", 4 * PIECE, FALSE },
  { "sub/c.bin", 4 * PIECE, FALSE },
};

static const char *trackers[] = {
  "http://127.0.0.1:9/announce",
  "udp://127.0.0.1:9/announce",
};

typedef struct
{
  char             *tmp;
  ShoalSession     *session;
  GtkWindow        *window;
  ShoalDetailsView *view;
} Fixture;

/* Helpers */

static void
rm_rf (const char *path)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
wait_for (gboolean (*check) (gpointer),
          gpointer  data)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!check (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

/* Builds a v1 torrent called @name over @files, with the module's
 * trackers. The content is random (pad files zero) and, with @write,
 * written under @save_dir for the files named in @written (NULL: all). */
static ShoalMetainfo *
build_torrent (const char      *name,
               const FileSpec  *files,
               guint            n_files,
               guint64          piece_length,
               guint            n_pieces_without_data,
               const char      *save_dir,
               const char     **written)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GByteArray) hashes = g_byte_array_new ();
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = NULL;
  GRand *rand = g_rand_new_with_seed (7);
  guint64 total = 0, offset = 0;
  ShoalMetainfo *info;

  for (guint i = 0; i < n_files; i++)
    total += files[i].length;
  if (n_pieces_without_data > 0)
    {
      /* Hashes of nothing in particular: the torrent is only shown,
       * never checked (seed mode). */
      g_byte_array_set_size (hashes, n_pieces_without_data * 20);
      for (guint i = 0; i < hashes->len; i++)
        hashes->data[i] = (guint8) g_rand_int (rand);
    }
  else
    {
      data = g_malloc (MAX (total, 1));
      for (guint64 i = 0; i < total; i++)
        data[i] = (guint8) g_rand_int (rand);
      for (guint i = 0; i < n_files; offset += files[i].length, i++)
        if (files[i].pad)
          memset (data + offset, 0, files[i].length);
      for (guint64 off = 0; off < total; off += piece_length)
        {
          guint8 digest[SHOAL_SHA1_LEN];

          shoal_sha1 (data + off, MIN (piece_length, total - off), digest);
          g_byte_array_append (hashes, digest, sizeof digest);
        }
    }
  g_rand_free (rand);

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "announce");
  shoal_bencode_writer_cstring (w, trackers[0]);
  shoal_bencode_writer_cstring (w, "announce-list");
  shoal_bencode_writer_begin_list (w);
  for (guint t = 0; t < G_N_ELEMENTS (trackers); t++)
    {
      shoal_bencode_writer_begin_list (w);
      shoal_bencode_writer_cstring (w, trackers[t]);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "comment");
  shoal_bencode_writer_cstring (w, "Made by test-details");
  shoal_bencode_writer_cstring (w, "created by");
  shoal_bencode_writer_cstring (w, "test-details 1.0");
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "files");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; i < n_files; i++)
    {
      g_auto(GStrv) parts = g_strsplit (files[i].path, "/", -1);

      shoal_bencode_writer_begin_dict (w);
      if (files[i].pad)
        {
          shoal_bencode_writer_cstring (w, "attr");
          shoal_bencode_writer_cstring (w, "p");
        }
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, (gint64) files[i].length);
      shoal_bencode_writer_cstring (w, "path");
      shoal_bencode_writer_begin_list (w);
      for (guint p = 0; parts[p] != NULL; p++)
        shoal_bencode_writer_cstring (w, parts[p]);
      shoal_bencode_writer_end (w);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, (gint64) piece_length);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, hashes->data, hashes->len);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  torrent = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);

  offset = 0;
  for (guint i = 0; data != NULL && i < n_files; offset += files[i].length, i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *dir = NULL;

      if (files[i].pad || (written != NULL && !g_strv_contains (written, files[i].path)))
        continue;
      path = g_build_filename (save_dir, name, files[i].path, NULL);
      dir = g_path_get_dirname (path);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_file_set_contents (path, (const char *) data + offset, (gssize) files[i].length, &error);
      g_assert_no_error (error);
    }
  return info;
}

static gboolean
not_checking (gpointer data)
{
  return shoal_torrent_get_state (data) != SHOAL_TORRENT_STATE_CHECKING;
}

static ShoalTorrent *
add_torrent (Fixture       *f,
             ShoalMetainfo *info,
             ShoalAddFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  ShoalTorrent *torrent;

  torrent = shoal_session_add_torrent (f->session, info, save_dir, flags | SHOAL_ADD_FLAGS_NO_SAVE, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (not_checking, torrent));
  /* The session's reference is not the test's */
  return g_object_ref (torrent);
}

/* Half of the pieces: a.bin (and its pad) on disk, sub/ missing */
static ShoalTorrent *
add_half_torrent (Fixture *f)
{
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  const char *written[] = { "a.bin", NULL };
  g_autoptr(ShoalMetainfo) info = build_torrent ("Half Torrent", half_files, G_N_ELEMENTS (half_files),
                                                 PIECE, 0, save_dir, written);
  ShoalTorrent *torrent = add_torrent (f, info, SHOAL_ADD_FLAGS_PAUSED);

  g_assert_cmpuint (shoal_bitfield_count (shoal_torrent_get_pieces (torrent)), ==, 8);
  return torrent;
}

static ShoalTorrent *
add_full_torrent (Fixture *f)
{
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  g_autoptr(ShoalMetainfo) info = build_torrent ("Full Torrent", half_files, G_N_ELEMENTS (half_files),
                                                 PIECE, 0, save_dir, NULL);
  ShoalTorrent *torrent = add_torrent (f, info, SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_PAUSED);

  g_assert_cmpuint (shoal_bitfield_count (shoal_torrent_get_pieces (torrent)), ==, 16);
  return torrent;
}

static gboolean
widget_is_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  f->tmp = g_dir_make_tmp ("shoal-details-XXXXXX", &error);
  g_assert_no_error (error);
  state = g_build_filename (f->tmp, "state", NULL);

  f->session = shoal_session_new (state);
  shoal_session_set_listen_address (f->session, "127.0.0.1");
  shoal_session_set_listen_port (f->session, 0);
  g_assert_true (shoal_session_start (f->session, &error));
  g_assert_no_error (error);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 900, 560);
  gtk_window_set_title (f->window, "Details");
  f->view = shoal_details_view_new ();
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  shoal_details_view_set_session (f->view, f->session);
  gtk_window_present (f->window);
  g_assert_true (wait_for (widget_is_drawn, f->view));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  iterate (20);
  shoal_session_close (f->session);
  g_assert_finalize_object (f->session);
  rm_rf (f->tmp);
  g_free (f->tmp);
}

static void
show_page (Fixture    *f,
           const char *name)
{
  GtkWidget *page = shoal_details_view_get_page (f->view, name);

  shoal_details_view_set_visible_page (f->view, name);
  g_assert_true (wait_for (widget_is_drawn, page));
  /* A few frames for list views to create their rows */
  iterate (150);
}

/* Renders @widget as it is on screen, with the window's renderer. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GskRenderNode *node;
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  return texture;
}

static void
save_screenshot (Fixture    *f,
                 const char *name)
{
  g_autoptr(GdkTexture) texture = render_widget (GTK_WIDGET (f->window));
  g_autofree char *dir = g_build_filename (g_test_get_dir (G_TEST_BUILT), "screenshots", NULL);
  g_autofree char *file = g_strdup_printf ("details-%s.png", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);

  /* And in the dark style, which every page must look right in too. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  iterate (200);
  {
    g_autoptr(GdkTexture) dark = render_widget (GTK_WIDGET (f->window));
    g_autofree char *dark_file = g_strdup_printf ("details-%s-dark.png", name);
    g_autofree char *dark_path = g_build_filename (dir, dark_file, NULL);

    g_assert_true (gdk_texture_save_to_png (dark, dark_path));
  }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  iterate (200);
}

typedef struct
{
  guint8 *data;
  gsize   stride;
  int     width;
  int     height;
} Pixels;

static void
pixels_init (Pixels     *px,
             GdkTexture *texture)
{
  px->width = gdk_texture_get_width (texture);
  px->height = gdk_texture_get_height (texture);
  px->stride = (gsize) px->width * 4;
  px->data = g_malloc (px->stride * px->height);
  gdk_texture_download (texture, px->data, px->stride);
}

/* Un-premultiplied color of a pixel (the download format is
 * premultiplied ARGB in native-endian words) */
static void
pixel_at (const Pixels *px,
          int           x,
          int           y,
          GdkRGBA      *color)
{
  guint32 v;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, px->width);
  g_assert_cmpint (y, <, px->height);
  memcpy (&v, px->data + y * px->stride + x * 4, 4);
  color->alpha = ((v >> 24) & 0xff) / 255.f;
  if (color->alpha == 0)
    {
      color->red = color->green = color->blue = 0;
      return;
    }
  color->red = ((v >> 16) & 0xff) / 255.f / color->alpha;
  color->green = ((v >> 8) & 0xff) / 255.f / color->alpha;
  color->blue = (v & 0xff) / 255.f / color->alpha;
}

static gboolean
color_near (const GdkRGBA *a,
            const GdkRGBA *b)
{
  const float tolerance = 4 / 255.f;

  return ABS (a->red - b->red) <= tolerance && ABS (a->green - b->green) <= tolerance &&
         ABS (a->blue - b->blue) <= tolerance && ABS (a->alpha - b->alpha) <= tolerance;
}

/* Collects the labels and check buttons under @widget. */
static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, out);
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (widget, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return TRUE;
  return FALSE;
}

static GtkCheckButton *
find_check (GtkWidget  *widget,
            const char *tooltip)
{
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();

  collect (widget, GTK_TYPE_CHECK_BUTTON, checks);
  for (guint i = 0; i < checks->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (checks->pdata[i]), tooltip) == 0)
      return checks->pdata[i];
  return NULL;
}

static GtkColumnView *
find_column_view (GtkWidget *widget)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  collect (widget, GTK_TYPE_COLUMN_VIEW, views);
  g_assert_cmpuint (views->len, ==, 1);
  return views->pdata[0];
}

static guint
file_index (ShoalTorrent *torrent,
            const char   *path)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);

  for (guint i = 0; i < shoal_metainfo_get_n_files (info); i++)
    if (g_str_has_suffix (shoal_metainfo_get_file (info, i)->path, path))
      return i;
  g_assert_not_reached ();
}

static gboolean
a_bin_wanted_shown (gpointer page)
{
  return gtk_check_button_get_active (find_check (page, "Download “a.bin”"));
}

/* Tests */

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);

  g_assert_true (has_label (GTK_WIDGET (f->view), "No Torrent Selected"));
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (50);
  g_assert_false (has_label (GTK_WIDGET (f->view), "No Torrent Selected"));
  shoal_details_view_set_torrent (f->view, NULL);
  iterate (50);
  g_assert_true (has_label (GTK_WIDGET (f->view), "No Torrent Selected"));
  /* The empty state covers the pages; they stay mapped (a torrent selected
   * again costs no new layout of them all) but out of the focus chain. */
  g_assert_true (gtk_widget_get_mapped (shoal_details_view_get_page (f->view, "general")));
  g_assert_false (gtk_widget_child_focus (GTK_WIDGET (f->view), GTK_DIR_TAB_FORWARD) &&
                  gtk_widget_is_ancestor (gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (f->view))),
                                          shoal_details_view_get_page (f->view, "general")));
}

static void
test_general (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_full_torrent (f);
  g_autofree char *size = shoal_format_size (16 * PIECE - 8192);
  GtkWidget *page = shoal_details_view_get_page (f->view, "general");

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "general");

  g_assert_true (has_label (page, "Full Torrent"));
  g_assert_true (has_label (page, size));
  g_assert_true (has_label (page, shoal_torrent_get_info_hash_hex (torrent)));
  g_assert_true (has_label (page, "Made by test-details"));
  g_assert_true (has_label (page, "test-details 1.0"));
  save_screenshot (f, "general");
}

/* Whether a label under @widget, shown or not, reads @text */
static gboolean
holds_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (holds_label (child, text))
      return TRUE;
  return FALSE;
}

/* A newly selected torrent goes to the visible page; every other page
 * gets it, and its layout, when it is shown. */
static void
test_pages_lazy (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(ShoalTorrent) half = add_half_torrent (f);
  g_autoptr(ShoalTorrent) full = add_full_torrent (f);
  GtkWidget *general = shoal_details_view_get_page (f->view, "general");
  GtkWidget *files = shoal_details_view_get_page (f->view, "files");
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  shoal_details_view_set_torrent (f->view, full);
  show_page (f, "general");
  g_assert_true (has_label (general, "Full Torrent"));
  /* Never shown: not laid out */
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_first_child (files)));

  /* At 900 px no figure of General is cut, wrapped or not */
  collect (general, GTK_TYPE_LABEL, labels);
  g_assert_cmpuint (labels->len, >, 20);
  for (guint i = 0; i < labels->len; i++)
    g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (labels->pdata[i])));

  show_page (f, "files");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_first_child (files)));
  g_assert_true (has_label (files, "a.bin"));

  /* Another torrent while Files is shown: General shows it once shown */
  shoal_details_view_set_torrent (f->view, half);
  iterate (100);
  g_assert_true (holds_label (general, "Full Torrent"));
  g_assert_false (holds_label (general, "Half Torrent"));
  show_page (f, "general");
  g_assert_true (has_label (general, "Half Torrent"));
  g_assert_false (holds_label (general, "Full Torrent"));

  /* No torrent: every page lets go of it at once */
  shoal_details_view_set_torrent (f->view, NULL);
  iterate (50);
  g_assert_false (holds_label (general, "Half Torrent"));
}

static void
check_half_map (ShoalPiecesMap *map,
                gboolean        all_had)
{
  g_autoptr(GdkTexture) texture = render_widget (GTK_WIDGET (map));
  g_autofree guint8 *data = NULL;
  GdkRGBA had, missing, color;
  graphene_rect_t bounds;
  Pixels px;

  pixels_init (&px, texture);
  data = px.data;
  shoal_pieces_map_get_color (map, SHOAL_PIECES_MAP_COLOR_HAD, &had);
  shoal_pieces_map_get_color (map, SHOAL_PIECES_MAP_COLOR_MISSING, &missing);
  g_assert_false (color_near (&had, &missing));

  for (guint piece = 0; piece < 16; piece++)
    {
      gboolean expect_had = all_had || piece < 8;

      g_assert_true (shoal_pieces_map_get_piece_bounds (map, piece, &bounds));
      pixel_at (&px, (int) (bounds.origin.x + bounds.size.width / 2),
                (int) (bounds.origin.y + bounds.size.height / 2), &color);
      if (expect_had != color_near (&color, &had) || expect_had == color_near (&color, &missing))
        g_error ("piece %u: expected %s, got %f %f %f %f", piece, expect_had ? "had" : "missing",
                 color.red, color.green, color.blue, color.alpha);
    }
  /* Between the cells: nothing drawn */
  g_assert_true (shoal_pieces_map_get_piece_bounds (map, 0, &bounds));
  pixel_at (&px, (int) (bounds.origin.x + bounds.size.width), (int) bounds.origin.y, &color);
  g_assert_cmpfloat (color.alpha, ==, 0);
}

static void
test_pieces_half (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(ShoalTorrent) half = add_half_torrent (f);
  g_autoptr(ShoalTorrent) full = add_full_torrent (f);
  ShoalPiecesPage *page = SHOAL_PIECES_PAGE (shoal_details_view_get_page (f->view, "pieces"));
  ShoalPiecesMap *map = shoal_pieces_page_get_map (page);

  shoal_details_view_set_torrent (f->view, half);
  show_page (f, "pieces");
  g_assert_cmpuint (shoal_pieces_map_get_pieces_per_cell (map), ==, 1);
  check_half_map (map, FALSE);
  g_assert_true (has_label (GTK_WIDGET (page), "8 of 16 pieces of 16 KiB downloaded"));
  /* Nothing changed: no redraw */
  g_assert_false (shoal_pieces_map_update (map));
  save_screenshot (f, "pieces");

  shoal_details_view_set_torrent (f->view, full);
  iterate (100);
  check_half_map (map, TRUE);
}

static void
test_pieces_many (Fixture       *f,
                  gconstpointer  data)
{
  const guint n_pieces = 100000;
  const FileSpec big[] = { { "big.bin", (guint64) n_pieces * PIECE, FALSE } };
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  g_autoptr(ShoalMetainfo) info = build_torrent ("Big Torrent", big, 1, PIECE, n_pieces, save_dir, NULL);
  g_autoptr(ShoalTorrent) torrent = add_torrent (f, info, SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_PAUSED);
  ShoalPiecesPage *page = SHOAL_PIECES_PAGE (shoal_details_view_get_page (f->view, "pieces"));
  ShoalPiecesMap *map = shoal_pieces_page_get_map (page);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *pixels = NULL;
  graphene_rect_t first, last;
  GdkRGBA had, color;
  gint64 start, elapsed;
  Pixels px;

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "pieces");

  /* From nothing to a picture: layout, reading every piece, drawing */
  shoal_pieces_map_set_torrent (map, NULL);
  start = g_get_monotonic_time ();
  shoal_pieces_map_set_torrent (map, torrent);
  shoal_pieces_map_update (map);
  elapsed = g_get_monotonic_time () - start;
  /* The resize the new torrent queued happens on the next frame */
  iterate (100);
  start = g_get_monotonic_time ();
  texture = render_widget (GTK_WIDGET (map));
  elapsed += g_get_monotonic_time () - start;
  g_test_message ("100,000 pieces laid out, read and drawn in %" G_GINT64_FORMAT " us", elapsed);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC);

  /* Several pieces per cell, and every one of them had */
  g_assert_cmpuint (shoal_pieces_map_get_pieces_per_cell (map), >, 1);
  g_assert_true (shoal_pieces_map_get_piece_bounds (map, 0, &first));
  g_assert_true (shoal_pieces_map_get_piece_bounds (map, n_pieces - 1, &last));
  g_assert_cmpfloat (last.origin.y, >, first.origin.y);
  g_assert_cmpfloat (last.origin.y + last.size.height, <=, gtk_widget_get_height (GTK_WIDGET (map)));

  shoal_pieces_map_get_color (map, SHOAL_PIECES_MAP_COLOR_HAD, &had);
  pixels_init (&px, texture);
  pixels = px.data;
  pixel_at (&px, (int) (first.origin.x + 1), (int) (first.origin.y + 1), &color);
  g_assert_true (color_near (&color, &had));
  pixel_at (&px, (int) (last.origin.x + 1), (int) (last.origin.y + 1), &color);
  g_assert_true (color_near (&color, &had));

  /* Skipping the file does not change what is had */
  g_assert_false (shoal_pieces_map_update (map));
  shoal_details_view_set_torrent (f->view, NULL);
}

static void
test_files (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);
  GtkWidget *page = shoal_details_view_get_page (f->view, "files");
  guint b = file_index (torrent, "sub/b.bin");
  guint c = file_index (torrent, "sub/c.bin");
  guint a = file_index (torrent, "a.bin");
  GtkCheckButton *check;
  g_autoptr(GPtrArray) dropdowns = NULL;

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "files");

  g_assert_true (has_label (page, "a.bin"));
  g_assert_true (has_label (page, "sub"));
  g_assert_true (has_label (page, "b.bin"));
  g_assert_true (has_label (page, "c.bin"));
  /* Neither the pad file nor the torrent's own directory is a row */
  g_assert_false (has_label (page, "8192"));
  g_assert_false (has_label (page, ".pad"));
  g_assert_false (has_label (page, "Half Torrent"));
  g_assert_true (has_label (page, "100 %"));
  g_assert_true (has_label (page, "0 %"));
  save_screenshot (f, "files");

  /* One file */
  check = find_check (page, "Download “b.bin”");
  g_assert_nonnull (check);
  g_assert_true (gtk_check_button_get_active (check));
  gtk_check_button_set_active (check, FALSE);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, c), ==, SHOAL_FILE_PRIORITY_NORMAL);
  iterate (50);
  check = find_check (page, "Download “sub”");
  g_assert_nonnull (check);
  g_assert_true (gtk_check_button_get_inconsistent (check));

  check = find_check (page, "Download “b.bin”");
  gtk_check_button_set_active (check, TRUE);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_NORMAL);

  /* A directory applies to everything under it */
  check = find_check (page, "Download “sub”");
  g_assert_false (gtk_check_button_get_inconsistent (check));
  gtk_check_button_set_active (check, FALSE);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, c), ==, SHOAL_FILE_PRIORITY_SKIP);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, a), ==, SHOAL_FILE_PRIORITY_NORMAL);
  iterate (50);
  g_assert_false (gtk_check_button_get_active (find_check (page, "Download “c.bin”")));

  gtk_check_button_set_active (check, TRUE);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_NORMAL);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, c), ==, SHOAL_FILE_PRIORITY_NORMAL);

  /* Priorities: the rows are sub, b.bin, c.bin, a.bin (folders first);
   * the dropdown's items Skip, Low, Normal, High. */
  iterate (50);
  dropdowns = g_ptr_array_new ();
  collect (page, GTK_TYPE_DROP_DOWN, dropdowns);
  g_assert_cmpuint (dropdowns->len, ==, 4);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdowns->pdata[0]), ==, 2);
  gtk_drop_down_set_selected (dropdowns->pdata[0], 3);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_HIGH);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, c), ==, SHOAL_FILE_PRIORITY_HIGH);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, a), ==, SHOAL_FILE_PRIORITY_NORMAL);
  iterate (50);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdowns->pdata[1]), ==, 3);
  /* One file of the folder differs: the folder's priority is mixed */
  gtk_drop_down_set_selected (dropdowns->pdata[1], 1);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, b), ==, SHOAL_FILE_PRIORITY_LOW);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, c), ==, SHOAL_FILE_PRIORITY_HIGH);
  iterate (50);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdowns->pdata[0]), ==, GTK_INVALID_LIST_POSITION);
  /* Skip is the check box's business too */
  gtk_drop_down_set_selected (dropdowns->pdata[3], 0);
  g_assert_cmpint (shoal_torrent_get_file_priority (torrent, a), ==, SHOAL_FILE_PRIORITY_SKIP);
  iterate (50);
  g_assert_false (gtk_check_button_get_active (find_check (page, "Download “a.bin”")));
  /* Changes made elsewhere (the CLI, the add dialog) show up */
  shoal_torrent_set_file_priority (torrent, a, SHOAL_FILE_PRIORITY_HIGH);
  g_assert_true (wait_for (a_bin_wanted_shown, page));
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdowns->pdata[3]), ==, 3);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

static gboolean
has_tracker (ShoalTorrent *torrent,
             const char   *url)
{
  GListModel *list = shoal_torrent_get_trackers (torrent);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (list, i);

      if (g_strcmp0 (shoal_tracker_info_get_url (info), url) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_through_dialog (GtkWidget  *page,
                    const char *url)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  AdwMessageDialog *dialog;
  GtkWidget *entry, *add = NULL;

  gtk_widget_activate_action (page, "trackers.add", NULL);
  iterate (50);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_true (GTK_IS_ENTRY (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "not a url");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "apply"));
  gtk_editable_set_text (GTK_EDITABLE (entry), url);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "apply"));
  /* Click the suggested button, as a person would */
  collect (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), "_Add") == 0)
      add = buttons->pdata[i];
  g_assert_nonnull (add);
  g_assert_true (gtk_widget_activate (add));
  g_assert_true (wait_for (no_dialog, NULL));
}

static void
test_trackers (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);
  GtkWidget *page = shoal_details_view_get_page (f->view, "trackers");
  const char *added = "https://tracker.example.org/announce";
  const char *edited = "https://tracker2.example.org/announce";
  GListModel *list = shoal_torrent_get_trackers (torrent);
  GtkSelectionModel *selection;
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  AdwMessageDialog *dialog;
  GtkWidget *entry, *save = NULL;

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "trackers");
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 2);
  g_assert_true (has_label (page, trackers[0]));
  g_assert_true (has_label (page, trackers[1]));
  g_assert_true (has_label (page, "Never"));

  add_through_dialog (page, added);
  g_assert_true (has_tracker (torrent, added));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);
  iterate (100);
  g_assert_true (has_label (page, added));
  save_screenshot (f, "trackers");

  /* The engine refuses a duplicate; the page says why */
  add_through_dialog (page, added);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);
  g_assert_true (has_label (page, "The tracker “https://tracker.example.org/announce” is already in the list"));

  /* Editing the selected one replaces it, in its tier */
  selection = gtk_column_view_get_model (find_column_view (page));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (g_strcmp0 (shoal_tracker_info_get_url (info), added) == 0)
        gtk_selection_model_select_item (selection, i, TRUE);
    }
  gtk_widget_activate_action (page, "trackers.edit", NULL);
  iterate (50);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Edit Tracker");
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, added);
  g_assert_false (gtk_widget_is_sensitive (gtk_widget_get_next_sibling (entry)));
  gtk_editable_set_text (GTK_EDITABLE (entry), edited);
  collect (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), "_Save") == 0)
      save = buttons->pdata[i];
  g_assert_nonnull (save);
  g_assert_true (gtk_widget_activate (save));
  g_assert_true (wait_for (no_dialog, NULL));
  g_assert_false (has_tracker (torrent, added));
  g_assert_true (has_tracker (torrent, edited));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);

  /* Removing the selected one */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (selection), i);

      if (g_strcmp0 (shoal_tracker_info_get_url (info), edited) == 0)
        gtk_selection_model_select_item (selection, i, TRUE);
    }
  gtk_widget_activate_action (page, "trackers.remove", NULL);
  g_assert_false (has_tracker (torrent, edited));
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 2);
}

static void
test_peers (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);
  g_autofree char *letters = shoal_peers_page_format_flags (SHOAL_PEER_FLAG_ENCRYPTED | SHOAL_PEER_FLAG_AM_INTERESTED |
                                                            SHOAL_PEER_FLAG_PEER_INTERESTED | SHOAL_PEER_FLAG_AM_CHOKING |
                                                            SHOAL_PEER_FLAG_FROM_PEX, FALSE);
  g_autofree char *explained = shoal_peers_page_format_flags (SHOAL_PEER_FLAG_INCOMING | SHOAL_PEER_FLAG_PEER_CHOKING |
                                                              SHOAL_PEER_FLAG_AM_INTERESTED, TRUE);

  g_assert_cmpstr (letters, ==, "DuEX");
  g_assert_cmpstr (explained, ==, "d: We want its data, but it is not sending (choked)\nI: Incoming connection");

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "peers");
  g_assert_true (has_label (shoal_details_view_get_page (f->view, "peers"), "No Peers"));
  save_screenshot (f, "peers");
}

static void
test_format (void)
{
  const struct { guint64 rate; const char *text; } rates[] = {
    { 0, "0 B/s" },
    { 1023, "1023 B/s" },
    { 1024, "1 KiB/s" },
    { 1536, "1.5 KiB/s" },
    { 1572864, "1.5 MiB/s" },
    { 1048576, "1 MiB/s" },
    { 150 * 1024 * 1024 + 500000, "150 MiB/s" },
    { G_GUINT64_CONSTANT (3) << 40, "3 TiB/s" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autofree char *text = shoal_format_rate (rates[i].rate);

      g_assert_cmpstr (text, ==, rates[i].text);
    }
  {
    g_autofree char *d1 = shoal_format_duration (45);
    g_autofree char *d2 = shoal_format_duration (3 * 3600 + 20 * 60 + 5);
    g_autofree char *d3 = shoal_format_duration (2 * 86400 + 3600);
    g_autofree char *r1 = shoal_format_relative_time (1000 - 125, 1000);
    g_autofree char *r2 = shoal_format_relative_time (1000 + 60, 1000);
    g_autofree char *r3 = shoal_format_relative_time (0, 1000);

    g_assert_cmpstr (d1, ==, "45 s");
    g_assert_cmpstr (d2, ==, "3 h 20 min");
    g_assert_cmpstr (d3, ==, "2 d 1 h");
    g_assert_cmpstr (r1, ==, "2 min 5 s ago");
    g_assert_cmpstr (r2, ==, "in 1 min 0 s");
    g_assert_cmpstr (r3, ==, "Never");
  }
}

static void
test_bandwidth (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_full_torrent (f);
  ShoalBandwidthPage *page = SHOAL_BANDWIDTH_PAGE (shoal_details_view_get_page (f->view, "bandwidth"));
  ShoalBandwidthGraph *graph = shoal_bandwidth_page_get_graph (page, FALSE);
  ShoalBandwidthGraph *session_graph = shoal_bandwidth_page_get_graph (page, TRUE);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *pixels = NULL;
  guint64 step, scale;
  guint drawn = 0;
  Pixels px;

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "bandwidth");

  /* An empty graph still has a scale */
  scale = shoal_bandwidth_graph_get_scale (graph, &step);
  g_assert_cmpuint (scale, ==, 16 * 1024);
  g_assert_cmpuint (step, ==, 4 * 1024);

  /* Six minutes of a download rising to 1.4 MiB/s and a steady upload */
  for (guint i = 0; i < 360; i++)
    shoal_bandwidth_graph_add_sample (graph, (guint64) (1468006.0 * (0.55 + 0.45 * sin (i / 20.0))) , 200 * 1024);
  g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (graph), ==, SHOAL_BANDWIDTH_GRAPH_N_SAMPLES);
  scale = shoal_bandwidth_graph_get_scale (graph, &step);
  g_assert_cmpuint (step, ==, 512 * 1024);
  g_assert_cmpuint (scale, ==, 3 * 512 * 1024);
  iterate (100);

  texture = render_widget (GTK_WIDGET (graph));
  pixels_init (&px, texture);
  pixels = px.data;
  for (int y = 0; y < px.height; y++)
    for (int x = 0; x < px.width; x++)
      {
        GdkRGBA color;

        pixel_at (&px, x, y, &color);
        drawn += color.alpha > 0;
      }
  /* Axes, grid, labels and two filled curves cover a good part of it */
  g_assert_cmpuint (drawn, >, (guint) (px.width * px.height / 10));
  save_screenshot (f, "bandwidth");

  /* The session's graph samples too, and the toggle shows it */
  shoal_bandwidth_page_sample (page);
  g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (session_graph), >=, 1);
  shoal_bandwidth_page_set_show_session (page, TRUE);
  iterate (50);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (session_graph)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (graph)));

  /* Another torrent has its own history, and the first one keeps its
   * own while it is not shown (it used to start over at each selection) */
  {
    g_autoptr(ShoalTorrent) other = add_half_torrent (f);

    shoal_details_view_set_torrent (f->view, other);
    g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (graph), <, SHOAL_BANDWIDTH_GRAPH_N_SAMPLES);
    shoal_bandwidth_page_sample (page);
    shoal_details_view_set_torrent (f->view, torrent);
    g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (graph), ==, SHOAL_BANDWIDTH_GRAPH_N_SAMPLES);
  }
  shoal_details_view_set_torrent (f->view, NULL);
  g_assert_cmpuint (shoal_bandwidth_graph_get_n_samples (graph), ==, 0);
}


static gboolean
has_metainfo_and_seeds (gpointer data)
{
  return shoal_torrent_get_metainfo (data) != NULL &&
         shoal_torrent_get_state (data) == SHOAL_TORRENT_STATE_SEEDING;
}

static guint
n_rows (GtkColumnView *view)
{
  GtkSelectionModel *model = gtk_column_view_get_model (view);

  return model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (model)) : 0;
}

/* A magnet link shows every page while its metadata is unknown (no
 * pieces, no files), then the full torrent once a peer sent it. */
static void
test_magnet (Fixture       *f,
             gconstpointer  data)
{
  static const char *pages[] = { "general", "pieces", "peers", "files", "trackers", "bandwidth" };
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_dir = g_build_filename (f->tmp, "seed", NULL);
  g_autofree char *seed_state = g_build_filename (f->tmp, "seed-state", NULL);
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  g_autoptr(ShoalMetainfo) info = build_torrent ("Magnet Torrent", half_files, G_N_ELEMENTS (half_files),
                                                 PIECE, 0, seed_dir, NULL);
  g_autofree char *hex = shoal_hex_encode (shoal_metainfo_get_info_hash_v1 (info), 20);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=placeholder", hex);
  g_autofree char *address = NULL;
  g_autoptr(ShoalSession) seeder = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  ShoalTorrent *torrent;
  ShoalPiecesMap *map;
  graphene_rect_t bounds;

  seeder = shoal_session_new (seed_state);
  shoal_session_set_listen_address (seeder, "127.0.0.1");
  shoal_session_set_listen_port (seeder, 0);
  g_assert_true (shoal_session_start (seeder, &error));
  g_assert_no_error (error);
  g_assert_nonnull (shoal_session_add_torrent (seeder, info, seed_dir,
                                               SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_NO_SAVE, &error));
  g_assert_no_error (error);

  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  torrent = shoal_session_add_magnet (f->session, magnet, save_dir, SHOAL_ADD_FLAGS_NO_SAVE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_torrent_get_state (torrent), ==, SHOAL_TORRENT_STATE_FETCHING_METADATA);
  g_assert_null (shoal_torrent_get_metainfo (torrent));

  /* Every page, with no metadata: no critical (they are fatal here). */
  shoal_details_view_set_torrent (f->view, torrent);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    show_page (f, pages[i]);
  show_page (f, "general");
  g_assert_true (has_label (GTK_WIDGET (f->view), "placeholder"));
  g_assert_true (has_label (GTK_WIDGET (f->view), "Fetching metadata…"));
  show_page (f, "files");
  g_assert_cmpuint (n_rows (find_column_view (shoal_details_view_get_page (f->view, "files"))), ==, 0);
  show_page (f, "pieces");
  map = shoal_pieces_page_get_map (SHOAL_PIECES_PAGE (shoal_details_view_get_page (f->view, "pieces")));
  g_assert_false (shoal_pieces_map_get_piece_bounds (map, 0, &bounds));
  g_assert_true (has_label (GTK_WIDGET (f->view), "The pieces are known once the metadata arrives"));
  save_screenshot (f, "magnet-pieces");

  /* The seeder sends the metadata, then the data. */
  address = g_strdup_printf ("127.0.0.1:%u", shoal_session_get_listen_port (seeder));
  g_assert_true (shoal_torrent_add_peer (torrent, address, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (has_metainfo_and_seeds, torrent));
  iterate (1200);
  g_assert_true (shoal_pieces_map_get_piece_bounds (map, 15, &bounds));
  g_assert_true (has_label (GTK_WIDGET (f->view), "16 of 16 pieces of 16 KiB downloaded"));
  show_page (f, "files");
  /* a.bin, the sub folder and its two files, expanded */
  g_assert_cmpuint (n_rows (find_column_view (shoal_details_view_get_page (f->view, "files"))), ==, 4);
  show_page (f, "general");
  g_assert_true (has_label (GTK_WIDGET (f->view), "Magnet Torrent"));
  g_assert_false (has_label (GTK_WIDGET (f->view), "placeholder"));

  shoal_details_view_set_torrent (f->view, NULL);
  shoal_session_close (seeder);
}

/* With one seed connected, a missing piece has exactly the legend's
 * "a peer has it" color (it was a shade between that and "no peer has
 * it", which looked like the latter). */
static gboolean
piece_available (gpointer data)
{
  return shoal_torrent_get_piece_availability (data, 0) > 0;
}

static void
test_pieces_legend_matches (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *seed_dir = g_build_filename (f->tmp, "seed", NULL);
  g_autofree char *seed_state = g_build_filename (f->tmp, "seed-state", NULL);
  g_autoptr(ShoalMetainfo) info = build_torrent ("Legend Torrent", half_files, G_N_ELEMENTS (half_files),
                                                 PIECE, 0, seed_dir, NULL);
  g_autoptr(ShoalSession) seeder = NULL;
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(GdkTexture) map_texture = NULL;
  g_autoptr(GdkTexture) swatch_texture = NULL;
  g_autofree char *address = NULL;
  g_autofree guint8 *map_pixels = NULL;
  g_autofree guint8 *swatch_pixels = NULL;
  ShoalPiecesPage *page = SHOAL_PIECES_PAGE (shoal_details_view_get_page (f->view, "pieces"));
  ShoalPiecesMap *map = shoal_pieces_page_get_map (page);
  GtkWidget *swatch = NULL;
  GdkRGBA available, missing, drawn, legend;
  graphene_rect_t bounds;
  Pixels px;

  seeder = shoal_session_new (seed_state);
  shoal_session_set_listen_address (seeder, "127.0.0.1");
  shoal_session_set_listen_port (seeder, 0);
  g_assert_true (shoal_session_start (seeder, &error));
  g_assert_no_error (error);
  g_assert_nonnull (shoal_session_add_torrent (seeder, info, seed_dir,
                                               SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_NO_SAVE, &error));
  g_assert_no_error (error);

  /* A trickle: the pieces stay missing while the seed is known to have them */
  shoal_session_set_download_limit (f->session, 1);
  torrent = add_torrent (f, info, 0);
  address = g_strdup_printf ("127.0.0.1:%u", shoal_session_get_listen_port (seeder));
  g_assert_true (shoal_torrent_add_peer (torrent, address, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (piece_available, torrent));
  g_assert_false (shoal_bitfield_get (shoal_torrent_get_pieces (torrent), 0));

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "pieces");
  shoal_pieces_map_update (map);
  iterate (300);

  shoal_pieces_map_get_color (map, SHOAL_PIECES_MAP_COLOR_AVAILABLE, &available);
  shoal_pieces_map_get_color (map, SHOAL_PIECES_MAP_COLOR_MISSING, &missing);
  g_assert_false (color_near (&available, &missing));

  map_texture = render_widget (GTK_WIDGET (map));
  pixels_init (&px, map_texture);
  map_pixels = px.data;
  g_assert_true (shoal_pieces_map_get_piece_bounds (map, 0, &bounds));
  pixel_at (&px, (int) (bounds.origin.x + bounds.size.width / 2), (int) (bounds.origin.y + bounds.size.height / 2),
            &drawn);

  /* The swatch beside the legend's label, as drawn */
  collect (GTK_WIDGET (page), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), "Missing, a peer has it") == 0)
      swatch = gtk_widget_get_prev_sibling (labels->pdata[i]);
  g_assert_true (GTK_IS_DRAWING_AREA (swatch));
  swatch_texture = render_widget (swatch);
  pixels_init (&px, swatch_texture);
  swatch_pixels = px.data;
  pixel_at (&px, px.width / 2, px.height / 2, &legend);

  if (!color_near (&drawn, &legend))
    g_error ("a missing piece a peer has is drawn %f %f %f %f, its legend %f %f %f %f",
             drawn.red, drawn.green, drawn.blue, drawn.alpha, legend.red, legend.green, legend.blue, legend.alpha);

  shoal_details_view_set_torrent (f->view, NULL);
  shoal_session_close (seeder);
}

/* The switch and the spin button of the options page's row titled @title */
static void
find_option (GtkWidget      *page,
             const char     *title,
             GtkSwitch     **toggle,
             GtkSpinButton **spin)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect (page, ADW_TYPE_ACTION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      {
        g_autoptr(GPtrArray) switches = g_ptr_array_new ();
        g_autoptr(GPtrArray) spins = g_ptr_array_new ();

        collect (rows->pdata[i], GTK_TYPE_SWITCH, switches);
        collect (rows->pdata[i], GTK_TYPE_SPIN_BUTTON, spins);
        g_assert_cmpuint (switches->len, ==, 1);
        *toggle = switches->pdata[0];
        if (spin != NULL)
          {
            g_assert_cmpuint (spins->len, ==, 1);
            *spin = spins->pdata[0];
          }
        return;
      }
  g_error ("no option row “%s”", title);
}

static void
test_options (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);
  g_autoptr(ShoalTorrent) other = add_full_torrent (f);
  GtkWidget *page = shoal_details_view_get_page (f->view, "options");
  GtkSwitch *toggle;
  GtkSpinButton *spin;

  g_object_set (f->session, "seed-ratio-limit", 2.0, "seed-time-limit", (gint64) 3600,
                "max-connections-per-torrent", 40u, NULL);
  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "options");

  /* Nothing of its own yet: every switch off */
  find_option (page, "Limit Download Speed", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (spin)));
  gtk_spin_button_set_value (spin, 250);
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 0);
  gtk_switch_set_active (toggle, TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (spin)));
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 250 * 1024);
  gtk_spin_button_set_value (spin, 300);
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 300 * 1024);

  find_option (page, "Limit Upload Speed", &toggle, &spin);
  gtk_switch_set_active (toggle, TRUE);
  gtk_spin_button_set_value (spin, 42);
  g_assert_cmpuint (shoal_torrent_get_upload_limit (torrent), ==, 42 * 1024);

  /* Seeding limits over the session's */
  g_assert_cmpfloat_with_epsilon (shoal_torrent_get_seed_ratio_limit (torrent), 2.0, 1e-9);
  find_option (page, "Own Ratio Limit", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, TRUE);
  gtk_spin_button_set_value (spin, 0.5);
  g_assert_cmpfloat_with_epsilon (shoal_torrent_get_seed_ratio_limit (torrent), 0.5, 1e-9);
  find_option (page, "Own Seeding Time Limit", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (torrent), ==, 3600);
  gtk_switch_set_active (toggle, TRUE);
  gtk_spin_button_set_value (spin, 90);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (torrent), ==, 90 * 60);
  /* The ratio stays the torrent's own while the time goes back */
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (torrent), ==, 3600);
  g_assert_cmpfloat_with_epsilon (shoal_torrent_get_seed_ratio_limit (torrent), 0.5, 1e-9);

  find_option (page, "Own Maximum of Peers", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_cmpuint (shoal_torrent_get_max_connections (torrent), ==, 40);
  gtk_switch_set_active (toggle, TRUE);
  gtk_spin_button_set_value (spin, 7);
  g_assert_cmpuint (shoal_torrent_get_max_connections (torrent), ==, 7);

  find_option (page, "Sequential Download", &toggle, NULL);
  gtk_switch_set_active (toggle, TRUE);
  g_assert_true (shoal_torrent_get_sequential (torrent));
  find_option (page, "First and Last Pieces First", &toggle, NULL);
  gtk_switch_set_active (toggle, TRUE);
  g_assert_true (shoal_torrent_get_first_last_pieces (torrent));
  find_option (page, "Stream", &toggle, NULL);
  gtk_switch_set_active (toggle, TRUE);
  g_assert_cmpint (shoal_torrent_get_stream_piece (torrent), >=, 0);
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpint (shoal_torrent_get_stream_piece (torrent), ==, -1);
  iterate (100);
  save_screenshot (f, "options");

  /* Another torrent shows its own values, touching none of the first's */
  shoal_details_view_set_torrent (f->view, other);
  iterate (50);
  find_option (page, "Limit Download Speed", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  find_option (page, "Sequential Download", &toggle, NULL);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_cmpuint (shoal_torrent_get_download_limit (other), ==, 0);
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 300 * 1024);

  /* And the first one's come back as they were set */
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (50);
  find_option (page, "Limit Download Speed", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 300);
  find_option (page, "Own Ratio Limit", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), 0.5, 1e-9);
  find_option (page, "Own Seeding Time Limit", &toggle, &spin);
  g_assert_false (gtk_switch_get_active (toggle));
  find_option (page, "Own Maximum of Peers", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 7);
  find_option (page, "First and Last Pieces First", &toggle, NULL);
  g_assert_true (gtk_switch_get_active (toggle));

  /* A limit of its own equal to the session's is still its own; a
   * session's limit that changes is followed, switch off. */
  shoal_torrent_set_seed_ratio_limit (torrent, 2.0);
  shoal_torrent_set_seed_time_limit (torrent, 3600);
  shoal_details_view_set_torrent (f->view, other);
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (50);
  find_option (page, "Own Ratio Limit", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), 2.0, 1e-9);
  find_option (page, "Own Seeding Time Limit", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 60);
  shoal_details_view_set_torrent (f->view, other);
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (50);
  find_option (page, "Own Seeding Time Limit", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpint (shoal_torrent_get_seed_time_mode (torrent), ==, SHOAL_SEED_LIMIT_MODE_GLOBAL);
  g_object_set (f->session, "seed-time-limit", (gint64) 7200, NULL);
  shoal_details_view_set_torrent (f->view, other);
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (50);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_cmpint (shoal_torrent_get_seed_time_limit (torrent), ==, 7200);
  find_option (page, "Own Ratio Limit", &toggle, &spin);
  g_assert_true (gtk_switch_get_active (toggle));

  /* Labels, comma-separated, applied */
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new ();
    const char * const *labels;

    collect (page, ADW_TYPE_ENTRY_ROW, rows);
    g_assert_cmpuint (rows->len, ==, 1);
    g_assert_cmpstr (gtk_editable_get_text (rows->pdata[0]), ==, "");
    gtk_editable_set_text (rows->pdata[0], "linux,  iso , linux,");
    /* Not applied yet */
    g_assert_true (shoal_torrent_get_labels (torrent) == NULL || shoal_torrent_get_labels (torrent)[0] == NULL);
    g_signal_emit_by_name (rows->pdata[0], "apply");
    labels = shoal_torrent_get_labels (torrent);
    g_assert_nonnull (labels);
    g_assert_cmpuint (g_strv_length ((char **) labels), ==, 2);
    g_assert_cmpstr (labels[0], ==, "linux");
    g_assert_cmpstr (labels[1], ==, "iso");
    shoal_details_view_set_torrent (f->view, other);
    iterate (50);
    g_assert_cmpstr (gtk_editable_get_text (rows->pdata[0]), ==, "");
    shoal_details_view_set_torrent (f->view, torrent);
    iterate (50);
    g_assert_cmpstr (gtk_editable_get_text (rows->pdata[0]), ==, "linux, iso");
  }

  /* Switched off: the session's again */
  find_option (page, "Own Maximum of Peers", &toggle, &spin);
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpuint (shoal_torrent_get_max_connections (torrent), ==, 40);
  find_option (page, "Limit Download Speed", &toggle, &spin);
  gtk_switch_set_active (toggle, FALSE);
  g_assert_cmpuint (shoal_torrent_get_download_limit (torrent), ==, 0);
}

/* Selects the row of the Files page named @name */
static void
select_file_row (GtkWidget  *page,
                 const char *name)
{
  GtkSelectionModel *model = gtk_column_view_get_model (find_column_view (page));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autoptr(ShoalFileNode) node = gtk_tree_list_row_get_item (row);

      if (g_strcmp0 (shoal_file_node_get_name (node), name) == 0)
        {
          g_assert_true (gtk_selection_model_select_item (model, i, TRUE));
          return;
        }
    }
  g_error ("no row “%s”", name);
}

static void
rename_through_dialog (GtkWidget  *page,
                       const char *name)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  AdwMessageDialog *dialog;
  GtkWidget *entry, *rename = NULL;

  g_assert_true (gtk_widget_activate_action (page, "files.rename", NULL));
  iterate (50);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  entry = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_ENTRY (entry));
  /* Not a name: a path, or nothing */
  gtk_editable_set_text (GTK_EDITABLE (entry), "x/y");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "rename"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "rename"));
  gtk_editable_set_text (GTK_EDITABLE (entry), name);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "rename"));
  collect (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), "_Rename") == 0)
      rename = buttons->pdata[i];
  g_assert_nonnull (rename);
  g_assert_true (gtk_widget_activate (rename));
  g_assert_true (wait_for (no_dialog, NULL));
}

static void
test_files_rename (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(ShoalTorrent) torrent = add_half_torrent (f);
  GtkWidget *page = shoal_details_view_get_page (f->view, "files");
  g_autofree char *old_path = g_build_filename (f->tmp, "data", "Half Torrent", "a.bin", NULL);
  g_autofree char *new_path = g_build_filename (f->tmp, "data", "Half Torrent", "first.bin", NULL);
  guint a = file_index (torrent, "a.bin");
  guint b = file_index (torrent, "sub/b.bin");
  g_autofree char *path = NULL;

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "files");
  /* Nothing selected: nothing to rename */
  g_assert_false (gtk_widget_activate_action (page, "files.rename", NULL) && find_dialog () != NULL);

  /* A file: on disk, in the engine, in the tree */
  select_file_row (page, "a.bin");
  rename_through_dialog (page, "first.bin");
  g_assert_true (g_file_test (new_path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (old_path, G_FILE_TEST_EXISTS));
  path = shoal_torrent_dup_file_path (torrent, a);
  g_assert_true (g_str_has_suffix (path, "first.bin"));
  iterate (100);
  g_assert_true (has_label (page, "first.bin"));
  g_assert_false (has_label (page, "a.bin"));

  /* A folder: every file under it */
  select_file_row (page, "sub");
  rename_through_dialog (page, "inner");
  g_clear_pointer (&path, g_free);
  path = shoal_torrent_dup_file_path (torrent, b);
  g_assert_true (g_str_has_suffix (path, "inner" G_DIR_SEPARATOR_S "b.bin"));
  iterate (100);
  g_assert_true (has_label (page, "inner"));
  g_assert_false (has_label (page, "sub"));

  /* Another torrent and back: the tree shows the names the files have */
  shoal_details_view_set_torrent (f->view, NULL);
  shoal_details_view_set_torrent (f->view, torrent);
  iterate (150);
  g_assert_true (has_label (page, "first.bin"));
  g_assert_true (has_label (page, "inner"));
}

/* v1, v2 and hybrid torrents made by the engine's creator */

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ShoalMetainfo **info = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = shoal_torrent_creator_create_finish (SHOAL_TORRENT_CREATOR (source), result, info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* Writes a folder @name under the fixture's data directory (a file of
 * several pieces, one smaller than a piece, an empty one) and makes a
 * torrent of @version of it. */
static ShoalMetainfo *
create_torrent (Fixture             *f,
                const char          *name,
                ShoalTorrentVersion  version)
{
  static const struct { const char *rel; gsize size; } layout[] = {
    { "big.bin", 50001 }, { "small.txt", 700 }, { "empty", 0 },
  };
  g_autofree char *dir = g_build_filename (f->tmp, "data", name, NULL);
  g_autoptr(ShoalTorrentCreator) creator = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  ShoalMetainfo *info = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (layout); i++)
    {
      g_autofree char *path = g_build_filename (dir, layout[i].rel, NULL);
      g_autofree guint8 *data = g_malloc (MAX (layout[i].size, 1));
      g_autoptr(GError) error = NULL;

      for (gsize b = 0; b < layout[i].size; b++)
        data[b] = (guint8) g_rand_int (rand);
      g_file_set_contents (path, (const char *) data, (gssize) layout[i].size, &error);
      g_assert_no_error (error);
    }
  creator = shoal_torrent_creator_new (dir);
  shoal_torrent_creator_set_piece_size (creator, PIECE);
  shoal_torrent_creator_set_version (creator, version);
  shoal_torrent_creator_create_async (creator, NULL, NULL, created_cb, &info);
  g_assert_true (wait_for (is_set, &info));
  g_assert_cmpint (shoal_metainfo_get_version (info), ==, version);
  return info;
}

static ShoalTorrent *
add_created_torrent (Fixture       *f,
                     ShoalMetainfo *info,
                     GError       **error)
{
  g_autofree char *save_dir = g_build_filename (f->tmp, "data", NULL);
  ShoalTorrent *torrent;

  torrent = shoal_session_add_torrent (f->session, info, save_dir,
                                       SHOAL_ADD_FLAGS_SEED_MODE | SHOAL_ADD_FLAGS_PAUSED | SHOAL_ADD_FLAGS_NO_SAVE,
                                       error);
  return torrent != NULL ? g_object_ref (torrent) : NULL;
}

/* Which info-hash rows the General page shows, and their values. */
static void
check_info_hash_rows (Fixture       *f,
                      ShoalTorrent  *torrent,
                      ShoalMetainfo *info)
{
  GtkWidget *page = shoal_details_view_get_page (f->view, "general");
  ShoalTorrentVersion version = shoal_metainfo_get_version (info);
  g_autofree char *v1 = shoal_metainfo_dup_info_hash_v1_hex (info);
  g_autofree char *v2 = shoal_metainfo_dup_info_hash_v2_hex (info);

  shoal_details_view_set_torrent (f->view, torrent);
  show_page (f, "general");

  g_assert_true (has_label (page, "Info Hash") == (version == SHOAL_TORRENT_VERSION_V1));
  g_assert_true (has_label (page, "Info Hash v1") == (version == SHOAL_TORRENT_VERSION_HYBRID));
  g_assert_true (has_label (page, "Info Hash v2") == ((version & SHOAL_TORRENT_VERSION_V2) != 0));
  if (v1 != NULL)
    g_assert_true (has_label (page, v1));
  if (v2 != NULL)
    {
      /* The whole SHA-256, not the 20 bytes the v2 swarm goes by. */
      g_assert_cmpuint (strlen (v2), ==, 64);
      g_assert_true (has_label (page, v2));
    }
}

static void
test_general_info_hashes (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(ShoalMetainfo) hybrid = create_torrent (f, "Hybrid", SHOAL_TORRENT_VERSION_HYBRID);
  g_autoptr(ShoalMetainfo) v1 = create_torrent (f, "Version 1", SHOAL_TORRENT_VERSION_V1);
  g_autoptr(ShoalTorrent) hybrid_torrent = add_created_torrent (f, hybrid, NULL);
  g_autoptr(ShoalTorrent) v1_torrent = add_created_torrent (f, v1, NULL);

  g_assert_nonnull (hybrid_torrent);
  g_assert_nonnull (v1_torrent);
  check_info_hash_rows (f, hybrid_torrent, hybrid);
  save_screenshot (f, "general-hybrid");
  /* The rows follow the torrent shown. */
  check_info_hash_rows (f, v1_torrent, v1);
  check_info_hash_rows (f, hybrid_torrent, hybrid);
  shoal_details_view_set_torrent (f->view, NULL);
}

static void
test_general_info_hash_v2_only (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(ShoalMetainfo) info = create_torrent (f, "Version 2", SHOAL_TORRENT_VERSION_V2);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTorrent) torrent = add_created_torrent (f, info, &error);

  if (g_error_matches (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_UNSUPPORTED))
    {
      g_test_skip ("this session cannot add v2-only torrents");
      return;
    }
  g_assert_no_error (error);
  check_info_hash_rows (f, torrent, info);
  shoal_details_view_set_torrent (f->view, NULL);
}

static GtkWidget *
find_label_widget (GtkWidget  *widget,
                   const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (widget, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
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

static GtkColumnViewColumn *
find_column (GtkColumnView *view,
             const char    *title)
{
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        return column;
    }
  return NULL;
}

/* The Files page of a hybrid shows each file's pieces root, which can be
 * selected and copied; a v1 torrent's has no such column. */
static void
test_files_pieces_roots (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(ShoalMetainfo) hybrid = create_torrent (f, "Hybrid", SHOAL_TORRENT_VERSION_HYBRID);
  g_autoptr(ShoalMetainfo) v1 = create_torrent (f, "Version 1", SHOAL_TORRENT_VERSION_V1);
  g_autoptr(ShoalTorrent) hybrid_torrent = add_created_torrent (f, hybrid, NULL);
  g_autoptr(ShoalTorrent) v1_torrent = add_created_torrent (f, v1, NULL);
  GtkWidget *page = shoal_details_view_get_page (f->view, "files");
  GtkColumnViewColumn *column;
  g_autofree char *copied = NULL;
  GtkWidget *label;
  guint n_roots = 0;

  shoal_details_view_set_torrent (f->view, hybrid_torrent);
  show_page (f, "files");
  column = find_column (find_column_view (page), "Pieces Root");
  g_assert_nonnull (column);
  g_assert_true (gtk_column_view_column_get_visible (column));

  for (guint i = 0; i < shoal_metainfo_get_n_files (hybrid); i++)
    {
      const ShoalMetainfoFile *file = shoal_metainfo_get_file (hybrid, i);
      g_autofree char *hex = NULL;

      if (file->pieces_root == NULL)
        continue;
      hex = shoal_hex_encode (file->pieces_root, SHOAL_SHA256_LEN);
      label = find_label_widget (page, hex);
      g_assert_nonnull (label);
      g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
      n_roots++;
    }
  /* big.bin and small.txt; the empty file has none. */
  g_assert_cmpuint (n_roots, ==, 2);
  save_screenshot (f, "files-hybrid");

  /* Copying the selected root copies all 64 digits, even where the
   * column is too narrow to show them. */
  {
    const ShoalMetainfoFile *big = shoal_metainfo_get_file (hybrid, file_index (hybrid_torrent, "big.bin"));
    g_autofree char *hex = shoal_hex_encode (big->pieces_root, SHOAL_SHA256_LEN);

    label = find_label_widget (page, hex);
    gtk_label_select_region (GTK_LABEL (label), 0, -1);
    g_assert_true (gtk_widget_activate_action (label, "clipboard.copy", NULL));
    gdk_clipboard_read_text_async (gtk_widget_get_clipboard (label), NULL, clipboard_read_cb, &copied);
    g_assert_true (wait_for (is_set, &copied));
    g_assert_cmpstr (copied, ==, hex);
  }

  shoal_details_view_set_torrent (f->view, v1_torrent);
  show_page (f, "files");
  g_assert_false (gtk_column_view_column_get_visible (column));
  g_assert_true (has_label (page, "big.bin"));
  shoal_details_view_set_torrent (f->view, NULL);
}

int
main (int   argc,
      char *argv[])
{
  /* The strings checked are the untranslated ones */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/app/details/format-units", test_format);
  ADD ("/app/details/no-torrent", test_empty);
  ADD ("/app/details/general/name-and-size", test_general);
  ADD ("/app/details/pieces/half-had", test_pieces_half);
  ADD ("/app/details/pieces/100000-pieces", test_pieces_many);
  ADD ("/app/details/files/tree-and-skip", test_files);
  ADD ("/app/details/trackers/list-add-remove", test_trackers);
  ADD ("/app/details/peers/flags", test_peers);
  ADD ("/app/details/bandwidth/graph", test_bandwidth);
  ADD ("/app/details/pieces/legend-matches-map", test_pieces_legend_matches);
  ADD ("/app/details/magnet/before-and-after-metadata", test_magnet);
  ADD ("/app/details/options/values-reach-engine", test_options);
  ADD ("/app/details/files/rename", test_files_rename);
  ADD ("/app/details/general/info-hashes-v1-and-hybrid", test_general_info_hashes);
  ADD ("/app/details/general/info-hash-v2-only", test_general_info_hash_v2_only);
  ADD ("/app/details/files/pieces-roots", test_files_pieces_roots);
  ADD ("/app/details/pages/shown-lazily", test_pages_lazy);

  return g_test_run ();
}
