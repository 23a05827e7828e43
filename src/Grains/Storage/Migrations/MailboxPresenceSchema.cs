namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// What each mailbox last said about itself: whether it should be syncing, where, and how it is doing. The
/// cluster finds the mailboxes of a silo that died here (rather than waiting for their keep-alive reminders),
/// and the operators' overview reads it instead of waking every grain.
/// </summary>
/// <remarks><c>silo</c> is the full silo address with its generation, so a silo restarted on the same endpoint is another silo.</remarks>
internal static class MailboxPresenceSchema
{
    public static Migration Migration { get; } = new(15, "mailbox presence", """
        CREATE TABLE mailbox_presence (
            mailbox_id   text PRIMARY KEY,
            enabled      boolean NOT NULL,
            silo         text,
            state        text NOT NULL,
            error        text,
            error_kind   text,
            last_sync_at timestamptz,
            updated_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX mailbox_presence_silo ON mailbox_presence (silo) WHERE enabled;
        CREATE INDEX mailbox_presence_state ON mailbox_presence (state);
        """);
}
