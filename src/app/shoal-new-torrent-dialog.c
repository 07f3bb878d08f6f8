/* shoal-new-torrent-dialog.c: make a .torrent from a file or a folder
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three pages in a stack: the form, the progress of hashing (which runs
 * off the main thread in ShoalTorrentCreator and can be stopped), and the
 * result, from which the torrent is saved, shared as a magnet link or
 * seeded at once. Seeding needs no check: the data was just hashed.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "shoal-file-chooser.h"
#include "shoal-format.h"
#include "shoal-new-torrent-dialog.h"

/* Piece sizes offered besides "Automatic": 16 KiB to 64 MiB. */
#define MIN_PIECE_SHIFT 14
#define MAX_PIECE_SHIFT 26

struct _ShoalNewTorrentDialog
{
  AdwWindow             parent_instance;

  ShoalSession         *session;
  char                 *path;
  GCancellable         *cancellable;   /* of the creation running, if any */
  ShoalMetainfo        *metainfo;      /* the result */
  GBytes               *bytes;
  char                 *last_toast;
  gboolean              seeding;
  gboolean              closed;

  AdwToastOverlay      *toast_overlay;
  GtkButton            *close_button;
  GtkStack             *stack;
  AdwActionRow         *path_row;
  GtkTextView          *trackers_view;
  GtkTextView          *web_seeds_view;
  AdwComboRow          *piece_size_row;
  GtkCheckButton       *hybrid_check;
  GtkCheckButton       *v2_check;
  GtkCheckButton       *v1_check;
  GtkWidget            *create_button;
  GtkSwitch            *private_switch;
  AdwEntryRow          *comment_row;
  AdwEntryRow          *source_row;
  GtkProgressBar       *progress_bar;
  AdwStatusPage        *result_page;
  GtkButton            *seed_button;
};

G_DEFINE_FINAL_TYPE (ShoalNewTorrentDialog, shoal_new_torrent_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SEEDING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Parsing the form */

static gboolean
check_url (const char  *url,
           gboolean     tracker,
           GError     **error)
{
  /* The rule .torrent files are read with (metainfo/shoal-announce-url). */
  if (shoal_announce_url_check (url, tracker ? SHOAL_ANNOUNCE_URL_FLAGS_NONE : SHOAL_ANNOUNCE_URL_FLAGS_HTTP_ONLY,
                                NULL))
    return TRUE;

  if (tracker)
    /* Translators: %s is an address typed by the user */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a valid tracker address"), url);
  else
    /* Translators: %s is an address typed by the user */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a valid web seed address"), url);
  return FALSE;
}

static GStrv
steal_tier (GPtrArray *tier)
{
  g_ptr_array_add (tier, NULL);
  return (GStrv) g_ptr_array_free (tier, FALSE);
}

/**
 * shoal_parse_tracker_tiers:
 * @text: tracker addresses, one per line; blank lines separate tiers
 * @error: return location for an error
 *
 * Reads the trackers field of the dialog: BEP 12 tiers, in order. Several
 * blank lines in a row, or blank lines at the ends, make no empty tier.
 *
 * Returns: (transfer full) (element-type GStrv) (nullable): the tiers
 *   (maybe none), or %NULL when an address is not an http, https or udp URL
 */
GPtrArray *
shoal_parse_tracker_tiers (const char  *text,
                           GError     **error)
{
  g_autoptr(GPtrArray) tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GPtrArray *tier = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0')
        {
          if (tier->len > 0)
            {
              g_ptr_array_set_free_func (tier, NULL);
              g_ptr_array_add (tiers, steal_tier (tier));
              tier = g_ptr_array_new_with_free_func (g_free);
            }
          continue;
        }
      if (!check_url (line, TRUE, error))
        {
          g_ptr_array_unref (tier);
          return NULL;
        }
      g_ptr_array_add (tier, g_strdup (line));
    }
  if (tier->len > 0)
    {
      g_ptr_array_set_free_func (tier, NULL);
      g_ptr_array_add (tiers, steal_tier (tier));
    }
  else
    g_ptr_array_unref (tier);
  return g_steal_pointer (&tiers);
}

/**
 * shoal_parse_web_seeds:
 * @text: web seed addresses, one per line
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the addresses (maybe none), or
 *   %NULL when one is not an http or https URL
 */
char **
shoal_parse_web_seeds (const char  *text,
                       GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0')
        continue;
      if (!check_url (line, FALSE, error))
        return NULL;
      g_strv_builder_add (builder, line);
    }
  return g_strv_builder_end (builder);
}

static char *
dup_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static guint64
selected_piece_size (ShoalNewTorrentDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->piece_size_row);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return 0;
  return G_GUINT64_CONSTANT (1) << (MIN_PIECE_SHIFT + selected - 1);
}

/* State */

static void
show_toast (ShoalNewTorrentDialog *self,
            const char            *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
}

static void
update_actions (ShoalNewTorrentDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  gboolean form = g_str_equal (page, "form");
  gboolean result = g_str_equal (page, "result");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.create", form && self->path != NULL);
  /* Nothing to create once created (or while creating): no greyed button */
  gtk_widget_set_visible (self->create_button, form);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.choose-file", form);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.choose-folder", form);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.stop", g_str_equal (page, "progress"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.save", result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.copy-magnet", result);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-torrent.seed", result && !self->seeding);
}

static void
show_page (ShoalNewTorrentDialog *self,
           const char            *page)
{
  gtk_stack_set_visible_child_name (self->stack, page);
  /* After the torrent is made there is nothing to cancel any more. */
  gtk_button_set_label (self->close_button, g_str_equal (page, "result") ? _("_Close") : _("_Cancel"));
  update_actions (self);
}

/* Creating */

static void
progress_cb (ShoalTorrentCreator *creator,
             guint64              bytes_hashed,
             guint64              total,
             gpointer             user_data)
{
  ShoalNewTorrentDialog *self = user_data;
  g_autofree char *done = shoal_format_size (bytes_hashed);
  g_autofree char *all = shoal_format_size (total);
  g_autofree char *text = NULL;

  /* Closed or stopped: the page is going away. */
  if (self->closed || g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) bytes_hashed / (double) total : 0.0);
  /* Translators: hashing progress, e.g. “1.2 GiB of 4 GiB” */
  text = g_strdup_printf (_("%s of %s"), done, all);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
show_result (ShoalNewTorrentDialog *self,
             ShoalTorrentCreator   *creator)
{
  const char * const *skipped = shoal_torrent_creator_get_skipped (creator);
  g_autofree char *size = shoal_format_size (shoal_metainfo_get_content_size (self->metainfo));
  g_autofree char *piece = shoal_format_size (shoal_metainfo_get_piece_length (self->metainfo));
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *escaped = NULL;
  guint n_files = shoal_metainfo_get_n_files (self->metainfo);
  guint n_shown = 0;

  for (guint i = 0; i < n_files; i++)
    n_shown += !(shoal_metainfo_get_file (self->metainfo, i)->attributes & SHOAL_FILE_ATTRIBUTE_PAD);

  g_string_append_printf (text, "<b>%s</b>\n", (escaped = g_markup_escape_text (shoal_metainfo_get_name (self->metainfo), -1)));
  /* Translators: e.g. “3 files, 1.2 GiB, in pieces of 1 MiB” */
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u file, %s, in pieces of %s",
                                             "%u files, %s, in pieces of %s", n_shown),
                          n_shown, size, piece);
  if (skipped != NULL && skipped[0] != NULL)
    {
      guint n = g_strv_length ((char **) skipped);

      g_string_append_c (text, '\n');
      /* Translators: files that are neither regular files nor folders
       * (links, sockets…) are left out of a torrent */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u special file was left out",
                                                 "%u special files were left out", n), n);
    }
  adw_status_page_set_description (self->result_page, text->str);
  show_page (self, "result");
}

static void
create_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ShoalNewTorrentDialog) self = user_data;
  ShoalTorrentCreator *creator = SHOAL_TORRENT_CREATOR (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) metainfo = NULL;
  GBytes *bytes;

  bytes = shoal_torrent_creator_create_finish (creator, result, &metainfo, &error);
  g_clear_object (&self->cancellable);
  /* Closed meanwhile: only our reference keeps the dialog. */
  if (self->closed)
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return;
    }

  if (bytes == NULL)
    {
      show_page (self, "form");
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, _("Stopped"));
      else
        {
          g_autofree char *text = NULL;

          /* Translators: %s says why */
          text = g_strdup_printf (_("Could not create the torrent: %s"), error->message);
          show_toast (self, text);
        }
      return;
    }

  self->bytes = bytes;
  self->metainfo = g_steal_pointer (&metainfo);
  show_result (self, creator);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);
  g_autoptr(ShoalTorrentCreator) creator = NULL;
  g_autoptr(GPtrArray) tiers = NULL;
  g_auto(GStrv) web_seeds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trackers_text = dup_text (self->trackers_view);
  g_autofree char *web_seeds_text = dup_text (self->web_seeds_view);
  const char *comment = gtk_editable_get_text (GTK_EDITABLE (self->comment_row));
  const char *source = gtk_editable_get_text (GTK_EDITABLE (self->source_row));
  guint64 piece_size = selected_piece_size (self);

  if (self->path == NULL || self->cancellable != NULL)
    return;

  tiers = shoal_parse_tracker_tiers (trackers_text, &error);
  if (tiers != NULL)
    web_seeds = shoal_parse_web_seeds (web_seeds_text, &error);
  if (error != NULL)
    {
      show_toast (self, error->message);
      return;
    }

  creator = shoal_torrent_creator_new (self->path);
  shoal_torrent_creator_set_trackers (creator, tiers);
  shoal_torrent_creator_set_web_seeds (creator, (const char * const *) web_seeds);
  if (piece_size != 0)
    shoal_torrent_creator_set_piece_size (creator, piece_size);
  shoal_torrent_creator_set_private (creator, gtk_switch_get_active (self->private_switch));
  shoal_torrent_creator_set_version (creator, shoal_new_torrent_dialog_get_version (self));
  if (comment[0] != '\0')
    shoal_torrent_creator_set_comment (creator, comment);
  if (source[0] != '\0')
    shoal_torrent_creator_set_source (creator, source);

  g_clear_object (&self->metainfo);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  self->seeding = FALSE;
  self->cancellable = g_cancellable_new ();
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Looking at the files…"));
  show_page (self, "progress");

  shoal_torrent_creator_create_async (creator, self->cancellable, progress_cb, create_done_cb, g_object_ref (self));
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);

  /* The page changes when the creator has stopped, in create_done_cb. */
  g_cancellable_cancel (self->cancellable);
}

/* Choosing the data */

static void
path_chosen_cb (GtkWindow  *window,
                GListModel *files)
{
  g_autoptr(GFile) file = g_list_model_get_item (files, 0);
  g_autofree char *path = g_file_get_path (file);

  if (path != NULL)
    shoal_new_torrent_dialog_set_path (SHOAL_NEW_TORRENT_DIALOG (window), path);
}

static void
choose_path (ShoalNewTorrentDialog *self,
             gboolean               folder)
{
  shoal_file_chooser_show (GTK_WINDOW (self), folder ? SHOAL_FILE_CHOOSER_FOLDER : SHOAL_FILE_CHOOSER_OPEN,
                           folder ? _("Folder to Share") : _("File to Share"), _("_Select"),
                           NULL, NULL, path_chosen_cb);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose_path (SHOAL_NEW_TORRENT_DIALOG (widget), FALSE);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  choose_path (SHOAL_NEW_TORRENT_DIALOG (widget), TRUE);
}

/* Using the result */

/**
 * shoal_new_torrent_dialog_save_to:
 * @self: a dialog showing its result
 * @file: where to write the .torrent
 * @error: return location for an error
 *
 * Returns: whether the .torrent was written
 */
gboolean
shoal_new_torrent_dialog_save_to (ShoalNewTorrentDialog  *self,
                                  GFile                  *file,
                                  GError                **error)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (self->bytes != NULL, FALSE);

  /* A .torrent is small: writing it at once does not stall the window. */
  return g_file_replace_contents (file, g_bytes_get_data (self->bytes, NULL), g_bytes_get_size (self->bytes),
                                  NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
save_chosen_cb (GtkWindow  *window,
                GListModel *files)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (window);
  g_autoptr(GFile) file = g_list_model_get_item (files, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = NULL;

  if (shoal_new_torrent_dialog_save_to (self, file, &error))
    /* Translators: %s is a file name */
    text = g_strdup_printf (_("Saved “%s”"), name);
  else
    /* Translators: the first %s is a file name, the second says why */
    text = g_strdup_printf (_("Could not save “%s”: %s"), name, error->message);
  show_toast (self, text);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);
  g_autofree char *name = g_strdup_printf ("%s.torrent", shoal_metainfo_get_name (self->metainfo));
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);

  shoal_file_chooser_show (GTK_WINDOW (self), SHOAL_FILE_CHOOSER_SAVE_TORRENT, _("Save Torrent File"), _("_Save"),
                           folder, name, save_chosen_cb);
}

static void
copy_magnet_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);
  g_autofree char *magnet = shoal_metainfo_to_magnet (self->metainfo);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), magnet);
  show_toast (self, _("Magnet link copied to the clipboard"));
}

static void
seed_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  ShoalTorrent *torrent;

  /* The torrent is named after the path's last component, so its data is
   * that component inside the parent folder: complete, and just hashed. */
  torrent = shoal_session_add_torrent (self->session, self->metainfo, dir, SHOAL_ADD_FLAGS_SEED_MODE, &error);
  if (torrent == NULL)
    {
      if (g_error_matches (error, SHOAL_SESSION_ERROR, SHOAL_SESSION_ERROR_DUPLICATE))
        /* Translators: %s is a torrent name */
        text = g_strdup_printf (_("“%s” is already in the list"), shoal_metainfo_get_name (self->metainfo));
      else
        /* Translators: %s says why */
        text = g_strdup_printf (_("Could not seed the torrent: %s"), error->message);
      show_toast (self, text);
      return;
    }

  self->seeding = TRUE;
  gtk_button_set_label (self->seed_button, _("Seeding"));
  update_actions (self);
  /* Translators: %s is a torrent name */
  text = g_strdup_printf (_("Seeding “%s”"), shoal_metainfo_get_name (self->metainfo));
  show_toast (self, text);
  g_signal_emit (self, signals[SIGNAL_SEEDING], 0, torrent);
}

/* Accessors */

/**
 * shoal_new_torrent_dialog_set_path:
 * @self: a dialog
 * @path: an absolute path of a file or folder to share
 */
void
shoal_new_torrent_dialog_set_path (ShoalNewTorrentDialog *self,
                                   const char            *path)
{
  g_autofree char *escaped = NULL;
  gsize len;

  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  g_return_if_fail (path != NULL && g_path_is_absolute (path));

  g_free (self->path);
  self->path = g_strdup (path);
  /* "/data/share/" names the torrent "share", like "/data/share". */
  len = strlen (self->path);
  while (len > 1 && self->path[len - 1] == G_DIR_SEPARATOR)
    self->path[--len] = '\0';

  escaped = g_markup_escape_text (self->path, -1);
  adw_action_row_set_subtitle (self->path_row, escaped);
  update_actions (self);
}

const char *
shoal_new_torrent_dialog_get_path (ShoalNewTorrentDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), NULL);
  return self->path;
}

/**
 * shoal_new_torrent_dialog_set_trackers:
 * @self: a dialog
 * @text: the trackers field, see shoal_parse_tracker_tiers()
 */
void
shoal_new_torrent_dialog_set_trackers (ShoalNewTorrentDialog *self,
                                       const char            *text)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->trackers_view), text != NULL ? text : "", -1);
}

/**
 * shoal_new_torrent_dialog_set_web_seeds:
 * @self: a dialog
 * @text: the web seeds field, one URL a line
 */
void
shoal_new_torrent_dialog_set_web_seeds (ShoalNewTorrentDialog *self,
                                        const char            *text)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->web_seeds_view), text != NULL ? text : "", -1);
}

/**
 * shoal_new_torrent_dialog_set_piece_size:
 * @self: a dialog
 * @piece_size: 0 for automatic, or a power of two the drop-down offers
 */
void
shoal_new_torrent_dialog_set_piece_size (ShoalNewTorrentDialog *self,
                                         guint64                piece_size)
{
  guint position = 0;

  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));

  for (guint shift = MIN_PIECE_SHIFT; shift <= MAX_PIECE_SHIFT; shift++)
    if (piece_size == G_GUINT64_CONSTANT (1) << shift)
      position = shift - MIN_PIECE_SHIFT + 1;
  g_return_if_fail (piece_size == 0 || position != 0);
  adw_combo_row_set_selected (self->piece_size_row, position);
}

void
shoal_new_torrent_dialog_set_private (ShoalNewTorrentDialog *self,
                                      gboolean               is_private)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  gtk_switch_set_active (self->private_switch, is_private);
}

void
shoal_new_torrent_dialog_set_comment (ShoalNewTorrentDialog *self,
                                      const char            *comment)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->comment_row), comment != NULL ? comment : "");
}

void
shoal_new_torrent_dialog_set_source (ShoalNewTorrentDialog *self,
                                     const char            *source)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->source_row), source != NULL ? source : "");
}

/**
 * shoal_new_torrent_dialog_set_version:
 * @self: a dialog
 * @version: %SHOAL_TORRENT_VERSION_HYBRID (the default),
 *   %SHOAL_TORRENT_VERSION_V2 or %SHOAL_TORRENT_VERSION_V1, as the Torrent
 *   Version group offers
 */
void
shoal_new_torrent_dialog_set_version (ShoalNewTorrentDialog *self,
                                      ShoalTorrentVersion    version)
{
  g_return_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self));
  g_return_if_fail (version == SHOAL_TORRENT_VERSION_V1 || version == SHOAL_TORRENT_VERSION_V2 ||
                    version == SHOAL_TORRENT_VERSION_HYBRID);

  gtk_check_button_set_active (version == SHOAL_TORRENT_VERSION_V1   ? self->v1_check
                               : version == SHOAL_TORRENT_VERSION_V2 ? self->v2_check
                                                                     : self->hybrid_check,
                               TRUE);
}

/**
 * shoal_new_torrent_dialog_get_version:
 * @self: a dialog
 *
 * Returns: the version of torrent to create
 */
ShoalTorrentVersion
shoal_new_torrent_dialog_get_version (ShoalNewTorrentDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), SHOAL_TORRENT_VERSION_HYBRID);

  if (gtk_check_button_get_active (self->v1_check))
    return SHOAL_TORRENT_VERSION_V1;
  if (gtk_check_button_get_active (self->v2_check))
    return SHOAL_TORRENT_VERSION_V2;
  return SHOAL_TORRENT_VERSION_HYBRID;
}

/**
 * shoal_new_torrent_dialog_get_page:
 * @self: a dialog
 *
 * Returns: "form", "progress" or "result"
 */
const char *
shoal_new_torrent_dialog_get_page (ShoalNewTorrentDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * shoal_new_torrent_dialog_get_metainfo:
 * @self: a dialog
 *
 * Returns: (transfer none) (nullable): the torrent made, once it is
 */
ShoalMetainfo *
shoal_new_torrent_dialog_get_metainfo (ShoalNewTorrentDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), NULL);
  return self->metainfo;
}

/**
 * shoal_new_torrent_dialog_get_last_toast:
 * @self: a dialog
 *
 * Returns: (nullable): the text of the last message shown, for tests
 */
const char *
shoal_new_torrent_dialog_get_last_toast (ShoalNewTorrentDialog *self)
{
  g_return_val_if_fail (SHOAL_IS_NEW_TORRENT_DIALOG (self), NULL);
  return self->last_toast;
}

/* GObject */

static void
shoal_new_torrent_dialog_unrealize (GtkWidget *widget)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (widget);

  /* Closing the dialog stops the hashing. The creation holds a reference
   * until it ends, so this is the moment the dialog goes away for the
   * user, not dispose. */
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);

  GTK_WIDGET_CLASS (shoal_new_torrent_dialog_parent_class)->unrealize (widget);
}

static void
shoal_new_torrent_dialog_dispose (GObject *object)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_NEW_TORRENT_DIALOG);

  G_OBJECT_CLASS (shoal_new_torrent_dialog_parent_class)->dispose (object);
}

static void
shoal_new_torrent_dialog_finalize (GObject *object)
{
  ShoalNewTorrentDialog *self = SHOAL_NEW_TORRENT_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->metainfo);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->last_toast, g_free);

  G_OBJECT_CLASS (shoal_new_torrent_dialog_parent_class)->finalize (object);
}

static void
shoal_new_torrent_dialog_class_init (ShoalNewTorrentDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_new_torrent_dialog_dispose;
  object_class->finalize = shoal_new_torrent_dialog_finalize;
  widget_class->unrealize = shoal_new_torrent_dialog_unrealize;

  /**
   * ShoalNewTorrentDialog::seeding:
   * @torrent: the new torrent, now in the session
   */
  signals[SIGNAL_SEEDING] = g_signal_new ("seeding", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, SHOAL_TYPE_TORRENT);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-new-torrent-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, close_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, path_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, trackers_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, web_seeds_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, piece_size_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, hybrid_check);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, v2_check);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, v1_check);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, create_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, private_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, comment_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, source_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, result_page);
  gtk_widget_class_bind_template_child (widget_class, ShoalNewTorrentDialog, seed_button);

  gtk_widget_class_install_action (widget_class, "new-torrent.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.copy-magnet", NULL, copy_magnet_action);
  gtk_widget_class_install_action (widget_class, "new-torrent.seed", NULL, seed_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_new_torrent_dialog_init (ShoalNewTorrentDialog *self)
{
  g_autoptr(GtkStringList) sizes = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (sizes, _("Automatic"));
  for (guint shift = MIN_PIECE_SHIFT; shift <= MAX_PIECE_SHIFT; shift++)
    {
      g_autofree char *size = shoal_format_size (G_GUINT64_CONSTANT (1) << shift);

      gtk_string_list_append (sizes, size);
    }
  adw_combo_row_set_model (self->piece_size_row, G_LIST_MODEL (sizes));
  update_actions (self);
}

/**
 * shoal_new_torrent_dialog_new:
 * @parent: (nullable): the window to stay above
 * @session: where "Start Seeding" adds the torrent
 *
 * Returns: (transfer none): a new dialog, owned by GTK until it closes
 */
ShoalNewTorrentDialog *
shoal_new_torrent_dialog_new (GtkWindow    *parent,
                              ShoalSession *session)
{
  ShoalNewTorrentDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_NEW_TORRENT_DIALOG, "transient-for", parent, NULL);
  self->session = g_object_ref (session);
  return self;
}
