/* stray-application.c: the stream-tray process and its command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-application"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-application.h"
#include "stray-replay.h"

struct _StrayApplication
{
  GApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (StrayApplication, stray_application, G_TYPE_APPLICATION)

static void
print_rejection (guint         line_number,
                 const GError *error,
                 gpointer      user_data)
{
  const char *path = user_data;

  g_printerr ("%s:%u: frame rejected: %s\n", path, line_number, error->message);
}

/* Replays a recording and prints the resulting state; the exit status of the process. */
static int
run_replay (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(StraySession) session = stray_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autofree char *display_path = g_filename_display_name (path);
  guint n_rejected = 0;

  input = g_file_read (file, NULL, &error);
  if (input == NULL ||
      !stray_replay_stream (session, G_INPUT_STREAM (input), print_rejection, display_path,
                            &n_rejected, NULL, &error))
    {
      g_printerr (_("stream-tray: cannot read %s: %s\n"), display_path, error->message);
      return EXIT_FAILURE;
    }

  state = stray_replay_describe_session (session, n_rejected);
  g_print ("%s\n", state);
  return EXIT_SUCCESS;
}

static int
stray_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  const char *replay_path = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("stream-tray %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_lookup (options, "replay", "^&ay", &replay_path))
    return run_replay (replay_path);

  return G_APPLICATION_CLASS (stray_application_parent_class)->handle_local_options (application,
                                                                                     options);
}

static void
stray_application_activate (G_GNUC_UNUSED GApplication *application)
{
  /* The background daemon arrives with the connection engine; until then there is
   * nothing to keep running. */
  g_printerr ("%s\n", _("stream-tray: nothing to run yet; try --replay FILE"));
}

static void
stray_application_class_init (StrayApplicationClass *klass)
{
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  application_class->handle_local_options = stray_application_handle_local_options;
  application_class->activate = stray_application_activate;
}

static void
stray_application_init (StrayApplication *self)
{
  static const GOptionEntry entries[] = {
    { "replay", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Replay a recording of frames, one per line, and print the final state as JSON"),
      N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Unread counts and notifications for Stream Chat"));
}

StrayApplication *
stray_application_new (void)
{
  return g_object_new (STRAY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}
