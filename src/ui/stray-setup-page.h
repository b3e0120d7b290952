/* stray-setup-page.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "stray-application.h"

G_BEGIN_DECLS

#define STRAY_TYPE_SETUP_PAGE (stray_setup_page_get_type ())

G_DECLARE_FINAL_TYPE (StraySetupPage, stray_setup_page, STRAY, SETUP_PAGE, GtkWidget)

void stray_setup_page_set_application (StraySetupPage   *self,
                                       StrayApplication *application);
void stray_setup_page_fill            (StraySetupPage   *self,
                                       const char       *server_url,
                                       const char       *api_key,
                                       const char       *user_id,
                                       const char       *token,
                                       const char       *token_command);
void stray_setup_page_connect         (StraySetupPage   *self);
const char *stray_setup_page_get_error (StraySetupPage  *self);

G_END_DECLS
