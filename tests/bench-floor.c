/* bench-floor.c: what the daemon's libraries cost with none of its work on top
 *
 * The floor under the daemon's memory figure: a process linking what the daemon links, run
 * the way the daemon runs, doing once each thing the daemon does
 * with a library: its settings read, its token looked up in the keyring, libnotify
 * initialised, the network monitor started, a name on the session bus, and a websocket to
 * the devserver kept open past its first frame (through GIO's default proxy resolver, as the
 * daemon's). No model, no channels, no tray. bench-daemon runs it beside the daemon and
 * prints both: it prints "ready" when it is done, is measured, and ends when its stdin
 * closes.
 *
 * Usage: bench-floor BASE_URL API_KEY USER_ID (the token is read from the keyring, where
 * stream-tray --set-account put it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libnotify/notify.h>
#include <libsoup/soup.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "stray-account.h"
#include "stray-test-wait.h"

typedef struct {
  SoupWebsocketConnection *socket;
  gboolean received;
} Socket;

static void
on_message (G_GNUC_UNUSED SoupWebsocketConnection *connection,
            G_GNUC_UNUSED gint                     type,
            G_GNUC_UNUSED GBytes                  *message,
            Socket                                *socket)
{
  socket->received = TRUE;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Socket *socket = user_data;
  g_autoptr(GError) error = NULL;

  socket->socket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (socket->socket == NULL)
    g_error ("bench-floor: no websocket: %s", error->message);
  /* The server's first frame follows the handshake at once. */
  g_signal_connect (socket->socket, "message", G_CALLBACK (on_message), socket);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  Socket socket = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;

  if (argc != 4)
    g_error ("usage: bench-floor BASE_URL API_KEY USER_ID");

  settings = g_settings_new (SCHEMA_ID);
  g_free (g_settings_get_string (settings, "server-url"));
  g_network_monitor_get_default ();
  notify_init ("bench-floor");
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (bus, "io.github.streamtray.BenchFloor",
                                G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
  token = secret_password_lookup_sync (stray_account_get_token_schema (), NULL, &error,
                                       "server", argv[1], "api-key", argv[2],
                                       "user-id", argv[3], NULL);
  g_assert_no_error (error);
  if (token == NULL)
    g_error ("bench-floor: no token in the keyring for %s at %s", argv[3], argv[1]);

  url = g_strdup_printf ("%s/connect?json=%%7B%%22user_id%%22%%3A%%22%s%%22%%7D&api_key=%s"
                         "&authorization=%s&stream-auth-type=jwt", argv[1], argv[3], argv[2],
                         token);
  session = soup_session_new ();
  message = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (session, message, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, &socket);
  stray_test_wait_for (stray_test_flag_is_set, &socket.received, "a first frame");
  stray_test_run_for_ms (500);
#ifdef __GLIBC__
  malloc_trim (0);
#endif

  /* bench-daemon measures this process now, and closes stdin when it has. */
  g_print ("ready\n");
  fflush (stdout);
  while (getchar () != EOF)
    ;
  soup_websocket_connection_close (socket.socket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (socket.socket);
  notify_uninit ();
  return 0;
}
