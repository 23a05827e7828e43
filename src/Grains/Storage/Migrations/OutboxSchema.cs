namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// The outbox: every email an admin sends through the service, recorded before it is handed to the SMTP
/// server so that a crash can never make it go out twice.
/// </summary>
/// <remarks>
/// <c>status</c> moves <c>queued</c> → <c>sending</c> → <c>sent</c> or <c>failed</c>; a row an
/// activation finds in <c>sending</c> lost its outcome and becomes <c>unknown</c> (never retried). The
/// message (<c>raw</c>, with its Message-ID generated up front) is built once, so the copy in the
/// Sent folder and the stored outgoing message are the very bytes that were sent.
/// </remarks>
internal static class OutboxSchema
{
    public static Migration Migration { get; } = new(8, "outbox", """
        CREATE TABLE mail_outbox (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            admin_id     text NOT NULL,
            customer_id  text NOT NULL,
            from_address text NOT NULL,
            to_address   text NOT NULL,
            subject      text NOT NULL,
            text_body    text,
            html_body    text,
            message_id   text NOT NULL UNIQUE,
            in_reply_to  text,
            "references" text[] NOT NULL DEFAULT '{}',
            raw          bytea NOT NULL,
            status       text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
            error        text,
            attempts     integer NOT NULL DEFAULT 0,
            created_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX mail_outbox_admin ON mail_outbox (admin_id, created_at);
        -- Activations look for sends a crash interrupted.
        CREATE INDEX mail_outbox_unsettled ON mail_outbox (admin_id) WHERE status IN ('queued', 'sending');
        """);
}
