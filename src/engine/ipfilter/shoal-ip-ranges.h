/* shoal-ip-ranges.h: a parsed IP blocklist, sorted ranges with O(log n) lookup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_IP_FILTER_ERROR (shoal_ip_filter_error_quark ())

typedef enum
{
  SHOAL_IP_FILTER_ERROR_TOO_LARGE,   /* more than the bounds allow */
  SHOAL_IP_FILTER_ERROR_NO_RANGES,   /* lines, but not one range among them */
  SHOAL_IP_FILTER_ERROR_READ,        /* the file or the download failed */
  SHOAL_IP_FILTER_ERROR_SOURCE,      /* neither a file nor an http(s) URL */
} ShoalIpFilterError;

/* Bounds on what a list may make us do. */
#define SHOAL_IP_RANGES_MAX_INPUT   (G_GUINT64_CONSTANT (512) * 1024 * 1024) /* bytes, decompressed */
#define SHOAL_IP_RANGES_MAX_LINE    1024      /* bytes; a longer line is malformed */
#define SHOAL_IP_RANGES_MAX_RANGES  8000000u  /* before merging */

typedef struct _ShoalIpRanges ShoalIpRanges;

typedef struct
{
  guint64 n_lines;
  guint   n_ranges;        /* ranges read, before merging */
  guint   n_malformed;     /* lines skipped as unreadable */
  guint   n_allowed;       /* DAT lines whose level lets the range through */
  guint64 first_malformed; /* its line number, 0: none */
  char   *first_reason;    /* why it was skipped, NULL: none */
} ShoalIpRangesReport;

GQuark         shoal_ip_filter_error_quark    (void);

ShoalIpRanges *shoal_ip_ranges_parse_data     (const guint8         *data,
                                               gsize                 len,
                                               ShoalIpRangesReport  *report,
                                               GError              **error);
ShoalIpRanges *shoal_ip_ranges_parse_stream   (GInputStream         *stream,
                                               GCancellable         *cancellable,
                                               ShoalIpRangesReport  *report,
                                               GError              **error);
ShoalIpRanges *shoal_ip_ranges_ref            (ShoalIpRanges        *self);
void           shoal_ip_ranges_unref          (ShoalIpRanges        *self);

guint          shoal_ip_ranges_get_n_ranges   (ShoalIpRanges        *self);
guint          shoal_ip_ranges_get_n_ipv4     (ShoalIpRanges        *self);
gsize          shoal_ip_ranges_get_memory     (ShoalIpRanges        *self);
gboolean       shoal_ip_ranges_contains       (ShoalIpRanges        *self,
                                               GInetAddress         *address);
gboolean       shoal_ip_ranges_contains_bytes (ShoalIpRanges        *self,
                                               const guint8         *bytes,
                                               gsize                 len);

void           shoal_ip_ranges_report_clear   (ShoalIpRangesReport  *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalIpRanges, shoal_ip_ranges_unref)

G_END_DECLS
