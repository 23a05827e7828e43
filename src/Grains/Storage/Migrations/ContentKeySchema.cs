namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Messages are recognised by their content (<c>ContentKey</c>) rather than by their Message-ID: different
/// messages that share a Message-ID, or lack one and share a sender, date and subject, are each kept.
/// </summary>
/// <remarks>
/// <c>dedupe_key</c> keeps its name and unique constraint; <c>content_key</c> says which kind of key a row holds.
/// Rows and tombstones from before this step, and those a silo of an older version writes during a rolling
/// upgrade (it does not know the column), hold the old key (Message-ID, or <c>fp:</c> and a hash of some headers)
/// and are marked false: the store still matches them by that key where nothing else can recognise them (a
/// UIDVALIDITY change, a deleted message coming back). Adding a column with a constant default rewrites nothing.
/// </remarks>
internal static class ContentKeySchema
{
    public static Migration Migration { get; } = new(14, "messages keyed by content", """
        ALTER TABLE mail_messages ADD COLUMN content_key boolean NOT NULL DEFAULT false;
        ALTER TABLE mail_tombstones ADD COLUMN content_key boolean NOT NULL DEFAULT false;
        """);
}
