/* stray-dev-scenario.c
 *
 * "empty": nothing. "demo": a small team around the demo user, with channels of several kinds,
 * some of them unread, and a chatter timer that posts a plausible message every few seconds,
 * now and then mentioning the demo user; a little later Dana invites the demo user to
 * "Launch plan" and then Chen adds them to "Support rota" (issue 17's invites and additions,
 * once each), a reminder the demo user set on a message of Chen's falls due (messaging
 * channels allow reminders in the demo, as an app turns them on in Stream), and Chen replies
 * in the demo user's thread in General. "load:N": N channels for the demo user, each with one
 * message, for benchmarks and paging tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "stray-devserver"

#include "config.h"

#include "stray-dev-scenario.h"

typedef struct {
  const char *id;
  const char *name;
} DemoUser;

static const DemoUser demo_users[] = {
  { STRAY_DEV_SCENARIO_USER, "Alice Lindqvist" },
  { "bob", "Bob Okafor" },
  { "chen", "Chen Wei" },
  { "dana", "Dana Ruiz" },
  { "erik", "Erik Sørensen" },
};

typedef struct {
  const char *type;
  const char *id;
  const char *name;
  const char * const members[6];
} DemoChannel;

static const DemoChannel demo_channels[] = {
  { "messaging", "general", "General",
    { STRAY_DEV_SCENARIO_USER, "bob", "chen", "dana", "erik", NULL } },
  { "messaging", "design-review", "Design review",
    { STRAY_DEV_SCENARIO_USER, "chen", "dana", NULL } },
  { "team", "ops", "Ops alerts", { STRAY_DEV_SCENARIO_USER, "dana", "erik", NULL } },
  { "messaging", "dm-alice-bob", NULL, { STRAY_DEV_SCENARIO_USER, "bob", NULL } },
  { "livestream", "town-hall", "Town hall",
    { STRAY_DEV_SCENARIO_USER, "bob", "chen", "dana", "erik", NULL } },
};

/* Who said what where at the start: the demo user finds some of it unread. */
static const struct {
  guint channel;
  const char *user_id;
  const char *text;
} demo_history[] = {
  { 0, "bob", "Morning all! Stand-up in 10." },
  { 0, STRAY_DEV_SCENARIO_USER, "Joining now." },
  { 0, "chen", "Running 5 min late 🚲" },
  { 1, "chen", "New mock-ups for the tray menu are up: v3 & notes" },
  { 2, "dana", "[alert] disk 91% on build-02" },
  { 2, "erik", "[resolved] disk back to 40%" },
  { 3, "bob", "Got a minute for the release notes?" },
  { 4, "erik", "Town hall moves to Thursday, same time." },
};

static const char * const chatter_lines[] = {
  "Pushed the fix, CI is running.",
  "Anyone up for lunch at 12:30?",
  "The staging deploy is green.",
  "Can someone review the badge PR?",
  "Coffee machine on floor 2 is back 🎉",
  "I'll be offline for an hour.",
  "Numbers for last week are in the sheet.",
  "Who owns the flaky notification test?",
  "Release notes draft is ready for eyes.",
  "Heads-up: the VPN restarts tonight.",
};

static const char * const mention_lines[] = {
  "@alice could you take a look at this?",
  "@alice are you joining the call?",
  "@alice the tray icon looks great at 22 px 👌",
};

static gboolean
post (StrayDevserver *server,
      const char     *cid,
      const char     *user_id,
      const char     *text,
      gboolean        mention_demo_user,
      GError        **error)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "text", text);
  if (mention_demo_user)
    {
      JsonArray *mentioned = json_array_new ();

      json_array_add_string_element (mentioned, STRAY_DEV_SCENARIO_USER);
      json_object_set_array_member (message, "mentioned_users", mentioned);
    }
  return stray_devserver_send_message (server, cid, user_id, message, error) != NULL;
}

static gboolean
chatter (gpointer user_data)
{
  StrayDevserver *server = user_data;
  guint channel = g_random_int_range (0, G_N_ELEMENTS (demo_channels));
  const DemoChannel *demo = &demo_channels[channel];
  g_autofree char *cid = g_strconcat (demo->type, ":", demo->id, NULL);
  guint n_members = g_strv_length ((char **) demo->members);
  const char *author;
  gboolean mention = g_random_int_range (0, 5) == 0;

  /* Anyone but the demo user, who is the one reading. */
  do
    author = demo->members[g_random_int_range (0, n_members)];
  while (g_str_equal (author, STRAY_DEV_SCENARIO_USER));

  post (server, cid, author,
        mention ? mention_lines[g_random_int_range (0, G_N_ELEMENTS (mention_lines))]
                : chatter_lines[g_random_int_range (0, G_N_ELEMENTS (chatter_lines))],
        mention, NULL);
  return G_SOURCE_CONTINUE;
}

/* Every 8 s one step: an invite, an addition, a reminder due 5 s later, then nothing. */
static gboolean
membership_step (gpointer user_data)
{
  StrayDevserver *server = user_data;
  guint step = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (server),
                                                    "stray-dev-scenario-step"));
  const char * const inviter[] = { "dana", NULL };
  const char * const invited[] = { STRAY_DEV_SCENARIO_USER, NULL };
  const char * const support[] = { "chen", STRAY_DEV_SCENARIO_USER, NULL };
  g_autoptr(JsonObject) data = json_object_new ();

  if (step > 2)
    return G_SOURCE_CONTINUE;
  g_object_set_data (G_OBJECT (server), "stray-dev-scenario-step", GUINT_TO_POINTER (step + 1));
  if (step == 0)
    {
      json_object_set_string_member (data, "name", "Launch plan");
      if (stray_devserver_create_channel (server, "messaging", "launch-plan", "dana", inviter,
                                          data, NULL))
        stray_devserver_invite_members (server, "messaging:launch-plan", invited, NULL);
    }
  else if (step == 1)
    {
      json_object_set_string_member (data, "name", "Support rota");
      stray_devserver_create_channel (server, "messaging", "support-rota", "chen", support, data,
                                      NULL);
    }
  else if (step == 2)
    {
      /* Issue 17's reminders: one, due shortly, so that the demo shows its notification once. */
      g_autoptr(JsonObject) message = json_object_new ();
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) due = g_date_time_add_seconds (now, 5);
      g_autofree char *remind_at = g_date_time_format_iso8601 (due);
      JsonObject *stored;

      json_object_set_string_member (message, "text", "Can you check the tray mock-ups by Friday?");
      stored = stray_devserver_send_message (server, "messaging:design-review", "chen", message,
                                             NULL);
      if (stored != NULL)
        stray_devserver_set_reminder (server, json_object_get_string_member (stored, "id"),
                                      STRAY_DEV_SCENARIO_USER, remind_at, NULL);
    }
  /* Kept, idle, after the last step: the server removes it with the chatter's. */
  return G_SOURCE_CONTINUE;
}

static void
remove_source (gpointer data)
{
  g_source_remove (GPOINTER_TO_UINT (data));
}

/* Issue 17's threads: the demo user asked something in General and Bob answered in a thread
 * (read); a little after start Chen replies too, which the demo user hears of once as "Reply
 * in thread". The parent's id is fixed, for tests that open the thread. */
static gboolean
thread_reply_later (gpointer user_data)
{
  g_autoptr(JsonObject) reply = json_object_new ();

  json_object_set_string_member (reply, "text", "I can take the checklist this time.");
  json_object_set_string_member (reply, "parent_id", STRAY_DEV_SCENARIO_THREAD);
  stray_devserver_send_message (user_data, "messaging:general", "chen", reply, NULL);
  /* Done: nothing left for the server to remove. */
  g_object_steal_data (G_OBJECT (user_data), "stray-dev-scenario-thread");
  return G_SOURCE_REMOVE;
}

static gboolean
start_demo_thread (StrayDevserver *server,
                   GError        **error)
{
  g_autoptr(JsonObject) parent = json_object_new ();
  g_autoptr(JsonObject) reply = json_object_new ();

  json_object_set_string_member (parent, "id", STRAY_DEV_SCENARIO_THREAD);
  json_object_set_string_member (parent, "text", "Who can run the release checklist on Friday?");
  if (stray_devserver_send_message (server, "messaging:general", STRAY_DEV_SCENARIO_USER, parent,
                                    error) == NULL)
    return FALSE;
  json_object_set_string_member (reply, "text", "Not me, I'm out Friday.");
  json_object_set_string_member (reply, "parent_id", STRAY_DEV_SCENARIO_THREAD);
  if (stray_devserver_send_message (server, "messaging:general", "bob", reply, error) == NULL ||
      stray_dev_store_mark_thread_read (stray_devserver_get_store (server), "messaging:general",
                                        STRAY_DEV_SCENARIO_USER, STRAY_DEV_SCENARIO_THREAD,
                                        error) == NULL)
    return FALSE;
  g_object_set_data_full (G_OBJECT (server), "stray-dev-scenario-thread",
                          GUINT_TO_POINTER (g_timeout_add_seconds (12, thread_reply_later, server)),
                          remove_source);
  return TRUE;
}

static gboolean
apply_demo (StrayDevserver *server,
            GError        **error)
{
  StrayDevStore *store = stray_devserver_get_store (server);
  guint chatter_id;

  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    {
      g_autoptr(JsonObject) user = json_object_new ();

      json_object_set_string_member (user, "id", demo_users[i].id);
      json_object_set_string_member (user, "name", demo_users[i].name);
      if (stray_dev_store_upsert_user (store, user, error) == NULL)
        return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (demo_channels); i++)
    {
      g_autoptr(JsonObject) data = json_object_new ();

      if (demo_channels[i].name != NULL)
        json_object_set_string_member (data, "name", demo_channels[i].name);
      if (!stray_devserver_create_channel (server, demo_channels[i].type, demo_channels[i].id,
                                           demo_channels[i].members[1],
                                           demo_channels[i].members, data, error) &&
          (error == NULL || *error != NULL))
        return FALSE;
    }

  /* Before the history, which leaves General unread as it was. */
  if (!start_demo_thread (server, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (demo_history); i++)
    {
      const DemoChannel *demo = &demo_channels[demo_history[i].channel];
      g_autofree char *cid = g_strconcat (demo->type, ":", demo->id, NULL);

      if (!post (server, cid, demo_history[i].user_id, demo_history[i].text, FALSE, error))
        return FALSE;
    }

  /* Messaging channels allow message reminders (Stream leaves them off until an app turns them
   * on for a channel type). */
  {
    g_autoptr(JsonObject) allow = json_object_new ();
    g_autoptr(JsonObject) type = NULL;

    json_object_set_boolean_member (allow, "user_message_reminders", TRUE);
    type = stray_dev_store_update_channel_type (store, "messaging", allow, error);
    if (type == NULL)
      return FALSE;
  }

  /* The ops channel is muted, as a busy alerts channel would be. */
  if (!stray_dev_store_set_channel_muted (store, STRAY_DEV_SCENARIO_USER, "team:ops", TRUE, 0,
                                          error))
    return FALSE;

  chatter_id = g_timeout_add_seconds (g_random_int_range (4, 8), chatter, server);
  g_object_set_data_full (G_OBJECT (server), "stray-dev-scenario-chatter",
                          GUINT_TO_POINTER (chatter_id), remove_source);
  g_object_set_data_full (G_OBJECT (server), "stray-dev-scenario-membership",
                          GUINT_TO_POINTER (g_timeout_add_seconds (8, membership_step, server)),
                          remove_source);
  return TRUE;
}

static gboolean
apply_load (StrayDevserver *server,
            guint           n_channels,
            GError        **error)
{
  StrayDevStore *store = stray_devserver_get_store (server);
  const char * const members[] = { STRAY_DEV_SCENARIO_USER, "bob", NULL };

  stray_dev_store_ensure_user (store, STRAY_DEV_SCENARIO_USER);
  stray_dev_store_ensure_user (store, "bob");
  for (guint i = 0; i < n_channels; i++)
    {
      g_autofree char *id = g_strdup_printf ("load-%05u", i);
      g_autofree char *cid = g_strconcat ("messaging:", id, NULL);
      g_autofree char *text = g_strdup_printf ("Message in channel %u", i);
      g_autoptr(JsonObject) data = json_object_new ();
      g_autofree char *name = g_strdup_printf ("Load %u", i);

      json_object_set_string_member (data, "name", name);
      if (!stray_devserver_create_channel (server, "messaging", id, "bob", members, data, error)
          || !post (server, cid, "bob", text, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * stray_dev_scenario_apply:
 * @name: "empty", "demo" or "load:N"
 *
 * Returns: whether @name is a scenario and it was set up
 */
gboolean
stray_dev_scenario_apply (StrayDevserver *server,
                          const char     *name,
                          GError        **error)
{
  guint64 n_channels;

  g_return_val_if_fail (STRAY_IS_DEVSERVER (server), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (g_str_equal (name, "empty"))
    return TRUE;
  if (g_str_equal (name, "demo"))
    return apply_demo (server, error);
  if (g_str_has_prefix (name, "load:") &&
      g_ascii_string_to_unsigned (name + 5, 10, 1, 100000, &n_channels, NULL))
    return apply_load (server, (guint) n_channels, error);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "unknown scenario “%s”: use empty, demo or load:N (1 ≤ N ≤ 100000)", name);
  return FALSE;
}

/**
 * stray_dev_scenario_set_avatars:
 *
 * Points the demo users' pictures at the server's own /_dev/avatars, once it listens: the demo
 * shows avatars without a network.
 */
void
stray_dev_scenario_set_avatars (StrayDevserver *server)
{
  StrayDevStore *store = stray_devserver_get_store (server);

  g_return_if_fail (stray_devserver_get_base_url (server) != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    {
      g_autoptr(JsonObject) user = json_object_new ();
      g_autofree char *image = g_strdup_printf ("%s/_dev/avatars/%s.png",
                                                stray_devserver_get_base_url (server),
                                                demo_users[i].id);

      if (stray_dev_store_lookup_user (store, demo_users[i].id) == NULL)
        continue;
      json_object_set_string_member (user, "id", demo_users[i].id);
      json_object_set_string_member (user, "image", image);
      stray_dev_store_upsert_user (store, user, NULL);
    }
}
