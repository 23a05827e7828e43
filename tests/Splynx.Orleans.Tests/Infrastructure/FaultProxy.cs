using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>What <see cref="FaultProxy"/> can do to the conversations it relays.</summary>
public enum Fault
{
    /// <summary>New connections are refused (the port stops listening) until <see cref="FaultProxy.Heal"/>.</summary>
    Refuse,

    /// <summary>The connection is aborted with a TCP reset, both ways.</summary>
    Reset,

    /// <summary>Nothing more is forwarded either way, and nothing is closed: only a timeout can tell.</summary>
    Stall,

    /// <summary>The server's bytes reach the client one at a time, each in a write of its own.</summary>
    Drip,

    /// <summary>The next IMAP literal in a FETCH answer is cut in the middle: half of it is forwarded, then both sides are closed.</summary>
    CutInLiteral,

    /// <summary>The connection is closed while the client is in IMAP IDLE (now if it is, else once its next IDLE is acknowledged).</summary>
    CutInIdle,

    /// <summary>Every chunk either way waits <see cref="FaultProxy.Latency"/> before it is forwarded.</summary>
    Delay,

    /// <summary>The server's first line (its greeting) never reaches the client of new connections, until <see cref="FaultProxy.Heal"/>.</summary>
    DropGreeting,

    /// <summary>
    /// The server's answers stop reaching the client while the client's words still reach the server: the server acts
    /// on a command (accepts a message, say) and the client never hears of it.
    /// </summary>
    LoseAnswers,
}

/// <summary>
/// A loopback TCP proxy in front of a real server (Dovecot, Postfix) that injects faults into the conversation: on
/// command (<see cref="Inject"/>, <see cref="InjectWhenClientSends"/>) or at random from a seed
/// (<see cref="RandomFaultsAsync"/>). It also remembers when each connection was opened (what a mail server sees of
/// the service's connects) and can lose the server's IDLE notifications, as a loaded server now and then does.
/// </summary>
/// <remarks>
/// The faults that read the conversation (literals, IDLE, client lines) need it in plain text: point the client at the
/// proxy without TLS. It depends on nothing but the base library, so that a benchmark or chaos program can use it too.
/// </remarks>
internal sealed partial class FaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<DateTime> _accepted = new();
    private readonly ConcurrentDictionary<int, Connection> _open = new();
    private readonly ConcurrentQueue<string> _injected = new();
    private readonly List<ClientLineRule> _rules = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private TaskCompletionSource _listening = Completed();
    private bool _dropGreeting;
    private int _connections;
    private int _notificationsDropped;

    public FaultProxy(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>How long <see cref="Fault.Delay"/> holds each chunk (default 200 ms).</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Whether "* n EXISTS" lines the server sends during IDLE are lost (plain-text IMAP only).</summary>
    public bool DropIdleNotifications { get; set; }

    /// <summary>"* n EXISTS" lines the server sent during IDLE that the client never saw.</summary>
    public int NotificationsDropped => Volatile.Read(ref _notificationsDropped);

    /// <summary>When each connection was accepted, in order.</summary>
    public IReadOnlyList<DateTime> Accepted => [.. _accepted];

    /// <summary>Connections open right now.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>Each fault as it took effect, with the time and the connection's number: what a failure message should show.</summary>
    public IReadOnlyList<string> Injected => [.. _injected];

    /// <summary>The most connections accepted within any <paramref name="window"/>.</summary>
    public int MostWithin(TimeSpan window)
    {
        var times = Accepted.Order().ToList();
        var most = 0;
        for (int first = 0, last = 0; last < times.Count; last++)
        {
            while (times[last] - times[first] >= window)
            {
                first++;
            }
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }

    /// <summary>
    /// The fault now: <see cref="Fault.Refuse"/> and <see cref="Fault.DropGreeting"/> for new connections until
    /// <see cref="Heal"/>, every other one on each connection open at this moment.
    /// </summary>
    public void Inject(Fault fault)
    {
        switch (fault)
        {
            case Fault.Refuse:
                Refuse();
                break;
            case Fault.DropGreeting:
                Volatile.Write(ref _dropGreeting, true);
                Record(0, fault, "new connections");
                break;
            default:
                foreach (var connection in _open.Values)
                {
                    connection.Apply(fault);
                }
                break;
        }
    }

    /// <summary>
    /// The fault on the connection whose client sends a line matching <paramref name="pattern"/> for the
    /// <paramref name="occurrence"/>th time (counted over all connections), right after that line was forwarded.
    /// A line of a literal counts too, so a marker line in a message body lets a test cut an SMTP DATA or an APPEND midway.
    /// </summary>
    public void InjectWhenClientSends(string pattern, Fault fault, int occurrence = 1, bool beforeForwarding = false)
    {
        lock (_gate)
        {
            _rules.Add(new ClientLineRule(new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), fault, occurrence, beforeForwarding));
        }
    }

    /// <summary>
    /// Injects a fault every so often (uniformly between half and one and a half <paramref name="meanInterval"/>) on a
    /// connection picked at random, for <paramref name="duration"/>, then heals; the same seed picks the same faults in
    /// the same order. Refusals and dropped greetings last until the next pick. Returns what was picked, in order.
    /// </summary>
    public async Task<IReadOnlyList<Fault>> RandomFaultsAsync(int seed, TimeSpan meanInterval, TimeSpan duration,
        IReadOnlyList<Fault>? faults = null, CancellationToken cancellationToken = default)
    {
        var choices = faults ?? Enum.GetValues<Fault>();
        var random = new Random(seed);
        var picked = new List<Fault>();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        running.CancelAfter(duration);
        try
        {
            while (true)
            {
                await Task.Delay(meanInterval * (0.5 + random.NextDouble()), running.Token);
                var fault = choices[random.Next(choices.Count)];
                var open = _open.Values.OrderBy(connection => connection.Id).ToList();
                var pick = random.Next(Math.Max(1, open.Count));
                picked.Add(fault);
                // What lasts ends at the next pick, so that a random run never refuses for good.
                Listen();
                Volatile.Write(ref _dropGreeting, false);
                if (fault is Fault.Refuse or Fault.DropGreeting)
                {
                    Inject(fault);
                }
                else if (open.Count > 0)
                {
                    open[pick].Apply(fault);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the duration is over
        }
        if (!_stop.IsCancellationRequested)
        {
            Heal();
        }
        return picked;
    }

    /// <summary>Ends what lasts (refusal, dropped greetings, pending rules, armed cuts, drip and delay); stalled and muted connections stay so.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
        Volatile.Write(ref _dropGreeting, false);
        foreach (var connection in _open.Values)
        {
            connection.Heal();
        }
        Listen();
        Record(0, null, "healed");
    }

    private void Refuse()
    {
        lock (_gate)
        {
            if (!_listening.Task.IsCompleted)
            {
                return;
            }
            _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Without a listening socket the kernel answers a connect with RST: the client sees "connection refused".
            _listener.Stop();
        }
        Record(0, Fault.Refuse, "new connections");
    }

    private void Listen()
    {
        lock (_gate)
        {
            if (_listening.Task.IsCompleted || _stop.IsCancellationRequested)
            {
                return;
            }
            // The same port again (the first listener asked for any free one), past the closed connections that linger on it.
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _listening.TrySetResult();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Task listening;
            lock (_gate)
            {
                listening = _listening.Task;
            }
            await listening.WaitAsync(_stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            if (_stop.IsCancellationRequested)
            {
                return;
            }
            TcpClient client;
            try
            {
                TcpListener listener;
                lock (_gate)
                {
                    listener = _listener;
                }
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                continue; // stopped for a refusal, or for good: the loop's head tells which
            }
            _accepted.Enqueue(DateTime.UtcNow);
            var connection = new Connection(this, Interlocked.Increment(ref _connections), client, Volatile.Read(ref _dropGreeting));
            _open[connection.Id] = connection;
            _ = RunAsync(connection);
        }
    }

    private async Task RunAsync(Connection connection)
    {
        try
        {
            await connection.RunAsync(_target, _stop.Token);
        }
        finally
        {
            _open.TryRemove(connection.Id, out _);
            connection.Dispose();
        }
    }

    /// <summary>The rule a client line sets off, if any (each fires once).</summary>
    private ClientLineRule? TakeRule(string line)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Pattern.IsMatch(line) && ++rule.Seen == rule.Occurrence)
                {
                    _rules.Remove(rule);
                    return rule;
                }
            }
        }
        return null;
    }

    private void Record(int connection, Fault? fault, string detail) =>
        _injected.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} #{connection} {fault?.ToString() ?? "-"} {detail}"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_gate)
        {
            _listener.Stop();
        }
        foreach (var connection in _open.Values)
        {
            connection.Dispose();
        }
        await _accepting;
        _stop.Dispose();
    }

    private static TaskCompletionSource Completed()
    {
        var completed = new TaskCompletionSource();
        completed.SetResult();
        return completed;
    }

    [GeneratedRegex(@"^\* \d+ EXISTS\r\n$")]
    private static partial Regex ExistsLine();

    // An IMAP literal announced at the end of an untagged FETCH answer's line: "* 3 FETCH (UID 7 BODY[] {1234}".
    [GeneratedRegex(@"^\* \d+ FETCH .*\{(\d+)\}\r\n$")]
    private static partial Regex FetchLiteral();

    private sealed class ClientLineRule(Regex pattern, Fault fault, int occurrence, bool beforeForwarding)
    {
        public Regex Pattern { get; } = pattern;
        public Fault Fault { get; } = fault;
        public int Occurrence { get; } = occurrence;
        public bool BeforeForwarding { get; } = beforeForwarding;
        public int Seen { get; set; }
    }

    /// <summary>One relayed connection: a pump each way, and the faults that apply to it.</summary>
    private sealed class Connection(FaultProxy proxy, int id, TcpClient client, bool dropGreeting) : IDisposable
    {
        private const int MaxLineKept = 16 * 1024;

        private readonly TcpClient _server = new();
        private readonly CancellationTokenSource _closed = new();
        private volatile bool _stalled;
        private volatile bool _answersLost;
        private volatile bool _drip;
        private volatile bool _delay;
        private volatile bool _cutInLiteral;
        private volatile bool _cutInIdle;
        private volatile bool _idle;
        private bool _greetingDropped = !dropGreeting;
        private Stream? _toClient;

        public int Id => id;

        public async Task RunAsync(IPEndPoint target, CancellationToken stopping)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
            try
            {
                client.NoDelay = true;
                _server.NoDelay = true;
                await _server.ConnectAsync(target, linked.Token);
                await using var clientStream = client.GetStream();
                await using var serverStream = _server.GetStream();
                _toClient = clientStream;
                await Task.WhenAny(ClientToServerAsync(clientStream, serverStream, linked.Token), ServerToClientAsync(serverStream, clientStream, linked.Token));
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A side closed, a fault cut it or the proxy stops: the other side is closed below, as a real peer would see it.
            }
        }

        public void Apply(Fault fault)
        {
            switch (fault)
            {
                case Fault.Reset:
                    proxy.Record(id, fault, "");
                    Abort(reset: true);
                    break;
                case Fault.Stall:
                    _stalled = true;
                    proxy.Record(id, fault, "");
                    break;
                case Fault.LoseAnswers:
                    _answersLost = true;
                    proxy.Record(id, fault, "");
                    break;
                case Fault.Drip:
                    _drip = true;
                    proxy.Record(id, fault, "");
                    break;
                case Fault.Delay:
                    _delay = true;
                    proxy.Record(id, fault, proxy.Latency.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms");
                    break;
                case Fault.CutInLiteral:
                    _cutInLiteral = true;
                    proxy.Record(id, fault, "armed");
                    break;
                case Fault.CutInIdle when _idle:
                    proxy.Record(id, fault, "in IDLE");
                    Abort(reset: false);
                    break;
                case Fault.CutInIdle:
                    _cutInIdle = true;
                    proxy.Record(id, fault, "armed");
                    break;
                case Fault.Refuse or Fault.DropGreeting:
                    proxy.Inject(fault);
                    break;
            }
        }

        public void Heal()
        {
            _drip = false;
            _delay = false;
            _cutInLiteral = false;
            _cutInIdle = false;
        }

        /// <summary>Closes both sides: with a reset (RST), or as a peer that went away (FIN).</summary>
        private void Abort(bool reset)
        {
            if (reset)
            {
                foreach (var socket in new[] { client.Client, _server.Client })
                {
                    try
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                    {
                        // already gone
                    }
                }
            }
            Close();
        }

        private async Task ClientToServerAsync(Stream from, Stream to, CancellationToken cancellation)
        {
            var buffer = new byte[16 * 1024];
            var line = new List<byte>();
            int read;
            while ((read = await from.ReadAsync(buffer, cancellation)) > 0)
            {
                await LagAsync(cancellation);
                // Line by line, so that a rule fires exactly at the line that matched.
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }
                    if (line.Count + i - start < MaxLineKept)
                    {
                        line.AddRange(buffer.AsSpan(start, i + 1 - start));
                    }
                    var text = Encoding.Latin1.GetString([.. line]);
                    line.Clear();
                    var rule = proxy.TakeRule(text.TrimEnd('\r', '\n'));
                    if (rule is { BeforeForwarding: true })
                    {
                        proxy.Record(id, rule.Fault, $"before client line '{Shorten(text)}'");
                        Apply(rule.Fault);
                    }
                    await ForwardAsync(to, buffer.AsMemory(start, i + 1 - start), cancellation);
                    start = i + 1;
                    NoteIdle(text);
                    if (rule is { BeforeForwarding: false })
                    {
                        proxy.Record(id, rule.Fault, $"after client line '{Shorten(text)}'");
                        Apply(rule.Fault);
                    }
                }
                if (start < read)
                {
                    if (line.Count < MaxLineKept)
                    {
                        line.AddRange(buffer.AsSpan(start, Math.Min(read - start, MaxLineKept)));
                    }
                    await ForwardAsync(to, buffer.AsMemory(start, read - start), cancellation);
                }
            }
        }

        private void NoteIdle(string line)
        {
            if (line.EndsWith(" IDLE\r\n", StringComparison.OrdinalIgnoreCase))
            {
                _idle = true;
            }
            else if (line.StartsWith("DONE", StringComparison.OrdinalIgnoreCase))
            {
                _idle = false;
            }
        }

        private async Task ServerToClientAsync(Stream from, Stream to, CancellationToken cancellation)
        {
            var buffer = new byte[16 * 1024];
            var line = new List<byte>();
            var literalLeft = -1L; // bytes of a literal still to forward before the cut
            var partForwarded = false; // whether the start of the line being read was forwarded already
            int read;
            while ((read = await from.ReadAsync(buffer, cancellation)) > 0)
            {
                await LagAsync(cancellation);
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (literalLeft >= 0)
                    {
                        var take = (int)Math.Min(literalLeft, read - i);
                        await ForwardAsync(to, buffer.AsMemory(i, take), cancellation);
                        literalLeft -= take;
                        if (literalLeft == 0)
                        {
                            proxy.Record(id, Fault.CutInLiteral, "cut");
                            Abort(reset: false);
                            return;
                        }
                        i += take - 1;
                        start = i + 1;
                        continue;
                    }
                    if (buffer[i] != (byte)'\n')
                    {
                        continue;
                    }
                    if (line.Count + i - start < MaxLineKept)
                    {
                        line.AddRange(buffer.AsSpan(start, i + 1 - start));
                    }
                    var text = Encoding.Latin1.GetString([.. line]);
                    ReadOnlyMemory<byte> segment = partForwarded ? buffer.AsMemory(start, i + 1 - start) : line.ToArray();
                    line.Clear();
                    partForwarded = false;
                    start = i + 1;
                    if (!_greetingDropped)
                    {
                        _greetingDropped = true;
                        proxy.Record(id, Fault.DropGreeting, $"'{Shorten(text)}'");
                        continue;
                    }
                    if (_idle && proxy.DropIdleNotifications && ExistsLine().IsMatch(text))
                    {
                        Interlocked.Increment(ref proxy._notificationsDropped);
                        continue;
                    }
                    await ForwardAsync(to, segment, cancellation);
                    if (_cutInLiteral && FetchLiteral().Match(text) is { Success: true } literal
                        && long.Parse(literal.Groups[1].Value, CultureInfo.InvariantCulture) is var size and >= 2)
                    {
                        _cutInLiteral = false;
                        literalLeft = size / 2;
                        proxy.Record(id, Fault.CutInLiteral, $"after {literalLeft} of {size} bytes");
                    }
                    else if (_cutInIdle && _idle && text.StartsWith('+'))
                    {
                        _cutInIdle = false;
                        proxy.Record(id, Fault.CutInIdle, "in IDLE");
                        Abort(reset: false);
                        return;
                    }
                }
                if (start < read && literalLeft < 0)
                {
                    // The start of a line that ends in a later read: forwarded now (nothing waits for whole lines) and kept to be read.
                    if (line.Count < MaxLineKept)
                    {
                        line.AddRange(buffer.AsSpan(start, Math.Min(read - start, MaxLineKept)));
                    }
                    if (_greetingDropped && !(proxy.DropIdleNotifications && _idle))
                    {
                        await ForwardAsync(to, buffer.AsMemory(start, read - start), cancellation);
                        partForwarded = true;
                    }
                }
            }
        }

        /// <summary>Holds what a pump just read for the latency, once a read: a slow link, not a slow byte.</summary>
        private async Task LagAsync(CancellationToken cancellation)
        {
            if (_delay)
            {
                await Task.Delay(proxy.Latency, cancellation);
            }
        }

        /// <summary>Writes what a pump read, as the connection's faults say: dripped, or not at all.</summary>
        private async Task ForwardAsync(Stream to, ReadOnlyMemory<byte> bytes, CancellationToken cancellation)
        {
            if (bytes.IsEmpty || _stalled || (_answersLost && to == _toClient))
            {
                return; // a stalled connection is a black hole: read and dropped, so that a client that gives up is still noticed
            }
            if (_drip)
            {
                for (var i = 0; i < bytes.Length; i++)
                {
                    await to.WriteAsync(bytes.Slice(i, 1), cancellation);
                    await to.FlushAsync(cancellation);
                }
                return;
            }
            await to.WriteAsync(bytes, cancellation);
        }

        private static string Shorten(string line)
        {
            var trimmed = line.TrimEnd('\r', '\n');
            return trimmed.Length <= 80 ? trimmed : trimmed[..80] + "...";
        }

        public void Dispose()
        {
            Close();
        }

        private void Close()
        {
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // closed already
            }
            client.Dispose();
            _server.Dispose();
        }
    }
}
