using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>Connects to the real server with MailKit over TCP.</summary>
internal sealed class MailKitImapConnector(MailServerTrust trust, IOptions<MailSyncOptions> options) : IImapConnector
{
    public async Task<ImapClient> ConnectAsync(ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        // The command timeout covers the greeting, STARTTLS and the login too: a server that accepts the connection and
        // then says nothing is given up on as soon as one that stalls under a command.
        var client = trust.Configure(new ImapClient(), options.Value.CommandTimeout, endpoint.DontValidateCertificate);
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
