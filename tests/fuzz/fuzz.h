/* fuzz.h: the libFuzzer entry point every target defines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Parsers log nothing on bad input, but be safe: a fuzz run must not abort
 * on a g_warning. */
static inline void
fuzz_set_up (void)
{
  static gboolean done;

  if (!done)
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK & ~G_LOG_LEVEL_CRITICAL);
      done = TRUE;
    }
}
