using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Splynx.Orleans.Bench;

/// <summary>
/// The baseline: what a bare MailKit program needs to hold the same IMAPS IDLE sessions (a child process of its
/// own, so its memory can be measured apart), and a few bare IDLE sessions to time EXISTS after an SMTP accept.
/// </summary>
internal static class BareIdleProgram
{
    public sealed record Figures(TimeSpan Elapsed, double RssPerSession);

    /// <summary>Runs <c>bench bare-idle</c> in a child process over the same users, paced the same way.</summary>
    public static async Task<Figures> MeasureAsync(StackSettings stack, IReadOnlyList<string> users, string password, int perSecond, int inFlight, TimeSpan settle)
    {
        var list = Path.GetTempFileName();
        await File.WriteAllLinesAsync(list, users);
        try
        {
            var start = new ProcessStartInfo("dotnet", [typeof(BareIdleProgram).Assembly.Location, "bare-idle", list, password,
                perSecond.ToString(CultureInfo.InvariantCulture), inFlight.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            using var child = Process.Start(start)!;
            await ExpectAsync(child, "ready");
            await Task.Delay(TimeSpan.FromSeconds(2));
            var before = ProcessMemory.Rss(child.Id);
            await child.StandardInput.WriteLineAsync("go");
            await child.StandardInput.FlushAsync();
            var idle = await ExpectAsync(child, "idle");
            await Task.Delay(settle);
            var after = ProcessMemory.Rss(child.Id);
            child.StandardInput.Close();
            await child.WaitForExitAsync();
            return new Figures(TimeSpan.FromSeconds(double.Parse(idle, CultureInfo.InvariantCulture)), (after - before) / (double)users.Count);
        }
        finally
        {
            File.Delete(list);
        }
    }

    private static async Task<string> ExpectAsync(Process child, string word)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(word, StringComparison.Ordinal))
            {
                return line[word.Length..].Trim();
            }
        }
        throw new InvalidOperationException($"The bare program ended before saying '{word}'.");
    }

    /// <summary>The child: waits for "go", opens every session (SSL, login, SELECT INBOX, IDLE), says how long it took, holds them until stdin closes.</summary>
    public static async Task<int> RunChildAsync(string userList, string password, int perSecond, int inFlight)
    {
        var stack = StackSettings.Load();
        var users = await File.ReadAllLinesAsync(userList);
        Console.WriteLine("ready");
        await Console.In.ReadLineAsync();
        using var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = int.MaxValue,
        });
        using var stop = new CancellationTokenSource();
        var idling = new ConcurrentBag<Task>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (user, token) =>
        {
            using var lease = await limiter.AcquireAsync(1, token);
            var client = await OpenInboxAsync(stack, user, password, token);
            idling.Add(client.IdleAsync(stop.Token));
        });
        Console.WriteLine($"idle {clock.Elapsed.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>Bare IDLE sessions in this process whose EXISTS times are matched to SMTP accepts, per user in order.</summary>
    public static async Task<IdleSessions> IdleSessionsAsync(StackSettings stack, IReadOnlyList<string> users, string password)
    {
        var sessions = new IdleSessions();
        foreach (var user in users)
        {
            var client = await OpenInboxAsync(stack, user, password, CancellationToken.None);
            // One EXISTS can announce several messages: each counts as seen at that moment.
            var known = client.Inbox.Count;
            client.Inbox.CountChanged += (_, _) =>
            {
                var now = DateTime.UtcNow;
                for (; known < client.Inbox.Count; known++)
                {
                    sessions.Exists(user, now);
                }
            };
            sessions.Hold(client);
        }
        return sessions;
    }

    /// <summary>IMAPS, login, INBOX selected: what each of the service's sessions does before IDLE.</summary>
    private static async Task<ImapClient> OpenInboxAsync(StackSettings stack, string user, string password, CancellationToken cancellationToken)
    {
        var client = new ImapClient();
#pragma warning disable CA5359 // The local stack's certificate is self-signed; the benchmark measures cost, not trust.
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        await client.ConnectAsync(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAPS_PORT"), SecureSocketOptions.SslOnConnect, cancellationToken);
        await client.AuthenticateAsync(user, password, cancellationToken);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        return client;
    }

    internal sealed class IdleSessions : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(ImapClient Client, Task Idle)> _clients = [];
        private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTime>> _exists = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTime>> _accepted = new();

        public void Hold(ImapClient client) => _clients.Add((client, client.IdleAsync(_stop.Token)));

        public void Exists(string user, DateTime at) => _exists.GetOrAdd(user, _ => new()).Enqueue(at);

        public void Accepted(string user, DateTime at) => _accepted.GetOrAdd(user, _ => new()).Enqueue(at);

        /// <summary>Each accept paired with the first EXISTS of that user that came after it (give or take a clock tick).</summary>
        public List<double> Latencies()
        {
            var latencies = new List<double>();
            foreach (var (user, accepts) in _accepted)
            {
                var exists = new Queue<DateTime>(_exists.GetValueOrDefault(user)?.ToArray() ?? []);
                foreach (var accepted in accepts)
                {
                    while (exists.Count > 0 && exists.Peek() < accepted.AddMilliseconds(-50))
                    {
                        exists.Dequeue();
                    }
                    if (exists.Count > 0)
                    {
                        latencies.Add(Math.Max(0, (exists.Dequeue() - accepted).TotalMilliseconds));
                    }
                }
            }
            return latencies;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            foreach (var (client, idle) in _clients)
            {
                try
                {
                    await idle;
                }
                catch (OperationCanceledException)
                {
                }
                client.Dispose();
            }
            _stop.Dispose();
        }
    }
}
