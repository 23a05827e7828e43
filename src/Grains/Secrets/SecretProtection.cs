using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Splynx.Orleans.Secrets;

/// <summary>Encrypts the passwords the service must be able to use again (mail accounts, system SMTP).</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    // The purpose string isolates these ciphertexts from anything else protected with the same keys.
    private readonly IDataProtector _protector = provider.CreateProtector("Splynx.Orleans.MailPasswords.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

public static class SecretProtectionExtensions
{
    /// <summary>Data Protection with one application name and the key ring in PostgreSQL, on every node.</summary>
    public static IServiceCollection AddSecretProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("splynx-orleans");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider =>
            new ConfigureOptions<KeyManagementOptions>(options =>
                options.XmlRepository = new PostgresXmlRepository(provider.GetRequiredService<NpgsqlDataSource>())));
        services.AddSingleton<SecretProtector>();
        return services;
    }
}
