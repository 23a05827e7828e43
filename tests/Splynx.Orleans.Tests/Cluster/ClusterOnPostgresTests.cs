using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.TestSilo;

namespace Splynx.Orleans.Tests.Cluster;

/// <summary>The service's silo wiring on PostgreSQL: membership, grain storage and reminders, with real silo processes.</summary>
public sealed class ClusterOnPostgresTests
{
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Two_silos_form_a_cluster_through_the_postgres_membership_table()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();

        var client = await cluster.ConnectClientAsync();
        var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

        Assert.Equal(2, hosts.Count);
        Assert.Equal(2, await cluster.ActiveSilosInMembershipTableAsync());
    }

    [Fact]
    public async Task Grain_state_survives_killing_the_silo_that_held_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.ConnectClientAsync();
        var counter = client.GetGrain<IProbeCounterGrain>("counter-" + Guid.NewGuid().ToString("N"));

        for (var i = 0; i < 3; i++)
        {
            await counter.IncrementAsync();
        }
        var holder = await counter.GetSiloAsync();
        cluster.Kill(holder);

        var newHolder = await Eventually.ReturnsAsync(() => counter.GetSiloAsync().WaitAsync(CallTimeout),
            silo => silo != holder, FailoverTimeout, "the counter to be activated on the surviving silo");
        Assert.NotEqual(holder, newHolder);
        Assert.Equal(3, await counter.GetAsync());
        Assert.Equal(4, await counter.IncrementAsync());
    }

    [Fact]
    public async Task Reminder_fires_on_a_surviving_silo_after_its_silo_is_killed()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        var first = await cluster.StartSiloAsync();
        var second = await cluster.StartSiloAsync();
        var client = await cluster.ConnectClientAsync();
        var probe = client.GetGrain<IReminderProbeGrain>("reminder-" + Guid.NewGuid().ToString("N"));

        await probe.StartAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminders"));
        var ticks = await Eventually.ReturnsAsync(() => probe.GetTicksAsync(), t => t.Count > 0, FailoverTimeout, "a first tick");

        // The silo whose reminder service sent the tick owns the reminder: that is the one to kill.
        var owner = ticks[0].Sender.Contains(first, StringComparison.Ordinal) ? first
            : ticks[0].Sender.Contains(second, StringComparison.Ordinal) ? second
            : throw new InvalidOperationException($"Cannot tell which silo sent the tick: '{ticks[0].Sender}'.");
        var survivor = owner == first ? second : first;
        cluster.Kill(owner);
        var killedAt = DateTime.UtcNow;

        var after = await Eventually.ReturnsAsync(() => probe.GetTicksAsync().WaitAsync(CallTimeout),
            t => t.Any(tick => tick.At > killedAt && tick.Sender.Contains(survivor, StringComparison.Ordinal)),
            FailoverTimeout, "a tick sent by the surviving silo");
        Assert.Contains(after, tick => tick.At > killedAt && tick.Silo == survivor);
        await probe.StopAsync();
    }
}
