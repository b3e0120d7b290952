/* fuzz-rest.c: REST answers, decoded and applied to a session
 *
 * The first byte chooses the answer and how it is applied, the rest is its body:
 *   byte % 4 == 0  a queryChannels page      (/ 4 % 2: the full listing's resync, or recovery)
 *   byte % 4 == 1  GET /unread               (the full listing's end, or recovery's totals)
 *   byte % 4 == 2  a channel's messages      (read as the window reads them)
 *   byte % 4 == 3  POST /sync                (its events replayed, its inaccessible channels
 *                                             dropped)
 * Each is parsed with the client's checks (stray_rest_parse) and applied as StrayResync
 * applies it, to the session of fuzz-session.c, which is then read back whole.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "fuzz-session.h"
#include "stray-message.h"

enum {
  ANSWER_CHANNELS,
  ANSWER_UNREAD,
  ANSWER_MESSAGES,
  ANSWER_SYNC,
};

static void
apply_channels (StraySession *session,
                JsonNode     *root,
                gboolean      recovery)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestChannelsPage) page = stray_rest_channels_page_decode (root, &error);

  g_assert ((page == NULL) != (error == NULL));
  if (page == NULL)
    return;
  if (recovery)
    stray_session_begin_fetch (session);
  else
    stray_session_begin_sync (session);
  for (guint i = 0; i < page->n_channels; i++)
    stray_session_sync_channel (session, &page->channels[i]);
  if (recovery)
    stray_session_end_fetch (session);
  else
    stray_session_end_sync (session, NULL);
}

static void
apply_unread (StraySession *session,
              JsonNode     *root,
              gboolean      recovery)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestUnread) unread = stray_rest_unread_decode (root, &error);

  g_assert ((unread == NULL) != (error == NULL));
  if (unread == NULL)
    return;
  if (recovery)
    {
      stray_session_take_unread (session, unread);
      return;
    }
  stray_session_begin_sync (session);
  stray_session_end_sync (session, unread);
}

static void
read_messages (JsonNode *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) messages = stray_rest_messages_decode (root, &error);
  gsize total = 0;

  g_assert ((messages == NULL) != (error == NULL));
  for (guint i = 0; messages != NULL && i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(StrayMessage) message = g_list_model_get_item (messages, i);
      const char *author = stray_message_get_author (message);
      const char *user_id = stray_message_get_user_id (message);
      const char *text = stray_message_get_text (message);

      total += strlen (stray_message_get_id (message));
      total += author != NULL ? strlen (author) : 0;
      total += user_id != NULL ? strlen (user_id) : 0;
      total += text != NULL ? strlen (text) : 0;
      total += stray_message_get_created_at (message) != 0;
      total += stray_message_get_deleted (message);
    }
  g_assert (total != G_MAXSIZE);
}

static void
apply_sync (StraySession *session,
            JsonNode     *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StrayRestSync) sync = stray_rest_sync_decode (root, &error);
  StrayChannelList *channels = stray_session_get_channels (session);

  g_assert ((sync == NULL) != (error == NULL));
  if (sync == NULL)
    return;
  for (guint i = 0; i < sync->n_inaccessible_cids; i++)
    stray_channel_list_remove (channels, sync->inaccessible_cids[i]);
  for (guint i = 0; i < sync->n_events; i++)
    stray_session_apply (session, sync->events[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  StraySession *session;
  guint kind, recovery;

  if (size == 0)
    return 0;
  kind = data[0] % 4;
  recovery = data[0] / 4 % 2;
  /* A copy the size of the body alone, so that reading past it is caught; an empty body is
   * refused before parsing, as the client does. */
  if (size == 1)
    return 0;
  body = g_memdup2 (data + 1, size - 1);
  root = stray_rest_parse (body, size - 1, &error);
  g_assert ((root == NULL) != (error == NULL));
  if (root == NULL)
    return 0;

  session = stray_fuzz_session_new ();
  switch (kind)
    {
    case ANSWER_CHANNELS:
      apply_channels (session, root, recovery);
      break;
    case ANSWER_UNREAD:
      apply_unread (session, root, recovery);
      break;
    case ANSWER_MESSAGES:
      read_messages (root);
      break;
    case ANSWER_SYNC:
      apply_sync (session, root);
      break;
    default:
      g_assert_not_reached ();
    }
  stray_fuzz_session_read (session);
  stray_fuzz_session_free (session);
  return 0;
}
