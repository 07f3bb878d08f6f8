/* shoal-ip-ranges.c: parsing a blocklist into sorted, merged ranges
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A line is one of
 *   P2P:   name:1.2.3.0-1.2.3.255          (the name may hold colons)
 *   DAT:   001.002.003.000 - 001.002.003.255 , 000 , name
 *          (eMule; a level above 127 lets the range through)
 *   CIDR:  1.2.3.0/24, 2001:db8::/32, a plain address, or start-end
 * and '#', "//" and ';' start a comment. The ranges are kept as two sorted
 * arrays (IPv4 as 32-bit pairs, IPv6 as two 64-bit halves each) with
 * overlapping and adjacent ranges merged, so a lookup is one binary search.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "shoal-ip-ranges.h"

G_DEFINE_QUARK (shoal-ip-filter-error-quark, shoal_ip_filter_error)

typedef struct
{
  guint32 start, end;
} Range4;

typedef struct
{
  guint64 start_hi, start_lo, end_hi, end_lo;
} Range6;

struct _ShoalIpRanges
{
  gatomicrefcount ref;
  Range4 *v4;
  gsize   n_v4;
  Range6 *v6;
  gsize   n_v6;
};

typedef struct
{
  GArray *v4;
  GArray *v6;
  ShoalIpRangesReport *report;
  GError *error; /* set once a bound is passed */
} Builder;

/* One address: 4 or 16 bytes. */
typedef struct
{
  guint8 bytes[16];
  guint  len;
} Addr;

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void
trim (const char **s,
      const char **e)
{
  while (*s < *e && is_space (**s))
    (*s)++;
  while (*e > *s && is_space ((*e)[-1]))
    (*e)--;
}

/* Dotted quad, each part 1 to 3 digits (DAT lists pad with zeros). */
static gboolean
parse_v4 (const char *s,
          const char *e,
          guint8      out[4])
{
  for (guint part = 0; part < 4; part++)
    {
      guint value = 0, digits = 0;

      while (s < e && *s >= '0' && *s <= '9' && digits < 4)
        {
          value = value * 10 + (guint) (*s - '0');
          digits++;
          s++;
        }
      if (digits == 0 || digits > 3 || value > 255)
        return FALSE;
      out[part] = (guint8) value;
      if (part < 3)
        {
          if (s >= e || *s != '.')
            return FALSE;
          s++;
        }
    }
  return s == e;
}

static gboolean
parse_addr (const char *s,
            const char *e,
            Addr       *out)
{
  char buf[64];

  trim (&s, &e);
  if (s == e)
    return FALSE;
  if (parse_v4 (s, e, out->bytes))
    {
      out->len = 4;
      return TRUE;
    }
  if ((gsize) (e - s) >= sizeof buf || memchr (s, ':', (gsize) (e - s)) == NULL)
    return FALSE;
  memcpy (buf, s, (gsize) (e - s));
  buf[e - s] = '\0';
  if (inet_pton (AF_INET6, buf, out->bytes) != 1)
    return FALSE;
  out->len = 16;
  return TRUE;
}

static void
set_host_bits (Addr    *a,
               guint    prefix,
               gboolean ones)
{
  for (guint i = 0; i < a->len; i++)
    {
      guint bit = i * 8;
      guint8 mask;

      if (bit + 8 <= prefix)
        continue;
      mask = bit >= prefix ? 0xff : (guint8) (0xff >> (prefix - bit));
      a->bytes[i] = ones ? (a->bytes[i] | mask) : (a->bytes[i] & (guint8) ~mask);
    }
}

/* "A-B", "A/len" or "A", into first and last address of one family. */
static gboolean
parse_range (const char  *s,
             const char  *e,
             Addr        *first,
             Addr        *last,
             const char **why)
{
  const char *dash = memchr (s, '-', (gsize) (e - s));
  const char *slash = memchr (s, '/', (gsize) (e - s));

  if (dash != NULL)
    {
      if (!parse_addr (s, dash, first) || !parse_addr (dash + 1, e, last))
        {
          *why = "not an address range";
          return FALSE;
        }
      if (first->len != last->len)
        {
          *why = "a range from one address family to the other";
          return FALSE;
        }
      if (memcmp (first->bytes, last->bytes, first->len) > 0)
        {
          *why = "a range that ends before it starts";
          return FALSE;
        }
      return TRUE;
    }
  if (slash != NULL)
    {
      const char *p = slash + 1, *pe = e;
      guint prefix = 0, digits = 0;

      trim (&p, &pe);
      while (p < pe && *p >= '0' && *p <= '9' && digits < 4)
        {
          prefix = prefix * 10 + (guint) (*p - '0');
          digits++;
          p++;
        }
      if (!parse_addr (s, slash, first) || digits == 0 || digits > 3 || p != pe)
        {
          *why = "not an address/prefix";
          return FALSE;
        }
      if (prefix > first->len * 8)
        {
          *why = "a prefix longer than the address";
          return FALSE;
        }
      *last = *first;
      set_host_bits (first, prefix, FALSE);
      set_host_bits (last, prefix, TRUE);
      return TRUE;
    }
  if (!parse_addr (s, e, first))
    {
      *why = "not an address";
      return FALSE;
    }
  *last = *first;
  return TRUE;
}

static guint64
load_be64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

static void
builder_add (Builder    *b,
             const Addr *first,
             const Addr *last)
{
  if (b->error != NULL)
    return;
  if (b->report->n_ranges >= SHOAL_IP_RANGES_MAX_RANGES)
    {
      g_set_error (&b->error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_TOO_LARGE,
                   "The blocklist has more than %u ranges", SHOAL_IP_RANGES_MAX_RANGES);
      return;
    }
  b->report->n_ranges++;
  if (first->len == 4)
    {
      Range4 r = {
        ((guint32) first->bytes[0] << 24) | ((guint32) first->bytes[1] << 16) |
        ((guint32) first->bytes[2] << 8) | first->bytes[3],
        ((guint32) last->bytes[0] << 24) | ((guint32) last->bytes[1] << 16) |
        ((guint32) last->bytes[2] << 8) | last->bytes[3],
      };
      g_array_append_val (b->v4, r);
    }
  else
    {
      Range6 r = {
        load_be64 (first->bytes), load_be64 (first->bytes + 8),
        load_be64 (last->bytes), load_be64 (last->bytes + 8),
      };
      g_array_append_val (b->v6, r);
    }
}

static void
malformed (Builder    *b,
           const char *why)
{
  ShoalIpRangesReport *r = b->report;

  r->n_malformed++;
  if (r->first_reason == NULL)
    {
      r->first_malformed = r->n_lines;
      r->first_reason = g_strdup (why);
    }
  if (r->n_malformed <= 5)
    g_debug ("Blocklist line %" G_GUINT64_FORMAT " skipped: %s", r->n_lines, why);
}

static void
parse_line (Builder    *b,
            const char *s,
            const char *e)
{
  const char *comma, *why = NULL;
  Addr first, last;

  b->report->n_lines++;
  trim (&s, &e);
  if (s == e || *s == '#' || *s == ';' || (e - s >= 2 && s[0] == '/' && s[1] == '/'))
    return;
  if (memchr (s, '\0', (gsize) (e - s)) != NULL)
    {
      malformed (b, "a NUL byte in the line");
      return;
    }

  comma = memchr (s, ',', (gsize) (e - s));
  if (comma != NULL)
    {
      /* DAT: range , level , name */
      const char *l = comma + 1, *le = memchr (l, ',', (gsize) (e - l));
      guint level = 0, digits = 0;

      if (le == NULL)
        le = e;
      trim (&l, &le);
      while (l < le && *l >= '0' && *l <= '9' && digits < 4)
        {
          level = level * 10 + (guint) (*l - '0');
          digits++;
          l++;
        }
      if (digits > 0 && digits <= 3 && l == le && parse_range (s, comma, &first, &last, &why))
        {
          if (level > 127)
            b->report->n_allowed++;
          else
            builder_add (b, &first, &last);
          return;
        }
      /* else perhaps a P2P line with a comma in its name */
    }

  if (parse_range (s, e, &first, &last, &why))
    {
      builder_add (b, &first, &last);
      return;
    }

  /* P2P: the name ends at a colon (it may hold colons itself, and so may
   * an IPv6 range): the first colon after which a start-end range follows. */
  for (const char *p = s; p < e; p++)
    if (*p == ':' && memchr (p + 1, '-', (gsize) (e - p - 1)) != NULL &&
        parse_range (p + 1, e, &first, &last, &why))
      {
        builder_add (b, &first, &last);
        return;
      }
  malformed (b, comma != NULL && memchr (s, ':', (gsize) (e - s)) == NULL
                ? "a DAT line that is not “start - end , level , name”" : why);
}

static int
cmp_range4 (gconstpointer a,
            gconstpointer b)
{
  const Range4 *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

static int
cmp_u128 (guint64 ah, guint64 al, guint64 bh, guint64 bl)
{
  if (ah != bh)
    return ah < bh ? -1 : 1;
  return al < bl ? -1 : al > bl;
}

static int
cmp_range6 (gconstpointer a,
            gconstpointer b)
{
  const Range6 *x = a, *y = b;

  return cmp_u128 (x->start_hi, x->start_lo, y->start_hi, y->start_lo);
}

static gsize
merge4 (Range4 *r,
        gsize   n)
{
  gsize out = 0;

  if (n == 0)
    return 0;
  qsort (r, n, sizeof *r, cmp_range4);
  for (gsize i = 1; i < n; i++)
    {
      /* overlapping or adjacent: one range */
      if (r[out].end == G_MAXUINT32 || r[i].start <= r[out].end + 1)
        {
          if (r[i].end > r[out].end)
            r[out].end = r[i].end;
        }
      else
        r[++out] = r[i];
    }
  return out + 1;
}

static gsize
merge6 (Range6 *r,
        gsize   n)
{
  gsize out = 0;

  if (n == 0)
    return 0;
  qsort (r, n, sizeof *r, cmp_range6);
  for (gsize i = 1; i < n; i++)
    {
      guint64 nh = r[out].end_hi, nl = r[out].end_lo + 1;
      gboolean at_top = r[out].end_hi == G_MAXUINT64 && r[out].end_lo == G_MAXUINT64;

      if (nl == 0)
        nh++;
      if (at_top || cmp_u128 (r[i].start_hi, r[i].start_lo, nh, nl) <= 0)
        {
          if (cmp_u128 (r[i].end_hi, r[i].end_lo, r[out].end_hi, r[out].end_lo) > 0)
            {
              r[out].end_hi = r[i].end_hi;
              r[out].end_lo = r[i].end_lo;
            }
        }
      else
        r[++out] = r[i];
    }
  return out + 1;
}

static ShoalIpRanges *
builder_finish (Builder  *b,
                GError  **error)
{
  ShoalIpRanges *self;

  if (b->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&b->error));
      return NULL;
    }
  if (b->v4->len == 0 && b->v6->len == 0 && b->report->n_malformed > 0)
    {
      g_set_error (error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_NO_RANGES,
                   "Not a blocklist: none of its %u non-comment lines is a range (line %" G_GUINT64_FORMAT ": %s)",
                   b->report->n_malformed, b->report->first_malformed, b->report->first_reason);
      return NULL;
    }

  self = g_new0 (ShoalIpRanges, 1);
  g_atomic_ref_count_init (&self->ref);
  self->n_v4 = merge4 ((Range4 *) (void *) b->v4->data, b->v4->len);
  self->n_v6 = merge6 ((Range6 *) (void *) b->v6->data, b->v6->len);
  /* Give back what merging and the array's growth left unused. */
  self->v4 = g_memdup2 (b->v4->data, self->n_v4 * sizeof (Range4));
  self->v6 = g_memdup2 (b->v6->data, self->n_v6 * sizeof (Range6));
  return self;
}

static void
builder_init (Builder             *b,
              ShoalIpRangesReport *report)
{
  memset (report, 0, sizeof *report);
  b->report = report;
  b->v4 = g_array_new (FALSE, FALSE, sizeof (Range4));
  b->v6 = g_array_new (FALSE, FALSE, sizeof (Range6));
  b->error = NULL;
}

static void
builder_clear (Builder *b)
{
  g_clear_pointer (&b->v4, g_array_unref);
  g_clear_pointer (&b->v6, g_array_unref);
  g_clear_error (&b->error);
}

/* Splits a buffer into lines; a line longer than the bound is skipped as
 * malformed up to its end, which may be in a later buffer. */
typedef struct
{
  char     line[SHOAL_IP_RANGES_MAX_LINE];
  gsize    len;
  gboolean overlong;
} LineSplitter;

static void
feed (Builder      *b,
      LineSplitter *ls,
      const char   *data,
      gsize         n,
      gboolean      at_end)
{
  const char *p = data, *end = data + n;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl != NULL ? nl : end;
      gsize chunk = (gsize) (stop - p);

      if (!ls->overlong)
        {
          if (ls->len == 0 && nl != NULL && chunk <= sizeof ls->line)
            parse_line (b, p, stop); /* the common case: no copy */
          else if (ls->len + chunk <= sizeof ls->line)
            {
              memcpy (ls->line + ls->len, p, chunk);
              ls->len += chunk;
              if (nl != NULL)
                parse_line (b, ls->line, ls->line + ls->len);
            }
          else
            ls->overlong = TRUE;
        }
      if (nl == NULL)
        break;
      if (ls->overlong)
        {
          b->report->n_lines++;
          malformed (b, "a line longer than " G_STRINGIFY (SHOAL_IP_RANGES_MAX_LINE) " bytes");
        }
      ls->len = 0;
      ls->overlong = FALSE;
      p = nl + 1;
    }
  if (at_end)
    {
      if (ls->overlong)
        {
          b->report->n_lines++;
          malformed (b, "a line longer than " G_STRINGIFY (SHOAL_IP_RANGES_MAX_LINE) " bytes");
        }
      else if (ls->len > 0)
        parse_line (b, ls->line, ls->line + ls->len);
      ls->len = 0;
      ls->overlong = FALSE;
    }
}

/**
 * shoal_ip_ranges_parse_data:
 * @data: (array length=len): the list's text (not compressed)
 * @report: (out caller-allocates): what was read, to clear with
 *   shoal_ip_ranges_report_clear()
 *
 * Parses a blocklist held in memory. Malformed lines are counted in
 * @report and skipped; fails only when a bound is passed or when no line
 * at all is a range.
 *
 * Returns: (transfer full): the ranges, or %NULL with @error set
 */
ShoalIpRanges *
shoal_ip_ranges_parse_data (const guint8         *data,
                            gsize                 len,
                            ShoalIpRangesReport  *report,
                            GError              **error)
{
  Builder b;
  g_autofree LineSplitter *ls = g_new0 (LineSplitter, 1);
  ShoalIpRanges *ranges;

  builder_init (&b, report);
  if (len > SHOAL_IP_RANGES_MAX_INPUT)
    {
      builder_clear (&b);
      g_set_error (error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_TOO_LARGE,
                   "The blocklist is larger than %" G_GUINT64_FORMAT " MiB", SHOAL_IP_RANGES_MAX_INPUT >> 20);
      return NULL;
    }
  feed (&b, ls, (const char *) data, len, TRUE);
  ranges = builder_finish (&b, error);
  builder_clear (&b);
  return ranges;
}

/**
 * shoal_ip_ranges_parse_stream:
 * @report: (out caller-allocates): as for shoal_ip_ranges_parse_data()
 *
 * Reads and parses a blocklist from @stream, gzip-compressed or not (told
 * by its first two bytes). Blocks: call it in a thread.
 *
 * Returns: (transfer full): the ranges, or %NULL with @error set
 */
ShoalIpRanges *
shoal_ip_ranges_parse_stream (GInputStream         *stream,
                              GCancellable         *cancellable,
                              ShoalIpRangesReport  *report,
                              GError              **error)
{
  g_autoptr(GInputStream) buffered = g_buffered_input_stream_new (stream);
  g_autoptr(GInputStream) input = NULL;
  g_autofree char *buf = g_malloc (64 * 1024);
  g_autofree LineSplitter *ls = g_new0 (LineSplitter, 1);
  const guint8 *head;
  gsize head_len = 0;
  guint64 total = 0;
  Builder b;
  ShoalIpRanges *ranges;

  builder_init (&b, report);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 2, cancellable, error) < 0)
    {
      builder_clear (&b);
      return NULL;
    }
  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered), &head_len);
  if (head_len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);

      input = g_converter_input_stream_new (buffered, G_CONVERTER (gz));
    }
  else
    input = g_object_ref (buffered);

  for (;;)
    {
      gssize n = g_input_stream_read (input, buf, 64 * 1024, cancellable, error);

      if (n < 0)
        {
          builder_clear (&b);
          return NULL;
        }
      total += (guint64) n;
      if (total > SHOAL_IP_RANGES_MAX_INPUT)
        {
          builder_clear (&b);
          g_set_error (error, SHOAL_IP_FILTER_ERROR, SHOAL_IP_FILTER_ERROR_TOO_LARGE,
                       "The blocklist is larger than %" G_GUINT64_FORMAT " MiB", SHOAL_IP_RANGES_MAX_INPUT >> 20);
          return NULL;
        }
      feed (&b, ls, buf, (gsize) n, n == 0);
      if (n == 0 || b.error != NULL)
        break;
    }
  ranges = builder_finish (&b, error);
  builder_clear (&b);
  return ranges;
}

ShoalIpRanges *
shoal_ip_ranges_ref (ShoalIpRanges *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
shoal_ip_ranges_unref (ShoalIpRanges *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref))
    return;
  g_free (self->v4);
  g_free (self->v6);
  g_free (self);
}

/* Merged ranges, IPv4 and IPv6. */
guint
shoal_ip_ranges_get_n_ranges (ShoalIpRanges *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint) (self->n_v4 + self->n_v6);
}

guint
shoal_ip_ranges_get_n_ipv4 (ShoalIpRanges *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint) self->n_v4;
}

/* Bytes the ranges take. */
gsize
shoal_ip_ranges_get_memory (ShoalIpRanges *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return sizeof *self + self->n_v4 * sizeof (Range4) + self->n_v6 * sizeof (Range6);
}

static gboolean
contains4 (ShoalIpRanges *self,
           guint32        a)
{
  gsize lo = 0, hi = self->n_v4;

  /* the last range starting at or before a */
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (self->v4[mid].start <= a)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 && self->v4[lo - 1].end >= a;
}

static gboolean
contains6 (ShoalIpRanges *self,
           guint64        h,
           guint64        l)
{
  gsize lo = 0, hi = self->n_v6;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (cmp_u128 (self->v6[mid].start_hi, self->v6[mid].start_lo, h, l) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 && cmp_u128 (self->v6[lo - 1].end_hi, self->v6[lo - 1].end_lo, h, l) >= 0;
}

/* @bytes: 4 or 16 bytes in network order. An IPv4-mapped IPv6 address is
 * looked up as the IPv4 address it maps. */
gboolean
shoal_ip_ranges_contains_bytes (ShoalIpRanges *self,
                                const guint8  *bytes,
                                gsize          len)
{
  static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

  g_return_val_if_fail (self != NULL, FALSE);
  if (len == 16 && memcmp (bytes, mapped, sizeof mapped) == 0)
    {
      bytes += 12;
      len = 4;
    }
  if (len == 4)
    return contains4 (self, ((guint32) bytes[0] << 24) | ((guint32) bytes[1] << 16) |
                            ((guint32) bytes[2] << 8) | bytes[3]);
  if (len == 16)
    return contains6 (self, load_be64 (bytes), load_be64 (bytes + 8));
  return FALSE;
}

gboolean
shoal_ip_ranges_contains (ShoalIpRanges *self,
                          GInetAddress  *address)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);
  return shoal_ip_ranges_contains_bytes (self, g_inet_address_to_bytes (address),
                                         g_inet_address_get_native_size (address));
}

void
shoal_ip_ranges_report_clear (ShoalIpRangesReport *report)
{
  g_clear_pointer (&report->first_reason, g_free);
}
