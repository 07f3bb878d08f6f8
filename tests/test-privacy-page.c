/* test-privacy-page.c: Preferences › Privacy, driven as a user would,
 * and what reaches the settings and the session
 *
 * Copyright 2026 The Shoal developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <adwaita.h>

#include "shoal-network-banner.h"
#include "shoal-privacy-page.h"

#define SCHEMA_ID "io.github.shoal.Shoal"

static char *tmp_dir;

static void
spin_until (gboolean (*done) (gpointer),
            gpointer   data,
            guint      ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (!done (data) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static GtkWidget *
find_row_titled (GtkWidget  *root,
                 const char *title)
{
  if (ADW_IS_PREFERENCES_ROW (root) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row_titled (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
row (GtkWidget  *page,
     const char *title)
{
  GtkWidget *found = find_row_titled (page, title);

  g_assert_nonnull (found);
  return found;
}

/* As a click does (GtkSwitch's activation animates first). */
static void
toggle (GtkWidget *switch_row)
{
  GtkSwitch *toggle_switch = GTK_SWITCH (find_descendant (switch_row, GTK_TYPE_SWITCH));

  gtk_switch_set_active (toggle_switch, !gtk_switch_get_active (toggle_switch));
}

static void
set_text (GtkWidget  *entry_row,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry_row), text);
}

static guint
n_ranges (ShoalSession *session)
{
  return shoal_session_get_blocklist_n_ranges (session);
}

static gboolean
has_three (gpointer data)
{
  return n_ranges (data) == 3;
}

static gboolean
has_four (gpointer data)
{
  return n_ranges (data) == 4;
}

static gboolean
status_says_three (gpointer data)
{
  const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (data));

  return g_strcmp0 (subtitle, "3 ranges loaded, 1 unreadable line skipped") == 0;
}

static void
test_page_reaches_session (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autofree char *state = g_build_filename (tmp_dir, "state", NULL);
  g_autoptr(ShoalSession) session = shoal_session_new (state);
  g_autoptr(ShoalSession) other = NULL;
  g_autofree char *list = g_build_filename (tmp_dir, "list.p2p", NULL);
  g_autofree char *proxy = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = GTK_WIDGET (shoal_privacy_page_new (settings, session));
  GListModel *names;
  AdwComboRow *interface, *type;
  GtkWidget *host, *user, *password, *status, *hide;
  GtkSpinButton *port;

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (window));
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), "privacy");

  /* Interfaces: "Any" first, the machine's (no loopback) after. */
  interface = ADW_COMBO_ROW (row (page, "_Interface"));
  names = adw_combo_row_get_model (interface);
  g_assert_cmpuint (g_list_model_get_n_items (names), >=, 1);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 0), ==, "Any");
  g_assert_cmpuint (adw_combo_row_get_selected (interface), ==, 0);
  for (guint i = 1; i < g_list_model_get_n_items (names); i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), i), !=, "lo");
  if (g_list_model_get_n_items (names) > 1)
    {
      const char *first = gtk_string_list_get_string (GTK_STRING_LIST (names), 1);

      adw_combo_row_set_selected (interface, 1);
      g_assert_cmpstr (g_settings_get_string (settings, "network-interface"), ==, first);
      /* the page hands it to the session at once */
      g_assert_cmpstr (shoal_session_get_interface (session), ==, first);
      /* the engine takes it */
      other = shoal_session_new (state);
      g_assert_true (shoal_session_set_interface (other, first, &error));
      g_assert_no_error (error);
      g_clear_object (&other);
    }
  adw_combo_row_set_selected (interface, 0);
  g_assert_cmpstr (g_settings_get_string (settings, "network-interface"), ==, "");
  g_assert_null (shoal_session_get_interface (session));

  /* Proxy: the rows make one URI the engine takes. */
  type = ADW_COMBO_ROW (row (page, "_Proxy"));
  host = row (page, "_Host");
  user = row (page, "_Username");
  password = row (page, "Pass_word");
  port = GTK_SPIN_BUTTON (find_descendant (row (page, "P_ort"), GTK_TYPE_SPIN_BUTTON));
  g_assert_cmpuint (adw_combo_row_get_selected (type), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (host));
  adw_combo_row_set_selected (type, 2);
  g_assert_true (gtk_widget_get_sensitive (host));
  g_assert_true (gtk_widget_get_sensitive (user));
  g_assert_cmpstr (g_settings_get_string (settings, "proxy"), ==, "");  /* no host yet */
  set_text (host, "10.1.2.3");
  gtk_spin_button_set_value (port, 9050);
  set_text (user, "me");
  set_text (password, "p w@");
  /* Typing reconnects nothing: a text field counts once applied (Enter);
   * the port, changed after the host was typed, took it along. */
  g_assert_cmpstr (g_settings_get_string (settings, "proxy"), ==, "socks5://10.1.2.3:9050");
  g_assert_cmpstr (shoal_session_get_proxy (session), ==, "socks5://10.1.2.3:9050");
  g_signal_emit_by_name (host, "apply");
  g_signal_emit_by_name (user, "apply");
  g_signal_emit_by_name (password, "apply");
  proxy = g_settings_get_string (settings, "proxy");
  g_assert_cmpstr (proxy, ==, "socks5://me:p%20w%40@10.1.2.3:9050");
  g_assert_cmpstr (shoal_session_get_proxy (session), ==, proxy);
  other = shoal_session_new (state);
  g_assert_true (shoal_session_set_proxy (other, proxy, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_session_get_proxy_peers (other));
  g_clear_object (&other);
  g_clear_pointer (&proxy, g_free);

  /* HTTP: no peers through it. */
  adw_combo_row_set_selected (type, 3);
  g_assert_true (gtk_widget_get_sensitive (user));
  g_assert_false (gtk_widget_get_sensitive (row (page, "Proxy _Peer Connections")));
  proxy = g_settings_get_string (settings, "proxy");
  g_assert_cmpstr (proxy, ==, "http://me:p%20w%40@10.1.2.3:9050");
  other = shoal_session_new (state);
  g_assert_true (shoal_session_set_proxy (other, proxy, &error));
  g_assert_cmpstr (shoal_session_get_proxy_note (other), ==, "Not asked: UDP trackers cannot go through an HTTP proxy");
  g_clear_object (&other);
  g_clear_pointer (&proxy, g_free);

  adw_combo_row_set_selected (type, 1);
  g_assert_cmpstr (g_settings_get_string (settings, "proxy"), ==, "system");
  adw_combo_row_set_selected (type, 0);
  g_assert_cmpstr (g_settings_get_string (settings, "proxy"), ==, "");
  g_assert_null (shoal_session_get_proxy (session));

  /* Blocklist: applied to the running session, its count shown. */
  g_assert_true (g_file_set_contents (list, "# level 1\n"
                                      "one:10.0.0.0-10.0.0.255\n"
                                      "two:10.2.0.0-10.2.0.255\n"
                                      "three:10.4.0.0-10.4.0.255\n"
                                      "this is not a range\n", -1, NULL));
  status = row (page, "Status");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (status)), ==, "No blocklist");
  set_text (row (page, "_File or URL"), list);
  g_assert_null (shoal_session_get_blocklist (session));  /* not until applied */
  g_signal_emit_by_name (row (page, "_File or URL"), "apply");
  g_assert_cmpstr (g_settings_get_string (settings, "blocklist"), ==, list);
  g_assert_cmpstr (shoal_session_get_blocklist (session), ==, list);
  spin_until (has_three, session, 10000);
  g_assert_cmpuint (n_ranges (session), ==, 3);
  spin_until (status_says_three, status, 3000);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (status)), ==, "3 ranges loaded, 1 unreadable line skipped");

  /* Update Now reads it again. */
  g_assert_true (g_file_set_contents (list, "one:10.0.0.0-10.0.0.255\n"
                                      "two:10.2.0.0-10.2.0.255\n"
                                      "three:10.4.0.0-10.4.0.255\n"
                                      "four:10.6.0.0-10.6.0.255\n", -1, NULL));
  gtk_widget_activate (find_descendant (status, GTK_TYPE_BUTTON));
  spin_until (has_four, session, 10000);
  g_assert_cmpuint (n_ranges (session), ==, 4);

  /* Cleared: the session blocks nothing. */
  set_text (row (page, "_File or URL"), "");
  g_signal_emit_by_name (row (page, "_File or URL"), "apply");
  g_assert_null (shoal_session_get_blocklist (session));

  /* Anonymity: hiding the client name reaches the session at once. */
  g_assert_false (shoal_session_get_hide_client_name (session));
  hide = row (page, "_Do Not Name the Client");
  toggle (hide);
  g_assert_true (g_settings_get_boolean (settings, "hide-client-name"));
  g_assert_true (shoal_session_get_hide_client_name (session));
  toggle (row (page, "_Random Peer ID"));
  g_assert_true (g_settings_get_boolean (settings, "random-peer-id"));
  toggle (row (page, "Allow _Incoming Connections"));
  g_assert_true (g_settings_get_boolean (settings, "proxy-allow-incoming"));

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "hide-client-name");
  g_settings_reset (settings, "random-peer-id");
  g_settings_reset (settings, "proxy-allow-incoming");
  g_settings_reset (settings, "blocklist");
  g_unlink (list);
}

/* A page opened on a proxy set before shows it back. */
static void
test_page_loads_proxy (void)
{
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page;

  g_settings_set_string (settings, "proxy", "socks5://alice:s3cret@proxy.example:1081");
  page = GTK_WIDGET (shoal_privacy_page_new (settings, NULL));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (page, "_Proxy"))), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (page, "_Host"))), ==, "proxy.example");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (page, "_Username"))), ==, "alice");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (page, "Pass_word"))), ==, "s3cret");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (find_descendant (row (page, "P_ort"),
                                                                                        GTK_TYPE_SPIN_BUTTON))),
                   ==, 1081);
  /* loading wrote nothing back */
  g_assert_cmpstr (g_settings_get_string (settings, "proxy"), ==, "socks5://alice:s3cret@proxy.example:1081");
  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "proxy");
}

/* Bound to an interface that is up, the banner stays hidden; with no
 * session (a remote window) too. */
static void
test_banner_hidden_while_up (void)
{
  g_autofree char *state = g_build_filename (tmp_dir, "state-banner", NULL);
  g_autoptr(ShoalSession) session = shoal_session_new (state);
  g_autoptr(GError) error = NULL;
  GtkWidget *banner;

  g_assert_true (shoal_session_set_interface (session, "lo", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_session_get_interface_up (session));
  banner = g_object_ref_sink (shoal_network_banner_new (session));
  g_assert_false (gtk_widget_get_visible (banner));
  g_assert_null (shoal_network_banner_get_text (SHOAL_NETWORK_BANNER (banner)));
  g_object_unref (banner);
  banner = g_object_ref_sink (shoal_network_banner_new (NULL));
  g_assert_false (gtk_widget_get_visible (banner));
  g_object_unref (banner);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gboolean
banner_shown (gpointer data)
{
  return shoal_network_banner_get_text (data) != NULL;
}

static gboolean
banner_hidden (gpointer data)
{
  return shoal_network_banner_get_text (data) == NULL;
}

/* In a network namespace of its own (a subprocess: unshare() needs root),
 * whose loopback starts down with no address: a session bound to it stops
 * transfers and the banner says why; brought up, the banner goes. */
static void
test_banner_while_down (void)
{
  g_autofree char *state = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(GError) error = NULL;
  struct ifreq ifr;
  GtkWidget *window, *banner;
  int fd;

  if (!g_test_subprocess ())
    {
      if (geteuid () != 0)
        {
          g_test_skip ("needs root for a network namespace of its own");
          return;
        }
      g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  /* The display is already open: its socket stays in the old namespace. */
  g_assert_cmpint (unshare (CLONE_NEWNET), ==, 0);
  state = g_build_filename (tmp_dir, "state-down", NULL);
  session = shoal_session_new (state);
  g_assert_true (shoal_session_set_interface (session, "lo", &error));
  g_assert_no_error (error);
  g_assert_false (shoal_session_get_interface_up (session));
  /* (nothing could leave this namespace anyway) */
  shoal_session_set_dht_enabled (session, FALSE);
  shoal_session_set_port_mapping_enabled (session, FALSE);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);

  window = gtk_window_new ();
  banner = shoal_network_banner_new (session);
  gtk_window_set_child (GTK_WINDOW (window), banner);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_get_visible (banner));
  g_assert_cmpstr (shoal_network_banner_get_text (SHOAL_NETWORK_BANNER (banner)), ==,
                   "Transfers are stopped: the network interface lo is down or has no address. "
                   "They resume when it is back.");

  /* lo up (127.0.0.1 comes with it): transfers resume, the banner goes. */
  fd = socket (AF_INET, SOCK_DGRAM, 0);
  g_assert_cmpint (fd, >=, 0);
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  g_assert_cmpint (ioctl (fd, SIOCGIFFLAGS, &ifr), ==, 0);
  ifr.ifr_flags |= IFF_UP;
  g_assert_cmpint (ioctl (fd, SIOCSIFFLAGS, &ifr), ==, 0);
  close (fd);
  spin_until (banner_hidden, banner, 10000);
  g_assert_true (shoal_session_get_interface_up (session));
  g_assert_null (shoal_network_banner_get_text (SHOAL_NETWORK_BANNER (banner)));
  g_assert_false (banner_shown (banner));

  gtk_window_destroy (GTK_WINDOW (window));
  shoal_session_close (session);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  tmp_dir = g_dir_make_tmp ("shoal-test-privacy-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/app/privacy/page-reaches-session", test_page_reaches_session);
  g_test_add_func ("/app/privacy/page-loads-proxy", test_page_loads_proxy);
  g_test_add_func ("/app/privacy/banner-hidden-while-up", test_banner_hidden_while_up);
  g_test_add_func ("/app/privacy/banner-while-down", test_banner_while_down);
  ret = g_test_run ();
  rm_rf (tmp_dir);
  return ret;
}
