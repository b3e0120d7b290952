/* stray-application-private.h: what the application's own files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "stray-application.h"
#include "stray-autostart.h"
#include "stray-connection.h"
#include "stray-dbus-service.h"
#include "stray-demo-server.h"
#include "stray-launcher-entry.h"
#include "stray-notifier.h"
#include "stray-tray.h"
#include "stray-tray-menu.h"

G_BEGIN_DECLS

struct _StrayApplication
{
  GApplication parent_instance;

  GCancellable *cancellable; /* cancelled at shutdown */
  gboolean demo;
  gboolean held;
  GSettings *settings;
  StraySession *session;
  StrayAccount *account;
  StrayConnection *connection;
  StrayDemoServer *demo_server;
  StrayDbusService *dbus_service;
  StrayTrayMenu *tray_menu;
  StrayTray *tray;
  StrayLauncherEntry *launcher_entry;
  StrayAvatarCache *avatars;
  StrayNotifier *notifier;
  StrayAutostart *autostart;
  gboolean told_no_host;
  gboolean background;
  char *activation_token; /* of the request being handled, from the launcher */
  StrayUiShowFunc ui_show;
  char *requested_thread; /* while the window is asked to show a thread */
  char *requested_message; /* while the window is asked to show a message */
};

void stray_application_add_actions (StrayApplication *self);

G_END_DECLS
