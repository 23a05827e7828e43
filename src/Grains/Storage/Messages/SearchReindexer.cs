using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// Brings every stored message's search vector to the current tokenizer (<see cref="SearchText.Version"/>):
/// mail stored before the silos computed vectors, and mail a silo of an older version stored during a
/// rolling upgrade. Runs on every silo, one at a time (an advisory lock), at start and then periodically,
/// in small batches so that it never holds up the imports.
/// </summary>
internal sealed partial class SearchReindexer(NpgsqlDataSource dataSource, TimeProvider time, ILogger<SearchReindexer> logger)
    : BackgroundService
{
    private const int BatchSize = 200;

    // Another pass picks up what silos of an older version stored since (there are none once an upgrade is over).
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);

    // Only one silo of the cluster re-indexes at a time; the others skip the pass.
    internal const long LockKey = 0x53504C5345415243;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                var reindexed = await ReindexAsync(stoppingToken);
                if (reindexed > 0)
                {
                    LogReindexed(reindexed, SearchText.Version);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over every stale message; how many it re-indexed (0 as well when another silo holds the pass).</summary>
    public async Task<int> ReindexAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
        {
            tryLock.Parameters.AddWithValue("key", LockKey);
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }
        try
        {
            var total = 0;
            while (await ReindexBatchAsync(connection, cancellationToken) is var count and > 0)
            {
                total += count;
            }
            return total;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", LockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task<int> ReindexBatchAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var ids = new List<long>(BatchSize);
        var vectors = new List<NpgsqlTsVector>(BatchSize);
        // The literal bound matches the partial index mail_messages_search_stale, so the lookup uses it.
        await using (var stale = new NpgsqlCommand($"""
            SELECT id, subject, from_address, from_name, text_body
              FROM mail_messages
             WHERE search_version < {SearchText.Version}
             ORDER BY id
             LIMIT {BatchSize}
            """, connection))
        await using (var reader = await stale.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
                vectors.Add(SearchText.Document(
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }
        if (ids.Count == 0)
        {
            return 0;
        }
        // A message changed or deleted meanwhile is simply not updated; one still stale is taken up again.
        await using var update = new NpgsqlCommand($"""
            UPDATE mail_messages m
               SET search = u.search, search_version = {SearchText.Version}
              FROM unnest(@ids, @vectors) AS u (id, search)
             WHERE m.id = u.id AND m.search_version < {SearchText.Version}
            """, connection);
        update.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, ids);
        update.Parameters.AddWithValue("vectors", NpgsqlDbType.Array | NpgsqlDbType.TsVector, vectors);
        await update.ExecuteNonQueryAsync(cancellationToken);
        return ids.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search vectors of {Count} message(s) computed again (tokenizer version {Version})")]
    private partial void LogReindexed(int count, short version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-indexing search vectors failed; the next pass tries again")]
    private partial void LogFailed(Exception exception);
}
