/* fuzz-devserver.c: the devserver's handling of one client's bytes, without a network
 *
 * The input is what a client sends on one connection: requests (method, path, headers and
 * body), and after an upgrade at /connect, WebSocket frames. It is handed to the devserver's
 * SoupServer as an in-memory stream (soup_server_accept_iostream() with a GMemoryInputStream,
 * which is pollable and ends where the input ends); the main loop runs until nothing is left
 * to do, and what was answered is checked to be HTTP.
 *
 * Each input gets a fresh devserver with the demo scenario, signing tokens with a fixed secret
 * and accepting development tokens, so that a finding replays alone. It listens on loopback
 * port 0 because listening is what sets up its SoupServer; nothing connects there.
 *
 * Leaks are not looked for here (run-fuzzer.sh --no-leaks): libsoup 3.2 leaks a request's path
 * on some malformed requests (a few dozen bytes each), and the stacks that would tell its leaks
 * from the devserver's (fast_unwind_on_malloc=0) cost twenty times the speed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "stray-dev-scenario.h"
#include "stray-devserver-private.h"

#define SECRET "stream-tray-fuzz-secret"
#define API_KEY "stream-tray-dev"
/* A bound on the main loop's turns per input, so that a source always ready (a bug) ends the
 * input rather than hanging the fuzzer. */
#define MAX_ITERATIONS 100000

static StrayDevserver *
devserver_new (void)
{
  g_autoptr(StrayDevserver) server = g_object_new (STRAY_TYPE_DEVSERVER,
                                                   "api-key", API_KEY,
                                                   "secret", SECRET,
                                                   "health-interval", 0u,
                                                   "allow-dev-tokens", TRUE,
                                                   NULL);
  g_autoptr(GError) error = NULL;

  if (!stray_dev_scenario_apply (server, "demo", &error) ||
      !stray_devserver_listen (server, "127.0.0.1:0", &error))
    g_error ("devserver: %s", error->message);
  return g_steal_pointer (&server);
}

/* Iterates the main context while it has something ready to run. */
static void
run_until_idle (void)
{
  for (guint i = 0; i < MAX_ITERATIONS && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  StrayDevserver *server = devserver_new ();
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (input, output);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (loopback, 3030);
  g_autoptr(GSocketAddress) remote = g_inet_socket_address_new (loopback, 40000);
  g_autoptr(GError) error = NULL;
  gsize answered;
  const char *answer;

  if (!soup_server_accept_iostream (server->server, stream, local, remote, &error))
    g_error ("accept: %s", error->message);
  run_until_idle ();

  /* Whatever was answered is HTTP: a status line first. */
  answered = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output));
  answer = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output));
  g_assert (answered == 0 || (answered >= 9 && memcmp (answer, "HTTP/1.", 7) == 0));

  g_assert_finalize_object (server);
  run_until_idle ();
  return 0;
}
