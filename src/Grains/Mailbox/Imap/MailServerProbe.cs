using MailKit;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>"Test connection" and "Load" of My Profile: connect, log in, list, and say precisely what failed.</summary>
public sealed class MailServerProbe(IImapConnector connector)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<ConnectionTestResult> TestAsync(ImapEndpoint endpoint, CancellationToken cancellationToken) =>
        (await LoadFoldersAsync(endpoint, cancellationToken)).Connection;

    public async Task<FolderListResult> LoadFoldersAsync(ImapEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.Port is < 1 or > 65535 || !MailAddressRules.IsHost(endpoint.Server))
        {
            return new FolderListResult(new ConnectionTestResult(false,
                $"'{endpoint.Server}:{endpoint.Port}' is not a server name or address with a port from 1 to 65535.", MailErrorKind.Connect), [], null);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = await connector.ConnectAsync(endpoint, timeout.Token);
            var folders = client.PersonalNamespaces.Count > 0
                ? await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: false, timeout.Token)
                : [client.Inbox];
            var all = folders.Contains(client.Inbox) ? folders : [client.Inbox, .. folders];
            var sent = SentFolderDetector.Detect(all.ToList());
            await client.DisconnectAsync(quit: true, timeout.Token);
            return new FolderListResult(
                ConnectionTestResult.Success,
                all.Select(folder => new MailFolderInfo(folder.FullName, SentFolderDetector.SpecialUseOf(folder))).ToList(),
                sent?.FullName);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (kind, message) = MailErrors.Describe(exception, endpoint.Server, endpoint.Port);
            return new FolderListResult(new ConnectionTestResult(false, message, kind), [], null);
        }
    }
}
