namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Stored mail, its attachments, the tombstones that keep deleted mail from coming back, and the
/// quarantine of messages that could not be stored.
/// </summary>
/// <remarks>
/// A message is one row per mailbox and direction whatever happens on the server: the server
/// location (folder, UIDVALIDITY, UID) and the dedupe key (Message-ID, or a fingerprint of the
/// headers when there is none) are both unique, and the location moves when the same message
/// turns up elsewhere. The inbox indexes serve newest-first keyset pages, <c>(date, id) &lt; (…)</c>.
/// </remarks>
internal static class MessagesSchema
{
    public static Migration Migration { get; } = new(5, "messages", """
        CREATE TABLE mail_messages (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            mailbox_id      text NOT NULL,
            direction       text NOT NULL CHECK (direction IN ('in', 'out')),
            folder          text NOT NULL,
            uid_validity    bigint NOT NULL,
            uid             bigint NOT NULL,
            dedupe_key      text NOT NULL,
            message_id      text,
            in_reply_to     text,
            "references"    text[] NOT NULL DEFAULT '{}',
            from_address    text NOT NULL,
            from_name       text,
            "to"            jsonb NOT NULL DEFAULT '[]',
            cc              jsonb NOT NULL DEFAULT '[]',
            subject         text,
            date            timestamptz NOT NULL,
            internal_date   timestamptz NOT NULL,
            snippet         text,
            text_body       text,
            html_body       text,
            has_attachments boolean NOT NULL,
            raw_size        bigint NOT NULL,
            customer_id     text,
            stored_at       timestamptz NOT NULL DEFAULT now(),
            -- Each part is cut so that no message can exceed the 1 MB limit of a tsvector.
            search          tsvector GENERATED ALWAYS AS (
                                setweight(to_tsvector('simple', left(coalesce(subject, ''), 10000)), 'A')
                             || setweight(to_tsvector('simple', left(from_address || ' ' || coalesce(from_name, ''), 1000)), 'B')
                             || to_tsvector('simple', left(coalesce(text_body, ''), 100000))) STORED,
            CONSTRAINT mail_messages_location UNIQUE (mailbox_id, folder, uid_validity, uid),
            CONSTRAINT mail_messages_dedupe UNIQUE (mailbox_id, direction, dedupe_key)
        );
        CREATE INDEX mail_messages_inbox ON mail_messages (mailbox_id, date DESC, id DESC);
        CREATE INDEX mail_messages_author_unknown ON mail_messages (mailbox_id, date DESC, id DESC) WHERE customer_id IS NULL;
        CREATE INDEX mail_messages_author_known ON mail_messages (mailbox_id, date DESC, id DESC) WHERE customer_id IS NOT NULL;
        CREATE INDEX mail_messages_customer ON mail_messages (customer_id, date DESC, id DESC) WHERE customer_id IS NOT NULL;
        CREATE INDEX mail_messages_thread ON mail_messages (mailbox_id, message_id);
        -- Pairing (all messages from an address) and blocking look messages up by sender.
        CREATE INDEX mail_messages_sender ON mail_messages (from_address);
        CREATE INDEX mail_messages_search ON mail_messages USING gin (search);

        CREATE TABLE mail_attachments (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id   bigint NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
            position     integer NOT NULL,
            file_name    text,
            content_type text NOT NULL,
            content_id   text,
            size         bigint NOT NULL,
            content      bytea NOT NULL
        );
        CREATE INDEX mail_attachments_message ON mail_attachments (message_id, position);
        -- Attachments are mostly compressed already (PDF, images, archives): trying again costs time and saves nothing.
        ALTER TABLE mail_attachments ALTER COLUMN content SET STORAGE EXTERNAL;

        CREATE TABLE mail_tombstones (
            mailbox_id text NOT NULL,
            direction  text NOT NULL,
            dedupe_key text NOT NULL,
            deleted_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (mailbox_id, direction, dedupe_key)
        );

        CREATE TABLE mail_quarantine (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            mailbox_id   text NOT NULL,
            folder       text NOT NULL,
            uid_validity bigint NOT NULL,
            uid          bigint NOT NULL,
            subject      text,
            error        text NOT NULL,
            at           timestamptz NOT NULL DEFAULT now(),
            raw          bytea,
            CONSTRAINT mail_quarantine_location UNIQUE (mailbox_id, folder, uid_validity, uid)
        );
        """);
}
