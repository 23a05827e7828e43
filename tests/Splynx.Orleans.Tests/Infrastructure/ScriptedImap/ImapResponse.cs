using System.Globalization;
using System.Text;
using MailKit;
using MimeKit;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>
/// One server response being written: the bytes for the wire and, alongside, the text for the
/// transcript (where a message body shows as its size only).
/// </summary>
internal sealed class ImapResponse
{
    private readonly MemoryStream _bytes = new();
    private readonly StringBuilder _transcript = new();

    public ImapResponse(string start = "") => Text(start);

    public string TranscriptText => _transcript.ToString();

    public byte[] ToArray()
    {
        var line = _bytes.ToArray();
        return [.. line, (byte)'\r', (byte)'\n'];
    }

    public ImapResponse Text(string text)
    {
        _bytes.Write(Encoding.UTF8.GetBytes(text));
        _transcript.Append(text);
        return this;
    }

    /// <summary>NIL, a quoted string, or a literal when the value cannot be quoted (8-bit, CR, LF).</summary>
    public ImapResponse String(string? value)
    {
        if (value is null)
        {
            return Text("NIL");
        }
        if (value.All(c => c is >= ' ' and <= '~'))
        {
            return Text("\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        Text(Invariant($"{{{bytes.Length}}}\r\n"));
        _bytes.Write(bytes);
        _transcript.Append(value);
        return this;
    }

    /// <summary>A message (or part) as a literal; the transcript only says how big it was.</summary>
    public ImapResponse Literal(byte[] bytes)
    {
        _bytes.Write(Encoding.ASCII.GetBytes(Invariant($"{{{bytes.Length}}}\r\n")));
        _bytes.Write(bytes);
        _transcript.Append(Invariant($"{{{bytes.Length}}} <{bytes.Length} bytes of message>"));
        return this;
    }

    public ImapResponse Flags(MessageFlags flags) => Text("(" + string.Join(' ', FlagNames(flags)) + ")");

    public ImapResponse InternalDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        return Text("\"" + date.ToString("dd-MMM-yyyy HH:mm:ss", CultureInfo.InvariantCulture)
            + Invariant($" {sign}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}") + "\"");
    }

    /// <summary>
    /// The ENVELOPE of RFC 3501 from the message's own headers, as a server builds it: date, subject,
    /// from, sender, reply-to, to, cc, bcc, in-reply-to, message-id. Sender and reply-to default to from.
    /// </summary>
    public ImapResponse Envelope(MimeMessage message)
    {
        Text("(");
        String(RawHeader(message, HeaderId.Date)).Text(" ");
        String(RawHeader(message, HeaderId.Subject)).Text(" ");
        Addresses(message.From.Mailboxes).Text(" ");
        Addresses(message.Sender is { } sender ? [sender] : message.From.Mailboxes).Text(" ");
        Addresses(message.ReplyTo.Count > 0 ? message.ReplyTo.Mailboxes : message.From.Mailboxes).Text(" ");
        Addresses(message.To.Mailboxes).Text(" ");
        Addresses(message.Cc.Mailboxes).Text(" ");
        Addresses(message.Bcc.Mailboxes).Text(" ");
        String(RawHeader(message, HeaderId.InReplyTo)).Text(" ");
        String(RawHeader(message, HeaderId.MessageId));
        return Text(")");
    }

    public static IEnumerable<string> FlagNames(MessageFlags flags)
    {
        if (flags.HasFlag(MessageFlags.Answered))
        {
            yield return "\\Answered";
        }
        if (flags.HasFlag(MessageFlags.Flagged))
        {
            yield return "\\Flagged";
        }
        if (flags.HasFlag(MessageFlags.Deleted))
        {
            yield return "\\Deleted";
        }
        if (flags.HasFlag(MessageFlags.Seen))
        {
            yield return "\\Seen";
        }
        if (flags.HasFlag(MessageFlags.Draft))
        {
            yield return "\\Draft";
        }
    }

    public static MessageFlags ParseFlag(string name) => name.ToUpperInvariant() switch
    {
        "\\ANSWERED" => MessageFlags.Answered,
        "\\FLAGGED" => MessageFlags.Flagged,
        "\\DELETED" => MessageFlags.Deleted,
        "\\SEEN" => MessageFlags.Seen,
        "\\DRAFT" => MessageFlags.Draft,
        _ => throw new ImapSyntaxException($"Unsupported flag {name}"),
    };

    private ImapResponse Addresses(IEnumerable<MailboxAddress> addresses)
    {
        var list = addresses.ToList();
        if (list.Count == 0)
        {
            return Text("NIL");
        }
        Text("(");
        foreach (var address in list)
        {
            Text("(");
            String(EncodedName(address.Name)).Text(" NIL ");
            String(address.LocalPart).Text(" ");
            String(string.IsNullOrEmpty(address.Domain) ? null : address.Domain);
            Text(")");
        }
        return Text(")");
    }

    /// <summary>Display names go out as the server would have them: RFC 2047 encoded when not plain ASCII.</summary>
    private static string? EncodedName(string? name) =>
        string.IsNullOrEmpty(name) ? null
        : name.All(char.IsAscii) ? name
        : Encoding.ASCII.GetString(MimeKit.Utils.Rfc2047.EncodeText(FormatOptions.Default, Encoding.UTF8, name));

    /// <summary>The header's value as it stands in the message (still encoded), unfolded; null when absent.</summary>
    private static string? RawHeader(MimeMessage message, HeaderId id) =>
        message.Headers.FirstOrDefault(header => header.Id == id) is { } header
            ? Encoding.UTF8.GetString(header.RawValue).ReplaceLineEndings("").Trim()
            : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
