using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Npgsql;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Splynx.Orleans.Tests.Storage;

/// <summary>Runs alone: it measures the allocations of the whole process, which other tests would disturb.</summary>
[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;

[Collection(nameof(AllocationSensitive))]
public sealed class LargeAttachmentTests(ITestOutputHelper output)
{
    private const int AttachmentSize = 20 * 1024 * 1024;

    [Fact]
    public async Task A_20_MB_attachment_is_streamed_into_the_database_without_being_buffered_in_memory()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var dataSource = database.CreateDataSource();
        var store = new PostgresMessageStore(dataSource, NullLogger<PostgresMessageStore>.Instance);
        var content = RandomNumberGenerator.GetBytes(AttachmentSize);
        var message = TestMail.Message();
        var body = new BodyBuilder { TextBody = "The logs you asked for" };
        body.Attachments.Add("logs.bin", content);
        body.Attachments.Add("small.txt", "a small one"u8.ToArray());
        message.Body = body.ToMessageBody();
        var path = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(path))
            {
                await message.WriteToAsync(file);
            }
            // Warm up, so that the measurement does not count what the first call loads once per process.
            await store.StoreAsync([TestMail.Fetched(TestMail.Message(), "warm-up", TestMail.Inbox(1))], default);

            await using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var outcomes = await store.StoreAsync([new FetchedMessage("admin-1", TestMail.Inbox(1), MessageDirection.In, TestMail.InternalDate, raw)], default);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            output.WriteLine($"StoreAsync allocated {allocated:N0} bytes for a {AttachmentSize:N0}-byte attachment");

            var outcome = Assert.Single(outcomes);
            Assert.Equal(StoreOutcomeKind.Stored, outcome.Kind);
            Assert.True(outcome.Summary!.HasAttachments);
            Assert.True(raw.CanRead, "the store must not dispose of the caller's stream");
            // Not even one whole copy of the attachment was made (encoded or decoded): it went from the file to disk to the socket.
            Assert.True(allocated < AttachmentSize / 2, $"StoreAsync allocated {allocated:N0} bytes for a {AttachmentSize:N0}-byte attachment");

            await using var read = dataSource.CreateCommand($"""
                SELECT file_name, size, sha256(content) FROM mail_attachments WHERE message_id = {outcome.Summary.Id} ORDER BY position
                """);
            await using var reader = await read.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("logs.bin", (long)AttachmentSize), (reader.GetString(0), reader.GetInt64(1)));
            Assert.Equal(SHA256.HashData(content), reader.GetFieldValue<byte[]>(2));
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("small.txt", 11L), (reader.GetString(0), reader.GetInt64(1)));
            Assert.Equal(SHA256.HashData("a small one"u8), reader.GetFieldValue<byte[]>(2));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
