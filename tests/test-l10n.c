/* test-l10n.c: under LANGUAGE=fr, no string of Shoal's catalog shows up
 * in English in the main window, the details pane, the add dialog, the
 * preferences, the remove and link dialogs or the shortcuts window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The messages come from a template extracted from the sources at build
 * time ($SHOAL_POT), so a string missing from po/fr.po counts as well as
 * one left empty there. Each text a widget shows (labels, titles,
 * subtitles, descriptions, tooltips, placeholders, combo row items, menu
 * items, stack page titles) is compared with every message:
 *
 *  - equal to an English msgid, or matching a printf-style msgid with its
 *    conversions as wildcards, while the French translation differs: the
 *    string did not go through gettext, or has no translation;
 *  - anything else (torrent names, sizes, paths) is data, not a message.
 *
 * French translations that equal their msgid ("Shoal", "%s/s") are
 * translated, not forgotten. libadwaita and GTK ship their own strings
 * (the search placeholder of the preferences…); an English text they
 * would also show untranslated is not blamed on Shoal.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libintl.h>
#include <locale.h>
#include <string.h>

#include "shoal-add-dialog.h"
#include "shoal-application.h"
#include "shoal-bencode.h"
#include "shoal-link-dialog.h"
#include "shoal-preferences-window.h"
#include "shoal-remove-dialog.h"
#include "shoal-window.h"

typedef struct
{
  char   *english;
  char   *french;
  GRegex *english_pattern;   /* NULL unless printf-style */
  GRegex *french_pattern;
} Message;

static ShoalApplication *app;
static ShoalWindow *window;
static GPtrArray *messages;
static char *tmp_dir;
static char *download_dir;

/* Catalog */

static void
message_free (gpointer data)
{
  Message *m = data;

  g_free (m->english);
  g_free (m->french);
  g_clear_pointer (&m->english_pattern, g_regex_unref);
  g_clear_pointer (&m->french_pattern, g_regex_unref);
  g_free (m);
}

/* "%s of %s (%'.1f %%)" → ^(.*?) of (.*?) \((.*?) %\)$ , or NULL when the
 * message has no conversion, or nothing but conversions and punctuation
 * (it would match any text). */
static GRegex *
format_pattern (const char *format)
{
  g_autoptr(GString) pattern = g_string_new ("^");
  gboolean has_conversion = FALSE;
  guint letters = 0;
  const char *p = format;

  while (*p != '\0')
    {
      const char *start = p;

      if (*p == '%' && p[1] == '%')
        {
          g_string_append_c (pattern, '%');
          p += 2;
          continue;
        }
      if (*p == '%')
        {
          p++;
          /* positional argument, flags, width, precision, length */
          p += strspn (p, "0123456789$'#-+ .*hlLqjzt");
          if (*p == '\0')
            break;
          if (strchr ("diouxXeEfFgGaAcsp", *p) == NULL)
            return NULL;
          g_string_append (pattern, "(.*?)");
          has_conversion = TRUE;
          p++;
          continue;
        }
      p = g_utf8_next_char (p);
      {
        g_autofree char *literal = g_regex_escape_string (start, (int) (p - start));

        if (g_unichar_isalpha (g_utf8_get_char (start)))
          letters++;
        g_string_append (pattern, literal);
      }
    }
  if (!has_conversion || letters < 3)
    return NULL;
  g_string_append_c (pattern, '$');
  return g_regex_new (pattern->str, G_REGEX_DOTALL | G_REGEX_OPTIMIZE, 0, NULL);
}

static void
add_message (const char *english,
             const char *french)
{
  Message *m = g_new0 (Message, 1);

  m->english = g_strdup (english);
  m->french = g_strdup (french);
  m->english_pattern = format_pattern (english);
  if (m->english_pattern != NULL && french != NULL)
    m->french_pattern = format_pattern (french);
  g_ptr_array_add (messages, m);
}

static void
string_free (gpointer string)
{
  g_string_free (string, TRUE);
}

/* Reads the msgids of a .pot (no msgstr there) and asks gettext for each
 * translation. gettext returns its argument itself when it has none,
 * which tells an untranslated message from one translated identically. */
static void
load_catalog (const char *pot_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) ctxt = NULL;
  g_autoptr(GString) id = NULL;
  g_autoptr(GString) plural = NULL;
  GString *current = NULL;

  g_assert_true (g_file_get_contents (pot_path, &contents, NULL, &error));
  g_assert_no_error (error);
  messages = g_ptr_array_new_with_free_func (message_free);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *quote;
      gboolean ends_entry = lines[i + 1] == NULL || lines[i + 1][0] == '\0';

      if (g_str_has_prefix (line, "msgctxt "))
        current = ctxt = g_string_new (NULL);
      else if (g_str_has_prefix (line, "msgid_plural "))
        current = plural = g_string_new (NULL);
      else if (g_str_has_prefix (line, "msgid "))
        current = id = g_string_new (NULL);
      else if (g_str_has_prefix (line, "msgstr"))
        current = NULL;
      else if (line[0] != '"')
        current = NULL;

      quote = strchr (line, '"');
      if (current != NULL && quote != NULL && g_str_has_suffix (line, "\""))
        {
          g_autofree char *raw = g_strndup (quote + 1, strlen (quote + 1) - 1);
          g_autofree char *text = g_strcompress (raw);

          g_string_append (current, text);
        }

      if (ends_entry && id != NULL)
        {
          if (id->len > 0 && ctxt == NULL && plural == NULL)
            {
              const char *t = dgettext (GETTEXT_PACKAGE, id->str);

              add_message (id->str, t != id->str ? t : NULL);
            }
          else if (id->len > 0 && ctxt != NULL)
            {
              g_autofree char *key = g_strconcat (ctxt->str, "\004", id->str, NULL);
              const char *t = dgettext (GETTEXT_PACKAGE, key);

              add_message (id->str, t != key ? t : NULL);
            }
          else if (id->len > 0)
            {
              /* French: nplurals=2; plural=(n > 1) */
              const char *one = dngettext (GETTEXT_PACKAGE, id->str, plural->str, 1);
              const char *many = dngettext (GETTEXT_PACKAGE, id->str, plural->str, 2);

              add_message (id->str, one != id->str ? one : NULL);
              add_message (plural->str, many != plural->str ? many : NULL);
            }
          g_clear_pointer (&ctxt, string_free);
          g_clear_pointer (&id, string_free);
          g_clear_pointer (&plural, string_free);
          current = NULL;
        }
    }
}

/* The toolkit shows this English text itself when it has no French for it */
static gboolean
toolkit_untranslated (const char *text)
{
  return dgettext ("libadwaita", text) == text && dgettext ("gtk40", text) == text;
}

typedef struct
{
  GPtrArray *untranslated;   /* "where: text" */
  guint      translated;     /* texts that are a French translation */
  guint      checked;
} Walk;

static void
check_text (Walk       *walk,
            const char *where,
            const char *text)
{
  if (text == NULL || text[0] == '\0')
    return;
  walk->checked++;

  for (guint i = 0; i < messages->len; i++)
    {
      Message *m = g_ptr_array_index (messages, i);

      if (m->french != NULL && strcmp (m->french, m->english) != 0 &&
          (strcmp (text, m->french) == 0 ||
           (m->french_pattern != NULL && g_regex_match (m->french_pattern, text, 0, NULL))))
        {
          walk->translated++;
          return;
        }
    }

  for (guint i = 0; i < messages->len; i++)
    {
      Message *m = g_ptr_array_index (messages, i);
      gboolean english = strcmp (text, m->english) == 0 ||
                         (m->english_pattern != NULL && g_regex_match (m->english_pattern, text, 0, NULL));

      if (!english)
        continue;
      if (m->french != NULL && strcmp (m->french, m->english) == 0)
        return;
      if (m->french != NULL && strcmp (text, m->english) == 0 && toolkit_untranslated (text))
        return;
      g_ptr_array_add (walk->untranslated,
                       g_strdup_printf ("%s: “%s” (msgid “%s”, French “%s”)", where, text, m->english,
                                        m->french != NULL ? m->french : "none"));
      return;
    }
}

static const char *const text_properties[] = {
  "label", "title", "subtitle", "description", "tooltip-text", "placeholder-text",
  "heading", "body", "button-label", "accelerator-title", "text",
};

static void
check_object (Walk    *walk,
              GObject *object)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (object);

  for (gsize i = 0; i < G_N_ELEMENTS (text_properties); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (klass, text_properties[i]);
      g_autofree char *value = NULL;
      g_autofree char *where = NULL;

      if (pspec == NULL || pspec->value_type != G_TYPE_STRING || !(pspec->flags & G_PARAM_READABLE))
        continue;
      g_object_get (object, text_properties[i], &value, NULL);
      where = g_strdup_printf ("%s:%s", G_OBJECT_TYPE_NAME (object), text_properties[i]);
      check_text (walk, where, value);
    }
}

static void
check_menu (Walk       *walk,
            GMenuModel *menu)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuLinkIter) links = NULL;
      const char *name;
      GMenuModel *link;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        check_text (walk, "GMenuModel:label", label);
      links = g_menu_model_iterate_item_links (menu, i);
      while (g_menu_link_iter_get_next (links, &name, &link))
        {
          check_menu (walk, link);
          g_object_unref (link);
        }
    }
}

static void
check_list (Walk       *walk,
            GListModel *model)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (GTK_IS_STRING_OBJECT (item))
        check_text (walk, "GtkStringObject", gtk_string_object_get_string (GTK_STRING_OBJECT (item)));
      else
        check_object (walk, item);
    }
}

static void
check_widget (Walk      *walk,
              GtkWidget *widget)
{
  check_object (walk, G_OBJECT (widget));

  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL)
    check_menu (walk, gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)));
  if (ADW_IS_COMBO_ROW (widget) && adw_combo_row_get_model (ADW_COMBO_ROW (widget)) != NULL)
    check_list (walk, adw_combo_row_get_model (ADW_COMBO_ROW (widget)));
  if (GTK_IS_DROP_DOWN (widget) && gtk_drop_down_get_model (GTK_DROP_DOWN (widget)) != NULL)
    check_list (walk, gtk_drop_down_get_model (GTK_DROP_DOWN (widget)));
  if (GTK_IS_STACK (widget))
    {
      g_autoptr(GtkSelectionModel) pages = gtk_stack_get_pages (GTK_STACK (widget));

      check_list (walk, G_LIST_MODEL (pages));
    }
  if (ADW_IS_VIEW_STACK (widget))
    {
      g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (ADW_VIEW_STACK (widget));

      check_list (walk, G_LIST_MODEL (pages));
    }
  if (GTK_IS_COLUMN_VIEW (widget))
    check_list (walk, gtk_column_view_get_columns (GTK_COLUMN_VIEW (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    check_widget (walk, child);
}

/* Walks @root and fails listing every English text found */
static void
assert_french (GtkWidget *root,
               guint      min_translated)
{
  Walk walk = { g_ptr_array_new_with_free_func (g_free), 0, 0 };

  check_widget (&walk, root);
  for (guint i = 0; i < walk.untranslated->len; i++)
    g_test_message ("untranslated: %s", (char *) g_ptr_array_index (walk.untranslated, i));
  g_test_message ("%s: %u texts, %u French translations", G_OBJECT_TYPE_NAME (root), walk.checked,
                  walk.translated);
  /* Fail without aborting, so that every window gets its list */
  if (walk.untranslated->len > 0)
    g_test_fail_printf ("%u texts of %s are in English", walk.untranslated->len, G_OBJECT_TYPE_NAME (root));
  /* The catalog is loaded and the walk reaches the texts */
  g_assert_cmpuint (walk.translated, >=, min_translated);
  g_ptr_array_unref (walk.untranslated);
}

/* Helpers */

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

static ShoalMetainfo *
make_metainfo (const char *name)
{
  g_autoptr(ShoalBencodeWriter) w = shoal_bencode_writer_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 pieces[2 * 20];
  ShoalMetainfo *info;

  for (gsize i = 0; i < sizeof pieces; i++)
    pieces[i] = (guint8) (i * 13 + strlen (name));

  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "announce");
  shoal_bencode_writer_cstring (w, "http://127.0.0.1:1/announce");
  shoal_bencode_writer_cstring (w, "info");
  shoal_bencode_writer_begin_dict (w);
  shoal_bencode_writer_cstring (w, "files");
  shoal_bencode_writer_begin_list (w);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *file_name = g_strdup_printf ("file-%u.bin", i);

      shoal_bencode_writer_begin_dict (w);
      shoal_bencode_writer_cstring (w, "length");
      shoal_bencode_writer_integer (w, 16384);
      shoal_bencode_writer_cstring (w, "path");
      shoal_bencode_writer_begin_list (w);
      shoal_bencode_writer_cstring (w, file_name);
      shoal_bencode_writer_end (w);
      shoal_bencode_writer_end (w);
    }
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_cstring (w, "name");
  shoal_bencode_writer_cstring (w, name);
  shoal_bencode_writer_cstring (w, "piece length");
  shoal_bencode_writer_integer (w, 16384);
  shoal_bencode_writer_cstring (w, "pieces");
  shoal_bencode_writer_string (w, pieces, sizeof pieces);
  shoal_bencode_writer_end (w);
  shoal_bencode_writer_end (w);
  bytes = shoal_bencode_writer_finish (w);

  info = shoal_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return info;
}

/* Tests */

static void
test_catalog_loaded (void)
{
  guint translated = 0;

  /* dgettext returns a different pointer only for a translation found
   * in the build directory's shoal.mo */
  for (guint i = 0; i < messages->len; i++)
    {
      Message *m = g_ptr_array_index (messages, i);

      if (m->french != NULL)
        translated++;
    }
  g_test_message ("%u of %u messages have a French translation", translated, messages->len);
  g_assert_cmpuint (messages->len, >, 100);
  g_assert_cmpuint (translated, >, messages->len / 2);
}

static void
test_main_window (void)
{
  GListModel *selection = G_LIST_MODEL (shoal_window_get_selection (window));

  /* A selected torrent fills the details pane and the list's cells */
  g_assert_cmpuint (g_list_model_get_n_items (selection), >=, 1);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), 0, TRUE);
  spin (300);
  assert_french (GTK_WIDGET (window), 20);
}

static void
test_shortcuts_window (void)
{
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

  g_assert_nonnull (overlay);
  assert_french (GTK_WIDGET (overlay), 5);
}

static void
test_preferences (void)
{
  ShoalPreferencesWindow *preferences = shoal_preferences_window_new (app);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (preferences));
  spin (200);
  assert_french (GTK_WIDGET (preferences), 20);
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static void
test_add_dialog (void)
{
  g_autoptr(ShoalMetainfo) info = make_metainfo ("l10n-add");
  g_autoptr(GSettings) settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  ShoalAddDialog *dialog;

  dialog = shoal_add_dialog_new (GTK_WINDOW (window), shoal_application_get_session (app), settings, info,
                                 download_dir);
  gtk_window_present (GTK_WINDOW (dialog));
  spin (200);
  assert_french (GTK_WIDGET (dialog), 5);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_remove_dialog (void)
{
  /* the window's torrents, as the remove action hands them */
  GListModel *torrents = shoal_app_session_get_torrents (shoal_window_get_app_session (window));
  g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) two = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalRemoveDialog *dialog;

  g_assert_cmpuint (g_list_model_get_n_items (torrents), >=, 1);
  g_ptr_array_add (one, g_list_model_get_item (torrents, 0));
  g_ptr_array_add (two, g_list_model_get_item (torrents, 0));
  g_ptr_array_add (two, g_list_model_get_item (torrents, 0));

  /* The heading names the torrent, or counts them */
  dialog = shoal_remove_dialog_new (GTK_WINDOW (window), one);
  gtk_window_present (GTK_WINDOW (dialog));
  spin (200);
  assert_french (GTK_WIDGET (dialog), 4);
  gtk_window_destroy (GTK_WINDOW (dialog));

  dialog = shoal_remove_dialog_new (GTK_WINDOW (window), two);
  gtk_window_present (GTK_WINDOW (dialog));
  spin (200);
  assert_french (GTK_WIDGET (dialog), 4);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_link_dialog (void)
{
  ShoalLinkDialog *dialog = shoal_link_dialog_new (GTK_WINDOW (window));

  gtk_window_present (GTK_WINDOW (dialog));
  spin (200);
  assert_french (GTK_WIDGET (dialog), 4);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autofree char *state_dir = NULL;
  const char *locale_dir = g_getenv ("SHOAL_LOCALE_DIR");
  const char *pot = g_getenv ("SHOAL_POT");
  int ret;

  /* gettext ignores LANGUAGE in the C locale; without a French locale
   * generated on this machine (locale-gen fr_FR.UTF-8), C.UTF-8 still
   * lets LANGUAGE choose the messages. */
  g_setenv ("LANGUAGE", "fr", TRUE);
  g_setenv ("LC_ALL", setlocale (LC_ALL, "fr_FR.UTF-8") != NULL ? "fr_FR.UTF-8" : "C.UTF-8", TRUE);

  gtk_test_init (&argc, &argv, NULL);
  /* gtk_test_init() picks en_US.UTF-8 for reproducible tests; take the
   * environment's locale back. */
  g_assert_nonnull (setlocale (LC_ALL, ""));

  g_assert_nonnull (locale_dir);
  g_assert_nonnull (pot);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  load_catalog (pot);

  tmp_dir = g_dir_make_tmp ("shoal-test-l10n-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (tmp_dir, "state", NULL);
  download_dir = g_build_filename (tmp_dir, "downloads", NULL);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);
  g_setenv ("SHOAL_STATE_DIR", state_dir, TRUE);
  g_setenv ("SHOAL_DOWNLOAD_DIR", download_dir, TRUE);

  settings = g_settings_new (SHOAL_SETTINGS_SCHEMA_ID);
  g_settings_set_boolean (settings, "random-port", TRUE);
  g_settings_set_boolean (settings, "notify-on-complete", FALSE);
  g_settings_set_int (settings, "window-width", 1100);
  g_settings_set_int (settings, "window-height", 600);

  app = shoal_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = SHOAL_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data);

  info = make_metainfo ("l10n-torrent");
  g_assert_nonnull (shoal_session_add_torrent (shoal_application_get_session (app), info, download_dir,
                                               SHOAL_ADD_FLAGS_PAUSED, &error));
  g_assert_no_error (error);
  spin (300);

  g_test_add_func ("/l10n/fr/catalog-loaded", test_catalog_loaded);
  g_test_add_func ("/l10n/fr/main-window", test_main_window);
  g_test_add_func ("/l10n/fr/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/l10n/fr/preferences", test_preferences);
  g_test_add_func ("/l10n/fr/add-dialog", test_add_dialog);
  g_test_add_func ("/l10n/fr/remove-dialog", test_remove_dialog);
  g_test_add_func ("/l10n/fr/link-dialog", test_link_dialog);

  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  shoal_session_close (shoal_application_get_session (app));
  g_clear_object (&app);
  g_ptr_array_unref (messages);
  g_free (download_dir);
  g_free (tmp_dir);
  return ret;
}
