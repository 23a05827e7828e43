using MailKit;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>Finds the folder of sent mail: the SPECIAL-USE <c>\Sent</c> folder first, then the names clients commonly use.</summary>
public static class SentFolderDetector
{
    private static readonly string[] WellKnownNames =
        ["Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent", "[Gmail]/Sent Mail", "[Google Mail]/Sent Mail"];

    public static IMailFolder? Detect(IReadOnlyCollection<IMailFolder> folders) =>
        folders.FirstOrDefault(folder => folder.Attributes.HasFlag(FolderAttributes.Sent))
        ?? WellKnownNames
            .Select(name => folders.FirstOrDefault(folder => string.Equals(folder.FullName, name, StringComparison.OrdinalIgnoreCase)))
            .FirstOrDefault(folder => folder is not null);

    public static string? SpecialUseOf(IMailFolder folder) => folder.Attributes switch
    {
        var a when a.HasFlag(FolderAttributes.Sent) => "\\Sent",
        var a when a.HasFlag(FolderAttributes.Drafts) => "\\Drafts",
        var a when a.HasFlag(FolderAttributes.Trash) => "\\Trash",
        var a when a.HasFlag(FolderAttributes.Junk) => "\\Junk",
        var a when a.HasFlag(FolderAttributes.Archive) => "\\Archive",
        var a when a.HasFlag(FolderAttributes.All) => "\\All",
        var a when a.HasFlag(FolderAttributes.Flagged) => "\\Flagged",
        var a when a.HasFlag(FolderAttributes.Inbox) => "\\Inbox",
        _ => null,
    };
}
