using System.Data;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// <see cref="IMessageStore"/> on the <c>mail_*</c> tables of <see cref="Migrations.MessagesSchema"/>. A batch is
/// parsed first, without a connection, then written in one transaction, so that the caller learns either every
/// outcome, all committed, or an exception and nothing.
/// </summary>
public sealed partial class PostgresMessageStore(NpgsqlDataSource dataSource, ILogger<PostgresMessageStore> logger) : IMessageStore
{
    // A quarantined message keeps its raw bytes up to this size, for the owner to look at or retry.
    private const long QuarantineRawLimit = 50L * 1024 * 1024;

    public async Task<IReadOnlyList<StoreOutcome>> StoreAsync(IReadOnlyList<FetchedMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return [];
        }
        var parsed = new ParsedMessage?[messages.Count];
        var errors = new string?[messages.Count];
        try
        {
            // Parsing is pure CPU on local copies of the messages: use every core while the connection waits.
            await Parallel.ForAsync(0, messages.Count, cancellationToken, async (i, token) =>
            {
                try
                {
                    parsed[i] = await MessageParser.ParseAsync(messages[i], token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    errors[i] = $"The message cannot be parsed: {exception.Message}";
                }
            });

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var (written, refused) = await new MessageBatchWriter(connection).WriteAsync([.. parsed.OfType<ParsedMessage>()], cancellationToken);
            foreach (var (message, error) in refused)
            {
                errors[Array.IndexOf(parsed, message)] = error;
            }

            var outcomes = new StoreOutcome[messages.Count];
            for (var i = 0; i < messages.Count; i++)
            {
                var (message, location) = (messages[i], messages[i].Location);
                if (errors[i] is { } error)
                {
                    await UpsertQuarantineAsync(connection, message.MailboxId, location, parsed[i]?.Subject, error, message.Raw, cancellationToken);
                    outcomes[i] = new StoreOutcome(StoreOutcomeKind.Quarantined, location, null, error);
                }
                else
                {
                    outcomes[i] = written[parsed[i]!];
                }
            }
            await transaction.CommitAsync(cancellationToken);

            foreach (var (message, outcome) in messages.Zip(outcomes).Where(o => o.Second.Kind == StoreOutcomeKind.Quarantined))
            {
                LogQuarantined(message.MailboxId, message.Location.Folder, message.Location.Uid, outcome.Error);
            }
            return outcomes;
        }
        finally
        {
            foreach (var message in parsed)
            {
                message?.Dispose();
            }
        }
    }

    public Task<IReadOnlySet<long>> KnownUidsAsync(string mailboxId, string folder, long uidValidity,
        IReadOnlyCollection<long> uids, CancellationToken cancellationToken) =>
        ReadUidsAsync("""
            SELECT uid FROM mail_messages
             WHERE mailbox_id = @mailbox_id AND folder = @folder AND uid_validity = @uid_validity AND uid = ANY(@uids)
            UNION
            SELECT uid FROM mail_quarantine
             WHERE mailbox_id = @mailbox_id AND folder = @folder AND uid_validity = @uid_validity AND uid = ANY(@uids)
            """, mailboxId, folder, uidValidity, uids, cancellationToken);

    public Task<IReadOnlySet<long>> StoredUidsAsync(string mailboxId, string folder, long uidValidity,
        IReadOnlyCollection<long> uids, CancellationToken cancellationToken) =>
        ReadUidsAsync("""
            SELECT uid FROM mail_messages
             WHERE mailbox_id = @mailbox_id AND folder = @folder AND uid_validity = @uid_validity AND uid = ANY(@uids)
            """, mailboxId, folder, uidValidity, uids, cancellationToken);

    private async Task<IReadOnlySet<long>> ReadUidsAsync(string sql, string mailboxId, string folder, long uidValidity,
        IReadOnlyCollection<long> uids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("folder", NpgsqlDbType.Text, folder);
        command.Parameters.AddWithValue("uid_validity", NpgsqlDbType.Bigint, uidValidity);
        command.Parameters.AddWithValue("uids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, uids.ToArray());
        var found = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetInt64(0));
        }
        return found;
    }

    public async Task<long> CountAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM mail_messages WHERE mailbox_id = @mailbox_id");
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<MessageSummary?> GetSummaryAsync(string mailboxId, string messageId, CancellationToken cancellationToken)
    {
        if (ParseId(messageId) is not { } id)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand($"""
            SELECT {MessageSummaryReader.Columns("m")} FROM mail_messages m WHERE m.mailbox_id = @mailbox_id AND m.id = @id
            """);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? MessageSummaryReader.Read(reader) : null;
    }

    public async Task<bool> DeleteAsync(string mailboxId, string messageId, CancellationToken cancellationToken)
    {
        if (ParseId(messageId) is not { } id)
        {
            return false;
        }
        // One statement, so the row and its tombstone change together.
        await using var command = dataSource.CreateCommand("""
            WITH deleted AS (
                DELETE FROM mail_messages WHERE mailbox_id = @mailbox_id AND id = @id
                RETURNING mailbox_id, direction, dedupe_key, content_key),
            tombstoned AS (
                INSERT INTO mail_tombstones (mailbox_id, direction, dedupe_key, content_key)
                SELECT mailbox_id, direction, dedupe_key, content_key FROM deleted
                ON CONFLICT DO NOTHING)
            SELECT count(*) FROM deleted
            """);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    public async Task<IReadOnlyList<string>> DeleteFromSenderAsync(string mailboxId, string addressOrDomain, CancellationToken cancellationToken)
    {
        var (address, domain) = SenderPattern(addressOrDomain);
        // The domain is what follows the last '@'; a domain matches itself and every subdomain.
        await using var command = dataSource.CreateCommand("""
            WITH deleted AS (
                DELETE FROM mail_messages m
                 WHERE m.mailbox_id = @mailbox_id
                   AND ((@address <> '' AND m.from_address = @address)
                        OR (@domain <> '' AND (regexp_replace(m.from_address, '^.*@', '') = @domain
                                               OR right(m.from_address, length(@domain) + 1) = '.' || @domain)))
                RETURNING id, mailbox_id, direction, dedupe_key, content_key),
            tombstoned AS (
                INSERT INTO mail_tombstones (mailbox_id, direction, dedupe_key, content_key)
                SELECT mailbox_id, direction, dedupe_key, content_key FROM deleted
                ON CONFLICT DO NOTHING)
            SELECT id FROM deleted ORDER BY id
            """);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("address", NpgsqlDbType.Text, address);
        command.Parameters.AddWithValue("domain", NpgsqlDbType.Text, domain);
        var removed = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            removed.Add(FormatId(reader.GetInt64(0)));
        }
        return removed;
    }

    public async Task<IReadOnlyList<QuarantinedMessage>> QuarantineAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, folder, uid, subject, error, at FROM mail_quarantine
             WHERE mailbox_id = @mailbox_id
             ORDER BY at DESC, id DESC
            """);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        var entries = new List<QuarantinedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new QuarantinedMessage(FormatId(reader.GetInt64(0)), reader.GetString(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTime>(5)));
        }
        return entries;
    }

    public async Task<int> QuarantineCountAsync(string mailboxId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*)::integer FROM mail_quarantine WHERE mailbox_id = @mailbox_id");
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Copies the bytes into a temporary file that deletes itself when disposed: a seekable stream that
    /// <see cref="StoreAsync"/> accepts on retry, without holding a large message in memory or a connection open.
    /// </summary>
    public async Task<Stream?> OpenQuarantinedRawAsync(string mailboxId, string quarantineId, CancellationToken cancellationToken)
    {
        if (ParseId(quarantineId) is not { } id)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT raw FROM mail_quarantine WHERE mailbox_id = @mailbox_id AND id = @id AND raw IS NOT NULL
            """);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"splynx-quarantined-{Guid.NewGuid():N}.eml"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (var raw = await reader.GetStreamAsync(0, cancellationToken))
            {
                await raw.CopyToAsync(file, cancellationToken);
            }
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public async Task QuarantineAsync(string mailboxId, ServerLocation location, string? subject, string error, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await UpsertQuarantineAsync(connection, mailboxId, location, subject, error, raw: null, cancellationToken);
        LogQuarantined(mailboxId, location.Folder, location.Uid, error);
    }

    public async Task<bool> DropQuarantinedAsync(string mailboxId, string quarantineId, CancellationToken cancellationToken)
    {
        if (ParseId(quarantineId) is not { } id)
        {
            return false;
        }
        await using var command = dataSource.CreateCommand("DELETE FROM mail_quarantine WHERE mailbox_id = @mailbox_id AND id = @id");
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// One entry per location: failing again updates it. Raw bytes are streamed from the fetched message
    /// (when not too large); a failure without bytes keeps the ones an earlier failure left.
    /// </summary>
    private static async Task UpsertQuarantineAsync(NpgsqlConnection connection, string mailboxId, ServerLocation location,
        string? subject, string error, Stream? raw, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO mail_quarantine (mailbox_id, folder, uid_validity, uid, subject, error, raw)
            VALUES (@mailbox_id, @folder, @uid_validity, @uid, @subject, @error, @raw)
            ON CONFLICT (mailbox_id, folder, uid_validity, uid) DO UPDATE
               SET subject = coalesce(EXCLUDED.subject, mail_quarantine.subject),
                   error = EXCLUDED.error,
                   at = now(),
                   raw = coalesce(EXCLUDED.raw, mail_quarantine.raw)
            """, connection);
        command.Parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("folder", NpgsqlDbType.Text, location.Folder);
        command.Parameters.AddWithValue("uid_validity", NpgsqlDbType.Bigint, location.UidValidity);
        command.Parameters.AddWithValue("uid", NpgsqlDbType.Bigint, location.Uid);
        command.Parameters.AddWithValue("subject", NpgsqlDbType.Text, (object?)DatabaseText.Clean(subject) ?? DBNull.Value);
        command.Parameters.AddWithValue("error", NpgsqlDbType.Text, DatabaseText.Clean(error)!);
        var keepRaw = raw is { CanSeek: true } && raw.Length <= QuarantineRawLimit;
        if (keepRaw)
        {
            raw!.Position = 0;
        }
        command.Parameters.AddWithValue("raw", NpgsqlDbType.Bytea, keepRaw ? raw! : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary><c>user@example.com</c> is that address; <c>example.com</c> (or <c>@example.com</c>) that domain.</summary>
    private static (string Address, string Domain) SenderPattern(string addressOrDomain)
    {
        var value = addressOrDomain.Trim().ToLowerInvariant();
        if (value.StartsWith('@'))
        {
            value = value[1..];
        }
        else if (value.Contains('@', StringComparison.Ordinal))
        {
            return (value, "");
        }
        if (value.Length == 0 || value.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{addressOrDomain}' is not an address or a domain.", nameof(addressOrDomain));
        }
        return ("", value);
    }

    private static long? ParseId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string FormatId(long id) => id.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined message {Uid} of {Folder} in mailbox {MailboxId}: {Error}")]
    private partial void LogQuarantined(string mailboxId, string folder, long uid, string? error);
}
