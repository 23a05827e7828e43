using Dapper;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Mailboxes;

/// <summary>The SQL of <c>mailbox_presence</c>: mailboxes publish into it, failover and the overview read it.</summary>
public sealed class MailboxPresenceStore(NpgsqlDataSource dataSource)
{
    /// <summary>The state words of the API, which the table stores as they are.</summary>
    public static string StateWord(MailboxState state) => state.ToString().ToLowerInvariant();

    public static string? KindWord(MailErrorKind? kind) => kind?.ToString().ToLowerInvariant();

    /// <summary>Writes the latest presence of many mailboxes in one statement (the newest per mailbox wins).</summary>
    public async Task UpsertAsync(IReadOnlyCollection<MailboxPresence> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand("""
            INSERT INTO mailbox_presence (mailbox_id, enabled, silo, state, error, error_kind, last_sync_at, updated_at)
            SELECT * , now() FROM unnest(@ids, @enabled, @silos, @states, @errors, @kinds, @synced)
            ON CONFLICT (mailbox_id) DO UPDATE SET
                enabled = excluded.enabled, silo = excluded.silo, state = excluded.state, error = excluded.error,
                error_kind = excluded.error_kind, last_sync_at = coalesce(excluded.last_sync_at, mailbox_presence.last_sync_at),
                updated_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. rows.Select(row => row.MailboxId)]));
        command.Parameters.Add(new NpgsqlParameter<bool[]>("enabled", [.. rows.Select(row => row.Enabled)]));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("silos", [.. rows.Select(row => row.Silo)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("states", [.. rows.Select(row => StateWord(row.State))]));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("errors", [.. rows.Select(row => row.Error)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?[]>("kinds", [.. rows.Select(row => KindWord(row.ErrorKind))]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime?[]>("synced", [.. rows.Select(row => row.LastSyncAt)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Enabled mailboxes last held by a silo that is not among <paramref name="liveSilos"/> (or by none).</summary>
    public async Task<IReadOnlyList<string>> OrphansAsync(IReadOnlyCollection<string> liveSilos, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT mailbox_id FROM mailbox_presence
            WHERE enabled AND (silo IS NULL OR NOT (silo = ANY (@live)))
            ORDER BY mailbox_id
            """, new { live = liveSilos.ToArray() }, cancellationToken: cancellationToken))];
    }

    /// <summary>Some enabled mailboxes that <paramref name="silo"/> holds, as they last published.</summary>
    public async Task<IReadOnlyList<string>> HeldByAsync(string silo, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT mailbox_id FROM mailbox_presence WHERE enabled AND silo = @silo ORDER BY updated_at DESC LIMIT @limit
            """, new { silo, limit }, cancellationToken: cancellationToken))];
    }

    /// <summary>Presence rows written after <paramref name="since"/>, with the time each was written.</summary>
    public async Task<IReadOnlyList<(MailboxPresenceChange Change, DateTime UpdatedAt)>> ChangedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changes = await connection.QueryAsync<MailboxPresenceChange, DateTime, (MailboxPresenceChange, DateTime)>(new CommandDefinition("""
                SELECT mailbox_id AS adminid, state, error, error_kind AS errorkind, last_sync_at AS lastsyncat, silo, updated_at
                FROM mailbox_presence WHERE updated_at > @since ORDER BY updated_at LIMIT 5000
                """, new { since = DateTime.SpecifyKind(since, DateTimeKind.Utc) }, cancellationToken: cancellationToken),
            (change, updatedAt) => (change, updatedAt), splitOn: "updated_at");
        return [.. changes];
    }

    /// <summary>Enabled mailboxes per silo address, as the mailboxes last published it.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountBySiloAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QueryAsync<(string Silo, int Count)>(new CommandDefinition("""
            SELECT silo, count(*)::integer FROM mailbox_presence WHERE enabled AND silo IS NOT NULL GROUP BY silo
            """, cancellationToken: cancellationToken));
        return counts.ToDictionary(row => row.Silo, row => row.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// One page of every admin's mailbox by login, after the login <paramref name="afterLogin"/>, optionally only
    /// those in one state (an admin whose mailbox never published is <c>disabled</c>).
    /// </summary>
    public async Task<IReadOnlyList<MailboxOverviewRow>> OverviewPageAsync(
        string? state, string? afterLogin, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<MailboxOverviewRow>(new CommandDefinition("""
            SELECT a.id AS adminid, a.login, a.name, coalesce(p.state, 'disabled') AS state, p.error, p.error_kind AS errorkind,
                   p.last_sync_at AS lastsyncat,
                   (SELECT count(*) FROM mail_messages m WHERE m.mailbox_id = a.id) AS messages,
                   (SELECT count(*)::integer FROM mail_quarantine q WHERE q.mailbox_id = a.id) AS quarantined,
                   p.silo
            FROM admins a LEFT JOIN mailbox_presence p ON p.mailbox_id = a.id
            WHERE (@state::text IS NULL OR coalesce(p.state, 'disabled') = @state::text)
              AND (@after::text IS NULL OR lower(a.login) > @after::text)
            ORDER BY lower(a.login)
            LIMIT @limit
            """, new { state, after = afterLogin?.ToLowerInvariant(), limit }, cancellationToken: cancellationToken))];
    }
}
