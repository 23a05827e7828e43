using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.WebHost.Operations;

/// <summary>One page of the overview: <c>next</c> goes back as <c>before</c> for the page after it (null on the last).</summary>
public sealed record MailboxOverviewPage(IReadOnlyList<MailboxOverviewRow> Items, string? Next);

/// <summary>A live silo and how many mailboxes it holds.</summary>
public sealed record SiloResponse(string Silo, string Status, int Mailboxes);

/// <summary>
/// For super-admins: every admin's mailbox, its state and the silo that holds it, and the silos. Answered from
/// what the mailboxes publish about themselves (<c>mailbox_presence</c>), so it costs the same with five mailboxes
/// or five thousand and wakes none of them.
/// </summary>
public static class MailboxOverviewApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 500;
    private static readonly string[] States = [.. Enum.GetValues<MailboxState>().Select(MailboxPresenceStore.StateWord)];

    public static IEndpointRouteBuilder MapMailboxOverviewApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Operations").RequireAuthorization(AdminRoles.SuperAdminPolicy);
        admin.MapGet("/mailboxes", ListAsync);
        admin.MapGet("/silos", SilosAsync);
        app.MapHub<OperationsHub>(OperationsHub.Path);
        return app;
    }

    private static async Task<Results<Ok<MailboxOverviewPage>, ValidationProblem>> ListAsync(
        MailboxPresenceStore presence, IClusterClient cluster, CancellationToken cancellationToken,
        string? state = null, string? before = null, int? limit = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (state is not null && !States.Contains(state, StringComparer.Ordinal))
        {
            errors["state"] = [$"Use one of: {string.Join(", ", States)}."];
        }
        var afterLogin = before is null ? null : DecodeCursor(before);
        if (before is not null && afterLogin is null)
        {
            errors["before"] = ["Pass back the 'next' of the previous page."];
        }
        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"Between 1 and {MaxPageSize}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var pageSize = limit ?? DefaultPageSize;
        var rows = await presence.OverviewPageAsync(state, afterLogin, pageSize + 1, cancellationToken);
        var live = await LiveSilosAsync(cluster);
        var page = rows.Take(pageSize).Select(row => row with { Silo = EndpointIfLive(row.Silo, live) }).ToList();
        var next = rows.Count > pageSize ? EncodeCursor(page[^1].Login) : null;
        return TypedResults.Ok(new MailboxOverviewPage(page, next));
    }

    private static async Task<Ok<SiloResponse[]>> SilosAsync(
        MailboxPresenceStore presence, IClusterClient cluster, CancellationToken cancellationToken)
    {
        var hosts = await LiveHostsAsync(cluster);
        var counts = await presence.CountBySiloAsync(cancellationToken);
        return TypedResults.Ok(hosts
            .OrderBy(host => host.Key.ToParsableString(), StringComparer.Ordinal)
            .Select(host => new SiloResponse(host.Key.Endpoint.ToString(), host.Value.ToString().ToLowerInvariant(),
                counts.GetValueOrDefault(host.Key.ToParsableString())))
            .ToArray());
    }

    private static Task<Dictionary<SiloAddress, SiloStatus>> LiveHostsAsync(IClusterClient cluster) =>
        cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);

    private static async Task<HashSet<string>> LiveSilosAsync(IClusterClient cluster) =>
        [.. (await LiveHostsAsync(cluster)).Keys.Select(silo => silo.ToParsableString())];

    /// <summary>A mailbox last held by a silo that is gone is held by none (until a survivor resumes it).</summary>
    private static string? EndpointIfLive(string? silo, HashSet<string> live) =>
        silo is not null && live.Contains(silo) ? SiloAddress.FromParsableString(silo).Endpoint.ToString() : null;

    private static string EncodeCursor(string login) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(login));

    private static string? DecodeCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
