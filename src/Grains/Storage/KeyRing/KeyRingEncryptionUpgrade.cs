using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Splynx.Orleans.Storage.KeyRing;

/// <summary>
/// Encrypts, in place, the keys that versions without a key-ring certificate stored in clear. The key material
/// stays the same, so every password protected with those keys can still be read; only the database no longer
/// opens them. Backups taken before remain readable: the README says how to retire such keys.
/// </summary>
internal sealed class KeyRingEncryptionUpgrade(NpgsqlDataSource dataSource, X509Certificate2 certificate,
    ILoggerFactory loggerFactory, ILogger<KeyRingEncryptionUpgrade> logger) : IHostedService
{
    private static readonly XName RequiresEncryption = XName.Get("requiresEncryption", "http://schemas.asp.net/2015/03/dataProtection");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var encryptor = new CertificateXmlEncryptor(certificate, loggerFactory);
        var clearKeys = new List<(string Name, string Xml)>();
        await using (var command = dataSource.CreateCommand("SELECT friendly_name, xml FROM data_protection_keys"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                clearKeys.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var encrypted = 0;
        foreach (var (name, xml) in clearKeys)
        {
            var key = XElement.Parse(xml);
            var secrets = key.Descendants().Where(element => (bool?)element.Attribute(RequiresEncryption) == true).ToList();
            if (secrets.Count == 0)
            {
                continue;
            }
            foreach (var secret in secrets)
            {
                // The form Data Protection itself writes for an encrypted secret, and reads back with the certificate.
                var info = encryptor.Encrypt(secret);
                secret.ReplaceWith(new XElement("encryptedSecret",
                    new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!), info.EncryptedElement));
            }
            await using var update = dataSource.CreateCommand("UPDATE data_protection_keys SET xml = @encrypted WHERE friendly_name = @name AND xml = @clear");
            update.Parameters.AddWithValue("encrypted", key.ToString(SaveOptions.DisableFormatting));
            update.Parameters.AddWithValue("name", name);
            update.Parameters.AddWithValue("clear", xml);
            encrypted += await update.ExecuteNonQueryAsync(cancellationToken);
        }
        if (encrypted > 0)
        {
            logger.LogWarning("Encrypted {Count} Data Protection key(s) that an earlier version had stored in clear. " +
                "Database backups taken before hold them readable: see the README on retiring such keys.", encrypted);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
