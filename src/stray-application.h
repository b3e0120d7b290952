/* stray-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "stray-account.h"
#include "stray-avatar-cache.h"
#include "stray-client.h"
#include "stray-session.h"

G_BEGIN_DECLS

#define STRAY_TYPE_APPLICATION (stray_application_get_type ())

G_DECLARE_FINAL_TYPE (StrayApplication, stray_application, STRAY, APPLICATION, GApplication)

typedef enum {
  STRAY_WINDOW_PRESENT,     /* open or raise, on a channel if one is given */
  STRAY_WINDOW_TOGGLE,      /* the tray's left click: open or raise, or close when focused */
  STRAY_WINDOW_PREFERENCES,
  STRAY_WINDOW_THREAD,      /* open or raise at a thread (stray_application_get_requested_thread) */
  STRAY_WINDOW_MESSAGE,     /* open or raise at a message (stray_application_get_requested_message) */
} StrayWindowRequest;

/* The window lives in a module of its own, loaded on first use, so that the daemon maps no GTK
 * until then; tests link it in and hand its entry point over directly. */
typedef void (*StrayUiShowFunc) (StrayApplication   *application,
                                 StrayWindowRequest  request,
                                 const char         *cid,
                                 const char         *activation_token);

#define STRAY_UI_SHOW_SYMBOL "stray_ui_show"

StrayApplication *stray_application_new                  (void);
void              stray_application_set_ui               (StrayApplication   *self,
                                                          StrayUiShowFunc     show);
void              stray_application_show_window          (StrayApplication   *self,
                                                          StrayWindowRequest  request,
                                                          const char         *cid);
StraySession     *stray_application_get_session          (StrayApplication   *self);
StrayClient      *stray_application_get_client           (StrayApplication   *self);
StrayAccount     *stray_application_get_account          (StrayApplication   *self);
GSettings        *stray_application_get_settings         (StrayApplication   *self);
StrayAvatarCache *stray_application_get_avatars          (StrayApplication   *self);
const GError     *stray_application_get_connection_error (StrayApplication   *self);
gboolean          stray_application_is_demo              (StrayApplication   *self);
void              stray_application_set_focused_channel  (StrayApplication   *self,
                                                          const char         *cid);
void              stray_application_release_memory       (StrayApplication   *self);
void              stray_application_show_thread          (StrayApplication   *self,
                                                          const char         *cid,
                                                          const char         *parent_id);
const char       *stray_application_get_requested_thread (StrayApplication   *self);
void              stray_application_set_focused_thread   (StrayApplication   *self,
                                                          const char         *parent_id);
void              stray_application_show_message         (StrayApplication   *self,
                                                          const char         *cid,
                                                          const char         *message_id);
const char       *stray_application_get_requested_message (StrayApplication  *self);

G_END_DECLS
