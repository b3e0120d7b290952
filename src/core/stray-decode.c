/* stray-decode.c: the field readers that frames and REST answers share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "stray-decode-private.h"
#include "stray-json.h"

static const char * const empty_strv[] = { NULL };

static gint64
days_from_civil (gint64 year, guint month, guint day)
{
  year -= month <= 2;
  gint64 era = (year >= 0 ? year : year - 399) / 400;
  guint year_of_era = (guint) (year - era * 400);
  guint day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  guint day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

  return era * 146097 + (gint64) day_of_era - 719468;
}

static gboolean
parse_digits (const char **cursor, guint count, guint *out)
{
  guint value = 0;

  for (guint i = 0; i < count; i++)
    {
      char c = (*cursor)[i];

      if (!g_ascii_isdigit (c))
        return FALSE;
      value = value * 10 + (guint) (c - '0');
    }
  *cursor += count;
  *out = value;
  return TRUE;
}

/**
 * stray_parse_timestamp:
 * @text: an RFC 3339 date-time, as Stream writes them ("2025-08-01T00:07:33.166656082Z")
 * @out_us: (out): microseconds since the Unix epoch
 *
 * Stream's timestamps all share one shape, so they are read directly; GDateTime would
 * cost more than decoding the rest of the frame. Anything else ISO 8601 falls back to it.
 */
gboolean
stray_parse_timestamp (const char *text,
                       gint64     *out_us)
{
  const char *p = text;
  guint year, month, day, hour, minute, second, fraction_us = 0;
  gint64 offset_s = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_us != NULL, FALSE);

  if (!parse_digits (&p, 4, &year) || *p++ != '-' ||
      !parse_digits (&p, 2, &month) || *p++ != '-' ||
      !parse_digits (&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
      !parse_digits (&p, 2, &hour) || *p++ != ':' ||
      !parse_digits (&p, 2, &minute) || *p++ != ':' ||
      !parse_digits (&p, 2, &second))
    goto fallback;

  if (*p == '.')
    {
      guint digits = 0;

      p++;
      if (!g_ascii_isdigit (*p))
        goto fallback;
      for (; g_ascii_isdigit (*p); p++, digits++)
        if (digits < 6)
          fraction_us = fraction_us * 10 + (guint) (*p - '0');
      for (; digits < 6; digits++)
        fraction_us *= 10;
    }

  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    offset_s = 0;
  else if ((*p == '+' || *p == '-') && strlen (p) == 6 && p[3] == ':')
    {
      const char *q = p + 1;
      guint offset_hours, offset_minutes;

      if (!parse_digits (&q, 2, &offset_hours) || *q++ != ':' ||
          !parse_digits (&q, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59)
        goto fallback;
      offset_s = (gint64) (offset_hours * 3600 + offset_minutes * 60) * (*p == '-' ? -1 : 1);
    }
  else
    goto fallback;

  if (month < 1 || month > 12 || day < 1 || day > g_date_get_days_in_month (month, year) ||
      hour > 23 || minute > 59 || second > 60)
    return FALSE;

  *out_us = ((days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
              offset_s) * G_USEC_PER_SEC) + fraction_us;
  return TRUE;

fallback:
  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
    g_autoptr(GDateTime) date_time = g_date_time_new_from_iso8601 (text, utc);

    if (date_time == NULL)
      return FALSE;
    *out_us = g_date_time_to_unix (date_time) * G_USEC_PER_SEC +
              g_date_time_get_microsecond (date_time);
    return TRUE;
  }
}

const char *
stray_decode_describe_node (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return "an integer";
    default:
      return "a number";
    }
}

gboolean
stray_decode_wrong_type (GError    **error,
                         const char *scope,
                         const char *name,
                         const char *expected,
                         JsonNode   *node)
{
  g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE,
               "field “%s%s%s” must be %s, not %s",
               scope ? scope : "", scope ? "." : "", name, expected,
               stray_decode_describe_node (node));
  return FALSE;
}

gboolean
stray_decode_missing (GError    **error,
                      const char *scope,
                      const char *name)
{
  g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_MISSING_FIELD,
               "field “%s%s%s” is missing", scope ? scope : "", scope ? "." : "", name);
  return FALSE;
}

/* The object at @index of @array, whose own name is @scope; NULL with @error otherwise. */
JsonObject *
stray_decode_element (JsonArray   *array,
                      guint        index,
                      const char  *scope,
                      GError     **error)
{
  JsonNode *element = json_array_get_element (array, index);

  if (!JSON_NODE_HOLDS_OBJECT (element))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE,
                   "field “%s[%u]” must be an object, not %s", scope, index,
                   stray_decode_describe_node (element));
      return NULL;
    }
  return json_node_get_object (element);
}

gboolean
stray_decode_is_value_of (JsonNode *node,
                          GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

/* Absent and null strings both read as NULL: Stream writes null for unset strings. */
gboolean
stray_decode_string (JsonObject  *object,
                     const char  *scope,
                     const char  *name,
                     const char **out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!stray_decode_is_value_of (node, G_TYPE_STRING))
    return stray_decode_wrong_type (error, scope, name, "a string", node);
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
stray_decode_count (JsonObject  *object,
                    const char  *scope,
                    const char  *name,
                    gint32      *out,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  *out = STRAY_COUNT_UNSET;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!stray_decode_is_value_of (node, G_TYPE_INT64))
    return stray_decode_wrong_type (error, scope, name, "an integer", node);

  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXINT32)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_OUT_OF_RANGE,
                   "field “%s%s%s” is %" G_GINT64_FORMAT ", outside 0…%d",
                   scope ? scope : "", scope ? "." : "", name, value, G_MAXINT32);
      return FALSE;
    }
  *out = (gint32) value;
  return TRUE;
}

gboolean
stray_decode_bool (JsonObject  *object,
                   const char  *scope,
                   const char  *name,
                   gboolean    *out,
                   gboolean    *present,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = FALSE;
  if (present != NULL)
    *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!stray_decode_is_value_of (node, G_TYPE_BOOLEAN))
    return stray_decode_wrong_type (error, scope, name, "a boolean", node);
  *out = json_node_get_boolean (node);
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
stray_decode_timestamp (JsonObject  *object,
                        const char  *scope,
                        const char  *name,
                        const char **out_text,
                        gint64      *out_us,
                        GError     **error)
{
  *out_us = 0;
  if (!stray_decode_string (object, scope, name, out_text, error))
    return FALSE;
  if (*out_text != NULL && !stray_parse_timestamp (*out_text, out_us))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_INVALID_VALUE,
                   "field “%s%s%s” is not an RFC 3339 date-time",
                   scope ? scope : "", scope ? "." : "", name);
      return FALSE;
    }
  return TRUE;
}

/* Absent gives NULL; null is an error, since every object here is one a handler relies on. */
gboolean
stray_decode_object (JsonObject  *object,
                     const char  *scope,
                     const char  *name,
                     JsonObject **out,
                     GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return stray_decode_wrong_type (error, scope, name, "an object", node);
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
stray_decode_array (JsonObject  *object,
                    const char  *scope,
                    const char  *name,
                    JsonArray  **out,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return stray_decode_wrong_type (error, scope, name, "an array", node);
  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
stray_decode_user (JsonObject     *object,
                   const char     *scope,
                   StrayEventUser *user,
                   GError        **error)
{
  return stray_decode_string (object, scope, "id", &user->id, error) &&
         stray_decode_string (object, scope, "name", &user->name, error) &&
         stray_decode_string (object, scope, "image", &user->image, error);
}

/* @user_scope is "@scope.@name", spelled out by the caller so that decoding allocates nothing. */
gboolean
stray_decode_user_member (JsonObject            *object,
                          const char            *scope,
                          const char            *name,
                          const char            *user_scope,
                          StrayEventUser        *storage,
                          const StrayEventUser **out,
                          GError               **error)
{
  JsonObject *user_object;

  *out = NULL;
  if (!stray_decode_object (object, scope, name, &user_object, error))
    return FALSE;
  if (user_object == NULL)
    return TRUE;

  if (!stray_decode_user (user_object, user_scope, storage, error))
    return FALSE;
  *out = storage;
  return TRUE;
}

/* Collects the string at @key (or @key.id when @inner is set) of each object of an array. */
gboolean
stray_decode_id_list (JsonObject  *object,
                      const char  *scope,
                      const char  *name,
                      const char  *inner,
                      const char  *key,
                      GPtrArray  **storage,
                      const char * const **out,
                      GError     **error)
{
  JsonArray *array;
  guint length;

  *out = NULL;
  if (!stray_decode_array (object, scope, name, &array, error))
    return FALSE;
  if (array == NULL)
    return TRUE;
  if ((length = json_array_get_length (array)) == 0)
    {
      *out = empty_strv;
      return TRUE;
    }

  *storage = g_ptr_array_sized_new (length + 1);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      char element_scope[64];
      JsonObject *element_object;
      const char *value;

      g_snprintf (element_scope, sizeof element_scope, "%s%s%s[%u]",
                  scope ? scope : "", scope ? "." : "", name, i);
      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_WRONG_TYPE,
                       "field “%s” must be an object, not %s", element_scope,
                       stray_decode_describe_node (element));
          return FALSE;
        }
      element_object = json_node_get_object (element);

      if (inner != NULL)
        {
          JsonObject *inner_object;
          char inner_scope[80];

          g_snprintf (inner_scope, sizeof inner_scope, "%s.%s", element_scope, inner);
          if (!stray_decode_object (element_object, element_scope, inner, &inner_object, error))
            return FALSE;
          if (inner_object == NULL)
            continue;
          if (!stray_decode_string (inner_object, inner_scope, key, &value, error))
            return FALSE;
        }
      else if (!stray_decode_string (element_object, element_scope, key, &value, error))
        return FALSE;

      if (value != NULL)
        g_ptr_array_add (*storage, (gpointer) value);
    }
  g_ptr_array_add (*storage, NULL);
  *out = (const char * const *) (*storage)->pdata;
  return TRUE;
}

gboolean
stray_decode_channel (JsonObject        *object,
                      const char        *scope,
                      StrayEventChannel *channel,
                      GError           **error)
{
  JsonArray *capabilities;
  JsonObject *config;
  gboolean config_read_events, has_config_read_events = FALSE;
  char config_scope[64];
  const StrayEventUser *created_by = NULL;

  if (!stray_decode_string (object, scope, "cid", &channel->cid, error) ||
      !stray_decode_string (object, scope, "id", &channel->id, error) ||
      !stray_decode_string (object, scope, "type", &channel->type, error) ||
      !stray_decode_string (object, scope, "name", &channel->name, error) ||
      !stray_decode_string (object, scope, "image", &channel->image, error) ||
      !stray_decode_timestamp (object, scope, "last_message_at", &channel->last_message_at,
                               &channel->last_message_at_us, error) ||
      !stray_decode_count (object, scope, "member_count", &channel->member_count, error) ||
      !stray_decode_bool (object, scope, "frozen", &channel->frozen, &channel->has_frozen,
                          error) ||
      !stray_decode_bool (object, scope, "hidden", &channel->hidden, &channel->has_hidden,
                          error) ||
      !stray_decode_array (object, scope, "own_capabilities", &capabilities, error) ||
      !stray_decode_object (object, scope, "config", &config, error) ||
      !stray_decode_user_member (object, scope, "created_by", "channel.created_by",
                                 &channel->created_by,
                                 &created_by, error))
    return FALSE;
  g_snprintf (config_scope, sizeof config_scope, "%s%sconfig", scope ? scope : "",
              scope ? "." : "");
  if (config != NULL &&
      !stray_decode_bool (config, config_scope, "read_events", &config_read_events,
                          &has_config_read_events, error))
    return FALSE;

  channel->read_events = TRUE;
  channel->has_capabilities = capabilities != NULL;
  if (capabilities != NULL)
    {
      guint length = json_array_get_length (capabilities);

      channel->read_events = FALSE;
      for (guint i = 0; i < length; i++)
        {
          JsonNode *element = json_array_get_element (capabilities, i);

          if (stray_decode_is_value_of (element, G_TYPE_STRING) &&
              g_str_equal (json_node_get_string (element), "read-events"))
            channel->read_events = TRUE;
        }
    }
  /* A type without read events keeps no unread counts: livestream's, by Stream's default. */
  if (has_config_read_events && !config_read_events)
    channel->read_events = FALSE;
  channel->has_capabilities |= has_config_read_events;
  return TRUE;
}

/* @user_scope is "@scope.user", spelled out by the caller for the same reason. */
/* Files and pictures sent with a message, as Stream's SDKs send them: a file's name in
 * "title", an image's in "fallback" (stream-chat-react's upload code). A link's preview
 * (og_scrape_url) is the text's own link, not something sent, and is left out. */
static gboolean
decode_attachments (JsonObject          *object,
                    const char          *scope,
                    GPtrArray          **storage,
                    const char * const **out,
                    GError             **error)
{
  char name[80];
  JsonArray *attachments;
  guint length;

  *out = NULL;
  if (!stray_decode_array (object, scope, "attachments", &attachments, error))
    return FALSE;
  if (attachments == NULL || (length = json_array_get_length (attachments)) == 0)
    return TRUE;

  g_snprintf (name, sizeof name, "%s%sattachments", scope ? scope : "", scope ? "." : "");
  *storage = g_ptr_array_new ();
  for (guint i = 0; i < length; i++)
    {
      char element_scope[96];
      JsonObject *element = stray_decode_element (attachments, i, name, error);
      const char *type, *title, *fallback, *scrape_url;

      g_snprintf (element_scope, sizeof element_scope, "%s[%u]", name, i);
      if (element == NULL ||
          !stray_decode_string (element, element_scope, "type", &type, error) ||
          !stray_decode_string (element, element_scope, "title", &title, error) ||
          !stray_decode_string (element, element_scope, "fallback", &fallback, error) ||
          !stray_decode_string (element, element_scope, "og_scrape_url", &scrape_url, error))
        return FALSE;
      if (scrape_url != NULL)
        continue;
      g_ptr_array_add (*storage, (gpointer) (type != NULL ? type : ""));
      g_ptr_array_add (*storage, (gpointer) (title != NULL ? title
                                             : fallback != NULL ? fallback : ""));
    }
  if ((*storage)->len == 0)
    return TRUE;
  g_ptr_array_add (*storage, NULL);
  *out = (const char * const *) (*storage)->pdata;
  return TRUE;
}

gboolean
stray_decode_message (JsonObject         *object,
                      const char         *scope,
                      const char         *user_scope,
                      StrayEventMessage  *message,
                      StrayEventUser     *user_storage,
                      GPtrArray         **mentions_storage,
                      GPtrArray         **attachments_storage,
                      GError            **error)
{
  return decode_attachments (object, scope, attachments_storage, &message->attachments,
                             error) &&
         stray_decode_string (object, scope, "id", &message->id, error) &&
         stray_decode_string (object, scope, "text", &message->text, error) &&
         stray_decode_string (object, scope, "type", &message->type, error) &&
         stray_decode_string (object, scope, "parent_id", &message->parent_id, error) &&
         stray_decode_timestamp (object, scope, "created_at", &message->created_at,
                                 &message->created_at_us, error) &&
         stray_decode_bool (object, scope, "show_in_channel", &message->show_in_channel, NULL,
                            error) &&
         stray_decode_bool (object, scope, "silent", &message->silent, NULL, error) &&
         stray_decode_bool (object, scope, "shadowed", &message->shadowed, NULL, error) &&
         stray_decode_user_member (object, scope, "user", user_scope, user_storage,
                                   &message->user, error) &&
         stray_decode_id_list (object, scope, "mentioned_users", NULL, "id", mentions_storage,
                               &message->mentioned_user_ids, error);
}

/* A reminder's message (@message_scope) is decoded into the storage given, when present. */
gboolean
stray_decode_reminder (JsonObject         *object,
                       const char         *scope,
                       const char         *message_scope,
                       const char         *message_user_scope,
                       StrayEventReminder *reminder,
                       StrayEventMessage  *message_storage,
                       StrayEventUser     *message_user_storage,
                       GPtrArray         **mentions_storage,
                       GPtrArray         **attachments_storage,
                       GError            **error)
{
  JsonObject *message = NULL;
  const char *remind_at, *updated_at;

  reminder->message = NULL;
  if (!stray_decode_string (object, scope, "message_id", &reminder->message_id, error) ||
      !stray_decode_string (object, scope, "channel_cid", &reminder->channel_cid, error) ||
      !stray_decode_string (object, scope, "user_id", &reminder->user_id, error) ||
      !stray_decode_timestamp (object, scope, "remind_at", &remind_at, &reminder->remind_at_us,
                               error) ||
      !stray_decode_timestamp (object, scope, "updated_at", &updated_at,
                               &reminder->updated_at_us,
                               error) ||
      !stray_decode_object (object, scope, "message", &message, error))
    return FALSE;
  if (reminder->message_id == NULL)
    return stray_decode_missing (error, scope, "message_id");
  if (message != NULL)
    {
      if (!stray_decode_message (message, message_scope, message_user_scope, message_storage,
                                 message_user_storage, mentions_storage, attachments_storage,
                                 error))
        return FALSE;
      reminder->message = message_storage;
    }
  return TRUE;
}

gboolean
stray_decode_member (JsonObject        *object,
                     const char        *scope,
                     const char        *user_scope,
                     StrayEventMember  *member,
                     StrayEventUser    *user_storage,
                     GError           **error)
{
  if (!stray_decode_string (object, scope, "user_id", &member->user_id, error) ||
      !stray_decode_string (object, scope, "role", &member->role, error) ||
      !stray_decode_bool (object, scope, "invited", &member->invited, NULL, error) ||
      !stray_decode_string (object, scope, "invite_accepted_at", &member->invite_accepted_at,
                            error) ||
      !stray_decode_string (object, scope, "invite_rejected_at", &member->invite_rejected_at,
                            error) ||
      !stray_decode_user_member (object, scope, "user", user_scope, user_storage, &member->user,
                                 error))
    return FALSE;
  if (member->user_id == NULL && member->user != NULL)
    member->user_id = member->user->id;
  return TRUE;
}

/**
 * stray_decode_parse:
 * @what: what the text is, for the messages ("frame", "answer")
 * @text: its bytes, not necessarily nul-terminated
 * @length: their length
 * @max_size: the most bytes it may have
 *
 * Measures text from outside (size, UTF-8, nesting) before json-glib parses it.
 *
 * Returns: (transfer full) (nullable): the root, an object
 */
JsonNode *
stray_decode_parse (const char  *what,
                    const char  *text,
                    gsize        length,
                    gsize        max_size,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *invalid;
  gsize deep_at;
  JsonNode *root;

  /* Refused before json-glib sees it: an empty frame may come as NULL, which
   * json_parser_load_from_data() rejects with a critical, leaving no error to report. */
  if (length == 0)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                   "%s is not JSON: it is empty", what);
      return NULL;
    }
  if (length > max_size)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_TOO_LARGE,
                   "%s is %" G_GSIZE_FORMAT " bytes, over the limit of %" G_GSIZE_FORMAT
                   " bytes", what, length, max_size);
      return NULL;
    }
  if (!g_utf8_validate_len (text, length, &invalid))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_INVALID_UTF8,
                   "%s is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")", what,
                   (gsize) (invalid - text));
      return NULL;
    }
  if (!stray_json_check_nesting (text, length, STRAY_EVENT_MAX_DEPTH, &deep_at))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_TOO_DEEP,
                   "%s nests deeper than %d levels (at byte %" G_GSIZE_FORMAT ")",
                   what, STRAY_EVENT_MAX_DEPTH, deep_at);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, (gssize) length, &parse_error))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                   "%s is not JSON: %s", what, parse_error->message);
      return NULL;
    }
  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_SYNTAX,
                   "%s is not JSON: it is empty", what);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, STRAY_EVENT_ERROR, STRAY_EVENT_ERROR_NOT_OBJECT,
                   "%s is %s, not a JSON object", what, stray_decode_describe_node (root));
      json_node_unref (root);
      return NULL;
    }
  return root;
}
