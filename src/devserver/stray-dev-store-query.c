/* stray-dev-store-query.c
 *
 * queryChannels: the filters Stream documents (fields compared with $eq, $ne, $in, $nin,
 * $exists, and $gt, $gte, $lt, $lte as Stream's query syntax has them, which compare dates by
 * time, e.g. {"last_updated": {"$gt": "2026-12-03T12:00:00Z"}}; members, $and and $or; the
 * querying user's own hidden and muted states and invite; custom fields of the channel's data),
 * the sort
 * keys it accepts, several in order, and the page asked for. Unknown operators are errors
 * in Stream's shape, whatever channel they meet.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

/* Stream words its errors as "<call> failed with error: \"<why>\"" (stream-chat-js'
 * integration tests have many); the query's own are in that shape too. */
#define QUERY_FAILED "QueryChannels failed with error: "

/* One channel as one user's query sees it. */
typedef struct {
  StrayDevStore *self;
  DevChannel *channel;
  DevUser *user;           /* the querying user; NULL for a server-side query without one */
  DevMember *member;       /* their membership of the channel, if any */
  gboolean names_hidden;   /* the filter says which hidden state it wants */
} QueryScope;

static gboolean filter_matches (QueryScope  *scope,
                                JsonObject  *filter,
                                GError     **error);

static const char *sort_value (DevChannel *channel,
                               const char *field);

/* The fields Stream's queryChannels documents ("Queryable Fields"); any other name is a
 * custom field of the channel's data, as Stream treats it. */
static const char * const builtin_fields[] = {
  "cid", "id", "type", "frozen", "disabled", "member_count", "created_by_id", "created_at",
  "updated_at", "last_message_at", "last_updated", "members", "hidden", "muted", "invite",
};

/* The value of @field of the channel as filters compare it; NULL when it has none. */
static JsonNode *
channel_field (QueryScope *scope,
               const char *field)
{
  DevChannel *channel = scope->channel;

  if (g_str_equal (field, "created_at") || g_str_equal (field, "updated_at") ||
      g_str_equal (field, "last_updated"))
    return json_node_init_string (json_node_alloc (), sort_value (channel, field));
  if (g_str_equal (field, "last_message_at"))
    return channel->last_message_at != NULL
           ? json_node_init_string (json_node_alloc (), channel->last_message_at) : NULL;
  if (g_str_equal (field, "cid"))
    return json_node_init_string (json_node_alloc (), channel->cid);
  if (g_str_equal (field, "type"))
    return json_node_init_string (json_node_alloc (), channel->type);
  if (g_str_equal (field, "id"))
    return json_node_init_string (json_node_alloc (), channel->id);
  if (g_str_equal (field, "created_by_id"))
    return json_node_init_string (json_node_alloc (), channel->created_by_id);
  if (g_str_equal (field, "frozen"))
    return json_node_init_boolean (json_node_alloc (), channel->frozen);
  if (g_str_equal (field, "disabled"))
    return json_node_init_boolean (json_node_alloc (), FALSE);
  if (g_str_equal (field, "member_count"))
    return json_node_init_int (json_node_alloc (), channel->members->len);
  /* The querying user's invite to it: "pending", "accepted" or "rejected" (Stream's Invites
   * docs, "Query Invites by Status"); none when they were not invited. */
  if (g_str_equal (field, "invite"))
    {
      DevMember *member = scope->member;

      if (member == NULL || !member->invited)
        return NULL;
      return json_node_init_string (json_node_alloc (),
                                    member->invite_accepted_at != NULL ? "accepted"
                                    : member->invite_rejected_at != NULL ? "rejected"
                                    : "pending");
    }
  /* The querying user's own view: hidden by them, muted by them. */
  if (g_str_equal (field, "hidden"))
    return json_node_init_boolean (json_node_alloc (),
                                   scope->member != NULL && scope->member->hidden);
  if (g_str_equal (field, "muted"))
    return json_node_init_boolean (json_node_alloc (),
                                   scope->user != NULL &&
                                   dev_channel_mute_active (scope->self, scope->user,
                                                            channel->cid));
  if (json_object_has_member (channel->data, field))
    return json_node_copy (json_object_get_member (channel->data, field));
  return NULL;
}

static gboolean
value_in (JsonNode  *value,
          JsonArray *candidates)
{
  for (guint i = 0; i < json_array_get_length (candidates); i++)
    if (json_node_equal (value, json_array_get_element (candidates, i)))
      return TRUE;
  return FALSE;
}

/* -1, 0 or 1 as @value is before, at or after @operand: dates by time, numbers by value;
 * G_MININT when they cannot be compared. */
static int
compare_values (JsonNode *value,
                JsonNode *operand)
{
  GType value_type, operand_type;

  if (!JSON_NODE_HOLDS_VALUE (value) || !JSON_NODE_HOLDS_VALUE (operand))
    return G_MININT;
  value_type = json_node_get_value_type (value);
  operand_type = json_node_get_value_type (operand);
  if (value_type == G_TYPE_STRING && operand_type == G_TYPE_STRING)
    {
      g_autoptr(GDateTime) left = g_date_time_new_from_iso8601 (json_node_get_string (value),
                                                                NULL);
      g_autoptr(GDateTime) right = g_date_time_new_from_iso8601 (json_node_get_string (operand),
                                                                 NULL);

      if (left == NULL || right == NULL)
        return G_MININT;
      return g_date_time_compare (left, right);
    }
  if ((value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE) &&
      (operand_type == G_TYPE_INT64 || operand_type == G_TYPE_DOUBLE))
    {
      double left = json_node_get_double (value), right = json_node_get_double (operand);

      return (left > right) - (left < right);
    }
  return G_MININT;
}

static gboolean
members_match (QueryScope *scope,
               JsonNode   *condition,
               GError    **error)
{
  DevChannel *channel = scope->channel;
  JsonArray *wanted = NULL;

  if (JSON_NODE_HOLDS_OBJECT (condition))
    {
      JsonObject *operators = json_node_get_object (condition);
      JsonNode *in = json_object_get_member (operators, "$in");

      if (in == NULL || !JSON_NODE_HOLDS_ARRAY (in) || json_object_get_size (operators) != 1)
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"members filter supports only $in\"");
      wanted = json_node_get_array (in);
      for (guint i = 0; i < json_array_get_length (wanted); i++)
        {
          JsonNode *id = json_array_get_element (wanted, i);

          if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING &&
              dev_lookup_member (channel, json_node_get_string (id)) != NULL)
            return TRUE;
        }
      return FALSE;
    }
  if (JSON_NODE_HOLDS_ARRAY (condition))
    {
      /* Exact set of members. */
      wanted = json_node_get_array (condition);
      if (json_array_get_length (wanted) != channel->members->len)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (wanted); i++)
        {
          JsonNode *id = json_array_get_element (wanted, i);

          if (!JSON_NODE_HOLDS_VALUE (id) || json_node_get_value_type (id) != G_TYPE_STRING ||
              dev_lookup_member (channel, json_node_get_string (id)) == NULL)
            return FALSE;
        }
      return TRUE;
    }
  return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                         QUERY_FAILED "\"members filter must be {$in: […]} or a list\"");
}

static gboolean
field_matches (QueryScope *scope,
               const char *field,
               JsonNode   *condition,
               GError    **error)
{
  g_autoptr(JsonNode) value = NULL;
  gboolean custom = !g_strv_contains (builtin_fields, field);

  if (g_str_equal (field, "members"))
    return members_match (scope, condition, error);

  if (g_str_equal (field, "hidden"))
    scope->names_hidden = TRUE;
  value = channel_field (scope, field);
  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return value != NULL && json_node_equal (value, condition);

  {
    JsonObject *operators = json_node_get_object (condition);
    g_autoptr(GList) names = json_object_get_members (operators);
    gboolean matches = TRUE;

    for (GList *l = names; l != NULL; l = l->next)
      {
        const char *name = l->data;
        JsonNode *operand = json_object_get_member (operators, name);

        if (g_str_equal (name, "$eq"))
          matches &= value != NULL && json_node_equal (value, operand);
        else if (g_str_equal (name, "$ne"))
          {
            /* Stream's own words (stream-chat-android's changelog quotes them). */
            if (custom)
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT, QUERY_FAILED
                                     "\"operator $ne is not supported for custom fields\"");
            matches &= value == NULL || !json_node_equal (value, operand);
          }
        else if (g_str_equal (name, "$in") || g_str_equal (name, "$nin"))
          {
            gboolean in;

            if (!JSON_NODE_HOLDS_ARRAY (operand))
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                     QUERY_FAILED "\"%s on %s needs a list\"", name, field);
            in = value != NULL && value_in (value, json_node_get_array (operand));
            matches &= in == g_str_equal (name, "$in");
          }
        else if (g_str_equal (name, "$exists"))
          {
            if (!JSON_NODE_HOLDS_VALUE (operand) ||
                json_node_get_value_type (operand) != G_TYPE_BOOLEAN)
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                     QUERY_FAILED "\"$exists on %s needs true or false\"", field);
            matches &= (value != NULL) == json_node_get_boolean (operand);
          }
        else if (g_str_equal (name, "$gt") || g_str_equal (name, "$gte") ||
                 g_str_equal (name, "$lt") || g_str_equal (name, "$lte"))
          {
            int order;

            /* A channel without the field (no message yet) matches no comparison. */
            if (value == NULL)
              {
                matches = FALSE;
                continue;
              }
            order = compare_values (value, operand);
            if (order == G_MININT)
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                     QUERY_FAILED "\"%s on %s needs a date or a number\"",
                                     name, field);
            matches &= g_str_equal (name, "$gt") ? order > 0 :
                       g_str_equal (name, "$gte") ? order >= 0 :
                       g_str_equal (name, "$lt") ? order < 0 : order <= 0;
          }
        else
          return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                 QUERY_FAILED "\"operator %s is not supported for field %s\"",
                                 name, field);
      }
    return matches;
  }
}

static gboolean
filter_list_matches (QueryScope *scope,
                     JsonNode   *list,
                     gboolean    any,
                     GError    **error)
{
  JsonArray *filters;
  gboolean result = !any;

  if (!JSON_NODE_HOLDS_ARRAY (list))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           QUERY_FAILED "\"$and and $or need a list of filters\"");
  filters = json_node_get_array (list);
  /* Every element is checked, so that an error anywhere is reported whatever matches. */
  for (guint i = 0; i < json_array_get_length (filters); i++)
    {
      JsonNode *element = json_array_get_element (filters, i);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"a filter must be an object\"");
      matches = filter_matches (scope, json_node_get_object (element), &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (matches == any)
        result = any;
    }
  return result;
}

/* Whether the channel in @scope matches @filter. Every condition is checked (no shortcut), so
 * that a mistake in the filter is an error for every channel, as Stream validates the whole
 * filter before it runs it. */
static gboolean
filter_matches (QueryScope  *scope,
                JsonObject  *filter,
                GError     **error)
{
  g_autoptr(GList) names = json_object_get_members (filter);
  gboolean result = TRUE;

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *condition = json_object_get_member (filter, name);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (g_str_equal (name, "$and") || g_str_equal (name, "$or"))
        matches = filter_list_matches (scope, condition, g_str_equal (name, "$or"),
                                       &local_error);
      else if (name[0] == '$' || name[0] == '\0')
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"operator %s is not supported\"", name);
      else
        matches = field_matches (scope, name, condition, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      result &= matches;
    }
  return result;
}

static const char *
sort_value (DevChannel *channel,
            const char *field)
{
  if (g_str_equal (field, "created_at"))
    return channel->created_at;
  if (g_str_equal (field, "updated_at"))
    return channel->updated_at;
  if (g_str_equal (field, "cid"))
    return channel->cid;
  if (g_str_equal (field, "id"))
    return channel->id;
  /* last_message_at, and last_updated: a channel without messages sorts by its creation. */
  return channel->last_message_at != NULL ? channel->last_message_at : channel->created_at;
}

static int
compare_by (DevChannel *left,
            DevChannel *right,
            const char *field)
{
  if (g_str_equal (field, "member_count"))
    return (left->members->len > right->members->len) -
           (left->members->len < right->members->len);
  return g_strcmp0 (sort_value (left, field), sort_value (right, field));
}

static gint
compare_channels (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  DevChannel *left = *(DevChannel **) a, *right = *(DevChannel **) b;
  JsonArray *sort = user_data;

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonObject *key = json_array_get_object_element (sort, i);
      const char *field = stray_json_string (key, "field");
      gint64 direction = stray_json_int (key, "direction", -1);
      int order = compare_by (left, right, field);

      if (order != 0)
        return direction < 0 ? -order : order;
    }
  if (sort == NULL || json_array_get_length (sort) == 0)
    {
      /* Stream's default: [{last_updated: -1}]. */
      int order = compare_by (left, right, "last_updated");

      if (order != 0)
        return -order;
    }
  return g_strcmp0 (left->cid, right->cid);
}

static gboolean
validate_sort (JsonArray *sort,
               GError   **error)
{
  /* Stream's documented keys, with id and cid, which it accepts too. */
  static const char * const fields[] = {
    "last_message_at", "last_updated", "created_at", "updated_at", "member_count", "id", "cid",
  };

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonNode *element = json_array_get_element (sort, i);
      JsonObject *key;
      const char *field;
      JsonNode *direction;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"sort must be a list of {field, direction}\"");
      key = json_node_get_object (element);
      field = stray_json_string (key, "field");
      direction = json_object_get_member (key, "direction");
      if (field == NULL || !g_strv_contains (fields, field))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"cannot sort by %s\"", field ? field : "");
      if (direction != NULL && (!JSON_NODE_HOLDS_VALUE (direction) ||
                                json_node_get_value_type (direction) != G_TYPE_INT64 ||
                                (json_node_get_int (direction) != 1 &&
                                 json_node_get_int (direction) != -1)))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               QUERY_FAILED "\"sort direction must be 1 or -1\"");
    }
  return TRUE;
}

/**
 * stray_dev_store_query_channels:
 * @user_id: whose view: hidden channels of theirs are left out unless the filter names hidden
 * @filter: filter_conditions
 * @sort: (nullable): sort keys
 *
 * Returns: (transfer full) (element-type utf8) (nullable): the matching cids, in order
 */
GPtrArray *
stray_dev_store_query_channels (StrayDevStore *self,
                                const char    *user_id,
                                JsonObject    *filter,
                                JsonArray     *sort,
                                guint          limit,
                                guint          offset,
                                GError       **error)
{
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  GPtrArray *cids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;

  if (!validate_sort (sort, error))
    {
      g_ptr_array_unref (cids);
      return NULL;
    }

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      QueryScope scope = { self, value, dev_lookup_user (self, user_id), NULL, FALSE };
      g_autoptr(GError) local_error = NULL;

      scope.member = user_id != NULL ? dev_lookup_member (scope.channel, user_id) : NULL;
      if (!filter_matches (&scope, filter, &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              g_ptr_array_unref (cids);
              return NULL;
            }
          continue;
        }
      /* Hidden channels are left out unless the filter asks for them by their state
       * (Stream's "hidden: true lists only hidden channels"). */
      if (!scope.names_hidden && scope.member != NULL && scope.member->hidden)
        continue;
      g_ptr_array_add (matching, scope.channel);
    }

  g_ptr_array_sort_with_data (matching, compare_channels, sort);
  for (guint i = offset; i < matching->len && cids->len < limit; i++)
    g_ptr_array_add (cids, g_strdup (((DevChannel *) g_ptr_array_index (matching, i))->cid));
  return cids;
}
