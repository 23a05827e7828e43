namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Login sessions: the auth cookie names its session, and a request is let in only while that session
/// exists. Logging out deletes it, so a copy of the cookie (another tab, a stolen one) stops working too;
/// deleting the admin deletes their sessions.
/// </summary>
internal static class AdminSessionsSchema
{
    public static Migration Migration { get; } = new(12, "admin sessions", """
        CREATE TABLE admin_sessions (
            id           uuid PRIMARY KEY,
            admin_id     text NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
            created_at   timestamptz NOT NULL DEFAULT now(),
            last_seen_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
        CREATE INDEX admin_sessions_last_seen ON admin_sessions (last_seen_at);
        """);
}
