/* shoal-cli.h: subcommands of shoal-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each subcommand gets argv with argv[0] being the subcommand's name and
 * returns the process exit status. */
int shoal_cli_info     (int argc, char **argv);
int shoal_cli_download (int argc, char **argv);
int shoal_cli_seed     (int argc, char **argv);
int shoal_cli_verify   (int argc, char **argv);
int shoal_cli_create   (int argc, char **argv);
int shoal_cli_feed     (int argc, char **argv);
int shoal_cli_watch    (int argc, char **argv);

G_END_DECLS
