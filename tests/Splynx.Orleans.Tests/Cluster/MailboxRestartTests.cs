using System.Text.Json;
using MailKit;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;

namespace Splynx.Orleans.Tests.Cluster;

/// <summary>
/// Many admins, each with an account, a deny list and delegates of its own, on real silo processes: whenever
/// their grain state is read back (restart after kill -9 or SIGTERM, deactivation, failover), every mailbox
/// has its own settings and syncs its own account into its own mailbox only.
/// </summary>
public sealed class MailboxRestartTests
{
    private const int AdminCount = 20;
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(120);

    private sealed record Admin(int Index, string Id, MailUser User, MailSettings Saved);

    [Fact]
    public async Task Every_mailbox_keeps_its_own_settings_and_mail_after_its_silo_is_killed_stopped_and_its_grains_deactivated()
    {
        await using var harness = await MailboxHarness.StartAsync();
        var admins = await ConfigureAdminsAsync(harness);
        var phases = new List<string>();
        await DeliverAndCheckOwnMailAsync(harness, harness.Client, admins, phases, "before any restart");

        var silo = await SiloOfAsync(harness.Client, admins[0]);
        harness.Cluster.Kill(silo);
        await harness.Cluster.StartSiloAsync();
        var client = await harness.Cluster.ConnectClientAsync();
        await CheckOwnSettingsAsync(client, admins);
        await DeliverAndCheckOwnMailAsync(harness, client, admins, phases, "after kill -9");

        silo = await SiloOfAsync(client, admins[0]);
        await harness.Cluster.StopAsync(silo);
        await harness.Cluster.StartSiloAsync();
        client = await harness.Cluster.ConnectClientAsync();
        await CheckOwnSettingsAsync(client, admins);
        await DeliverAndCheckOwnMailAsync(harness, client, admins, phases, "after SIGTERM");

        // A collection passes over an activation that is busy at that instant (its loop reporting a check, a
        // reminder renewal under way): collect again until most are gone.
        var management = client.GetGrain<IManagementGrain>(0);
        var stillActive = await Eventually.ReturnsAsync(async () =>
            {
                await management.ForceActivationCollection(TimeSpan.Zero);
                return (await management.GetSimpleGrainStatistics())
                    .Where(statistic => statistic.GrainType.Contains(nameof(MailboxGrain), StringComparison.Ordinal))
                    .Sum(statistic => statistic.ActivationCount);
            },
            active => active < AdminCount / 2, TimeSpan.FromSeconds(30), "most mailbox grains to be collected");
        Assert.True(stillActive < AdminCount / 2, $"{stillActive} of {AdminCount} mailbox grains are still active after the collection");
        await CheckOwnSettingsAsync(client, admins);
        await DeliverAndCheckOwnMailAsync(harness, client, admins, phases, "after deactivation");
    }

    [Fact]
    public async Task Mailboxes_that_fail_over_to_another_silo_keep_their_own_settings_and_mail()
    {
        await using var harness = await MailboxHarness.StartAsync();
        await harness.Cluster.StartSiloAsync();
        var admins = await ConfigureAdminsAsync(harness);
        var phases = new List<string>();
        await DeliverAndCheckOwnMailAsync(harness, harness.Client, admins, phases, "before the failover");

        var holders = new Dictionary<string, string>();
        foreach (var admin in admins)
        {
            holders[admin.Id] = await SiloOfAsync(harness.Client, admin);
        }
        var victim = holders.Values.GroupBy(silo => silo).OrderByDescending(group => group.Count()).First().Key;
        harness.Cluster.Kill(victim);

        var moved = admins.Where(admin => holders[admin.Id] == victim).ToList();
        Assert.NotEmpty(moved);
        foreach (var admin in moved)
        {
            await Eventually.ReturnsAsync(() => harness.Mailbox(admin.Id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10)),
                status => status.Silo != victim && status.State == MailboxState.Idle, Recovery, $"{admin.Id} idle on a surviving silo");
        }
        await CheckOwnSettingsAsync(harness.Client, admins);
        await DeliverAndCheckOwnMailAsync(harness, harness.Client, admins, phases, "after the failover");
    }

    /// <summary>Admins with accounts, deny lists, delegates and SMTP settings of their own, all syncing.</summary>
    private static async Task<IReadOnlyList<Admin>> ConfigureAdminsAsync(MailboxHarness harness)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = Enumerable.Range(0, AdminCount).Select(index => $"admin-{run}-{index}").ToList();
        var users = new List<MailUser>();
        for (var index = 0; index < AdminCount; index++)
        {
            users.Add(await LocalStack.CreateMailUserAsync("restart"));
        }

        var admins = await Task.WhenAll(Enumerable.Range(0, AdminCount).Select(async index =>
        {
            var user = users[index];
            var settings = MailboxHarness.SettingsFor(user,
                MailboxHarness.Tracking(markAsRead: index % 2 == 0, denyList: [$"blocked-{index}.test", Spammer(index)])) with
            {
                Access = new AccessSettings([$"delegate-{run}-{index}", ids[(index + 1) % AdminCount]]),
                Smtp = new SmtpSettings(true, $"reply-{index}@{LocalStack.MailDomain}", false, LocalStack.MailHost, LocalStack.SubmissionPort,
                    SmtpSecurity.StartTls, SmtpAuth.Plain, DontValidateCertificate: true),
            };
            var result = await harness.Mailbox(ids[index]).UpdateSettingsAsync(settings);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
            return new Admin(index, ids[index], user, result.Saved!);
        }));
        foreach (var admin in admins)
        {
            await MailboxHarness.WaitForStateAsync(harness.Mailbox(admin.Id), MailboxState.Idle, Recovery);
        }
        return admins;
    }

    private static string Spammer(int index) => $"spammer{index}@elsewhere.test";

    private static async Task<string> SiloOfAsync(IClusterClient client, Admin admin) =>
        (await client.GetGrain<IMailboxGrain>(admin.Id).GetStatusAsync()).Silo
        ?? throw new InvalidOperationException($"{admin.Id} names no silo");

    private static async Task CheckOwnSettingsAsync(IClusterClient client, IReadOnlyList<Admin> admins)
    {
        foreach (var admin in admins)
        {
            var settings = await Eventually.ReturnsAsync(() => client.GetGrain<IMailboxGrain>(admin.Id).GetSettingsAsync().WaitAsync(TimeSpan.FromSeconds(10)),
                _ => true, Recovery, $"the settings of {admin.Id}");
            Assert.Equal(JsonSerializer.Serialize(admin.Saved), JsonSerializer.Serialize(settings));
        }
    }

    /// <summary>
    /// Puts into each admin's INBOX a message from its own denied sender, one from the sender another admin
    /// denies, and one from a customer; then every admin's mailbox holds exactly the two it should, and no
    /// mailbox holds mail of another admin's account.
    /// </summary>
    private static async Task DeliverAndCheckOwnMailAsync(MailboxHarness harness, IClusterClient client, IReadOnlyList<Admin> admins,
        List<string> phases, string phase)
    {
        phases.Add(phase);
        foreach (var admin in admins)
        {
            await MailboxHarness.WaitForStateAsync(client.GetGrain<IMailboxGrain>(admin.Id), MailboxState.Idle, Recovery);
        }
        await Task.WhenAll(admins.Select(async admin =>
        {
            using var imap = await MailClients.ImapAsync(admin.User);
            foreach (var (from, subject) in MailOf(admin, phase))
            {
                await imap.Inbox.AppendAsync(new AppendRequest(MailClients.Message(from, admin.User.Address, subject), MessageFlags.None));
            }
            await imap.DisconnectAsync(quit: true);
        }));

        var expected = admins.ToDictionary(admin => admin.Id, admin => ExpectedSubjects(admin, phases));
        foreach (var admin in admins)
        {
            await harness.WaitForStoredAsync(admin.Id, expected[admin.Id].Count, Recovery);
        }
        var stored = await StoredByMailboxAsync(harness, admins);
        foreach (var admin in admins)
        {
            Assert.Equal(expected[admin.Id].Order(StringComparer.Ordinal), stored[admin.Id].Order(StringComparer.Ordinal));
        }
    }

    private static IEnumerable<(string From, string Subject)> MailOf(Admin admin, string phase)
    {
        yield return (Spammer(admin.Index), $"denied {phase} for {admin.Index}");
        yield return (Spammer((admin.Index + 1) % AdminCount), $"from the neighbour's denied sender {phase} for {admin.Index}");
        yield return ($"customer{admin.Index}@elsewhere.test", $"customer mail {phase} for {admin.Index}");
    }

    /// <summary>The mail of every phase so far, except what the admin's own deny list refuses.</summary>
    private static List<string> ExpectedSubjects(Admin admin, IEnumerable<string> phases) =>
        phases.SelectMany(phase => MailOf(admin, phase))
            .Where(mail => mail.From != Spammer(admin.Index))
            .Select(mail => mail.Subject)
            .ToList();

    /// <summary>What the database holds for these admins' mailboxes (every row, so a stray copy shows).</summary>
    private static async Task<Dictionary<string, List<string>>> StoredByMailboxAsync(MailboxHarness harness, IReadOnlyList<Admin> admins)
    {
        var stored = admins.ToDictionary(admin => admin.Id, _ => new List<string>());
        foreach (var admin in admins)
        {
            stored[admin.Id].AddRange((await harness.StoredAsync(admin.Id)).Select(row => row.Subject));
        }
        return stored;
    }
}
