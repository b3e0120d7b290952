/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "stray-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(StrayApplication) application = NULL;

  stray_application_use_plain_malloc (argv);
  stray_application_set_rendering_env ();
  setlocale (LC_ALL, "");
  /* stdout carries output others parse (--replay); logs go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  {
    g_autofree char *build_dir = stray_application_get_build_dir ();
    g_autofree char *build_locales = build_dir != NULL ? g_build_filename (build_dir, "po", NULL)
                                                       : NULL;

    bindtextdomain (GETTEXT_PACKAGE, build_locales != NULL ? build_locales : LOCALEDIR);
  }
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = stray_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
