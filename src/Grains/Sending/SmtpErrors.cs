using MailKit.Net.Smtp;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Imap;

namespace Splynx.Orleans.Sending;

/// <summary>
/// What went wrong talking to an SMTP server, as a kind and a sentence a person can act on. Network, TLS,
/// authentication and timeouts read as for IMAP (<see cref="MailErrors"/>); SMTP's own refusals quote the server.
/// </summary>
public static class SmtpErrors
{
    public static (MailErrorKind Kind, string Message) Describe(Exception exception, string server, int port) => exception switch
    {
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } command =>
            (MailErrorKind.Protocol, $"{server} refused the recipient {command.Mailbox}: {Reply(command)}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } command =>
            (MailErrorKind.Protocol, $"{server} refused the sender {command.Mailbox}: {Reply(command)}"),
        SmtpCommandException { ErrorCode: SmtpErrorCode.MessageNotAccepted } command =>
            (MailErrorKind.Protocol, $"{server} refused the message: {Reply(command)}"),
        SmtpCommandException command =>
            (MailErrorKind.Protocol, $"{server} answered with an error: {Reply(command)}"),
        SmtpProtocolException =>
            (MailErrorKind.Protocol, $"{server}:{port} did not behave as an SMTP server should: {exception.Message}"),
        NotSupportedException =>
            (MailErrorKind.Protocol, $"{server}:{port} does not support what the settings ask for: {exception.Message} Check the security and auth type."),
        _ => MailErrors.Describe(exception, server, port),
    };

    private static string Reply(SmtpCommandException command) => $"{(int)command.StatusCode} {command.Message}";
}
