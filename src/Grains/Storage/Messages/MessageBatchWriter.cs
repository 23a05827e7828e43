using Npgsql;
using NpgsqlTypes;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// Writes parsed messages inside the caller's transaction in two round trips per batch, whatever its size:
/// one inserts every message with its small attachments, one settles the messages that were not new (and
/// the quarantine). Only attachments too large to travel in a batch take a round trip each.
/// </summary>
/// <remarks>
/// The statements are prepared: the same few texts run for every message, and planning them again each time
/// would cost about as much as running them. Each attempt runs under a savepoint. When a message breaks a statement for a reason of its own (a value
/// PostgreSQL refuses), the attempt is rolled back, that message is rejected, and the others are written
/// again; when concurrent writers deadlock on the same messages, the attempt is simply repeated.
/// </remarks>
internal sealed class MessageBatchWriter(NpgsqlConnection connection)
{
    // Attachments up to this size travel inside the batch insert; larger ones are streamed one by one.
    private const long InlineAttachmentLimit = 1024 * 1024;

    // ...and at most this much of them per batch, so that a batch of attachment-heavy mail stays small in memory.
    private const long InlineAttachmentBudget = 16 * 1024 * 1024;

    // Conflicts with concurrent writers are retried, but not forever.
    private const int MaxConflictRetries = 5;

    private const string RejectedAfterRetries = "The message kept conflicting with concurrent changes; retry it.";

    // The message whose statement is running: the one to blame when PostgreSQL refuses a value. Statements of a
    // batch run and answer in order, so the result being read tells which one failed.
    private ParsedMessage? _inFlight;

    // The attachments that went into the batch insert in this attempt; the others are streamed.
    private readonly HashSet<ParsedAttachment> _inlined = [];

    /// <summary>Stores the messages: an outcome for each, or the reason it was refused.</summary>
    public async Task<(Dictionary<ParsedMessage, StoreOutcome> Outcomes, List<(ParsedMessage Message, string Error)> Refused)> WriteAsync(
        IReadOnlyList<ParsedMessage> messages, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<ParsedMessage, StoreOutcome>();
        var refused = new List<(ParsedMessage, string)>();
        var pending = messages.ToList();
        var conflicts = 0;
        while (pending.Count > 0)
        {
            try
            {
                var unresolved = await AttemptAsync(pending, outcomes, cancellationToken);
                if (unresolved.Count > 0 && ++conflicts > MaxConflictRetries)
                {
                    refused.AddRange(unresolved.Select(message => (message, RejectedAfterRetries)));
                    break;
                }
                pending = unresolved;
            }
            catch (PostgresException exception) when (IsConflict(exception) || (IsRefusedValue(exception) && _inFlight is not null))
            {
                await RollbackAttemptAsync(cancellationToken);
                if (IsRefusedValue(exception))
                {
                    refused.Add((_inFlight!, $"The database refused the message: {exception.MessageText} ({exception.SqlState})"));
                    pending.Remove(_inFlight!);
                }
                else if (++conflicts > MaxConflictRetries)
                {
                    throw;
                }
            }
            finally
            {
                _inFlight = null;
                _inlined.Clear();
            }
        }
        return (outcomes, refused);
    }

    /// <summary>Writes the messages under a savepoint; records their outcomes only once all of it succeeded.</summary>
    private async Task<List<ParsedMessage>> AttemptAsync(
        List<ParsedMessage> messages, Dictionary<ParsedMessage, StoreOutcome> outcomes, CancellationToken cancellationToken)
    {
        var inserted = await InsertAsync(messages, cancellationToken);
        var notNew = messages.Where(m => !inserted.ContainsKey(m)).ToList();
        var (tombstonedIds, resolved) = await SettleAsync(messages, [.. inserted.Values], notNew, cancellationToken);

        foreach (var (message, id) in inserted.Where(i => !tombstonedIds.Contains(i.Value)))
        {
            await InsertLargeAttachmentsAsync(message, id, cancellationToken);
        }

        foreach (var (message, id) in inserted)
        {
            outcomes[message] = tombstonedIds.Contains(id)
                ? new StoreOutcome(StoreOutcomeKind.Tombstoned, message.Location, null, null)
                : new StoreOutcome(StoreOutcomeKind.Stored, message.Location, message.Summary(id), null);
        }
        foreach (var (message, outcome) in resolved)
        {
            outcomes[message] = outcome;
        }
        return [.. notNew.Where(m => !resolved.ContainsKey(m))];
    }

    /// <summary>
    /// One round trip: a savepoint, then an insert per message that skips tombstoned messages and, through
    /// <c>ON CONFLICT DO NOTHING</c> on both unique keys, messages already stored (by anyone, even concurrently).
    /// </summary>
    private async Task<Dictionary<ParsedMessage, long>> InsertAsync(List<ParsedMessage> messages, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT store_attempt"));
        var inlineBudget = InlineAttachmentBudget;
        foreach (var message in messages)
        {
            var inline = new List<(ParsedAttachment Attachment, byte[] Content)>();
            foreach (var attachment in message.Attachments)
            {
                if (attachment.EncodedSize <= InlineAttachmentLimit && attachment.EncodedSize <= inlineBudget)
                {
                    inlineBudget -= attachment.EncodedSize;
                    _inlined.Add(attachment);
                    inline.Add((attachment, await attachment.ReadContentAsync(cancellationToken)));
                }
            }
            batch.BatchCommands.Add(InsertCommand(message, inline));
        }

        var inserted = new Dictionary<ParsedMessage, long>();
        await batch.PrepareAsync(cancellationToken);
        _inFlight = messages[0];
        // The savepoint returns no rows, so the reader opens on the first insert.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            _inFlight = messages[i];
            if (i > 0)
            {
                await reader.NextResultAsync(cancellationToken);
            }
            if (await reader.ReadAsync(cancellationToken))
            {
                inserted[messages[i]] = reader.GetInt64(0);
                messages[i].CustomerId = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
        }
        _inFlight = null;
        return inserted;
    }

    private static NpgsqlBatchCommand InsertCommand(ParsedMessage message, List<(ParsedAttachment Attachment, byte[] Content)> inline)
    {
        var command = new NpgsqlBatchCommand("""
            WITH inserted AS (
                INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, message_id, in_reply_to,
                                           "references", from_address, from_name, "to", cc, subject, date, internal_date,
                                           snippet, text_body, html_body, has_attachments, raw_size, customer_id)
                SELECT @mailbox_id, @direction, @folder, @uid_validity, @uid, @dedupe_key, @message_id, @in_reply_to,
                       @references, @from_address, @from_name, @to, @cc, @subject, @date, @internal_date,
                       @snippet, @text_body, @html_body, @has_attachments, @raw_size,
                       -- Paired as it arrives (see CustomersSchema).
                       pair_customer(@direction, @from_address, @to || @cc)
                 WHERE NOT EXISTS (SELECT 1 FROM mail_tombstones
                                    WHERE mailbox_id = @mailbox_id AND direction = @direction AND dedupe_key = @dedupe_key)
                ON CONFLICT DO NOTHING
                RETURNING id, customer_id),
            attachments AS (
                INSERT INTO mail_attachments (message_id, position, file_name, content_type, content_id, size, content)
                SELECT inserted.id, a.position, a.file_name, a.content_type, a.content_id, length(a.content), a.content
                  FROM inserted, unnest(@attachment_positions, @attachment_names, @attachment_types, @attachment_content_ids,
                                        @attachment_contents) AS a (position, file_name, content_type, content_id, content))
            SELECT id, customer_id FROM inserted
            """);
        var parameters = command.Parameters;
        AddIdentity(parameters, message);
        parameters.AddWithValue("message_id", NpgsqlDbType.Text, Nullable(message.MessageId));
        parameters.AddWithValue("in_reply_to", NpgsqlDbType.Text, Nullable(message.InReplyTo));
        parameters.AddWithValue("references", NpgsqlDbType.Array | NpgsqlDbType.Text, message.References);
        parameters.AddWithValue("from_address", NpgsqlDbType.Text, message.From.Address);
        parameters.AddWithValue("from_name", NpgsqlDbType.Text, Nullable(message.From.Name));
        parameters.AddWithValue("to", NpgsqlDbType.Jsonb, AddressJson.Serialize(message.To));
        parameters.AddWithValue("cc", NpgsqlDbType.Jsonb, AddressJson.Serialize(message.Cc));
        parameters.AddWithValue("subject", NpgsqlDbType.Text, Nullable(message.Subject));
        parameters.AddWithValue("date", NpgsqlDbType.TimestampTz, message.Date);
        parameters.AddWithValue("internal_date", NpgsqlDbType.TimestampTz, message.Fetched.InternalDate.UtcDateTime);
        parameters.AddWithValue("snippet", NpgsqlDbType.Text, Nullable(message.Snippet));
        parameters.AddWithValue("text_body", NpgsqlDbType.Text, Nullable(message.TextBody));
        parameters.AddWithValue("html_body", NpgsqlDbType.Text, Nullable(message.HtmlBody));
        parameters.AddWithValue("has_attachments", NpgsqlDbType.Boolean, message.Attachments.Count > 0);
        parameters.AddWithValue("raw_size", NpgsqlDbType.Bigint, message.RawSize);
        parameters.AddWithValue("attachment_positions", NpgsqlDbType.Array | NpgsqlDbType.Integer, inline.Select(a => a.Attachment.Position).ToArray());
        parameters.AddWithValue("attachment_names", NpgsqlDbType.Array | NpgsqlDbType.Text, inline.Select(a => a.Attachment.FileName).ToArray());
        parameters.AddWithValue("attachment_types", NpgsqlDbType.Array | NpgsqlDbType.Text, inline.Select(a => a.Attachment.ContentType).ToArray());
        parameters.AddWithValue("attachment_content_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, inline.Select(a => a.Attachment.ContentId).ToArray());
        parameters.AddWithValue("attachment_contents", NpgsqlDbType.Array | NpgsqlDbType.Bytea, inline.Select(a => a.Content).ToArray());
        return command;
    }

    /// <summary>
    /// One round trip. First, the inserted messages that were deleted while they were being inserted: the
    /// tombstone check of an insert cannot see a delete that committed while the insert waited for it, so
    /// they are checked again in a statement that can. Then, for each message that was not new, its tombstone
    /// or its stored copy, which moves to the new location unless another message already sits there. Last,
    /// the quarantine entries of these locations: storing a message settles its earlier failure.
    /// </summary>
    private async Task<(HashSet<long> TombstonedIds, Dictionary<ParsedMessage, StoreOutcome> Resolved)> SettleAsync(
        List<ParsedMessage> messages, long[] insertedIds, List<ParsedMessage> notNew, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var recheck = new NpgsqlBatchCommand("""
            DELETE FROM mail_messages m
             USING mail_tombstones t
             WHERE m.id = ANY(@ids)
               AND t.mailbox_id = m.mailbox_id AND t.direction = m.direction AND t.dedupe_key = m.dedupe_key
            RETURNING m.id
            """);
        recheck.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, insertedIds);
        batch.BatchCommands.Add(recheck);
        foreach (var message in notNew)
        {
            var resolve = new NpgsqlBatchCommand($"""
                WITH tombstone AS (
                    SELECT 1 FROM mail_tombstones
                     WHERE mailbox_id = @mailbox_id AND direction = @direction AND dedupe_key = @dedupe_key),
                stored AS (
                    SELECT m.id FROM mail_messages m
                     WHERE m.mailbox_id = @mailbox_id
                       AND ((m.folder = @folder AND m.uid_validity = @uid_validity AND m.uid = @uid)
                            OR (m.direction = @direction AND m.dedupe_key = @dedupe_key))
                       AND NOT EXISTS (SELECT 1 FROM tombstone)
                     ORDER BY (m.folder = @folder AND m.uid_validity = @uid_validity AND m.uid = @uid) DESC
                     LIMIT 1),
                moved AS (
                    UPDATE mail_messages m SET folder = @folder, uid_validity = @uid_validity, uid = @uid
                      FROM stored
                     WHERE m.id = stored.id
                       AND (m.folder, m.uid_validity, m.uid) IS DISTINCT FROM (@folder, @uid_validity, @uid)
                       AND NOT EXISTS (SELECT 1 FROM mail_messages o
                                        WHERE o.mailbox_id = @mailbox_id AND o.folder = @folder
                                          AND o.uid_validity = @uid_validity AND o.uid = @uid))
                SELECT EXISTS (SELECT 1 FROM tombstone), {MessageSummaryReader.Columns("m")}
                  FROM (SELECT 1) AS one LEFT JOIN stored ON true LEFT JOIN mail_messages m ON m.id = stored.id
                """);
            AddIdentity(resolve.Parameters, message);
            batch.BatchCommands.Add(resolve);
        }
        var settled = new NpgsqlBatchCommand("""
            DELETE FROM mail_quarantine q
             USING unnest(@mailbox_ids, @folders, @uid_validities, @uids) AS l (mailbox_id, folder, uid_validity, uid)
             WHERE q.mailbox_id = l.mailbox_id AND q.folder = l.folder AND q.uid_validity = l.uid_validity AND q.uid = l.uid
            """);
        settled.Parameters.AddWithValue("mailbox_ids", NpgsqlDbType.Array | NpgsqlDbType.Text, messages.Select(m => m.MailboxId).ToArray());
        settled.Parameters.AddWithValue("folders", NpgsqlDbType.Array | NpgsqlDbType.Text, messages.Select(m => m.Location.Folder).ToArray());
        settled.Parameters.AddWithValue("uid_validities", NpgsqlDbType.Array | NpgsqlDbType.Bigint, messages.Select(m => m.Location.UidValidity).ToArray());
        settled.Parameters.AddWithValue("uids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, messages.Select(m => m.Location.Uid).ToArray());
        batch.BatchCommands.Add(settled);

        var tombstonedIds = new HashSet<long>();
        var resolved = new Dictionary<ParsedMessage, StoreOutcome>();
        await batch.PrepareAsync(cancellationToken);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tombstonedIds.Add(reader.GetInt64(0));
        }
        foreach (var message in notNew)
        {
            _inFlight = message;
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetBoolean(0))
            {
                resolved[message] = new StoreOutcome(StoreOutcomeKind.Tombstoned, message.Location, null, null);
            }
            else if (!reader.IsDBNull(1))
            {
                resolved[message] = new StoreOutcome(StoreOutcomeKind.Duplicate, message.Location, MessageSummaryReader.Read(reader, 1), null);
            }
        }
        _inFlight = null;
        await reader.NextResultAsync(cancellationToken);
        return (tombstonedIds, resolved);
    }

    /// <summary>Streams each attachment that did not go into the batch from a temporary file into its own row.</summary>
    private async Task InsertLargeAttachmentsAsync(ParsedMessage message, long messageId, CancellationToken cancellationToken)
    {
        foreach (var attachment in message.Attachments.Where(a => !_inlined.Contains(a)))
        {
            await using var content = await attachment.DecodeToTemporaryFileAsync(cancellationToken);
            await using var command = new NpgsqlCommand("""
                INSERT INTO mail_attachments (message_id, position, file_name, content_type, content_id, size, content)
                VALUES (@message_id, @position, @file_name, @content_type, @content_id, @size, @content)
                """, connection);
            command.Parameters.AddWithValue("message_id", NpgsqlDbType.Bigint, messageId);
            command.Parameters.AddWithValue("position", NpgsqlDbType.Integer, attachment.Position);
            command.Parameters.AddWithValue("file_name", NpgsqlDbType.Text, Nullable(attachment.FileName));
            command.Parameters.AddWithValue("content_type", NpgsqlDbType.Text, attachment.ContentType);
            command.Parameters.AddWithValue("content_id", NpgsqlDbType.Text, Nullable(attachment.ContentId));
            command.Parameters.AddWithValue("size", NpgsqlDbType.Bigint, content.Length);
            command.Parameters.AddWithValue("content", NpgsqlDbType.Bytea, content);
            _inFlight = message;
            await command.ExecuteNonQueryAsync(cancellationToken);
            _inFlight = null;
        }
    }

    private async Task RollbackAttemptAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("ROLLBACK TO SAVEPOINT store_attempt; RELEASE SAVEPOINT store_attempt", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A deadlock, a serialization failure or a unique violation between concurrent writers: worth repeating.</summary>
    private static bool IsConflict(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation;

    /// <summary>
    /// A value PostgreSQL refuses (data exceptions, integrity, limits such as an index entry too large): the message's fault.
    /// Anything else (connection, shutdown, resources, a bug in our SQL) is the database's, and is thrown.
    /// </summary>
    private static bool IsRefusedValue(PostgresException exception) =>
        !IsConflict(exception) && exception.SqlState[..2] is "22" or "23" or "54";

    private static void AddIdentity(NpgsqlParameterCollection parameters, ParsedMessage message)
    {
        parameters.AddWithValue("mailbox_id", NpgsqlDbType.Text, message.MailboxId);
        parameters.AddWithValue("direction", NpgsqlDbType.Text, message.DirectionText);
        parameters.AddWithValue("dedupe_key", NpgsqlDbType.Text, message.DedupeKey);
        parameters.AddWithValue("folder", NpgsqlDbType.Text, message.Location.Folder);
        parameters.AddWithValue("uid_validity", NpgsqlDbType.Bigint, message.Location.UidValidity);
        parameters.AddWithValue("uid", NpgsqlDbType.Bigint, message.Location.Uid);
    }

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;
}
