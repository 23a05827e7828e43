using MailKit;
using Microsoft.Extensions.Configuration;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// How IMAP and SMTP clients judge a server's certificate: revocation checks as <c>Mail:CheckCertificateRevocation</c>
/// says, and no validation at all where the admin ticked "Don't validate certificate" for that server.
/// </summary>
public sealed class MailServerTrust(IConfiguration configuration)
{
    private readonly bool _checkRevocation = configuration.GetValue("Mail:CheckCertificateRevocation", false);

    /// <summary>Sets a new client's timeout and certificate policy.</summary>
    public T Configure<T>(T client, TimeSpan commandTimeout, bool dontValidateCertificate) where T : MailService
    {
        client.Timeout = (int)commandTimeout.TotalMilliseconds;
        client.CheckCertificateRevocation = _checkRevocation;
        if (dontValidateCertificate)
        {
#pragma warning disable CA5359 // The admin chose "Don't validate certificate" for this server (settings S8, S9).
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        return client;
    }
}
