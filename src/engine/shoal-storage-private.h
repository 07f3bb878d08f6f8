/* shoal-storage-private.h: ShoalStorage internals for tests and benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-storage.h"

G_BEGIN_DECLS

/* How many distinct worker threads hashed pieces in the last recheck. */
guint shoal_storage_get_last_recheck_n_threads (ShoalStorage *self);

G_END_DECLS
