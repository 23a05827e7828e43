using System.Globalization;

namespace Splynx.Orleans.Bench;

/// <summary>
/// CPU seconds spent by each part of the machine between two snapshots (from /proc), so that a figure
/// comes with where the cores went: this process, Dovecot, PostgreSQL, the rest.
/// </summary>
internal sealed class CpuAccount
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, double> _start;
    private readonly DateTime _startedAt = DateTime.UtcNow;

    private CpuAccount(Dictionary<string, double> start) => _start = start;

    public static CpuAccount Start() => new(Snapshot());

    /// <summary>One line: the wall time and the CPU seconds of each group since <see cref="Start"/>.</summary>
    public string Describe()
    {
        var end = Snapshot();
        var wall = (DateTime.UtcNow - _startedAt).TotalSeconds;
        var parts = end
            .Select(group => (group.Key, Seconds: group.Value - _start.GetValueOrDefault(group.Key)))
            .Where(group => group.Seconds >= 0.05)
            .OrderByDescending(group => group.Seconds)
            .Select(group => string.Create(CultureInfo.InvariantCulture, $"{group.Key} {group.Seconds:N1}"));
        return string.Create(CultureInfo.InvariantCulture, $"CPU s in {wall:N1} s wall on {Environment.ProcessorCount} cores: ") + string.Join(", ", parts);
    }

    private static Dictionary<string, double> Snapshot()
    {
        var totals = new Dictionary<string, double>();
        if (!OperatingSystem.IsLinux())
        {
            return totals;
        }
        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // "pid (comm) state ppid ..." — comm may hold spaces, so split after its closing parenthesis.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            // Own time plus that of reaped children: a connection's process that ended between the snapshots
            // is counted with the server that spawned it, and every CPU second exactly once.
            var seconds = fields[11..15].Sum(field => double.Parse(field, CultureInfo.InvariantCulture)) / TicksPerSecond;
            var group = pid == self ? "this process" : Group(comm);
            totals[group] = totals.GetValueOrDefault(group) + seconds;
        }
        return totals;
    }

    private static string Group(string comm) => comm switch
    {
        "postgres" => "PostgreSQL",
        "imap" or "imap-login" or "dovecot" or "auth" or "config" or "anvil" or "log" or "indexer" or "indexer-worker" => "Dovecot",
        _ => "other",
    };
}
