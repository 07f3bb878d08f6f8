/* shoal-rpc-private.h: what the RPC server's files share (private to rpc/)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "shoal-peer.h"
#include "shoal-rpc-server.h"
#include "shoal-session.h"
#include "shoal-torrent.h"

G_BEGIN_DECLS

/* What a client may send at most (a base64 .torrent inside JSON). */
#define SHOAL_RPC_DEFAULT_MAX_BODY (16 * 1024 * 1024)
/* A .torrent fetched for torrent-add's "filename" URL. */
#define SHOAL_RPC_MAX_TORRENT_FILE (16 * 1024 * 1024)
/* Transmission's speed unit: kB/s of 1000 bytes. */
#define SHOAL_RPC_SPEED_K 1000
/* How long a removed torrent's id is reported as "removed", seconds. */
#define SHOAL_RPC_RECENT_SECONDS 60

/* The RPC's view of one torrent: its id, and the settings Transmission has
 * but the engine keeps only as one value (a limit and whether it is on). */
typedef struct
{
  int           id;
  ShoalTorrent *torrent;            /* owned */
  guint64       down_limit_k;       /* kB/s, kept while unlimited */
  guint64       up_limit_k;
  gboolean      down_limited;
  gboolean      up_limited;
  int           seed_ratio_mode;    /* 0 global, 1 own, 2 unlimited */
  double        seed_ratio_limit;
  int           seed_idle_mode;
  int           seed_idle_limit;    /* minutes */
  guint         peer_limit;
  gint64        last_active;        /* monotonic seconds */
  gint64        manual_announce;    /* unix time of the last reannounce */
} ShoalRpcTorrent;

struct _ShoalRpcServer
{
  GObject       parent_instance;

  ShoalSession *session;
  SoupServer   *server;
  SoupSession  *fetcher;            /* torrent-add of a URL */
  GCancellable *cancellable;

  char         *user;
  char         *password;
  GTlsCertificate *certificate;
  GPtrArray    *allowed_hosts;
  gsize         max_body;
  char         *session_id;
  guint16       port;
  gboolean      loopback_only;

  GHashTable   *failed_logins;      /* address -> ShoalRpcLoginFailures */

  /* ids */
  GPtrArray    *torrents;           /* ShoalRpcTorrent*, in id order */
  GHashTable   *by_torrent;         /* ShoalTorrent* -> ShoalRpcTorrent* */
  int           next_id;
  GArray       *removed;            /* ShoalRpcRemoved */
  gulong        items_changed_id;

  /* session-level settings the engine keeps as one value */
  guint64       speed_down_k;
  guint64       speed_up_k;
  gboolean      speed_down_enabled;
  gboolean      speed_up_enabled;
  gboolean      seed_ratio_limited;
  double        seed_ratio_limit;
  gboolean      idle_seeding_limit_enabled;
  int           idle_seeding_limit;  /* minutes */
  /* the sizes kept while a queue, stalling or the folder is off */
  guint         download_queue_size;
  guint         seed_queue_size;
  guint         stalled_minutes;
  char         *incomplete_dir;
  char         *blocklist_url;  /* kept while the blocklist is off */

  /* session-stats */
  gint64        started_monotonic;
  guint         files_added;
  guint64       removed_downloaded;
  guint64       removed_uploaded;
};

typedef struct
{
  int    id;
  gint64 when;                      /* monotonic seconds */
} ShoalRpcRemoved;

typedef void (*ShoalRpcReply) (ShoalRpcServer *self,
                               JsonObject     *arguments,  /* transfer full, nullable */
                               const char     *result,     /* "success" or an error */
                               gpointer        user_data);

/* shoal-rpc-methods.c: runs one request (parsed from its JSON) and calls
 * @reply exactly once, maybe later. */
void             _shoal_rpc_dispatch           (ShoalRpcServer *self,
                                                JsonNode       *request,
                                                ShoalRpcReply   reply,
                                                gpointer        user_data);

/* shoal-rpc-torrents.c: ids and the per-torrent settings */
void             _shoal_rpc_torrents_init      (ShoalRpcServer *self);
void             _shoal_rpc_torrents_clear     (ShoalRpcServer *self);
ShoalRpcTorrent *_shoal_rpc_torrent_lookup     (ShoalRpcServer *self,
                                                ShoalTorrent   *torrent);
ShoalRpcTorrent *_shoal_rpc_torrent_by_id      (ShoalRpcServer *self,
                                                int             id);
ShoalRpcTorrent *_shoal_rpc_torrent_by_hash    (ShoalRpcServer *self,
                                                const char     *hash);
void             _shoal_rpc_torrent_apply_limits (ShoalRpcServer  *self,
                                                  ShoalRpcTorrent *t);
void             _shoal_rpc_torrent_apply_seed_limits (ShoalRpcServer  *self,
                                                       ShoalRpcTorrent *t);
void             _shoal_rpc_apply_session_limits (ShoalRpcServer *self);
gboolean         _shoal_rpc_torrent_recently_active (ShoalRpcTorrent *t);

/* shoal-rpc-server.c */
void             _shoal_rpc_emit_settings_changed (ShoalRpcServer *self);
void             _shoal_rpc_emit_close_requested  (ShoalRpcServer *self);

/* shoal-rpc-fields.c: torrent-get */
gboolean         _shoal_rpc_torrent_field_known (const char *name);
JsonNode        *_shoal_rpc_torrent_field      (ShoalRpcServer  *self,
                                                ShoalRpcTorrent *t,
                                                const char      *name);
int              _shoal_rpc_status             (ShoalTorrent   *torrent);

G_END_DECLS
