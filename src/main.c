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

  stray_application_set_rendering_env ();
  setlocale (LC_ALL, "");
  /* stdout carries output others parse (--replay); logs go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  application = stray_application_new ();
  return g_application_run (G_APPLICATION (application), argc, argv);
}
