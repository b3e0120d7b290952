/* stray-preferences-window.c: notifications, login, tray icon, web address, sign out
 *
 * Every control is bound to its GSettings key, so that a change made here, from the tray or
 * with gsettings shows everywhere at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-preferences-window.h"

struct _StrayPreferencesWindow
{
  GtkWindow parent_instance;

  StrayApplication *application;
  GSettings *settings;

  GtkDropDown *mode_dropdown;
  GtkSwitch *sounds_switch;
  GtkLabel *pause_label;
  GtkButton *resume_button;
  GtkSwitch *login_switch;
  GtkSwitch *hide_switch;
  GtkEntry *web_entry;
  GtkLabel *account_label;
  GtkButton *sign_out_button;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (StrayPreferencesWindow, stray_preferences_window, GTK_TYPE_WINDOW)

/* The drop-down lists the modes in the schema's order. */
static const char * const notify_modes[] = { "all", "mentions", "none" };

static gboolean
mode_to_selected (GValue   *value,
                  GVariant *variant,
                  G_GNUC_UNUSED gpointer user_data)
{
  const char *mode = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (notify_modes); i++)
    if (g_str_equal (mode, notify_modes[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
selected_to_mode (const GValue       *value,
                  G_GNUC_UNUSED const GVariantType *type,
                  G_GNUC_UNUSED gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (notify_modes))
    return NULL;
  return g_variant_new_string (notify_modes[selected]);
}

static void
update_pause (StrayPreferencesWindow *self)
{
  gint64 until = g_settings_get_int64 (self->settings, "notifications-paused-until");
  g_autofree char *text = NULL;

  if (until > g_get_real_time () / G_USEC_PER_SEC)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (until);
      /* Translators: a time, see g_date_time_format(); "%l:%M %p" for a 12-hour clock */
      g_autofree char *time = g_date_time_format (when, C_("time of day", "%H:%M"));

      text = g_strdup_printf (_("Paused until %s"), time);
    }
  else
    text = g_strdup (_("Pause"));
  gtk_label_set_text (self->pause_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->resume_button),
                            until > g_get_real_time () / G_USEC_PER_SEC);
}

static void
update_account (StrayPreferencesWindow *self)
{
  StrayAccount *account = stray_application_get_account (self->application);
  g_autofree char *text = NULL;

  if (stray_application_is_demo (self->application))
    text = g_strdup (_("The demo account"));
  else if (account != NULL && stray_account_is_configured (account))
    /* Translators: "user-id on https://server" */
    text = g_strdup_printf (_("%s on %s"), stray_account_get_user_id (account),
                            stray_account_get_server_url (account));
  else
    text = g_strdup (_("No account set up"));
  gtk_label_set_text (self->account_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_out_button),
                            account != NULL && stray_account_is_configured (account));
}

static void
on_settings_changed (StrayPreferencesWindow *self)
{
  update_pause (self);
  update_account (self);
}

static void
on_sign_out (StrayPreferencesWindow *self)
{
  StrayAccount *account = stray_application_get_account (self->application);
  g_autoptr(GError) error = NULL;

  if (account == NULL)
    return;
  /* Forgetting the account clears the model and turns the window to the setup page. */
  if (!stray_account_forget (account, NULL, &error))
    {
      gtk_label_set_text (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
on_escape (GtkWidget              *widget,
           G_GNUC_UNUSED GVariant *args,
           G_GNUC_UNUSED gpointer  user_data)
{
  gtk_window_close (GTK_WINDOW (widget));
  return TRUE;
}

static void
stray_preferences_window_dispose (GObject *object)
{
  StrayPreferencesWindow *self = STRAY_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (stray_preferences_window_parent_class)->dispose (object);
}

static void
stray_preferences_window_class_init (StrayPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = stray_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/streamtray/StreamTray/stray-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, sounds_switch);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, pause_label);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, login_switch);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, hide_switch);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, web_entry);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, account_label);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, StrayPreferencesWindow, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_out);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, on_escape, NULL);
}

static void
stray_preferences_window_init (StrayPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

StrayPreferencesWindow *
stray_preferences_window_new (StrayApplication *application)
{
  StrayPreferencesWindow *self;

  g_return_val_if_fail (STRAY_IS_APPLICATION (application), NULL);

  self = g_object_new (STRAY_TYPE_PREFERENCES_WINDOW, NULL);
  self->application = g_object_ref (application);
  self->settings = g_object_ref (stray_application_get_settings (application));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "app", G_ACTION_GROUP (application));

  g_settings_bind_with_mapping (self->settings, "notify-mode", self->mode_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, mode_to_selected, selected_to_mode,
                                NULL, NULL);
  g_settings_bind (self->settings, "notification-sounds", self->sounds_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "start-at-login", self->login_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "hide-icon-when-idle", self->hide_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "web-url-template", self->web_entry, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self,
                           G_CONNECT_SWAPPED);
  update_pause (self);
  update_account (self);
  return self;
}
