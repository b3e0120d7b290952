/* stray-dev-store-query.c
 *
 * queryChannels: the filters Stream's SDK sends (fields compared with $eq, $ne, $in, $nin,
 * $exists, and $gt, $gte, $lt, $lte as Stream's query syntax has them, which compare dates by
 * time, e.g. {"last_updated": {"$gt": "2026-12-03T12:00:00Z"}}; members, $and and $or, hidden),
 * the sort keys it accepts, and the page asked for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-store-private.h"
#include "stray-json.h"

static gboolean filter_matches (StrayDevStore *self,
                                DevChannel    *channel,
                                JsonObject    *filter,
                                gboolean      *mentions_hidden,
                                GError       **error);

static const char *sort_value (DevChannel *channel,
                               const char *field);

/* The value of @field of @channel as filters compare it; NULL when it has none. */
static JsonNode *
channel_field (DevChannel *channel,
               const char *field)
{
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
  if (g_str_equal (field, "frozen"))
    return json_node_init_boolean (json_node_alloc (), channel->frozen);
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
members_match (DevChannel *channel,
               JsonNode   *condition,
               GError    **error)
{
  JsonArray *wanted = NULL;

  if (JSON_NODE_HOLDS_OBJECT (condition))
    {
      JsonObject *operators = json_node_get_object (condition);
      JsonNode *in = json_object_get_member (operators, "$in");

      if (in == NULL || !JSON_NODE_HOLDS_ARRAY (in) || json_object_get_size (operators) != 1)
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: members filter supports only $in");
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
                         "QueryChannels failed: members filter must be {$in: […]} or a list");
}

static gboolean
field_matches (DevChannel *channel,
               const char *field,
               JsonNode   *condition,
               GError    **error)
{
  g_autoptr(JsonNode) value = NULL;

  if (g_str_equal (field, "members"))
    return members_match (channel, condition, error);

  value = channel_field (channel, field);
  if (!JSON_NODE_HOLDS_OBJECT (condition))
    return value != NULL && json_node_equal (value, condition);

  {
    JsonObject *operators = json_node_get_object (condition);
    g_autoptr(GList) names = json_object_get_members (operators);

    for (GList *l = names; l != NULL; l = l->next)
      {
        JsonNode *operand = json_object_get_member (operators, l->data);

        if (g_str_equal (l->data, "$eq"))
          {
            if (value == NULL || !json_node_equal (value, operand))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$ne"))
          {
            if (value != NULL && json_node_equal (value, operand))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$in") || g_str_equal (l->data, "$nin"))
          {
            gboolean in;

            if (!JSON_NODE_HOLDS_ARRAY (operand))
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                     "QueryChannels failed: %s needs a list", (char *) l->data);
            in = value != NULL && value_in (value, json_node_get_array (operand));
            if (in != g_str_equal (l->data, "$in"))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$exists"))
          {
            if ((value != NULL) != json_node_get_boolean (operand))
              return FALSE;
          }
        else if (g_str_equal (l->data, "$gt") || g_str_equal (l->data, "$gte") ||
                 g_str_equal (l->data, "$lt") || g_str_equal (l->data, "$lte"))
          {
            const char *name = l->data;
            int order;

            /* A channel without the field (no message yet) matches no comparison. */
            if (value == NULL)
              return FALSE;
            order = compare_values (value, operand);
            if (order == G_MININT)
              return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                     "QueryChannels failed: %s on %s needs a date or a number",
                                     name, field);
            if (g_str_equal (name, "$gt") ? order <= 0 :
                g_str_equal (name, "$gte") ? order < 0 :
                g_str_equal (name, "$lt") ? order >= 0 : order > 0)
              return FALSE;
          }
        else
          return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                                 "QueryChannels failed: operator %s is not supported",
                                 (char *) l->data);
      }
  }
  return TRUE;
}

static gboolean
filter_list_matches (StrayDevStore *self,
                     DevChannel    *channel,
                     JsonNode      *list,
                     gboolean       any,
                     gboolean      *mentions_hidden,
                     GError       **error)
{
  JsonArray *filters;

  if (!JSON_NODE_HOLDS_ARRAY (list))
    return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                           "QueryChannels failed: $and and $or need a list of filters");
  filters = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (filters); i++)
    {
      JsonNode *element = json_array_get_element (filters, i);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: a filter must be an object");
      matches = filter_matches (self, channel, json_node_get_object (element), mentions_hidden,
                                &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (matches == any)
        return any;
    }
  return !any;
}

static gboolean
filter_matches (StrayDevStore *self,
                DevChannel    *channel,
                JsonObject    *filter,
                gboolean      *mentions_hidden,
                GError       **error)
{
  g_autoptr(GList) names = json_object_get_members (filter);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *condition = json_object_get_member (filter, name);
      g_autoptr(GError) local_error = NULL;
      gboolean matches;

      if (g_str_equal (name, "$and") || g_str_equal (name, "$or"))
        matches = filter_list_matches (self, channel, condition, g_str_equal (name, "$or"),
                                       mentions_hidden, &local_error);
      else if (g_str_equal (name, "hidden"))
        {
          /* Checked per member by the caller; naming it lets hidden channels through. */
          *mentions_hidden = TRUE;
          continue;
        }
      else if (name[0] == '$')
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: operator %s is not supported", name);
      else
        matches = field_matches (channel, name, condition, &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!matches)
        return FALSE;
    }
  return TRUE;
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
  /* last_message_at, and last_updated: a channel without messages sorts by its creation. */
  return channel->last_message_at != NULL ? channel->last_message_at : channel->created_at;
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
      const char *field = stray_json_string (key, "field") ?: "last_message_at";
      gint64 direction = stray_json_int (key, "direction", -1);
      int order = g_strcmp0 (sort_value (left, field), sort_value (right, field));

      if (order != 0)
        return direction < 0 ? -order : order;
    }
  if (sort == NULL || json_array_get_length (sort) == 0)
    {
      int order = g_strcmp0 (sort_value (left, "last_updated"),
                             sort_value (right, "last_updated"));

      if (order != 0)
        return -order;
    }
  return g_strcmp0 (left->cid, right->cid);
}

static gboolean
validate_sort (JsonArray *sort,
               GError   **error)
{
  static const char * const fields[] = {
    "last_message_at", "last_updated", "created_at", "updated_at", "cid",
  };

  for (guint i = 0; sort != NULL && i < json_array_get_length (sort); i++)
    {
      JsonNode *element = json_array_get_element (sort, i);
      JsonObject *key;
      const char *field;
      JsonNode *direction;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: sort must be a list of {field, direction}");
      key = json_node_get_object (element);
      field = stray_json_string (key, "field");
      direction = json_object_get_member (key, "direction");
      if (field == NULL || !g_strv_contains (fields, field))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: cannot sort by \"%s\"", field ? field : "");
      if (direction != NULL && (!JSON_NODE_HOLDS_VALUE (direction) ||
                                json_node_get_value_type (direction) != G_TYPE_INT64))
        return dev_store_fail (error, STRAY_DEV_STORE_ERROR_INPUT,
                               "QueryChannels failed: sort direction must be 1 or -1");
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
      DevChannel *channel = value;
      DevMember *member = user_id != NULL ? dev_lookup_member (channel, user_id) : NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean mentions_hidden = FALSE;

      if (!filter_matches (self, channel, filter, &mentions_hidden, &local_error))
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              g_ptr_array_unref (cids);
              return NULL;
            }
          continue;
        }
      if (member != NULL && member->hidden &&
          !(mentions_hidden && stray_json_boolean (filter, "hidden", FALSE)))
        continue;
      g_ptr_array_add (matching, channel);
    }

  g_ptr_array_sort_with_data (matching, compare_channels, sort);
  for (guint i = offset; i < matching->len && cids->len < limit; i++)
    g_ptr_array_add (cids, g_strdup (((DevChannel *) g_ptr_array_index (matching, i))->cid));
  return cids;
}
