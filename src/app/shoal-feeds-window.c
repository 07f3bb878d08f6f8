/* shoal-feeds-window.c: feeds, their items, and the rule editor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Feeds page lists the feeds (unread count, last update or error) and
 * the items of the one selected (state, size, date), each with buttons to
 * ignore it (rules leave it alone) or download it by hand; the Rules page lists the rules and edits a copy of
 * the one selected (or a new one), showing at each change which items it
 * would download now; Save puts the copy in place of the rule.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-feeds-window.h"

struct _ShoalFeedsWindow
{
  AdwWindow          parent_instance;

  ShoalFeedManager  *manager;
  GtkSingleSelection *feed_selection;
  GtkSingleSelection *rule_selection;
  ShoalFeedRule     *editing;      /* the rule in the manager being edited, or NULL: a new one */
  ShoalFeedRule     *edited;       /* the copy the editor changes */
  GListModel        *preview;
  GPtrArray         *bindings;
  GCancellable      *cancellable;

  AdwViewStack      *stack;
  GtkEntry          *url_entry;
  GtkButton         *add_button;
  GtkButton         *refresh_button;
  GtkButton         *remove_feed_button;
  GtkListView       *feeds_view;
  GtkListView       *items_view;
  GtkLabel          *feed_status_label;
  GtkListView       *rules_view;
  GtkButton         *new_rule_button;
  GtkButton         *remove_rule_button;
  AdwEntryRow       *name_row;
  GtkSwitch         *enabled_switch;
  AdwEntryRow       *feed_row;
  AdwEntryRow       *must_row;
  AdwEntryRow       *must_not_row;
  GtkSwitch         *regex_switch;
  AdwEntryRow       *episodes_row;
  GtkSwitch         *smart_switch;
  GtkSpinButton     *min_size_spin;
  GtkSpinButton     *max_size_spin;
  AdwEntryRow       *save_dir_row;
  AdwEntryRow       *label_row;
  GtkSwitch         *paused_switch;
  GtkButton         *save_rule_button;
  GtkLabel          *preview_label;
  GtkListBox        *preview_view;
};

G_DEFINE_FINAL_TYPE (ShoalFeedsWindow, shoal_feeds_window, ADW_TYPE_WINDOW)

static void edit_rule (ShoalFeedsWindow *self, ShoalFeedRule *rule);
static GtkWidget *preview_row_new (gpointer item, gpointer user_data);

/* Feed rows */

static void
update_feed_row (ShoalFeed *feed,
                 GtkWidget *box)
{
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *markup = NULL;
  g_autofree char *when = NULL;
  const GError *error = shoal_feed_get_error (feed);

  gtk_label_set_text (GTK_LABEL (title), shoal_feed_get_title (feed));
  if (shoal_feed_get_last_update (feed) > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (shoal_feed_get_last_update (feed));

      when = g_date_time_format (dt, "%X");
    }
  if (error != NULL)
    markup = g_strdup (error->message);
  else if (shoal_feed_get_updating (feed))
    markup = g_strdup (_("Updating…"));
  else if (when != NULL)
    /* Translators: %u unread items, updated at a time */
    markup = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u unread · updated at %s", "%u unread · updated at %s",
                                           shoal_feed_get_n_unread (feed)),
                              shoal_feed_get_n_unread (feed), when);
  else
    markup = g_strdup (_("Not updated yet"));
  gtk_label_set_text (GTK_LABEL (subtitle), markup);
  if (error != NULL)
    gtk_widget_add_css_class (subtitle, "error");
  else
    gtk_widget_remove_css_class (subtitle, "error");
}

static void
feed_notify_cb (ShoalFeed  *feed,
                GParamSpec *pspec,
                GtkWidget  *box)
{
  update_feed_row (feed, box);
}

static GtkWidget *
two_line_box (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  return box;
}

static void
feed_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, two_line_box ());
}

static void
feed_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  ShoalFeed *feed = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);

  update_feed_row (feed, box);
  g_signal_connect_object (feed, "notify", G_CALLBACK (feed_notify_cb), box, 0);
}

static void
feed_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (list_item), feed_notify_cb,
                                        gtk_list_item_get_child (list_item));
}

/* Item rows: title, "state · size · date", and a download button. */

static const char *
item_state_text (ShoalFeedItem *item)
{
  switch (shoal_feed_item_get_state (item))
    {
    case SHOAL_FEED_ITEM_DOWNLOADED: return _("Downloaded");
    case SHOAL_FEED_ITEM_IGNORED: return _("Ignored");
    case SHOAL_FEED_ITEM_FAILED: return _("Failed");
    case SHOAL_FEED_ITEM_NEW:
    default:
      return shoal_feed_item_get_read (item) ? _("Read") : _("New");
    }
}

static void
update_item_row (ShoalFeedItem *item,
                 GtkWidget     *row)
{
  GtkWidget *box = gtk_widget_get_first_child (row);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  GtkWidget *ignore = gtk_widget_get_next_sibling (box);
  GtkWidget *button = gtk_widget_get_next_sibling (ignore);
  gboolean ignored = shoal_feed_item_get_state (item) == SHOAL_FEED_ITEM_IGNORED;
  g_autoptr(GString) text = g_string_new (item_state_text (item));

  gtk_label_set_text (GTK_LABEL (title), shoal_feed_item_get_title (item));
  if (shoal_feed_item_get_size (item) > 0)
    {
      g_autofree char *size = g_format_size (shoal_feed_item_get_size (item));

      g_string_append_printf (text, " · %s", size);
    }
  if (shoal_feed_item_get_pub_date (item) > 0)
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (shoal_feed_item_get_pub_date (item));
      g_autofree char *date = g_date_time_format (dt, "%x");

      g_string_append_printf (text, " · %s", date);
    }
  if (shoal_feed_item_get_error (item) != NULL)
    g_string_append_printf (text, " · %s", shoal_feed_item_get_error (item));
  gtk_label_set_text (GTK_LABEL (subtitle), text->str);
  gtk_widget_set_sensitive (button, shoal_feed_item_get_torrent_url (item) != NULL &&
                                    shoal_feed_item_get_state (item) != SHOAL_FEED_ITEM_DOWNLOADED);
  gtk_widget_set_visible (ignore, shoal_feed_item_get_state (item) != SHOAL_FEED_ITEM_DOWNLOADED);
  gtk_button_set_icon_name (GTK_BUTTON (ignore), ignored ? "edit-undo-symbolic" : "action-unavailable-symbolic");
  gtk_widget_set_tooltip_text (ignore, ignored ? _("Do Not Ignore") : _("Ignore (Rules Leave It Alone)"));
}

static void
item_notify_cb (ShoalFeedItem *item,
                GParamSpec    *pspec,
                GtkWidget     *row)
{
  update_item_row (item, row);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ShoalTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;

  torrent = shoal_feed_manager_download_item_finish (SHOAL_FEED_MANAGER (source), result, &error);
  if (torrent == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Could not download a feed item: %s", error->message);
}

static void
download_clicked_cb (GtkButton        *button,
                     ShoalFeedsWindow *self)
{
  ShoalFeedItem *item = g_object_get_data (G_OBJECT (button), "item");
  ShoalFeed *feed = shoal_feeds_window_get_feed (self);

  if (item == NULL || feed == NULL)
    return;
  shoal_feed_manager_download_item_async (self->manager, feed, item, NULL, self->cancellable,
                                          downloaded_cb, NULL);
}

static void
ignore_clicked_cb (GtkButton        *button,
                   ShoalFeedsWindow *self)
{
  ShoalFeedItem *item = g_object_get_data (G_OBJECT (button), "ignore-item");
  ShoalFeed *feed = shoal_feeds_window_get_feed (self);

  if (item == NULL || feed == NULL)
    return;
  shoal_feed_manager_set_item_ignored (self->manager, feed, item,
                                       shoal_feed_item_get_state (item) != SHOAL_FEED_ITEM_IGNORED);
}

static void
item_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               ShoalFeedsWindow         *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *box = two_line_box ();
  GtkWidget *button = gtk_button_new_from_icon_name ("folder-download-symbolic");
  GtkWidget *ignore = gtk_button_new_from_icon_name ("action-unavailable-symbolic");

  gtk_widget_set_valign (ignore, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (ignore, "flat");
  g_signal_connect (ignore, "clicked", G_CALLBACK (ignore_clicked_cb), self);
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Download"));
  gtk_widget_add_css_class (button, "flat");
  g_signal_connect (button, "clicked", G_CALLBACK (download_clicked_cb), self);
  gtk_box_append (GTK_BOX (row), box);
  gtk_box_append (GTK_BOX (row), ignore);
  gtk_box_append (GTK_BOX (row), button);
  gtk_list_item_set_child (list_item, row);
}

static void
item_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  ShoalFeedItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *row = gtk_list_item_get_child (list_item);

  g_object_set_data_full (G_OBJECT (gtk_widget_get_last_child (row)), "item", g_object_ref (item), g_object_unref);
  g_object_set_data_full (G_OBJECT (gtk_widget_get_prev_sibling (gtk_widget_get_last_child (row))), "ignore-item",
                          g_object_ref (item), g_object_unref);
  update_item_row (item, row);
  g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), row, 0);
}

static void
item_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);

  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (list_item), item_notify_cb, row);
  g_object_set_data (G_OBJECT (gtk_widget_get_last_child (row)), "item", NULL);
  g_object_set_data (G_OBJECT (gtk_widget_get_prev_sibling (gtk_widget_get_last_child (row))), "ignore-item", NULL);
}

/* Rule rows */

static void
rule_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, two_line_box ());
}

static void
rule_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  ShoalFeedRule *rule = gtk_list_item_get_item (list_item);
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (list_item));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const char *label = shoal_feed_rule_get_label (rule);

  gtk_label_set_text (GTK_LABEL (title), shoal_feed_rule_get_name (rule));
  gtk_label_set_text (GTK_LABEL (subtitle), !shoal_feed_rule_get_enabled (rule) ? _("Disabled")
                                            : label != NULL ? label : _("No label"));
}

static GtkListItemFactory *
factory_new (GCallback setup,
             GCallback bind,
             GCallback unbind,
             gpointer  data)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, data);
  g_signal_connect (factory, "bind", bind, data);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, data);
  return factory;
}

/* Feeds page */

static void
show_feed (ShoalFeedsWindow *self)
{
  ShoalFeed *feed = shoal_feeds_window_get_feed (self);
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_feed_button), feed != NULL);
  if (feed == NULL)
    {
      gtk_list_view_set_model (self->items_view, NULL);
      gtk_label_set_text (self->feed_status_label, _("Add a feed by its address to see its items."));
      return;
    }
  selection = gtk_no_selection_new (g_object_ref (shoal_feed_get_items (feed)));
  gtk_list_view_set_model (self->items_view, GTK_SELECTION_MODEL (selection));
  gtk_label_set_text (self->feed_status_label, shoal_feed_get_url (feed));
  /* Looked at: no longer unread. */
  shoal_feed_mark_read (feed);
}

static void
feed_selected_cb (GtkSingleSelection *selection,
                  GParamSpec         *pspec,
                  ShoalFeedsWindow   *self)
{
  show_feed (self);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Each feed shows its own error. */
  shoal_feed_manager_refresh_finish (SHOAL_FEED_MANAGER (source), result, &error);
}

/**
 * shoal_feeds_window_add_feed:
 * @self: the window
 * @url: a feed's address
 *
 * Subscribes to @url, selects it and fetches it; an address that cannot
 * be used is said in the status line.
 */
void
shoal_feeds_window_add_feed (ShoalFeedsWindow *self,
                             const char       *url)
{
  g_autoptr(GError) error = NULL;
  ShoalFeed *feed = shoal_feed_manager_add_feed (self->manager, url, &error);
  guint pos;

  if (feed == NULL)
    {
      gtk_label_set_text (self->feed_status_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), "");
  if (g_list_store_find (G_LIST_STORE (shoal_feed_manager_get_feeds (self->manager)), feed, &pos))
    gtk_single_selection_set_selected (self->feed_selection, pos);
  adw_view_stack_set_visible_child_name (self->stack, "feeds");
  shoal_feed_manager_refresh_async (self->manager, feed, self->cancellable, refreshed_cb, NULL);
}

/**
 * shoal_feeds_window_offer_feed:
 * @self: the window
 * @url: a feed's address, as the desktop handed it over
 *
 * Offers to subscribe to @url: it is put in the address entry, and the
 * status line asks to press Add. A feed already followed is selected.
 */
void
shoal_feeds_window_offer_feed (ShoalFeedsWindow *self,
                               const char       *url)
{
  ShoalFeed *feed = shoal_feed_manager_find_feed (self->manager, url);
  g_autofree char *text = NULL;
  guint pos;

  adw_view_stack_set_visible_child_name (self->stack, "feeds");
  gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");
  if (feed != NULL && g_list_store_find (G_LIST_STORE (shoal_feed_manager_get_feeds (self->manager)), feed, &pos))
    {
      gtk_single_selection_set_selected (self->feed_selection, pos);
      text = g_strdup_printf (_("You already follow the feed at %s."), url);
      gtk_label_set_text (self->feed_status_label, text);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url);
  text = g_strdup_printf (_("Subscribe to the feed at %s? Press Add to follow it."), url);
  gtk_label_set_text (self->feed_status_label, text);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_button));
}

typedef struct
{
  ShoalFeedsWindow *self;
  char             *name;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_object_unref (data->self);
  g_free (data->name);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

/* A feed file is read up to the size of the largest feed, and one byte
 * more so the parser says it is too large. */
#define FEED_FILE_MAX ((goffset) 100 * 1000 * 1000 + 1)

static gboolean
read_more_cb (const char *contents,
              goffset     size,
              gpointer    user_data)
{
  return size <= FEED_FILE_MAX;
}

static void
file_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *url = NULL;
  gsize len = 0;

  if (!g_file_load_partial_contents_finish (G_FILE (source), result, &contents, &len, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Could not read the feed file %s: %s"),
                                                   data->name, error->message);

          gtk_label_set_text (data->self->feed_status_label, text);
        }
      return;
    }
  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), len);

    url = shoal_feed_address_from_document (bytes, &error);
  }
  if (url == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s: %s", data->name, error->message);

      adw_view_stack_set_visible_child_name (data->self->stack, "feeds");
      gtk_label_set_text (data->self->feed_status_label, text);
      return;
    }
  shoal_feeds_window_offer_feed (data->self, url);
}

/**
 * shoal_feeds_window_open_file:
 * @self: the window
 * @file: a feed saved on this computer (a downloaded .rss or .atom file)
 *
 * Reads @file and offers to subscribe to the web address it gives for
 * itself (shoal_feed_address_from_document()); a file that gives none is
 * said in the status line: Shoal does not follow local files.
 */
void
shoal_feeds_window_open_file (ShoalFeedsWindow *self,
                              GFile            *file)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->self = g_object_ref (self);
  data->name = g_file_get_parse_name (file);
  g_file_load_partial_contents_async (file, self->cancellable, read_more_cb, file_loaded_cb, data);
}

static void
add_clicked_cb (ShoalFeedsWindow *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));

  if (*url != '\0')
    shoal_feeds_window_add_feed (self, url);
}

static void
refresh_clicked_cb (ShoalFeedsWindow *self)
{
  shoal_feed_manager_refresh_async (self->manager, NULL, self->cancellable, refreshed_cb, NULL);
}

static void
remove_feed_clicked_cb (ShoalFeedsWindow *self)
{
  ShoalFeed *feed = shoal_feeds_window_get_feed (self);

  if (feed != NULL)
    shoal_feed_manager_remove_feed (self->manager, feed);
}

/* Rules page */

static void
update_preview (ShoalFeedsWindow *self)
{
  g_autoptr(GError) error = NULL;
  guint n;

  g_clear_object (&self->preview);
  if (self->edited == NULL)
    {
      gtk_list_box_bind_model (self->preview_view, NULL, NULL, NULL, NULL);
      gtk_label_set_text (self->preview_label, "");
      return;
    }
  if (!shoal_feed_rule_check (self->edited, &error))
    {
      gtk_label_set_text (self->preview_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "error");
      gtk_widget_set_sensitive (GTK_WIDGET (self->save_rule_button), FALSE);
      gtk_list_box_bind_model (self->preview_view, NULL, NULL, NULL, NULL);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->preview_label), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_rule_button), TRUE);
  self->preview = shoal_feed_manager_preview_rule (self->manager, self->edited);
  n = g_list_model_get_n_items (self->preview);
  {
    g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Would download %u item now",
                                                          "Would download %u items now", n), n);

    gtk_label_set_text (self->preview_label, text);
  }
  gtk_list_box_bind_model (self->preview_view, self->preview, preview_row_new, NULL, NULL);
}

static GtkWidget *
preview_row_new (gpointer item,
                 gpointer user_data)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), shoal_feed_item_get_title (item));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  return row;
}

static void
edited_notify_cb (ShoalFeedRule    *rule,
                  GParamSpec       *pspec,
                  ShoalFeedsWindow *self)
{
  update_preview (self);
}

static gboolean
mib_to_bytes (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_value_set_uint64 (to, (guint64) (g_value_get_double (from) * 1024 * 1024));
  return TRUE;
}

static gboolean
bytes_to_mib (GBinding     *binding,
              const GValue *from,
              GValue       *to,
              gpointer      user_data)
{
  g_value_set_double (to, (double) g_value_get_uint64 (from) / (1024 * 1024));
  return TRUE;
}

static void
unbind_editor (ShoalFeedsWindow *self)
{
  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (self->bindings->pdata[i]);
  g_ptr_array_set_size (self->bindings, 0);
  if (self->edited != NULL)
    g_signal_handlers_disconnect_by_func (self->edited, edited_notify_cb, self);
}

static void
bind (ShoalFeedsWindow *self,
      const char       *property,
      gpointer          widget,
      const char       *widget_property)
{
  g_ptr_array_add (self->bindings,
                   g_object_bind_property (self->edited, property, widget, widget_property,
                                           G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL));
}

/* Edits a copy of @rule (NULL: a new rule) */
static void
edit_rule (ShoalFeedsWindow *self,
           ShoalFeedRule    *rule)
{
  unbind_editor (self);
  g_set_object (&self->editing, rule);
  g_clear_object (&self->edited);
  self->edited = rule != NULL ? shoal_feed_rule_copy (rule) : shoal_feed_rule_new (_("New Rule"));
  bind (self, "name", self->name_row, "text");
  bind (self, "enabled", self->enabled_switch, "active");
  bind (self, "feed-url", self->feed_row, "text");
  bind (self, "must-contain", self->must_row, "text");
  bind (self, "must-not-contain", self->must_not_row, "text");
  bind (self, "use-regex", self->regex_switch, "active");
  bind (self, "episode-filter", self->episodes_row, "text");
  bind (self, "smart-filter", self->smart_switch, "active");
  bind (self, "save-dir", self->save_dir_row, "text");
  bind (self, "label", self->label_row, "text");
  bind (self, "add-paused", self->paused_switch, "active");
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (self->edited, "min-size", self->min_size_spin, "value",
                                                G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                                                bytes_to_mib, mib_to_bytes, NULL, NULL));
  g_ptr_array_add (self->bindings,
                   g_object_bind_property_full (self->edited, "max-size", self->max_size_spin, "value",
                                                G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                                                bytes_to_mib, mib_to_bytes, NULL, NULL));
  g_signal_connect (self->edited, "notify", G_CALLBACK (edited_notify_cb), self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_rule_button), rule != NULL);
  update_preview (self);
}

static void
rule_selected_cb (GtkSingleSelection *selection,
                  GParamSpec         *pspec,
                  ShoalFeedsWindow   *self)
{
  ShoalFeedRule *rule = gtk_single_selection_get_selected_item (selection);

  if (rule != NULL && rule != self->editing)
    edit_rule (self, rule);
}

static void
new_rule_clicked_cb (ShoalFeedsWindow *self)
{
  gtk_single_selection_set_selected (self->rule_selection, GTK_INVALID_LIST_POSITION);
  edit_rule (self, NULL);
}

static void
save_rule_clicked_cb (ShoalFeedsWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalFeedRule) saved = shoal_feed_rule_copy (self->edited);
  gboolean ok;
  guint pos;

  if (self->editing != NULL)
    ok = shoal_feed_manager_replace_rule (self->manager, self->editing, saved, &error);
  else
    ok = shoal_feed_manager_add_rule (self->manager, saved, &error);
  if (!ok)
    {
      gtk_label_set_text (self->preview_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "error");
      return;
    }
  g_set_object (&self->editing, saved);
  if (g_list_store_find (G_LIST_STORE (shoal_feed_manager_get_rules (self->manager)), saved, &pos))
    gtk_single_selection_set_selected (self->rule_selection, pos);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_rule_button), TRUE);
  /* The new rule runs over what the feeds have now. */
  shoal_feed_manager_refresh_async (self->manager, NULL, self->cancellable, refreshed_cb, NULL);
}

static void
remove_rule_clicked_cb (ShoalFeedsWindow *self)
{
  if (self->editing == NULL)
    return;
  shoal_feed_manager_remove_rule (self->manager, self->editing);
  edit_rule (self, NULL);
}

static void
shoal_feeds_window_dispose (GObject *object)
{
  ShoalFeedsWindow *self = SHOAL_FEEDS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->bindings != NULL)
    unbind_editor (self);
  g_clear_object (&self->edited);
  g_clear_object (&self->editing);
  g_clear_object (&self->preview);
  g_clear_object (&self->feed_selection);
  g_clear_object (&self->rule_selection);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_FEEDS_WINDOW);
  G_OBJECT_CLASS (shoal_feeds_window_parent_class)->dispose (object);
}

static void
shoal_feeds_window_finalize (GObject *object)
{
  ShoalFeedsWindow *self = SHOAL_FEEDS_WINDOW (object);

  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (shoal_feeds_window_parent_class)->finalize (object);
}

static void
shoal_feeds_window_class_init (ShoalFeedsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_feeds_window_dispose;
  object_class->finalize = shoal_feeds_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/shoal/Shoal/shoal-feeds-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, remove_feed_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, feeds_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, items_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, feed_status_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, rules_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, new_rule_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, remove_rule_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, feed_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, must_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, must_not_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, regex_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, episodes_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, smart_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, min_size_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, max_size_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, save_dir_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, label_row);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, paused_switch);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, save_rule_button);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, ShoalFeedsWindow, preview_view);
}

static void
shoal_feeds_window_init (ShoalFeedsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->bindings = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
}

/**
 * shoal_feeds_window_new:
 * @manager: the application's feed manager
 *
 * Returns: (transfer full): a Feeds window
 */
ShoalFeedsWindow *
shoal_feeds_window_new (ShoalFeedManager *manager)
{
  ShoalFeedsWindow *self = g_object_new (SHOAL_TYPE_FEEDS_WINDOW, NULL);
  g_autoptr(GtkListItemFactory) feeds = NULL;
  g_autoptr(GtkListItemFactory) items = NULL;
  g_autoptr(GtkListItemFactory) rules = NULL;

  self->manager = g_object_ref (manager);
  self->feed_selection = gtk_single_selection_new (g_object_ref (shoal_feed_manager_get_feeds (manager)));
  self->rule_selection = gtk_single_selection_new (g_object_ref (shoal_feed_manager_get_rules (manager)));
  gtk_single_selection_set_autoselect (self->rule_selection, FALSE);
  gtk_single_selection_set_can_unselect (self->rule_selection, TRUE);
  gtk_single_selection_set_selected (self->rule_selection, GTK_INVALID_LIST_POSITION);

  feeds = factory_new (G_CALLBACK (feed_setup_cb), G_CALLBACK (feed_bind_cb), G_CALLBACK (feed_unbind_cb), self);
  items = factory_new (G_CALLBACK (item_setup_cb), G_CALLBACK (item_bind_cb), G_CALLBACK (item_unbind_cb), self);
  rules = factory_new (G_CALLBACK (rule_setup_cb), G_CALLBACK (rule_bind_cb), NULL, self);
  gtk_list_view_set_factory (self->feeds_view, feeds);
  gtk_list_view_set_factory (self->items_view, items);
  gtk_list_view_set_factory (self->rules_view, rules);
  gtk_list_view_set_model (self->feeds_view, GTK_SELECTION_MODEL (self->feed_selection));
  gtk_list_view_set_model (self->rules_view, GTK_SELECTION_MODEL (self->rule_selection));
  gtk_list_box_bind_model (self->preview_view, NULL, NULL, NULL, NULL);

  g_signal_connect (self->feed_selection, "notify::selected-item", G_CALLBACK (feed_selected_cb), self);
  g_signal_connect (self->rule_selection, "notify::selected-item", G_CALLBACK (rule_selected_cb), self);
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (add_clicked_cb), self);
  g_signal_connect_swapped (self->url_entry, "activate", G_CALLBACK (add_clicked_cb), self);
  g_signal_connect_swapped (self->refresh_button, "clicked", G_CALLBACK (refresh_clicked_cb), self);
  g_signal_connect_swapped (self->remove_feed_button, "clicked", G_CALLBACK (remove_feed_clicked_cb), self);
  g_signal_connect_swapped (self->new_rule_button, "clicked", G_CALLBACK (new_rule_clicked_cb), self);
  g_signal_connect_swapped (self->save_rule_button, "clicked", G_CALLBACK (save_rule_clicked_cb), self);
  g_signal_connect_swapped (self->remove_rule_button, "clicked", G_CALLBACK (remove_rule_clicked_cb), self);

  show_feed (self);
  edit_rule (self, NULL);
  return self;
}

/**
 * shoal_feeds_window_get_feed:
 * @self: the window
 *
 * Returns: (transfer none) (nullable): the feed selected
 */
ShoalFeed *
shoal_feeds_window_get_feed (ShoalFeedsWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_FEEDS_WINDOW (self), NULL);
  return gtk_single_selection_get_selected_item (self->feed_selection);
}

/**
 * shoal_feeds_window_get_edited_rule:
 * @self: the window
 *
 * Returns: (transfer none): the copy of the rule the editor changes
 */
ShoalFeedRule *
shoal_feeds_window_get_edited_rule (ShoalFeedsWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_FEEDS_WINDOW (self), NULL);
  return self->edited;
}

/**
 * shoal_feeds_window_get_preview:
 * @self: the window
 *
 * Returns: (transfer none) (nullable): the items the edited rule would
 *   download now, as shown
 */
GListModel *
shoal_feeds_window_get_preview (ShoalFeedsWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_FEEDS_WINDOW (self), NULL);
  return self->preview;
}
