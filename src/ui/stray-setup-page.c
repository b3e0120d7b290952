/* stray-setup-page.c: a new user connects their account
 *
 * The credentials are tried live (one handshake) before anything is kept; the server's own
 * error is shown when it refuses them, and on success the token goes to the keyring and the
 * account to the settings, which starts the daemon's connection. A token command instead of a
 * token is kept as given and run by the account when a token is needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-credentials-check.h"
#include "stray-setup-page.h"

struct _StraySetupPage
{
  GtkWidget parent_instance;

  StrayApplication *application;
  GCancellable *cancellable;
  GStrv checking;            /* server, API key, user ID and token being tried */

  GtkEntry *server_entry;
  GtkEntry *api_key_entry;
  GtkEntry *user_entry;
  GtkPasswordEntry *token_entry;
  GtkEntry *command_entry;
  GtkLabel *error_label;
  GtkSpinner *spinner;
  GtkButton *connect_button;
};

G_DEFINE_FINAL_TYPE (StraySetupPage, stray_setup_page, GTK_TYPE_WIDGET)

static char *
field (gpointer editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

static gboolean
is_complete (StraySetupPage *self)
{
  g_autofree char *server = field (self->server_entry);
  g_autofree char *api_key = field (self->api_key_entry);
  g_autofree char *user = field (self->user_entry);
  g_autofree char *token = field (self->token_entry);
  g_autofree char *command = field (self->command_entry);

  return *server != '\0' && *api_key != '\0' && *user != '\0' &&
         (*token != '\0' || *command != '\0');
}

static void
set_busy (StraySetupPage *self,
          gboolean        busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button), !busy && is_complete (self));
}

static void
show_error (StraySetupPage *self,
            const char     *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
on_field_changed (StraySetupPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->connect_button),
                            is_complete (self) && self->cancellable == NULL);
}

static void
on_checked (G_GNUC_UNUSED GObject *source,
            GAsyncResult          *result,
            gpointer               user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) checked = NULL;
  StraySetupPage *self;
  StrayAccount *account;

  if (!stray_credentials_check_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = STRAY_SETUP_PAGE (user_data);
  g_clear_object (&self->cancellable);
  /* What was tried, not what the fields say now: they may have been edited meanwhile. */
  checked = g_steal_pointer (&self->checking);
  set_busy (self, FALSE);
  if (error != NULL)
    {
      show_error (self, error->message);
      return;
    }

  account = stray_application_get_account (self->application);
  if (account == NULL)
    return;
  /* The account's notify::configured starts the connection and turns the window to the
   * channel list. */
  if (!stray_account_set_up (account, checked[0], checked[1], checked[2], checked[3], NULL,
                             &error))
    {
      show_error (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->token_entry), "");
  show_error (self, NULL);
}

static void
set_up_with_command (StraySetupPage *self)
{
  g_autofree char *server = field (self->server_entry);
  g_autofree char *api_key = field (self->api_key_entry);
  g_autofree char *user = field (self->user_entry);
  g_autofree char *command = field (self->command_entry);
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  StrayAccount *account = stray_application_get_account (self->application);

  /* Split as a shell would, but run without one. */
  if (!g_shell_parse_argv (command, NULL, &argv, &error) ||
      (account != NULL &&
       !stray_account_set_up_with_command (account, server, api_key, user,
                                           (const char * const *) argv, &error)))
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
}

/**
 * stray_setup_page_connect:
 *
 * What the Connect button does: try the token, or keep the token command.
 */
void
stray_setup_page_connect (StraySetupPage *self)
{
  g_autofree char *server = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *user = NULL;
  g_autofree char *token = NULL;

  g_return_if_fail (STRAY_IS_SETUP_PAGE (self));

  if (!is_complete (self) || self->cancellable != NULL)
    return;
  token = field (self->token_entry);
  if (*token == '\0')
    {
      set_up_with_command (self);
      return;
    }
  server = field (self->server_entry);
  api_key = field (self->api_key_entry);
  user = field (self->user_entry);
  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  g_strfreev (self->checking);
  self->checking = g_strdupv ((char *[]) { server, api_key, user, token, NULL });
  set_busy (self, TRUE);
  stray_credentials_check_async (server, api_key, user, token, self->cancellable, on_checked,
                                 self);
}

static void
on_connect (StraySetupPage *self)
{
  stray_setup_page_connect (self);
}

void
stray_setup_page_set_application (StraySetupPage   *self,
                                  StrayApplication *application)
{
  g_return_if_fail (STRAY_IS_SETUP_PAGE (self));

  g_set_object (&self->application, application);
}

/* For tests and a future "edit account": the fields as a user would type them. */
void
stray_setup_page_fill (StraySetupPage *self,
                       const char     *server_url,
                       const char     *api_key,
                       const char     *user_id,
                       const char     *token,
                       const char     *token_command)
{
  g_return_if_fail (STRAY_IS_SETUP_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_entry), server_url);
  gtk_editable_set_text (GTK_EDITABLE (self->api_key_entry), api_key);
  gtk_editable_set_text (GTK_EDITABLE (self->user_entry), user_id);
  gtk_editable_set_text (GTK_EDITABLE (self->token_entry), token);
  gtk_editable_set_text (GTK_EDITABLE (self->command_entry), token_command);
}

/* Returns: (nullable): the error shown, if any */
const char *
stray_setup_page_get_error (StraySetupPage *self)
{
  g_return_val_if_fail (STRAY_IS_SETUP_PAGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
           ? gtk_label_get_text (self->error_label) : NULL;
}

static void
stray_setup_page_dispose (GObject *object)
{
  StraySetupPage *self = STRAY_SETUP_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->checking, g_strfreev);
  gtk_widget_dispose_template (GTK_WIDGET (self), STRAY_TYPE_SETUP_PAGE);
  /* GTK 4.8 unparents only the bound template children. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (stray_setup_page_parent_class)->dispose (object);
}

static void
stray_setup_page_class_init (StraySetupPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = stray_setup_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamtray/StreamTray/stray-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, server_entry);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, api_key_entry);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, user_entry);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, token_entry);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, command_entry);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, StraySetupPage, connect_button);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_connect);
}

static void
stray_setup_page_init (StraySetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
