using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Splynx.Orleans.Storage;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Bench;

/// <summary>
/// <c>bench inbox</c>: a database of generated messages over many mailboxes (1,000,000 over 1,000 by
/// default, a third paired with 2,000 customers), then the p50/p99 time of an inbox page, a filtered
/// page, a text search and a communication page, each through the service's own queries.
/// </summary>
internal static class InboxBenchmark
{
    private const int Customers = 2_000;
    private const int Samples = 400;
    private const int PageSize = 50;

    public static async Task<int> RunAsync(int messages, int mailboxes)
    {
        var stack = StackSettings.Load();
        var database = "bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(stack["STACK_PG_ADMIN_CONNECTION"]) { Database = database, CommandTimeout = 0 }.ConnectionString;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).ApplyAsync(CancellationToken.None);
            var loading = Stopwatch.StartNew();
            await GenerateAsync(dataSource, messages, mailboxes);
            Console.WriteLine($"Generated {messages:N0} messages over {mailboxes:N0} mailboxes and {Customers:N0} customers in {loading.Elapsed.TotalSeconds:N0} s");

            var queries = new MessageQueries(dataSource);
            var random = new Random(7);
            string Mailbox() => "admin" + random.Next(mailboxes);
            var newest = DateTimeOffset.UtcNow;
            // Warm up the caches once, as a running service would be.
            for (var i = 0; i < 50; i++)
            {
                await queries.InboxAsync(Mailbox(), new InboxFilter(), null, PageSize, default);
            }

            Console.WriteLine();
            Console.WriteLine($"{"query (page of 50)",-34}{"p50",10}{"p99",10}");
            await ReportAsync("inbox page", () => queries.InboxAsync(Mailbox(), new InboxFilter(), null, PageSize, default));
            await ReportAsync("filtered page (unknown, 30 days)", () => queries.InboxAsync(Mailbox(),
                new InboxFilter(AuthorFilter.Unknown, From: newest.AddDays(-30 - random.Next(300)), To: newest.AddDays(-random.Next(30))), null, PageSize, default));
            string[] words = ["router", "invoice", "outage", "speed", "modem", "contract"];
            await ReportAsync("text search", () => queries.InboxAsync(Mailbox(), new InboxFilter(Text: words[random.Next(words.Length)]), null, PageSize, default));
            await ReportAsync("communication page", () => queries.ConversationAsync("c" + (1 + random.Next(Customers)),
                [Mailbox(), Mailbox(), Mailbox()], null, PageSize, default));
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]);
            await admin.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    private static async Task ReportAsync<T>(string name, Func<Task<T>> query)
    {
        var times = new double[Samples];
        for (var i = 0; i < Samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await query();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"{name,-34}{times[Samples / 2],8:N1}ms{times[Samples * 99 / 100],8:N1}ms");
    }

    /// <summary>Set-based generation in the database itself: a third of the mail from or to customers, dates over two years.</summary>
    private static async Task GenerateAsync(NpgsqlDataSource dataSource, int messages, int mailboxes)
    {
        await using (var customers = dataSource.CreateCommand($"""
            INSERT INTO customers (id, name, category)
            SELECT 'c' || i, 'Customer ' || i, CASE WHEN i % 5 = 0 THEN 'lead' ELSE 'customer' END FROM generate_series(1, {Customers}) i;
            INSERT INTO customer_emails (address, customer_id, position)
            SELECT 'customer' || i || '@clients.example', 'c' || i, 1 FROM generate_series(1, {Customers}) i;
            """))
        {
            await customers.ExecuteNonQueryAsync();
        }
        const int Chunk = 100_000;
        for (var low = 1; low <= messages; low += Chunk)
        {
            var high = Math.Min(messages, low + Chunk - 1);
            await using var insert = dataSource.CreateCommand($"""
                INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, message_id,
                                           from_address, from_name, "to", cc, subject, date, internal_date, snippet,
                                           text_body, has_attachments, raw_size, customer_id, search)
                -- The search vector as the silos make it (SearchText gives these lexemes for plain words).
                SELECT m.*, setweight(to_tsvector('simple', m.subject), 'A')
                            || setweight(to_tsvector('simple', m.from_address || ' ' || m.from_name), 'B')
                            || to_tsvector('simple', m.text_body)
                  FROM (
                SELECT 'admin' || (i % {mailboxes}),
                       CASE WHEN i % 7 = 0 THEN 'out' ELSE 'in' END,
                       CASE WHEN i % 7 = 0 THEN 'Sent' ELSE 'INBOX' END, 1, i,
                       'bench-' || i, 'bench-' || i || '@example',
                       CASE WHEN i % 3 = 0 THEN 'customer' || (i % {Customers} + 1) || '@clients.example'
                            ELSE 'sender' || (i % 50000) || '@random.example' END,
                       'Sender ' || (i % 50000), '[]'::jsonb, '[]'::jsonb,
                       w[1 + i % 6] || ' ' || w[1 + (i / 6) % 6] || ' ticket ' || i,
                       now() - (i % 730) * interval '1 day' - (i % 86400) * interval '1 second',
                       now() - (i % 730) * interval '1 day',
                       'Hello, the ' || w[1 + (i / 36) % 6] || ' has a problem again since ' || w[1 + (i / 216) % 6],
                       'Hello, the ' || w[1 + (i / 36) % 6] || ' has a problem again since ' || w[1 + (i / 216) % 6] || '. Regards',
                       i % 10 = 0, 2000 + i % 5000,
                       CASE WHEN i % 3 = 0 THEN 'c' || (i % {Customers} + 1) END
                  FROM generate_series({low}, {high}) i,
                       (SELECT ARRAY['router', 'invoice', 'outage', 'speed', 'modem', 'contract'] AS w) words
                       ) AS m (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, message_id, from_address, from_name,
                               to_list, cc_list, subject, date, internal_date, snippet, text_body, has_attachments, raw_size,
                               customer_id)
                """);
            await insert.ExecuteNonQueryAsync();
            Console.Write($"\r  {high:N0} messages");
        }
        Console.WriteLine();
        await using var analyze = dataSource.CreateCommand("VACUUM ANALYZE mail_messages");
        await analyze.ExecuteNonQueryAsync();
    }
}
