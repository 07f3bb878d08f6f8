/* shoal-announcer-tracker-info.c: what the user sees of one tracker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the announcer (shoal-announcer-private.h): the ShoalTrackerInfo
 * objects listed in the announcer's store, their properties, the setters
 * that notify only on change, and how a URL becomes a tracker we can or
 * cannot contact.
 */
#include "config.h"

#define SHOAL_ANNOUNCER_INSIDE
#include "shoal-announcer-private.h"
#include "shoal-tracker-udp.h"

G_DEFINE_ENUM_TYPE (ShoalTrackerStatus, shoal_tracker_status,
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_ANNOUNCING, "announcing"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_WORKING, "working"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_ERROR, "error"),
                    G_DEFINE_ENUM_VALUE (SHOAL_TRACKER_STATUS_BACKUP, "backup"))

static GParamSpec *info_properties[N_INFO_PROPS];

G_DEFINE_FINAL_TYPE (ShoalTrackerInfo, shoal_tracker_info, G_TYPE_OBJECT)

static void
shoal_tracker_info_finalize (GObject *object)
{
  ShoalTrackerInfo *self = SHOAL_TRACKER_INFO (object);

  if (self->scrape_cancellable != NULL)
    g_cancellable_cancel (self->scrape_cancellable);
  g_clear_object (&self->scrape_cancellable);
  g_clear_object (&self->udp);
  g_clear_error (&self->unusable);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->tracker_id, g_free);

  G_OBJECT_CLASS (shoal_tracker_info_parent_class)->finalize (object);
}

static void
shoal_tracker_info_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ShoalTrackerInfo *self = SHOAL_TRACKER_INFO (object);

  switch (prop_id)
    {
    case INFO_PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case INFO_PROP_TIER:
      g_value_set_uint (value, self->tier);
      break;
    case INFO_PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case INFO_PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case INFO_PROP_LAST_ANNOUNCE:
      g_value_set_int64 (value, self->last_announce);
      break;
    case INFO_PROP_NEXT_ANNOUNCE:
      g_value_set_int64 (value, self->next_announce);
      break;
    case INFO_PROP_SEEDERS:
      g_value_set_int64 (value, self->seeders);
      break;
    case INFO_PROP_LEECHERS:
      g_value_set_int64 (value, self->leechers);
      break;
    case INFO_PROP_DOWNLOADED:
      g_value_set_int64 (value, self->downloaded);
      break;
    case INFO_PROP_LAST_PEERS:
      g_value_set_uint (value, self->last_peers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_tracker_info_class_init (ShoalTrackerInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_tracker_info_finalize;
  object_class->get_property = shoal_tracker_info_get_property;

  info_properties[INFO_PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_TIER] = g_param_spec_uint ("tier", NULL, NULL, 0, G_MAXUINT, 0, flags);
  info_properties[INFO_PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, SHOAL_TYPE_TRACKER_STATUS, SHOAL_TRACKER_STATUS_IDLE, flags);
  info_properties[INFO_PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  info_properties[INFO_PROP_LAST_ANNOUNCE] =
    g_param_spec_int64 ("last-announce", NULL, NULL, 0, G_MAXINT64, 0, flags);
  info_properties[INFO_PROP_NEXT_ANNOUNCE] =
    g_param_spec_int64 ("next-announce", NULL, NULL, 0, G_MAXINT64, 0, flags);
  info_properties[INFO_PROP_SEEDERS] = g_param_spec_int64 ("seeders", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_LEECHERS] = g_param_spec_int64 ("leechers", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_DOWNLOADED] =
    g_param_spec_int64 ("downloaded", NULL, NULL, -1, G_MAXINT64, -1, flags);
  info_properties[INFO_PROP_LAST_PEERS] = g_param_spec_uint ("last-peers", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_INFO_PROPS, info_properties);
}

static void
shoal_tracker_info_init (ShoalTrackerInfo *self)
{
  self->seeders = -1;
  self->leechers = -1;
  self->downloaded = -1;
}

/**
 * shoal_tracker_info_get_url:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the tracker's announce URL
 */
const char *
shoal_tracker_info_get_url (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), NULL);
  return self->url;
}

/**
 * shoal_tracker_info_get_tier:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the tier, 0 for the most preferred
 */
guint
shoal_tracker_info_get_tier (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->tier;
}

/**
 * shoal_tracker_info_get_status:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: what the tracker is doing or how its last announce went
 */
ShoalTrackerStatus
shoal_tracker_info_get_status (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), SHOAL_TRACKER_STATUS_IDLE);
  return self->status;
}

/**
 * shoal_tracker_info_get_message:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: (nullable): the last error, or the tracker's warning after a
 *   successful announce
 */
const char *
shoal_tracker_info_get_message (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), NULL);
  return self->message;
}

/**
 * shoal_tracker_info_get_last_announce:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the unix time of the last successful announce, 0 if none
 */
gint64
shoal_tracker_info_get_last_announce (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->last_announce;
}

/**
 * shoal_tracker_info_get_next_announce:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the unix time this tracker will be contacted next, 0 if no
 *   announce to it is scheduled
 */
gint64
shoal_tracker_info_get_next_announce (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->next_announce;
}

/**
 * shoal_tracker_info_get_seeders:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the seeders the tracker last reported, -1 if unknown
 */
gint64
shoal_tracker_info_get_seeders (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->seeders;
}

/**
 * shoal_tracker_info_get_leechers:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the leechers the tracker last reported, -1 if unknown
 */
gint64
shoal_tracker_info_get_leechers (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->leechers;
}

/**
 * shoal_tracker_info_get_downloaded:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: the completed downloads the tracker last reported (by scrape),
 *   -1 if unknown
 */
gint64
shoal_tracker_info_get_downloaded (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), -1);
  return self->downloaded;
}

/**
 * shoal_tracker_info_get_last_peers:
 * @self: a #ShoalTrackerInfo
 *
 * Returns: how many peers the last successful announce returned
 */
guint
shoal_tracker_info_get_last_peers (ShoalTrackerInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_TRACKER_INFO (self), 0);
  return self->last_peers;
}

void
_shoal_tracker_info_set_status (ShoalTrackerInfo   *info,
                                ShoalTrackerStatus  status)
{
  if (info->status == status)
    return;
  info->status = status;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_STATUS]);
}

void
_shoal_tracker_info_set_message (ShoalTrackerInfo *info,
                                 const char       *message)
{
  if (g_strcmp0 (info->message, message) == 0)
    return;
  g_free (info->message);
  info->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_MESSAGE]);
}

void
_shoal_tracker_info_set_int64 (ShoalTrackerInfo *info,
                               gint64           *field,
                               gint64            value,
                               guint             prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[prop]);
}

void
_shoal_tracker_info_set_last_peers (ShoalTrackerInfo *info,
                                    guint             n)
{
  if (info->last_peers == n)
    return;
  info->last_peers = n;
  g_object_notify_by_pspec (G_OBJECT (info), info_properties[INFO_PROP_LAST_PEERS]);
}
ShoalTrackerInfo *
_shoal_tracker_info_new (const char *url,
                         guint       tier,
                         guint       udp_base_ms,
                         guint       udp_max_tries)
{
  ShoalTrackerInfo *info = g_object_new (SHOAL_TYPE_TRACKER_INFO, NULL);
  g_autofree gchar *scheme = g_uri_parse_scheme (url);

  info->url = g_strdup (url);
  info->tier = tier;

  if (scheme != NULL && (g_ascii_strcasecmp (scheme, "http") == 0 ||
                         g_ascii_strcasecmp (scheme, "https") == 0))
    info->is_http = TRUE;
  else if (scheme != NULL && g_ascii_strcasecmp (scheme, "udp") == 0)
    {
      info->udp = shoal_tracker_udp_new (url, &info->unusable);
      if (info->udp != NULL)
        shoal_tracker_udp_set_retransmission (info->udp, udp_base_ms, udp_max_tries);
    }
  else
    g_set_error (&info->unusable, SHOAL_ANNOUNCER_ERROR, SHOAL_ANNOUNCER_ERROR_UNSUPPORTED,
                 "Trackers using “%s” are not supported", scheme != NULL ? scheme : url);

  if (info->unusable != NULL)
    {
      info->status = SHOAL_TRACKER_STATUS_ERROR;
      info->message = g_strdup (info->unusable->message);
    }
  return info;
}
