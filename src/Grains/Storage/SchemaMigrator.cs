using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using Splynx.Orleans.Storage.Migrations;

namespace Splynx.Orleans.Storage;

/// <summary>
/// Brings the database up to <see cref="SchemaHistory.All"/>: applies the steps it lacks, each in its
/// own transaction, and refuses to run against a history that was edited after it was applied.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Any constant shared by every host will do: hosts that start together queue on it instead of racing.
    private const long MigrationLockKey = 0x53504C594E58;

    /// <summary>Applies the missing steps and returns them; an up-to-date database returns none and is not written.</summary>
    public async Task<IReadOnlyList<Migration>> ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", MigrationLockKey));
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await ReadAppliedAsync(connection, cancellationToken);
            var pending = new List<Migration>();
            foreach (var migration in SchemaHistory.All.OrderBy(m => m.Version))
            {
                if (!applied.TryGetValue(migration.Version, out var checksum))
                {
                    pending.Add(migration);
                }
                else if (checksum != Checksum(migration))
                {
                    throw new InvalidOperationException(
                        $"Schema step {migration.Version} ('{migration.Name}') differs from the one applied to this database. " +
                        "Applied steps must never be edited: add a new step instead.");
                }
            }

            foreach (var migration in pending)
            {
                await ApplyAsync(connection, migration, cancellationToken);
            }

            return pending;
        }
        finally
        {
            await ExecuteAsync(connection, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", MigrationLockKey));
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, migration.Sql, cancellationToken);
        await ExecuteAsync(connection,
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (@version, @name, @checksum)",
            cancellationToken, ("version", migration.Version), ("name", migration.Name), ("checksum", Checksum(migration)));
        await transaction.CommitAsync(cancellationToken);
        LogApplied(migration.Version, migration.Name);
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Checksum(Migration migration) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(migration.Sql.ReplaceLineEndings("\n"))));

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema step {Version}: {Name}")]
    private partial void LogApplied(int version, string name);
}
