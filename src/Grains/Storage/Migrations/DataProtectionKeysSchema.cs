namespace Splynx.Orleans.Storage.Migrations;

/// <summary>The ASP.NET Core Data Protection key ring, shared by every silo and web host.</summary>
internal static class DataProtectionKeysSchema
{
    public static Migration Migration { get; } = new(6, "data protection keys", """
        CREATE TABLE data_protection_keys (
            friendly_name text PRIMARY KEY,
            xml           text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        );
        """);
}
