/* shoal-torrent-row.c: one line of the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine notifies only a few torrent properties (rates, progress,
 * state…); the list also shows values it computes on demand (size wanted,
 * ETA, ratio, added time). A row keeps a cached copy of every value the
 * list shows or sorts on, as numbers and as text, and notifies a property
 * only when its value really changed, so that bound labels and sorters
 * do no work for nothing.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-torrent-row.h"

struct _ShoalTorrentRow
{
  GObject            parent_instance;

  ShoalAppTorrent   *torrent;

  char              *name;
  gboolean           has_metainfo;
  guint64            size;
  double             progress;
  ShoalTorrentState  state;
  char              *status_text;
  guint64            download_rate;
  guint64            upload_rate;
  gint64             eta;
  double             ratio;
  guint              peers;
  gint64             added;

  char              *size_text;
  char              *progress_text;
  char              *download_rate_text;
  char              *upload_rate_text;
  char              *eta_text;
  char              *ratio_text;
  char              *peers_text;
  char              *added_text;
  char              *summary_text;
};

G_DEFINE_FINAL_TYPE (ShoalTorrentRow, shoal_torrent_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TORRENT,
  PROP_ITEM,
  PROP_NAME,
  PROP_SIZE,
  PROP_SIZE_TEXT,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_STATE,
  PROP_STATUS_TEXT,
  PROP_DOWNLOAD_RATE,
  PROP_DOWNLOAD_RATE_TEXT,
  PROP_UPLOAD_RATE,
  PROP_UPLOAD_RATE_TEXT,
  PROP_ETA,
  PROP_ETA_TEXT,
  PROP_RATIO,
  PROP_RATIO_TEXT,
  PROP_PEERS,
  PROP_PEERS_TEXT,
  PROP_ADDED,
  PROP_ADDED_TEXT,
  PROP_SUMMARY_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * shoal_torrent_row_new:
 * @torrent: the torrent to show
 *
 * Returns: (transfer full): a row with its values read from @torrent
 */
ShoalTorrentRow *
shoal_torrent_row_new (ShoalAppTorrent *torrent)
{
  g_return_val_if_fail (SHOAL_IS_APP_TORRENT (torrent), NULL);

  return g_object_new (SHOAL_TYPE_TORRENT_ROW, "item", torrent, NULL);
}

/**
 * shoal_torrent_row_get_torrent:
 * @self: a row
 *
 * Returns: (transfer none) (nullable): the torrent the row shows, when it
 *   is one of this computer's session; %NULL for a remote one
 */
ShoalTorrent *
shoal_torrent_row_get_torrent (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), NULL);
  return shoal_app_torrent_get_local (self->torrent);
}

/**
 * shoal_torrent_row_get_item:
 * @self: a row
 *
 * Returns: (transfer none): the torrent the row shows, local or remote
 */
ShoalAppTorrent *
shoal_torrent_row_get_item (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), NULL);
  return self->torrent;
}

const char *
shoal_torrent_row_get_name (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), NULL);
  return self->name;
}

ShoalTorrentState
shoal_torrent_row_get_state (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), SHOAL_TORRENT_STATE_PAUSED);
  return self->state;
}

double
shoal_torrent_row_get_progress (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), 0.0);
  return self->progress;
}

/**
 * shoal_torrent_row_get_summary_text:
 * @self: a row
 *
 * Returns: (transfer none): the row's status line, as "12.3 MiB of
 *   300 MiB · ↓ 2.1 MiB/s · 4 min left"
 */
const char *
shoal_torrent_row_get_summary_text (ShoalTorrentRow *self)
{
  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), NULL);
  return self->summary_text;
}

/* Each setter takes ownership of @text and reports whether it changed. */
static gboolean
set_text (ShoalTorrentRow *self,
          char           **field,
          char            *text,
          guint            prop)
{
  if (g_strcmp0 (*field, text) == 0)
    {
      g_free (text);
      return FALSE;
    }
  g_free (*field);
  *field = text;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_u64 (ShoalTorrentRow *self,
         guint64         *field,
         guint64          value,
         guint            prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_i64 (ShoalTorrentRow *self,
         gint64          *field,
         gint64           value,
         guint            prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_double (ShoalTorrentRow *self,
            double          *field,
            double           value,
            guint            prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static char *
dup_status_text (ShoalAppTorrent *torrent)
{
  ShoalTorrentState state = shoal_app_torrent_get_state (torrent);
  const char *error;

  switch (state)
    {
    case SHOAL_TORRENT_STATE_ERROR:
      error = shoal_app_torrent_get_error_message (torrent);
      if (error != NULL)
        /* Translators: the status of a torrent that stopped, %s says why */
        return g_strdup_printf (_("Error: %s"), error);
      break;
    case SHOAL_TORRENT_STATE_CHECKING:
      {
        g_autofree char *percent = shoal_format_percent (shoal_app_torrent_get_check_progress (torrent));

        /* Translators: the status of a torrent whose data is being
         * verified; %s is a percentage, as "45.2 %" */
        return g_strdup_printf (_("Checking (%s)"), percent);
      }
    case SHOAL_TORRENT_STATE_PAUSED:
    case SHOAL_TORRENT_STATE_DOWNLOADING:
    case SHOAL_TORRENT_STATE_SEEDING:
    case SHOAL_TORRENT_STATE_FINISHED:
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
    case SHOAL_TORRENT_STATE_QUEUED:
    default:
      break;
    }
  return g_strdup (shoal_torrent_state_label (state));
}

/* Idle columns stay quiet: no "0 B/s" on every paused line. */
static char *
dup_rate_text (guint64 rate)
{
  return rate > 0 ? shoal_format_rate (rate) : g_strdup ("");
}

static char *
dup_added_text (gint64 added)
{
  if (added <= 0)
    return g_strdup ("");
  return shoal_format_date (added);
}

/* The one status line of a row in the list, as "12.3 MiB of 300 MiB ·
 * ↓ 2.1 MiB/s · 4 min left": what a person wants to know of the torrent
 * in its state, and nothing that is zero. */
static char *
dup_summary_text (ShoalTorrentRow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *size = NULL;
  /* Translators: the separator between the parts of a torrent's status line */
  const char *sep = _(" · ");

  switch (self->state)
    {
    case SHOAL_TORRENT_STATE_ERROR:
    case SHOAL_TORRENT_STATE_CHECKING:
    case SHOAL_TORRENT_STATE_FETCHING_METADATA:
      g_string_append (text, self->status_text);
      break;
    case SHOAL_TORRENT_STATE_DOWNLOADING:
    case SHOAL_TORRENT_STATE_PAUSED:
    case SHOAL_TORRENT_STATE_QUEUED:
      {
        g_autofree char *have = shoal_format_size ((guint64) ((double) self->size * MAX (self->progress, 0.0)));

        size = shoal_format_size (self->size);
        /* Translators: how much of a torrent is here, as "12.3 MiB of 300 MiB" */
        g_string_append_printf (text, _("%s of %s"), have, size);
        if (self->state == SHOAL_TORRENT_STATE_PAUSED || self->state == SHOAL_TORRENT_STATE_QUEUED)
          g_string_append_printf (text, "%s%s", sep, shoal_torrent_state_label (self->state));
      }
      break;
    case SHOAL_TORRENT_STATE_SEEDING:
    case SHOAL_TORRENT_STATE_FINISHED:
    default:
      size = shoal_format_size (self->size);
      g_string_append (text, size);
      g_string_append_printf (text, "%s%s", sep, shoal_torrent_state_label (self->state));
      break;
    }

  if (self->state == SHOAL_TORRENT_STATE_ERROR || self->state == SHOAL_TORRENT_STATE_PAUSED ||
      self->state == SHOAL_TORRENT_STATE_QUEUED || self->state == SHOAL_TORRENT_STATE_CHECKING)
    return g_string_free (g_steal_pointer (&text), FALSE);

  if (self->download_rate > 0)
    /* Translators: a download rate in a torrent's status line */
    g_string_append_printf (text, _("%s↓ %s"), sep, self->download_rate_text);
  if (self->upload_rate > 0)
    /* Translators: an upload rate in a torrent's status line */
    g_string_append_printf (text, _("%s↑ %s"), sep, self->upload_rate_text);
  if (self->state == SHOAL_TORRENT_STATE_DOWNLOADING && self->eta > 0 && self->eta != G_MAXINT64)
    {
      g_autofree char *eta = shoal_format_eta (self->eta);

      g_string_append_printf (text, "%s%s", sep, eta);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * shoal_torrent_row_refresh:
 * @self: a row
 *
 * Reads every shown value from the torrent again, notifying those that
 * changed.
 *
 * Returns: %TRUE if any value changed, so the list may have to sort or
 *   filter the row again
 */
gboolean
shoal_torrent_row_refresh (ShoalTorrentRow *self)
{
  ShoalAppTorrent *t;
  gboolean changed = FALSE;
  guint64 size, down, up;
  double progress, ratio;
  gint64 eta;
  guint peers;
  ShoalTorrentState state;
  gboolean has_metainfo;

  g_return_val_if_fail (SHOAL_IS_TORRENT_ROW (self), FALSE);

  t = self->torrent;

  changed |= set_text (self, &self->name, g_strdup (shoal_app_torrent_get_name (t)), PROP_NAME);

  /* A magnet link's size is unknown until its metadata arrives, which
   * is not the same as an empty torrent. */
  size = shoal_app_torrent_get_size_wanted (t);
  has_metainfo = shoal_app_torrent_has_metainfo (t);
  if (set_u64 (self, &self->size, size, PROP_SIZE) || self->size_text == NULL ||
      self->has_metainfo != has_metainfo)
    {
      self->has_metainfo = has_metainfo;
      set_text (self, &self->size_text, has_metainfo ? shoal_format_size (size) : g_strdup (_("Unknown")),
                PROP_SIZE_TEXT);
      changed = TRUE;
    }

  progress = shoal_app_torrent_get_progress (t);
  if (set_double (self, &self->progress, progress, PROP_PROGRESS) || self->progress_text == NULL)
    {
      /* Translators: a download's progress in percent */
      set_text (self, &self->progress_text, shoal_format_percent (progress), PROP_PROGRESS_TEXT);
      changed = TRUE;
    }

  state = shoal_app_torrent_get_state (t);
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      changed = TRUE;
    }
  changed |= set_text (self, &self->status_text, dup_status_text (t), PROP_STATUS_TEXT);

  down = shoal_app_torrent_get_download_rate (t);
  if (set_u64 (self, &self->download_rate, down, PROP_DOWNLOAD_RATE) || self->download_rate_text == NULL)
    {
      set_text (self, &self->download_rate_text, dup_rate_text (down), PROP_DOWNLOAD_RATE_TEXT);
      changed = TRUE;
    }

  up = shoal_app_torrent_get_upload_rate (t);
  if (set_u64 (self, &self->upload_rate, up, PROP_UPLOAD_RATE) || self->upload_rate_text == NULL)
    {
      set_text (self, &self->upload_rate_text, dup_rate_text (up), PROP_UPLOAD_RATE_TEXT);
      changed = TRUE;
    }

  /* Unknown ETAs sort after every known one. */
  eta = shoal_app_torrent_get_eta (t);
  if (eta < 0)
    eta = G_MAXINT64;
  if (set_i64 (self, &self->eta, eta, PROP_ETA) || self->eta_text == NULL)
    {
      set_text (self, &self->eta_text, eta > 0 && eta != G_MAXINT64 ? shoal_format_duration (eta) : g_strdup (""), PROP_ETA_TEXT);
      changed = TRUE;
    }

  ratio = shoal_app_torrent_get_ratio (t);
  if (set_double (self, &self->ratio, ratio, PROP_RATIO) || self->ratio_text == NULL)
    {
      set_text (self, &self->ratio_text, g_strdup_printf ("%.2f", ratio), PROP_RATIO_TEXT);
      changed = TRUE;
    }

  peers = shoal_app_torrent_get_n_peers (t);
  if (self->peers != peers || self->peers_text == NULL)
    {
      self->peers = peers;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEERS]);
      set_text (self, &self->peers_text, g_strdup_printf ("%u", peers), PROP_PEERS_TEXT);
      changed = TRUE;
    }

  if (set_i64 (self, &self->added, shoal_app_torrent_get_added_time (t), PROP_ADDED) || self->added_text == NULL)
    {
      set_text (self, &self->added_text, dup_added_text (self->added), PROP_ADDED_TEXT);
      changed = TRUE;
    }

  if (changed || self->summary_text == NULL)
    set_text (self, &self->summary_text, dup_summary_text (self), PROP_SUMMARY_TEXT);

  return changed;
}

static void
shoal_torrent_row_constructed (GObject *object)
{
  ShoalTorrentRow *self = SHOAL_TORRENT_ROW (object);

  G_OBJECT_CLASS (shoal_torrent_row_parent_class)->constructed (object);

  g_assert (self->torrent != NULL);
  /* The cached state starts as something the torrent cannot be in yet
   * compare as different, so the first refresh fills every field. */
  self->state = (ShoalTorrentState) -1;
  self->eta = -1;
  self->progress = -1.0;
  self->ratio = -1.0;
  self->added = -1;
  shoal_torrent_row_refresh (self);
}

static void
shoal_torrent_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ShoalTorrentRow *self = SHOAL_TORRENT_ROW (object);

  switch (prop_id)
    {
    case PROP_TORRENT:
      g_value_set_object (value, shoal_app_torrent_get_local (self->torrent));
      break;
    case PROP_ITEM:
      g_value_set_object (value, self->torrent);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_SIZE_TEXT:
      g_value_set_string (value, self->size_text);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, self->progress_text);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATUS_TEXT:
      g_value_set_string (value, self->status_text);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_uint64 (value, self->download_rate);
      break;
    case PROP_DOWNLOAD_RATE_TEXT:
      g_value_set_string (value, self->download_rate_text);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_uint64 (value, self->upload_rate);
      break;
    case PROP_UPLOAD_RATE_TEXT:
      g_value_set_string (value, self->upload_rate_text);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_ETA_TEXT:
      g_value_set_string (value, self->eta_text);
      break;
    case PROP_RATIO:
      g_value_set_double (value, self->ratio);
      break;
    case PROP_RATIO_TEXT:
      g_value_set_string (value, self->ratio_text);
      break;
    case PROP_PEERS:
      g_value_set_uint (value, self->peers);
      break;
    case PROP_PEERS_TEXT:
      g_value_set_string (value, self->peers_text);
      break;
    case PROP_ADDED:
      g_value_set_int64 (value, self->added);
      break;
    case PROP_ADDED_TEXT:
      g_value_set_string (value, self->added_text);
      break;
    case PROP_SUMMARY_TEXT:
      g_value_set_string (value, self->summary_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ShoalTorrentRow *self = SHOAL_TORRENT_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      self->torrent = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_torrent_row_finalize (GObject *object)
{
  ShoalTorrentRow *self = SHOAL_TORRENT_ROW (object);

  g_clear_object (&self->torrent);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->status_text, g_free);
  g_clear_pointer (&self->size_text, g_free);
  g_clear_pointer (&self->progress_text, g_free);
  g_clear_pointer (&self->download_rate_text, g_free);
  g_clear_pointer (&self->upload_rate_text, g_free);
  g_clear_pointer (&self->eta_text, g_free);
  g_clear_pointer (&self->ratio_text, g_free);
  g_clear_pointer (&self->peers_text, g_free);
  g_clear_pointer (&self->added_text, g_free);
  g_clear_pointer (&self->summary_text, g_free);

  G_OBJECT_CLASS (shoal_torrent_row_parent_class)->finalize (object);
}

static void
shoal_torrent_row_class_init (ShoalTorrentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = shoal_torrent_row_constructed;
  object_class->get_property = shoal_torrent_row_get_property;
  object_class->set_property = shoal_torrent_row_set_property;
  object_class->finalize = shoal_torrent_row_finalize;

  properties[PROP_TORRENT] = g_param_spec_object ("torrent", NULL, NULL, SHOAL_TYPE_TORRENT, ro);
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, SHOAL_TYPE_APP_TORRENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_SIZE_TEXT] = g_param_spec_string ("size-text", NULL, NULL, NULL, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, 0.0, ro);
  properties[PROP_PROGRESS_TEXT] = g_param_spec_string ("progress-text", NULL, NULL, NULL, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_TORRENT_STATE,
                                              SHOAL_TORRENT_STATE_PAUSED, ro);
  properties[PROP_STATUS_TEXT] = g_param_spec_string ("status-text", NULL, NULL, NULL, ro);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_uint64 ("download-rate", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_DOWNLOAD_RATE_TEXT] = g_param_spec_string ("download-rate-text", NULL, NULL, NULL, ro);
  properties[PROP_UPLOAD_RATE] = g_param_spec_uint64 ("upload-rate", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_UPLOAD_RATE_TEXT] = g_param_spec_string ("upload-rate-text", NULL, NULL, NULL, ro);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_ETA_TEXT] = g_param_spec_string ("eta-text", NULL, NULL, NULL, ro);
  properties[PROP_RATIO] = g_param_spec_double ("ratio", NULL, NULL, -1.0, G_MAXDOUBLE, 0.0, ro);
  properties[PROP_RATIO_TEXT] = g_param_spec_string ("ratio-text", NULL, NULL, NULL, ro);
  properties[PROP_PEERS] = g_param_spec_uint ("peers", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PEERS_TEXT] = g_param_spec_string ("peers-text", NULL, NULL, NULL, ro);
  properties[PROP_ADDED] = g_param_spec_int64 ("added", NULL, NULL, -1, G_MAXINT64, 0, ro);
  properties[PROP_ADDED_TEXT] = g_param_spec_string ("added-text", NULL, NULL, NULL, ro);
  properties[PROP_SUMMARY_TEXT] = g_param_spec_string ("summary-text", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_torrent_row_init (ShoalTorrentRow *self)
{
}
