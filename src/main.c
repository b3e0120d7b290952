/* main.c: the process, then the application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "stray-application.h"
#include "stray-environment.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(StrayApplication) application = NULL;

  /* Before anything could start a thread: setenv is not thread-safe. */
  stray_environment_set_rendering ();
  setlocale (LC_ALL, "");
  /* stdout carries output others parse (--replay); logs go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  {
    g_autofree char *build_dir = stray_environment_get_build_dir ();
    g_autofree char *build_locales = build_dir != NULL ? g_build_filename (build_dir, "po", NULL)
                                                       : NULL;

    bindtextdomain (GETTEXT_PACKAGE, build_locales != NULL ? build_locales : LOCALEDIR);
  }
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = stray_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
