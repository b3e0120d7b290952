/* stray-reminder.c: one of the user's message reminders
 *
 * What the tray and the window show of a Stream reminder: the message (its id, channel, text
 * and author) and when it is due. Immutable once made, as StrayInvite is: the session replaces
 * a reminder that changes, so that a list's items-changed is the one signal a view follows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-reminder.h"

struct _StrayReminder
{
  GObject parent_instance;

  char *message_id;
  char *cid;
  char *text;         /* "" when the reminder came without its message */
  char *author_id;    /* NULL when unknown */
  char *author_name;  /* the author's name, else their id; NULL when unknown */
  gint64 remind_at;   /* µs since the epoch; 0: no time */
  gint64 updated_at;  /* µs since the epoch, the server's; 0 when it did not say */
};

G_DEFINE_FINAL_TYPE (StrayReminder, stray_reminder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MESSAGE_ID,
  PROP_CID,
  PROP_TEXT,
  PROP_AUTHOR_NAME,
  PROP_REMIND_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
stray_reminder_finalize (GObject *object)
{
  StrayReminder *self = STRAY_REMINDER (object);

  g_free (self->message_id);
  g_free (self->cid);
  g_free (self->text);
  g_free (self->author_id);
  g_free (self->author_name);

  G_OBJECT_CLASS (stray_reminder_parent_class)->finalize (object);
}

static void
stray_reminder_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  StrayReminder *self = STRAY_REMINDER (object);

  switch (prop_id)
    {
    case PROP_MESSAGE_ID:
      g_value_set_string (value, self->message_id);
      break;
    case PROP_CID:
      g_value_set_string (value, self->cid);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_AUTHOR_NAME:
      g_value_set_string (value, self->author_name);
      break;
    case PROP_REMIND_AT:
      g_value_set_int64 (value, self->remind_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
stray_reminder_class_init (StrayReminderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = stray_reminder_finalize;
  object_class->get_property = stray_reminder_get_property;

  properties[PROP_MESSAGE_ID] = g_param_spec_string ("message-id", NULL, NULL, NULL, read_only);
  properties[PROP_CID] = g_param_spec_string ("cid", NULL, NULL, NULL, read_only);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, read_only);
  properties[PROP_AUTHOR_NAME] = g_param_spec_string ("author-name", NULL, NULL, NULL,
                                                      read_only);
  properties[PROP_REMIND_AT] = g_param_spec_int64 ("remind-at", NULL, NULL, 0, G_MAXINT64, 0,
                                                   read_only);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
stray_reminder_init (G_GNUC_UNUSED StrayReminder *self)
{
}

/**
 * stray_reminder_new:
 * @decoded: the reminder as the server gave it
 * @message: (nullable): its message, when @decoded came without one (notification.reminder_due
 *   carries it beside)
 */
StrayReminder *
stray_reminder_new (const StrayEventReminder *decoded,
                    const StrayEventMessage  *message)
{
  StrayReminder *self;

  g_return_val_if_fail (decoded != NULL && decoded->message_id != NULL, NULL);

  if (decoded->message != NULL)
    message = decoded->message;
  self = g_object_new (STRAY_TYPE_REMINDER, NULL);
  self->message_id = g_strdup (decoded->message_id);
  self->cid = g_strdup (decoded->channel_cid);
  self->text = g_strdup (message != NULL && message->text != NULL ? message->text : "");
  if (message != NULL && message->user != NULL && message->user->id != NULL)
    {
      self->author_id = g_strdup (message->user->id);
      self->author_name = g_strdup (message->user->name != NULL && *message->user->name != '\0'
                                    ? message->user->name : message->user->id);
    }
  self->remind_at = decoded->remind_at_us;
  self->updated_at = decoded->updated_at_us;
  return self;
}

const char *
stray_reminder_get_message_id (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), NULL);
  return self->message_id;
}

const char *
stray_reminder_get_cid (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), NULL);
  return self->cid;
}

const char *
stray_reminder_get_text (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), NULL);
  return self->text;
}

const char *
stray_reminder_get_author_id (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), NULL);
  return self->author_id;
}

const char *
stray_reminder_get_author_name (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), NULL);
  return self->author_name;
}

/* µs since the epoch; 0 for a reminder without a time (a bookmark). */
gint64
stray_reminder_get_remind_at (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), 0);
  return self->remind_at;
}

gint64
stray_reminder_get_updated_at (StrayReminder *self)
{
  g_return_val_if_fail (STRAY_IS_REMINDER (self), 0);
  return self->updated_at;
}
