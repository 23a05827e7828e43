using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Secrets;
using Splynx.Orleans.Storage;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.Tests.Api;

/// <summary>S7: no clear password in the database (a real pg_dump of the host's database) nor in any REST answer.</summary>
public sealed class SecretsAtRestTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string PgDump = "/usr/lib/postgresql/15/bin/pg_dump";
    private const string Psql = "/usr/lib/postgresql/15/bin/psql";

    [Fact]
    public async Task A_pg_dump_and_every_response_hold_none_of_the_admin_mail_and_system_smtp_passwords()
    {
        var answers = new List<ApiAnswer>();
        using var boss = host.NewBrowser();
        answers.Add(await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword));

        // An admin made with a password.
        var adminPassword = "Admin-Secret-" + Guid.NewGuid().ToString("N");
        host.RememberSecret(adminPassword);
        var login = "s" + Guid.NewGuid().ToString("N")[..10];
        var created = await boss.PostAsync("/api/admins", new { login, password = adminPassword, name = "Secret keeper", email = login + "@example.test", role = "admin" });
        answers.Add(created);
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        using var admin = host.NewBrowser();
        answers.Add(await admin.LoginAsync(login, adminPassword));

        // Mail settings with the mail account's password (a real account on the local stack).
        var mailUser = await LocalStack.CreateMailUserAsync("sec");
        host.RememberSecret(mailUser.Password);
        var mailAdmin = new MailAdmin(admin, created.Json.GetProperty("id").GetString()!, mailUser);
        await mailAdmin.SaveSettingsAsync(tracking: false, []);
        answers.Add(await admin.GetAsync("/api/me/mail-settings"));
        answers.Add(await admin.PostAsync("/api/me/mail-settings/imap/test"));
        answers.Add(await admin.PostAsync("/api/me/mail-settings/imap/folders"));
        answers.Add(await admin.GetAsync("/api/me/mailbox/status"));

        // System SMTP with a password.
        var smtpPassword = "Smtp-Secret-" + Guid.NewGuid().ToString("N");
        host.RememberSecret(smtpPassword);
        var system = await boss.PutAsync("/api/system/smtp", new
        {
            server = LocalStack.MailHost, port = LocalStack.SubmissionPort, security = "starttls", auth = "login", dontValidateCertificate = true,
            username = "system-sender", password = smtpPassword, senderEmail = "noreply@" + LocalStack.MailDomain, senderName = "Splynx ISP",
        });
        answers.Add(system);
        Assert.True(system.Status == HttpStatusCode.OK, system.ToString());
        answers.Add(await boss.GetAsync("/api/system/smtp"));
        answers.Add(await boss.GetAsync("/api/admins"));
        answers.Add(await admin.GetAsync("/api/me"));
        answers.Add(await admin.GetAsync("/api/mailboxes"));
        answers.Add(await boss.GetAsync("/api/admin/mailboxes"));
        answers.Add(await boss.GetAsync("/openapi/v1.json"));
        answers.Add(await boss.GetAsync("/metrics"));

        string[] passwords = [adminPassword, mailUser.Password, smtpPassword, ApiHost.BossPassword];

        // Every response collected (Browser also checks each one as it arrives).
        foreach (var answer in answers)
        {
            foreach (var password in passwords)
            {
                Assert.False(answer.Body.Contains(password, StringComparison.Ordinal), $"A response contains a password: {answer}");
            }
        }

        var dump = await PgDumpAsync(host.Database.ConnectionString);
        Assert.True(dump.Length > 1000, "pg_dump wrote almost nothing");
        var dumpText = Encoding.UTF8.GetString(dump);
        Assert.Contains("mail_messages", dumpText, StringComparison.Ordinal); // it is really the service's database
        Assert.Contains(login, dumpText, StringComparison.Ordinal);           // and it holds the rows written above
        var found = new List<string>();
        foreach (var password in passwords)
        {
            var utf8 = Encoding.UTF8.GetBytes(password);
            var forms = new (string Name, byte[] Bytes)[]
            {
                ("UTF-8", utf8),
                ("UTF-16LE", Encoding.Unicode.GetBytes(password)),
                ("UTF-16BE", Encoding.BigEndianUnicode.GetBytes(password)),
                ("base64 of UTF-8", Encoding.ASCII.GetBytes(Convert.ToBase64String(utf8).TrimEnd('='))),
                ("hex of UTF-8 (bytea)", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(utf8))),
            };
            foreach (var (name, bytes) in forms)
            {
                if (dump.AsSpan().IndexOf(bytes) >= 0)
                {
                    found.Add($"the dump holds the password '{password}' as {name}");
                }
            }
        }
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public async Task A_restored_dump_without_the_key_ring_certificate_opens_no_mail_password()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var login = "k" + Guid.NewGuid().ToString("N")[..10];
        var adminPassword = "Admin-Secret-" + Guid.NewGuid().ToString("N");
        host.RememberSecret(adminPassword);
        var created = await boss.PostAsync("/api/admins", new { login, password = adminPassword, name = "Key ring", email = login + "@example.test", role = "admin" });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        using var admin = host.NewBrowser();
        await admin.LoginAsync(login, adminPassword);
        var mailUser = await LocalStack.CreateMailUserAsync("ring");
        host.RememberSecret(mailUser.Password);
        var adminId = created.Json.GetProperty("id").GetString()!;
        await new MailAdmin(admin, adminId, mailUser).SaveSettingsAsync(tracking: false, []);

        await using var restored = await TestDatabase.CreateAsync(migrated: false);
        await RestoreAsync(await PgDumpAsync(host.Database.ConnectionString), restored.ConnectionString);
        var protectedPassword = await ProtectedPasswordAsync(restored, adminId);
        Assert.Equal(0, await restored.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%requiresEncryption=\"true\"%'"));

        // Whoever holds the dump alone runs the project's own code on it, and gets nothing.
        using (var withoutCertificate = SecretProtectionOver(restored, certificate: null))
        {
            var protector = withoutCertificate.GetRequiredService<SecretProtector>();
            Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(protectedPassword));
        }
        // The same code with the nodes' certificate opens it: the refusal above is the missing certificate.
        using (var withCertificate = SecretProtectionOver(restored, new CertificateFile { Path = TestKeyRing.CertificatePath, Password = TestKeyRing.CertificatePassword }))
        {
            Assert.Equal(mailUser.Password, withCertificate.GetRequiredService<SecretProtector>().Unprotect(protectedPassword));
        }
    }

    private static ServiceProvider SecretProtectionOver(TestDatabase database, CertificateFile? certificate)
    {
        var settings = new Dictionary<string, string?>();
        if (certificate is not null)
        {
            settings["DataProtection:Certificate:Path"] = certificate.Path;
            settings["DataProtection:Certificate:Password"] = certificate.Password;
        }
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddNpgsqlDataSource(database.ConnectionString);
        services.AddSecretProtection(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }

    /// <summary>The encrypted password in the mailbox grain's row, read with the silo's own grain-state serializer.</summary>
    private static async Task<string> ProtectedPasswordAsync(TestDatabase database, string adminId)
    {
        using var silo = new UnstartedSilo(database.ConnectionString);
        var serializer = silo.StorageSerializer;
        var serviceId = await database.ScalarAsync<string>("SELECT service_id FROM orleans_storage LIMIT 1")
            ?? throw new InvalidOperationException("The dump holds no grain state");
        await using var dataSource = database.CreateDataSource();
        await foreach (var (mailboxId, state) in MailboxStateRows.ReadAllAsync(dataSource, serializer, serviceId))
        {
            if (mailboxId == adminId)
            {
                return state.ProtectedPassword ?? throw new InvalidOperationException("The mailbox row holds no password");
            }
        }
        throw new InvalidOperationException($"No mailbox row for {adminId}");
    }

    private static async Task RestoreAsync(byte[] dump, string connectionString)
    {
        var start = new ProcessStartInfo(Psql) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--quiet", "--set=ON_ERROR_STOP=1" })
        {
            start.ArgumentList.Add(argument);
        }
        ConnectTo(start, connectionString);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(dump);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"psql failed ({process.ExitCode}): {await errors}{await output}");
    }

    /// <summary>Points a PostgreSQL client program at the database of a connection string.</summary>
    private static void ConnectTo(ProcessStartInfo start, string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        start.Environment["PGHOST"] = settings.Host;
        start.Environment["PGPORT"] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = settings.Username;
        start.Environment["PGPASSWORD"] = settings.Password;
        start.Environment["PGDATABASE"] = settings.Database;
    }

    private static async Task<byte[]> PgDumpAsync(string connectionString)
    {
        var start = new ProcessStartInfo(PgDump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--no-owner", "--no-privileges", "--encoding=UTF8" })
        {
            start.ArgumentList.Add(argument);
        }
        ConnectTo(start, connectionString);
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        await copy;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed ({process.ExitCode}): {await errors}");
        return output.ToArray();
    }
}
