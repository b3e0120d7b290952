/* stray-dev-store-threads.c
 *
 * Threads and their read state, as Stream keeps them. A thread is a parent message with at
 * least one reply; its participants are the parent's author and everyone who replied
 * (stream-chat-js' ThreadResponse.thread_participants, "the users participating in this
 * thread"; Stream's Threads docs: "a thread list with every thread they take part in").
 * Each participant has their own read state in the thread (ThreadResponse.read, as a channel
 * member has one): a reply counts as unread for every participant but its author, and sending
 * marks the thread read for the sender, as sending does for a channel. A user's unread
 * threads are their threads with an unread reply (`unread_threads`, GET /unread's
 * `total_unread_threads_count`); `unread_thread_messages` is the sum of those replies.
 * Thread replies never count toward the channel's own unread count (stray-dev-store-reads.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

typedef struct {
  char *user_id;
  char *joined_at;
  char *last_read;
  char *last_read_message_id;
  char *last_thread_message_at; /* their newest reply, or NULL */
  guint unread_messages;
} DevThreadRead;

struct _DevThread {
  char *parent_id;
  char *cid;
  char *created_by_id;
  char *created_at;
  char *last_message_at;
  GPtrArray *participants; /* of DevThreadRead, in the order they joined */
};

static void
thread_read_free (gpointer data)
{
  DevThreadRead *read = data;

  g_free (read->user_id);
  g_free (read->joined_at);
  g_free (read->last_read);
  g_free (read->last_read_message_id);
  g_free (read->last_thread_message_at);
  g_free (read);
}

void
dev_thread_free (gpointer data)
{
  DevThread *thread = data;

  g_free (thread->parent_id);
  g_free (thread->cid);
  g_free (thread->created_by_id);
  g_free (thread->created_at);
  g_free (thread->last_message_at);
  g_ptr_array_unref (thread->participants);
  g_free (thread);
}

/* A thread whose parent is still there. */
static DevThread *
lookup_thread (StrayDevStore *self,
               const char    *parent_id)
{
  DevThread *thread = parent_id != NULL ? g_hash_table_lookup (self->threads, parent_id) : NULL;

  if (thread == NULL || stray_dev_store_lookup_message (self, parent_id, NULL) == NULL)
    return NULL;
  return thread;
}

static DevThreadRead *
lookup_participant (DevThread  *thread,
                    const char *user_id)
{
  for (guint i = 0; i < thread->participants->len; i++)
    {
      DevThreadRead *read = g_ptr_array_index (thread->participants, i);

      if (g_str_equal (read->user_id, user_id))
        return read;
    }
  return NULL;
}

static DevThreadRead *
add_participant (DevThread  *thread,
                 const char *user_id,
                 const char *since)
{
  DevThreadRead *read = lookup_participant (thread, user_id);

  if (read != NULL)
    return read;
  read = g_new0 (DevThreadRead, 1);
  read->user_id = g_strdup (user_id);
  read->joined_at = g_strdup (since);
  read->last_read = g_strdup (since);
  g_ptr_array_add (thread->participants, read);
  return read;
}

static void
set_read (DevThreadRead *read,
          const char    *at,
          const char    *message_id)
{
  read->unread_messages = 0;
  g_free (read->last_read);
  read->last_read = g_strdup (at);
  g_free (read->last_read_message_id);
  read->last_read_message_id = g_strdup (message_id);
}

/* Whether @reply counts as unread for @participant: the rules a channel message counts by
 * (a joined member, not silent or shadowed, read events on, neither the channel nor the
 * author muted), applied to the thread. */
static gboolean
reply_counts_for (StrayDevStore *self,
                  DevChannel    *channel,
                  const char    *participant_id,
                  JsonObject    *reply,
                  const char    *author_id)
{
  DevMember *member = dev_lookup_member (channel, participant_id);
  DevUser *user = dev_lookup_user (self, participant_id);

  if (member == NULL || !DEV_MEMBER_IS_JOINED (member) ||
      g_str_equal (participant_id, author_id))
    return FALSE;
  if (stray_json_boolean (reply, "silent", FALSE) || stray_json_boolean (reply, "shadowed", FALSE))
    return FALSE;
  if (!dev_channel_type_has (self, channel->type, "read_events"))
    return FALSE;
  return user == NULL || (!dev_channel_mute_active (self, user, channel->cid) &&
                          !dev_user_mute_active (self, user, author_id));
}

/* @reply, just added to @channel at @now under @parent: the thread begins with its first
 * reply, its author joins it, and it counts for every other participant. */
void
dev_thread_count_reply (StrayDevStore *self,
                        DevChannel    *channel,
                        JsonObject    *parent,
                        JsonObject    *reply,
                        const char    *now)
{
  const char *parent_id = json_object_get_string_member (parent, "id");
  const char *author_id = stray_json_string (stray_json_object (reply, "user"), "id");
  DevThread *thread = g_hash_table_lookup (self->threads, parent_id);
  DevThreadRead *author;

  if (author_id == NULL)
    return;
  if (thread == NULL)
    {
      const char *parent_author = stray_json_string (stray_json_object (parent, "user"), "id");

      thread = g_new0 (DevThread, 1);
      thread->parent_id = g_strdup (parent_id);
      thread->cid = g_strdup (channel->cid);
      thread->created_by_id = g_strdup (parent_author);
      thread->created_at = g_strdup (now);
      thread->participants = g_ptr_array_new_with_free_func (thread_read_free);
      g_hash_table_insert (self->threads, thread->parent_id, thread);
      /* The parent's author has read their own message, and nothing after it. */
      if (parent_author != NULL)
        add_participant (thread, parent_author, stray_json_string (parent, "created_at"));
    }

  for (guint i = 0; i < thread->participants->len; i++)
    {
      DevThreadRead *read = g_ptr_array_index (thread->participants, i);

      if (reply_counts_for (self, channel, read->user_id, reply, author_id))
        read->unread_messages++;
    }
  author = add_participant (thread, author_id, now);
  set_read (author, now, json_object_get_string_member (reply, "id"));
  g_free (author->last_thread_message_at);
  author->last_thread_message_at = g_strdup (now);
  g_free (thread->last_message_at);
  thread->last_message_at = g_strdup (now);
}

/**
 * stray_dev_store_thread_participants:
 *
 * Returns: (transfer full): the ids of the participants of the thread under @parent_id, in
 *   the order they joined; empty when it has no replies
 */
GStrv
stray_dev_store_thread_participants (StrayDevStore *self,
                                     const char    *parent_id)
{
  DevThread *thread = lookup_thread (self, parent_id);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; thread != NULL && i < thread->participants->len; i++)
    g_strv_builder_add (builder,
                        ((DevThreadRead *) g_ptr_array_index (thread->participants, i))->user_id);
  return g_strv_builder_end (builder);
}

/**
 * stray_dev_store_thread_unread:
 *
 * Returns: @user_id's unread threads and the unread replies in them
 */
StrayDevThreadUnread
stray_dev_store_thread_unread (StrayDevStore *self,
                               const char    *user_id)
{
  StrayDevThreadUnread unread = { 0, 0 };
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->threads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevThread *thread = value;
      DevThreadRead *read = lookup_participant (thread, user_id);

      if (read == NULL || read->unread_messages == 0 || lookup_thread (self, thread->parent_id) == NULL ||
          !stray_dev_store_is_member (self, thread->cid, user_id))
        continue;
      unread.unread_threads++;
      unread.unread_thread_messages += read->unread_messages;
    }
  return unread;
}

static JsonObject *
thread_read_json (StrayDevStore *self,
                  DevThreadRead *read)
{
  JsonObject *object = json_object_new ();

  json_object_set_member (object, "user", dev_user_node (self, read->user_id));
  json_object_set_string_member (object, "last_read", read->last_read);
  json_object_set_int_member (object, "unread_messages", read->unread_messages);
  if (read->last_read_message_id != NULL)
    json_object_set_string_member (object, "last_read_message_id", read->last_read_message_id);
  return object;
}

/**
 * stray_dev_store_unread_threads_json:
 *
 * Returns: (transfer full): GET /unread's `threads`: each of @user_id's threads with unread
 *   replies (stream-chat-js' GetUnreadCountAPIResponse.threads)
 */
JsonArray *
stray_dev_store_unread_threads_json (StrayDevStore *self,
                                     const char    *user_id)
{
  JsonArray *threads = json_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->threads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevThread *thread = value;
      DevThreadRead *read = lookup_participant (thread, user_id);
      JsonObject *entry;

      if (read == NULL || read->unread_messages == 0 || lookup_thread (self, thread->parent_id) == NULL ||
          !stray_dev_store_is_member (self, thread->cid, user_id))
        continue;
      entry = json_object_new ();
      json_object_set_string_member (entry, "parent_message_id", thread->parent_id);
      json_object_set_int_member (entry, "unread_count", read->unread_messages);
      json_object_set_string_member (entry, "last_read", read->last_read);
      json_object_set_string_member (entry, "last_read_message_id",
                                     read->last_read_message_id != NULL
                                     ? read->last_read_message_id : "");
      json_array_add_object_element (threads, entry);
    }
  return threads;
}

/**
 * stray_dev_store_mark_thread_read:
 * @thread_id: the parent message's id
 *
 * Marks the thread read for @user_id, a member of @cid; who is not a participant yet
 * becomes one (opening a thread is taking part in it, as Stream's read state shows).
 *
 * Returns: (transfer full) (nullable): the user's read state in the thread afterwards
 */
JsonObject *
stray_dev_store_mark_thread_read (StrayDevStore *self,
                                  const char    *cid,
                                  const char    *user_id,
                                  const char    *thread_id,
                                  GError       **error)
{
  const char *parent_cid = NULL;
  DevThread *thread;
  DevThreadRead *read;
  g_autoptr(GPtrArray) replies = NULL;
  g_autofree char *now = NULL;

  if (stray_dev_store_lookup_message (self, thread_id, &parent_cid) == NULL ||
      g_strcmp0 (parent_cid, cid) != 0)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "thread \"%s\" does not exist in channel \"%s\"", thread_id, cid);
      return NULL;
    }
  thread = lookup_thread (self, thread_id);
  if (thread == NULL)
    {
      dev_store_fail (error, STRAY_DEV_STORE_ERROR_NOT_FOUND,
                      "thread \"%s\" has no replies", thread_id);
      return NULL;
    }
  now = stray_dev_store_now (self);
  read = add_participant (thread, user_id, now);
  replies = stray_dev_store_replies (self, thread_id);
  set_read (read, now, replies->len > 0
            ? json_object_get_string_member (g_ptr_array_index (replies, replies->len - 1), "id")
            : NULL);
  return thread_read_json (self, read);
}

static gint
by_last_message_newest_first (gconstpointer a,
                              gconstpointer b)
{
  const DevThread *first = *(DevThread **) a;
  const DevThread *second = *(DevThread **) b;

  return -g_strcmp0 (first->last_message_at, second->last_message_at);
}

/**
 * stray_dev_store_user_threads:
 *
 * Returns: (transfer full): the parent ids of the threads @user_id takes part in, in channels
 *   they are a member of, the most recently active first (queryThreads' default order)
 */
GStrv
stray_dev_store_user_threads (StrayDevStore *self,
                              const char    *user_id)
{
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->threads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DevThread *thread = value;

      if (lookup_participant (thread, user_id) != NULL &&
          lookup_thread (self, thread->parent_id) != NULL &&
          stray_dev_store_is_member (self, thread->cid, user_id))
        g_ptr_array_add (threads, thread);
    }
  g_ptr_array_sort (threads, by_last_message_newest_first);
  for (guint i = 0; i < threads->len; i++)
    g_strv_builder_add (builder, ((DevThread *) g_ptr_array_index (threads, i))->parent_id);
  return g_strv_builder_end (builder);
}

/**
 * stray_dev_store_thread_json:
 * @reply_limit: how many of the newest replies go in `latest_replies`
 *
 * Returns: (transfer full) (nullable): the thread under @parent_id as stream-chat-js'
 *   ThreadResponse has it (without `channel`, which the caller adds), or %NULL when there is
 *   none
 */
JsonObject *
stray_dev_store_thread_json (StrayDevStore *self,
                             const char    *parent_id,
                             guint          reply_limit)
{
  DevThread *thread = lookup_thread (self, parent_id);
  JsonObject *parent = stray_dev_store_lookup_message (self, parent_id, NULL);
  g_autoptr(GPtrArray) replies = NULL;
  JsonObject *object;
  JsonArray *latest, *participants, *reads;

  if (thread == NULL)
    return NULL;
  replies = stray_dev_store_replies (self, parent_id);
  object = json_object_new ();
  json_object_set_string_member (object, "channel_cid", thread->cid);
  json_object_set_string_member (object, "parent_message_id", thread->parent_id);
  json_object_set_object_member (object, "parent_message", json_object_ref (parent));
  json_object_set_string_member (object, "title", "");
  json_object_set_string_member (object, "created_by_user_id",
                                 thread->created_by_id != NULL ? thread->created_by_id : "");
  if (thread->created_by_id != NULL)
    json_object_set_member (object, "created_by", dev_user_node (self, thread->created_by_id));
  json_object_set_string_member (object, "created_at", thread->created_at);
  json_object_set_string_member (object, "updated_at", thread->last_message_at);
  json_object_set_string_member (object, "last_message_at", thread->last_message_at);
  json_object_set_int_member (object, "reply_count", replies->len);
  json_object_set_int_member (object, "participant_count", thread->participants->len);
  json_object_set_int_member (object, "active_participant_count", thread->participants->len);

  latest = json_array_new ();
  for (guint i = replies->len > reply_limit ? replies->len - reply_limit : 0; i < replies->len; i++)
    json_array_add_object_element (latest, json_object_ref (g_ptr_array_index (replies, i)));
  json_object_set_array_member (object, "latest_replies", latest);

  participants = json_array_new ();
  reads = json_array_new ();
  for (guint i = 0; i < thread->participants->len; i++)
    {
      DevThreadRead *read = g_ptr_array_index (thread->participants, i);
      JsonObject *participant = json_object_new ();

      json_object_set_string_member (participant, "channel_cid", thread->cid);
      json_object_set_string_member (participant, "thread_id", thread->parent_id);
      json_object_set_string_member (participant, "user_id", read->user_id);
      json_object_set_member (participant, "user", dev_user_node (self, read->user_id));
      json_object_set_string_member (participant, "created_at", read->joined_at);
      json_object_set_string_member (participant, "last_read_at", read->last_read);
      if (read->last_thread_message_at != NULL)
        json_object_set_string_member (participant, "last_thread_message_at",
                                       read->last_thread_message_at);
      json_array_add_object_element (participants, participant);
      json_array_add_object_element (reads, thread_read_json (self, read));
    }
  json_object_set_array_member (object, "thread_participants", participants);
  json_object_set_array_member (object, "read", reads);
  return object;
}
