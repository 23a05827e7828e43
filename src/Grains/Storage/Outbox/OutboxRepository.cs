using System.Globalization;
using Dapper;
using Npgsql;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;

namespace Splynx.Orleans.Storage.Outbox;

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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            INSERT INTO mail_outbox (admin_id, customer_id, from_address, to_address, subject, text_body, html_body,
                                     message_id, in_reply_to, "references", raw, status)
            VALUES (@AdminId, @CustomerId, @FromAddress, @ToAddress, @Subject, @TextBody, @HtmlBody, @MessageId, @InReplyTo,
                    @References, @Raw, 'queued')
            RETURNING id
            """, new
            {
                entry.AdminId, entry.CustomerId, entry.FromAddress, entry.ToAddress, entry.Subject, entry.TextBody, entry.HtmlBody,
                entry.MessageId, entry.InReplyTo, References = entry.References.ToArray(), entry.Raw,
            }, cancellationToken: cancellationToken));
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var settled = await connection.QueryAsync<(string CustomerId, long Id, string Status, string Error)>(new CommandDefinition("""
            UPDATE mail_outbox
               SET status = CASE status WHEN 'sending' THEN 'unknown' ELSE 'failed' END,
                   error = CASE status
                               WHEN 'sending' THEN 'The service stopped while handing this email to the SMTP server: it may or may not have been sent. Check with the recipient before sending it again.'
                               ELSE 'The service stopped before sending this email; it was not sent. Send it again.'
                           END,
                   updated_at = now()
             WHERE admin_id = @adminId AND status IN ('queued', 'sending')
            RETURNING customer_id, id, status, error
            """, new { adminId }, cancellationToken: cancellationToken));
        return [.. settled.Select(row => new EmailStatusEvent(row.CustomerId, Id(row.Id), ParseStatus(row.Status), row.Error))];
    }

    public async Task<OutgoingEmail?> GetAsync(string adminId, string id, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string Status, string? Error, string MessageId)>(new CommandDefinition(
            "SELECT id, status, error, message_id FROM mail_outbox WHERE id = @key AND admin_id = @adminId",
            new { key, adminId }, cancellationToken: cancellationToken));
        return rows.Select(row => new OutgoingEmail(Id(row.Id), ParseStatus(row.Status), row.Error, row.MessageId)).SingleOrDefault();
    }

    /// <summary>How many emails the admin recorded since that moment (for the rate limit).</summary>
    public async Task<long> CountSinceAsync(string adminId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM mail_outbox WHERE admin_id = @adminId AND created_at >= @since",
            new { adminId, since = since.UtcDateTime }, cancellationToken: cancellationToken));
    }

    /// <summary>The message an admin answers, if it exists and that admin may read its mailbox (the one access rule).</summary>
    public async Task<RepliedMessage?> FindRepliedAsync(string adminId, string messageId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(messageId, NumberStyles.None, CultureInfo.InvariantCulture, out var key))
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RepliedRow>(new CommandDefinition("""
            SELECT m.mailbox_id AS mailboxid, m.message_id AS messageid, m."references", m.subject FROM mail_messages m WHERE m.id = @key
            """, new { key }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }
        return await access.CanReadAsync(adminId, row.MailboxId, cancellationToken)
            ? new RepliedMessage(row.MessageId, row.References, row.Subject)
            : null;
    }

    /// <summary>The admin's own email from the admins table, the sender of last resort.</summary>
    public async Task<string?> AdminEmailAsync(string adminId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var email = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT email FROM admins WHERE id = @adminId", new { adminId }, cancellationToken: cancellationToken));
        return string.IsNullOrEmpty(email) ? null : email;
    }

    private async Task<bool> UpdateAsync(long id, string status, string? error, string condition, bool incrementAttempts,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE mail_outbox
               SET status = @status, error = @error, updated_at = now(){(incrementAttempts ? ", attempts = attempts + 1" : "")}
             WHERE id = @id AND {condition}
            """, new { id, status, error }, cancellationToken: cancellationToken)) == 1;
    }

    // Properties rather than a constructor: Npgsql reports the array column as System.Array, which no constructor matches.
    private sealed class RepliedRow
    {
        public string MailboxId { get; init; } = "";
        public string? MessageId { get; init; }
        public string[] References { get; init; } = [];
        public string? Subject { get; init; }
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static OutgoingStatus ParseStatus(string status) => status switch
    {
        "queued" => OutgoingStatus.Queued,
        "sending" => OutgoingStatus.Sending,
        "sent" => OutgoingStatus.Sent,
        "failed" => OutgoingStatus.Failed,
        _ => OutgoingStatus.Unknown,
    };
}
