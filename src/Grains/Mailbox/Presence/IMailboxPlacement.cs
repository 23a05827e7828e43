namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// What the cluster asks of a mailbox about where it runs. Internal to the silos: the web host has no business
/// moving mailboxes about.
/// </summary>
internal interface IMailboxPlacement : IGrainWithStringKey
{
    /// <summary>Makes sure an enabled mailbox is syncing (activating it wherever placement puts it); nothing otherwise.</summary>
    Task ResumeAsync();

    /// <summary>Moves the mailbox to <paramref name="target"/>: its loop stops here and starts there, from its saved cursors.</summary>
    Task MoveToAsync(SiloAddress target);
}
