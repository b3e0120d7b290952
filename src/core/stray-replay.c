/* stray-replay.c
 *
 * A recording holds one raw frame per line. The state it leaves is printed as one JSON
 * object whose shape is a contract (tests and bug reports depend on it):
 * {"total_unread_count":N,"unread_channels":N,"rejected_frames":N,"channels":[{"cid":…,
 *  "name":…,"unread_count":N,"muted":B,"hidden":B,"last_message":{"id":…,"text":…,
 *  "user_id":…,"created_at":…}|null}]}
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-replay"

#include "config.h"

#include <json-glib/json-glib.h>

#include "stray-replay.h"

static gboolean
is_blank (const char *line,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/**
 * stray_replay_stream:
 * @session: the model the frames are applied to
 * @input: the recording
 * @reject_func: (scope call) (nullable): told about every frame that was refused
 * @user_data: for @reject_func
 * @n_rejected: (out) (optional): how many frames were refused
 * @cancellable: (nullable): a #GCancellable
 * @error: set when @input cannot be read
 *
 * Blank lines are not frames and are skipped. A refused frame changes nothing.
 *
 * Returns: %FALSE only when @input could not be read to its end
 */
gboolean
stray_replay_stream (StraySession          *session,
                     GInputStream          *input,
                     StrayReplayRejectFunc  reject_func,
                     gpointer               user_data,
                     guint                 *n_rejected,
                     GCancellable          *cancellable,
                     GError               **error)
{
  g_autoptr(GDataInputStream) lines = NULL;
  guint line_number = 0;
  guint rejected = 0;

  g_return_val_if_fail (STRAY_IS_SESSION (session), FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (input), FALSE);

  lines = g_data_input_stream_new (input);
  g_data_input_stream_set_newline_type (lines, G_DATA_STREAM_NEWLINE_TYPE_LF);

  for (;;)
    {
      g_autofree char *line = NULL;
      g_autoptr(GError) local_error = NULL;
      g_autoptr(StrayEvent) event = NULL;
      gsize length;

      line = g_data_input_stream_read_line (lines, &length, cancellable, &local_error);
      if (line == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          break;
        }
      line_number++;

      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (is_blank (line, length))
        continue;

      event = stray_event_decode (line, length, &local_error);
      if (event == NULL)
        {
          rejected++;
          if (reject_func != NULL)
            reject_func (line_number, local_error, user_data);
          continue;
        }
      stray_session_apply (session, event);
    }

  if (n_rejected != NULL)
    *n_rejected = rejected;
  return TRUE;
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * stray_replay_describe_session:
 * @session: a session
 * @n_rejected: how many frames were refused on the way
 *
 * Returns: (transfer full): the state as one line of JSON, in the replay format
 */
char *
stray_replay_describe_session (StraySession *session,
                               guint         n_rejected)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  StrayChannelList *channels;
  guint n_channels;

  g_return_val_if_fail (STRAY_IS_SESSION (session), NULL);

  channels = stray_session_get_channels (session);
  n_channels = g_list_model_get_n_items (G_LIST_MODEL (channels));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "total_unread_count");
  json_builder_add_int_value (builder, stray_session_get_total_unread_count (session));
  json_builder_set_member_name (builder, "unread_channels");
  json_builder_add_int_value (builder, stray_session_get_unread_channels (session));
  json_builder_set_member_name (builder, "rejected_frames");
  json_builder_add_int_value (builder, n_rejected);

  json_builder_set_member_name (builder, "channels");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_channels; i++)
    {
      StrayChannel *channel = stray_channel_list_peek (channels, i);
      StrayMessagePreview *last_message = stray_channel_get_last_message (channel);

      json_builder_begin_object (builder);
      add_string_or_null (builder, "cid", stray_channel_get_cid (channel));
      add_string_or_null (builder, "name", stray_channel_get_name (channel));
      json_builder_set_member_name (builder, "unread_count");
      json_builder_add_int_value (builder, stray_channel_get_unread_count (channel));
      json_builder_set_member_name (builder, "muted");
      json_builder_add_boolean_value (builder, stray_channel_get_muted (channel));
      json_builder_set_member_name (builder, "hidden");
      json_builder_add_boolean_value (builder, stray_channel_get_hidden (channel));
      json_builder_set_member_name (builder, "last_message");
      if (last_message != NULL)
        {
          json_builder_begin_object (builder);
          add_string_or_null (builder, "id", last_message->id);
          add_string_or_null (builder, "text", last_message->text);
          add_string_or_null (builder, "user_id", last_message->user_id);
          add_string_or_null (builder, "created_at", last_message->created_at);
          json_builder_end_object (builder);
        }
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
