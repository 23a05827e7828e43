namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// The search vector of a message becomes a plain column that the silos fill (<c>SearchText</c>):
/// computing it in the database took most of its CPU during an import, and silos scale out where the
/// database does not. PostgreSQL keeps the vectors it already stored.
/// </summary>
internal static class SearchSchema
{
    public static Migration Migration { get; } = new(9, "search computed by silos", """
        ALTER TABLE mail_messages ALTER COLUMN search DROP EXPRESSION;
        """);
}
