namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Customers and leads with their addresses. An address (lower case) belongs to one customer or lead
/// at most: the primary key settles races between silos.
/// </summary>
internal static class CustomersSchema
{
    public static Migration Migration { get; } = new(7, "customers", """
        CREATE TABLE customers (
            id         text PRIMARY KEY,
            name       text NOT NULL,
            category   text NOT NULL CHECK (category IN ('customer', 'lead')),
            created_at timestamptz NOT NULL DEFAULT now(),
            search     tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED
        );
        CREATE INDEX customers_search ON customers USING gin (search);

        CREATE TABLE customer_emails (
            address     text PRIMARY KEY CHECK (address = lower(address)),
            customer_id text NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
            position    integer NOT NULL
        );
        CREATE INDEX customer_emails_customer ON customer_emails (customer_id, position);

        -- The one pairing rule, used as mail is stored and when customers change: incoming mail belongs to
        -- its sender's customer, outgoing mail to the customer of its first known recipient (To, then Cc).
        CREATE FUNCTION pair_customer(direction text, from_address text, recipients jsonb) RETURNS text
        LANGUAGE sql STABLE AS $$
            SELECT CASE WHEN direction = 'in'
                        THEN (SELECT customer_id FROM customer_emails WHERE address = lower(from_address))
                        ELSE (SELECT e.customer_id
                                FROM jsonb_array_elements(recipients) WITH ORDINALITY AS r (recipient, position)
                                JOIN customer_emails e ON e.address = lower(r.recipient ->> 'address')
                               ORDER BY r.position LIMIT 1)
                   END
        $$;

        -- Pairing outgoing mail looks for a recipient among "to" and "cc".
        CREATE INDEX mail_messages_to ON mail_messages USING gin ("to" jsonb_path_ops);
        CREATE INDEX mail_messages_cc ON mail_messages USING gin (cc jsonb_path_ops);

        -- Who may read which mailbox, kept by the mailbox grains as settings change, so that REST and
        -- SignalR ask the database instead of every grain.
        CREATE TABLE mailbox_access (
            mailbox_id     text PRIMARY KEY,
            imap_configured boolean NOT NULL,
            delegates      text[] NOT NULL DEFAULT '{}'
        );
        CREATE INDEX mailbox_access_delegates ON mailbox_access USING gin (delegates);
        """);
}
