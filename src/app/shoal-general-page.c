/* shoal-general-page.c: what there is to know about one torrent
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two grids of "key: value" labels; the values are selectable, since
 * people copy info hashes and paths out of them. A hybrid torrent shows
 * both of its info-hashes (v1 and the full SHA-256 of v2), other torrents
 * only the one they have.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-details-view.h"
#include "shoal-general-page.h"

typedef enum
{
  FIELD_STATE,
  FIELD_SIZE,
  FIELD_HAVE,
  FIELD_AVAILABILITY,
  FIELD_DOWNLOADED,
  FIELD_UPLOADED,
  FIELD_RATIO,
  FIELD_ETA,
  FIELD_LOCATION,
  FIELD_ADDED,
  FIELD_COMPLETED,
  FIELD_NAME,
  FIELD_INFO_HASH,
  FIELD_INFO_HASH_V1,
  FIELD_INFO_HASH_V2,
  FIELD_PIECES,
  FIELD_PRIVATE,
  FIELD_CREATOR,
  FIELD_CREATED,
  FIELD_COMMENT,
  N_FIELDS
} Field;

static const struct
{
  Field       field;
  gboolean    torrent_group;
  const char *label;
} fields[] = {
  { FIELD_STATE, FALSE, N_("Status") },
  { FIELD_SIZE, FALSE, N_("Size") },
  { FIELD_HAVE, FALSE, N_("Have") },
  { FIELD_AVAILABILITY, FALSE, N_("Availability") },
  { FIELD_DOWNLOADED, FALSE, N_("Downloaded") },
  { FIELD_UPLOADED, FALSE, N_("Uploaded") },
  { FIELD_RATIO, FALSE, N_("Ratio") },
  { FIELD_ETA, FALSE, N_("Remaining Time") },
  { FIELD_LOCATION, FALSE, N_("Location") },
  { FIELD_ADDED, FALSE, N_("Added") },
  { FIELD_COMPLETED, FALSE, N_("Completed") },
  { FIELD_NAME, TRUE, N_("Name") },
  { FIELD_INFO_HASH, TRUE, N_("Info Hash") },
  { FIELD_INFO_HASH_V1, TRUE, N_("Info Hash v1") },
  { FIELD_INFO_HASH_V2, TRUE, N_("Info Hash v2") },
  { FIELD_PIECES, TRUE, N_("Pieces") },
  { FIELD_PRIVATE, TRUE, N_("Private") },
  { FIELD_CREATOR, TRUE, N_("Created By") },
  { FIELD_CREATED, TRUE, N_("Created On") },
  { FIELD_COMMENT, TRUE, N_("Comment") },
};

struct _ShoalGeneralPage
{
  GtkWidget     parent_instance;

  ShoalTorrent *torrent;
  gulong        notify_id;
  guint         timer_id;
  guint         idle_id;

  GtkLabel     *error_label;
  GtkGrid      *transfer_grid;
  GtkGrid      *torrent_grid;
  GtkWidget    *keys[N_FIELDS];
  GtkLabel     *values[N_FIELDS];
};

G_DEFINE_FINAL_TYPE (ShoalGeneralPage, shoal_general_page, GTK_TYPE_WIDGET)

/**
 * shoal_general_page_new:
 *
 * Returns: (transfer full): a new, empty #ShoalGeneralPage
 */
ShoalGeneralPage *
shoal_general_page_new (void)
{
  return g_object_new (SHOAL_TYPE_GENERAL_PAGE, NULL);
}

static char *
format_state (ShoalTorrent *torrent)
{
  switch (shoal_torrent_get_state (torrent))
    {
    case SHOAL_TORRENT_STATE_PAUSED:
      return g_strdup (_("Paused"));
    case SHOAL_TORRENT_STATE_CHECKING:
      {
        g_autofree char *percent = shoal_format_percent (shoal_torrent_get_check_progress (torrent));

        /* Translators: %s is a percentage, as "45.2 %" */
        return g_strdup_printf (_("Checking files (%s)"), percent);
      }
    case SHOAL_TORRENT_STATE_DOWNLOADING:
      return g_strdup (_("Downloading"));
    case SHOAL_TORRENT_STATE_SEEDING:
      return g_strdup (_("Seeding"));
    case SHOAL_TORRENT_STATE_FINISHED:
      return g_strdup (_("Finished"));
    case SHOAL_TORRENT_STATE_ERROR:
      return g_strdup (_("Stopped by an error"));
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      return g_strdup (_("Fetching metadata…"));
    case SHOAL_TORRENT_STATE_QUEUED:
      return g_strdup (_("Queued"));
    default:
      return g_strdup (_("Unknown"));
    }
}

/* The share of the torrent that we or a connected peer have: under 100 %
 * the download cannot finish with the current peers. */
static double
availability (ShoalTorrent *torrent)
{
  const ShoalBitfield *have = shoal_torrent_get_pieces (torrent);
  guint n;
  guint available = 0;

  /* No pieces before a magnet link's metadata arrives. */
  if (have == NULL)
    return 0;
  n = (guint) shoal_bitfield_get_size (have);
  if (n == 0)
    return 0;
  for (guint p = 0; p < n; p++)
    if (shoal_bitfield_get (have, p) || shoal_torrent_get_piece_availability (torrent, p) > 0)
      available++;
  return (double) available / n;
}

static char *
format_field (ShoalTorrent *torrent,
              Field         field)
{
  ShoalMetainfo *info = shoal_torrent_get_metainfo (torrent);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  /* What only the metainfo can tell is unknown ("—") while a magnet
   * link's metadata is being fetched. */
  if (info == NULL)
    {
      switch (field)
        {
        case FIELD_SIZE:
        case FIELD_HAVE:
        case FIELD_AVAILABILITY:
        case FIELD_INFO_HASH_V1:
        case FIELD_INFO_HASH_V2:
        case FIELD_PIECES:
        case FIELD_PRIVATE:
        case FIELD_CREATOR:
        case FIELD_CREATED:
        case FIELD_COMMENT:
          return NULL;
        case FIELD_STATE:
        case FIELD_DOWNLOADED:
        case FIELD_UPLOADED:
        case FIELD_RATIO:
        case FIELD_ETA:
        case FIELD_LOCATION:
        case FIELD_ADDED:
        case FIELD_COMPLETED:
        case FIELD_NAME:
        case FIELD_INFO_HASH:
        case N_FIELDS:
        default:
          break;
        }
    }

  switch (field)
    {
    case FIELD_STATE:
      return format_state (torrent);
    case FIELD_SIZE:
      a = shoal_format_size (shoal_metainfo_get_content_size (info));
      if (shoal_torrent_get_size_wanted (torrent) == shoal_metainfo_get_content_size (info))
        return g_steal_pointer (&a);
      b = shoal_format_size (shoal_torrent_get_size_wanted (torrent));
      /* Translators: the torrent's size, then the size of the files to download */
      return g_strdup_printf (_("%s (%s wanted)"), a, b);
    case FIELD_HAVE:
      a = shoal_format_size (shoal_torrent_get_have_wanted (torrent));
      b = shoal_format_size (shoal_torrent_get_size_wanted (torrent));
      c = shoal_format_percent (shoal_torrent_get_progress (torrent));
      /* Translators: "1.5 GiB of 3 GiB (50.0 %)", the last %s is a percentage */
      return g_strdup_printf (_("%s of %s (%s)"), a, b, c);
    case FIELD_AVAILABILITY:
      return shoal_format_percent (availability (torrent));
    case FIELD_DOWNLOADED:
      return shoal_format_size (shoal_torrent_get_downloaded (torrent));
    case FIELD_UPLOADED:
      return shoal_format_size (shoal_torrent_get_uploaded (torrent));
    case FIELD_RATIO:
      return g_strdup_printf ("%.2f", shoal_torrent_get_ratio (torrent));
    case FIELD_ETA:
      if (shoal_torrent_get_eta (torrent) == 0)
        return g_strdup (_("Done"));
      if (shoal_torrent_get_eta (torrent) < 0)
        return g_strdup (_("Unknown"));
      return shoal_format_duration (shoal_torrent_get_eta (torrent));
    case FIELD_LOCATION:
      return g_strdup (shoal_torrent_get_save_dir (torrent));
    case FIELD_ADDED:
      return shoal_format_date (shoal_torrent_get_added_time (torrent));
    case FIELD_COMPLETED:
      return shoal_format_date (shoal_torrent_get_completed_time (torrent));
    case FIELD_NAME:
      return g_strdup (shoal_torrent_get_name (torrent));
    case FIELD_INFO_HASH:
      return g_strdup (shoal_torrent_get_info_hash_hex (torrent));
    case FIELD_INFO_HASH_V1:
      return shoal_metainfo_dup_info_hash_v1_hex (info);
    case FIELD_INFO_HASH_V2:
      return shoal_metainfo_dup_info_hash_v2_hex (info);
    case FIELD_PIECES:
      a = shoal_format_size (shoal_metainfo_get_piece_length (info));
      /* Translators: a number of pieces and their size, as "1200 × 256 KiB" */
      return g_strdup_printf (_("%u × %s"), shoal_metainfo_get_n_pieces (info), a);
    case FIELD_PRIVATE:
      return g_strdup (shoal_metainfo_is_private (info) ? _("Yes, peers only come from its trackers")
                                                         : _("No"));
    case FIELD_CREATOR:
      return g_strdup (shoal_metainfo_get_created_by (info));
    case FIELD_CREATED:
      if (shoal_metainfo_get_creation_date (info) <= 0)
        return NULL;
      return shoal_format_date (shoal_metainfo_get_creation_date (info));
    case FIELD_COMMENT:
      return g_strdup (shoal_metainfo_get_comment (info));
    case N_FIELDS:
    default:
      g_assert_not_reached ();
    }
}

static void
set_row_visible (ShoalGeneralPage *self,
                 Field             field,
                 gboolean          visible)
{
  gtk_widget_set_visible (self->keys[field], visible);
  gtk_widget_set_visible (GTK_WIDGET (self->values[field]), visible);
}

/* "Info Hash" alone before a magnet link's metadata is known and for v1
 * torrents; "Info Hash v1" and "Info Hash v2" for a hybrid; "Info Hash v2"
 * alone for a v2-only torrent. */
static void
update_info_hash_rows (ShoalGeneralPage *self)
{
  ShoalMetainfo *info = self->torrent != NULL ? shoal_torrent_get_metainfo (self->torrent) : NULL;
  ShoalTorrentVersion version = info != NULL ? shoal_metainfo_get_version (info) : SHOAL_TORRENT_VERSION_V1;

  set_row_visible (self, FIELD_INFO_HASH, version == SHOAL_TORRENT_VERSION_V1);
  set_row_visible (self, FIELD_INFO_HASH_V1, version == SHOAL_TORRENT_VERSION_HYBRID);
  set_row_visible (self, FIELD_INFO_HASH_V2, (version & SHOAL_TORRENT_VERSION_V2) != 0);
}

/**
 * shoal_general_page_update:
 * @self: a general page
 *
 * Reads the torrent's figures again. Runs every second while shown.
 */
void
shoal_general_page_update (ShoalGeneralPage *self)
{
  const GError *error;

  g_return_if_fail (SHOAL_IS_GENERAL_PAGE (self));

  update_info_hash_rows (self);
  for (guint i = 0; i < N_FIELDS; i++)
    {
      g_autofree char *text = self->torrent != NULL ? format_field (self->torrent, (Field) i) : NULL;
      const char *shown = text != NULL && *text != '\0' ? text : "—";

      /* Setting the same text would still reset a selection the user is
       * making to copy it. */
      if (g_strcmp0 (gtk_label_get_text (self->values[i]), shown) != 0)
        gtk_label_set_text (self->values[i], shown);
    }

  error = self->torrent != NULL ? shoal_torrent_get_error (self->torrent) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  if (error != NULL && g_strcmp0 (gtk_label_get_text (self->error_label), error->message) != 0)
    gtk_label_set_text (self->error_label, error->message);
}

static gboolean
update_idle_cb (gpointer user_data)
{
  ShoalGeneralPage *self = user_data;

  self->idle_id = 0;
  shoal_general_page_update (self);
  return G_SOURCE_REMOVE;
}

static void
torrent_notify_cb (ShoalGeneralPage *self)
{
  /* The engine notifies several properties in a row each second: one
   * update for all of them. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->idle_id == 0)
    self->idle_id = g_idle_add (update_idle_cb, self);
}

/**
 * shoal_general_page_set_torrent:
 * @self: a general page
 * @torrent: (nullable): the torrent to show
 */
void
shoal_general_page_set_torrent (ShoalGeneralPage *self,
                                ShoalTorrent     *torrent)
{
  g_return_if_fail (SHOAL_IS_GENERAL_PAGE (self));

  if (self->torrent != NULL)
    g_clear_signal_handler (&self->notify_id, self->torrent);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    self->notify_id = g_signal_connect_swapped (torrent, "notify", G_CALLBACK (torrent_notify_cb), self);
  shoal_general_page_update (self);
}

static gboolean
update_timeout_cb (gpointer user_data)
{
  shoal_general_page_update (SHOAL_GENERAL_PAGE (user_data));
  return G_SOURCE_CONTINUE;
}

static void
shoal_general_page_map (GtkWidget *widget)
{
  ShoalGeneralPage *self = SHOAL_GENERAL_PAGE (widget);

  GTK_WIDGET_CLASS (shoal_general_page_parent_class)->map (widget);

  /* The ETA and dates move without any property notification. */
  shoal_general_page_update (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, update_timeout_cb, self);
}

static void
shoal_general_page_unmap (GtkWidget *widget)
{
  ShoalGeneralPage *self = SHOAL_GENERAL_PAGE (widget);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);

  GTK_WIDGET_CLASS (shoal_general_page_parent_class)->unmap (widget);
}

static void
shoal_general_page_dispose (GObject *object)
{
  ShoalGeneralPage *self = SHOAL_GENERAL_PAGE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->torrent != NULL)
    g_clear_signal_handler (&self->notify_id, self->torrent);
  g_clear_object (&self->torrent);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_GENERAL_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (shoal_general_page_parent_class)->dispose (object);
}

static void
shoal_general_page_class_init (ShoalGeneralPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_general_page_dispose;
  widget_class->map = shoal_general_page_map;
  widget_class->unmap = shoal_general_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-general-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalGeneralPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalGeneralPage, transfer_grid);
  gtk_widget_class_bind_template_child (widget_class, ShoalGeneralPage, torrent_grid);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

/* Only the long texts wrap. A wrapping label is shaped again for each
 * width its grid tries (its minimum, natural and height-for-width) each
 * time its text changes; the short figures, which change every second,
 * stay on one line and are shaped once. They are ellipsized only when the
 * pane is narrower than they are. */
static gboolean
field_wraps (Field field)
{
  switch (field)
    {
    case FIELD_LOCATION:
    case FIELD_NAME:
    case FIELD_INFO_HASH:
    case FIELD_INFO_HASH_V1:
    case FIELD_INFO_HASH_V2:
    case FIELD_PRIVATE:
    case FIELD_CREATOR:
    case FIELD_COMMENT:
      return TRUE;
    case FIELD_STATE:
    case FIELD_SIZE:
    case FIELD_HAVE:
    case FIELD_AVAILABILITY:
    case FIELD_DOWNLOADED:
    case FIELD_UPLOADED:
    case FIELD_RATIO:
    case FIELD_ETA:
    case FIELD_ADDED:
    case FIELD_COMPLETED:
    case FIELD_PIECES:
    case FIELD_CREATED:
    case N_FIELDS:
    default:
      return FALSE;
    }
}

static void
shoal_general_page_init (ShoalGeneralPage *self)
{
  g_autoptr(GtkSizeGroup) keys = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);
  int rows[2] = { 0, 0 };

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      GtkGrid *grid = fields[i].torrent_group ? self->torrent_grid : self->transfer_grid;
      int *row = &rows[fields[i].torrent_group];
      GtkWidget *key = gtk_label_new (_(fields[i].label));
      GtkWidget *value = gtk_label_new ("—");

      gtk_label_set_xalign (GTK_LABEL (key), 1);
      gtk_widget_set_valign (key, GTK_ALIGN_START);
      gtk_widget_add_css_class (key, "dim-label");
      /* Both grids line their values up */
      gtk_size_group_add_widget (keys, key);

      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_selectable (GTK_LABEL (value), TRUE);
      if (field_wraps (fields[i].field))
        {
          gtk_label_set_wrap (GTK_LABEL (value), TRUE);
          gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
        }
      else
        gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (value, TRUE);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (value),
                                      GTK_ACCESSIBLE_RELATION_LABELLED_BY, key, NULL,
                                      -1);
      if (fields[i].field == FIELD_INFO_HASH || fields[i].field == FIELD_INFO_HASH_V1 ||
          fields[i].field == FIELD_INFO_HASH_V2)
        gtk_widget_add_css_class (value, "monospace");

      gtk_grid_attach (grid, key, 0, *row, 1, 1);
      gtk_grid_attach (grid, value, 1, *row, 1, 1);
      (*row)++;
      self->keys[fields[i].field] = key;
      self->values[fields[i].field] = GTK_LABEL (value);
    }
  update_info_hash_rows (self);
}
