namespace Splynx.Orleans.Mailbox;

/// <summary>Timing of the live sync (<c>Mail:Sync</c>). The defaults suit production; tests shorten them.</summary>
public sealed class MailSyncOptions
{
    public const string SectionName = "Mail:Sync";

    /// <summary>
    /// IDLE is ended and issued again this often: well inside the 29 minutes after which servers may
    /// drop it, and often enough that a connection that died silently is noticed within minutes
    /// (ending IDLE needs an answer from the server within <see cref="CommandTimeout"/>).
    /// </summary>
    public TimeSpan IdleReissue { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// While idle, the INBOX is also searched this often for UIDs above the cursor (each mailbox at its own phase):
    /// mail whose IDLE notification the server lost is noticed within this long instead of at the next Sent check.
    /// Not shorter by default, because a check is not free for the server: Dovecot hibernates idle IDLE sessions,
    /// and ending IDLE wakes one into an imap process of its own. At 10 s, 2,000 mailboxes of one server meant 200
    /// such wake-ups a second, which Dovecot on two cores could not keep up with (it dropped sessions); at 60 s it is 33.
    /// </summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the Sent folder is checked, on the same connection.</summary>
    public TimeSpan SentCheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a server without IDLE is polled with NOOP.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one IMAP command may wait for the server.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>First wait after a failed connection; it doubles (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait after the server refused the password: retrying fast only risks locking the account.</summary>
    public TimeSpan AuthFailureBackoff { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// New IMAP connections per second to one mail server host, across the whole cluster, so a restart of
    /// thousands of mailboxes does not hammer it. 20 logs a thousand mailboxes of one server in under a minute
    /// and is far below what a mail server takes (Dovecot on two cores here: well over 100 logins a second);
    /// raise it per host for large servers in <see cref="ConnectsPerSecondByHost"/>.
    /// </summary>
    public int ConnectsPerSecond { get; set; } = 20;

    /// <summary>The limit of particular hosts (<c>Mail:Sync:ConnectsPerSecondByHost:imap.example.net</c>), in place of <see cref="ConnectsPerSecond"/>.</summary>
    public Dictionary<string, int> ConnectsPerSecondByHost { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int ConnectsPerSecondFor(string host) =>
        ConnectsPerSecondByHost.TryGetValue(host, out var perSecond) ? perSecond : ConnectsPerSecond;

    /// <summary>
    /// Period of the reminder that keeps an enabled mailbox active: after a silo dies, its mailboxes
    /// resume on the survivors within about this long (after the silo is declared dead).
    /// </summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Messages whose summaries are fetched together; the folder's cursor moves past each such chunk once
    /// all of it is committed.
    /// </summary>
    public int SummaryBatchSize { get; set; } = 500;

    /// <summary>Messages whose bodies are fetched and stored together.</summary>
    public int FetchBatchSize { get; set; } = 100;

    /// <summary>Batches being stored while the next one is fetched (a historic import's pipeline depth).</summary>
    public int StoresInFlight { get; set; } = 2;
}
