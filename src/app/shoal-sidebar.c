/* shoal-sidebar.c: the filter sidebar beside the torrent list
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three lists, one entry chosen in each: the torrents' states (All,
 * Downloading, Seeding, Paused, Queued, Finished, Error), their labels
 * (with the label's colour) and the hosts of their trackers, each entry
 * with the number of torrents it has. The list shows the torrents that
 * match all three.
 *
 * The torrents are ShoalAppTorrents, this computer's or a server's: the
 * trackers are known of this computer's only (a server's torrents are
 * under All). shoal_sidebar_get_filter() filters by label and tracker;
 * the state entry is the "state-filter" property, which the window keeps
 * in step with its Show menu and filters by itself (see
 * shoal_sidebar_state_matches()). The entries are rebuilt at idle time
 * after torrents come and go or change state, labels or trackers.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-app-torrent.h"
#include "shoal-label-dialog.h"
#include "shoal-sidebar.h"

struct _ShoalSidebar
{
  GtkWidget    parent_instance;

  GtkListBox  *states_list;
  GtkListBox  *labels_list;
  GtkListBox  *trackers_list;

  GListModel  *torrents;
  GSettings   *settings;
  GPtrArray   *watched;      /* the torrents whose signals we hold */
  GHashTable  *signatures;   /* ShoalAppTorrent (weak) → torrent_signature () */
  GtkFilter   *filter;
  char        *state_filter;
  char        *label;        /* NULL: any */
  char        *tracker;      /* NULL: any */
  GHashTable  *counts;       /* "section/key" → count */
  guint        rebuild_id;
  gboolean     rebuilding;
};

G_DEFINE_FINAL_TYPE (ShoalSidebar, shoal_sidebar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE_FILTER,
  PROP_LABEL,
  PROP_TRACKER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const struct {
  const char *key;
  const char *title;
} states[] = {
  { "all", NC_("filter", "All") },
  { "downloading", NC_("filter", "Downloading") },
  { "seeding", NC_("filter", "Seeding") },
  { "paused", NC_("filter", "Paused") },
  { "queued", NC_("filter", "Queued") },
  { "finished", NC_("filter", "Finished") },
  { "error", NC_("filter", "Error") },
};

/**
 * shoal_sidebar_new:
 *
 * Returns: (transfer floating): a sidebar without torrents
 */
GtkWidget *
shoal_sidebar_new (void)
{
  return g_object_new (SHOAL_TYPE_SIDEBAR, NULL);
}

/**
 * shoal_sidebar_state_matches:
 * @state_filter: a state entry: "all", "downloading", "seeding",
 *   "paused", "queued", "finished" or "error"
 * @state: a torrent's state
 * @progress: how much of what it wants it has, 0 to 1
 *
 * Returns: whether a torrent in @state belongs under @state_filter
 */
gboolean
shoal_sidebar_state_matches (const char        *state_filter,
                             ShoalTorrentState  state,
                             double             progress)
{
  g_return_val_if_fail (state_filter != NULL, TRUE);

  if (g_str_equal (state_filter, "downloading"))
    return state == SHOAL_TORRENT_STATE_DOWNLOADING || state == SHOAL_TORRENT_STATE_CHECKING ||
           state == SHOAL_TORRENT_STATE_FETCHING_METADATA;
  if (g_str_equal (state_filter, "seeding"))
    return state == SHOAL_TORRENT_STATE_SEEDING;
  if (g_str_equal (state_filter, "paused"))
    return state == SHOAL_TORRENT_STATE_PAUSED;
  if (g_str_equal (state_filter, "queued"))
    return state == SHOAL_TORRENT_STATE_QUEUED;
  if (g_str_equal (state_filter, "finished"))
    /* Everything wanted is here, whether or not it still seeds. */
    return state == SHOAL_TORRENT_STATE_FINISHED ||
           (state != SHOAL_TORRENT_STATE_ERROR && state != SHOAL_TORRENT_STATE_CHECKING && progress >= 1.0);
  if (g_str_equal (state_filter, "error"))
    return state == SHOAL_TORRENT_STATE_ERROR;
  return TRUE;
}

/* Reading torrents */

/* The torrent behind a list item: the item, or the torrent of a row of
 * the torrent list (its "item" property) */
static ShoalAppTorrent *
item_torrent (gpointer item)
{
  ShoalAppTorrent *torrent = NULL;

  if (SHOAL_IS_APP_TORRENT (item))
    return g_object_ref (item);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (item), "item") != NULL)
    g_object_get (item, "item", &torrent, NULL);
  return torrent;
}

static const char * const *
torrent_labels (ShoalAppTorrent *torrent)
{
  return shoal_app_torrent_get_labels (torrent);
}

/* The lower-case hosts of @torrent's trackers, each once (known of this
 * computer's torrents) */
static GPtrArray *
torrent_hosts (ShoalAppTorrent *torrent)
{
  GPtrArray *hosts = g_ptr_array_new_with_free_func (g_free);
  ShoalTorrent *local = shoal_app_torrent_get_local (torrent);
  GListModel *trackers;

  if (local == NULL)
    return hosts;
  trackers = shoal_torrent_get_trackers (local);
  for (guint i = 0; trackers != NULL && i < g_list_model_get_n_items (trackers); i++)
    {
      g_autoptr(ShoalTrackerInfo) info = g_list_model_get_item (trackers, i);
      g_autoptr(GUri) uri = g_uri_parse (shoal_tracker_info_get_url (info), G_URI_FLAGS_NONE, NULL);
      g_autofree char *host = NULL;

      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
        continue;
      host = g_ascii_strdown (g_uri_get_host (uri), -1);
      if (!g_ptr_array_find_with_equal_func (hosts, host, g_str_equal, NULL))
        g_ptr_array_add (hosts, g_steal_pointer (&host));
    }
  return hosts;
}

/* What the entries depend on of @torrent: its state, whether it has all
 * it wants, its labels */
static char *
torrent_signature (ShoalAppTorrent *torrent)
{
  const char * const *labels = torrent_labels (torrent);
  g_autofree char *joined = labels != NULL ? g_strjoinv ("\n", (char **) labels) : NULL;

  return g_strdup_printf ("%d %d %s", (int) shoal_app_torrent_get_state (torrent),
                          shoal_app_torrent_get_progress (torrent) >= 1.0, joined != NULL ? joined : "");
}

/* Filtering */

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  ShoalSidebar *self = user_data;
  g_autoptr(ShoalAppTorrent) torrent = NULL;

  if (self->label == NULL && self->tracker == NULL)
    return TRUE;
  torrent = item_torrent (item);
  if (torrent == NULL)
    return FALSE;
  if (self->label != NULL)
    {
      const char * const *labels = torrent_labels (torrent);

      if (labels == NULL || !g_strv_contains (labels, self->label))
        return FALSE;
    }
  if (self->tracker != NULL)
    {
      g_autoptr(GPtrArray) hosts = torrent_hosts (torrent);

      if (!g_ptr_array_find_with_equal_func (hosts, self->tracker, g_str_equal, NULL))
        return FALSE;
    }
  return TRUE;
}

/* The entries */

static void
count_add (GHashTable *counts,
           const char *section,
           const char *key)
{
  char *name = g_strconcat (section, "/", key, NULL);

  g_hash_table_insert (counts, name, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
count_of (GHashTable *counts,
          const char *section,
          const char *key)
{
  g_autofree char *name = g_strconcat (section, "/", key, NULL);

  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static GtkWidget *
entry_new (const char *key,
           const char *title,
           const char *color,
           guint       count)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (title);
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  GtkWidget *number = gtk_label_new (count_text);

  if (color != NULL)
    {
      GtkWidget *dot = gtk_label_new (NULL);
      g_autofree char *markup = g_markup_printf_escaped ("<span foreground=\"%s\">●</span>", color);

      gtk_label_set_markup (GTK_LABEL (dot), markup);
      gtk_widget_set_name (dot, "label-color");
      gtk_box_append (GTK_BOX (box), dot);
    }
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_box_append (GTK_BOX (box), name);
  gtk_widget_add_css_class (number, "dim-label");
  gtk_widget_add_css_class (number, "numeric");
  gtk_box_append (GTK_BOX (box), number);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, title);
  g_object_set_data_full (G_OBJECT (row), "shoal-key", g_strdup (key), g_free);
  g_object_set_data_full (G_OBJECT (row), "shoal-title", g_strdup (title), g_free);
  g_object_set_data_full (G_OBJECT (row), "shoal-color", g_strdup (color), g_free);
  g_object_set_data (G_OBJECT (row), "shoal-count", number);
  return row;
}

typedef struct
{
  char  *key;
  char  *title;
  char  *color;   /* NULL: no dot */
  guint  count;
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->key);
  g_free (entry->title);
  g_free (entry->color);
  g_free (entry);
}

static void
entry_add (GPtrArray  *entries,
           const char *key,
           const char *title,
           const char *color,
           guint       count)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->key = g_strdup (key);
  entry->title = g_strdup (title);
  entry->color = g_strdup (color);
  entry->count = count;
  g_ptr_array_add (entries, entry);
}

/* Whether @list shows @entries already, counts aside */
static gboolean
same_entries (GtkListBox *list,
              GPtrArray  *entries)
{
  guint i = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      Entry *entry;

      if (!GTK_IS_LIST_BOX_ROW (row))
        continue;
      if (i >= entries->len)
        return FALSE;
      entry = entries->pdata[i++];
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "shoal-key"), entry->key) != 0 ||
          g_strcmp0 (g_object_get_data (G_OBJECT (row), "shoal-title"), entry->title) != 0 ||
          g_strcmp0 (g_object_get_data (G_OBJECT (row), "shoal-color"), entry->color) != 0)
        return FALSE;
    }
  return i == entries->len;
}

/* Shows @entries in @list: only the counts change when the entries are
 * the same, so that the focus and the scrolling stay where they are. */
static void
fill_list (GtkListBox *list,
           GPtrArray  *entries)
{
  GtkWidget *child;

  if (same_entries (list, entries))
    {
      guint i = 0;

      for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
           row = gtk_widget_get_next_sibling (row))
        if (GTK_IS_LIST_BOX_ROW (row))
          {
            g_autofree char *text = g_strdup_printf ("%u", ((Entry *) entries->pdata[i++])->count);

            gtk_label_set_text (g_object_get_data (G_OBJECT (row), "shoal-count"), text);
          }
      return;
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = entries->pdata[i];

      gtk_list_box_append (list, entry_new (entry->key, entry->title, entry->color, entry->count));
    }
}

static void
select_key (GtkListBox *list,
            const char *key)
{
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (list);

  if (selected != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (selected), "shoal-key"), key) == 0)
    return;
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (g_object_get_data (G_OBJECT (row), "shoal-key"), key) == 0)
      {
        gtk_list_box_select_row (list, GTK_LIST_BOX_ROW (row));
        return;
      }
}

static int
collate_cb (gconstpointer a,
            gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
rebuild (ShoalSidebar *self)
{
  g_autoptr(GHashTable) hosts_seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) entries = NULL;
  g_auto(GStrv) labels = NULL;
  guint n = self->torrents != NULL ? g_list_model_get_n_items (self->torrents) : 0;

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  self->rebuilding = TRUE;
  g_hash_table_remove_all (self->counts);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (self->torrents, i);
      const char * const *own = torrent_labels (torrent);
      g_autoptr(GPtrArray) own_hosts = torrent_hosts (torrent);
      ShoalTorrentState state = shoal_app_torrent_get_state (torrent);
      double progress = shoal_app_torrent_get_progress (torrent);

      for (guint j = 0; j < G_N_ELEMENTS (states); j++)
        if (shoal_sidebar_state_matches (states[j].key, state, progress))
          count_add (self->counts, "state", states[j].key);
      count_add (self->counts, "label", "");
      for (guint j = 0; own != NULL && own[j] != NULL; j++)
        count_add (self->counts, "label", own[j]);
      count_add (self->counts, "tracker", "");
      for (guint j = 0; j < own_hosts->len; j++)
        {
          count_add (self->counts, "tracker", own_hosts->pdata[j]);
          if (!g_hash_table_contains (hosts_seen, own_hosts->pdata[j]))
            {
              char *host = g_strdup (own_hosts->pdata[j]);

              g_ptr_array_add (hosts, host);
              g_hash_table_add (hosts_seen, host);
            }
        }
    }

  entries = g_ptr_array_new_with_free_func (entry_free);
  for (guint j = 0; j < G_N_ELEMENTS (states); j++)
    entry_add (entries, states[j].key, g_dpgettext2 (NULL, "filter", states[j].title), NULL,
               count_of (self->counts, "state", states[j].key));
  fill_list (self->states_list, entries);
  select_key (self->states_list, self->state_filter);

  g_ptr_array_set_size (entries, 0);
  entry_add (entries, "", g_dpgettext2 (NULL, "filter", "All"), NULL, count_of (self->counts, "label", ""));
  if (self->settings != NULL && self->torrents != NULL)
    labels = shoal_labels_collect (self->settings, self->torrents);
  for (guint j = 0; labels != NULL && labels[j] != NULL; j++)
    {
      g_autofree char *color = shoal_label_dup_color (self->settings, labels[j]);

      entry_add (entries, labels[j], labels[j], color, count_of (self->counts, "label", labels[j]));
    }
  /* The label chosen stays there, even with no torrent left to have it */
  if (self->label != NULL && (labels == NULL || !g_strv_contains ((const char * const *) labels, self->label)))
    entry_add (entries, self->label, self->label, NULL, 0);
  fill_list (self->labels_list, entries);
  select_key (self->labels_list, self->label != NULL ? self->label : "");

  g_ptr_array_set_size (entries, 0);
  entry_add (entries, "", g_dpgettext2 (NULL, "filter", "All"), NULL, count_of (self->counts, "tracker", ""));
  g_ptr_array_sort (hosts, collate_cb);
  if (self->tracker != NULL && !g_hash_table_contains (hosts_seen, self->tracker))
    g_ptr_array_add (hosts, g_strdup (self->tracker));
  for (guint j = 0; j < hosts->len; j++)
    entry_add (entries, hosts->pdata[j], hosts->pdata[j], NULL, count_of (self->counts, "tracker", hosts->pdata[j]));
  fill_list (self->trackers_list, entries);
  select_key (self->trackers_list, self->tracker != NULL ? self->tracker : "");
  self->rebuilding = FALSE;

  /* A torrent may have gained or lost the label or tracker chosen */
  if (self->label != NULL || self->tracker != NULL)
    gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
}

static gboolean
rebuild_cb (gpointer user_data)
{
  ShoalSidebar *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

static void
queue_rebuild (ShoalSidebar *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, rebuild_cb, self, NULL);
}

/* A torrent may have changed (its rates do each second): the entries are
 * made again only when its state or labels did. */
static void
torrent_changed_cb (ShoalSidebar    *self,
                    ShoalAppTorrent *torrent)
{
  char *signature = torrent_signature (torrent);
  const char *before = g_hash_table_lookup (self->signatures, torrent);

  if (g_strcmp0 (before, signature) == 0)
    {
      g_free (signature);
      return;
    }
  g_hash_table_insert (self->signatures, torrent, signature);
  queue_rebuild (self);
}

static void
unwatch_all (ShoalSidebar *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    {
      ShoalAppTorrent *torrent = self->watched->pdata[i];
      ShoalTorrent *local = shoal_app_torrent_get_local (torrent);

      g_signal_handlers_disconnect_by_data (torrent, self);
      if (local != NULL && shoal_torrent_get_trackers (local) != NULL)
        g_signal_handlers_disconnect_by_data (shoal_torrent_get_trackers (local), self);
    }
  g_ptr_array_set_size (self->watched, 0);
  g_hash_table_remove_all (self->signatures);
}

static void
torrents_changed_cb (ShoalSidebar *self)
{
  guint n = g_list_model_get_n_items (self->torrents);

  unwatch_all (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (self->torrents, i);
      ShoalTorrent *local = shoal_app_torrent_get_local (torrent);

      g_hash_table_insert (self->signatures, torrent, torrent_signature (torrent));
      g_signal_connect_object (torrent, "changed", G_CALLBACK (torrent_changed_cb), self, G_CONNECT_SWAPPED);
      if (local != NULL && shoal_torrent_get_trackers (local) != NULL)
        g_signal_connect_object (shoal_torrent_get_trackers (local), "items-changed", G_CALLBACK (queue_rebuild),
                                 self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->watched, g_steal_pointer (&torrent));
    }
  queue_rebuild (self);
}

static void
settings_changed_cb (ShoalSidebar *self)
{
  queue_rebuild (self);
}

/**
 * shoal_sidebar_set_torrents:
 * @self: a sidebar
 * @torrents: (nullable): the torrents to sort into entries, a list of
 *   #ShoalAppTorrent (this computer's or a server's)
 * @settings: (nullable): the app's settings, with the labels' colours
 */
void
shoal_sidebar_set_torrents (ShoalSidebar *self,
                            GListModel   *torrents,
                            GSettings    *settings)
{
  g_return_if_fail (SHOAL_IS_SIDEBAR (self));
  g_return_if_fail (torrents == NULL || G_IS_LIST_MODEL (torrents));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  unwatch_all (self);
  if (self->torrents != NULL)
    g_signal_handlers_disconnect_by_data (self->torrents, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->torrents, torrents);
  g_set_object (&self->settings, settings);
  if (settings != NULL)
    g_signal_connect_object (settings, "changed::label-colors", G_CALLBACK (settings_changed_cb), self,
                             G_CONNECT_SWAPPED);
  if (torrents != NULL)
    {
      g_signal_connect_object (torrents, "items-changed", G_CALLBACK (torrents_changed_cb), self, G_CONNECT_SWAPPED);
      torrents_changed_cb (self);
    }
  rebuild (self);
}

/**
 * shoal_sidebar_get_filter:
 * @self: a sidebar
 *
 * Returns: (transfer none): a filter of torrents (#ShoalAppTorrent, or
 *   torrent list rows through their "item" property) by the label and
 *   tracker chosen
 */
GtkFilter *
shoal_sidebar_get_filter (ShoalSidebar *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDEBAR (self), NULL);
  return self->filter;
}

/**
 * shoal_sidebar_get_count:
 * @self: a sidebar
 * @section: "state", "label" or "tracker"
 * @key: the entry: a state filter, a label, a host, or "" for All
 *
 * Returns: the number the entry shows
 */
guint
shoal_sidebar_get_count (ShoalSidebar *self,
                         const char   *section,
                         const char   *key)
{
  g_return_val_if_fail (SHOAL_IS_SIDEBAR (self), 0);
  g_return_val_if_fail (section != NULL && key != NULL, 0);

  if (self->rebuild_id != 0)
    rebuild (self);
  return count_of (self->counts, section, key);
}

const char *
shoal_sidebar_get_state_filter (ShoalSidebar *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDEBAR (self), NULL);
  return self->state_filter;
}

/**
 * shoal_sidebar_set_state_filter:
 * @self: a sidebar
 * @state: (nullable): the state entry to choose, "all" if %NULL
 */
void
shoal_sidebar_set_state_filter (ShoalSidebar *self,
                                const char   *state)
{
  g_return_if_fail (SHOAL_IS_SIDEBAR (self));

  if (state == NULL)
    state = "all";
  if (g_strcmp0 (self->state_filter, state) == 0)
    return;
  g_free (self->state_filter);
  self->state_filter = g_strdup (state);
  if (!self->rebuilding)
    {
      self->rebuilding = TRUE;
      select_key (self->states_list, state);
      self->rebuilding = FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_FILTER]);
}

const char *
shoal_sidebar_get_label (ShoalSidebar *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDEBAR (self), NULL);
  return self->label;
}

/**
 * shoal_sidebar_set_label:
 * @self: a sidebar
 * @label: (nullable): show only the torrents with this label; %NULL or
 *   "": all
 */
void
shoal_sidebar_set_label (ShoalSidebar *self,
                         const char   *label)
{
  g_return_if_fail (SHOAL_IS_SIDEBAR (self));

  if (label != NULL && *label == '\0')
    label = NULL;
  if (g_strcmp0 (self->label, label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);
  if (!self->rebuilding)
    rebuild (self);
  gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

const char *
shoal_sidebar_get_tracker (ShoalSidebar *self)
{
  g_return_val_if_fail (SHOAL_IS_SIDEBAR (self), NULL);
  return self->tracker;
}

/**
 * shoal_sidebar_set_tracker:
 * @self: a sidebar
 * @host: (nullable): show only the torrents with a tracker on this host;
 *   %NULL or "": all
 */
void
shoal_sidebar_set_tracker (ShoalSidebar *self,
                           const char   *host)
{
  g_autofree char *lower = NULL;

  g_return_if_fail (SHOAL_IS_SIDEBAR (self));

  if (host != NULL && *host != '\0')
    lower = g_ascii_strdown (host, -1);
  if (g_strcmp0 (self->tracker, lower) == 0)
    return;
  g_free (self->tracker);
  self->tracker = g_steal_pointer (&lower);
  if (!self->rebuilding)
    rebuild (self);
  gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACKER]);
}

static void
row_selected_cb (ShoalSidebar  *self,
                 GtkListBoxRow *row,
                 GtkListBox    *list)
{
  const char *key;

  if (self->rebuilding || row == NULL)
    return;
  key = g_object_get_data (G_OBJECT (row), "shoal-key");
  /* Choosing happens in the handler of a row: rebuilding right away
   * would take that row away under it. */
  self->rebuilding = TRUE;
  if (list == self->states_list)
    shoal_sidebar_set_state_filter (self, key);
  else if (list == self->labels_list)
    shoal_sidebar_set_label (self, key);
  else
    shoal_sidebar_set_tracker (self, key);
  self->rebuilding = FALSE;
  queue_rebuild (self);
}

static void
shoal_sidebar_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ShoalSidebar *self = SHOAL_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_STATE_FILTER:
      g_value_set_string (value, self->state_filter);
      break;
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_TRACKER:
      g_value_set_string (value, self->tracker);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_sidebar_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ShoalSidebar *self = SHOAL_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_STATE_FILTER:
      shoal_sidebar_set_state_filter (self, g_value_get_string (value));
      break;
    case PROP_LABEL:
      shoal_sidebar_set_label (self, g_value_get_string (value));
      break;
    case PROP_TRACKER:
      shoal_sidebar_set_tracker (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_sidebar_dispose (GObject *object)
{
  ShoalSidebar *self = SHOAL_SIDEBAR (object);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  /* The window's filter may hold the filter a while longer */
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (GTK_CUSTOM_FILTER (self->filter), NULL, NULL, NULL);
  if (self->watched != NULL)
    unwatch_all (self);
  if (self->torrents != NULL)
    g_signal_handlers_disconnect_by_data (self->torrents, self);
  g_clear_object (&self->torrents);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_SIDEBAR);
  G_OBJECT_CLASS (shoal_sidebar_parent_class)->dispose (object);
}

static void
shoal_sidebar_finalize (GObject *object)
{
  ShoalSidebar *self = SHOAL_SIDEBAR (object);

  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->signatures, g_hash_table_unref);
  g_clear_pointer (&self->counts, g_hash_table_unref);
  g_clear_object (&self->filter);
  g_free (self->state_filter);
  g_free (self->label);
  g_free (self->tracker);
  G_OBJECT_CLASS (shoal_sidebar_parent_class)->finalize (object);
}

static void
shoal_sidebar_class_init (ShoalSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = shoal_sidebar_get_property;
  object_class->set_property = shoal_sidebar_set_property;
  object_class->dispose = shoal_sidebar_dispose;
  object_class->finalize = shoal_sidebar_finalize;

  /* ShoalSidebar:state-filter: the state entry chosen ("all", …) */
  properties[PROP_STATE_FILTER] = g_param_spec_string ("state-filter", NULL, NULL, "all", flags);
  /* ShoalSidebar:label: the label chosen; %NULL: all */
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, flags);
  /* ShoalSidebar:tracker: the tracker host chosen; %NULL: all */
  properties[PROP_TRACKER] = g_param_spec_string ("tracker", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalSidebar, states_list);
  gtk_widget_class_bind_template_child (widget_class, ShoalSidebar, labels_list);
  gtk_widget_class_bind_template_child (widget_class, ShoalSidebar, trackers_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "shoal-sidebar");
}

static void
shoal_sidebar_init (ShoalSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->state_filter = g_strdup ("all");
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->signatures = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->filter = GTK_FILTER (gtk_custom_filter_new (filter_func, self, NULL));
  g_signal_connect_object (self->states_list, "row-selected", G_CALLBACK (row_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->labels_list, "row-selected", G_CALLBACK (row_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->trackers_list, "row-selected", G_CALLBACK (row_selected_cb), self,
                           G_CONNECT_SWAPPED);
  rebuild (self);
}
