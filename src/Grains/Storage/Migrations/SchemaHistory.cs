namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// The whole schema of the service, oldest step first. Later capabilities append steps here;
/// this list is the only way the schema changes.
/// </summary>
public static class SchemaHistory
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        OrleansClusteringSchema.Migration,
        OrleansGrainStorageSchema.Migration,
        OrleansRemindersSchema.Migration,
        AdminsSchema.Migration,
        MessagesSchema.Migration,
        DataProtectionKeysSchema.Migration,
        CustomersSchema.Migration,
        OutboxSchema.Migration,
        SearchSchema.Migration,
        BodyCompressionSchema.Migration,
        SearchVersionSchema.Migration,
        AdminSessionsSchema.Migration,
        LoginFailuresSchema.Migration,
        ContentKeySchema.Migration,
        MailboxPresenceSchema.Migration,
    ];
}
