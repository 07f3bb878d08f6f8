/* session-fixture.h: generated torrents and sessions on 127.0.0.1 for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "shoal-engine.h"
#include "shoal-bencode.h"

G_BEGIN_DECLS

/* A generated v1 torrent and the bytes of its piece stream. */
typedef struct
{
  ShoalMetainfo *info;
  GBytes        *content;
} SfTorrent;

SfTorrent    *sf_torrent_new             (const char    *name,
                                          const guint64 *lengths,
                                          guint          n_files,
                                          guint64        piece_length,
                                          guint32        seed);
SfTorrent    *sf_torrent_new_private     (const char    *name,
                                          const guint64 *lengths,
                                          guint          n_files,
                                          guint64        piece_length,
                                          guint32        seed);
void          sf_torrent_free            (SfTorrent     *self);
void          sf_torrent_write           (SfTorrent     *self,
                                          const char    *save_dir);
char         *sf_torrent_file_path       (SfTorrent     *self,
                                          const char    *save_dir,
                                          guint          file_index);
gboolean      sf_torrent_file_matches    (SfTorrent     *self,
                                          const char    *save_dir,
                                          guint          file_index);
void          sf_torrent_assert_files    (SfTorrent     *self,
                                          const char    *save_dir);
void          sf_torrent_corrupt_piece   (SfTorrent     *self,
                                          const char    *save_dir,
                                          guint          piece);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SfTorrent, sf_torrent_free)

/* A session listening on 127.0.0.1 with its own state and data dirs. */
typedef struct
{
  char         *state_dir;
  char         *data_dir;
  ShoalSession *session;
} SfNode;

SfNode       *sf_node_new                (const char    *parent_dir,
                                          const char    *name);
void          sf_node_restart            (SfNode        *self);
void          sf_node_stop               (SfNode        *self);
void          sf_node_free               (SfNode        *self);
char         *sf_node_address            (SfNode        *self);

/* Runs the default main context for a while (to see that nothing
 * happens), or until nothing is left to dispatch. */
void          sf_run_for                 (guint          milliseconds);
void          sf_drain                   (void);

/* Lets warnings that contain @substring through G_DEBUG=fatal-warnings,
 * for tests that provoke them on purpose; NULL clears the list. Needs
 * sf_init_logging() at the start of main(). */
void          sf_init_logging            (void);
void          sf_allow_warning           (const char    *substring);

void          sf_rm_rf                   (const char    *path);

/*
 * SF_WAIT (expr, seconds): runs the main loop until @expr is true; if it is
 * still false after @seconds, fails the test and returns from the (void)
 * test function, so that the other tests still run. The loop wakes at
 * least every 50 ms, so @expr may also look at things outside the loop.
 */
#define SF_WAIT(expr, seconds)                                                      \
  G_STMT_START {                                                                    \
    gint64 sf_deadline_ = g_get_monotonic_time () + (gint64) (seconds) * G_USEC_PER_SEC; \
    guint sf_tick_ = g_timeout_add (50, sf_wake_cb, NULL);                          \
    while (!(expr) && g_get_monotonic_time () < sf_deadline_)                       \
      g_main_context_iteration (NULL, TRUE);                                        \
    g_source_remove (sf_tick_);                                                     \
    if (!(expr))                                                                    \
      {                                                                             \
        g_test_fail_printf ("%s:%d: timed out after %d s waiting for: %s",         \
                            __FILE__, __LINE__, (int) (seconds), #expr);            \
        return;                                                                     \
      }                                                                             \
  } G_STMT_END

gboolean      sf_wake_cb                 (gpointer       data);

G_END_DECLS
