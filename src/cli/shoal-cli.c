/* shoal-cli.c: the headless front end on the Shoal engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shoal-cli.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "info", shoal_cli_info, "Show what a .torrent file or magnet link describes" },
  { "download", shoal_cli_download, "Download a torrent (and optionally seed it)" },
  { "seed", shoal_cli_seed, "Check existing data and seed it" },
  { "verify", shoal_cli_verify, "Check data on disk against a torrent" },
  { "create", shoal_cli_create, "Make a .torrent of a file or directory" },
  { "feed", shoal_cli_feed, "Follow RSS/Atom feeds and download what rules pick" },
  { "watch", shoal_cli_watch, "Add the .torrent files put in a folder, until interrupted" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: shoal-cli COMMAND [OPTION…]\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun “shoal-cli COMMAND --help” for a command's options.\n");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* Progress lines piped to a log or another program are read as they
   * come, not a buffer later (or never, when the program is killed). */
  if (!isatty (STDOUT_FILENO))
    setvbuf (stdout, NULL, _IOLBF, 0);

  if (argc < 2)
    {
      usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("shoal-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "shoal-cli: unknown command “%s”\n", argv[1]);
  usage (stderr);
  return 2;
}
