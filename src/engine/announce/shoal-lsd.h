/* shoal-lsd.h: local service discovery (BEP 14)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_LSD_ERROR (shoal_lsd_error_quark ())

/**
 * ShoalLsdError:
 * @SHOAL_LSD_ERROR_MALFORMED: an announce that is not a well-formed
 *   BT-SEARCH request with a port and at least one info-hash
 * @SHOAL_LSD_ERROR_TOO_LARGE: an announce longer than
 *   %SHOAL_LSD_MAX_MESSAGE bytes or with more than
 *   %SHOAL_LSD_MAX_PARSED_HASHES info-hashes
 * @SHOAL_LSD_ERROR_BAD_INTERFACE: the interface to use does not exist
 */
typedef enum
{
  SHOAL_LSD_ERROR_MALFORMED,
  SHOAL_LSD_ERROR_TOO_LARGE,
  SHOAL_LSD_ERROR_BAD_INTERFACE,
} ShoalLsdError;

GQuark shoal_lsd_error_quark (void);

#define SHOAL_LSD_PORT               6771
#define SHOAL_LSD_GROUP_IPV4         "239.192.152.143"
#define SHOAL_LSD_GROUP_IPV6         "ff15::efc0:988f"
#define SHOAL_LSD_MAX_MESSAGE        1400u
/* Info-hashes per message sent: 20 lines of 52 bytes stay well in 1400. */
#define SHOAL_LSD_MAX_HASHES         20u
/* Info-hashes accepted in one message received (26 fit in 1400 bytes). */
#define SHOAL_LSD_MAX_PARSED_HASHES  24u
#define SHOAL_LSD_MAX_COOKIE         64u
#define SHOAL_LSD_ANNOUNCE_INTERVAL  (5 * 60 * G_USEC_PER_SEC)
#define SHOAL_LSD_MIN_INTERVAL       (60 * G_USEC_PER_SEC)

/**
 * ShoalLsdAnnounce:
 * @port: the announced port
 * @n_hashes: how many entries of @hashes are used
 * @hashes: the info-hashes, each once
 * @cookie: the `cookie` header, empty when absent
 *
 * A parsed announce.
 */
typedef struct
{
  guint16 port;
  guint   n_hashes;
  guint8  hashes[SHOAL_LSD_MAX_PARSED_HASHES][20];
  char    cookie[SHOAL_LSD_MAX_COOKIE + 1];
} ShoalLsdAnnounce;

gboolean  shoal_lsd_parse_announce  (const guint8      *data,
                                     gsize              len,
                                     ShoalLsdAnnounce  *announce,
                                     GError           **error);
GBytes   *shoal_lsd_format_announce (const char        *host,
                                     guint16            port,
                                     const guint8      *hashes,
                                     guint              n_hashes,
                                     const char        *cookie);

#define SHOAL_TYPE_LSD (shoal_lsd_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLsd, shoal_lsd, SHOAL, LSD, GObject)

ShoalLsd   *shoal_lsd_new              (guint16        listen_port);
void        shoal_lsd_set_interface    (ShoalLsd      *self,
                                        const char    *name);
void        shoal_lsd_set_intervals    (ShoalLsd      *self,
                                        gint64         announce_interval,
                                        gint64         min_interval);
gboolean    shoal_lsd_start            (ShoalLsd      *self,
                                        GError       **error);
void        shoal_lsd_stop             (ShoalLsd      *self);
gboolean    shoal_lsd_has_ipv4         (ShoalLsd      *self);
gboolean    shoal_lsd_has_ipv6         (ShoalLsd      *self);
void        shoal_lsd_set_listen_port  (ShoalLsd      *self,
                                        guint16        port);
void        shoal_lsd_add_torrent      (ShoalLsd      *self,
                                        const guint8  *info_hash);
void        shoal_lsd_remove_torrent   (ShoalLsd      *self,
                                        const guint8  *info_hash);
const char *shoal_lsd_get_cookie       (ShoalLsd      *self);
guint       shoal_lsd_get_n_sent       (ShoalLsd      *self);

G_END_DECLS
