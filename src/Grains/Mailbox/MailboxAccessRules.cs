using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// Who may read a mailbox (S6, C4), in one place for REST and SignalR: its owner, and the admins in its
/// access list; with <c>Access:RequireOwnMailbox</c> (the default) only delegates who have IMAP
/// configured themselves. Nobody else. The mailbox grains record their access lists here as they change.
/// </summary>
public sealed class MailboxAccessRules(NpgsqlDataSource dataSource, IConfiguration configuration)
{
    private readonly bool _requireOwnMailbox = configuration.GetValue("Access:RequireOwnMailbox", true);

    public async Task<bool> CanReadAsync(string adminId, string mailboxId, CancellationToken cancellationToken) =>
        adminId == mailboxId || (await ReadableMailboxesAsync(adminId, cancellationToken)).Contains(mailboxId);

    /// <summary>The mailboxes an admin may read: their own first, then those delegated to them.</summary>
    public async Task<IReadOnlyList<string>> ReadableMailboxesAsync(string adminId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var delegated = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT mailbox_id FROM mailbox_access
             WHERE @adminId = ANY(delegates)
               AND (NOT @requireOwn OR EXISTS (SELECT 1 FROM mailbox_access own
                                                WHERE own.mailbox_id = @adminId AND own.imap_configured))
             ORDER BY mailbox_id
            """, new { adminId, requireOwn = _requireOwnMailbox }, cancellationToken: cancellationToken));
        return [adminId, .. delegated];
    }

    /// <summary>The admins who may read a mailbox besides its owner (SignalR groups follow it).</summary>
    public async Task<IReadOnlyList<string>> ReadersAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var delegates = await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT d FROM mailbox_access m, unnest(m.delegates) AS d
             WHERE m.mailbox_id = @mailboxId
               AND (NOT @requireOwn OR EXISTS (SELECT 1 FROM mailbox_access own WHERE own.mailbox_id = d AND own.imap_configured))
            """, new { mailboxId, requireOwn = _requireOwnMailbox }, cancellationToken: cancellationToken));
        return [mailboxId, .. delegates];
    }

    internal async Task RecordAsync(string mailboxId, bool imapConfigured, IReadOnlyList<string> delegates, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO mailbox_access (mailbox_id, imap_configured, delegates) VALUES (@mailboxId, @imapConfigured, @delegates)
            ON CONFLICT (mailbox_id) DO UPDATE SET imap_configured = EXCLUDED.imap_configured, delegates = EXCLUDED.delegates
            """, new { mailboxId, imapConfigured, delegates = delegates.Where(id => id != mailboxId).Distinct().ToArray() },
            cancellationToken: cancellationToken));
    }
}
