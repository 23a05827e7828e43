using System.Globalization;
using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// Messages built to hurt a parser, generated here byte by byte (nothing is downloaded): each has a subject that starts
/// with its name in ASCII, so that a test can find it whatever the parser made of the rest.
/// </summary>
internal static class HostileMail
{
    /// <summary>A message of the corpus; <paramref name="MustStore"/> when nothing in it is a reason to quarantine it.</summary>
    internal sealed record Sample(string Name, byte[] Raw, bool MustStore);

    private const string Crlf = "\r\n";

    public static IReadOnlyList<Sample> Corpus()
    {
        var samples = new List<Sample>
        {
            new("broken-boundary", Ascii(Header("broken-boundary", "Content-Type: multipart/mixed; boundary=\"declared\"") +
                "--not-the-declared-one\r\nContent-Type: text/plain\r\n\r\nA part behind the wrong delimiter.\r\n--not-the-declared-one--\r\n"), MustStore: true),
            new("boundary-never-ends", Ascii(Header("boundary-never-ends", "Content-Type: multipart/mixed; boundary=\"open\"") +
                "--open\r\nContent-Type: text/plain\r\n\r\nThe first part.\r\n--open\r\nContent-Type: text/html\r\n\r\n<p>The last part, and no closing delimiter\r\n"),
                MustStore: true),
            new("eight-bit-headers", Bytes(Ascii(Header("eight-bit-headers", "Content-Type: text/plain", subjectTail: null, from: null, headerDone: false)),
                "Subject: eight-bit-headers Grüße aus Köln\r\nFrom: Jürgen Müller <juergen@elsewhere.test>\r\n"u8.ToArray(),
                Ascii("\r\nRaw UTF-8 in the header, as many servers pass it.\r\n")), MustStore: true),
            new("invalid-utf8-headers", Bytes(Ascii(Header("invalid-utf8-headers", "Content-Type: text/plain", subjectTail: null, from: null, headerDone: false)),
                Ascii("Subject: invalid-utf8-headers "), [0xC3, 0x28, 0xFF, 0xFE, 0xA0, 0xE2, 0x82], Ascii("\r\nFrom: "), [0xC0, 0xAF, 0xED, 0xA0, 0x80],
                Ascii(" <broken@elsewhere.test>\r\n\r\nBytes that are no UTF-8 at all.\r\n")), MustStore: true),
            new("rfc2047-wrong-charsets", Ascii(Header("rfc2047-wrong-charsets", "Content-Type: text/plain",
                subjectTail: " =?utf-8?B?" + Convert.ToBase64String(Encoding.Latin1.GetBytes("Grüße aus Köln")) + "?= =?x-no-such-charset?Q?caf=E9?= =?iso-8859-1?B?!!!not-base64?=",
                from: "=?utf-7?Q?+AGQ-?= =?bogus?B?AAAA?= <words@elsewhere.test>") + "A subject in charsets that lie.\r\n"), MustStore: true),
            new("header-line-64k", Ascii(Header("header-line-64k", "Content-Type: text/plain", subjectTail: " " + new string('s', 64 * 1024), headerDone: false) +
                "X-Long: " + new string('x', 64 * 1024) + "\r\n\r\nA subject and a field of 64 KB on one line each.\r\n"), MustStore: true),
            new("from-line-64k", Ascii(Header("from-line-64k", "Content-Type: text/plain", from: new string('f', 64 * 1024) + "@elsewhere.test") +
                "An address of 64 KB.\r\n"), MustStore: false),
            new("ten-thousand-headers", Ascii(Header("ten-thousand-headers", "Content-Type: text/plain", headerDone: false) +
                string.Concat(Enumerable.Range(0, 10_000).Select(i => $"X-Field-{i}: value {i}\r\n")) + "\r\n10,000 header fields.\r\n"), MustStore: true),
            new("nested-500-deep", Ascii(Nested(500)), MustStore: false),
            new("zero-byte-attachment", Ascii(Header("zero-byte-attachment", "Content-Type: multipart/mixed; boundary=\"z\"") +
                "--z\r\nContent-Type: text/plain\r\n\r\nAn empty file is attached.\r\n" +
                "--z\r\nContent-Type: application/octet-stream; name=\"empty.bin\"\r\nContent-Disposition: attachment; filename=\"empty.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\r\n--z--\r\n"),
                MustStore: true),
            new("same-message-id-a", Ascii(Header("same-message-id-a", "Content-Type: text/plain", messageId: "<reused@elsewhere.test>") + "One content.\r\n"), MustStore: true),
            new("same-message-id-b", Ascii(Header("same-message-id-b", "Content-Type: text/plain", messageId: "<reused@elsewhere.test>") + "Another content.\r\n"), MustStore: true),
            new("no-date", Ascii(Header("no-date", "Content-Type: text/plain", date: null) + "No Date field.\r\n"), MustStore: true),
            new("no-from", Ascii(Header("no-from", "Content-Type: text/plain", from: null) + "No From field.\r\n"), MustStore: true),
            new("from-1000-addresses", Ascii(Header("from-1000-addresses", "Content-Type: text/plain",
                from: string.Join(",\r\n ", Enumerable.Range(0, 1000).Select(i => $"Sender {i} <sender{i}@elsewhere.test>"))) + "A thousand authors.\r\n"), MustStore: true),
            new("tnef-and-calendar", Ascii(Header("tnef-and-calendar", "Content-Type: multipart/mixed; boundary=\"t\"") +
                "--t\r\nContent-Type: text/plain\r\n\r\nAn invitation from Outlook.\r\n" +
                "--t\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + Calendar() +
                "--t\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                Base64Lines(Tnef()) + "--t--\r\n"), MustStore: true),
            new("zip-bomb-text-part", Ascii(Header("zip-bomb-text-part", "Content-Type: multipart/mixed; boundary=\"b\"") +
                "--b\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Encoding: gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                Base64Lines(GzipOfZeros(256 * 1024 * 1024)) +
                "--b\r\nContent-Type: application/zip; name=\"report.txt.zip\"\r\nContent-Disposition: attachment; filename=\"report.txt.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                Base64Lines(ZipOfZeros("report.txt", 256 * 1024 * 1024)) + "--b--\r\n"), MustStore: true),
        };
        return samples;
    }

    /// <summary>A plain message with a text body and an attachment of random bytes, about <paramref name="size"/> bytes in all, written to a file.</summary>
    public static async Task WriteLargeAsync(string path, string name, long size)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        await file.WriteAsync(Ascii(Header(name, "Content-Type: multipart/mixed; boundary=\"big\"") +
            "--big\r\nContent-Type: text/plain\r\n\r\nA very large attachment.\r\n" +
            "--big\r\nContent-Type: application/octet-stream; name=\"large.bin\"\r\nContent-Disposition: attachment; filename=\"large.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"));
        var random = new Random(16);
        var chunk = new byte[57 * 1000]; // 57 bytes a base64 line of 76 characters
        var line = new StringBuilder();
        while (file.Length < size)
        {
            random.NextBytes(chunk);
            line.Clear();
            for (var offset = 0; offset < chunk.Length; offset += 57)
            {
                line.Append(Convert.ToBase64String(chunk, offset, 57)).Append(Crlf);
            }
            await file.WriteAsync(Ascii(line.ToString()));
        }
        await file.WriteAsync(Ascii("--big--\r\n"));
    }

    /// <summary>
    /// APPENDs the bytes exactly as they are (MailKit would parse and write the message again, mending some of what
    /// these samples break), over plain-text IMAP on loopback. Returns the UID.
    /// </summary>
    public static async Task<uint> AppendRawAsync(MailUser user, Stream raw, DateTimeOffset internalDate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", LocalStack.ImapPort);
        await using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1, false, 4096, leaveOpen: true);
        await ExpectAsync(reader, "* OK");
        await WriteAsync(stream, $"a1 LOGIN \"{user.Login}\" \"{user.Password}\"\r\n");
        await ExpectAsync(reader, "a1 OK");
        var date = internalDate.ToString("dd-MMM-yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        await WriteAsync(stream, $"a2 APPEND INBOX \"{date}\" {{{raw.Length}+}}\r\n");
        await raw.CopyToAsync(stream);
        await WriteAsync(stream, "\r\n");
        var answer = await ExpectAsync(reader, "a2 OK");
        await WriteAsync(stream, "a3 LOGOUT\r\n");
        // "a2 OK [APPENDUID 1700000000 7] Append completed."
        var words = answer.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return uint.Parse(words[Array.IndexOf(words, "[APPENDUID") + 2].TrimEnd(']'), CultureInfo.InvariantCulture);
    }

    private static async Task<string> ExpectAsync(StreamReader reader, string prefix)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
            if (line.StartsWith(prefix.Split(' ')[0] + " ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Dovecot answered '{line}' where '{prefix}' was expected.");
            }
        }
        throw new InvalidOperationException($"Dovecot closed the connection before '{prefix}'.");
    }

    private static Task WriteAsync(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>The top-level header, ending with the empty line unless <paramref name="headerDone"/> is false.</summary>
    private static string Header(string name, string contentType, string? subjectTail = "", string? from = "Hostile Sender <hostile@elsewhere.test>",
        string? date = "Mon, 3 Nov 2025 09:00:00 +0000", string? messageId = "", bool headerDone = true)
    {
        var header = new StringBuilder();
        if (from is not null)
        {
            header.Append("From: ").Append(from).Append(Crlf);
        }
        header.Append("To: admin@example.test").Append(Crlf);
        if (subjectTail is not null)
        {
            header.Append("Subject: ").Append(name).Append(subjectTail).Append(Crlf);
        }
        if (date is not null)
        {
            header.Append("Date: ").Append(date).Append(Crlf);
        }
        header.Append("Message-ID: ").Append(messageId is "" ? $"<{name}.{Guid.NewGuid():N}@elsewhere.test>" : messageId).Append(Crlf);
        header.Append("MIME-Version: 1.0").Append(Crlf).Append(contentType).Append(Crlf);
        if (headerDone)
        {
            header.Append(Crlf);
        }
        return header.ToString();
    }

    private static string Nested(int depth)
    {
        var text = new StringBuilder(Header("nested-500-deep", "Content-Type: multipart/mixed; boundary=\"n0\""));
        for (var level = 1; level < depth; level++)
        {
            text.Append("--n").Append(level - 1).Append(Crlf).Append("Content-Type: multipart/mixed; boundary=\"n").Append(level).Append('"').Append(Crlf).Append(Crlf);
        }
        text.Append("--n").Append(depth - 1).Append("\r\nContent-Type: text/plain\r\n\r\nThe innermost part.\r\n");
        for (var level = depth - 1; level >= 0; level--)
        {
            text.Append("--n").Append(level).Append("--").Append(Crlf);
        }
        return text.ToString();
    }

    private static string Calendar() => string.Join(Crlf, "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Splynx tests//EN", "METHOD:REQUEST", "BEGIN:VEVENT",
        "UID:hostile-1@elsewhere.test", "DTSTART:20251104T090000Z", "DTEND:20251104T100000Z", "SUMMARY:Line repair visit",
        "ORGANIZER:mailto:hostile@elsewhere.test", "END:VEVENT", "END:VCALENDAR", "");

    /// <summary>A TNEF stream's signature and key followed by an attribute that claims far more bytes than there are.</summary>
    private static byte[] Tnef() => [0x78, 0x9F, 0x3E, 0x22, 0x01, 0x00, 0x01, 0x06, 0x90, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 0x01, 0x02, 0x03];

    private static byte[] GzipOfZeros(int size)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            WriteZeros(gzip, size);
        }
        return packed.ToArray();
    }

    private static byte[] ZipOfZeros(string entryName, int size)
    {
        using var packed = new MemoryStream();
        using (var zip = new ZipArchive(packed, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry(entryName, CompressionLevel.SmallestSize).Open();
            WriteZeros(entry, size);
        }
        return packed.ToArray();
    }

    private static void WriteZeros(Stream target, int size)
    {
        var zeros = new byte[1 << 20];
        for (var written = 0; written < size; written += zeros.Length)
        {
            target.Write(zeros, 0, Math.Min(zeros.Length, size - written));
        }
    }

    private static string Base64Lines(byte[] bytes)
    {
        var text = new StringBuilder();
        for (var offset = 0; offset < bytes.Length; offset += 57)
        {
            text.Append(Convert.ToBase64String(bytes, offset, Math.Min(57, bytes.Length - offset))).Append(Crlf);
        }
        return text.ToString();
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static byte[] Bytes(params byte[][] parts) => [.. parts.SelectMany(part => part)];
}
