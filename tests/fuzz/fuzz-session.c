/* fuzz-session.c: a session to apply fuzzed frames and answers to
 *
 * An empty session ignores most events (they name channels it does not know), so each input
 * starts from the same signed-in session with three channels: the handshake and three events
 * from tests/data/events, read once. After the input, everything a window or the tray would
 * show is read back, so that a pointer left dangling by the input is read under AddressSanitizer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-session.h"

static const char * const prelude_files[] = {
  "health.check.json",                 /* signed in as luke_skywalker, with mutes */
  "notification.added_to_channel.json", /* team:design */
  "notification.message_new.json",     /* messaging:!members-abc123 */
  "message.new.json",                  /* the recorded messaging:af0f1bdf-… */
};

static GPtrArray *
load_prelude (void)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) stray_event_unref);

  for (guint i = 0; i < G_N_ELEMENTS (prelude_files); i++)
    {
      g_autofree char *path = g_build_filename (STRAY_FUZZ_EVENTS_DIR, prelude_files[i], NULL);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;
      StrayEvent *event;

      if (!g_file_get_contents (path, &text, &length, &error) ||
          (event = stray_event_decode (text, length, &error)) == NULL)
        g_error ("%s: %s", path, error->message);
      g_ptr_array_add (events, event);
    }
  return events;
}

StraySession *
stray_fuzz_session_new (void)
{
  static GPtrArray *prelude;
  StraySession *session = stray_session_new ();

  if (prelude == NULL)
    prelude = load_prelude ();
  stray_session_set_connection_state (session, STRAY_CONNECTION_CONNECTED);
  for (guint i = 0; i < prelude->len; i++)
    stray_session_apply (session, g_ptr_array_index (prelude, i));
  return session;
}

static gsize
measure (const char *text)
{
  return text != NULL ? strlen (text) : 0;
}

/* Reads every string the model holds, so that AddressSanitizer sees a freed one. */
void
stray_fuzz_session_read (StraySession *session)
{
  StrayChannelList *channels = stray_session_get_channels (session);
  guint n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));
  gsize total = 0;

  total += measure (stray_session_get_user_id (session));
  total += measure (stray_session_get_user_name (session));
  total += measure (stray_session_get_user_image (session));
  total += stray_session_get_total_unread_count (session);
  total += stray_session_get_unread_channels (session);
  total += stray_session_get_unread_threads (session);
  total += stray_channel_list_get_unread_total (channels);
  total += stray_channel_list_get_unread_channels (channels);
  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);
      StrayMessagePreview *last = stray_channel_get_last_message (channel);

      g_assert (stray_channel_list_lookup (channels, stray_channel_get_cid (channel)) == channel);
      total += measure (stray_channel_get_channel_type (channel));
      total += measure (stray_channel_get_id (channel));
      total += measure (stray_channel_get_name (channel));
      total += measure (stray_channel_get_title (channel));
      total += measure (stray_channel_get_image (channel));
      total += stray_channel_get_member_count (channel);
      total += stray_channel_get_unread_count (channel);
      total += stray_channel_get_muted (channel) + stray_channel_get_hidden (channel);
      total += stray_session_is_channel_muted (session, stray_channel_get_cid (channel));
      if (last != NULL)
        {
          total += measure (last->id) + measure (last->text) + measure (last->user_id);
          total += measure (last->user_name) + measure (last->created_at);
          if (last->user_id != NULL)
            total += stray_session_is_user_muted (session, last->user_id);
        }
    }
  /* Kept, so that the reads are not optimised away. */
  g_assert (total != G_MAXSIZE);
}

void
stray_fuzz_session_free (StraySession *session)
{
  g_assert_finalize_object (session);
}
