using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// Writes parsed messages inside the caller's transaction in two round trips per batch, whatever its size:
/// one statement inserts every message with its small attachments, one settles the messages that were not
/// new (and the quarantine). Only attachments too large to travel in a batch take a round trip each.
/// </summary>
/// <remarks>
/// The batch insert is one statement over arrays (<c>unnest</c>): PostgreSQL plans and starts it once per
/// batch rather than once per message, which is most of its cost for mail of ordinary size. Each attempt runs
/// under a savepoint. When a value breaks the batch statement (a value PostgreSQL refuses), the attempt is
/// rolled back and written again a statement per message, which tells the message to blame: it is rejected,
/// and the others are written. When concurrent writers deadlock on the same messages, the attempt is repeated.
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

    // Once a value broke the batch statement, the rest of this write goes a statement per message.
    private bool _oneByOne;

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
            catch (PostgresException exception) when (IsRefusedValue(exception) && _inFlight is null && !_oneByOne)
            {
                // Somewhere in the batch statement: find out which message by writing them one by one.
                await RollbackAttemptAsync(cancellationToken);
                _oneByOne = true;
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
    /// One round trip: a savepoint, then one insert of all the messages that skips tombstoned messages and,
    /// through <c>ON CONFLICT DO NOTHING</c> on both unique keys, messages already stored (by anyone, even
    /// concurrently, even twice in this batch), with the small attachments of the messages it inserted.
    /// </summary>
    private async Task<Dictionary<ParsedMessage, long>> InsertAsync(List<ParsedMessage> messages, CancellationToken cancellationToken)
    {
        if (_oneByOne)
        {
            return await InsertOneByOneAsync(messages, cancellationToken);
        }
        var inline = await InlineAttachmentsAsync(messages, cancellationToken);

        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT store_attempt"));
        batch.BatchCommands.Add(InsertCommand(messages, inline));

        var rows = new List<(long Id, string? CustomerId, long Ordinal)>(messages.Count);
        await batch.PrepareAsync(cancellationToken);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2)));
            }
        }
        // The same location twice in one batch: the first is the one inserted; the other is settled as not new.
        var inserted = new Dictionary<ParsedMessage, long>();
        var ids = new HashSet<long>();
        foreach (var (id, customerId, ordinal) in rows.OrderBy(row => row.Ordinal))
        {
            if (ids.Add(id))
            {
                var message = messages[(int)ordinal - 1];
                inserted[message] = id;
                message.CustomerId = customerId;
            }
        }
        return inserted;
    }

    /// <summary>
    /// The insert of <paramref name="messages"/> with their small attachments (<paramref name="inline"/>, by index
    /// into <paramref name="messages"/>); it answers the id, the customer and the 1-based ordinal of each inserted one.
    /// </summary>
    private static NpgsqlBatchCommand InsertCommand(List<ParsedMessage> messages, List<(int Ordinal, ParsedAttachment Attachment, byte[] Content)> inline)
    {
        var insert = new NpgsqlBatchCommand("""
            WITH candidates AS (
                SELECT * FROM unnest(@mailbox_ids, @directions, @folders, @uid_validities, @uids, @dedupe_keys, @legacy_keys,
                                     @message_ids, @in_reply_tos, @references, @from_addresses, @from_names, @tos, @ccs, @subjects,
                                     @dates, @internal_dates, @snippets, @text_bodies, @html_bodies, @has_attachments, @raw_sizes,
                                     @searches)
                       WITH ORDINALITY
                       AS c (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, legacy_key, message_id, in_reply_to,
                             refs, from_address, from_name, to_list, cc_list, subject, date, internal_date, snippet, text_body,
                             html_body, has_attachments, raw_size, search, ordinal)),
            inserted AS (
                INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, content_key, message_id,
                                           in_reply_to, "references", from_address, from_name, "to", cc, subject, date, internal_date,
                                           snippet, text_body, html_body, has_attachments, raw_size, search, search_version, customer_id)
                SELECT c.mailbox_id, c.direction, c.folder, c.uid_validity, c.uid, c.dedupe_key, true, c.message_id, c.in_reply_to,
                       ARRAY(SELECT jsonb_array_elements_text(c.refs)), c.from_address, c.from_name, c.to_list, c.cc_list,
                       c.subject, c.date, c.internal_date, c.snippet, c.text_body, c.html_body, c.has_attachments, c.raw_size,
                       c.search, @search_version,
                       -- Paired as it arrives (see CustomersSchema).
                       pair_customer(c.direction, c.from_address, c.to_list || c.cc_list)
                  FROM candidates c
                 WHERE NOT EXISTS (SELECT 1 FROM mail_tombstones t
                                    WHERE t.mailbox_id = c.mailbox_id AND t.direction = c.direction AND t.dedupe_key = c.dedupe_key)
                   -- Rows and tombstones from before messages were keyed by content (see ContentKeySchema).
                   AND NOT EXISTS (SELECT 1 FROM mail_tombstones t
                                    WHERE t.mailbox_id = c.mailbox_id AND t.direction = c.direction AND t.dedupe_key = c.legacy_key
                                      AND NOT t.content_key)
                   AND NOT EXISTS (SELECT 1 FROM mail_messages l
                                    WHERE l.mailbox_id = c.mailbox_id AND l.direction = c.direction AND l.dedupe_key = c.legacy_key
                                      AND NOT l.content_key AND (l.folder, l.uid_validity) IS DISTINCT FROM (c.folder, c.uid_validity))
                 ORDER BY c.ordinal
                ON CONFLICT DO NOTHING
                RETURNING id, mailbox_id, folder, uid_validity, uid, customer_id),
            stored AS (
                SELECT i.id, i.customer_id, c.ordinal
                  FROM inserted i
                  JOIN candidates c ON (c.mailbox_id, c.folder, c.uid_validity, c.uid) = (i.mailbox_id, i.folder, i.uid_validity, i.uid)),
            attachments AS (
                INSERT INTO mail_attachments (message_id, position, file_name, content_type, content_id, size, content)
                SELECT s.id, a.position, a.file_name, a.content_type, a.content_id, length(a.content), a.content
                  FROM unnest(@attachment_ordinals, @attachment_positions, @attachment_names, @attachment_types,
                              @attachment_content_ids, @attachment_contents)
                       AS a (ordinal, position, file_name, content_type, content_id, content)
                  JOIN stored s ON s.ordinal = a.ordinal)
            SELECT id, customer_id, ordinal FROM stored
            """);
        var parameters = insert.Parameters;
        parameters.AddWithValue("mailbox_ids", TextArray, messages.ConvertAll(m => m.MailboxId));
        parameters.AddWithValue("directions", TextArray, messages.ConvertAll(m => m.DirectionText));
        parameters.AddWithValue("folders", TextArray, messages.ConvertAll(m => m.Location.Folder));
        parameters.AddWithValue("uid_validities", NpgsqlDbType.Array | NpgsqlDbType.Bigint, messages.ConvertAll(m => m.Location.UidValidity));
        parameters.AddWithValue("uids", NpgsqlDbType.Array | NpgsqlDbType.Bigint, messages.ConvertAll(m => m.Location.Uid));
        parameters.AddWithValue("dedupe_keys", TextArray, messages.ConvertAll(m => m.DedupeKey));
        parameters.AddWithValue("legacy_keys", TextArray, messages.ConvertAll(m => m.LegacyKey));
        parameters.AddWithValue("message_ids", TextArray, messages.ConvertAll(m => m.MessageId));
        parameters.AddWithValue("in_reply_tos", TextArray, messages.ConvertAll(m => m.InReplyTo));
        // Message-ID lists of differing lengths do not fit a two-dimensional array.
        parameters.AddWithValue("references", NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            messages.ConvertAll(m => JsonSerializer.Serialize(m.References, JsonSerializerOptions.Web)));
        parameters.AddWithValue("from_addresses", TextArray, messages.ConvertAll(m => m.From.Address));
        parameters.AddWithValue("from_names", TextArray, messages.ConvertAll(m => m.From.Name));
        parameters.AddWithValue("tos", NpgsqlDbType.Array | NpgsqlDbType.Jsonb, messages.ConvertAll(m => AddressJson.Serialize(m.To)));
        parameters.AddWithValue("ccs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb, messages.ConvertAll(m => AddressJson.Serialize(m.Cc)));
        parameters.AddWithValue("subjects", TextArray, messages.ConvertAll(m => m.Subject));
        parameters.AddWithValue("dates", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, messages.ConvertAll(m => m.Date));
        parameters.AddWithValue("internal_dates", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, messages.ConvertAll(m => m.Fetched.InternalDate.UtcDateTime));
        parameters.AddWithValue("snippets", TextArray, messages.ConvertAll(m => m.Snippet));
        parameters.AddWithValue("text_bodies", TextArray, messages.ConvertAll(m => m.TextBody));
        parameters.AddWithValue("html_bodies", TextArray, messages.ConvertAll(m => m.HtmlBody));
        parameters.AddWithValue("has_attachments", NpgsqlDbType.Array | NpgsqlDbType.Boolean, messages.ConvertAll(m => m.Attachments.Count > 0));
        parameters.AddWithValue("raw_sizes", NpgsqlDbType.Array | NpgsqlDbType.Bigint, messages.ConvertAll(m => m.RawSize));
        parameters.AddWithValue("searches", NpgsqlDbType.Array | NpgsqlDbType.TsVector, messages.ConvertAll(m => m.Search));
        parameters.AddWithValue("search_version", NpgsqlDbType.Smallint, SearchText.Version);
        parameters.AddWithValue("attachment_ordinals", NpgsqlDbType.Array | NpgsqlDbType.Bigint, inline.ConvertAll(a => a.Ordinal + 1L));
        parameters.AddWithValue("attachment_positions", NpgsqlDbType.Array | NpgsqlDbType.Integer, inline.ConvertAll(a => a.Attachment.Position));
        parameters.AddWithValue("attachment_names", TextArray, inline.ConvertAll(a => a.Attachment.FileName));
        parameters.AddWithValue("attachment_types", TextArray, inline.ConvertAll(a => a.Attachment.ContentType));
        parameters.AddWithValue("attachment_content_ids", TextArray, inline.ConvertAll(a => a.Attachment.ContentId));
        parameters.AddWithValue("attachment_contents", NpgsqlDbType.Array | NpgsqlDbType.Bytea, inline.ConvertAll(a => a.Content));
        return insert;
    }

    private const NpgsqlDbType TextArray = NpgsqlDbType.Array | NpgsqlDbType.Text;

    /// <summary>
    /// The attachments that travel inside the insert (with the index of their message), decoded: small ones,
    /// within the batch's budget. The others are streamed afterwards (<see cref="InsertLargeAttachmentsAsync"/>).
    /// </summary>
    private async Task<List<(int Ordinal, ParsedAttachment Attachment, byte[] Content)>> InlineAttachmentsAsync(
        List<ParsedMessage> messages, CancellationToken cancellationToken)
    {
        var inline = new List<(int, ParsedAttachment, byte[])>();
        var budget = InlineAttachmentBudget;
        for (var ordinal = 0; ordinal < messages.Count; ordinal++)
        {
            foreach (var attachment in messages[ordinal].Attachments)
            {
                if (attachment.EncodedSize <= InlineAttachmentLimit && attachment.EncodedSize <= budget)
                {
                    budget -= attachment.EncodedSize;
                    _inlined.Add(attachment);
                    inline.Add((ordinal, attachment, await attachment.ReadContentAsync(cancellationToken)));
                }
            }
        }
        return inline;
    }

    /// <summary>
    /// The same as <see cref="InsertAsync"/> with the same statement once per message, so that a value PostgreSQL
    /// refuses is blamed on its message (<see cref="_inFlight"/>).
    /// </summary>
    private async Task<Dictionary<ParsedMessage, long>> InsertOneByOneAsync(List<ParsedMessage> messages, CancellationToken cancellationToken)
    {
        var inline = await InlineAttachmentsAsync(messages, cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT store_attempt"));
        for (var ordinal = 0; ordinal < messages.Count; ordinal++)
        {
            batch.BatchCommands.Add(InsertCommand([messages[ordinal]], [.. inline.Where(a => a.Ordinal == ordinal).Select(a => (0, a.Attachment, a.Content))]));
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
                     WHERE mailbox_id = @mailbox_id AND direction = @direction
                       AND (dedupe_key = @dedupe_key OR (dedupe_key = @legacy_key AND NOT content_key))),
                stored AS (
                    SELECT m.id FROM mail_messages m
                     WHERE m.mailbox_id = @mailbox_id
                       AND ((m.folder = @folder AND m.uid_validity = @uid_validity AND m.uid = @uid)
                            OR (m.direction = @direction AND m.dedupe_key = @dedupe_key AND m.content_key)
                            OR (m.direction = @direction AND m.dedupe_key = @legacy_key AND NOT m.content_key
                                AND (m.folder, m.uid_validity) IS DISTINCT FROM (@folder, @uid_validity)))
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
        parameters.AddWithValue("legacy_key", NpgsqlDbType.Text, message.LegacyKey);
        parameters.AddWithValue("folder", NpgsqlDbType.Text, message.Location.Folder);
        parameters.AddWithValue("uid_validity", NpgsqlDbType.Bigint, message.Location.UidValidity);
        parameters.AddWithValue("uid", NpgsqlDbType.Bigint, message.Location.Uid);
    }

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;
}
