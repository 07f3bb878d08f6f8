/* test-public-header.c: the engine's public API through <shoal-engine.h> alone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built like a front end (libshoal_engine_dep, without
 * SHOAL_ENGINE_COMPILATION) and including nothing but the umbrella header:
 * it compiles only if the public headers are complete by themselves, and
 * the preprocessor checks below fail it if one of them leaks a private
 * subsystem (libsoup, the DHT, MSE, the announcer).
 */
#include <shoal-engine.h>

#ifdef SHOAL_ENGINE_COMPILATION
# error "this test must be built as a front end, without SHOAL_ENGINE_COMPILATION"
#endif
#ifdef SHOAL_ENGINE_INSIDE
# error "shoal-engine.h must undefine SHOAL_ENGINE_INSIDE after its includes"
#endif
#if defined (SOUP_TYPE_SESSION) || defined (SOUP_MAJOR_VERSION)
# error "a public header includes libsoup"
#endif
#ifdef SHOAL_TYPE_DHT
# error "a public header includes the DHT"
#endif
#if defined (SHOAL_MSE_ERROR) || defined (SHOAL_MSE_KEY_LEN)
# error "a public header includes MSE"
#endif
#ifdef SHOAL_TYPE_ANNOUNCER
# error "a public header includes the announcer"
#endif
#if defined (SHOAL_TYPE_PEER_CONNECTION) || defined (SHOAL_PEER_WIRE_ERROR)
# error "a public header includes the peer wire"
#endif

static void
test_object_types (void)
{
  const GType types[] = {
    SHOAL_TYPE_SESSION,
    SHOAL_TYPE_TORRENT,
    SHOAL_TYPE_PEER,
    SHOAL_TYPE_METAINFO,
    SHOAL_TYPE_MAGNET,
    SHOAL_TYPE_TORRENT_CREATOR,
    SHOAL_TYPE_TRACKER_INFO,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_type_ensure (types[i]);
      g_assert_true (G_TYPE_IS_OBJECT (types[i]));
      g_assert_true (G_TYPE_IS_FINAL (types[i]));
    }
  g_assert_cmpstr (g_type_name (SHOAL_TYPE_SESSION), ==, "ShoalSession");
  g_assert_cmpstr (g_type_name (SHOAL_TYPE_TRACKER_INFO), ==, "ShoalTrackerInfo");
}

/* Every enum and flags type of the public headers has a GType, with the
 * nicks GSettings and GObject properties use. */
static void
test_enum_types (void)
{
  const GType enums[] = {
    SHOAL_TYPE_TORRENT_STATE,
    SHOAL_TYPE_FILE_PRIORITY,
    SHOAL_TYPE_ENCRYPTION_POLICY,
    SHOAL_TYPE_SESSION_ERROR,
    SHOAL_TYPE_METAINFO_ERROR,
    SHOAL_TYPE_MAGNET_ERROR,
    SHOAL_TYPE_TORRENT_CREATOR_ERROR,
    SHOAL_TYPE_TRACKER_STATUS,
    SHOAL_TYPE_ANNOUNCER_ERROR,
    SHOAL_TYPE_ANNOUNCE_URL_ERROR,
    SHOAL_TYPE_ANNOUNCE_URL_SCHEME,
  };
  const GType flags[] = {
    SHOAL_TYPE_PEER_FLAGS,
    SHOAL_TYPE_ADD_FLAGS,
    SHOAL_TYPE_TORRENT_VERSION,
    SHOAL_TYPE_FILE_ATTRIBUTES,
    SHOAL_TYPE_ANNOUNCE_URL_FLAGS,
  };
  g_autoptr(GEnumClass) policy = NULL;
  g_autoptr(GEnumClass) status = NULL;
  g_autoptr(GFlagsClass) add = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (enums); i++)
    g_assert_true (G_TYPE_IS_ENUM (enums[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    g_assert_true (G_TYPE_IS_FLAGS (flags[i]));

  policy = g_type_class_ref (SHOAL_TYPE_ENCRYPTION_POLICY);
  g_assert_cmpuint (policy->n_values, ==, 3);
  g_assert_cmpstr (g_enum_get_value (policy, SHOAL_ENCRYPTION_PREFER)->value_nick, ==, "prefer");
  g_assert_cmpstr (g_enum_get_value (policy, SHOAL_ENCRYPTION_REQUIRE)->value_nick, ==, "require");
  g_assert_cmpint (g_enum_get_value_by_nick (policy, "allow-plaintext")->value, ==,
                   SHOAL_ENCRYPTION_ALLOW_PLAINTEXT);

  status = g_type_class_ref (SHOAL_TYPE_TRACKER_STATUS);
  g_assert_cmpstr (g_enum_get_value (status, SHOAL_TRACKER_STATUS_BACKUP)->value_nick, ==, "backup");

  add = g_type_class_ref (SHOAL_TYPE_ADD_FLAGS);
  g_assert_cmpuint (g_flags_get_value_by_nick (add, "seed-mode")->value, ==, SHOAL_ADD_FLAGS_SEED_MODE);
  g_assert_cmpuint (g_flags_get_value_by_nick (add, "resume")->value, ==, SHOAL_ADD_FLAGS_RESUME);
}

/* A few calls through the public API, as a front end makes them. */
static void
test_calls (void)
{
  static const guint8 hash[SHOAL_SHA1_LEN] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
    0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
  };
  g_autofree char *hex = shoal_hex_encode (hash, sizeof hash);
  g_autofree char *uri = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=public", hex);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalMagnet) magnet = NULL;
  g_autoptr(ShoalMetainfo) info = NULL;
  g_autoptr(GBytes) garbage = g_bytes_new_static ("i42e", 4);
  g_autoptr(ShoalBitfield) pieces = shoal_bitfield_new (10);
  g_autoptr(ShoalTorrentCreator) creator = shoal_torrent_creator_new ("/nonexistent");

  g_assert_cmpstr (hex, ==, "0123456789abcdef0123456789abcdef01234567");

  magnet = shoal_magnet_new_from_uri (uri, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (shoal_magnet_get_info_hash_v1 (magnet), SHOAL_SHA1_LEN, hash, sizeof hash);
  g_assert_cmpstr (shoal_magnet_get_display_name (magnet), ==, "public");

  info = shoal_metainfo_new_from_bytes (garbage, &error);
  g_assert_null (info);
  g_assert_error (error, SHOAL_METAINFO_ERROR, SHOAL_METAINFO_ERROR_NOT_A_DICTIONARY);

  shoal_bitfield_set (pieces, 3, TRUE);
  g_assert_cmpuint (shoal_bitfield_count (pieces), ==, 1);
  g_assert_false (shoal_bitfield_is_full (pieces));

  g_assert_cmpstr (shoal_torrent_creator_get_path (creator), ==, "/nonexistent");
  g_assert_cmpuint (shoal_torrent_creator_auto_piece_size (1), >=, SHOAL_TORRENT_CREATOR_MIN_AUTO_PIECE_SIZE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/public-header/object-types", test_object_types);
  g_test_add_func ("/engine/public-header/enum-types", test_enum_types);
  g_test_add_func ("/engine/public-header/calls", test_calls);

  return g_test_run ();
}
