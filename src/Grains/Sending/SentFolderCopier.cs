using MailKit;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Imap;

namespace Splynx.Orleans.Sending;

/// <summary>
/// APPENDs a sent message to the admin's Sent folder, as a mail client does. The sync later finds it there
/// and the store recognises it by its content (the bytes the outbox stored), so it stays one message in the service.
/// </summary>
public sealed class SentFolderCopier(IImapConnector connector)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Appends the message marked \Seen; throws what the server or network threw.</summary>
    public async Task CopyAsync(MailSettings settings, string password, MimeMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var client = await connector.ConnectAsync(ImapEndpoint.From(settings, password), timeout.Token);
        var sent = await FindSentFolderAsync(client, settings, timeout.Token)
            ?? throw new InvalidOperationException("The mailbox has no folder of sent mail; choose one in My Profile.");
        await sent.AppendAsync(new AppendRequest(message, MessageFlags.Seen), timeout.Token);
        await client.DisconnectAsync(quit: true, timeout.Token);
    }

    private static async Task<IMailFolder?> FindSentFolderAsync(MailKit.Net.Imap.ImapClient client, MailSettings settings,
        CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(settings.Imap.SentFolder))
        {
            try
            {
                return await client.GetFolderAsync(settings.Imap.SentFolder, cancellationToken);
            }
            catch (FolderNotFoundException)
            {
                // Chosen once, renamed since: detect it as the sync does.
            }
        }
        if (client.PersonalNamespaces.Count == 0)
        {
            return null;
        }
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: false, cancellationToken);
        return SentFolderDetector.Detect(folders.ToList());
    }
}
