/* stray-typing.c: typing.start and typing.stop for a reply box
 *
 * As the official SDK sends them: a start at most every 2 s while keys are pressed, a stop
 * after 1 s without one, and when the reply is sent or the channel left. The channel view
 * holds one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include "stray-typing.h"

#define TYPING_REPEAT_US (2 * G_USEC_PER_SEC)
#define TYPING_IDLE_US (1 * G_USEC_PER_SEC)

struct _StrayTyping
{
  StrayApplication *application; /* not owned: the view's, which outlives this */
  char *cid;                     /* where the keys were pressed */
  gint64 last_event;             /* 0: not typing */
  gint64 last_keystroke;
  guint check_id;
};

static void
on_event_sent (GObject      *source,
               GAsyncResult *result,
               G_GNUC_UNUSED gpointer user_data)
{
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GError) error = NULL;

  response = stray_client_call_finish (STRAY_CLIENT (source), result, &error);
  if (response == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("typing event not sent: %s", error->message);
}

static void
send_event (StrayTyping *self,
            const char  *type)
{
  StrayClient *client = stray_application_get_client (self->application);

  if (client != NULL && self->cid != NULL)
    stray_client_send_event_async (client, self->cid, type, NULL, on_event_sent, NULL);
}

/* Typing has stopped (sent, left, or no key for a while): typing.stop, if a start was sent. */
void
stray_typing_stop (StrayTyping *self)
{
  g_clear_handle_id (&self->check_id, g_source_remove);
  if (self->last_event == 0)
    return;
  self->last_event = 0;
  send_event (self, "typing.stop");
}

static gboolean
on_check (gpointer user_data)
{
  StrayTyping *self = user_data;

  if (g_get_monotonic_time () - self->last_keystroke > TYPING_IDLE_US)
    {
      self->check_id = 0;
      stray_typing_stop (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* A key pressed in @cid's reply box. */
void
stray_typing_keystroke (StrayTyping *self,
                        const char  *cid)
{
  gint64 now = g_get_monotonic_time ();

  if (g_strcmp0 (self->cid, cid) != 0)
    {
      stray_typing_stop (self);
      g_free (self->cid);
      self->cid = g_strdup (cid);
    }
  self->last_keystroke = now;
  if (self->last_event == 0 || now - self->last_event > TYPING_REPEAT_US)
    {
      self->last_event = now;
      send_event (self, "typing.start");
    }
  if (self->check_id == 0)
    self->check_id = g_timeout_add (500, on_check, self);
}

StrayTyping *
stray_typing_new (StrayApplication *application)
{
  StrayTyping *self = g_new0 (StrayTyping, 1);

  self->application = application;
  return self;
}

/* Without a typing.stop: for a view that goes. */
void
stray_typing_free (StrayTyping *self)
{
  g_clear_handle_id (&self->check_id, g_source_remove);
  g_free (self->cid);
  g_free (self);
}
