/* shoal-torrent-list.c: the session's torrents as list rows
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkSortListModel and GtkFilterListModel only look at an item again when
 * the model says it changed. This model wraps each torrent in a
 * ShoalTorrentRow, collects the torrents that notified during a main loop
 * iteration, refreshes their rows once, and reports only the rows whose
 * values really changed, as few contiguous items-changed runs. With a
 * thousand torrents that is one pass per engine tick, not one signal per
 * property.
 */

#include "config.h"

#include "shoal-torrent-list.h"

struct _ShoalTorrentList
{
  GObject     parent_instance;

  GListModel *torrents;
  GPtrArray  *rows;       /* ShoalTorrentRow, same order as torrents */
  GHashTable *by_torrent; /* ShoalAppTorrent → its ShoalTorrentRow (weak) */
  GHashTable *dirty;      /* set of rows with pending notifications (weak) */
  guint       flush_id;
};

static void shoal_torrent_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalTorrentList, shoal_torrent_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, shoal_torrent_list_model_init))

static GType
shoal_torrent_list_get_item_type (GListModel *model)
{
  return SHOAL_TYPE_TORRENT_ROW;
}

static guint
shoal_torrent_list_get_n_items (GListModel *model)
{
  return SHOAL_TORRENT_LIST (model)->rows->len;
}

static gpointer
shoal_torrent_list_get_item (GListModel *model,
                             guint       position)
{
  ShoalTorrentList *self = SHOAL_TORRENT_LIST (model);

  if (position >= self->rows->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->rows, position));
}

static void
shoal_torrent_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = shoal_torrent_list_get_item_type;
  iface->get_n_items = shoal_torrent_list_get_n_items;
  iface->get_item = shoal_torrent_list_get_item;
}

/* Refreshes the dirty rows in model order, reporting the ones that really
 * changed as contiguous items-changed runs; with a @deadline (monotonic
 * time, or 0 for none) it stops once that is past, leaving the rest
 * dirty. Returns whether any row is still dirty. */
static gboolean
flush_rows (ShoalTorrentList *self,
            gint64            deadline)
{
  guint run_start = 0;
  guint run_len = 0;
  guint refreshed = 0;

  /* One pass in model order finds the positions without a lookup per row. */
  for (guint i = 0; i < self->rows->len && g_hash_table_size (self->dirty) > 0; i++)
    {
      ShoalTorrentRow *row = g_ptr_array_index (self->rows, i);
      gboolean changed = FALSE;

      if (deadline != 0 && refreshed > 0 && refreshed % 16 == 0 && g_get_monotonic_time () > deadline)
        break;
      if (g_hash_table_remove (self->dirty, row))
        {
          changed = shoal_torrent_row_refresh (row);
          refreshed++;
        }

      if (changed)
        {
          if (run_len == 0)
            run_start = i;
          run_len++;
        }
      else if (run_len > 0)
        {
          g_list_model_items_changed (G_LIST_MODEL (self), run_start, run_len, run_len);
          run_len = 0;
        }
    }
  if (run_len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), run_start, run_len, run_len);
  return g_hash_table_size (self->dirty) > 0;
}

/**
 * shoal_torrent_list_flush:
 * @self: a list
 *
 * Refreshes the rows of torrents that notified since the last flush now,
 * rather than at the next idle moment.
 */
void
shoal_torrent_list_flush (ShoalTorrentList *self)
{
  g_return_if_fail (SHOAL_IS_TORRENT_LIST (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  flush_rows (self, 0);
}

/* At idle time, rows are refreshed a few milliseconds' worth at a time:
 * a thousand torrents changing at once (a session starting, torrents
 * added in bulk) would otherwise hold the main loop for a frame or more. */
#define FLUSH_SLICE_US 4000

static gboolean
flush_cb (gpointer user_data)
{
  ShoalTorrentList *self = user_data;

  if (flush_rows (self, g_get_monotonic_time () + FLUSH_SLICE_US))
    return G_SOURCE_CONTINUE;
  self->flush_id = 0;
  return G_SOURCE_REMOVE;
}

static void
torrent_changed_cb (ShoalTorrentList *self,
                    ShoalAppTorrent  *torrent)
{
  ShoalTorrentRow *row = g_hash_table_lookup (self->by_torrent, torrent);

  if (row == NULL)
    return;
  g_hash_table_add (self->dirty, row);
  if (self->flush_id == 0)
    self->flush_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, flush_cb, self, NULL);
}

static ShoalTorrentRow *
row_new (ShoalTorrentList *self,
         ShoalAppTorrent  *torrent)
{
  ShoalTorrentRow *row = shoal_torrent_row_new (torrent);

  g_hash_table_insert (self->by_torrent, torrent, row);
  g_signal_connect_object (torrent, "changed", G_CALLBACK (torrent_changed_cb), self, G_CONNECT_SWAPPED);
  return row;
}

static void
row_release (ShoalTorrentList *self,
             ShoalTorrentRow  *row)
{
  ShoalAppTorrent *torrent = shoal_torrent_row_get_item (row);

  g_signal_handlers_disconnect_by_func (torrent, torrent_changed_cb, self);
  g_hash_table_remove (self->by_torrent, torrent);
  g_hash_table_remove (self->dirty, row);
}

static void
torrents_changed_cb (ShoalTorrentList *self,
                     guint             position,
                     guint             removed,
                     guint             added,
                     GListModel       *torrents)
{
  for (guint i = 0; i < removed; i++)
    row_release (self, g_ptr_array_index (self->rows, position + i));
  g_ptr_array_remove_range (self->rows, position, removed);

  for (guint i = 0; i < added; i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (torrents, position + i);

      g_ptr_array_insert (self->rows, (int) (position + i), row_new (self, torrent));
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
shoal_torrent_list_dispose (GObject *object)
{
  ShoalTorrentList *self = SHOAL_TORRENT_LIST (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->torrents != NULL)
    g_signal_handlers_disconnect_by_func (self->torrents, torrents_changed_cb, self);
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    row_release (self, g_ptr_array_index (self->rows, i));
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->by_torrent, g_hash_table_unref);
  g_clear_object (&self->torrents);

  G_OBJECT_CLASS (shoal_torrent_list_parent_class)->dispose (object);
}

static void
shoal_torrent_list_class_init (ShoalTorrentListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_torrent_list_dispose;
}

static void
shoal_torrent_list_init (ShoalTorrentList *self)
{
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_torrent = g_hash_table_new (NULL, NULL);
  self->dirty = g_hash_table_new (NULL, NULL);
}

/**
 * shoal_torrent_list_new:
 * @torrents: a #GListModel of #ShoalAppTorrent, a session's
 *
 * Returns: (transfer full): a #GListModel of #ShoalTorrentRow that
 *   follows @torrents
 */
ShoalTorrentList *
shoal_torrent_list_new (GListModel *torrents)
{
  ShoalTorrentList *self;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (torrents), NULL);

  self = g_object_new (SHOAL_TYPE_TORRENT_LIST, NULL);
  self->torrents = g_object_ref (torrents);
  n = g_list_model_get_n_items (torrents);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalAppTorrent) torrent = g_list_model_get_item (torrents, i);

      g_ptr_array_add (self->rows, row_new (self, torrent));
    }
  g_signal_connect_object (torrents, "items-changed", G_CALLBACK (torrents_changed_cb), self, G_CONNECT_SWAPPED);
  return self;
}
