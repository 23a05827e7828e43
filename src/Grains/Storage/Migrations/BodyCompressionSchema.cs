namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Message bodies compressed with LZ4 rather than PostgreSQL's default pglz: several times cheaper to
/// compress as mail is imported and to decompress as it is read, for a little less saving. Applies to
/// bodies stored from now on. A server built without LZ4 keeps pglz.
/// </summary>
internal static class BodyCompressionSchema
{
    public static Migration Migration { get; } = new(10, "lz4 message bodies", """
        DO $$
        BEGIN
            ALTER TABLE mail_messages ALTER COLUMN text_body SET COMPRESSION lz4,
                                      ALTER COLUMN html_body SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'PostgreSQL was built without LZ4: message bodies stay compressed with pglz';
        END
        $$;
        """);
}
