namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>How the silos share the mailboxes (<c>Mail:Cluster</c>).</summary>
public sealed class MailClusterOptions
{
    public const string SectionName = "Mail:Cluster";

    /// <summary>
    /// How often each silo also looks for enabled mailboxes that no live silo holds, besides when membership
    /// changes (a safety net: a death noticed while this silo was starting, a wake-up that failed).
    /// </summary>
    public TimeSpan OrphanSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Mailboxes a silo wakes at once when it takes over those of a dead silo (the connect limit paces their logins).</summary>
    public int ResumesInFlight { get; set; } = 64;

    /// <summary>How often the spread of mailboxes over the silos is checked, besides when a silo joins.</summary>
    public TimeSpan SpreadCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Nothing moves while every silo holds within this fraction of the mean.</summary>
    public double SpreadTolerance { get; set; } = 0.10;

    /// <summary>Mailboxes one silo hands to others per second while it evens out: a joining silo is not flooded.</summary>
    public int MovesPerSecond { get; set; } = 10;
}
