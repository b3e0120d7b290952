/* fake-notifications.h: an org.freedesktop.Notifications for tests and benchmarks
 *
 * It runs in a thread of its own, on a connection of its own, because libnotify calls Notify
 * synchronously from the main thread. It records every Notify and CloseNotification, and can
 * emit ActionInvoked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  guint32 id;
  guint32 replaces_id;
  char *summary;
  char *body;
  GStrv actions;
  GVariant *hints;
  gint64 received_at;  /* monotonic µs */
} Notified;

typedef struct {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GDBusConnection *connection;
  GMutex lock;
  GPtrArray *notified;   /* Notified */
  GArray *closed;        /* guint32 ids */
  guint32 next_id;
  gboolean inhibited;
  gboolean inline_reply;
  gint events;
} Server;

typedef enum {
  FAKE_NOTIFICATIONS_INHIBITED = 1 << 0,    /* do-not-disturb is on */
  FAKE_NOTIFICATIONS_INLINE_REPLY = 1 << 1, /* advertises KDE's inline reply */
} FakeNotificationsFlags;

Server *fake_notifications_start  (guint       flags);
void    fake_notifications_stop   (Server     *server);
void    fake_notifications_invoke (Server     *server,
                                   guint32     id,
                                   const char *action);
void    fake_notifications_reply  (Server     *server,
                                   guint32     id,
                                   const char *text);

G_END_DECLS
