using System.Diagnostics;
using System.Globalization;

namespace Splynx.Orleans.Bench;

/// <summary>The web host as operators run it: the WebHost program in a process of its own, ready when <c>/readyz</c> says so.</summary>
internal sealed class WebHostProcess : IDisposable
{
    private readonly Process _process;

    private WebHostProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <param name="environment">The cluster, database and bootstrap admin; <c>Orleans__CoHosted</c> says whether it is a silo too.</param>
    public static async Task<WebHostProcess> StartAsync(StackSettings stack, IReadOnlyDictionary<string, string> environment)
    {
        var program = Path.Combine(stack.Root, "src", "WebHost", "bin", "Release", "net10.0", "Splynx.Orleans.WebHost.dll");
        var url = new Uri($"http://127.0.0.1:{ScaleBenchmark.FreePort()}");
        var startInfo = new ProcessStartInfo("dotnet", [program])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(program)!, // where its wwwroot (the browser app) is
        };
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["Orleans__AdvertisedIP"] = "127.0.0.1";
        startInfo.Environment["Orleans__SiloPort"] = ScaleBenchmark.FreePort().ToString(CultureInfo.InvariantCulture);
        startInfo.Environment["Orleans__GatewayPort"] = ScaleBenchmark.FreePort().ToString(CultureInfo.InvariantCulture);
        startInfo.Environment["ASPNETCORE_URLS"] = url.ToString();
        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                Console.Error.WriteLine("  [web host] " + line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var webHost = new WebHostProcess(process, url);
        using var http = new HttpClient { BaseAddress = url };
        await ScaleBenchmark.WaitAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The web host exited with {process.ExitCode}.");
            }
            try
            {
                return (await http.GetAsync("/readyz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromMinutes(2), "the web host to be ready");
        return webHost;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
