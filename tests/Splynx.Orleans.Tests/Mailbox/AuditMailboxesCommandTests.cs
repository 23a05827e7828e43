using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>The operator's <c>audit-mailboxes</c> command of the silo program, against a real cluster's database.</summary>
public sealed class AuditMailboxesCommandTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Audit_lists_the_admins_who_saved_the_same_account_including_rows_of_the_previous_version_and_changes_nothing()
    {
        await using var harness = await StartAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var (shared, alone, other) = (await LocalStack.CreateMailUserAsync("audit"), await LocalStack.CreateMailUserAsync("audit"),
            await LocalStack.CreateMailUserAsync("audit"));
        var disabled = Tracking() with { Enabled = false };
        // Admin ids as the web host makes them (GUIDs, which the storage keeps as numbers) and a text one.
        var (first, second, single) = (AdminId(), AdminId(), AdminId());
        await harness.EnableAsync(first, SettingsFor(shared, disabled));
        await harness.EnableAsync(second, SettingsFor(shared, disabled) with
        {
            Credentials = new CredentialsSettings(shared.Login.ToUpperInvariant(), shared.Password, false),
        });
        await harness.EnableAsync(single, SettingsFor(alone, disabled));
        await harness.EnableAsync($"legacy-{run}", SettingsFor(other, disabled));
        // An installation that ran the previous version holds JSON rows, some with another admin's account.
        await RewriteAsPreviousVersionAsync(harness.Database, $"legacy-{run}", SettingsFor(shared, disabled));
        var rowsBefore = await RowsAsync(harness.Database);

        var (exitCode, output) = await ServiceProcess.RunAsync(RepositoryPaths.SiloProgram, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = harness.Database.ConnectionString,
            ["Orleans__ServiceId"] = harness.Cluster.ClusterId,
        }, CommandTimeout, "audit-mailboxes");

        Assert.True(exitCode == 3, $"exit code {exitCode}:\n{output}");
        Assert.Contains("4 configured mailbox(es) read; 1 account(s) saved by more than one admin.", output, StringComparison.Ordinal);
        Assert.Contains($"Account {shared.Login.ToLowerInvariant()} on {LocalStack.MailHost}", output, StringComparison.Ordinal);
        foreach (var listed in new[] { first, second, $"legacy-{run}" })
        {
            Assert.Contains($"admin {listed}", output, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(single, output, StringComparison.Ordinal);
        Assert.Equal(rowsBefore, await RowsAsync(harness.Database));
    }

    [Fact]
    public async Task Audit_of_mailboxes_with_accounts_of_their_own_finds_nothing()
    {
        await using var harness = await StartAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        foreach (var name in new[] { "one", "two" })
        {
            await harness.EnableAsync(name == "one" ? AdminId() : $"{name}-{run}", SettingsFor(await LocalStack.CreateMailUserAsync("audit"), Tracking() with { Enabled = false }));
        }

        var (exitCode, output) = await ServiceProcess.RunAsync(RepositoryPaths.SiloProgram, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = harness.Database.ConnectionString,
            ["Orleans__ServiceId"] = harness.Cluster.ClusterId,
        }, CommandTimeout, "audit-mailboxes");

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
        Assert.Contains("2 configured mailbox(es) read; 0 account(s) saved by more than one admin.", output, StringComparison.Ordinal);
    }

    private static string AdminId() => Guid.CreateVersion7().ToString("N");

    /// <summary>Replaces a mailbox's row with what the previous version wrote: the provider's default JSON.</summary>
    private static async Task RewriteAsPreviousVersionAsync(TestDatabase database, string adminId, MailSettings settings)
    {
        using var silo = new UnstartedSilo(database.ConnectionString);
        var previousVersion = silo.PreviousVersionSerializer;
        var state = new MailboxGrainState { Settings = settings with { Credentials = settings.Credentials with { Password = null, HasPassword = true } } };

        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand("UPDATE orleans_storage SET payload = @payload WHERE grain_id_extension = @admin");
        command.Parameters.AddWithValue("payload", previousVersion.Serialize(state).ToArray());
        command.Parameters.AddWithValue("admin", adminId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<string> RowsAsync(TestDatabase database)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "SELECT string_agg(grain_id_extension || ':' || version || ':' || md5(payload), ',' ORDER BY grain_id_extension) FROM orleans_storage");
        return (string)(await command.ExecuteScalarAsync() ?? "");
    }
}
