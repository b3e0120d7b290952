/* stray-invite-list.c: the pending invites at the top of the window
 *
 * One row per invite ("Ana invited you to #design") with Accept and Decline, which are the
 * app's accept-invite and decline-invite actions; the list follows the session's model, so an
 * invite answered here, in a notification or on another device goes by itself. Hidden while
 * there is none.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "stray-invite.h"
#include "stray-invite-list.h"
#include "stray-list-section.h"

struct _StrayInviteList
{
  GtkBox parent_instance;

  GListModel *invites;
  GtkListBox *list_box;
};

G_DEFINE_FINAL_TYPE (StrayInviteList, stray_invite_list, GTK_TYPE_BOX)

/* "Ana invited you to #design", or without the inviter when the server did not say. */
static char *
invite_text (StrayInvite *invite)
{
  g_autofree char *title = stray_invite_dup_title (invite);
  const char *inviter = stray_invite_get_inviter_name (invite);

  return inviter != NULL ? g_strdup_printf (_("%s invited you to #%s"), inviter, title)
                         : g_strdup_printf (_("You were invited to #%s"), title);
}

static GtkWidget *
answer_button (StrayInvite *invite,
               const char  *label,
               const char  *action,
               const char  *accessible_format)
{
  GtkWidget *button = gtk_button_new_with_label (label);
  g_autofree char *title = stray_invite_dup_title (invite);
  g_autofree char *accessible = g_strdup_printf (accessible_format, title);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s",
                                    stray_invite_get_cid (invite));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  return button;
}

static GtkWidget *
create_row (gpointer item,
            G_GNUC_UNUSED gpointer user_data)
{
  StrayInvite *invite = item;
  g_autofree char *text = invite_text (invite);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *accept = answer_button (invite, _("Accept"), "app.accept-invite",
                                     _("Accept the invitation to #%s"));

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (accept, "suggested-action");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), accept);
  gtk_box_append (GTK_BOX (box), answer_button (invite, _("Decline"), "app.decline-invite",
                                                _("Decline the invitation to #%s")));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  return row;
}

/**
 * stray_invite_list_set_model:
 * @invites: the session's pending invites, of StrayInvite
 */
void
stray_invite_list_set_model (StrayInviteList *self,
                             GListModel      *invites)
{
  g_return_if_fail (STRAY_IS_INVITE_LIST (self));
  g_return_if_fail (G_IS_LIST_MODEL (invites));

  if (self->invites != NULL)
    g_signal_handlers_disconnect_by_data (self->invites, self);
  g_set_object (&self->invites, invites);
  stray_list_section_follow (GTK_WIDGET (self), self->list_box, invites, create_row, NULL);
}

static void
stray_invite_list_dispose (GObject *object)
{
  StrayInviteList *self = STRAY_INVITE_LIST (object);

  if (self->invites != NULL)
    g_signal_handlers_disconnect_by_data (self->invites, self);
  g_clear_object (&self->invites);

  G_OBJECT_CLASS (stray_invite_list_parent_class)->dispose (object);
}

static void
stray_invite_list_class_init (StrayInviteListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = stray_invite_list_dispose;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
stray_invite_list_init (StrayInviteList *self)
{
  self->list_box = stray_list_section_build (GTK_BOX (self), _("Invitations"));
}
