using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// The certificate that encrypts the Data Protection key ring of every service process the tests start, made
/// once per test run in a temporary folder (never committed), as an operator would mount one.
/// </summary>
internal static class TestKeyRing
{
    private static readonly Lazy<(string Path, string Password)> Certificate = new(Create);

    public static string CertificatePath => Certificate.Value.Path;

    public static string CertificatePassword => Certificate.Value.Password;

    /// <summary>The configuration a service process needs for it, as environment variables.</summary>
    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["DataProtection__Certificate__Path"] = CertificatePath,
        ["DataProtection__Certificate__Password"] = CertificatePassword,
    };

    /// <summary>A certificate of its own, for a test that needs another one.</summary>
    public static (string Path, string Password) Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Splynx.Orleans test key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"splynx-test-keyring-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return (path, password);
    }
}
