/* daemon-settings.h: shoal-daemon's settings file and command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the daemon itself needs; the session's settings are in the same
 * key file's [session] group, read and written by ShoalRpcServer. */
typedef struct
{
  char     *state_dir;
  char     *download_dir;     /* nullable: the saved one, or STATE/downloads */
  char     *rpc_bind;
  int       rpc_port;
  int       port;             /* peers; 0 for the saved one or the session's */
  char     *user;
  char     *password;
  char    **allowed_hosts;
  char     *tls_certificate;  /* PEM file: certificate (and key, unless tls_key) */
  char     *tls_key;
  GKeyFile *file;
  char     *file_path;
} DaemonSettings;

DaemonSettings *daemon_settings_new    (int              *argc,
                                        char           ***argv,
                                        GError          **error);
gboolean        daemon_settings_save   (DaemonSettings   *settings,
                                        GError          **error);
void            daemon_settings_free   (DaemonSettings   *settings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DaemonSettings, daemon_settings_free)

G_END_DECLS
