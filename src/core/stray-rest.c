/* stray-rest.c: decoding the REST answers the model reads
 *
 * Fields are read as frames' are (stray-decode.c): another type than the protocol's refuses
 * the whole answer, with the field named, so that a page is applied whole or not at all. The
 * fields an answer means nothing without (queryChannels' `channels`, each state's `channel`
 * and its `cid`, GET /unread's totals, the messages) are required.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-rest"

#include "config.h"

#include "stray-decode-private.h"
#include "stray-message.h"
#include "stray-rest.h"

/* Element scopes ("channels[29].messages[0].user") are written into buffers this large. */
#define SCOPE_SIZE 96

/* The public structure first, then what its pointers point into. */
typedef struct {
  StrayRestChannelsPage pub;
  JsonNode *root;
  GPtrArray *blocks;   /* arrays of structures, g_free */
  GPtrArray *lists;    /* mention lists, g_ptr_array_unref */
} ChannelsPageStorage;

typedef struct {
  StrayRestUnread pub;
  JsonNode *root;
  StrayRestUnreadChannel *channels;
} UnreadStorage;

/**
 * stray_rest_parse:
 * @text: an answer's body
 * @length: its length
 *
 * Returns: (transfer full) (nullable): its root, an object, once measured and parsed
 */
JsonNode *
stray_rest_parse (const char  *text,
                  gsize        length,
                  GError     **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);

  return stray_decode_parse ("answer", text, length, STRAY_REST_MAX_ANSWER_SIZE, error);
}

static gpointer
new_block (ChannelsPageStorage *storage,
           gsize                element_size,
           guint                n_elements)
{
  gpointer block = g_malloc0_n (MAX (n_elements, 1), element_size);

  g_ptr_array_add (storage->blocks, block);
  return block;
}

/* A required array member, whose absence is an error. */
static gboolean
decode_required_array (JsonObject  *object,
                       const char  *scope,
                       const char  *name,
                       JsonArray  **out,
                       GError     **error)
{
  if (!stray_decode_array (object, scope, name, out, error))
    return FALSE;
  return *out != NULL || stray_decode_missing (error, scope, name);
}

static gboolean
decode_members (ChannelsPageStorage   *storage,
                JsonArray             *array,
                const char            *scope,
                StrayRestChannelState *state,
                GError               **error)
{
  guint length = json_array_get_length (array);
  StrayEventMember *members = new_block (storage, sizeof (StrayEventMember), length);
  StrayEventUser *users = new_block (storage, sizeof (StrayEventUser), length);

  for (guint i = 0; i < length; i++)
    {
      char element_scope[SCOPE_SIZE], user_scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (array, i, scope, error);

      g_snprintf (element_scope, sizeof element_scope, "%s[%u]", scope, i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", element_scope);
      if (element == NULL ||
          !stray_decode_member (element, element_scope, user_scope, &members[i], &users[i],
                                error))
        return FALSE;
    }
  state->members = members;
  state->n_members = length;
  return TRUE;
}

static gboolean
decode_reads (ChannelsPageStorage   *storage,
              JsonArray             *array,
              const char            *scope,
              StrayRestChannelState *state,
              GError               **error)
{
  guint length = json_array_get_length (array);
  StrayRestRead *reads = new_block (storage, sizeof (StrayRestRead), length);
  StrayEventUser *users = new_block (storage, sizeof (StrayEventUser), length);

  for (guint i = 0; i < length; i++)
    {
      char element_scope[SCOPE_SIZE], user_scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (array, i, scope, error);

      g_snprintf (element_scope, sizeof element_scope, "%s[%u]", scope, i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", element_scope);
      if (element == NULL ||
          !stray_decode_user_member (element, element_scope, "user", user_scope, &users[i],
                                     &reads[i].user, error) ||
          !stray_decode_count (element, element_scope, "unread_messages",
                               &reads[i].unread_messages, error) ||
          !stray_decode_timestamp (element, element_scope, "last_read", &reads[i].last_read,
                                   &reads[i].last_read_us, error))
        return FALSE;
    }
  state->reads = reads;
  state->n_reads = length;
  return TRUE;
}

static gboolean
decode_messages (ChannelsPageStorage   *storage,
                 JsonArray             *array,
                 const char            *scope,
                 StrayRestChannelState *state,
                 GError               **error)
{
  guint length = json_array_get_length (array);
  StrayEventMessage *messages = new_block (storage, sizeof (StrayEventMessage), length);
  StrayEventUser *users = new_block (storage, sizeof (StrayEventUser), length);

  for (guint i = 0; i < length; i++)
    {
      char element_scope[SCOPE_SIZE], user_scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (array, i, scope, error);
      GPtrArray *mentions = NULL;
      gboolean decoded;

      g_snprintf (element_scope, sizeof element_scope, "%s[%u]", scope, i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", element_scope);
      if (element == NULL)
        return FALSE;
      decoded = stray_decode_message (element, element_scope, user_scope, &messages[i],
                                      &users[i], &mentions, error);
      if (mentions != NULL)
        g_ptr_array_add (storage->lists, mentions);
      if (!decoded)
        return FALSE;
    }
  state->messages = messages;
  state->n_messages = length;
  return TRUE;
}

static gboolean
decode_channel_state (ChannelsPageStorage   *storage,
                      JsonObject            *object,
                      const char            *scope,
                      StrayRestChannelState *state,
                      GError               **error)
{
  char channel_scope[SCOPE_SIZE], members_scope[SCOPE_SIZE], read_scope[SCOPE_SIZE],
       messages_scope[SCOPE_SIZE];
  JsonObject *channel;
  JsonArray *members, *reads, *messages;

  g_snprintf (channel_scope, sizeof channel_scope, "%s.channel", scope);
  g_snprintf (members_scope, sizeof members_scope, "%s.members", scope);
  g_snprintf (read_scope, sizeof read_scope, "%s.read", scope);
  g_snprintf (messages_scope, sizeof messages_scope, "%s.messages", scope);

  if (!stray_decode_object (object, scope, "channel", &channel, error))
    return FALSE;
  if (channel == NULL)
    return stray_decode_missing (error, scope, "channel");
  if (!stray_decode_channel (channel, channel_scope, &state->channel, error))
    return FALSE;
  if (state->channel.cid == NULL)
    return stray_decode_missing (error, channel_scope, "cid");

  if (!stray_decode_bool (object, scope, "hidden", &state->hidden, NULL, error) ||
      !stray_decode_array (object, scope, "members", &members, error) ||
      !stray_decode_array (object, scope, "read", &reads, error) ||
      !stray_decode_array (object, scope, "messages", &messages, error))
    return FALSE;

  state->has_members = members != NULL;
  return (members == NULL || decode_members (storage, members, members_scope, state, error)) &&
         (reads == NULL || decode_reads (storage, reads, read_scope, state, error)) &&
         (messages == NULL || decode_messages (storage, messages, messages_scope, state, error));
}

/**
 * stray_rest_channels_page_decode:
 * @root: a queryChannels answer, parsed
 *
 * Returns: (transfer full) (nullable): the page, or %NULL with @error set
 */
StrayRestChannelsPage *
stray_rest_channels_page_decode (JsonNode  *root,
                                 GError   **error)
{
  g_autoptr(StrayRestChannelsPage) page = NULL;
  ChannelsPageStorage *storage;
  StrayRestChannelState *states;
  JsonArray *channels;
  guint length;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  storage = g_new0 (ChannelsPageStorage, 1);
  page = &storage->pub;
  storage->root = json_node_ref (root);
  storage->blocks = g_ptr_array_new_with_free_func (g_free);
  storage->lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  if (!decode_required_array (json_node_get_object (root), NULL, "channels", &channels, error))
    return NULL;
  length = json_array_get_length (channels);
  states = new_block (storage, sizeof (StrayRestChannelState), length);
  for (guint i = 0; i < length; i++)
    {
      char scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (channels, i, "channels", error);

      g_snprintf (scope, sizeof scope, "channels[%u]", i);
      if (element == NULL || !decode_channel_state (storage, element, scope, &states[i], error))
        return NULL;
    }
  page->channels = states;
  page->n_channels = length;
  return g_steal_pointer (&page);
}

void
stray_rest_channels_page_free (StrayRestChannelsPage *page)
{
  ChannelsPageStorage *storage = (ChannelsPageStorage *) page;

  if (page == NULL)
    return;
  g_ptr_array_unref (storage->lists);
  g_ptr_array_unref (storage->blocks);
  json_node_unref (storage->root);
  g_free (storage);
}

/**
 * stray_rest_unread_decode:
 * @root: a GET /unread answer, parsed
 *
 * Returns: (transfer full) (nullable): the counts, or %NULL with @error set
 */
StrayRestUnread *
stray_rest_unread_decode (JsonNode  *root,
                          GError   **error)
{
  g_autoptr(StrayRestUnread) unread = NULL;
  JsonObject *object;
  UnreadStorage *storage;
  JsonArray *channels;
  guint length;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  object = json_node_get_object (root);
  storage = g_new0 (UnreadStorage, 1);
  unread = &storage->pub;
  storage->root = json_node_ref (root);

  if (!stray_decode_count (object, NULL, "total_unread_count", &unread->total_unread_count,
                           error) ||
      !stray_decode_count (object, NULL, "total_unread_threads_count",
                           &unread->total_unread_threads_count, error) ||
      !decode_required_array (object, NULL, "channels", &channels, error))
    return NULL;
  if (unread->total_unread_count == STRAY_COUNT_UNSET)
    {
      stray_decode_missing (error, NULL, "total_unread_count");
      return NULL;
    }

  length = json_array_get_length (channels);
  storage->channels = g_new0 (StrayRestUnreadChannel, MAX (length, 1));
  for (guint i = 0; i < length; i++)
    {
      StrayRestUnreadChannel *channel = &storage->channels[i];
      char scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (channels, i, "channels", error);

      g_snprintf (scope, sizeof scope, "channels[%u]", i);
      if (element == NULL ||
          !stray_decode_string (element, scope, "channel_id", &channel->cid, error) ||
          !stray_decode_count (element, scope, "unread_count", &channel->unread_count, error) ||
          !stray_decode_timestamp (element, scope, "last_read", &channel->last_read,
                                   &channel->last_read_us, error))
        return NULL;
    }
  unread->channels = storage->channels;
  unread->n_channels = length;
  return g_steal_pointer (&unread);
}

void
stray_rest_unread_free (StrayRestUnread *unread)
{
  UnreadStorage *storage = (UnreadStorage *) unread;

  if (unread == NULL)
    return;
  g_free (storage->channels);
  json_node_unref (storage->root);
  g_free (storage);
}

/**
 * stray_rest_messages_decode:
 * @root: a channel query's answer, parsed
 *
 * Messages without an id are skipped: the window could not tell them apart.
 *
 * Returns: (transfer full) (nullable): its messages, oldest first as Stream sends them, a
 *   GListModel of StrayMessage; %NULL with @error set
 */
GListModel *
stray_rest_messages_decode (JsonNode  *root,
                            GError   **error)
{
  g_autoptr(GListStore) store = NULL;
  JsonArray *messages;
  guint length;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  if (!decode_required_array (json_node_get_object (root), NULL, "messages", &messages, error))
    return NULL;
  store = g_list_store_new (STRAY_TYPE_MESSAGE);
  length = json_array_get_length (messages);
  for (guint i = 0; i < length; i++)
    {
      char scope[SCOPE_SIZE], user_scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (messages, i, "messages", error);
      g_autoptr(GPtrArray) mentions = NULL;
      g_autoptr(StrayMessage) message = NULL;
      StrayEventMessage decoded = { 0 };
      StrayEventUser user = { 0 };
      const char *deleted_at;

      g_snprintf (scope, sizeof scope, "messages[%u]", i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", scope);
      if (element == NULL ||
          !stray_decode_message (element, scope, user_scope, &decoded, &user, &mentions,
                                 error) ||
          !stray_decode_string (element, scope, "deleted_at", &deleted_at, error))
        return NULL;
      if (decoded.id == NULL)
        continue;

      message = stray_message_new (decoded.id,
                                   decoded.user != NULL ? decoded.user->id : NULL,
                                   decoded.user != NULL ? decoded.user->name : NULL,
                                   decoded.text, decoded.created_at_us,
                                   g_strcmp0 (decoded.type, "deleted") == 0 ||
                                   deleted_at != NULL);
      g_list_store_append (store, message);
    }
  return G_LIST_MODEL (g_steal_pointer (&store));
}
