using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Tests.Storage;

/// <summary>Builds raw messages the way a mail server would hand them over.</summary>
internal static class TestMail
{
    public static readonly DateTimeOffset InternalDate = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static MimeMessage Message(string subject = "Hello", string from = "alice@example.com", string text = "Hello there")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Alice Sender", from));
        message.To.Add(new MailboxAddress("Bob", "bob@example.test"));
        message.Subject = subject;
        message.Date = new DateTimeOffset(2025, 3, 1, 10, 30, 0, TimeSpan.FromHours(2));
        message.MessageId = $"{Guid.NewGuid():N}@example.com";
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    public static FetchedMessage Fetched(MimeMessage message, string mailboxId, ServerLocation location,
        MessageDirection direction = MessageDirection.In) =>
        Fetched(Bytes(message), mailboxId, location, direction);

    public static FetchedMessage Fetched(byte[] raw, string mailboxId, ServerLocation location,
        MessageDirection direction = MessageDirection.In) =>
        new(mailboxId, location, direction, InternalDate, new MemoryStream(raw, writable: false));

    public static byte[] Bytes(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        return buffer.ToArray();
    }

    public static ServerLocation Inbox(long uid, long uidValidity = 1) => new("INBOX", uidValidity, uid);
}
