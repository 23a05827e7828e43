using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

public enum AuthorFilter
{
    All,
    Known,
    Unknown,
}

/// <summary>Filters of the inbox (I1): author found or not, free text, and a period.</summary>
public sealed record InboxFilter(AuthorFilter Author = AuthorFilter.All, string? Text = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>A page of a list, newest first; <see cref="Next"/> is passed back as <c>before</c> for the next page (null on the last).</summary>
public sealed record MessagePage<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// A message of a customer's conversation, with the thread it belongs to, its threading headers (so that a reply
/// can be shown under what it answers), the name of the mailbox's owner, and for mail sent through the service
/// its outbox entry (<see cref="Email"/>), which only the sender may be shown.
/// </summary>
public sealed record ConversationMessage(
    MessageSummary Summary,
    string ThreadId,
    string? MessageId = null,
    string? InReplyTo = null,
    IReadOnlyList<string>? References = null,
    string? MailboxOwnerName = null,
    OutgoingEmailState? Email = null);

/// <summary>The outbox entry of an email sent through the service: its id, status (as stored) and error.</summary>
public sealed record OutgoingEmailState(string Id, string Status, string? Error);

public sealed record AttachmentInfo(string Id, string? FileName, string ContentType, long Size);

/// <summary>Everything the view of a message shows (I3); the HTML is already made safe.</summary>
public sealed record MessageView(
    MessageSummary Summary,
    IReadOnlyList<MailAddress> Cc,
    string? MessageId,
    string? InReplyTo,
    string? TextBody,
    string? HtmlBody,
    IReadOnlyList<AttachmentInfo> Attachments);

/// <summary>
/// The read side of the messages: inbox pages, conversations, the view of a message, attachments.
/// Pages use keyset pagination on (date, id), so a page stays stable while new mail arrives.
/// Callers check access first (<see cref="MailboxAccessRules"/>).
/// </summary>
public sealed class MessageQueries(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 200;

    public async Task<MessagePage<MessageSummary>> InboxAsync(string mailboxId, InboxFilter filter, string? before, int limit,
        CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var cursor = PageCursor.Parse(before);
        // Tokenized here as the stored vectors were (SearchText), so that both sides agree.
        string? search = null;
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            search = SearchText.Query(filter.Text);
            if (search is null)
            {
                // Text without a single word (only punctuation): websearch_to_tsquery made an empty query of it,
                // which matches no message, so this stays an empty page rather than becoming "no filter".
                return new MessagePage<MessageSummary>([], null);
            }
        }
        await using var command = dataSource.CreateCommand($"""
            SELECT {MessageSummaryReader.Columns("m")}
              FROM mail_messages m
             WHERE m.mailbox_id = @mailbox
               AND (@author = 'all' OR (@author = 'known') = (m.customer_id IS NOT NULL))
               AND (@text IS NULL OR m.search @@ @text::tsquery)
               AND (@from IS NULL OR m.date >= @from)
               AND (@to IS NULL OR m.date < @to)
               AND (@before_date IS NULL OR (m.date, m.id) < (@before_date, @before_id))
             ORDER BY m.date DESC, m.id DESC
             LIMIT @limit
            """);
        command.Parameters.AddWithValue("mailbox", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("author", NpgsqlDbType.Text, filter.Author.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("text", NpgsqlDbType.Text, search ?? (object)DBNull.Value);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, filter.From?.UtcDateTime ?? (object)DBNull.Value);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, filter.To?.UtcDateTime ?? (object)DBNull.Value);
        AddCursor(command, cursor, limit);
        var items = new List<MessageSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(MessageSummaryReader.Read(reader));
        }
        return new MessagePage<MessageSummary>(items, NextCursor(items.Count, limit, items.LastOrDefault()));
    }

    /// <summary>
    /// A customer's conversation (C2): its messages in the given mailboxes, both directions, newest first,
    /// each with its thread: the first message of the References chain, or the one it replies to, or itself.
    /// </summary>
    public async Task<MessagePage<ConversationMessage>> ConversationAsync(string customerId, IReadOnlyCollection<string> mailboxIds,
        string? before, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var cursor = PageCursor.Parse(before);
        await using var command = dataSource.CreateCommand($"""
            SELECT {MessageSummaryReader.Columns("m")},
                   coalesce(m."references"[1], m.in_reply_to, m.message_id, 'message:' || m.id),
                   m.message_id, m.in_reply_to, m."references", a.name, o.id, o.status, o.error
              FROM mail_messages m
              LEFT JOIN admins a ON a.id = m.mailbox_id
              LEFT JOIN mail_outbox o ON m.direction = 'out' AND o.message_id = m.message_id AND o.admin_id = m.mailbox_id
             WHERE m.customer_id = @customer AND m.mailbox_id = ANY(@mailboxes)
               AND (@before_date IS NULL OR (m.date, m.id) < (@before_date, @before_id))
             ORDER BY m.date DESC, m.id DESC
             LIMIT @limit
            """);
        command.Parameters.AddWithValue("customer", NpgsqlDbType.Text, customerId);
        command.Parameters.AddWithValue("mailboxes", NpgsqlDbType.Array | NpgsqlDbType.Text, mailboxIds.ToArray());
        AddCursor(command, cursor, limit);
        var items = new List<ConversationMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ConversationMessage(
                MessageSummaryReader.Read(reader),
                reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13),
                reader.IsDBNull(14) ? [] : reader.GetFieldValue<string[]>(14),
                reader.IsDBNull(15) ? null : reader.GetString(15),
                reader.IsDBNull(16) ? null
                    : new OutgoingEmailState(reader.GetInt64(16).ToString(CultureInfo.InvariantCulture), reader.GetString(17),
                        reader.IsDBNull(18) ? null : reader.GetString(18))));
        }
        return new MessagePage<ConversationMessage>(items, NextCursor(items.Count, limit, items.LastOrDefault()?.Summary));
    }

    public async Task<MessageView?> GetAsync(string mailboxId, string messageId, CancellationToken cancellationToken)
    {
        if (!long.TryParse(messageId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }
        await using var command = dataSource.CreateCommand($"""
            SELECT {MessageSummaryReader.Columns("m")}, m.cc, m.message_id, m.in_reply_to, m.text_body, m.html_body,
                   coalesce((SELECT json_agg(json_build_array(a.id, a.file_name, a.content_type, a.size) ORDER BY a.position)
                               FROM mail_attachments a WHERE a.message_id = m.id), '[]')::text
              FROM mail_messages m
             WHERE m.mailbox_id = @mailbox AND m.id = @id
            """);
        command.Parameters.AddWithValue("mailbox", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Bigint, id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var html = reader.IsDBNull(15) ? null : reader.GetString(15);
        var attachments = System.Text.Json.JsonDocument.Parse(reader.GetString(16)).RootElement.EnumerateArray()
            .Select(row => new AttachmentInfo(
                row[0].GetInt64().ToString(CultureInfo.InvariantCulture),
                row[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : row[1].GetString(),
                row[2].GetString() ?? "application/octet-stream",
                row[3].GetInt64()))
            .ToList();
        return new MessageView(
            MessageSummaryReader.Read(reader),
            AddressJson.Deserialize(reader.GetString(11)),
            reader.IsDBNull(12) ? null : reader.GetString(12),
            reader.IsDBNull(13) ? null : reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetString(14),
            html is null ? null : SafeHtml.Sanitize(html),
            attachments);
    }

    /// <summary>Copies an attachment's bytes to <paramref name="destination"/> without holding them in memory. False if unknown.</summary>
    public async Task<(bool Found, string? FileName, string ContentType)> CopyAttachmentAsync(string mailboxId, string messageId,
        string attachmentId, Stream destination, CancellationToken cancellationToken)
    {
        if (!long.TryParse(messageId, NumberStyles.None, CultureInfo.InvariantCulture, out var message)
            || !long.TryParse(attachmentId, NumberStyles.None, CultureInfo.InvariantCulture, out var attachment))
        {
            return (false, null, "");
        }
        await using var command = dataSource.CreateCommand("""
            SELECT a.file_name, a.content_type, a.content
              FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
             WHERE m.mailbox_id = @mailbox AND m.id = @message AND a.id = @attachment
            """);
        command.Parameters.AddWithValue("mailbox", NpgsqlDbType.Text, mailboxId);
        command.Parameters.AddWithValue("message", NpgsqlDbType.Bigint, message);
        command.Parameters.AddWithValue("attachment", NpgsqlDbType.Bigint, attachment);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (false, null, "");
        }
        var fileName = reader.IsDBNull(0) ? null : reader.GetString(0);
        var contentType = reader.GetString(1);
        await using (var content = reader.GetStream(2))
        {
            await content.CopyToAsync(destination, cancellationToken);
        }
        return (true, fileName, contentType);
    }

    private static void AddCursor(NpgsqlCommand command, (DateTime Date, long Id)? cursor, int limit)
    {
        command.Parameters.AddWithValue("before_date", NpgsqlDbType.TimestampTz, cursor?.Date ?? (object)DBNull.Value);
        command.Parameters.AddWithValue("before_id", NpgsqlDbType.Bigint, cursor?.Id ?? 0L);
        command.Parameters.AddWithValue("limit", NpgsqlDbType.Integer, limit);
    }

    private static string? NextCursor(int count, int limit, MessageSummary? last) =>
        count == limit && last is not null ? PageCursor.Format(last.Date, long.Parse(last.Id, CultureInfo.InvariantCulture)) : null;
}

/// <summary>The opaque <c>before</c>/<c>next</c> value of a page: the (date, id) of its last message.</summary>
public static class PageCursor
{
    public static string Format(DateTime date, long id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{date.ToUniversalTime().Ticks}:{id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null for no cursor; throws <see cref="FormatException"/> for one that was not made by <see cref="Format"/>.</summary>
    public static (DateTime Date, long Id)? Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            return (new DateTime(long.Parse(parts[0], CultureInfo.InvariantCulture), DateTimeKind.Utc), long.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception exception) when (exception is FormatException or IndexOutOfRangeException or OverflowException or ArgumentException)
        {
            throw new FormatException("The page cursor is not one this service made.", exception);
        }
    }
}
