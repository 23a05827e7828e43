using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Splynx.Orleans.Bench;

/// <summary>A silo of the service as operators run it: the Silo program in a process of its own.</summary>
internal sealed class SiloProcess
{
    private readonly Process _process;

    private SiloProcess(Process process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>host:port, as the presence table's silo addresses begin.</summary>
    public string Endpoint { get; }

    public static async Task<SiloProcess> StartAsync(StackSettings stack, IReadOnlyDictionary<string, string> environment, string connectionString)
    {
        var siloPort = ScaleBenchmark.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(stack.Root, "src", "Silo", "bin", "Release", "net10.0", "Splynx.Orleans.Silo.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.Environment["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = ScaleBenchmark.FreePort().ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                Console.Error.WriteLine($"  [silo {siloPort}] {line.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ScaleBenchmark.WaitAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The silo on port {siloPort} exited with {process.ExitCode}.");
            }
            try
            {
                await using var command = dataSource.CreateCommand($"SELECT count(*) FROM orleans_membership WHERE port = {siloPort} AND status = 3");
                return (long)(await command.ExecuteScalarAsync())! == 1;
            }
            catch (PostgresException)
            {
                return false; // the schema is still being created by the first silo
            }
        }, TimeSpan.FromMinutes(2), $"silo {siloPort} to join");
        return new SiloProcess(process, $"127.0.0.1:{siloPort}");
    }

    /// <summary>Resident memory in bytes.</summary>
    public long Rss() => ProcessMemory.Rss(_process.Id);

    /// <summary>An operator's stop: SIGTERM, and the graceful shutdown (the silo leaves the membership as dead).</summary>
    public async Task StopAsync()
    {
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }
}

internal static class ProcessMemory
{
    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }
}
