using System.Diagnostics;

namespace Splynx.Orleans.Bench;

/// <summary>The local stack as <c>scripts/stack.sh up</c> describes it in <c>.stack/env</c>.</summary>
internal sealed class StackSettings(string root, IReadOnlyDictionary<string, string> values)
{
    public string Root => root;

    public string this[string key] => values.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"{key} missing from .stack/env");

    public int Port(string key) => int.Parse(this[key], System.Globalization.CultureInfo.InvariantCulture);

    public static StackSettings Load()
    {
        var root = FindRoot();
        var values = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(root, ".stack", "env")))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }
            var value = line[(equals + 1)..];
            values[line[..equals]] = value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1] : value;
        }
        return new StackSettings(root, values);
    }

    public async Task AddMailUserAsync(string name, string password)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "stack.sh"), "add-user", name, password])
        {
            RedirectStandardOutput = true,
        })!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("stack.sh add-user failed");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Splynx.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Run the benchmark from the repository (scripts/bench.sh).");
    }
}
