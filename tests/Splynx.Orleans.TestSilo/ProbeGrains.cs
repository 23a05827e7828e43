using Orleans.Runtime;

namespace Splynx.Orleans.TestSilo;

/// <summary>A counter whose value lives only in the cluster's grain storage.</summary>
public interface IProbeCounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    /// <summary>The endpoint (host:port) of the silo holding this activation.</summary>
    Task<string> GetSiloAsync();
}

/// <summary>
/// Records every tick of its reminder in grain storage: the silo that holds the grain and the
/// sender, the reminder service of the silo that owns the reminder in the ring.
/// </summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan period);

    Task StopAsync();

    Task<IReadOnlyList<ReminderTick>> GetTicksAsync();
}

[GenerateSerializer, Immutable, Alias("ReminderTick")]
public sealed record ReminderTick(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Sender,
    [property: Id(2)] DateTime At);

[GenerateSerializer, Alias("ProbeCounterState")]
public sealed class ProbeCounterState
{
    [Id(0)] public int Value { get; set; }
}

[GenerateSerializer, Alias("ReminderProbeState")]
public sealed class ReminderProbeState
{
    [Id(0)] public List<ReminderTick> Ticks { get; set; } = [];
}

public sealed class ProbeCounterGrain(
    [PersistentState("probe-counter")] IPersistentState<ProbeCounterState> state,
    ILocalSiloDetails silo) : Grain, IProbeCounterGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State.Value++;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);

    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.Endpoint.ToString());
}

public sealed class ReminderProbeGrain(
    [PersistentState("reminder-probe")] IPersistentState<ReminderProbeState> state,
    ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable, IIncomingGrainCallFilter
{
    private const string ReminderName = "probe";
    private string _sender = "";

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        _sender = context.SourceId?.ToString() ?? "";
        await context.Invoke();
    }

    public Task StartAsync(TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, period, period);

    public async Task StopAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<IReadOnlyList<ReminderTick>> GetTicksAsync() =>
        Task.FromResult<IReadOnlyList<ReminderTick>>(state.State.Ticks.ToList());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks.Add(new ReminderTick(silo.SiloAddress.Endpoint.ToString(), _sender, DateTime.UtcNow));
        await state.WriteStateAsync();
    }
}
