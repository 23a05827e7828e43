using Npgsql;
using NpgsqlTypes;

namespace Splynx.Orleans.Mailbox.Presence;

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
        await using var command = dataSource.CreateCommand("""
            SELECT mailbox_id FROM mailbox_presence
            WHERE enabled AND (silo IS NULL OR NOT (silo = ANY (@live)))
            ORDER BY mailbox_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]>("live", [.. liveSilos]));
        return await ReadIdsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Some enabled mailboxes that <paramref name="silo"/> holds, as they last published.</summary>
    public async Task<IReadOnlyList<string>> HeldByAsync(string silo, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT mailbox_id FROM mailbox_presence WHERE enabled AND silo = @silo ORDER BY updated_at DESC LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("silo", silo));
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        return await ReadIdsAsync(command, cancellationToken);
    }

    /// <summary>Presence rows written after <paramref name="since"/>, with the time each was written.</summary>
    public async Task<IReadOnlyList<(MailboxPresenceChange Change, DateTime UpdatedAt)>> ChangedSinceAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT mailbox_id, state, error, error_kind, last_sync_at, silo, updated_at
            FROM mailbox_presence WHERE updated_at > @since ORDER BY updated_at LIMIT 5000
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime>("since", DateTime.SpecifyKind(since, DateTimeKind.Utc)));
        var changes = new List<(MailboxPresenceChange, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add((new MailboxPresenceChange(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc),
                reader.IsDBNull(5) ? null : reader.GetString(5)),
                DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc)));
        }
        return changes;
    }

    /// <summary>Enabled mailboxes per silo address, as the mailboxes last published it.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountBySiloAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT silo, count(*)::integer FROM mailbox_presence WHERE enabled AND silo IS NOT NULL GROUP BY silo
            """);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }
        return counts;
    }

    /// <summary>
    /// One page of every admin's mailbox by login, after the login <paramref name="afterLogin"/>, optionally only
    /// those in one state (an admin whose mailbox never published is <c>disabled</c>).
    /// </summary>
    public async Task<IReadOnlyList<MailboxOverviewRow>> OverviewPageAsync(
        string? state, string? afterLogin, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.id, a.login, a.name, coalesce(p.state, 'disabled'), p.error, p.error_kind, p.last_sync_at, p.silo,
                   (SELECT count(*) FROM mail_messages m WHERE m.mailbox_id = a.id),
                   (SELECT count(*)::integer FROM mail_quarantine q WHERE q.mailbox_id = a.id)
            FROM admins a LEFT JOIN mailbox_presence p ON p.mailbox_id = a.id
            WHERE (@state::text IS NULL OR coalesce(p.state, 'disabled') = @state::text)
              AND (@after::text IS NULL OR lower(a.login) > @after::text)
            ORDER BY lower(a.login)
            LIMIT @limit
            """);
        command.Parameters.Add(new NpgsqlParameter<string?>("state", state) { NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?>("after", afterLogin?.ToLowerInvariant()) { NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        var rows = new List<MailboxOverviewRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new MailboxOverviewRow(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
                reader.GetInt64(8), reader.GetInt32(9),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }
}
