namespace Splynx.Orleans.Storage.Migrations;

/// <summary>One step of the schema, applied once, in order of <see cref="Version"/>, inside a transaction.</summary>
/// <param name="Version">Position in the history; never reused or renumbered.</param>
/// <param name="Name">A short name that says what the step adds.</param>
/// <param name="Sql">The statements; an applied step is never edited (its checksum is verified).</param>
public sealed record Migration(int Version, string Name, string Sql);
