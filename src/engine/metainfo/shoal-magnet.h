/* shoal-magnet.h: magnet links (BEP 9, BEP 53; v2 links from BEP 52)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#if !defined (SHOAL_ENGINE_INSIDE) && !defined (SHOAL_ENGINE_COMPILATION)
# error "Only <shoal-engine.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_MAGNET_ERROR (shoal_magnet_error_quark ())

#define SHOAL_MAGNET_MAX_LENGTH     (64 * 1024)
#define SHOAL_MAGNET_MAX_PARAMETERS 1024
#define SHOAL_MAGNET_MAX_TRACKERS   256
#define SHOAL_MAGNET_MAX_WEB_SEEDS  256
#define SHOAL_MAGNET_MAX_PEERS      256
#define SHOAL_MAGNET_MAX_SELECT_RANGES 1024 /* so= entries, over all so params */

typedef enum
{
  SHOAL_MAGNET_ERROR_NOT_MAGNET,        /* does not start with "magnet:?" */
  SHOAL_MAGNET_ERROR_TOO_LONG,          /* longer than SHOAL_MAGNET_MAX_LENGTH */
  SHOAL_MAGNET_ERROR_TOO_MANY,          /* too many parameters, trackers, peers... */
  SHOAL_MAGNET_ERROR_BAD_ESCAPE,        /* a malformed %XX escape */
  SHOAL_MAGNET_ERROR_NO_INFO_HASH,      /* no xt=urn:btih: nor urn:btmh: */
  SHOAL_MAGNET_ERROR_BAD_INFO_HASH,     /* an xt that does not decode */
  SHOAL_MAGNET_ERROR_CONFLICTING_HASHES,/* two different btih (or btmh) */
  SHOAL_MAGNET_ERROR_BAD_PEER,          /* an x.pe that is not host:port */
  SHOAL_MAGNET_ERROR_BAD_SELECT_ONLY,   /* an so that is not a list of indexes/ranges */
  SHOAL_MAGNET_ERROR_BAD_PARAMETER,     /* a parameter without '=', or not UTF-8 */
} ShoalMagnetError;

typedef struct
{
  guint32 first;
  guint32 last; /* inclusive */
} ShoalMagnetRange;

#define SHOAL_TYPE_MAGNET (shoal_magnet_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMagnet, shoal_magnet, SHOAL, MAGNET, GObject)

GQuark              shoal_magnet_error_quark         (void);

ShoalMagnet        *shoal_magnet_new_from_uri        (const char   *uri,
                                                      GError      **error);

const guint8       *shoal_magnet_get_info_hash_v1    (ShoalMagnet  *self);
const guint8       *shoal_magnet_get_info_hash_v2    (ShoalMagnet  *self);
const char         *shoal_magnet_get_display_name    (ShoalMagnet  *self);
const char * const *shoal_magnet_get_trackers        (ShoalMagnet  *self);
const char * const *shoal_magnet_get_web_seeds       (ShoalMagnet  *self);
const char * const *shoal_magnet_get_peers           (ShoalMagnet  *self);
const ShoalMagnetRange *shoal_magnet_get_select_only (ShoalMagnet  *self,
                                                      guint        *n_ranges);
gboolean            shoal_magnet_is_file_selected    (ShoalMagnet  *self,
                                                      guint         file_index);
char               *shoal_magnet_to_uri              (ShoalMagnet  *self);

/* Shared by shoal_metainfo_to_magnet(): percent-encodes a query value. */
char               *shoal_magnet_escape_value        (const char   *value);

G_END_DECLS
