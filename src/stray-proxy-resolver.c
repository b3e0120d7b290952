/* stray-proxy-resolver.c: proxies as the desktop resolves them, asked through its portal
 *
 * GIO's default proxy resolver loads every proxy module installed, and on Debian 12 one of
 * them, libproxy 0.4, is written in C++: loading it maps libstdc++ and cost the daemon about
 * 2 MiB of resident memory, more than its model of 1,000 channels. The desktop's portal
 * (org.freedesktop.portal.ProxyResolver, part of xdg-desktop-portal) answers the same question
 * with the same modules, in a process the desktop runs anyway; inside Flatpak GIO asks it too.
 *
 * Two things come of it. Lookups ask the portal, and fall back to GIO's default resolver
 * where there is no portal, inside a sandbox (where GIO's default is the portal already), and
 * when this process's environment names a proxy (the portal, started by the session, would not
 * see a variable set in the shell the user started us from). And before each connection to
 * Stream the connection asks whether the server is reached directly: if so, the attached
 * sessions connect with no proxy resolver at all, because GIO loads its default resolver for
 * any connection that may use one, whatever resolver it is then given. The answer for the
 * server stands for every host the daemon talks to (avatars included): a desktop with no proxy
 * for Stream is taken to have none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-proxy"

#include "config.h"

#include <libsoup/soup.h>

#include "stray-application.h"
#include "stray-proxy-resolver.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_INTERFACE "org.freedesktop.portal.ProxyResolver"
/* The first lookup may start the portal. */
#define LOOKUP_TIMEOUT_MS 5000

struct _StrayProxyResolver
{
  GObject parent_instance;

  /* What the last check found: the server is reached with no proxy, and the sessions have no
   * resolver. Otherwise (and until the first check) they ask this one for each connection. */
  gboolean direct;
  GSList *sessions;  /* attached SoupSessions, weakly referenced */
  /* Found once, when the resolver is made, and kept: GLib drops an unused session bus, and a
   * new one's set-up is shared by every caller, so one caller's cancellation would fail the
   * others' lookups. NULL without a session bus. */
  GDBusConnection *bus;
  /* Set when the last check found no working portal: lookups then go straight to GIO's
   * default instead of asking again on every connection. Cleared by the next check. */
  gboolean portal_unusable;
};

static void stray_proxy_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (StrayProxyResolver, stray_proxy_resolver, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                      stray_proxy_resolver_iface_init))

/* The variables libproxy and curl read, in either case. */
static gboolean
environment_names_proxy (void)
{
  static const char * const names[] = {
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = g_getenv (names[i]);

      if (value != NULL && *value != '\0')
        return TRUE;
    }
  return FALSE;
}

static gboolean
environment_decides (void)
{
  return stray_application_is_sandboxed () || environment_names_proxy ();
}

static gboolean
use_default_resolver (StrayProxyResolver *self)
{
  return self->bus == NULL || self->portal_unusable || environment_decides ();
}

/* Whether @error means that no portal answers, rather than that it failed this once. */
static gboolean
portal_is_missing (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT);
}

/* The portal's answer, or NULL (and a debug line) when GIO's default should answer instead.
 * An empty list, which the interface does not forbid, means a direct connection. */
static char **
proxies_from_reply (GVariant     *reply,
                    const GError *error)
{
  char **proxies;

  if (reply == NULL)
    {
      g_debug ("%s; asking GIO's proxy resolver",
               portal_is_missing (error) ? "no proxy resolver portal" : error->message);
      return NULL;
    }
  g_variant_get (reply, "(^as)", &proxies);
  if (proxies[0] == NULL)
    {
      g_strfreev (proxies);
      proxies = g_new0 (char *, 2);
      proxies[0] = g_strdup ("direct://");
    }
  return proxies;
}

/* ---- the portal, asked asynchronously ---- */

static void
on_portal_reply (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GVariant *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

static void
portal_lookup_async (StrayProxyResolver  *self,
                     const char          *uri,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, portal_lookup_async);
  g_dbus_connection_call (self->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_INTERFACE,
                          "Lookup", g_variant_new ("(s)", uri), G_VARIANT_TYPE ("(as)"),
                          G_DBUS_CALL_FLAGS_NONE, LOOKUP_TIMEOUT_MS, cancellable,
                          on_portal_reply, task);
}

/* Whether the lookup behind @task was given up by its caller, as opposed to failing. */
static gboolean
given_up (GTask *task)
{
  return g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

/* Returns: (transfer full): the reply, (as) */
static GVariant *
portal_lookup_finish (GAsyncResult  *result,
                      GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- GProxyResolver ---- */

static gboolean
stray_proxy_resolver_is_supported (G_GNUC_UNUSED GProxyResolver *resolver)
{
  return TRUE;
}

static char **
stray_proxy_resolver_lookup (GProxyResolver  *resolver,
                             const char      *uri,
                             GCancellable    *cancellable,
                             GError         **error)
{
  StrayProxyResolver *self = STRAY_PROXY_RESOLVER (resolver);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  char **proxies;

  if (!use_default_resolver (self))
    {
      reply = g_dbus_connection_call_sync (self->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                           PORTAL_INTERFACE, "Lookup", g_variant_new ("(s)", uri),
                                           G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                           LOOKUP_TIMEOUT_MS, cancellable, &local_error);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      proxies = proxies_from_reply (reply, local_error);
      if (proxies != NULL)
        return proxies;
    }
  return g_proxy_resolver_lookup (g_proxy_resolver_get_default (), uri, cancellable, error);
}

static void
on_default_lookup (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char **proxies = g_proxy_resolver_lookup_finish (G_PROXY_RESOLVER (source), result, &error);

  if (proxies == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, proxies, (GDestroyNotify) g_strfreev);
}

static void
ask_default_resolver (GTask *task)
{
  g_proxy_resolver_lookup_async (g_proxy_resolver_get_default (), g_task_get_task_data (task),
                                 g_task_get_cancellable (task), on_default_lookup, task);
}

static void
on_lookup_reply (G_GNUC_UNUSED GObject *source,
                 GAsyncResult          *result,
                 gpointer               user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = portal_lookup_finish (result, &error);
  char **proxies;

  if (reply == NULL && given_up (task))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  proxies = proxies_from_reply (reply, error);
  if (proxies == NULL)
    ask_default_resolver (g_steal_pointer (&task));
  else
    g_task_return_pointer (task, proxies, (GDestroyNotify) g_strfreev);
}

static void
stray_proxy_resolver_lookup_async (GProxyResolver      *resolver,
                                   const char          *uri,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_set_source_tag (task, stray_proxy_resolver_lookup_async);
  g_task_set_task_data (task, g_strdup (uri), g_free);
  if (use_default_resolver (STRAY_PROXY_RESOLVER (resolver)))
    ask_default_resolver (g_steal_pointer (&task));
  else
    portal_lookup_async (STRAY_PROXY_RESOLVER (resolver), uri, cancellable, on_lookup_reply,
                         g_steal_pointer (&task));
}

static char **
stray_proxy_resolver_lookup_finish (GProxyResolver  *resolver,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, resolver), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        stray_proxy_resolver_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stray_proxy_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->is_supported = stray_proxy_resolver_is_supported;
  iface->lookup = stray_proxy_resolver_lookup;
  iface->lookup_async = stray_proxy_resolver_lookup_async;
  iface->lookup_finish = stray_proxy_resolver_lookup_finish;
}

/* ---- the route, and the sessions that follow it ---- */

static void
apply_route (StrayProxyResolver *self,
             SoupSession        *session)
{
  soup_session_set_proxy_resolver (session, self->direct ? NULL : G_PROXY_RESOLVER (self));
}

static void
set_direct (StrayProxyResolver *self,
            gboolean            direct)
{
  if (self->direct == direct)
    return;
  g_debug (direct ? "the server is reached directly" : "connections ask for their proxies");
  self->direct = direct;
  for (GSList *l = self->sessions; l != NULL; l = l->next)
    apply_route (self, l->data);
}

static void
on_session_finalized (gpointer  user_data,
                      GObject  *session)
{
  StrayProxyResolver *self = user_data;

  self->sessions = g_slist_remove (self->sessions, session);
}

static void
stray_proxy_resolver_class_init (G_GNUC_UNUSED StrayProxyResolverClass *klass)
{
}

static void
stray_proxy_resolver_init (StrayProxyResolver *self)
{
  g_autoptr(GError) error = NULL;

  /* The daemon is on the bus already; this returns its connection. */
  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    g_debug ("no session bus (%s): GIO's proxy resolver decides", error->message);
}

/**
 * stray_proxy_resolver_get_default:
 *
 * Returns: (transfer none): the process's resolver, which lives as long as the process
 */
StrayProxyResolver *
stray_proxy_resolver_get_default (void)
{
  static StrayProxyResolver *resolver;

  if (g_once_init_enter (&resolver))
    g_once_init_leave (&resolver, g_object_new (STRAY_TYPE_PROXY_RESOLVER, NULL));
  return resolver;
}

/**
 * stray_proxy_resolver_attach:
 * @self: the resolver
 * @session: a session that talks to Stream
 *
 * Has @session connect as the last stray_proxy_resolver_check_async() found: with no proxy
 * resolver when the server is reached directly, else through @self (also until the first
 * check, so that a later switch to none is one libsoup always sees). @session is not kept
 * alive by this.
 */
void
stray_proxy_resolver_attach (StrayProxyResolver *self,
                             SoupSession        *session)
{
  g_return_if_fail (STRAY_IS_PROXY_RESOLVER (self));
  g_return_if_fail (SOUP_IS_SESSION (session));

  self->sessions = g_slist_prepend (self->sessions, session);
  g_object_weak_ref (G_OBJECT (session), on_session_finalized, self);
  apply_route (self, session);
}

static void
on_check_reply (G_GNUC_UNUSED GObject *source,
                GAsyncResult          *result,
                gpointer               user_data)
{
  g_autoptr(GTask) task = user_data;
  StrayProxyResolver *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = portal_lookup_finish (result, &error);
  g_auto(GStrv) proxies = NULL;

  if (reply == NULL && given_up (task))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  proxies = proxies_from_reply (reply, error);
  self->portal_unusable = proxies == NULL;
  set_direct (self, proxies != NULL && g_str_equal (proxies[0], "direct://") &&
                    proxies[1] == NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * stray_proxy_resolver_check_async:
 * @self: the resolver
 * @uri: the server's URL
 * @cancellable: (nullable): to give up
 * @callback: called when the attached sessions are set for the answer
 * @user_data: for @callback
 *
 * Asks how @uri is reached, before a connection to it: the desktop's proxy settings may have
 * changed with the network. Never fails but for cancellation.
 */
void
stray_proxy_resolver_check_async (StrayProxyResolver  *self,
                                  const char          *uri,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (STRAY_IS_PROXY_RESOLVER (self));
  g_return_if_fail (uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, stray_proxy_resolver_check_async);
  /* Each check asks again, whatever the last one found. */
  self->portal_unusable = FALSE;
  if (use_default_resolver (self))
    {
      set_direct (self, FALSE);
      g_task_return_boolean (task, TRUE);
      return;
    }
  portal_lookup_async (self, uri, cancellable, on_check_reply, g_steal_pointer (&task));
}

gboolean
stray_proxy_resolver_check_finish (StrayProxyResolver  *self,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        stray_proxy_resolver_check_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
