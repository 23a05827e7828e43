using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using static Splynx.Orleans.Tests.Storage.TestMail;

namespace Splynx.Orleans.Tests.Storage;

public sealed class SearchReindexerTests : IAsyncLifetime
{
    private const string Mailbox = "reindex-tests";
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _dataSource = _database.CreateDataSource();
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Mail_indexed_by_the_database_or_not_at_all_is_indexed_again_by_the_current_tokenizer()
    {
        // As the generated column of migration 5 indexed it: the address is one lexeme there.
        await InsertAsync(1, "Invoice overdue", "billing@isp-42.test", """
            setweight(to_tsvector('simple', 'Invoice overdue'), 'A')
            || setweight(to_tsvector('simple', 'billing@isp-42.test ISP Billing'), 'B')
            || to_tsvector('simple', 'Please pay.')
            """);
        // As a silo of the version before stored it during the upgrade: no vector at all.
        await InsertAsync(2, "Outage tonight", "noc@isp-42.test", "NULL");
        var current = Assert.Single(await new PostgresMessageStore(_dataSource, NullLogger<PostgresMessageStore>.Instance)
            .StoreAsync([Fetched(Message(subject: "Stored by this version"), Mailbox, Inbox(3))], default));
        Assert.Equal(StoreOutcomeKind.Stored, current.Kind);
        Assert.Empty(await FindAsync("billing@isp-42.test"));
        Assert.Empty(await FindAsync("outage"));

        var reindexed = await NewReindexer().ReindexAsync(default);

        Assert.Equal(2, reindexed);
        Assert.Equal(["Invoice overdue"], await FindAsync("billing@isp-42.test"));
        Assert.Equal(["Outage tonight"], await FindAsync("outage"));
        Assert.Equal(["Stored by this version"], await FindAsync("\"this version\""));
        Assert.Equal(0L, await _database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE search_version <> {SearchText.Version}"));
        Assert.Equal(0, await NewReindexer().ReindexAsync(default));
    }

    [Fact]
    public async Task A_pass_is_skipped_while_another_silo_holds_it()
    {
        await InsertAsync(1, "Outage tonight", "noc@isp-42.test", "NULL");
        await using var otherSilo = await _dataSource.OpenConnectionAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", otherSilo))
        {
            hold.Parameters.AddWithValue("key", SearchReindexer.LockKey);
            await hold.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, await NewReindexer().ReindexAsync(default));
        Assert.Empty(await FindAsync("outage"));

        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", otherSilo))
        {
            release.Parameters.AddWithValue("key", SearchReindexer.LockKey);
            await release.ExecuteNonQueryAsync();
        }
        Assert.Equal(1, await NewReindexer().ReindexAsync(default));
        Assert.Equal(["Outage tonight"], await FindAsync("outage"));
    }

    private SearchReindexer NewReindexer() => new(_dataSource, TimeProvider.System, NullLogger<SearchReindexer>.Instance);

    private async Task InsertAsync(long uid, string subject, string fromAddress, string searchSql)
    {
        await using var command = _dataSource.CreateCommand($"""
            INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, from_address, subject,
                                       date, internal_date, text_body, has_attachments, raw_size, search)
            VALUES (@mailbox, 'in', 'INBOX', 1, @uid, @uid::text, @from_address, @subject, now(), now(), 'Please pay.', false, 100,
                    {searchSql})
            """);
        command.Parameters.AddWithValue("mailbox", Mailbox);
        command.Parameters.AddWithValue("uid", NpgsqlDbType.Bigint, uid);
        command.Parameters.AddWithValue("from_address", fromAddress);
        command.Parameters.AddWithValue("subject", subject);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string[]> FindAsync(string search)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT coalesce(array_agg(subject ORDER BY subject), '{}') FROM mail_messages WHERE search @@ @query::tsquery
            """);
        command.Parameters.AddWithValue("query", SearchText.Query(search)!);
        return (string[])(await command.ExecuteScalarAsync())!;
    }
}
