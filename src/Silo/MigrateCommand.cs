using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.Storage;

namespace Splynx.Orleans.Silo;

/// <summary><c>dotnet run --project src/Silo -- migrate</c>: apply the schema and exit.</summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddSplynxDatabase();
        using var host = builder.Build();
        var migrator = host.Services.GetRequiredService<SchemaMigrator>();
        var applied = await migrator.ApplyAsync(CancellationToken.None);
        Console.WriteLine(applied.Count == 0
            ? "Schema is up to date; nothing applied."
            : $"Applied {applied.Count} schema step(s): {string.Join(", ", applied.Select(m => $"{m.Version} {m.Name}"))}.");
        return 0;
    }
}
