using MimeKit;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>A fetched message taken apart into the columns it is stored in.</summary>
/// <remarks>
/// The MIME tree was parsed persistently: attachments still point into <see cref="FetchedMessage.Raw"/>
/// and are only decoded when they are written, so disposing of this releases no bytes of the message itself.
/// </remarks>
internal sealed class ParsedMessage(FetchedMessage fetched, MimeMessage mime) : IDisposable
{
    public FetchedMessage Fetched { get; } = fetched;

    /// <summary>What identifies the message: its content (<see cref="ContentKey"/>), whatever its Message-ID.</summary>
    public required string DedupeKey { get; init; }

    /// <summary>
    /// The key rows stored before migration 14 carry (the Message-ID, or <c>fp:</c> and a hash of some headers): the
    /// only way to recognise the message in such a row once its server location has changed.
    /// </summary>
    public required string LegacyKey { get; init; }

    public required string? MessageId { get; init; }

    public required string? InReplyTo { get; init; }

    public required string[] References { get; init; }

    public required MailAddress From { get; init; }

    public required IReadOnlyList<MailAddress> To { get; init; }

    public required IReadOnlyList<MailAddress> Cc { get; init; }

    public required string? Subject { get; init; }

    /// <summary>The Date header in UTC, or the server's INTERNALDATE when the header is missing or unreadable.</summary>
    public required DateTime Date { get; init; }

    public required string? Snippet { get; init; }

    public required string? TextBody { get; init; }

    public required string? HtmlBody { get; init; }

    public required IReadOnlyList<ParsedAttachment> Attachments { get; init; }

    /// <summary>The full-text search vector, computed here rather than by the database (see <see cref="SearchText"/>).</summary>
    public required NpgsqlTypes.NpgsqlTsVector Search { get; init; }

    public required long RawSize { get; init; }

    public string MailboxId => Fetched.MailboxId;

    public ServerLocation Location => Fetched.Location;

    public string DirectionText => Fetched.Direction == MessageDirection.In ? "in" : "out";

    /// <summary>The customer or lead the message was paired with as it was stored, if any.</summary>
    public string? CustomerId { get; set; }

    public MessageSummary Summary(long id) =>
        new(id.ToString(System.Globalization.CultureInfo.InvariantCulture), MailboxId, Fetched.Direction, From, To, Subject, Date,
            Snippet, CustomerId, AuthorFound: CustomerId is not null, HasAttachments: Attachments.Count > 0);

    public void Dispose() => mime.Dispose();
}

/// <summary>An attachment of a <see cref="ParsedMessage"/>, still encoded inside the raw message.</summary>
internal sealed class ParsedAttachment(int position, MimePart part)
{
    private byte[]? _content;

    /// <summary>Order in the message, so that the view lists attachments as the sender attached them.</summary>
    public int Position { get; } = position;

    public string? FileName { get; } = DatabaseText.Clean(part.FileName);

    public string ContentType { get; } = DatabaseText.Clean(part.ContentType.MimeType.ToLowerInvariant())!;

    /// <summary>Lets the HTML view resolve <c>cid:</c> references to inline images.</summary>
    public string? ContentId { get; } = DatabaseText.Clean(part.ContentId);

    /// <summary>The size as transferred; an upper bound of the decoded size for every transfer encoding.</summary>
    public long EncodedSize { get; } = part.Content switch
    {
        null => 0,
        { Stream.CanSeek: true } content => content.Stream.Length,
        _ => long.MaxValue,
    };

    /// <summary>Decodes a small attachment into memory, once.</summary>
    public async Task<byte[]> ReadContentAsync(CancellationToken cancellationToken)
    {
        if (_content is null)
        {
            _content = await TryDecodeBase64Async(cancellationToken);
            if (_content is null)
            {
                using var buffer = new MemoryStream(checked((int)EncodedSize));
                await DecodeToAsync(buffer, cancellationToken);
                _content = buffer.ToArray();
            }
        }
        return _content;
    }

    /// <summary>
    /// Base64, nearly every attachment, decoded by the runtime's vectorised decoder in place: several times
    /// faster than a filtered stream. Null when the content is not well-formed base64, for MimeKit's lenient
    /// decoder to make what it can of it.
    /// </summary>
    private async Task<byte[]?> TryDecodeBase64Async(CancellationToken cancellationToken)
    {
        if (part.ContentTransferEncoding != ContentEncoding.Base64 || part.Content is not { Stream.CanSeek: true } content)
        {
            return null;
        }
        var encoded = GC.AllocateUninitializedArray<byte>(checked((int)content.Stream.Length));
        content.Stream.Position = 0;
        await content.Stream.ReadExactlyAsync(encoded, cancellationToken);
        // The decoder skips line breaks itself, but only on a slow path; MIME breaks every 76 characters.
        var length = RemoveLineBreaks(encoded);
        if (System.Buffers.Text.Base64.DecodeFromUtf8InPlace(encoded.AsSpan(0, length), out var written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }
        var decoded = GC.AllocateUninitializedArray<byte>(written);
        encoded.AsSpan(0, written).CopyTo(decoded);
        return decoded;
    }

    /// <summary>Moves everything but CR and LF to the front; the length of what is left.</summary>
    private static int RemoveLineBreaks(Span<byte> text)
    {
        var kept = 0;
        var rest = text;
        while (!rest.IsEmpty)
        {
            var lineBreak = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var run = lineBreak < 0 ? rest : rest[..lineBreak];
            run.CopyTo(text[kept..]);
            kept += run.Length;
            rest = lineBreak < 0 ? [] : rest[(lineBreak + 1)..];
        }
        return kept;
    }

    /// <summary>
    /// Decodes a large attachment into a temporary file that deletes itself when disposed. Npgsql streams a
    /// seekable stream straight to the server but buffers any other stream whole, so the decoded bytes go
    /// to disk rather than through memory.
    /// </summary>
    public async Task<FileStream> DecodeToTemporaryFileAsync(CancellationToken cancellationToken)
    {
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"splynx-attachment-{Guid.NewGuid():N}"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await DecodeToAsync(file, cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private Task DecodeToAsync(Stream destination, CancellationToken cancellationToken) =>
        part.Content is { } content ? content.DecodeToAsync(destination, cancellationToken) : Task.CompletedTask;
}
