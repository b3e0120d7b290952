/* main.c: stream-tray-devserver, a local Stream Chat server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "stray-dev-scenario.h"
#include "stray-devserver.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  /* GOption overwrites string options without freeing them: defaults come after parsing. */
  g_autofree char *listen = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *scenario = NULL;
  int health_interval = 30;
  gboolean allow_remote = FALSE, allow_dev_tokens = FALSE;
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default 127.0.0.1:0, a free port)", "ADDR:PORT" },
    { "allow-remote", 0, 0, G_OPTION_ARG_NONE, &allow_remote,
      "Allow a non-loopback --listen address", NULL },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, &api_key,
      "API key clients must send (default stream-tray-dev)", "KEY" },
    { "secret", 0, 0, G_OPTION_ARG_STRING, &secret,
      "Secret tokens are signed with (default: read from STREAM_TRAY_DEVSERVER_SECRET, "
      "else stream-tray-dev-secret)", "SECRET" },
    { "scenario", 0, 0, G_OPTION_ARG_STRING, &scenario,
      "Initial state: empty, demo, or load:N (default empty)", "NAME" },
    { "health-interval", 0, 0, G_OPTION_ARG_INT, &health_interval,
      "Seconds between health checks sent to each socket (default 30)", "SECONDS" },
    { "allow-dev-tokens", 0, 0, G_OPTION_ARG_NONE, &allow_dev_tokens,
      "Accept unsigned development tokens", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayDevserver) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  setlocale (LC_ALL, "");
  /* Run by hand, it says what it does on stderr (G_MESSAGES_DEBUG= silences it); stdout
   * carries the ready line and nothing else. */
  g_log_writer_default_set_use_stderr (TRUE);
  g_setenv ("G_MESSAGES_DEBUG", "stray-devserver", FALSE);
  g_option_context_set_summary (context,
                                "A local Stream Chat server for Stream Tray's demo and tests.\n"
                                "Prints “ready http://HOST:PORT” on stdout once listening.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("stream-tray-devserver: %s\n", error->message);
      return 2;
    }
  if (listen == NULL)
    listen = g_strdup ("127.0.0.1:0");
  if (api_key == NULL)
    api_key = g_strdup ("stream-tray-dev");
  if (scenario == NULL)
    scenario = g_strdup ("empty");
  if (health_interval < 0 || health_interval > 3600)
    {
      g_printerr ("stream-tray-devserver: --health-interval must be between 0 and 3600\n");
      return 2;
    }
  /* A secret on the command line shows in ps; the environment is the quieter way. */
  if (secret == NULL)
    secret = g_strdup (g_getenv ("STREAM_TRAY_DEVSERVER_SECRET") ?: "stream-tray-dev-secret");
  if (*secret == '\0' || *api_key == '\0')
    {
      g_printerr ("stream-tray-devserver: the API key and the secret must not be empty\n");
      return 2;
    }

  server = g_object_new (STRAY_TYPE_DEVSERVER,
                         "api-key", api_key,
                         "secret", secret,
                         "health-interval", (guint) health_interval,
                         "allow-dev-tokens", allow_dev_tokens,
                         "allow-remote", allow_remote,
                         NULL);
  if (!stray_dev_scenario_apply (server, scenario, &error) ||
      !stray_devserver_listen (server, listen, &error))
    {
      g_printerr ("stream-tray-devserver: %s\n", error->message);
      return 1;
    }

  stray_dev_scenario_set_avatars (server);
  g_print ("ready %s\n", stray_devserver_get_base_url (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  return 0;
}
