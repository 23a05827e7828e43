using MailKit.Net.Imap;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>
/// Opens an authenticated IMAP session. The sync and the connection test only ever talk to the
/// server through the <see cref="ImapClient"/> it returns, so tests can hand them a MailKit client
/// that replays a scripted server transcript instead of a socket.
/// </summary>
public interface IImapConnector
{
    Task<ImapClient> ConnectAsync(ImapEndpoint endpoint, CancellationToken cancellationToken);
}
