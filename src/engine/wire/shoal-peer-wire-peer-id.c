/* shoal-peer-wire-peer-id.c: peer ids, ours and the client names in theirs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part of the peer wire codec (shoal-peer-wire.h): generating our peer id
 * and turning a peer's id into a client name and version for display
 * (Azureus, Mainline and Shadow styles).
 */
#include "config.h"

#include <string.h>

#include "shoal-peer-wire.h"

static const char version_digits[] =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Clients encode version numbers above 9 with letters, base 62. */
static int
version_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 36;
  return -1;
}

typedef struct
{
  char        code[3];
  const char *name;
} AzureusClient;

/* Azureus-style "-XX1234-" client codes (BEP 20 and common practice). */
static const AzureusClient azureus_clients[] = {
  { "A~", "Ares" },
  { "AG", "Ares" },
  { "AR", "Arctic" },
  { "AT", "Artemis" },
  { "AX", "BitPump" },
  { "AZ", "Vuze" },
  { "BB", "BitBuddy" },
  { "BC", "BitComet" },
  { "BE", "BitTorrent SDK" },
  { "BF", "Bitflu" },
  { "BG", "BTG" },
  { "BI", "BiglyBT" },
  { "BN", "Baidu Netdisk" },
  { "BR", "BitRocket" },
  { "BS", "BTSlave" },
  { "BT", "BitTorrent" },
  { "BW", "BitWombat" },
  { "BX", "BittorrentX" },
  { "CD", "Enhanced CTorrent" },
  { "CT", "CTorrent" },
  { "DE", "Deluge" },
  { "EB", "EBit" },
  { "ES", "Electric Sheep" },
  { "FD", "Free Download Manager" },
  { "FT", "FoxTorrent" },
  { "FW", "FrostWire" },
  { "FX", "Freebox BitTorrent" },
  { "HL", "Halite" },
  { "KG", "KGet" },
  { "KT", "KTorrent" },
  { "LC", "LeechCraft" },
  { "LH", "LH-ABC" },
  { "LP", "Lphant" },
  { "LT", "libtorrent (Rasterbar)" },
  { "lt", "libTorrent (Rakshasa)" },
  { "LW", "LimeWire" },
  { "MO", "MonoTorrent" },
  { "MR", "Miro" },
  { "MT", "MoonlightTorrent" },
  { "OS", "OneSwarm" },
  { "PD", "Pando" },
  { "PI", "PicoTorrent" },
  { "qB", "qBittorrent" },
  { "QD", "QQDownload" },
  { "RT", "Retriever" },
  { "SD", "Thunder" },
  { "SH", "Shoal" },
  { "SP", "BitSpirit" },
  { "ST", "SymTorrent" },
  { "SZ", "Shareaza" },
  { "TL", "Tribler" },
  { "TR", "Transmission" },
  { "TS", "Torrentstorm" },
  { "TT", "TuoTu" },
  { "UM", "\xc2\xb5Torrent Mac" },
  { "UT", "\xc2\xb5Torrent" },
  { "UW", "\xc2\xb5Torrent Web" },
  { "VG", "Vagaa" },
  { "WD", "WebTorrent Desktop" },
  { "WW", "WebTorrent" },
  { "XF", "Xfplay" },
  { "XL", "Xunlei" },
  { "XX", "Xtorrent" },
  { "ZT", "ZipTorrent" },
};

static const char *
lookup_azureus_client (const guint8 *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (azureus_clients); i++)
    if (azureus_clients[i].code[0] == (char) code[0] &&
        azureus_clients[i].code[1] == (char) code[1])
      return azureus_clients[i].name;
  return NULL;
}

/* Transmission changed its scheme twice: "-TR0072-" is 0.72, "-TR294Z-"
 * 2.94+ (a development build), "-TR3000-" 3.00, "-TR400B-" 4.0.0 beta. */
static char *
transmission_version (const guint8 *id)
{
  const char *suffix = "";

  if (id[3] == '0' && id[4] == '0' && id[5] == '0')
    return g_strdup_printf ("Transmission 0.%c", id[6]);
  if (id[3] == '0' && id[4] == '0')
    return g_strdup_printf ("Transmission 0.%c%c", id[5], id[6]);
  if (id[6] == 'Z' || id[6] == 'X')
    suffix = "+";
  if (id[3] <= '3')
    return g_strdup_printf ("Transmission %c.%c%c%s", id[3], id[4], id[5], suffix);
  if (id[6] == 'B')
    suffix = " Beta";
  return g_strdup_printf ("Transmission %d.%d.%d%s", version_digit (id[3]),
                          version_digit (id[4]), version_digit (id[5]), suffix);
}

static char *
azureus_client (const guint8 *id)
{
  const char *name;

  if (id[0] != '-' || id[7] != '-')
    return NULL;
  for (int i = 1; i < 7; i++)
    if (!g_ascii_isalnum (id[i]) && !(i == 2 && id[i] == '~'))
      return NULL;
  name = lookup_azureus_client (id + 1);
  if (name == NULL)
    return NULL;

  if (id[1] == 'T' && id[2] == 'R')
    return transmission_version (id);

  /* Three version digits; the fourth is a build or release tag that only
   * some clients use as a number. */
  if (id[6] >= '1' && id[6] <= '9')
    return g_strdup_printf ("%s %d.%d.%d.%c", name, version_digit (id[3]),
                            version_digit (id[4]), version_digit (id[5]), id[6]);
  return g_strdup_printf ("%s %d.%d.%d", name, version_digit (id[3]),
                          version_digit (id[4]), version_digit (id[5]));
}

/* Mainline style, as in "M7-4-3--" or aria2's "A2-1-36-0-": decimal
 * numbers separated by dashes after a fixed prefix. */
static char *
dashed_client (const guint8 *id,
               gsize         prefix_len,
               const char   *name)
{
  guint numbers[3];
  gsize pos = prefix_len;

  for (guint n = 0; n < 3; n++)
    {
      gsize start = pos;
      guint value = 0;

      while (pos < SHOAL_PEER_WIRE_PEER_ID_LEN && g_ascii_isdigit (id[pos]) && pos - start < 3)
        value = value * 10 + (id[pos++] - '0');
      if (pos == start || pos >= SHOAL_PEER_WIRE_PEER_ID_LEN || id[pos] != '-')
        return NULL;
      pos++;
      numbers[n] = value;
    }
  return g_strdup_printf ("%s %u.%u.%u", name, numbers[0], numbers[1], numbers[2]);
}

/* Shadow style, as in "S58B-----": a letter, then up to five base-64
 * version digits, then dashes. */
static char *
shadow_client (const guint8 *id)
{
  static const struct { char letter; const char *name; } clients[] = {
    { 'A', "ABC" },
    { 'O', "Osprey Permaseed" },
    { 'Q', "BTQueue" },
    { 'R', "Tribler" },
    { 'S', "Shadow" },
    { 'T', "BitTornado" },
    { 'U', "UPnP NAT BitTorrent" },
  };
  const char *name = NULL;
  g_autoptr(GString) out = NULL;
  gsize n = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (clients); i++)
    if (clients[i].letter == (char) id[0])
      name = clients[i].name;
  if (name == NULL)
    return NULL;

  while (n < 5 && (g_ascii_isalnum (id[1 + n]) || id[1 + n] == '.'))
    n++;
  if (n < 3 || id[1 + n] != '-' || id[2 + n] != '-')
    return NULL;

  out = g_string_new (name);
  for (gsize i = 0; i < n; i++)
    {
      int d = id[1 + i] == '.' ? 62 : version_digit (id[1 + i]);

      g_string_append_printf (out, "%c%d", i == 0 ? ' ' : '.', d);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * shoal_peer_wire_peer_id_to_client:
 * @peer_id: a 20-byte peer id
 *
 * Names the client that made @peer_id, from the conventions clients use
 * (Azureus "-LT2080-", Shadow "S58B-----", Mainline "M7-4-3--", aria2
 * "A2-1-36-0-"), such as "libtorrent (Rasterbar) 2.0.8". An id that follows
 * none of them is shown as its first 8 bytes, with bytes that are not
 * printable ASCII escaped as `\xNN`.
 *
 * Returns: (transfer full): a printable, valid UTF-8 client name
 */
char *
shoal_peer_wire_peer_id_to_client (const guint8 peer_id[SHOAL_PEER_WIRE_PEER_ID_LEN])
{
  char *name;
  GString *out;

  g_return_val_if_fail (peer_id != NULL, NULL);

  if ((name = azureus_client (peer_id)) != NULL)
    return name;
  if (peer_id[0] == 'A' && peer_id[1] == '2' && peer_id[2] == '-' &&
      (name = dashed_client (peer_id, 3, "aria2")) != NULL)
    return name;
  if (peer_id[0] == 'M' && (name = dashed_client (peer_id, 1, "Mainline")) != NULL)
    return name;
  if ((name = shadow_client (peer_id)) != NULL)
    return name;

  out = g_string_new (NULL);
  for (guint i = 0; i < 8; i++)
    {
      if (peer_id[i] >= 0x20 && peer_id[i] < 0x7f && peer_id[i] != '\\')
        g_string_append_c (out, peer_id[i]);
      else
        g_string_append_printf (out, "\\x%02x", peer_id[i]);
    }
  return g_string_free (out, FALSE);
}

/**
 * shoal_peer_wire_generate_peer_id:
 * @out: (out caller-allocates): the new peer id
 *
 * Makes a peer id in Azureus style from Shoal's version, "-SH0100-" for
 * 0.1.0, followed by 12 random letters and digits.
 */
void
shoal_peer_wire_generate_peer_id (guint8 out[SHOAL_PEER_WIRE_PEER_ID_LEN])
{
  g_auto(GStrv) parts = g_strsplit (PACKAGE_VERSION, ".", 4);
  guint n_parts = g_strv_length (parts);

  out[0] = '-';
  out[1] = 'S';
  out[2] = 'H';
  for (guint i = 0; i < 3; i++)
    {
      guint64 v = i < n_parts ? g_ascii_strtoull (parts[i], NULL, 10) : 0;

      out[3 + i] = version_digits[MIN (v, sizeof version_digits - 2)];
    }
  out[6] = '0';
  out[7] = '-';
  for (guint i = 8; i < SHOAL_PEER_WIRE_PEER_ID_LEN; i++)
    out[i] = version_digits[g_random_int_range (0, sizeof version_digits - 1)];
}

/**
 * shoal_peer_wire_generate_random_peer_id:
 * @out: (out caller-allocates): the new peer id
 *
 * Makes a peer id that names no client: 20 random letters and digits, so
 * that no prefix says "Shoal" nor its version (nor, but by chance, any
 * other client's).
 */
void
shoal_peer_wire_generate_random_peer_id (guint8 out[SHOAL_PEER_WIRE_PEER_ID_LEN])
{
  for (guint i = 0; i < SHOAL_PEER_WIRE_PEER_ID_LEN; i++)
    out[i] = version_digits[g_random_int_range (0, sizeof version_digits - 1)];
  /* not Azureus style ("-XX1234-") */
  if (out[0] == '-')
    out[0] = 'x';
}
