using MailKit.Net.Smtp;

namespace Splynx.Orleans.Sending;

/// <summary>
/// Opens an SMTP session, connected and (unless the auth type is <c>none</c>) authenticated. Sending
/// only ever talks to the server through the <see cref="SmtpClient"/> it returns.
/// </summary>
public interface ISmtpConnector
{
    Task<SmtpClient> ConnectAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken);
}
