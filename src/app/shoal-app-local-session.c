/* shoal-app-local-session.c: this computer's session, for the window
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows the engine session's list of torrents with one
 * ShoalAppLocalTorrent for each, in the same order, and forwards the
 * operations. Adding here is the plain way (started, into the download
 * folder); the window's add dialog, which chooses files and folder, works
 * on the engine's session directly.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "shoal-app-local-session.h"
#include "shoal-app-local-torrent.h"

struct _ShoalAppLocalSession
{
  GObject       parent_instance;

  ShoalSession *session;
  GListStore   *torrents;   /* ShoalAppLocalTorrent, as the session's */
  GHashTable   *by_torrent; /* ShoalTorrent → its ShoalAppTorrent (weak) */
};

static void shoal_app_local_session_iface_init (ShoalAppSessionInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalAppLocalSession, shoal_app_local_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_APP_SESSION, shoal_app_local_session_iface_init))

enum {
  PROP_0,
  PROP_CONNECTION_ERROR,
  N_PROPS
};

static GListModel *
get_torrents (ShoalAppSession *session)
{
  return G_LIST_MODEL (SHOAL_APP_LOCAL_SESSION (session)->torrents);
}

static const char *
get_title (ShoalAppSession *session)
{
  return _("This Computer");
}

static guint64
get_download_rate (ShoalAppSession *session)
{
  return shoal_session_get_download_rate (SHOAL_APP_LOCAL_SESSION (session)->session);
}

static guint64
get_upload_rate (ShoalAppSession *session)
{
  return shoal_session_get_upload_rate (SHOAL_APP_LOCAL_SESSION (session)->session);
}

static ShoalSession *
get_local (ShoalAppSession *session)
{
  return SHOAL_APP_LOCAL_SESSION (session)->session;
}

static void
add_link (ShoalAppSession *session,
          const char      *uri)
{
  ShoalAppLocalSession *self = SHOAL_APP_LOCAL_SESSION (session);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = shoal_magnet_new_from_uri (uri, &error);

  if (magnet == NULL ||
      shoal_session_add_magnet (self->session, magnet, shoal_session_get_download_dir (self->session),
                                SHOAL_ADD_FLAGS_NONE, &error) == NULL)
    shoal_app_session_failed (session, error->message);
}

static void
add_metainfo (ShoalAppSession *session,
              GBytes          *metainfo)
{
  ShoalAppLocalSession *self = SHOAL_APP_LOCAL_SESSION (session);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMetainfo) info = shoal_metainfo_new_from_bytes (metainfo, &error);

  if (info == NULL ||
      shoal_session_add_torrent (self->session, info, shoal_session_get_download_dir (self->session),
                                 SHOAL_ADD_FLAGS_NONE, &error) == NULL)
    shoal_app_session_failed (session, error->message);
}

typedef struct
{
  ShoalAppSession *session;
  char            *name;
} Removing;

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Removing *r = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_session_remove_torrent_finish (SHOAL_SESSION (source), result, &error))
    {
      /* Translators: %s are a torrent name, then why */
      g_autofree char *text = g_strdup_printf (_("Could not delete all the files of “%s”: %s"),
                                               r->name, error->message);

      shoal_app_session_failed (r->session, text);
    }
  g_object_unref (r->session);
  g_free (r->name);
  g_free (r);
}

static void
remove_torrent (ShoalAppSession *session,
                ShoalAppTorrent *torrent,
                gboolean         delete_data)
{
  ShoalAppLocalSession *self = SHOAL_APP_LOCAL_SESSION (session);
  Removing *r = g_new0 (Removing, 1);

  r->session = g_object_ref (session);
  r->name = g_strdup (shoal_app_torrent_get_name (torrent));
  /* The files are gone from the folder at once; the space they take
   * is given back by a worker thread. */
  shoal_session_remove_torrent_async (self->session, shoal_app_torrent_get_local (torrent), delete_data, NULL,
                                      removed_cb, r);
}

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ShoalAppSession) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!shoal_torrent_set_location_finish (SHOAL_TORRENT (source), result, &error))
    shoal_app_session_failed (session, error->message);
}

static void
set_location (ShoalAppSession *session,
              ShoalAppTorrent *torrent,
              const char      *dir)
{
  shoal_torrent_set_location_async (shoal_app_torrent_get_local (torrent), dir, NULL, moved_cb,
                                    g_object_ref (session));
}

static void
shoal_app_local_session_iface_init (ShoalAppSessionInterface *iface)
{
  iface->get_torrents = get_torrents;
  iface->get_title = get_title;
  iface->get_download_rate = get_download_rate;
  iface->get_upload_rate = get_upload_rate;
  iface->get_local = get_local;
  iface->add_link = add_link;
  iface->add_metainfo = add_metainfo;
  iface->remove = remove_torrent;
  iface->set_location = set_location;
}

static gpointer
wrap (ShoalAppLocalSession *self,
      ShoalTorrent         *torrent)
{
  ShoalAppLocalTorrent *item = shoal_app_local_torrent_new (torrent);

  g_hash_table_insert (self->by_torrent, torrent, item);
  return item;
}

static void
session_torrents_changed_cb (ShoalAppLocalSession *self,
                             guint                 position,
                             guint                 removed,
                             guint                 added,
                             GListModel           *torrents)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < removed; i++)
    {
      g_autoptr(ShoalAppTorrent) item = g_list_model_get_item (G_LIST_MODEL (self->torrents), position + i);

      g_hash_table_remove (self->by_torrent, shoal_app_torrent_get_local (item));
    }
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(ShoalTorrent) torrent = g_list_model_get_item (torrents, position + i);

      g_ptr_array_add (items, wrap (self, torrent));
    }
  g_list_store_splice (self->torrents, position, removed, items->pdata, added);
}

static void
shoal_app_local_session_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTION_ERROR:
      g_value_set_string (value, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_app_local_session_dispose (GObject *object)
{
  ShoalAppLocalSession *self = SHOAL_APP_LOCAL_SESSION (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_func (shoal_session_get_torrents (self->session),
                                          session_torrents_changed_cb, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->by_torrent, g_hash_table_unref);
  g_clear_object (&self->torrents);
  G_OBJECT_CLASS (shoal_app_local_session_parent_class)->dispose (object);
}

static void
shoal_app_local_session_class_init (ShoalAppLocalSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_app_local_session_dispose;
  object_class->get_property = shoal_app_local_session_get_property;
  g_object_class_override_property (object_class, PROP_CONNECTION_ERROR, "connection-error");
}

static void
shoal_app_local_session_init (ShoalAppLocalSession *self)
{
  self->torrents = g_list_store_new (SHOAL_TYPE_APP_TORRENT);
  self->by_torrent = g_hash_table_new (NULL, NULL);
}

/**
 * shoal_app_local_session_new:
 * @session: the engine's session
 *
 * Returns: (transfer full): @session as a #ShoalAppSession
 */
ShoalAppLocalSession *
shoal_app_local_session_new (ShoalSession *session)
{
  ShoalAppLocalSession *self;
  GListModel *torrents;

  g_return_val_if_fail (SHOAL_IS_SESSION (session), NULL);

  self = g_object_new (SHOAL_TYPE_APP_LOCAL_SESSION, NULL);
  self->session = g_object_ref (session);
  torrents = shoal_session_get_torrents (session);
  session_torrents_changed_cb (self, 0, 0, g_list_model_get_n_items (torrents), torrents);
  g_signal_connect_object (torrents, "items-changed", G_CALLBACK (session_torrents_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

/**
 * shoal_app_local_session_find:
 * @self: this computer's session
 * @torrent: one of the engine session's torrents
 *
 * Returns: (transfer none) (nullable): @torrent as the window knows it
 */
ShoalAppTorrent *
shoal_app_local_session_find (ShoalAppLocalSession *self,
                              ShoalTorrent         *torrent)
{
  g_return_val_if_fail (SHOAL_IS_APP_LOCAL_SESSION (self), NULL);
  return g_hash_table_lookup (self->by_torrent, torrent);
}
