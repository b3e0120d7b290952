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

/* What a decoded answer's pointers point into. */
typedef struct {
  JsonNode *root;
  GPtrArray *blocks;   /* arrays of structures, g_free */
  GPtrArray *lists;    /* mention lists, g_ptr_array_unref */
} Storage;

/* The public structures first, then their storage. */
typedef struct {
  StrayRestChannelsPage pub;
  Storage storage;
} ChannelsPageBox;

typedef struct {
  StrayRestUnread pub;
  Storage storage;
} UnreadBox;

static void
storage_init (Storage  *storage,
              JsonNode *root)
{
  storage->root = json_node_ref (root);
  storage->blocks = g_ptr_array_new_with_free_func (g_free);
  storage->lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
}

static void
storage_clear (Storage *storage)
{
  g_ptr_array_unref (storage->lists);
  g_ptr_array_unref (storage->blocks);
  json_node_unref (storage->root);
}

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
new_block (Storage *storage,
           gsize    element_size,
           guint    n_elements)
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

/* Decodes @element into @slot, one structure of an array; @user is the slot's user storage. */
typedef gboolean (*SlotDecoder) (Storage        *storage,
                                 JsonObject     *element,
                                 const char     *scope,
                                 const char     *user_scope,
                                 gpointer        slot,
                                 StrayEventUser *user,
                                 GError        **error);

/* An array of objects decoded into an array of structures of @slot_size; NULL on error. */
static gpointer
decode_slots (Storage      *storage,
              JsonArray    *array,
              const char   *scope,
              gsize         slot_size,
              SlotDecoder   decode,
              GError      **error)
{
  guint length = json_array_get_length (array);
  char *slots = new_block (storage, slot_size, length);
  StrayEventUser *users = new_block (storage, sizeof (StrayEventUser), length);

  for (guint i = 0; i < length; i++)
    {
      char element_scope[SCOPE_SIZE], user_scope[SCOPE_SIZE];
      JsonObject *element = stray_decode_element (array, i, scope, error);

      g_snprintf (element_scope, sizeof element_scope, "%s[%u]", scope, i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", element_scope);
      if (element == NULL ||
          !decode (storage, element, element_scope, user_scope, slots + i * slot_size, &users[i],
                   error))
        return NULL;
    }
  return slots;
}

static gboolean
decode_member_slot (G_GNUC_UNUSED Storage *storage,
                    JsonObject            *element,
                    const char            *scope,
                    const char            *user_scope,
                    gpointer               slot,
                    StrayEventUser        *user,
                    GError               **error)
{
  return stray_decode_member (element, scope, user_scope, slot, user, error);
}

static gboolean
decode_read_slot (G_GNUC_UNUSED Storage *storage,
                  JsonObject            *element,
                  const char            *scope,
                  const char            *user_scope,
                  gpointer               slot,
                  StrayEventUser        *user,
                  GError               **error)
{
  StrayRestRead *read = slot;

  return stray_decode_user_member (element, scope, "user", user_scope, user, &read->user,
                                   error) &&
         stray_decode_count (element, scope, "unread_messages", &read->unread_messages, error) &&
         stray_decode_timestamp (element, scope, "last_read", &read->last_read,
                                 &read->last_read_us, error);
}

static gboolean
decode_message_slot (Storage        *storage,
                     JsonObject     *element,
                     const char     *scope,
                     const char     *user_scope,
                     gpointer        slot,
                     StrayEventUser *user,
                     GError        **error)
{
  GPtrArray *mentions = NULL, *attachments = NULL;
  gboolean decoded = stray_decode_message (element, scope, user_scope, slot, user, &mentions,
                                           &attachments, error);

  if (mentions != NULL)
    g_ptr_array_add (storage->lists, mentions);
  if (attachments != NULL)
    g_ptr_array_add (storage->lists, attachments);
  return decoded;
}

static gboolean
decode_channel_state_slot (Storage                      *storage,
                           JsonObject                   *object,
                           const char                   *scope,
                           G_GNUC_UNUSED const char     *user_scope,
                           gpointer                      slot,
                           G_GNUC_UNUSED StrayEventUser *user,
                           GError                      **error)
{
  StrayRestChannelState *state = slot;
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

  /* The user's own entry, which a channel of more than 100 members may leave out of them. */
  {
    char membership_scope[SCOPE_SIZE], membership_user_scope[SCOPE_SIZE];
    JsonObject *membership;

    g_snprintf (membership_scope, sizeof membership_scope, "%s.membership", scope);
    g_snprintf (membership_user_scope, sizeof membership_user_scope, "%s.user",
                membership_scope);
    if (!stray_decode_object (object, scope, "membership", &membership, error) ||
        (membership != NULL &&
         !stray_decode_member (membership, membership_scope, membership_user_scope,
                               &state->membership, &state->membership_user, error)))
      return FALSE;
    state->has_membership = membership != NULL;
  }

  state->has_members = members != NULL;
  if (members != NULL)
    {
      state->n_members = json_array_get_length (members);
      state->members = decode_slots (storage, members, members_scope, sizeof (StrayEventMember),
                                     decode_member_slot, error);
      if (state->members == NULL)
        return FALSE;
    }
  if (reads != NULL)
    {
      state->n_reads = json_array_get_length (reads);
      state->reads = decode_slots (storage, reads, read_scope, sizeof (StrayRestRead),
                                   decode_read_slot, error);
      if (state->reads == NULL)
        return FALSE;
    }
  if (messages != NULL)
    {
      state->n_messages = json_array_get_length (messages);
      state->messages = decode_slots (storage, messages, messages_scope,
                                      sizeof (StrayEventMessage), decode_message_slot, error);
      if (state->messages == NULL)
        return FALSE;
    }
  return TRUE;
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
  ChannelsPageBox *box;
  Storage *storage;
  JsonArray *channels;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  box = g_new0 (ChannelsPageBox, 1);
  page = &box->pub;
  storage = &box->storage;
  storage_init (storage, root);

  if (!decode_required_array (json_node_get_object (root), NULL, "channels", &channels, error))
    return NULL;
  page->n_channels = json_array_get_length (channels);
  page->channels = decode_slots (storage, channels, "channels", sizeof (StrayRestChannelState),
                                 decode_channel_state_slot, error);
  if (page->channels == NULL)
    return NULL;
  return g_steal_pointer (&page);
}

void
stray_rest_channels_page_free (StrayRestChannelsPage *page)
{
  if (page == NULL)
    return;
  storage_clear (&((ChannelsPageBox *) page)->storage);
  g_free (page);
}

static gboolean
decode_unread_channel_slot (G_GNUC_UNUSED Storage        *storage,
                            JsonObject                   *element,
                            const char                   *scope,
                            G_GNUC_UNUSED const char     *user_scope,
                            gpointer                      slot,
                            G_GNUC_UNUSED StrayEventUser *user,
                            GError                      **error)
{
  StrayRestUnreadChannel *channel = slot;

  return stray_decode_string (element, scope, "channel_id", &channel->cid, error) &&
         stray_decode_count (element, scope, "unread_count", &channel->unread_count, error) &&
         stray_decode_timestamp (element, scope, "last_read", &channel->last_read,
                                 &channel->last_read_us, error);
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
  UnreadBox *box;
  JsonArray *channels;

  g_return_val_if_fail (root != NULL && JSON_NODE_HOLDS_OBJECT (root), NULL);

  object = json_node_get_object (root);
  box = g_new0 (UnreadBox, 1);
  unread = &box->pub;
  storage_init (&box->storage, root);

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

  unread->n_channels = json_array_get_length (channels);
  unread->channels = decode_slots (&box->storage, channels, "channels",
                                   sizeof (StrayRestUnreadChannel), decode_unread_channel_slot,
                                   error);
  if (unread->channels == NULL)
    return NULL;
  return g_steal_pointer (&unread);
}

void
stray_rest_unread_free (StrayRestUnread *unread)
{
  if (unread == NULL)
    return;
  storage_clear (&((UnreadBox *) unread)->storage);
  g_free (unread);
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
      g_autoptr(GPtrArray) attachments = NULL;
      g_autoptr(StrayMessage) message = NULL;
      StrayEventMessage decoded = { 0 };
      StrayEventUser user = { 0 };
      const char *deleted_at, *text_updated_at;
      gint32 reply_count = STRAY_COUNT_UNSET;

      g_snprintf (scope, sizeof scope, "messages[%u]", i);
      g_snprintf (user_scope, sizeof user_scope, "%s.user", scope);
      if (element == NULL ||
          !stray_decode_message (element, scope, user_scope, &decoded, &user, &mentions,
                                 &attachments, error) ||
          !stray_decode_string (element, scope, "deleted_at", &deleted_at, error) ||
          !stray_decode_string (element, scope, "message_text_updated_at", &text_updated_at,
                                error) ||
          !stray_decode_count (element, scope, "reply_count", &reply_count, error))
        return NULL;
      if (decoded.id == NULL)
        continue;

      message = stray_message_new (decoded.id,
                                   decoded.user != NULL ? decoded.user->id : NULL,
                                   decoded.user != NULL ? decoded.user->name : NULL,
                                   decoded.text, decoded.created_at_us,
                                   g_strcmp0 (decoded.type, "deleted") == 0 ||
                                   deleted_at != NULL);
      stray_message_set_edited (message, text_updated_at != NULL);
      for (guint a = 0; decoded.attachments != NULL && decoded.attachments[a] != NULL; a += 2)
        {
          const char *name = decoded.attachments[a + 1];

          stray_message_add_attachment (message, decoded.attachments[a], *name ? name : NULL);
        }
      if (reply_count > 0)
        stray_message_set_reply_count (message, (guint) reply_count);
      if (decoded.user != NULL)
        stray_message_set_author_image (message, decoded.user->image);
      g_list_store_append (store, message);
    }
  return G_LIST_MODEL (g_steal_pointer (&store));
}
