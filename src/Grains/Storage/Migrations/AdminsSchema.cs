namespace Splynx.Orleans.Storage.Migrations;

/// <summary>Administrator accounts: logins are unique without regard to case.</summary>
internal static class AdminsSchema
{
    public static Migration Migration { get; } = new(4, "admins", """
        CREATE TABLE admins (
            id            text PRIMARY KEY,
            login         text NOT NULL,
            password_hash text NOT NULL,
            name          text NOT NULL,
            email         text NOT NULL DEFAULT '',
            role          text NOT NULL CHECK (role IN ('admin', 'superadmin')),
            created_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX admins_login ON admins (lower(login));
        """);
}
