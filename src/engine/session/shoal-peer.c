/* shoal-peer.c: what the user sees of one peer of a torrent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain snapshot object that the torrent refreshes once a second from the
 * live connection, notifying only the properties that changed, so that list
 * views bound to it do no needless work.
 */
#include "config.h"

#include "shoal-engine-enums.h"
#include "shoal-peer-private.h"

struct _ShoalPeer
{
  GObject        parent_instance;

  char          *address;
  char          *client;
  ShoalPeerFlags flags;
  double         progress;
  guint64        download_rate;
  guint64        upload_rate;
  guint64        downloaded;
  guint64        uploaded;
};

G_DEFINE_FINAL_TYPE (ShoalPeer, shoal_peer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_CLIENT,
  PROP_FLAGS,
  PROP_PROGRESS,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_DOWNLOADED,
  PROP_UPLOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_peer_finalize (GObject *object)
{
  ShoalPeer *self = SHOAL_PEER (object);

  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->client, g_free);
  G_OBJECT_CLASS (shoal_peer_parent_class)->finalize (object);
}

static void
shoal_peer_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ShoalPeer *self = SHOAL_PEER (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_CLIENT:
      g_value_set_string (value, self->client);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_uint64 (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_uint64 (value, self->upload_rate);
      break;
    case PROP_DOWNLOADED:
      g_value_set_uint64 (value, self->downloaded);
      break;
    case PROP_UPLOADED:
      g_value_set_uint64 (value, self->uploaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_peer_class_init (ShoalPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_peer_finalize;
  object_class->get_property = shoal_peer_get_property;

  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  properties[PROP_CLIENT] = g_param_spec_string ("client", NULL, NULL, NULL, flags);
  properties[PROP_FLAGS] = g_param_spec_flags ("flags", NULL, NULL, SHOAL_TYPE_PEER_FLAGS, 0, flags);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_uint64 ("download-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOAD_RATE] = g_param_spec_uint64 ("upload-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_DOWNLOADED] = g_param_spec_uint64 ("downloaded", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOADED] = g_param_spec_uint64 ("uploaded", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_peer_init (ShoalPeer *self)
{
}

ShoalPeer *
_shoal_peer_new (const char     *address,
                 ShoalPeerFlags  flags)
{
  ShoalPeer *self = g_object_new (SHOAL_TYPE_PEER, NULL);

  self->address = g_strdup (address);
  self->flags = flags;
  return self;
}

#define UPDATE(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

void
_shoal_peer_update (ShoalPeer      *self,
                    const char     *client,
                    ShoalPeerFlags  flags,
                    double          progress,
                    guint64         download_rate,
                    guint64         upload_rate,
                    guint64         downloaded,
                    guint64         uploaded)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->client, client) != 0)
    {
      g_free (self->client);
      self->client = g_strdup (client);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
    }
  UPDATE (flags, flags, PROP_FLAGS);
  UPDATE (progress, progress, PROP_PROGRESS);
  UPDATE (download_rate, download_rate, PROP_DOWNLOAD_RATE);
  UPDATE (upload_rate, upload_rate, PROP_UPLOAD_RATE);
  UPDATE (downloaded, downloaded, PROP_DOWNLOADED);
  UPDATE (uploaded, uploaded, PROP_UPLOADED);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
shoal_peer_get_address (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->address;
}

const char *
shoal_peer_get_client (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), NULL);
  return self->client;
}

ShoalPeerFlags
shoal_peer_get_flags (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->flags;
}

double
shoal_peer_get_progress (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->progress;
}

guint64
shoal_peer_get_download_rate (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->download_rate;
}

guint64
shoal_peer_get_upload_rate (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->upload_rate;
}

guint64
shoal_peer_get_downloaded (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->downloaded;
}

guint64
shoal_peer_get_uploaded (ShoalPeer *self)
{
  g_return_val_if_fail (SHOAL_IS_PEER (self), 0);
  return self->uploaded;
}
