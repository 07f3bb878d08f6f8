/* fuzz-driver.c: runs a fuzz target over a seed corpus without libFuzzer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-X-corpus DIR|FILE...   Prints TAP, one test per input.
 */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"

static guint n_run;

static gboolean
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      printf ("not ok %u - %s: %s\n", ++n_run, path, error->message);
      return FALSE;
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  printf ("ok %u - %s\n", ++n_run, path);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  gboolean ok = TRUE;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            g_ptr_array_add (files, g_build_filename (argv[i], name, NULL));
        }
      else
        g_ptr_array_add (files, g_strdup (argv[i]));
    }

  if (files->len == 0)
    {
      fprintf (stderr, "No corpus inputs given\n");
      return 1;
    }

  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    ok &= run_file (files->pdata[i]);
  return ok ? 0 : 1;
}
