using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>A row of the outbox about to be recorded.</summary>
public sealed record OutboxEntry(
    string AdminId,
    string CustomerId,
    string FromAddress,
    string ToAddress,
    string Subject,
    string? TextBody,
    string? HtmlBody,
    string MessageId,
    string? InReplyTo,
    IReadOnlyList<string> References,
    byte[] Raw);

/// <summary>The message being answered: its Message-ID, its References chain and its subject.</summary>
public sealed record RepliedMessage(string? MessageId, IReadOnlyList<string> References, string? Subject);

/// <summary>The outbox table. Each status change is its own committed statement: the order of commits is the guarantee.</summary>
public sealed class OutboxRepository(NpgsqlDataSource dataSource, MailboxAccessRules access)
{
    public async Task<long> InsertQueuedAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO mail_outbox (admin_id, customer_id, from_address, to_address, subject, text_body, html_body,
                                     message_id, in_reply_to, "references", raw, status)
            VALUES (@admin, @customer, @from, @to, @subject, @text, @html, @message_id, @in_reply_to, @references, @raw, 'queued')
            RETURNING id
            """);
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, entry.AdminId);
        command.Parameters.AddWithValue("customer", NpgsqlDbType.Text, entry.CustomerId);
        command.Parameters.AddWithValue("from", NpgsqlDbType.Text, entry.FromAddress);
        command.Parameters.AddWithValue("to", NpgsqlDbType.Text, entry.ToAddress);
        command.Parameters.AddWithValue("subject", NpgsqlDbType.Text, entry.Subject);
        command.Parameters.AddWithValue("text", NpgsqlDbType.Text, (object?)entry.TextBody ?? DBNull.Value);
        command.Parameters.AddWithValue("html", NpgsqlDbType.Text, (object?)entry.HtmlBody ?? DBNull.Value);
        command.Parameters.AddWithValue("message_id", NpgsqlDbType.Text, entry.MessageId);
        command.Parameters.AddWithValue("in_reply_to", NpgsqlDbType.Text, (object?)entry.InReplyTo ?? DBNull.Value);
        command.Parameters.AddWithValue("references", NpgsqlDbType.Array | NpgsqlDbType.Text, entry.References.ToArray());
        command.Parameters.AddWithValue("raw", NpgsqlDbType.Bytea, entry.Raw);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Claims a queued row for sending; false if it is no longer queued (so it is never handed over twice).</summary>
    public async Task<bool> MarkSendingAsync(long id, CancellationToken cancellationToken) =>
        await UpdateAsync(id, "sending", null, "status = 'queued'", incrementAttempts: true, cancellationToken);

    public Task<bool> MarkSentAsync(long id, CancellationToken cancellationToken) =>
        UpdateAsync(id, "sent", null, "status = 'sending'", incrementAttempts: false, cancellationToken);

    /// <summary>Handed over, but the server's answer never came: it may have gone out, and is never sent again.</summary>
    public Task<bool> MarkUnknownAsync(long id, string error, CancellationToken cancellationToken) =>
        UpdateAsync(id, "unknown", error, "status = 'sending'", incrementAttempts: false, cancellationToken);

    public Task<bool> MarkFailedAsync(long id, string error, CancellationToken cancellationToken) =>
        UpdateAsync(id, "failed", error, "status IN ('queued', 'sending')", incrementAttempts: false, cancellationToken);

    /// <summary>
    /// Settles what a crash interrupted for one admin: a row still <c>sending</c> may have gone out and becomes
    /// <c>unknown</c>; a row still <c>queued</c> was never handed over and becomes <c>failed</c>. Returns the settled emails.
    /// </summary>
    public async Task<IReadOnlyList<EmailStatusEvent>> SettleInterruptedAsync(string adminId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE mail_outbox
               SET status = CASE status WHEN 'sending' THEN 'unknown' ELSE 'failed' END,
                   error = CASE status
                               WHEN 'sending' THEN 'The service stopped while handing this email to the SMTP server: it may or may not have been sent. Check with the recipient before sending it again.'
                               ELSE 'The service stopped before sending this email; it was not sent. Send it again.'
                           END,
                   updated_at = now()
             WHERE admin_id = @admin AND status IN ('queued', 'sending')
            RETURNING customer_id, id, status, error
            """);
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, adminId);
        var settled = new List<EmailStatusEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            settled.Add(new EmailStatusEvent(reader.GetString(0), reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                ParseStatus(reader.GetString(2)), reader.GetString(3)));
        }
        return settled;
    }

    public async Task<OutgoingEmail?> GetAsync(string adminId, string id, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand(
            "SELECT id, status, error, message_id FROM mail_outbox WHERE id = @id AND admin_id = @admin");
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, key);
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, adminId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new OutgoingEmail(reader.GetInt64(0).ToString(CultureInfo.InvariantCulture), ParseStatus(reader.GetString(1)),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3));
    }

    /// <summary>How many emails the admin recorded since that moment (for the rate limit).</summary>
    public async Task<long> CountSinceAsync(string adminId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FROM mail_outbox WHERE admin_id = @admin AND created_at >= @since");
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, adminId);
        command.Parameters.AddWithValue("since", NpgsqlDbType.TimestampTz, since.UtcDateTime);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// A stored message the admin may read (their own mailbox or one delegated to them), to answer; null if there is none.
    /// </summary>
    /// <summary>The message an admin answers, if it exists and that admin may read its mailbox (the one access rule).</summary>
    public async Task<RepliedMessage?> FindRepliedAsync(string adminId, string messageId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(messageId, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT m.mailbox_id, m.message_id, m."references", m.subject FROM mail_messages m WHERE m.id = @id
            """);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var mailboxId = reader.GetString(0);
        var replied = new RepliedMessage(reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<string[]>(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
        return await access.CanReadAsync(adminId, mailboxId, cancellationToken) ? replied : null;
    }

    /// <summary>The admin's own email from the admins table, the sender of last resort.</summary>
    public async Task<string?> AdminEmailAsync(string adminId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT email FROM admins WHERE id = @admin");
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, adminId);
        return await command.ExecuteScalarAsync(cancellationToken) is string { Length: > 0 } email ? email : null;
    }

    private async Task<bool> UpdateAsync(long id, string status, string? error, string condition, bool incrementAttempts,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE mail_outbox
               SET status = @status, error = @error, updated_at = now(){(incrementAttempts ? ", attempts = attempts + 1" : "")}
             WHERE id = @id AND {condition}
            """);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        command.Parameters.AddWithValue("status", NpgsqlDbType.Text, status);
        command.Parameters.AddWithValue("error", NpgsqlDbType.Text, (object?)error ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static OutgoingStatus ParseStatus(string status) => status switch
    {
        "queued" => OutgoingStatus.Queued,
        "sending" => OutgoingStatus.Sending,
        "sent" => OutgoingStatus.Sent,
        "failed" => OutgoingStatus.Failed,
        _ => OutgoingStatus.Unknown,
    };
}
