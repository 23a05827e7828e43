using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Splynx.Orleans.WebHost.Operations;

/// <summary>
/// The service's own meter, <c>Splynx.Orleans</c>. The web host records how quickly mailbox events reach the
/// browsers; the silo's grains record into a meter of the same name (sync and storage figures), so a co-hosted
/// silo's figures appear on the same <c>/metrics</c>.
/// </summary>
public static class SplynxMetrics
{
    public const string MeterName = "Splynx.Orleans";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>From a mailbox event reaching this web host to its SignalR send having completed.</summary>
    private static readonly Histogram<double> PushLatency = Meter.CreateHistogram<double>(
        "splynx_push_latency", unit: "ms", description: "Time from a mailbox event arriving from its grain to its SignalR push to the browsers");

    /// <summary>Records the push latency when disposed: <c>using var _ = SplynxMetrics.MeasurePush();</c>.</summary>
    public static PushMeasurement MeasurePush() => new(Stopwatch.GetTimestamp());

    public readonly struct PushMeasurement(long startedAt) : IDisposable
    {
        public void Dispose() => PushLatency.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
    }
}
