using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Splynx.Orleans.Storage.KeyRing;

namespace Splynx.Orleans.Secrets;

/// <summary>Encrypts the passwords the service must be able to use again (mail accounts, system SMTP).</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    // The purpose string isolates these ciphertexts from anything else protected with the same keys.
    private readonly IDataProtector _protector = provider.CreateProtector("Splynx.Orleans.MailPasswords.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>A PKCS#12 file (certificate with its private key) and the password that opens it.</summary>
public sealed class CertificateFile
{
    public string Path { get; set; } = "";

    public string? Password { get; set; }

    public X509Certificate2 Load() =>
        X509CertificateLoader.LoadPkcs12FromFile(Path, Password, X509KeyStorageFlags.EphemeralKeySet);
}

/// <summary>
/// <c>DataProtection</c>: the certificate that encrypts the key ring before it is stored in PostgreSQL, so
/// that a dump of the database alone opens no password. Every node of a cluster gets the same one.
/// </summary>
public sealed class KeyRingProtectionOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>Encrypts new keys and decrypts every key (<c>DataProtection:Certificate:Path</c>, <c>…:Password</c>).</summary>
    public CertificateFile? Certificate { get; set; }

    /// <summary>Certificates replaced by <see cref="Certificate"/> whose keys must still be read (rotation).</summary>
    public List<CertificateFile> PreviousCertificates { get; set; } = [];
}

public static class SecretProtectionExtensions
{
    /// <summary>
    /// Data Protection with one application name and the key ring in PostgreSQL, on every node, encrypted with
    /// the configured certificate. Outside Development a node without that certificate refuses to start.
    /// </summary>
    public static IServiceCollection AddSecretProtection(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(service => service.ServiceType == typeof(SecretProtector)))
        {
            return services; // a web host with a co-hosted silo asks twice
        }
        var section = configuration.GetSection(KeyRingProtectionOptions.SectionName);
        var protection = section.Get<KeyRingProtectionOptions>() ?? new();
        services.AddOptions<KeyRingProtectionOptions>().Bind(section)
            .Validate<IHostEnvironment>((options, environment) => options.Certificate is not null || environment.IsDevelopment(),
                "DataProtection:Certificate:Path is not set. Outside Development the key ring that encrypts the mail passwords " +
                "must be encrypted with a certificate kept outside the database (see the README, \"Secrets at rest\").")
            .ValidateOnStart();

        var dataProtection = services.AddDataProtection().SetApplicationName("splynx-orleans");
        if (protection.Certificate is { } certificateFile)
        {
            var certificate = certificateFile.Load();
            dataProtection.ProtectKeysWithCertificate(certificate);
            dataProtection.UnprotectKeysWithAnyCertificate([certificate, .. protection.PreviousCertificates.Select(previous => previous.Load())]);
            services.AddHostedService(provider => ActivatorUtilities.CreateInstance<KeyRingEncryptionUpgrade>(provider, certificate));
        }
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider =>
            new ConfigureOptions<KeyManagementOptions>(options =>
                options.XmlRepository = new PostgresXmlRepository(provider.GetRequiredService<NpgsqlDataSource>())));
        services.AddSingleton<SecretProtector>();
        return services;
    }
}
