using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Npgsql;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using static Splynx.Orleans.Tests.Storage.TestMail;

namespace Splynx.Orleans.Tests.Storage;

public sealed class MessageStoreTests : IAsyncLifetime
{
    private const string Mailbox = "admin-1";
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;
    private PostgresMessageStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _dataSource = _database.CreateDataSource();
        _store = new PostgresMessageStore(_dataSource, NullLogger<PostgresMessageStore>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Storing_the_same_location_again_is_a_duplicate_of_the_one_row()
    {
        var raw = Bytes(Message());

        var first = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1)));
        var again = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1)));

        Assert.Equal(StoreOutcomeKind.Stored, first.Kind);
        Assert.True(first.IsCommitted);
        Assert.Equal(StoreOutcomeKind.Duplicate, again.Kind);
        Assert.True(again.IsCommitted);
        Assert.Equal(first.Summary!.Id, again.Summary!.Id);
        Assert.Equal(1, await _store.CountAsync(Mailbox, default));
    }

    [Fact]
    public async Task The_same_message_at_a_new_uidvalidity_is_a_duplicate_and_the_row_moves_there()
    {
        var raw = Bytes(Message());
        var stored = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(5, uidValidity: 100)));

        var found = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(2, uidValidity: 200)));

        Assert.Equal(StoreOutcomeKind.Duplicate, found.Kind);
        Assert.Equal(stored.Summary!.Id, found.Summary!.Id);
        Assert.Equal(1, await _store.CountAsync(Mailbox, default));
        Assert.Empty(await _store.KnownUidsAsync(Mailbox, "INBOX", 100, [5], default));
        Assert.Equal([2L], await _store.KnownUidsAsync(Mailbox, "INBOX", 200, [1, 2, 3], default));
    }

    [Fact]
    public async Task A_message_without_message_id_is_recognised_by_its_content()
    {
        var message = Message();
        message.Headers.Remove(HeaderId.MessageId);
        var raw = Bytes(message);
        var other = Message(subject: "Another subject");
        other.Headers.Remove(HeaderId.MessageId);

        var stored = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1, uidValidity: 7)));
        var again = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(9, uidValidity: 8)));
        var different = await StoreOneAsync(Fetched(other, Mailbox, Inbox(10, uidValidity: 8)));

        Assert.Equal(StoreOutcomeKind.Stored, stored.Kind);
        Assert.Equal(StoreOutcomeKind.Duplicate, again.Kind);
        Assert.Equal(stored.Summary!.Id, again.Summary!.Id);
        Assert.Equal(StoreOutcomeKind.Stored, different.Kind);
    }

    [Fact]
    public async Task Different_messages_sharing_a_message_id_are_each_stored_as_themselves()
    {
        // A list copy with its own footer, and an autoresponder that reuses the Message-ID of the mail it answers.
        var original = Message(subject: "Invoice 2025-0931 - wrong amount", text: "Our invoice shows 412.00 instead of 289.00.");
        var listCopy = Message(subject: "[billing] Invoice 2025-0931 - wrong amount", text: "Our invoice shows 412.00 instead of 289.00.\n-- \nbilling list");
        var autoReply = Message(subject: "Automatic reply: Invoice 2025-0931", text: "I am out of the office until 27 October.");
        listCopy.MessageId = autoReply.MessageId = original.MessageId!;

        var outcomes = await _store.StoreAsync(
            [Fetched(original, Mailbox, Inbox(1)), Fetched(listCopy, Mailbox, Inbox(2)), Fetched(autoReply, Mailbox, Inbox(3))], default);

        Assert.All(outcomes, outcome => Assert.Equal(StoreOutcomeKind.Stored, outcome.Kind));
        Assert.Equal(3, outcomes.Select(outcome => outcome.Summary!.Id).Distinct().Count());
        Assert.Equal([(1L, "Invoice 2025-0931 - wrong amount"), (2L, "[billing] Invoice 2025-0931 - wrong amount"), (3L, "Automatic reply: Invoice 2025-0931")],
            await SubjectsByUidAsync());
    }

    [Fact]
    public async Task Messages_without_message_id_sharing_sender_date_and_subject_but_not_their_text_are_each_stored()
    {
        // Two alerts of a monitoring system in the same second: same sender, recipient, date and subject, other hosts.
        var first = Message(subject: "PROBLEM: Interface down", text: "Host: olt-north-01");
        var second = Message(subject: "PROBLEM: Interface down", text: "Host: olt-south-02");
        first.Headers.Remove(HeaderId.MessageId);
        second.Headers.Remove(HeaderId.MessageId);

        var one = await StoreOneAsync(Fetched(first, Mailbox, Inbox(1)));
        var other = await StoreOneAsync(Fetched(second, Mailbox, Inbox(2)));

        Assert.Equal(StoreOutcomeKind.Stored, one.Kind);
        Assert.Equal(StoreOutcomeKind.Stored, other.Kind);
        Assert.NotEqual(one.Summary!.Id, other.Summary!.Id);
        Assert.Equal("Host: olt-north-01", (await _store.GetSummaryAsync(Mailbox, one.Summary.Id, default))!.Snippet);
        Assert.Equal("Host: olt-south-02", (await _store.GetSummaryAsync(Mailbox, other.Summary.Id, default))!.Snippet);
    }

    [Fact]
    public async Task Batches_committed_out_of_order_keep_each_uid_with_its_own_content()
    {
        // The later batch (UID 2) commits before the earlier one (UID 1); both messages carry the same Message-ID.
        var earlier = Message(subject: "fetched first", text: "the first message");
        var later = Message(subject: "fetched second", text: "the second message");
        later.MessageId = earlier.MessageId!;

        await StoreOneAsync(Fetched(later, Mailbox, Inbox(2)));
        var outcome = await StoreOneAsync(Fetched(earlier, Mailbox, Inbox(1)));

        Assert.Equal(StoreOutcomeKind.Stored, outcome.Kind);
        Assert.Equal("fetched first", outcome.Summary!.Subject);
        Assert.Equal([(1L, "fetched first"), (2L, "fetched second")], await SubjectsByUidAsync());
    }

    [Fact]
    public async Task A_copy_with_other_line_endings_and_trace_fields_added_on_delivery_is_the_same_message()
    {
        var message = Message(text: "line one\nline two");
        message.Headers.Remove(HeaderId.MessageId);
        var lf = Encoding.UTF8.GetString(Bytes(message)).ReplaceLineEndings("\n");
        var delivered = "Return-Path: <alice@example.com>\r\nDelivered-To: bob@example.test\r\n" +
            "Received: from mx.example.com by mx.example.test with ESMTPS id 4Rk2;\r\n\tTue, 4 Mar 2025 10:30:01 +0000\r\n" +
            lf.ReplaceLineEndings("\r\n") + "\r\n";

        var stored = await StoreOneAsync(Fetched(Encoding.UTF8.GetBytes(lf), Mailbox, Inbox(1, uidValidity: 1)));
        var copy = await StoreOneAsync(Fetched(Encoding.UTF8.GetBytes(delivered), Mailbox, Inbox(7, uidValidity: 2)));

        Assert.Equal(StoreOutcomeKind.Stored, stored.Kind);
        Assert.Equal(StoreOutcomeKind.Duplicate, copy.Kind);
        Assert.Equal(stored.Summary!.Id, copy.Summary!.Id);
        Assert.Equal(1, await _store.CountAsync(Mailbox, default));
    }

    [Fact]
    public async Task A_message_whose_only_header_field_is_its_content_type_is_stored()
    {
        var raw = "Content-Type: text/plain; charset=us-ascii\r\n\r\nUPS on site pop-east-03 switched to battery at 04:12.\r\n"u8.ToArray();

        var outcome = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1)));

        Assert.True(outcome.Kind == StoreOutcomeKind.Stored, outcome.Error);
        Assert.Equal("UPS on site pop-east-03 switched to battery at 04:12.", outcome.Summary!.Snippet);
        Assert.Equal(0, await _store.QuarantineCountAsync(Mailbox, default));
    }

    [Fact]
    public async Task A_row_stored_before_messages_were_keyed_by_content_is_recognised_at_a_new_uidvalidity()
    {
        // As the previous schema's writer left it: keyed by Message-ID.
        var message = Message(subject: "stored by an older silo");
        await _database.ExecuteAsync($"""
            INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, message_id, from_address,
                                       subject, date, internal_date, has_attachments, raw_size)
            VALUES ('{Mailbox}', 'in', 'INBOX', 1, 5, '{message.MessageId}', '{message.MessageId}', 'alice@example.com',
                    'stored by an older silo', now(), now(), false, 100)
            """);

        var other = Message(subject: "another message, same id");
        other.MessageId = message.MessageId!;

        // Within the folder and UIDVALIDITY the old row was stored from, another UID is another message...
        var sameFolderOtherUid = await StoreOneAsync(Fetched(other, Mailbox, Inbox(6, uidValidity: 1)));
        // ...while after a UIDVALIDITY change the old key is all there is to recognise the message by.
        var resynced = await StoreOneAsync(Fetched(message, Mailbox, Inbox(2, uidValidity: 9)));

        Assert.Equal(StoreOutcomeKind.Stored, sameFolderOtherUid.Kind);
        Assert.Equal(StoreOutcomeKind.Duplicate, resynced.Kind);
        Assert.Equal("stored by an older silo", resynced.Summary!.Subject);
        Assert.Equal(2, await _store.CountAsync(Mailbox, default));
    }

    [Fact]
    public async Task The_same_message_in_both_directions_is_stored_twice()
    {
        var raw = Bytes(Message());

        var received = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1)));
        var sent = await StoreOneAsync(Fetched(raw, Mailbox, new ServerLocation("Sent", 1, 1), MessageDirection.Out));

        Assert.Equal(StoreOutcomeKind.Stored, received.Kind);
        Assert.Equal(StoreOutcomeKind.Stored, sent.Kind);
        Assert.Equal(MessageDirection.Out, sent.Summary!.Direction);
    }

    [Fact]
    public async Task A_deleted_message_never_comes_back_even_at_a_new_location()
    {
        var raw = Bytes(Message());
        var stored = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1, uidValidity: 1)));

        Assert.True(await _store.DeleteAsync(Mailbox, stored.Summary!.Id, default));
        var sameLocation = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(1, uidValidity: 1)));
        var newLocation = await StoreOneAsync(Fetched(raw, Mailbox, Inbox(40, uidValidity: 2)));

        Assert.Equal(StoreOutcomeKind.Tombstoned, sameLocation.Kind);
        Assert.Equal(StoreOutcomeKind.Tombstoned, newLocation.Kind);
        Assert.False(newLocation.IsCommitted);
        Assert.Equal(0, await _store.CountAsync(Mailbox, default));
        Assert.Null(await _store.GetSummaryAsync(Mailbox, stored.Summary.Id, default));
        Assert.False(await _store.DeleteAsync(Mailbox, stored.Summary.Id, default));
    }

    [Fact]
    public async Task A_message_of_another_mailbox_cannot_be_read_or_deleted()
    {
        var stored = await StoreOneAsync(Fetched(Message(), Mailbox, Inbox(1)));

        Assert.Null(await _store.GetSummaryAsync("someone-else", stored.Summary!.Id, default));
        Assert.False(await _store.DeleteAsync("someone-else", stored.Summary.Id, default));
        Assert.Null(await _store.GetSummaryAsync(Mailbox, "not-an-id", default));
        Assert.NotNull(await _store.GetSummaryAsync(Mailbox, stored.Summary.Id, default));
    }

    [Fact]
    public async Task An_unparsable_message_is_quarantined_with_its_bytes_and_the_rest_of_the_batch_is_stored()
    {
        var garbage = Encoding.ASCII.GetBytes("This is not a message at all\r\nnor a header line\r\n");
        var empty = Array.Empty<byte>();

        var outcomes = await _store.StoreAsync(
            [Fetched(garbage, Mailbox, Inbox(1)), Fetched(empty, Mailbox, Inbox(2)), Fetched(Message(), Mailbox, Inbox(3))], default);

        Assert.Equal([StoreOutcomeKind.Quarantined, StoreOutcomeKind.Quarantined, StoreOutcomeKind.Stored], outcomes.Select(o => o.Kind));
        Assert.Contains("cannot be parsed", outcomes[0].Error, StringComparison.Ordinal);
        Assert.False(outcomes[0].IsCommitted);
        var quarantine = await _store.QuarantineAsync(Mailbox, default);
        Assert.Equal(2, quarantine.Count);
        Assert.Equal(2, await _store.QuarantineCountAsync(Mailbox, default));
        var entry = Assert.Single(quarantine, q => q.Uid == 1);
        Assert.Equal("INBOX", entry.Folder);
        Assert.Equal(outcomes[0].Error, entry.Error);
        await using (var raw = await _store.OpenQuarantinedRawAsync(Mailbox, entry.Id, default))
        {
            Assert.NotNull(raw);
            using var copy = new MemoryStream();
            await raw.CopyToAsync(copy);
            Assert.Equal(garbage, copy.ToArray());
        }
        Assert.Equal([1L, 2L, 3L], (await _store.KnownUidsAsync(Mailbox, "INBOX", 1, [1, 2, 3, 4], default)).Order());
    }

    [Fact]
    public async Task A_message_the_database_refuses_is_quarantined_and_the_rest_of_the_batch_is_stored()
    {
        // An address far beyond any real one, random so that it cannot be compressed under the index entry limit.
        var local = Convert.ToHexString(RandomNumberGenerator.GetBytes(4000));
        var refused = Message(from: $"{local}@example.com");

        var outcomes = await _store.StoreAsync(
            [Fetched(Message(), Mailbox, Inbox(1)), Fetched(refused, Mailbox, Inbox(2)), Fetched(Message(), Mailbox, Inbox(3))], default);

        Assert.Equal([StoreOutcomeKind.Stored, StoreOutcomeKind.Quarantined, StoreOutcomeKind.Stored], outcomes.Select(o => o.Kind));
        Assert.Contains("refused", outcomes[1].Error, StringComparison.Ordinal);
        Assert.Equal(2, await _store.CountAsync(Mailbox, default));
        var entry = Assert.Single(await _store.QuarantineAsync(Mailbox, default));
        Assert.Equal("Hello", entry.Subject);
        Assert.NotNull(await _database.ScalarAsync<byte[]>($"SELECT raw FROM mail_quarantine WHERE id = {entry.Id}"));
    }

    [Fact]
    public async Task Storing_a_quarantined_location_later_clears_its_quarantine_entry()
    {
        var location = Inbox(7);
        await _store.QuarantineAsync(Mailbox, location, "Hello", "fetch timed out", default);
        await _store.QuarantineAsync(Mailbox, location, null, "fetch timed out again", default);
        var entry = Assert.Single(await _store.QuarantineAsync(Mailbox, default));
        Assert.Equal(("Hello", "fetch timed out again"), (entry.Subject, entry.Error));
        Assert.Null(await _store.OpenQuarantinedRawAsync(Mailbox, entry.Id, default));
        Assert.Equal([7L], await _store.KnownUidsAsync(Mailbox, "INBOX", 1, [7], default));

        var retried = await StoreOneAsync(Fetched(Message(), Mailbox, location));

        Assert.Equal(StoreOutcomeKind.Stored, retried.Kind);
        Assert.Empty(await _store.QuarantineAsync(Mailbox, default));
        Assert.False(await _store.DropQuarantinedAsync(Mailbox, entry.Id, default));
    }

    [Fact]
    public async Task A_quarantine_entry_can_be_dropped_by_its_owner_only()
    {
        await _store.QuarantineAsync(Mailbox, Inbox(3), null, "broken", default);
        var entry = Assert.Single(await _store.QuarantineAsync(Mailbox, default));

        Assert.False(await _store.DropQuarantinedAsync("someone-else", entry.Id, default));
        Assert.True(await _store.DropQuarantinedAsync(Mailbox, entry.Id, default));
        Assert.Equal(0, await _store.QuarantineCountAsync(Mailbox, default));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_writers_storing_the_same_batch_at_once_leave_one_row_per_message(bool oppositeOrder)
    {
        var raws = Enumerable.Range(1, 25).Select(uid => (Uid: uid, Raw: Bytes(Message(subject: $"Message {uid}")))).ToList();
        IReadOnlyList<FetchedMessage> Batch(bool reversed) =>
            [.. (reversed ? Enumerable.Reverse(raws) : raws).Select(m => Fetched(m.Raw, Mailbox, Inbox(m.Uid)))];

        using var start = new Barrier(2);
        var writers = new[] { false, oppositeOrder }.Select(reversed => Task.Run(async () =>
        {
            var batch = Batch(reversed);
            start.SignalAndWait();
            return batch.Zip(await _store.StoreAsync(batch, default)).ToList();
        }));
        var results = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        Assert.All(results, r => Assert.True(r.Second.IsCommitted, $"{r.Second.Kind}: {r.Second.Error}"));
        Assert.Equal(raws.Count, await _store.CountAsync(Mailbox, default));
        foreach (var uid in raws.Select(m => (long)m.Uid))
        {
            var outcomes = results.Where(r => r.First.Location.Uid == uid).Select(r => r.Second).ToList();
            Assert.Single(outcomes, o => o.Kind == StoreOutcomeKind.Stored);
            Assert.Single(outcomes.Select(o => o.Summary!.Id).Distinct());
        }
    }

    [Fact]
    public async Task Blocking_an_address_removes_its_messages_and_they_never_come_back()
    {
        var blocked = Bytes(Message(from: "Spammer@Example.com"));
        var stored = await _store.StoreAsync(
        [
            Fetched(blocked, Mailbox, Inbox(1)),
            Fetched(Message(from: "friend@example.com"), Mailbox, Inbox(2)),
        ], default);

        var removed = await _store.DeleteFromSenderAsync(Mailbox, "spammer@EXAMPLE.com", default);

        Assert.Equal([stored[0].Summary!.Id], removed);
        Assert.Equal(1, await _store.CountAsync(Mailbox, default));
        Assert.Equal(StoreOutcomeKind.Tombstoned, (await StoreOneAsync(Fetched(blocked, Mailbox, Inbox(3, uidValidity: 2)))).Kind);
    }

    [Fact]
    public async Task Blocking_a_domain_removes_that_domain_and_its_subdomains_only()
    {
        var outcomes = await _store.StoreAsync(
        [
            Fetched(Message(from: "a@example.com"), Mailbox, Inbox(1)),
            Fetched(Message(from: "b@mail.EXAMPLE.com"), Mailbox, Inbox(2)),
            Fetched(Message(from: "c@notexample.com"), Mailbox, Inbox(3)),
            Fetched(Message(from: "d@example.com.evil.org"), Mailbox, Inbox(4)),
            Fetched(Message(from: "e@example.com"), "another-mailbox", Inbox(5)),
        ], default);

        var removed = await _store.DeleteFromSenderAsync(Mailbox, "Example.COM", default);

        Assert.Equal([outcomes[0].Summary!.Id, outcomes[1].Summary!.Id], removed);
        Assert.Equal(2, await _store.CountAsync(Mailbox, default));
        Assert.Equal(1, await _store.CountAsync("another-mailbox", default));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteFromSenderAsync(Mailbox, "  ", default));
    }

    [Fact]
    public async Task A_multipart_alternative_message_keeps_its_text_html_and_snippet()
    {
        var message = Message();
        var longText = "First   line\r\n\r\n\tsecond line " + string.Concat(Enumerable.Repeat("word ", 100));
        message.Body = new BodyBuilder { TextBody = longText, HtmlBody = "<html><body><p>The <b>HTML</b> body</p></body></html>" }.ToMessageBody();

        var stored = await StoreOneAsync(Fetched(message, Mailbox, Inbox(1)));

        var snippet = stored.Summary!.Snippet!;
        Assert.StartsWith("First line second line word word", snippet, StringComparison.Ordinal);
        Assert.Equal(200, snippet.Length);
        Assert.Equal(snippet, (await _store.GetSummaryAsync(Mailbox, stored.Summary.Id, default))!.Snippet);
        Assert.Equal(longText.ReplaceLineEndings(), (await _database.ScalarAsync<string>($"SELECT text_body FROM mail_messages WHERE id = {stored.Summary.Id}"))!.ReplaceLineEndings());
        Assert.Equal("<html><body><p>The <b>HTML</b> body</p></body></html>",
            await _database.ScalarAsync<string>($"SELECT html_body FROM mail_messages WHERE id = {stored.Summary.Id}"));
        Assert.False(stored.Summary.HasAttachments);
        Assert.True(await _database.ScalarAsync<bool>(
            $"SELECT search @@ to_tsquery('simple', 'second & hello & alice') FROM mail_messages WHERE id = {stored.Summary.Id}"));
    }

    [Fact]
    public async Task An_html_only_message_gets_a_text_rendering_for_its_snippet()
    {
        var message = Message();
        message.Body = new TextPart("html")
        {
            Text = "<html><head><title>T</title><style>p { color: red }</style></head><body><p>Invoice&nbsp;#42 &amp; more</p><script>alert(1)</script></body></html>",
        };

        var stored = await StoreOneAsync(Fetched(message, Mailbox, Inbox(1)));

        Assert.Equal("Invoice #42 & more", stored.Summary!.Snippet);
    }

    [Fact]
    public async Task The_summary_carries_sender_recipients_utc_date_and_attachments()
    {
        var message = Message(from: "Alice@Example.COM");
        message.To.Clear();
        message.To.Add(new MailboxAddress("Bob", "BOB@example.test"));
        message.To.Add(new GroupAddress("team", [new MailboxAddress(null, "carol@example.test")]));
        message.Cc.Add(new MailboxAddress("Dave", "dave@example.test"));
        var body = new BodyBuilder { TextBody = "See attached" };
        body.Attachments.Add("report.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 tiny"), new ContentType("application", "pdf"));
        message.Body = body.ToMessageBody();

        var stored = await StoreOneAsync(Fetched(message, Mailbox, Inbox(1)));
        var read = await _store.GetSummaryAsync(Mailbox, stored.Summary!.Id, default);

        foreach (var summary in new[] { stored.Summary, read! })
        {
            Assert.Equal(Mailbox, summary.MailboxId);
            Assert.Equal(MessageDirection.In, summary.Direction);
            Assert.Equal(new MailAddress("alice@example.com", "Alice Sender"), summary.From);
            Assert.Equal([new MailAddress("bob@example.test", "Bob"), new MailAddress("carol@example.test", null)], summary.To);
            Assert.Equal("Hello", summary.Subject);
            Assert.Equal(new DateTime(2025, 3, 1, 8, 30, 0, DateTimeKind.Utc), summary.Date);
            Assert.Equal(DateTimeKind.Utc, summary.Date.Kind);
            Assert.Null(summary.CustomerId);
            Assert.False(summary.AuthorFound);
            Assert.True(summary.HasAttachments);
        }
        Assert.Equal("dave@example.test|Dave|1", await _database.ScalarAsync<string>(
            $"SELECT (cc->0->>'address') || '|' || (cc->0->>'name') || '|' || jsonb_array_length(cc) FROM mail_messages WHERE id = {stored.Summary.Id}"));
        Assert.Equal("report.pdf|application/pdf|13", await _database.ScalarAsync<string>(
            $"SELECT file_name || '|' || content_type || '|' || size FROM mail_attachments WHERE message_id = {stored.Summary.Id}"));
    }

    [Fact]
    public async Task A_message_without_a_date_header_is_dated_by_the_server()
    {
        var message = Message();
        message.Headers.Remove(HeaderId.Date);

        var stored = await StoreOneAsync(Fetched(message, Mailbox, Inbox(1)));

        Assert.Equal(InternalDate.UtcDateTime, stored.Summary!.Date);
    }

    [Fact]
    public async Task Threading_headers_are_kept_without_angle_brackets()
    {
        var message = Message();
        message.InReplyTo = "parent@example.com";
        message.References.Add("root@example.com");
        message.References.Add("parent@example.com");

        var stored = await StoreOneAsync(Fetched(message, Mailbox, Inbox(1)));

        Assert.Equal($"{message.MessageId}|parent@example.com|root@example.com,parent@example.com", await _database.ScalarAsync<string>(
            $"SELECT message_id || '|' || in_reply_to || '|' || array_to_string(\"references\", ',') FROM mail_messages WHERE id = {stored.Summary!.Id}"));
    }

    [Fact]
    public async Task Attachments_of_a_batch_are_stored_with_their_messages_and_malformed_base64_is_decoded_leniently()
    {
        var first = RandomNumberGenerator.GetBytes(70_000);
        var second = RandomNumberGenerator.GetBytes(3_000);
        var withTwo = WithAttachments(Message(subject: "Two"), ("a.pdf", first), ("b.png", second));
        // A scanner's base64: a stray character in the middle. Strict decoders refuse it; mail clients skip it.
        var wellFormed = Encoding.ASCII.GetString(Bytes(WithAttachments(Message(subject: "Odd"), ("c.bin", [1, 2, 3, 4, 5, 6]))));
        var malformed = Encoding.ASCII.GetBytes(wellFormed.Replace("AQIDBAUG", "AQID*BAUG", StringComparison.Ordinal));

        var outcomes = await _store.StoreAsync(
            [Fetched(Message(subject: "None"), Mailbox, Inbox(1)), Fetched(withTwo, Mailbox, Inbox(2)), Fetched(malformed, Mailbox, Inbox(3))], default);

        Assert.All(outcomes, outcome => Assert.Equal(StoreOutcomeKind.Stored, outcome.Kind));
        Assert.Equal([false, true, true], outcomes.Select(o => o.Summary!.HasAttachments));
        await using var command = _dataSource.CreateCommand("""
            SELECT m.subject, a.position, a.file_name, a.size, a.content
              FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
             ORDER BY m.uid, a.position
            """);
        var rows = new List<(string Subject, int Position, string Name, long Size, byte[] Content)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), (byte[])reader[4]));
            }
        }
        Assert.Equal(
            [("Two", 0, "a.pdf", first.LongLength), ("Two", 1, "b.png", second.LongLength), ("Odd", 0, "c.bin", 6L)],
            rows.Select(r => (r.Subject, r.Position, r.Name, r.Size)));
        Assert.Equal(first, rows[0].Content);
        Assert.Equal(second, rows[1].Content);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, rows[2].Content);
    }

    [Fact]
    public async Task The_same_location_twice_in_one_batch_is_stored_once_and_the_second_is_its_duplicate()
    {
        var raw = Bytes(Message());

        var outcomes = await _store.StoreAsync([Fetched(raw, Mailbox, Inbox(4)), Fetched(raw, Mailbox, Inbox(4))], default);

        Assert.Equal([StoreOutcomeKind.Stored, StoreOutcomeKind.Duplicate], outcomes.Select(o => o.Kind));
        Assert.Equal(outcomes[0].Summary!.Id, outcomes[1].Summary!.Id);
        Assert.Equal(1, await _store.CountAsync(Mailbox, default));
    }

    [Fact]
    public async Task Long_bodies_are_stored_compressed_with_lz4()
    {
        var text = string.Join(' ', Enumerable.Repeat("the router restarts every evening since the storm", 400));

        var stored = await StoreOneAsync(Fetched(Message(text: text), Mailbox, Inbox(1)));

        Assert.Equal(StoreOutcomeKind.Stored, stored.Kind);
        Assert.Equal("lz4", await _database.ScalarAsync<string>(
            $"SELECT pg_column_compression(text_body) FROM mail_messages WHERE id = {stored.Summary!.Id}"));
        // Read back whole (the sender's MIME encoding may have broken the one long line into several).
        var readBack = await _database.ScalarAsync<string>($"SELECT text_body FROM mail_messages WHERE id = {stored.Summary.Id}");
        Assert.Equal(text, string.Join(' ', readBack!.Split((char[])[' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }

    private static MimeMessage WithAttachments(MimeMessage message, params (string Name, byte[] Content)[] attachments)
    {
        var body = new BodyBuilder { TextBody = "See attached." };
        foreach (var (name, content) in attachments)
        {
            body.Attachments.Add(name, content);
        }
        message.Body = body.ToMessageBody();
        return message;
    }

    private async Task<IReadOnlyList<(long Uid, string Subject)>> SubjectsByUidAsync()
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT uid, coalesce(subject, '') FROM mail_messages WHERE mailbox_id = @mailbox ORDER BY uid");
        command.Parameters.AddWithValue("mailbox", Mailbox);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return rows;
    }

    private async Task<StoreOutcome> StoreOneAsync(FetchedMessage message) => Assert.Single(await _store.StoreAsync([message], default));
}
