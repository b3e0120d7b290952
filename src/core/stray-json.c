/* stray-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "stray-json.h"

static JsonNode *
value_of_type (JsonObject *object,
               const char *name,
               GType       type)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

/**
 * stray_json_string:
 *
 * Returns: (nullable): the string member @name, or %NULL when absent or not a string
 */
const char *
stray_json_string (JsonObject *object,
                   const char *name)
{
  JsonNode *node = value_of_type (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gboolean
stray_json_boolean (JsonObject *object,
                    const char *name,
                    gboolean    fallback)
{
  JsonNode *node = value_of_type (object, name, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

gint64
stray_json_int (JsonObject *object,
                const char *name,
                gint64      fallback)
{
  JsonNode *node = value_of_type (object, name, G_TYPE_INT64);

  return node != NULL ? json_node_get_int (node) : fallback;
}

/**
 * stray_json_object:
 *
 * Returns: (transfer none) (nullable): the object member @name
 */
JsonObject *
stray_json_object (JsonObject *object,
                   const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/**
 * stray_json_array:
 *
 * Returns: (transfer none) (nullable): the array member @name
 */
JsonArray *
stray_json_array (JsonObject *object,
                  const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/**
 * stray_json_strv:
 * @array: (nullable): an array that should hold strings
 *
 * Returns: (transfer full) (nullable): its strings, or %NULL if any element is not a string
 */
GStrv
stray_json_strv (JsonArray *array)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (array == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return NULL;
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

/**
 * stray_json_root_holds:
 * @parser: a parser that has loaded something
 * @type: the kind of node wanted
 *
 * json-glib parses an empty or blank text without an error but with no root, and
 * JSON_NODE_HOLDS_OBJECT() of that NULL root raises a critical: a body of spaces must be
 * refused like any other wrong input.
 *
 * Returns: whether the parsed text is one node of @type
 */
gboolean
stray_json_root_holds (JsonParser   *parser,
                       JsonNodeType  type)
{
  JsonNode *root = json_parser_get_root (parser);

  return root != NULL && JSON_NODE_TYPE (root) == type;
}

/**
 * stray_json_check_nesting:
 * @data: JSON text
 * @length: its length
 * @max_depth: how deep objects and arrays may nest
 * @out_offset: (out) (optional): where the limit was crossed
 *
 * json-glib's parser recurses once per level and overflows the stack long before 100,000
 * levels, so text from outside is measured with this before it is parsed.
 *
 * Returns: %TRUE if @data nests no deeper than @max_depth
 */
gboolean
stray_json_check_nesting (const char *data,
                          gsize       length,
                          guint       max_depth,
                          gsize      *out_offset)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            {
              if (out_offset != NULL)
                *out_offset = i;
              return FALSE;
            }
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}
