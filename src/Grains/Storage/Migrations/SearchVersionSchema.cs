namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Which tokenizer made each message's search vector (<c>SearchText.Version</c>). Rows from before the silos
/// computed vectors, and rows a silo of an older version inserts during a rolling upgrade, default to 0; the
/// <c>SearchReindexer</c> finds them through the partial index and computes their vectors again.
/// </summary>
/// <remarks>A new tokenizer version needs a migration that moves the partial index's bound along with it.</remarks>
internal static class SearchVersionSchema
{
    public static Migration Migration { get; } = new(11, "search vector version", """
        ALTER TABLE mail_messages ADD COLUMN search_version smallint NOT NULL DEFAULT 0;
        CREATE INDEX mail_messages_search_stale ON mail_messages (id) WHERE search_version < 1;
        """);
}
