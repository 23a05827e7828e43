using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Splynx.Orleans.Storage;
using Splynx.Orleans.Storage.Migrations;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Database;

public sealed class SchemaMigrationTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Migrate_command_twice_succeeds_and_changes_nothing_the_second_time()
    {
        await using var database = await TestDatabase.CreateAsync(migrated: false);
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Postgres"] = database.ConnectionString };

        var first = await ServiceProcess.RunAsync(RepositoryPaths.SiloProgram, environment, CommandTimeout, "migrate");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains($"Applied {SchemaHistory.All.Count} schema step(s)", first.Output, StringComparison.Ordinal);
        var afterFirst = await SchemaSnapshotAsync(database);

        var second = await ServiceProcess.RunAsync(RepositoryPaths.SiloProgram, environment, CommandTimeout, "migrate");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Schema is up to date; nothing applied.", second.Output, StringComparison.Ordinal);
        Assert.Equal(afterFirst, await SchemaSnapshotAsync(database));
    }

    [Fact]
    public async Task Hosts_migrating_at_once_apply_every_step_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrated: false);
        await using var dataSource = database.CreateDataSource();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).ApplyAsync(CancellationToken.None))));

        Assert.Equal(SchemaHistory.All.Count, runs.Sum(applied => applied.Count));
        Assert.Equal(SchemaHistory.All.Count, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task A_database_whose_applied_step_was_edited_is_refused()
    {
        await using var database = await TestDatabase.CreateAsync();
        Assert.Equal(1, await database.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2"));
        await using var dataSource = database.CreateDataSource();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).ApplyAsync(CancellationToken.None));
        Assert.Contains("Schema step 2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Everything the schema consists of, including when each step was applied.</summary>
    private static async Task<string?> SchemaSnapshotAsync(TestDatabase database)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand("""
            SELECT string_agg(item, E'\n' ORDER BY item) FROM (
                SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default) AS item
                  FROM information_schema.columns WHERE table_schema = 'public'
                UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
                UNION ALL SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid))
                  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                UNION ALL SELECT format('query %s %s', querykey, md5(querytext)) FROM orleansquery
                UNION ALL SELECT format('step %s %s %s %s', version, name, checksum, applied_at) FROM schema_migrations
            ) schema
            """);
        return (string?)await command.ExecuteScalarAsync();
    }
}
