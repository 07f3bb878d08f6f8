/* shoal-options-page.c: a torrent's own options, over the session's
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each option has a switch: off, the torrent follows the session's
 * setting (no speed limit of its own, the global seeding limits, the
 * maximum of peers for each torrent); on, the value beside it is the
 * torrent's. A seeding limit's switch shows the engine's mode for it
 * (shoal_torrent_get_seed_ratio_mode()…): on for a limit of the torrent's
 * own, even one equal to the session's, or none of its own. Every change
 * reaches the engine at once; the page reads the torrent again whenever
 * it is given one or shown.
 */

#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "shoal-details-view.h"
#include "shoal-options-page.h"

struct _ShoalOptionsPage
{
  GtkWidget       parent_instance;

  ShoalTorrent   *torrent;
  gboolean        loading;

  GtkSwitch      *download_switch;
  GtkSpinButton  *download_spin;
  GtkSwitch      *upload_switch;
  GtkSpinButton  *upload_spin;
  GtkSwitch      *ratio_switch;
  GtkSpinButton  *ratio_spin;
  GtkSwitch      *time_switch;
  GtkSpinButton  *time_spin;
  GtkSwitch      *peers_switch;
  GtkSpinButton  *peers_spin;
  GtkSwitch      *sequential_switch;
  GtkSwitch      *first_last_switch;
  GtkSwitch      *stream_switch;
  AdwEntryRow    *labels_row;
};

G_DEFINE_FINAL_TYPE (ShoalOptionsPage, shoal_options_page, GTK_TYPE_WIDGET)

#define KIB 1024

/**
 * shoal_options_page_new:
 *
 * Returns: (transfer full): a new #ShoalOptionsPage
 */
ShoalOptionsPage *
shoal_options_page_new (void)
{
  return g_object_new (SHOAL_TYPE_OPTIONS_PAGE, NULL);
}

static void
session_limits (ShoalTorrent *torrent,
                double       *ratio,
                gint64       *seconds,
                guint        *peers)
{
  ShoalSession *session = shoal_torrent_get_session (torrent);

  *ratio = 0;
  *seconds = 0;
  *peers = 0;
  if (session != NULL)
    g_object_get (session,
                  "seed-ratio-limit", ratio,
                  "seed-time-limit", seconds,
                  "max-connections-per-torrent", peers,
                  NULL);
}

static void
load_limit (GtkSwitch     *toggle,
            GtkSpinButton *spin,
            guint64        bytes_per_second)
{
  gtk_switch_set_active (toggle, bytes_per_second > 0);
  if (bytes_per_second > 0)
    gtk_spin_button_set_value (spin, (double) MAX (bytes_per_second / KIB, 1));
}

static void
load (ShoalOptionsPage *self)
{
  ShoalTorrent *t = self->torrent;
  double session_ratio, ratio;
  gint64 session_seconds, seconds;
  guint session_peers;

  gtk_widget_set_sensitive (GTK_WIDGET (self), t != NULL);
  if (t == NULL)
    return;

  self->loading = TRUE;
  session_limits (t, &session_ratio, &session_seconds, &session_peers);

  load_limit (self->download_switch, self->download_spin, shoal_torrent_get_download_limit (t));
  load_limit (self->upload_switch, self->upload_spin, shoal_torrent_get_upload_limit (t));

  ratio = shoal_torrent_get_seed_ratio_limit (t);
  gtk_switch_set_active (self->ratio_switch, shoal_torrent_get_seed_ratio_mode (t) != SHOAL_SEED_LIMIT_MODE_GLOBAL);
  gtk_spin_button_set_value (self->ratio_spin, MAX (ratio, 0));
  seconds = shoal_torrent_get_seed_time_limit (t);
  gtk_switch_set_active (self->time_switch, shoal_torrent_get_seed_time_mode (t) != SHOAL_SEED_LIMIT_MODE_GLOBAL);
  gtk_spin_button_set_value (self->time_spin, (double) (MAX (seconds, 0) / 60));

  gtk_switch_set_active (self->peers_switch, shoal_torrent_get_max_connections (t) != session_peers);
  gtk_spin_button_set_value (self->peers_spin, shoal_torrent_get_max_connections (t));

  gtk_switch_set_active (self->sequential_switch, shoal_torrent_get_sequential (t));
  gtk_switch_set_active (self->first_last_switch, shoal_torrent_get_first_last_pieces (t));
  gtk_switch_set_active (self->stream_switch, shoal_torrent_get_stream_piece (t) >= 0);
  {
    g_autofree char *labels = g_strjoinv (", ", (char **) shoal_torrent_get_labels (t));

    gtk_editable_set_text (GTK_EDITABLE (self->labels_row), labels);
  }
  self->loading = FALSE;
}

/* The labels as typed, comma-separated: the engine drops empty ones and
 * repeats, and keeps at most SHOAL_TORRENT_MAX_LABELS. */
static void
labels_apply_cb (ShoalOptionsPage *self)
{
  g_auto(GStrv) labels = NULL;

  if (self->torrent == NULL)
    return;
  labels = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->labels_row)), ",", SHOAL_TORRENT_MAX_LABELS + 1);
  /* Trimmed here: the engine finds repeats among the strings as given */
  for (guint i = 0; labels[i] != NULL; i++)
    g_strstrip (labels[i]);
  shoal_torrent_set_labels (self->torrent, (const char * const *) labels);
}

/* The spin buttons hold KiB/s, ratios and minutes. */
static guint64
limit_of (GtkSwitch     *toggle,
          GtkSpinButton *spin)
{
  if (!gtk_switch_get_active (toggle))
    return 0;
  return (guint64) gtk_spin_button_get_value_as_int (spin) * KIB;
}

static void
changed_cb (ShoalOptionsPage *self)
{
  ShoalTorrent *t = self->torrent;
  double session_ratio;
  gint64 session_seconds;
  guint session_peers;
  gboolean flag;

  if (self->loading || t == NULL)
    return;
  session_limits (t, &session_ratio, &session_seconds, &session_peers);

  shoal_torrent_set_download_limit (t, limit_of (self->download_switch, self->download_spin));
  shoal_torrent_set_upload_limit (t, limit_of (self->upload_switch, self->upload_spin));

  /* Resetting forgets both seeding limits: each switch on sets its own
   * over the session's again. */
  shoal_torrent_reset_seed_limits (t, session_ratio, session_seconds);
  if (gtk_switch_get_active (self->ratio_switch))
    shoal_torrent_set_seed_ratio_limit (t, gtk_spin_button_get_value (self->ratio_spin));
  if (gtk_switch_get_active (self->time_switch))
    shoal_torrent_set_seed_time_limit (t, (gint64) gtk_spin_button_get_value_as_int (self->time_spin) * 60);

  shoal_torrent_set_max_connections (t, gtk_switch_get_active (self->peers_switch)
                                          ? (guint) gtk_spin_button_get_value_as_int (self->peers_spin) : 0);

  /* Each of these orders the pieces again: only when it changes. */
  flag = gtk_switch_get_active (self->sequential_switch);
  if (flag != shoal_torrent_get_sequential (t))
    shoal_torrent_set_sequential (t, flag);
  flag = gtk_switch_get_active (self->first_last_switch);
  if (flag != shoal_torrent_get_first_last_pieces (t))
    shoal_torrent_set_first_last_pieces (t, flag);
  flag = gtk_switch_get_active (self->stream_switch);
  if (flag != (shoal_torrent_get_stream_piece (t) >= 0))
    shoal_torrent_set_stream_piece (t, flag ? 0 : -1);
}

/**
 * shoal_options_page_set_torrent:
 * @self: an options page
 * @torrent: (nullable): the torrent whose options to show and change
 */
void
shoal_options_page_set_torrent (ShoalOptionsPage *self,
                                ShoalTorrent     *torrent)
{
  g_return_if_fail (SHOAL_IS_OPTIONS_PAGE (self));
  g_return_if_fail (torrent == NULL || SHOAL_IS_TORRENT (torrent));

  g_set_object (&self->torrent, torrent);
  load (self);
}

static void
shoal_options_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (shoal_options_page_parent_class)->map (widget);
  /* Changed elsewhere meanwhile (the remote interface, the CLI) */
  load (SHOAL_OPTIONS_PAGE (widget));
}

static void
shoal_options_page_dispose (GObject *object)
{
  ShoalOptionsPage *self = SHOAL_OPTIONS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_OPTIONS_PAGE);
  shoal_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->torrent);

  G_OBJECT_CLASS (shoal_options_page_parent_class)->dispose (object);
}

static void
shoal_options_page_class_init (ShoalOptionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_options_page_dispose;
  widget_class->map = shoal_options_page_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/details/shoal-options-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, ShoalOptionsPage, name)
  BIND (download_switch);
  BIND (download_spin);
  BIND (upload_switch);
  BIND (upload_spin);
  BIND (ratio_switch);
  BIND (ratio_spin);
  BIND (time_switch);
  BIND (time_spin);
  BIND (peers_switch);
  BIND (peers_spin);
  BIND (sequential_switch);
  BIND (first_last_switch);
  BIND (stream_switch);
  BIND (labels_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, labels_apply_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
shoal_options_page_init (ShoalOptionsPage *self)
{
  self->loading = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_spin_button_set_value (self->download_spin, 1000);
  gtk_spin_button_set_value (self->upload_spin, 100);
  gtk_spin_button_set_value (self->peers_spin, 50);
  self->loading = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
}
