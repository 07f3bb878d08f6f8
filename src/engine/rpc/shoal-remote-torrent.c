/* shoal-remote-torrent.c: one torrent of a remote session
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Filled from torrent-get by ShoalRpcClient; notifies only the properties
 * that changed, so that sorted lists do not re-sort for nothing.
 */

#include "config.h"

#include <string.h>

#include "shoal-engine-enums.h"
#include "shoal-rpc-client-private.h"

struct _ShoalRemoteTorrent
{
  GObject           parent_instance;

  int               id;
  char             *name;
  char             *hash;
  ShoalTorrentState state;
  double            progress;
  guint64           size;
  guint64           download_rate;
  guint64           upload_rate;
  gint64            eta;
  char             *error_message;
  char             *download_dir;
};

G_DEFINE_FINAL_TYPE (ShoalRemoteTorrent, shoal_remote_torrent, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_HASH,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_SIZE,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_ETA,
  PROP_ERROR_MESSAGE,
  PROP_DOWNLOAD_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
shoal_remote_torrent_finalize (GObject *object)
{
  ShoalRemoteTorrent *self = SHOAL_REMOTE_TORRENT (object);

  g_free (self->name);
  g_free (self->hash);
  g_free (self->error_message);
  g_free (self->download_dir);
  G_OBJECT_CLASS (shoal_remote_torrent_parent_class)->finalize (object);
}

static void
shoal_remote_torrent_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ShoalRemoteTorrent *self = SHOAL_REMOTE_TORRENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HASH:
      g_value_set_string (value, self->hash);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_uint64 (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_uint64 (value, self->upload_rate);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, self->eta);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_DOWNLOAD_DIR:
      g_value_set_string (value, self->download_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_remote_torrent_class_init (ShoalRemoteTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_remote_torrent_finalize;
  object_class->get_property = shoal_remote_torrent_get_property;

  properties[PROP_ID] = g_param_spec_int ("id", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_HASH] = g_param_spec_string ("hash", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, SHOAL_TYPE_TORRENT_STATE,
                                              SHOAL_TORRENT_STATE_PAUSED, flags);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_uint64 ("download-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_UPLOAD_RATE] = g_param_spec_uint64 ("upload-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  properties[PROP_DOWNLOAD_DIR] = g_param_spec_string ("download-dir", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_remote_torrent_init (ShoalRemoteTorrent *self)
{
  self->eta = -1;
}

ShoalRemoteTorrent *
_shoal_remote_torrent_new (int id)
{
  ShoalRemoteTorrent *self = g_object_new (SHOAL_TYPE_REMOTE_TORRENT, NULL);
  self->id = id;
  return self;
}

static gint64
int_member (JsonObject *o,
            const char *name,
            gint64      fallback)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return fallback;
}

static double
double_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  return (double) int_member (o, name, 0);
}

static const char *
string_member (JsonObject *o,
               const char *name)
{
  JsonNode *node = json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static void
update_string (ShoalRemoteTorrent *self,
               char              **field,
               const char         *value,
               int                 prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define UPDATE(field, value, prop) \
  G_STMT_START { \
    if (self->field != (value)) \
      { \
        self->field = (value); \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
      } \
  } G_STMT_END

/* Transmission's status (0 stopped, 1-2 checking, 3-4 downloading, 5-6
 * seeding) and error as the engine's states. */
static ShoalTorrentState
state_of (JsonObject *o)
{
  gint64 status = int_member (o, "status", 0);

  if (int_member (o, "error", 0) == 3)
    return SHOAL_TORRENT_STATE_ERROR;
  switch (status)
    {
    case 1:
    case 2:
      return SHOAL_TORRENT_STATE_CHECKING;
    case 3:
    case 5:
      return SHOAL_TORRENT_STATE_QUEUED;
    case 4:
      return double_member (o, "metadataPercentComplete") < 1.0 ? SHOAL_TORRENT_STATE_FETCHING_METADATA
                                                                 : SHOAL_TORRENT_STATE_DOWNLOADING;
    case 6:
      return SHOAL_TORRENT_STATE_SEEDING;
    default:
      return int_member (o, "isFinished", 0) ? SHOAL_TORRENT_STATE_FINISHED : SHOAL_TORRENT_STATE_PAUSED;
    }
}

/* From one torrent object of torrent-get (CLIENT_FIELDS). */
void
_shoal_remote_torrent_update (ShoalRemoteTorrent *self,
                              JsonObject         *o)
{
  gint64 eta = int_member (o, "eta", -1);
  const char *error = string_member (o, "errorString");

  g_object_freeze_notify (G_OBJECT (self));
  update_string (self, &self->name, string_member (o, "name"), PROP_NAME);
  update_string (self, &self->hash, string_member (o, "hashString"), PROP_HASH);
  update_string (self, &self->download_dir, string_member (o, "downloadDir"), PROP_DOWNLOAD_DIR);
  update_string (self, &self->error_message, error != NULL && error[0] != '\0' ? error : NULL, PROP_ERROR_MESSAGE);
  UPDATE (state, state_of (o), PROP_STATE);
  UPDATE (progress, CLAMP (double_member (o, "percentDone"), 0.0, 1.0), PROP_PROGRESS);
  UPDATE (size, (guint64) MAX (int_member (o, "sizeWhenDone", 0), 0), PROP_SIZE);
  UPDATE (download_rate, (guint64) MAX (int_member (o, "rateDownload", 0), 0), PROP_DOWNLOAD_RATE);
  UPDATE (upload_rate, (guint64) MAX (int_member (o, "rateUpload", 0), 0), PROP_UPLOAD_RATE);
  UPDATE (eta, eta >= 0 ? eta : -1, PROP_ETA);
  g_object_thaw_notify (G_OBJECT (self));
}

int
shoal_remote_torrent_get_id (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->id;
}

const char *
shoal_remote_torrent_get_name (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->name != NULL ? self->name : "";
}

const char *
shoal_remote_torrent_get_hash (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->hash;
}

ShoalTorrentState
shoal_remote_torrent_get_state (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), SHOAL_TORRENT_STATE_PAUSED);
  return self->state;
}

double
shoal_remote_torrent_get_progress (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0.0);
  return self->progress;
}

guint64
shoal_remote_torrent_get_size (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->size;
}

guint64
shoal_remote_torrent_get_download_rate (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->download_rate;
}

guint64
shoal_remote_torrent_get_upload_rate (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), 0);
  return self->upload_rate;
}

gint64
shoal_remote_torrent_get_eta (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), -1);
  return self->eta;
}

const char *
shoal_remote_torrent_get_error_message (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->error_message;
}

const char *
shoal_remote_torrent_get_download_dir (ShoalRemoteTorrent *self)
{
  g_return_val_if_fail (SHOAL_IS_REMOTE_TORRENT (self), NULL);
  return self->download_dir;
}
