/* stray-dbus-menu.c
 *
 * Tray hosts (GNOME's AppIndicator extension, KDE, XFCE, Waybar) draw an item's menu from
 * com.canonical.dbusmenu, not from GTK's org.gtk.Menus (desktop-notes.md), so the app's
 * GMenuModel is translated: sections become runs of items between separators, submenu links
 * become children, and a click activates the item's action with its target on the app's
 * action group — the same actions the rest of the app uses.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-tray"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "stray-dbus-export.h"
#include "stray-dbus-menu.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='com.canonical.dbusmenu'>"
  "    <property name='Version' type='u' access='read'/>"
  "    <property name='TextDirection' type='s' access='read'/>"
  "    <property name='Status' type='s' access='read'/>"
  "    <property name='IconThemePath' type='as' access='read'/>"
  "    <method name='GetLayout'>"
  "      <arg type='i' name='parentId' direction='in'/>"
  "      <arg type='i' name='recursionDepth' direction='in'/>"
  "      <arg type='as' name='propertyNames' direction='in'/>"
  "      <arg type='u' name='revision' direction='out'/>"
  "      <arg type='(ia{sv}av)' name='layout' direction='out'/>"
  "    </method>"
  "    <method name='GetGroupProperties'>"
  "      <arg type='ai' name='ids' direction='in'/>"
  "      <arg type='as' name='propertyNames' direction='in'/>"
  "      <arg type='a(ia{sv})' name='properties' direction='out'/>"
  "    </method>"
  "    <method name='GetProperty'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='s' name='name' direction='in'/>"
  "      <arg type='v' name='value' direction='out'/>"
  "    </method>"
  "    <method name='Event'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='s' name='eventId' direction='in'/>"
  "      <arg type='v' name='data' direction='in'/>"
  "      <arg type='u' name='timestamp' direction='in'/>"
  "    </method>"
  "    <method name='EventGroup'>"
  "      <arg type='a(isvu)' name='events' direction='in'/>"
  "      <arg type='ai' name='idErrors' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShow'>"
  "      <arg type='i' name='id' direction='in'/>"
  "      <arg type='b' name='needUpdate' direction='out'/>"
  "    </method>"
  "    <method name='AboutToShowGroup'>"
  "      <arg type='ai' name='ids' direction='in'/>"
  "      <arg type='ai' name='updatesNeeded' direction='out'/>"
  "      <arg type='ai' name='idErrors' direction='out'/>"
  "    </method>"
  "    <signal name='ItemsPropertiesUpdated'>"
  "      <arg type='a(ia{sv})' name='updatedProps'/>"
  "      <arg type='a(ias)' name='removedProps'/>"
  "    </signal>"
  "    <signal name='LayoutUpdated'>"
  "      <arg type='u' name='revision'/>"
  "      <arg type='i' name='parent'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

typedef struct _Node Node;

struct _Node {
  int id;
  char *label;
  char *action;      /* without its "app." prefix; NULL for separators and submenus */
  GVariant *target;
  gboolean separator;
  GPtrArray *children; /* of Node; non-NULL for the root and submenus */
};

struct _StrayDbusMenu
{
  GObject parent_instance;

  GMenuModel *model;
  GActionGroup *actions;
  StrayDbusExport export;

  Node *root;          /* built lazily; NULL when the model changed since */
  GPtrArray *by_id;    /* Node by id, borrowed from root */
  GPtrArray *watched;  /* the models whose changes rebuild the layout */
  guint revision;
  guint changed_id;
};

G_DEFINE_FINAL_TYPE (StrayDbusMenu, stray_dbus_menu, G_TYPE_OBJECT)

static void
node_free (gpointer data)
{
  Node *node = data;

  g_free (node->label);
  g_free (node->action);
  g_clear_pointer (&node->target, g_variant_unref);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

static Node *
node_new (StrayDbusMenu *self,
          gboolean       with_children)
{
  Node *node = g_new0 (Node, 1);

  node->id = (int) self->by_id->len;
  g_ptr_array_add (self->by_id, node);
  if (with_children)
    node->children = g_ptr_array_new_with_free_func (node_free);
  return node;
}

static gboolean on_changed_idle (gpointer user_data);

static void
schedule_changed (StrayDbusMenu *self)
{
  /* Hosts refetch on LayoutUpdated; a burst of changes is one update. */
  if (self->changed_id == 0)
    self->changed_id = g_idle_add (on_changed_idle, self);
}

static void
on_items_changed (G_GNUC_UNUSED GMenuModel *model,
                  G_GNUC_UNUSED int         position,
                  G_GNUC_UNUSED int         removed,
                  G_GNUC_UNUSED int         added,
                  StrayDbusMenu            *self)
{
  schedule_changed (self);
}

static void
watch_model (StrayDbusMenu *self,
             GMenuModel    *model)
{
  g_ptr_array_add (self->watched, g_object_ref (model));
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), self);
}

static void
unwatch_models (StrayDbusMenu *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->watched, i), self);
  g_ptr_array_set_size (self->watched, 0);
}

/* Appends the items of @model to @parent; sections are set apart by separators. */
static void
build_items (StrayDbusMenu *self,
             GMenuModel    *model,
             Node          *parent)
{
  int n_items = g_menu_model_get_n_items (model);

  watch_model (self, model);
  for (int i = 0; i < n_items; i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);
      g_autoptr(GMenuModel) submenu = g_menu_model_get_item_link (model, i, G_MENU_LINK_SUBMENU);
      g_autofree char *label = NULL;
      g_autofree char *action = NULL;
      Node *node;

      if (section != NULL)
        {
          if (parent->children->len > 0 &&
              !((Node *) g_ptr_array_index (parent->children,
                                            parent->children->len - 1))->separator &&
              g_menu_model_get_n_items (section) > 0)
            {
              node = node_new (self, FALSE);
              node->separator = TRUE;
              g_ptr_array_add (parent->children, node);
            }
          build_items (self, section, parent);
          continue;
        }

      g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      node = node_new (self, submenu != NULL);
      node->label = g_steal_pointer (&label);
      if (submenu != NULL)
        build_items (self, submenu, node);
      else if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        {
          const char *dot = strchr (action, '.');

          node->action = g_strdup (dot != NULL ? dot + 1 : action);
          node->target = g_menu_model_get_item_attribute_value (model, i,
                                                                G_MENU_ATTRIBUTE_TARGET, NULL);
        }
      g_ptr_array_add (parent->children, node);
    }
}

static void
ensure_built (StrayDbusMenu *self)
{
  if (self->root != NULL)
    return;
  unwatch_models (self);
  g_ptr_array_set_size (self->by_id, 0);
  self->root = node_new (self, TRUE);
  build_items (self, self->model, self->root);
}

static void
invalidate (StrayDbusMenu *self)
{
  g_ptr_array_set_size (self->by_id, 0);
  g_clear_pointer (&self->root, node_free);
}

static gboolean
on_changed_idle (gpointer user_data)
{
  StrayDbusMenu *self = user_data;

  self->changed_id = 0;
  invalidate (self);
  self->revision++;
  stray_dbus_emit (&self->export, "com.canonical.dbusmenu", "LayoutUpdated",
                   g_variant_new ("(ui)", self->revision, 0));
  return G_SOURCE_REMOVE;
}

/* Enabled states are in the layout, so a change of them is a layout change. */
static void
on_action_enabled_changed (G_GNUC_UNUSED GActionGroup *group,
                           G_GNUC_UNUSED const char   *name,
                           G_GNUC_UNUSED gboolean      enabled,
                           StrayDbusMenu              *self)
{
  schedule_changed (self);
}

static void
on_action_added_or_removed (G_GNUC_UNUSED GActionGroup *group,
                            G_GNUC_UNUSED const char   *name,
                            StrayDbusMenu              *self)
{
  schedule_changed (self);
}

static gboolean
wanted (const char * const *names,
        const char         *name)
{
  return names == NULL || names[0] == NULL || g_strv_contains (names, name);
}

static GVariant *
node_properties (StrayDbusMenu      *self,
                 Node               *node,
                 const char * const *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  if (node->separator)
    {
      if (wanted (names, "type"))
        g_variant_builder_add (&builder, "{sv}", "type", g_variant_new_string ("separator"));
      return g_variant_builder_end (&builder);
    }
  if (node->label != NULL && wanted (names, "label"))
    g_variant_builder_add (&builder, "{sv}", "label", g_variant_new_string (node->label));
  if (node->children != NULL && node != self->root && wanted (names, "children-display"))
    g_variant_builder_add (&builder, "{sv}", "children-display",
                           g_variant_new_string ("submenu"));
  if (node == self->root && wanted (names, "children-display"))
    g_variant_builder_add (&builder, "{sv}", "children-display",
                           g_variant_new_string ("submenu"));
  if (node->action != NULL && wanted (names, "enabled"))
    g_variant_builder_add (&builder, "{sv}", "enabled",
                           g_variant_new_boolean (
                             g_action_group_has_action (self->actions, node->action) &&
                             g_action_group_get_action_enabled (self->actions, node->action)));
  if (node != self->root && wanted (names, "visible"))
    g_variant_builder_add (&builder, "{sv}", "visible", g_variant_new_boolean (TRUE));
  return g_variant_builder_end (&builder);
}

static GVariant *
node_layout (StrayDbusMenu      *self,
             Node               *node,
             int                 depth,
             const char * const *names)
{
  GVariantBuilder children;

  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));
  if (node->children != NULL && depth != 0)
    for (guint i = 0; i < node->children->len; i++)
      g_variant_builder_add (&children, "v",
                             node_layout (self, g_ptr_array_index (node->children, i),
                                          depth > 0 ? depth - 1 : depth, names));
  return g_variant_new ("(i@a{sv}av)", node->id, node_properties (self, node, names), &children);
}

static Node *
lookup (StrayDbusMenu *self,
        int            id)
{
  ensure_built (self);
  if (id < 0 || (guint) id >= self->by_id->len)
    return NULL;
  return g_ptr_array_index (self->by_id, id);
}

static gboolean
activate (StrayDbusMenu *self,
          int            id,
          const char    *event)
{
  Node *node = lookup (self, id);

  if (node == NULL)
    return FALSE;
  if (g_str_equal (event, "clicked") && node->action != NULL &&
      g_action_group_has_action (self->actions, node->action) &&
      g_action_group_get_action_enabled (self->actions, node->action))
    {
      g_debug ("menu: %s", node->action);
      g_action_group_activate_action (self->actions, node->action, node->target);
    }
  return TRUE;
}

static void
on_method_call (G_GNUC_UNUSED GDBusConnection *connection,
                G_GNUC_UNUSED const char      *sender,
                G_GNUC_UNUSED const char      *object_path,
                G_GNUC_UNUSED const char      *interface_name,
                const char                    *method_name,
                GVariant                      *parameters,
                GDBusMethodInvocation         *invocation,
                gpointer                       user_data)
{
  StrayDbusMenu *self = user_data;

  if (g_str_equal (method_name, "GetLayout"))
    {
      g_autofree const char **names = NULL;
      int parent, depth;
      Node *node;

      g_variant_get (parameters, "(ii^a&s)", &parent, &depth, &names);
      node = lookup (self, parent);
      if (node == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_INVALID_ARGS,
                                                 "no menu item %d", parent);
          return;
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u@(ia{sv}av))", self->revision,
                                                            node_layout (self, node, depth,
                                                                         names)));
    }
  else if (g_str_equal (method_name, "GetGroupProperties"))
    {
      g_autoptr(GVariantIter) ids = NULL;
      g_autofree const char **names = NULL;
      GVariantBuilder result;
      int id;

      g_variant_get (parameters, "(ai^a&s)", &ids, &names);
      g_variant_builder_init (&result, G_VARIANT_TYPE ("a(ia{sv})"));
      while (g_variant_iter_next (ids, "i", &id))
        {
          Node *node = lookup (self, id);

          if (node != NULL)
            g_variant_builder_add (&result, "(i@a{sv})", id,
                                   node_properties (self, node, names));
        }
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &result));
    }
  else if (g_str_equal (method_name, "GetProperty"))
    {
      const char *name;
      int id;
      Node *node;
      g_autoptr(GVariant) properties = NULL;
      g_autoptr(GVariant) value = NULL;

      g_variant_get (parameters, "(i&s)", &id, &name);
      node = lookup (self, id);
      if (node != NULL)
        {
          properties = node_properties (self, node, NULL);
          g_variant_ref_sink (properties);
          value = g_variant_lookup_value (properties, name, NULL);
        }
      if (value == NULL)
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                               G_DBUS_ERROR_INVALID_ARGS,
                                               "no property %s on item %d", name, id);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    }
  else if (g_str_equal (method_name, "Event"))
    {
      const char *event;
      int id;

      g_variant_get (parameters, "(i&svu)", &id, &event, NULL, NULL);
      if (activate (self, id, event))
        g_dbus_method_invocation_return_value (invocation, NULL);
      else
        g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                               G_DBUS_ERROR_INVALID_ARGS, "no menu item %d", id);
    }
  else if (g_str_equal (method_name, "EventGroup"))
    {
      g_autoptr(GVariantIter) events = NULL;
      GVariantBuilder errors;
      const char *event;
      int id;

      g_variant_get (parameters, "(a(isvu))", &events);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_next (events, "(i&svu)", &id, &event, NULL, NULL))
        if (!activate (self, id, event))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));
    }
  else if (g_str_equal (method_name, "AboutToShow"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
  else if (g_str_equal (method_name, "AboutToShowGroup"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@ai@ai)",
                                                                      g_variant_new ("ai", NULL),
                                                                      g_variant_new ("ai", NULL)));
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "no method %s", method_name);
}

static GVariant *
on_get_property (G_GNUC_UNUSED GDBusConnection *connection,
                 G_GNUC_UNUSED const char      *sender,
                 G_GNUC_UNUSED const char      *object_path,
                 G_GNUC_UNUSED const char      *interface_name,
                 const char                    *property_name,
                 GError                       **error,
                 G_GNUC_UNUSED gpointer         user_data)
{
  if (g_str_equal (property_name, "Version"))
    return g_variant_new_uint32 (3);
  if (g_str_equal (property_name, "TextDirection"))
    /* Translators make this "default:RTL" in right-to-left languages, as in GTK. */
    return g_variant_new_string (g_str_equal (dgettext (GETTEXT_PACKAGE, "default:LTR"),
                                              "default:RTL") ? "rtl" : "ltr");
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string ("normal");
  if (g_str_equal (property_name, "IconThemePath"))
    return g_variant_new_strv (NULL, 0);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s",
               property_name);
  return NULL;
}

static const GDBusInterfaceVTable vtable = { on_method_call, on_get_property, NULL, { 0 } };

static void
stray_dbus_menu_dispose (GObject *object)
{
  StrayDbusMenu *self = STRAY_DBUS_MENU (object);

  stray_dbus_menu_unexport (self);
  g_clear_handle_id (&self->changed_id, g_source_remove);
  if (self->watched != NULL)
    unwatch_models (self);
  if (self->actions != NULL)
    g_signal_handlers_disconnect_by_data (self->actions, self);
  invalidate (self);
  g_clear_object (&self->model);
  g_clear_object (&self->actions);

  G_OBJECT_CLASS (stray_dbus_menu_parent_class)->dispose (object);
}

static void
stray_dbus_menu_finalize (GObject *object)
{
  StrayDbusMenu *self = STRAY_DBUS_MENU (object);

  g_ptr_array_unref (self->by_id);
  g_ptr_array_unref (self->watched);

  G_OBJECT_CLASS (stray_dbus_menu_parent_class)->finalize (object);
}

static void
stray_dbus_menu_class_init (StrayDbusMenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_dbus_menu_dispose;
  object_class->finalize = stray_dbus_menu_finalize;
}

static void
stray_dbus_menu_init (StrayDbusMenu *self)
{
  self->by_id = g_ptr_array_new ();
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->revision = 1;
}

/**
 * stray_dbus_menu_new:
 * @model: the menu
 * @actions: where its actions are ("app." and "win." prefixes are dropped)
 *
 * Returns: (transfer full): an exporter, not exported yet
 */
StrayDbusMenu *
stray_dbus_menu_new (GMenuModel   *model,
                     GActionGroup *actions)
{
  StrayDbusMenu *self;

  g_return_val_if_fail (G_IS_MENU_MODEL (model), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);

  self = g_object_new (STRAY_TYPE_DBUS_MENU, NULL);
  self->model = g_object_ref (model);
  self->actions = g_object_ref (actions);
  g_signal_connect (actions, "action-enabled-changed", G_CALLBACK (on_action_enabled_changed),
                    self);
  g_signal_connect (actions, "action-added", G_CALLBACK (on_action_added_or_removed), self);
  g_signal_connect (actions, "action-removed", G_CALLBACK (on_action_added_or_removed), self);
  return self;
}

gboolean
stray_dbus_menu_export (StrayDbusMenu   *self,
                        GDBusConnection *connection,
                        const char      *object_path,
                        GError         **error)
{
  g_return_val_if_fail (STRAY_IS_DBUS_MENU (self), FALSE);

  return stray_dbus_export (&self->export, connection, object_path, introspection_xml, &vtable,
                            self, error);
}

void
stray_dbus_menu_unexport (StrayDbusMenu *self)
{
  g_return_if_fail (STRAY_IS_DBUS_MENU (self));

  stray_dbus_unexport (&self->export);
}

guint
stray_dbus_menu_get_revision (StrayDbusMenu *self)
{
  g_return_val_if_fail (STRAY_IS_DBUS_MENU (self), 0);

  return self->revision;
}
