/* stray-session-reminders.c: the user's message reminders that have a time
 *
 * A list model of StrayReminder, soonest first, filled by queryReminders at each handshake
 * (stray_session_refresh_reminders) and kept by the reminder.* events (stream-chat-js'
 * ReminderManager follows the same ones). Answers and events may cross: each fact carries its
 * time, and the newer wins. An update's time is the reminder's updated_at; a deletion's, the
 * event's created_at, remembered after the reminder goes, so that a query answered before the
 * deletion (listing it with an older updated_at) does not bring it back. A query's answer drops
 * the reminders it does not list, unless an event or a newer query's answer named them while it
 * ran (the way a resync treats invites, stray-session-invites.c); queries may overlap (a
 * reconnect while one is on its way).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-core"

#include "config.h"

#include "stray-session-private.h"

typedef struct {
  gint64 at;        /* µs, the server's clock */
  gboolean deleted;
} ReminderFact;

static guint
find_reminder (StraySession *self,
               const char   *message_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reminders));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(StrayReminder) reminder = g_list_model_get_item (G_LIST_MODEL (self->reminders),
                                                                 i);

      if (g_strcmp0 (stray_reminder_get_message_id (reminder), message_id) == 0)
        return i;
    }
  return G_MAXUINT;
}

/**
 * stray_session_get_reminders:
 *
 * Returns: (transfer none): the user's reminders that have a time, a list model of
 *   StrayReminder, soonest first (those already due stay until deleted)
 */
GListModel *
stray_session_get_reminders (StraySession *self)
{
  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->reminders);
}

/**
 * stray_session_lookup_reminder:
 *
 * Returns: (transfer none) (nullable): the reminder on @message_id
 */
StrayReminder *
stray_session_lookup_reminder (StraySession *self,
                               const char   *message_id)
{
  guint position;
  StrayReminder *reminder;

  g_return_val_if_fail (STRAY_IS_SESSION (self), NULL);

  position = message_id != NULL ? find_reminder (self, message_id) : G_MAXUINT;
  if (position == G_MAXUINT)
    return NULL;
  reminder = g_list_model_get_item (G_LIST_MODEL (self->reminders), position);
  /* The store keeps it alive. */
  g_object_unref (reminder);
  return reminder;
}

/* Whether a fact of time @at about @message_id is news, remembering it if so. A deletion wins
 * over an update of the same time. */
static gboolean
take_fact (StraySession *self,
           const char   *message_id,
           gint64        at,
           gboolean      deleted)
{
  ReminderFact *known = g_hash_table_lookup (self->reminder_facts, message_id);

  if (known != NULL && (known->at > at || (known->at == at && known->deleted && !deleted)))
    return FALSE;
  if (known == NULL)
    {
      known = g_new0 (ReminderFact, 1);
      g_hash_table_insert (self->reminder_facts, g_strdup (message_id), known);
    }
  known->at = at;
  known->deleted = deleted;
  return TRUE;
}

static gint
compare_remind_at (gconstpointer a,
                   gconstpointer b,
                   G_GNUC_UNUSED gpointer user_data)
{
  gint64 left = stray_reminder_get_remind_at ((StrayReminder *) a);
  gint64 right = stray_reminder_get_remind_at ((StrayReminder *) b);

  return (left > right) - (left < right);
}

/* Puts @reminder in the list in place of the one on its message; one without a time leaves. */
static void
keep_reminder (StraySession  *self,
               StrayReminder *reminder)
{
  guint position = find_reminder (self, stray_reminder_get_message_id (reminder));

  if (position != G_MAXUINT)
    g_list_store_remove (self->reminders, position);
  if (stray_reminder_get_remind_at (reminder) > 0)
    g_list_store_insert_sorted (self->reminders, reminder, compare_remind_at, NULL);
}

static void
forget_reminder (StraySession *self,
                 const char   *message_id)
{
  guint position = find_reminder (self, message_id);

  if (position != G_MAXUINT)
    g_list_store_remove (self->reminders, position);
}

/**
 * stray_session_apply_reminder:
 *
 * Takes reminder.created, reminder.updated, reminder.deleted and notification.reminder_due
 * about the user's own reminders.
 */
void
stray_session_apply_reminder (StraySession     *self,
                              const StrayEvent *event)
{
  const StrayEventReminder *decoded = event->reminder;
  gboolean deleted = event->type == STRAY_EVENT_REMINDER_DELETED;
  gint64 at;

  if (decoded == NULL ||
      (decoded->user_id != NULL && g_strcmp0 (decoded->user_id, self->user_id) != 0))
    return;
  at = deleted ? MAX (event->created_at_us, decoded->updated_at_us)
               : (decoded->updated_at_us > 0 ? decoded->updated_at_us : event->created_at_us);
  if (self->reminders_seen != NULL)
    g_hash_table_add (self->reminders_seen, g_strdup (decoded->message_id));
  if (!take_fact (self, decoded->message_id, at, deleted))
    return;
  if (deleted)
    forget_reminder (self, decoded->message_id);
  else
    {
      g_autoptr(StrayReminder) reminder = stray_reminder_new (decoded, event->message);

      keep_reminder (self, reminder);
    }
}

/**
 * stray_session_forget_message_reminder:
 * @event: a message.deleted
 *
 * A deleted message's reminder goes with it, as stream-chat-js' ReminderManager drops it on
 * message.deleted; a reminder from an older answer does not bring it back.
 */
void
stray_session_forget_message_reminder (StraySession     *self,
                                       const StrayEvent *event)
{
  const char *message_id = event->message != NULL ? event->message->id : NULL;

  if (message_id == NULL || find_reminder (self, message_id) == G_MAXUINT)
    return;
  if (self->reminders_seen != NULL)
    g_hash_table_add (self->reminders_seen, g_strdup (message_id));
  if (take_fact (self, message_id, event->created_at_us, TRUE))
    forget_reminder (self, message_id);
}

/* Signed out: none of them is known any more. */
void
stray_session_forget_reminders (StraySession *self)
{
  g_list_store_remove_all (self->reminders);
  g_hash_table_remove_all (self->reminder_facts);
}

/**
 * stray_session_begin_reminders_query:
 *
 * A queryReminders is on its way: the events from now on name what its answer must not drop.
 */
void
stray_session_begin_reminders_query (StraySession *self)
{
  g_return_if_fail (STRAY_IS_SESSION (self));

  if (self->reminder_queries++ == 0)
    self->reminders_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/**
 * stray_session_end_reminders_query:
 * @reminders: (nullable) (element-type StrayReminder): the answer; %NULL when the query failed,
 *   which changes nothing
 */
void
stray_session_end_reminders_query (StraySession *self,
                                   GPtrArray    *reminders)
{
  g_autoptr(GHashTable) listed = NULL;

  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (self->reminder_queries > 0);

  if (reminders == NULL)
    {
      if (--self->reminder_queries == 0)
        g_clear_pointer (&self->reminders_seen, g_hash_table_unref);
      return;
    }
  listed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < reminders->len; i++)
    {
      StrayReminder *reminder = g_ptr_array_index (reminders, i);
      const char *message_id = stray_reminder_get_message_id (reminder);

      g_hash_table_add (listed, (gpointer) message_id);
      if (take_fact (self, message_id, stray_reminder_get_updated_at (reminder), FALSE))
        keep_reminder (self, reminder);
    }
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->reminders)); i > 0; i--)
    {
      g_autoptr(StrayReminder) kept = g_list_model_get_item (G_LIST_MODEL (self->reminders),
                                                             i - 1);
      const char *message_id = stray_reminder_get_message_id (kept);

      if (!g_hash_table_contains (listed, message_id) &&
          !g_hash_table_contains (self->reminders_seen, message_id))
        {
          ReminderFact *known = g_hash_table_lookup (self->reminder_facts, message_id);

          /* Gone as of its last known time: an older answer listing it does not bring it back. */
          if (known != NULL)
            known->deleted = TRUE;
          g_list_store_remove (self->reminders, i - 1);
        }
    }
  /* An older query's answer, still to come, must not drop what this one listed. */
  if (--self->reminder_queries == 0)
    g_clear_pointer (&self->reminders_seen, g_hash_table_unref);
  else
    for (guint i = 0; i < reminders->len; i++)
      g_hash_table_add (self->reminders_seen,
                        g_strdup (stray_reminder_get_message_id (g_ptr_array_index (reminders,
                                                                                    i))));
}

static void
on_reminders_queried (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(StraySession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reminders = stray_client_query_reminders_finish (STRAY_CLIENT (source),
                                                                        result, &error);

  if (reminders == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("queryReminders failed: %s", error->message);
  stray_session_end_reminders_query (self, reminders);
}

/**
 * stray_session_refresh_reminders:
 *
 * Asks the server for the user's reminders (at each handshake: events missed while away are
 * not replayed for reminders). A failure keeps the list as it is, until the next handshake.
 */
void
stray_session_refresh_reminders (StraySession *self,
                                 StrayClient  *client,
                                 GCancellable *cancellable)
{
  g_return_if_fail (STRAY_IS_SESSION (self));
  g_return_if_fail (STRAY_IS_CLIENT (client));

  stray_session_begin_reminders_query (self);
  stray_client_query_reminders_async (client, cancellable, on_reminders_queried,
                                      g_object_ref (self));
}
