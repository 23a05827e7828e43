namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>The active silos of a membership snapshot, as the parsable addresses the presence table holds, in one order for all.</summary>
internal static class LiveSilos
{
    public static IReadOnlyList<string> Of(ClusterMembershipSnapshot snapshot) =>
        [.. snapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress.ToParsableString())
            .Order(StringComparer.Ordinal)];

    /// <summary>Wakes on every membership change and at <paramref name="interval"/>, until stopped.</summary>
    public static async IAsyncEnumerable<ClusterMembershipSnapshot> ChangesAndTicks(
        IClusterMembershipService membership, TimeSpan interval,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wake = System.Threading.Channels.Channel.CreateBounded<bool>(
            new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in membership.MembershipUpdates.WithCancellation(cancellationToken))
                {
                    wake.Writer.TryWrite(true);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken))
                {
                    wake.Writer.TryWrite(true);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        while (true)
        {
            try
            {
                await wake.Reader.WaitToReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            wake.Reader.TryRead(out _);
            yield return membership.CurrentSnapshot;
        }
    }
}
