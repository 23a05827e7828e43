using MailKit;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// Which candidate messages the settings let in: All/Unread (S2, incoming mail only), the import start (S3)
/// and the deny list (S5). Everything is decided from the summary, before any body is fetched, so denied or
/// skipped mail is neither downloaded nor touched.
/// </summary>
internal sealed class ImportFilter(MailSettings settings, MessageDirection direction, DateTimeOffset importStart)
{
    private readonly DenyList _denyList = new(settings.Tracking.DenyList);

    /// <summary>Whether <see cref="Accepts"/> looks at the summary's envelope (so it must be fetched).</summary>
    public bool NeedsEnvelope => !_denyList.IsEmpty;

    public bool Accepts(IMessageSummary summary)
    {
        if (summary.InternalDate is { } delivered && delivered < importStart)
        {
            return false;
        }
        // Unread is about incoming mail: whatever the admin sent from another client sits in Sent already read.
        if (settings.Tracking.Process == ProcessMode.Unread && direction == MessageDirection.In
            && summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen))
        {
            return false;
        }
        return !IsDenied(summary.Envelope);
    }

    /// <summary>Incoming mail is denied by its sender; outgoing mail when every recipient is denied.</summary>
    private bool IsDenied(Envelope? envelope)
    {
        if (envelope is null || _denyList.IsEmpty)
        {
            return false;
        }
        if (direction == MessageDirection.In)
        {
            return envelope.From.Mailboxes.Any(from => _denyList.Matches(from.Address));
        }
        var recipients = envelope.To.Mailboxes.Concat(envelope.Cc.Mailboxes).Concat(envelope.Bcc.Mailboxes).ToList();
        return recipients.Count > 0 && recipients.All(recipient => _denyList.Matches(recipient.Address));
    }
}
