using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Storage;

namespace Splynx.Orleans.Hosting;

public static class DatabaseHostingExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// Registers the PostgreSQL data source and the schema migrator; with <c>Database:MigrateOnStart</c>
    /// the schema is brought up to date before anything else starts (Orleans included).
    /// </summary>
    public static IHostApplicationBuilder AddSplynxDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddNpgsqlDataSource(RequirePostgresConnectionString(builder.Configuration));
        builder.Services.AddSingleton<SchemaMigrator>();
        if (builder.Configuration.GetValue<bool>("Database:MigrateOnStart"))
        {
            builder.Services.AddHostedService<MigrateOnStartService>();
        }
        return builder;
    }

    public static string RequirePostgresConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } connectionString
            ? connectionString
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment variable ConnectionStrings__{ConnectionStringName}).");
}
