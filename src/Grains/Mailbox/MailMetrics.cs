using System.Diagnostics.Metrics;

namespace Splynx.Orleans.Mailbox;

/// <summary>The service's own figures (meter <c>Splynx.Orleans</c>), exported with the others at <c>/metrics</c>.</summary>
public static class MailMetrics
{
    public const string MeterName = "Splynx.Orleans";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Messages newly committed to the store, by direction.</summary>
    public static readonly Counter<long> MessagesStored =
        Meter.CreateCounter<long>("splynx.messages.stored", "{message}", "Messages newly stored from the mail servers.");

    /// <summary>Sync sessions that ended in an error, by error kind.</summary>
    public static readonly Counter<long> SyncErrors =
        Meter.CreateCounter<long>("splynx.sync.errors", "{error}", "Mailbox sync sessions that failed, by kind.");

    /// <summary>Messages quarantined because they could not be parsed, stored or fetched.</summary>
    public static readonly Counter<long> MessagesQuarantined =
        Meter.CreateCounter<long>("splynx.messages.quarantined", "{message}", "Messages put into the quarantine.");
}
