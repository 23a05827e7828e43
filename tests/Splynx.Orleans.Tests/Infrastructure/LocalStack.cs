using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL, Dovecot and Postfix that <c>scripts/stack.sh up</c> started, as described by
/// <c>.stack/env</c>. Tests never start or stop them; they make their own users and databases.
/// </summary>
internal static class LocalStack
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Environment = new(ReadEnvironment);

    public static string Get(string key) =>
        Environment.Value.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"{key} is missing from .stack/env.");

    public static int Port(string key) => int.Parse(Get(key), System.Globalization.CultureInfo.InvariantCulture);

    public static string PostgresAdminConnection => Get("STACK_PG_ADMIN_CONNECTION");

    public static string MailHost => Get("STACK_IMAP_HOST");

    public static string MailDomain => Get("STACK_MAIL_DOMAIN");

    public static int ImapPort => Port("STACK_IMAP_PORT");

    public static int ImapsPort => Port("STACK_IMAPS_PORT");

    public static int SmtpPort => Port("STACK_SMTP_PORT");

    public static int SubmissionPort => Port("STACK_SUBMISSION_PORT");

    public static int SmtpsPort => Port("STACK_SMTPS_PORT");

    private static readonly Lazy<X509Certificate2> StackCertificate =
        new(() => X509Certificate2.CreateFromPem(File.ReadAllText(Get("STACK_TLS_CERT"))));

    /// <summary>
    /// Accepts exactly the stack's self-signed certificate (pinned by its hash) and nothing else, so
    /// tests that talk TLS to the stack still verify whom they talk to.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustStackCertificate { get; } = (_, certificate, _, _) =>
        certificate is not null && certificate.GetCertHashString() == StackCertificate.Value.Thumbprint;

    /// <summary>Creates a mail account of its own for a test: <c>name@example.test</c> with a random password.</summary>
    public static async Task<MailUser> CreateMailUserAsync(string prefix = "u")
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 12, 32)];
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await StackCommandAsync("add-user", name, password);
        return new MailUser(name, $"{name}@{MailDomain}", password);
    }

    /// <summary>Cuts every IMAP session of a user, as a server going away would.</summary>
    public static Task KickAsync(MailUser user) => StackCommandAsync("kick", user.Login);

    /// <summary>Stops and starts Dovecot: only for tests that run alone (see <c>SerialMailServerTests</c>).</summary>
    public static Task RestartImapAsync() => StackCommandAsync("restart-imap");

    private static async Task StackCommandAsync(params string[] arguments)
    {
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "stack.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"stack.sh {string.Join(' ', arguments)} failed: {await errors}");
        }
    }

    private static Dictionary<string, string> ReadEnvironment()
    {
        var path = Path.Combine(RepositoryPaths.Root, ".stack", "env");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: start the stack with 'scripts/stack.sh up' (the test command does).");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            if (trimmed.StartsWith("export ", StringComparison.Ordinal))
            {
                trimmed = trimmed["export ".Length..];
            }
            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[trimmed[..equals]] = Unquote(trimmed[(equals + 1)..]);
            }
        }
        return values;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}

internal sealed record MailUser(string Login, string Address, string Password);
