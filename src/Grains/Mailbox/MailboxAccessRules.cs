using Microsoft.Extensions.Configuration;
using Npgsql;
using NpgsqlTypes;

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
        await using var command = dataSource.CreateCommand("""
            SELECT mailbox_id FROM mailbox_access
             WHERE @admin = ANY(delegates)
               AND (NOT @require_own OR EXISTS (SELECT 1 FROM mailbox_access own
                                                 WHERE own.mailbox_id = @admin AND own.imap_configured))
             ORDER BY mailbox_id
            """);
        command.Parameters.AddWithValue("admin", NpgsqlDbType.Text, adminId);
        command.Parameters.AddWithValue("require_own", NpgsqlDbType.Boolean, _requireOwnMailbox);
        var mailboxes = new List<string> { adminId };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            mailboxes.Add(reader.GetString(0));
        }
        return mailboxes;
    }

    /// <summary>The admins who may read a mailbox besides its owner (SignalR groups follow it).</summary>
    public async Task<IReadOnlyList<string>> ReadersAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT d FROM mailbox_access m, unnest(m.delegates) AS d
             WHERE m.mailbox_id = @mailbox
               AND (NOT @require_own OR EXISTS (SELECT 1 FROM mailbox_access own WHERE own.mailbox_id = d AND own.imap_configured))
            """);
        command.Parameters.AddWithValue("mailbox", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("require_own", NpgsqlDbType.Boolean, _requireOwnMailbox);
        var readers = new List<string> { mailboxId };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            readers.Add(reader.GetString(0));
        }
        return readers;
    }

    internal async Task RecordAsync(string mailboxId, bool imapConfigured, IReadOnlyList<string> delegates, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO mailbox_access (mailbox_id, imap_configured, delegates) VALUES (@mailbox, @configured, @delegates)
            ON CONFLICT (mailbox_id) DO UPDATE SET imap_configured = EXCLUDED.imap_configured, delegates = EXCLUDED.delegates
            """);
        command.Parameters.AddWithValue("mailbox", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("configured", NpgsqlDbType.Boolean, imapConfigured);
        command.Parameters.AddWithValue("delegates", NpgsqlDbType.Array | NpgsqlDbType.Text,
            delegates.Where(id => id != mailboxId).Distinct().ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
