/* shoal-remote-details.c: the details of a torrent of a remote session
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the Transmission RPC tells of one torrent, on one page: its
 * state and numbers (from the session's polling, through ShoalAppTorrent),
 * its speed limits and labels (changed with torrent-set), and its files
 * (wanted or not, with a priority), peers and trackers, asked for with
 * torrent-get every two seconds while the page is on screen. The pieces
 * map and the transfer graph of this computer's torrents need the
 * engine's own data: a server's torrents have neither.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-format.h"
#include "shoal-remote-details.h"

#define FETCH_SECONDS 2
/* A server may list any number of these: the page shows this many. */
#define MAX_FILES 1000
#define MAX_PEERS 200
#define MAX_TRACKERS 100

struct _ShoalRemoteDetails
{
  AdwBin                 parent_instance;

  ShoalAppRemoteTorrent *torrent;
  GCancellable          *cancellable;
  guint                  fetch_id;
  gboolean               fetching;
  gboolean               updating;    /* values being shown, not changed by the user */

  AdwActionRow          *status_row;
  AdwActionRow          *size_row;
  AdwActionRow          *ratio_row;
  AdwActionRow          *folder_row;
  GtkSpinButton         *download_limit;
  GtkSpinButton         *upload_limit;
  AdwEntryRow           *labels_row;
  AdwPreferencesGroup   *files_group;
  AdwPreferencesGroup   *peers_group;
  AdwPreferencesGroup   *trackers_group;
  GPtrArray             *file_rows;
  GPtrArray             *peer_rows;
  GPtrArray             *tracker_rows;
};

G_DEFINE_FINAL_TYPE (ShoalRemoteDetails, shoal_remote_details, ADW_TYPE_BIN)

/* Values of torrent-get, as the RPC client turns JSON into a vardict */

static gint64
lookup_int (GVariant   *dict,
            const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);

  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return (gint64) g_variant_get_double (v);
  if (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  return 0;
}

static char *
lookup_string (GVariant   *dict,
               const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_STRING);

  return v != NULL ? g_variant_dup_string (v, NULL) : g_strdup ("");
}

/* The i-th object of an array member, or NULL */
static GVariant *
array_object (GVariant   *dict,
              const char *key,
              gsize       i)
{
  g_autoptr(GVariant) array = g_variant_lookup_value (dict, key, NULL);
  g_autoptr(GVariant) child = NULL;

  if (array == NULL || !g_variant_is_container (array) || i >= g_variant_n_children (array))
    return NULL;
  child = g_variant_get_child_value (array, i);
  if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (child);

      g_variant_unref (child);
      child = inner;
    }
  return g_variant_is_of_type (child, G_VARIANT_TYPE_VARDICT) ? g_steal_pointer (&child) : NULL;
}

static gsize
array_length (GVariant   *dict,
              const char *key)
{
  g_autoptr(GVariant) array = g_variant_lookup_value (dict, key, NULL);

  return array != NULL && g_variant_is_container (array) ? g_variant_n_children (array) : 0;
}

/* Rows */

static AdwActionRow *
value_row (AdwPreferencesGroup *group,
           const char          *title)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_group_add (group, row);
  return ADW_ACTION_ROW (row);
}

/* Keeps @n rows in @group (made with @make), returning them. */
static void
resize_rows (AdwPreferencesGroup *group,
             GPtrArray           *rows,
             guint                n,
             GtkWidget        *(*make) (ShoalRemoteDetails *self),
             ShoalRemoteDetails  *self)
{
  while (rows->len > n)
    {
      adw_preferences_group_remove (group, g_ptr_array_index (rows, rows->len - 1));
      g_ptr_array_remove_index (rows, rows->len - 1);
    }
  while (rows->len < n)
    {
      GtkWidget *row = make (self);

      adw_preferences_group_add (group, row);
      g_ptr_array_add (rows, row);
    }
}

static GtkWidget *
make_plain_row (ShoalRemoteDetails *self)
{
  GtkWidget *row = adw_action_row_new ();

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  return row;
}

static void
wanted_toggled_cb (GtkSwitch          *toggle,
                   GParamSpec         *pspec,
                   ShoalRemoteDetails *self)
{
  g_autoptr(ShoalAppRemoteSession) session = NULL;
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (toggle), "index"));

  if (self->updating || self->torrent == NULL ||
      (session = shoal_app_remote_torrent_dup_session (self->torrent)) == NULL)
    return;
  shoal_app_remote_session_call (session, "torrent-set",
                                 g_variant_new_parsed ("{'ids': <[%i]>, %s: <[%i]>}",
                                                       shoal_app_remote_torrent_get_id (self->torrent),
                                                       gtk_switch_get_active (toggle) ? "files-wanted"
                                                                                      : "files-unwanted",
                                                       index));
}

static void
priority_selected_cb (GtkDropDown        *drop_down,
                      GParamSpec         *pspec,
                      ShoalRemoteDetails *self)
{
  static const char *keys[] = { "priority-low", "priority-normal", "priority-high" };
  g_autoptr(ShoalAppRemoteSession) session = NULL;
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (drop_down), "index"));
  guint selected = gtk_drop_down_get_selected (drop_down);

  if (self->updating || self->torrent == NULL || selected >= G_N_ELEMENTS (keys) ||
      (session = shoal_app_remote_torrent_dup_session (self->torrent)) == NULL)
    return;
  shoal_app_remote_session_call (session, "torrent-set",
                                 g_variant_new_parsed ("{'ids': <[%i]>, %s: <[%i]>}",
                                                       shoal_app_remote_torrent_get_id (self->torrent),
                                                       keys[selected], index));
}

static GtkWidget *
make_file_row (ShoalRemoteDetails *self)
{
  GtkWidget *row = adw_action_row_new ();
  const char *priorities[] = { _("Low"), _("Normal"), _("High"), NULL };
  GtkWidget *priority = gtk_drop_down_new_from_strings (priorities);
  GtkWidget *wanted = gtk_switch_new ();

  gtk_widget_set_valign (priority, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (wanted, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (priority, _("Priority"));
  gtk_widget_set_tooltip_text (wanted, _("Download"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), priority);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), wanted);
  g_object_set_data (G_OBJECT (row), "priority", priority);
  g_object_set_data (G_OBJECT (row), "wanted", wanted);
  g_signal_connect_object (wanted, "notify::active", G_CALLBACK (wanted_toggled_cb), self, 0);
  g_signal_connect_object (priority, "notify::selected", G_CALLBACK (priority_selected_cb), self, 0);
  return row;
}

static void
show_files (ShoalRemoteDetails *self,
            GVariant           *t)
{
  guint n = (guint) MIN (array_length (t, "files"), MAX_FILES);
  g_autoptr(GVariant) wanted = g_variant_lookup_value (t, "wanted", NULL);
  g_autoptr(GVariant) priorities = g_variant_lookup_value (t, "priorities", NULL);

  resize_rows (self->files_group, self->file_rows, n, make_file_row, self);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->file_rows, i);
      g_autoptr(GVariant) file = array_object (t, "files", i);
      g_autofree char *name = file != NULL ? lookup_string (file, "name") : g_strdup ("");
      gint64 length = file != NULL ? MAX (lookup_int (file, "length"), 0) : 0;
      gint64 done = file != NULL ? MAX (lookup_int (file, "bytesCompleted"), 0) : 0;
      g_autofree char *size = shoal_format_size ((guint64) length);
      g_autofree char *percent = shoal_format_percent (length > 0 ? (double) done / (double) length : 1.0);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", size, percent);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (wanted != NULL && g_variant_is_container (wanted) && i < g_variant_n_children (wanted))
        {
          g_autoptr(GVariant) w = g_variant_get_child_value (wanted, i);
          g_autoptr(GVariant) inner = g_variant_is_of_type (w, G_VARIANT_TYPE_VARIANT) ? g_variant_get_variant (w)
                                                                                       : g_variant_ref (w);
          gboolean on = g_variant_is_of_type (inner, G_VARIANT_TYPE_BOOLEAN) ? g_variant_get_boolean (inner) :
                        g_variant_is_of_type (inner, G_VARIANT_TYPE_INT64) ? g_variant_get_int64 (inner) != 0 : TRUE;

          g_object_set_data (g_object_get_data (G_OBJECT (row), "wanted"), "index", GINT_TO_POINTER ((int) i));
          gtk_switch_set_active (g_object_get_data (G_OBJECT (row), "wanted"), on);
        }
      if (priorities != NULL && g_variant_is_container (priorities) && i < g_variant_n_children (priorities))
        {
          g_autoptr(GVariant) p = g_variant_get_child_value (priorities, i);
          g_autoptr(GVariant) inner = g_variant_is_of_type (p, G_VARIANT_TYPE_VARIANT) ? g_variant_get_variant (p)
                                                                                       : g_variant_ref (p);
          gint64 value = g_variant_is_of_type (inner, G_VARIANT_TYPE_INT64) ? g_variant_get_int64 (inner) : 0;

          g_object_set_data (g_object_get_data (G_OBJECT (row), "priority"), "index", GINT_TO_POINTER ((int) i));
          gtk_drop_down_set_selected (g_object_get_data (G_OBJECT (row), "priority"),
                                      (guint) (CLAMP (value, -1, 1) + 1));
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), n > 0);
}

static void
show_peers (ShoalRemoteDetails *self,
            GVariant           *t)
{
  guint n = (guint) MIN (array_length (t, "peers"), MAX_PEERS);

  resize_rows (self->peers_group, self->peer_rows, n, make_plain_row, self);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->peer_rows, i);
      g_autoptr(GVariant) peer = array_object (t, "peers", i);
      g_autofree char *address = peer != NULL ? lookup_string (peer, "address") : g_strdup ("");
      g_autofree char *client = peer != NULL ? lookup_string (peer, "clientName") : g_strdup ("");
      g_autofree char *down = shoal_format_rate ((guint64) MAX (peer != NULL ? lookup_int (peer, "rateToClient") : 0, 0));
      g_autofree char *up = shoal_format_rate ((guint64) MAX (peer != NULL ? lookup_int (peer, "rateToPeer") : 0, 0));
      /* Translators: a peer's client, then its download and upload rates */
      g_autofree char *subtitle = g_strdup_printf (_("%s · ↓ %s · ↑ %s"), client, down, up);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), address);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->peers_group), n > 0);
}

static void
show_trackers (ShoalRemoteDetails *self,
               GVariant           *t)
{
  guint n = (guint) MIN (array_length (t, "trackerStats"), MAX_TRACKERS);

  resize_rows (self->trackers_group, self->tracker_rows, n, make_plain_row, self);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->tracker_rows, i);
      g_autoptr(GVariant) tracker = array_object (t, "trackerStats", i);
      g_autofree char *announce = tracker != NULL ? lookup_string (tracker, "announce") : g_strdup ("");
      g_autofree char *result = tracker != NULL ? lookup_string (tracker, "lastAnnounceResult") : g_strdup ("");
      g_autofree char *subtitle = NULL;

      /* Translators: a tracker's last answer, then its numbers of seeders and leechers */
      subtitle = g_strdup_printf (_("%s · %d seeders · %d leechers"), result,
                                  (int) CLAMP (tracker != NULL ? lookup_int (tracker, "seederCount") : 0, -1, G_MAXINT),
                                  (int) CLAMP (tracker != NULL ? lookup_int (tracker, "leecherCount") : 0, -1, G_MAXINT));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), announce);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->trackers_group), n > 0);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ShoalRemoteDetails) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = shoal_rpc_client_call_finish (SHOAL_RPC_CLIENT (source), result, &error);
  g_autoptr(GVariant) t = NULL;

  self->fetching = FALSE;
  if (answer == NULL || self->torrent == NULL)
    return;   /* the session's polling says why the server is away */
  t = array_object (answer, "torrents", 0);
  if (t == NULL || lookup_int (t, "id") != shoal_app_remote_torrent_get_id (self->torrent))
    return;
  self->updating = TRUE;
  show_files (self, t);
  show_peers (self, t);
  show_trackers (self, t);
  self->updating = FALSE;
}

static gboolean
fetch_cb (gpointer user_data)
{
  ShoalRemoteDetails *self = user_data;
  g_autoptr(ShoalAppRemoteSession) session = NULL;

  if (self->fetching || self->torrent == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)) ||
      (session = shoal_app_remote_torrent_dup_session (self->torrent)) == NULL)
    return G_SOURCE_CONTINUE;
  self->fetching = TRUE;
  shoal_rpc_client_call_async (shoal_app_remote_session_get_client (session), "torrent-get",
                               g_variant_new_parsed ("{'ids': <[%i]>, 'fields': <['id', 'files', 'wanted', "
                                                     "'priorities', 'peers', 'trackerStats']>}",
                                                     shoal_app_remote_torrent_get_id (self->torrent)),
                               self->cancellable, fetched_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

/* The values the session's polling keeps up to date */
static void
torrent_changed_cb (ShoalRemoteDetails *self)
{
  ShoalAppTorrent *t = SHOAL_APP_TORRENT (self->torrent);
  const char *error = shoal_app_torrent_get_error_message (t);
  const char * const *labels = shoal_app_torrent_get_labels (t);
  g_autofree char *size = shoal_format_size (shoal_app_torrent_get_size_wanted (t));
  g_autofree char *percent = shoal_format_percent (shoal_app_torrent_get_progress (t));
  g_autofree char *ratio = g_strdup_printf ("%.2f", shoal_app_torrent_get_ratio (t));
  g_autofree char *size_text = NULL;
  g_autofree char *joined = labels != NULL ? g_strjoinv (", ", (char **) labels) : g_strdup ("");

  self->updating = TRUE;
  adw_action_row_set_subtitle (self->status_row, error != NULL ? error :
                                                 shoal_torrent_state_label (shoal_app_torrent_get_state (t)));
  /* Translators: a size, then the percentage of it downloaded */
  size_text = g_strdup_printf (_("%s · %s"), size, percent);
  adw_action_row_set_subtitle (self->size_row, size_text);
  adw_action_row_set_subtitle (self->ratio_row, ratio);
  adw_action_row_set_subtitle (self->folder_row, shoal_app_torrent_get_save_dir (t) != NULL ?
                                                 shoal_app_torrent_get_save_dir (t) : "");
  /* Only the value the server has: not while the user types one */
  if (!gtk_widget_has_focus (GTK_WIDGET (self->download_limit)) &&
      !gtk_widget_has_focus (gtk_widget_get_first_child (GTK_WIDGET (self->download_limit))))
    gtk_spin_button_set_value (self->download_limit, (double) (shoal_app_torrent_get_download_limit (t) / 1000));
  if (!gtk_widget_has_focus (GTK_WIDGET (self->upload_limit)) &&
      !gtk_widget_has_focus (gtk_widget_get_first_child (GTK_WIDGET (self->upload_limit))))
    gtk_spin_button_set_value (self->upload_limit, (double) (shoal_app_torrent_get_upload_limit (t) / 1000));
  if (!gtk_widget_has_css_class (GTK_WIDGET (self->labels_row), "editing"))
    gtk_editable_set_text (GTK_EDITABLE (self->labels_row), joined);
  self->updating = FALSE;
}

static void
limit_changed_cb (GtkSpinButton      *spin,
                  ShoalRemoteDetails *self)
{
  guint64 limit = (guint64) gtk_spin_button_get_value_as_int (spin) * 1000;

  if (self->updating || self->torrent == NULL)
    return;
  if (spin == self->download_limit)
    shoal_app_torrent_set_download_limit (SHOAL_APP_TORRENT (self->torrent), limit);
  else
    shoal_app_torrent_set_upload_limit (SHOAL_APP_TORRENT (self->torrent), limit);
}

static void
labels_changed_cb (ShoalRemoteDetails *self)
{
  if (!self->updating)
    gtk_widget_add_css_class (GTK_WIDGET (self->labels_row), "editing");
}

static void
labels_apply_cb (ShoalRemoteDetails *self)
{
  g_auto(GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->labels_row)), ",", 64);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) labels = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->labels_row), "editing");
  if (self->torrent == NULL)
    return;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  labels = g_strv_builder_end (builder);
  shoal_app_torrent_set_labels (SHOAL_APP_TORRENT (self->torrent), (const char * const *) labels);
}

static GtkSpinButton *
limit_row (AdwPreferencesGroup *group,
           const char          *title,
           ShoalRemoteDetails  *self)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 10000000, 10);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  /* Translators: a speed limit's unit and the meaning of 0 */
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("kB/s; 0: none"));
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (group, row);
  g_signal_connect_object (spin, "value-changed", G_CALLBACK (limit_changed_cb), self, 0);
  return GTK_SPIN_BUTTON (spin);
}

static void
shoal_remote_details_init (ShoalRemoteDetails *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  AdwPreferencesGroup *general = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *speed = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  self->cancellable = g_cancellable_new ();
  self->file_rows = g_ptr_array_new ();
  self->peer_rows = g_ptr_array_new ();
  self->tracker_rows = g_ptr_array_new ();

  adw_preferences_group_set_title (general, _("General"));
  self->status_row = value_row (general, _("Status"));
  self->size_row = value_row (general, _("Size"));
  self->ratio_row = value_row (general, _("Ratio"));
  self->folder_row = value_row (general, _("Folder on the Server"));
  self->labels_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->labels_row), _("Labels"));
  adw_entry_row_set_show_apply_button (self->labels_row, TRUE);
  g_signal_connect_object (self->labels_row, "changed", G_CALLBACK (labels_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->labels_row, "apply", G_CALLBACK (labels_apply_cb), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (general, GTK_WIDGET (self->labels_row));

  adw_preferences_group_set_title (speed, _("Speed"));
  self->download_limit = limit_row (speed, _("Limit Download Speed"), self);
  self->upload_limit = limit_row (speed, _("Limit Upload Speed"), self);

  self->files_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->files_group, _("Files"));
  self->peers_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->peers_group, _("Peers"));
  self->trackers_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->trackers_group, _("Trackers"));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), general);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), speed);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->files_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->peers_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->trackers_group);
  adw_bin_set_child (ADW_BIN (self), page);
  self->fetch_id = g_timeout_add_seconds (FETCH_SECONDS, fetch_cb, self);
}

static void
shoal_remote_details_dispose (GObject *object)
{
  ShoalRemoteDetails *self = SHOAL_REMOTE_DETAILS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fetch_id, g_source_remove);
  g_clear_object (&self->torrent);
  G_OBJECT_CLASS (shoal_remote_details_parent_class)->dispose (object);
}

static void
shoal_remote_details_finalize (GObject *object)
{
  ShoalRemoteDetails *self = SHOAL_REMOTE_DETAILS (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->file_rows);
  g_ptr_array_unref (self->peer_rows);
  g_ptr_array_unref (self->tracker_rows);
  G_OBJECT_CLASS (shoal_remote_details_parent_class)->finalize (object);
}

static void
shoal_remote_details_class_init (ShoalRemoteDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_remote_details_dispose;
  object_class->finalize = shoal_remote_details_finalize;
}

ShoalRemoteDetails *
shoal_remote_details_new (void)
{
  return g_object_new (SHOAL_TYPE_REMOTE_DETAILS, NULL);
}

/**
 * shoal_remote_details_set_torrent:
 * @self: the details
 * @torrent: (nullable): the torrent to show
 */
void
shoal_remote_details_set_torrent (ShoalRemoteDetails    *self,
                                  ShoalAppRemoteTorrent *torrent)
{
  g_return_if_fail (SHOAL_IS_REMOTE_DETAILS (self));

  if (self->torrent == torrent)
    return;
  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_func (self->torrent, torrent_changed_cb, self);
  g_set_object (&self->torrent, torrent);
  self->updating = TRUE;
  resize_rows (self->files_group, self->file_rows, 0, make_file_row, self);
  resize_rows (self->peers_group, self->peer_rows, 0, make_plain_row, self);
  resize_rows (self->trackers_group, self->tracker_rows, 0, make_plain_row, self);
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->peers_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->trackers_group), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->labels_row), "editing");
  if (torrent == NULL)
    return;
  g_signal_connect_object (torrent, "changed", G_CALLBACK (torrent_changed_cb), self, G_CONNECT_SWAPPED);
  torrent_changed_cb (self);
  fetch_cb (self);
}

/* Returns: (transfer none) (nullable): the torrent shown */
ShoalAppRemoteTorrent *
shoal_remote_details_get_torrent (ShoalRemoteDetails *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_DETAILS (self), NULL);
  return self->torrent;
}

/**
 * shoal_remote_details_get_widget:
 * @self: the details
 * @name: "download-limit", "upload-limit", "labels", "files", "peers" or
 *   "trackers"
 *
 * Returns: (transfer none) (nullable): that part of the page (for tests)
 */
GtkWidget *
shoal_remote_details_get_widget (ShoalRemoteDetails *self,
                                 const char         *name)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_DETAILS (self), NULL);

  if (g_str_equal (name, "download-limit"))
    return GTK_WIDGET (self->download_limit);
  if (g_str_equal (name, "upload-limit"))
    return GTK_WIDGET (self->upload_limit);
  if (g_str_equal (name, "labels"))
    return GTK_WIDGET (self->labels_row);
  if (g_str_equal (name, "files"))
    return GTK_WIDGET (self->files_group);
  if (g_str_equal (name, "peers"))
    return GTK_WIDGET (self->peers_group);
  if (g_str_equal (name, "trackers"))
    return GTK_WIDGET (self->trackers_group);
  return NULL;
}
