using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Utils;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>Reads the columns of a message from its raw RFC 822 bytes.</summary>
internal static class MessageParser
{
    private const int SnippetLength = 200;

    // Longer Message-IDs are junk, and would not fit a btree index entry (about 2,700 bytes).
    private const int MaxMessageIdLength = 500;

    /// <summary>Parses the message; throws <see cref="FormatException"/> when the bytes are not a message.</summary>
    public static async Task<ParsedMessage> ParseAsync(FetchedMessage fetched, CancellationToken cancellationToken)
    {
        var raw = fetched.Raw;
        raw.Position = 0;
        // Persistent: parts keep offsets into the raw stream instead of copies of their content.
        var mime = await new MimeParser(raw, MimeFormat.Entity, persistent: true).ParseMessageAsync(cancellationToken);
        try
        {
            // MimeKit files the Content-* fields of a message without a multipart body with that body: a message
            // whose only header field is its Content-Type has one.
            if (mime.Headers.Count == 0 && (mime.Body?.Headers.Count ?? 0) == 0)
            {
                throw new FormatException("The message has no header fields.");
            }

            var from = mime.From.Mailboxes.FirstOrDefault() ?? mime.Sender;
            var textBody = DatabaseText.Clean(mime.TextBody);
            var htmlBody = DatabaseText.Clean(mime.HtmlBody);
            textBody ??= htmlBody is null ? null : HtmlText.ToPlainText(htmlBody);
            var messageId = DatabaseText.Clean(mime.MessageId) is { Length: > 0 and <= MaxMessageIdLength } id ? id : null;
            var sender = from is null ? new MailAddress("", null) : Address(from);
            var subject = DatabaseText.Clean(mime.Subject);

            return new ParsedMessage(fetched, mime)
            {
                DedupeKey = await ContentKey.ComputeAsync(raw, cancellationToken),
                LegacyKey = messageId ?? await LegacyFingerprintAsync(mime, raw, cancellationToken),
                MessageId = messageId,
                InReplyTo = DatabaseText.Clean(mime.InReplyTo),
                References = [.. mime.References.Select(reference => DatabaseText.Clean(reference)!)],
                From = sender,
                To = Addresses(mime.To),
                Cc = Addresses(mime.Cc),
                Subject = subject,
                Date = HeaderDate(mime)?.UtcDateTime ?? fetched.InternalDate.UtcDateTime,
                Snippet = Snippet(textBody),
                TextBody = textBody,
                HtmlBody = htmlBody,
                Attachments = Attachments(mime),
                Search = SearchText.Document(subject, sender.Address, sender.Name, textBody),
                RawSize = raw.Length,
            };
        }
        catch
        {
            mime.Dispose();
            throw;
        }
    }

    private static IReadOnlyList<MailAddress> Addresses(InternetAddressList list) => [.. list.Mailboxes.Select(Address)];

    private static MailAddress Address(MailboxAddress mailbox) =>
        new(DatabaseText.Clean(mailbox.Address.ToLowerInvariant())!, DatabaseText.Clean(mailbox.Name) is { Length: > 0 } name ? name : null);

    private static DateTimeOffset? HeaderDate(MimeMessage mime) =>
        mime.Headers[HeaderId.Date] is { } value && DateUtils.TryParse(value, out var date) ? date : null;

    /// <summary>
    /// The key that messages were stored under before they were keyed by content (<see cref="ContentKey"/>), for a
    /// message without a Message-ID: a hash of the headers that its copies share, or of its bytes when it has none of them.
    /// </summary>
    private static async Task<string> LegacyFingerprintAsync(MimeMessage mime, Stream raw, CancellationToken cancellationToken)
    {
        string[] fields =
        [
            mime.Headers[HeaderId.Date]?.Trim() ?? "",
            string.Join(',', mime.From.Mailboxes.Select(m => m.Address.ToLowerInvariant())),
            string.Join(',', mime.To.Mailboxes.Select(m => m.Address.ToLowerInvariant())),
            mime.Subject ?? "",
        ];
        byte[] hash;
        if (fields.All(field => field.Length == 0))
        {
            raw.Position = 0;
            hash = await SHA256.HashDataAsync(raw, cancellationToken);
        }
        else
        {
            hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', fields)));
        }
        return "fp:" + Convert.ToHexStringLower(hash);
    }

    private static string? Snippet(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var snippet = new StringBuilder(SnippetLength);
        var pendingSpace = false;
        foreach (var character in text)
        {
            if (char.IsWhiteSpace(character))
            {
                pendingSpace = snippet.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                snippet.Append(' ');
                pendingSpace = false;
            }
            snippet.Append(character);
            if (snippet.Length >= SnippetLength)
            {
                break;
            }
        }
        // Never end on half of a surrogate pair.
        if (char.IsHighSurrogate(snippet[^1]))
        {
            snippet.Length--;
        }
        return snippet.ToString();
    }

    /// <summary>Parts with a file name or an attachment disposition; the text and HTML bodies are not attachments.</summary>
    private static ParsedAttachment[] Attachments(MimeMessage mime)
    {
        var attachments = new List<ParsedAttachment>();
        foreach (var part in mime.BodyParts.OfType<MimePart>())
        {
            if (part.IsAttachment || part.FileName is not null)
            {
                attachments.Add(new ParsedAttachment(attachments.Count, part));
            }
        }
        return [.. attachments];
    }
}
