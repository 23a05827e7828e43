using MailKit.Net.Imap;
using MailKit.Security;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>Connects to the real server with MailKit over TCP.</summary>
internal sealed class MailKitImapConnector(MailServerTrust trust) : IImapConnector
{
    /// <summary>How long a single command may wait for the server before the connection is presumed dead.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public async Task<ImapClient> ConnectAsync(ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        var client = trust.Configure(new ImapClient(), CommandTimeout, endpoint.DontValidateCertificate);
        try
        {
            await client.ConnectAsync(endpoint.Server, endpoint.Port, ToSocketOptions(endpoint.Security), cancellationToken);
            if (endpoint.Credential == MailCredentialKind.AccessToken)
            {
                await client.AuthenticateAsync(new SaslMechanismOAuth2(endpoint.Username, endpoint.Password), cancellationToken);
            }
            else
            {
                await client.AuthenticateAsync(endpoint.Username, endpoint.Password, cancellationToken);
            }
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
