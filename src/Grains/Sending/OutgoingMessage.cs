using MimeKit;
using MimeKit.Utils;
using Splynx.Orleans.Storage.Outbox;

namespace Splynx.Orleans.Sending;

/// <summary>Builds the MIME message of a send once, with its Message-ID, so every copy of it is the same bytes.</summary>
public static class OutgoingMessage
{
    public static MimeMessage Build(MailboxAddress from, string? replyTo, MailboxAddress to, string subject, string? text, string? html,
        RepliedMessage? replied, DateTimeOffset date)
    {
        var message = new MimeMessage
        {
            Subject = subject,
            Date = date,
            MessageId = MimeUtils.GenerateMessageId(from.Domain is { Length: > 0 } domain ? domain : "localhost"),
        };
        message.From.Add(from);
        message.To.Add(to);
        if (!string.IsNullOrWhiteSpace(replyTo))
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyTo.Trim()));
        }
        if (replied?.MessageId is { } answered)
        {
            message.InReplyTo = answered;
            foreach (var reference in replied.References.Where(reference => reference != answered))
            {
                message.References.Add(reference);
            }
            message.References.Add(answered);
        }
        message.Body = new BodyBuilder
        {
            TextBody = string.IsNullOrEmpty(text) ? null : text,
            HtmlBody = string.IsNullOrEmpty(html) ? null : html,
        }.ToMessageBody();
        return message;
    }

    public static byte[] ToBytes(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(FormatOptions.Default, buffer);
        return buffer.ToArray();
    }

    /// <summary>"Re: " once, as mail clients do.</summary>
    public static string ReplySubject(string? original) =>
        string.IsNullOrWhiteSpace(original) ? "Re:"
        : original.TrimStart().StartsWith("re:", StringComparison.OrdinalIgnoreCase) ? original.Trim()
        : "Re: " + original.Trim();
}
