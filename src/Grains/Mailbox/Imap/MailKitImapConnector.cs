using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Configuration;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>Connects to the real server with MailKit over TCP.</summary>
internal sealed class MailKitImapConnector(IConfiguration configuration) : IImapConnector
{
    /// <summary>How long a single command may wait for the server before the connection is presumed dead.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly bool _checkRevocation = configuration.GetValue("Mail:CheckCertificateRevocation", false);

    public async Task<ImapClient> ConnectAsync(ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        var client = new ImapClient
        {
            Timeout = (int)CommandTimeout.TotalMilliseconds,
            CheckCertificateRevocation = _checkRevocation,
        };
        if (endpoint.DontValidateCertificate)
        {
#pragma warning disable CA5359 // The admin chose "Don't validate certificate" for this server (setting S8).
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        try
        {
            await client.ConnectAsync(endpoint.Server, endpoint.Port, ToSocketOptions(endpoint.Security), cancellationToken);
            await client.AuthenticateAsync(endpoint.Username, endpoint.Password, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static SecureSocketOptions ToSocketOptions(ImapSecurity security) => security switch
    {
        ImapSecurity.Ssl => SecureSocketOptions.SslOnConnect,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };
}
