using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.WebHost.Mailbox;

namespace Splynx.Orleans.WebHost.Operations;

/// <summary>One admin's mailbox as the super-admin's overview shows it.</summary>
public sealed record AdminMailboxResponse(
    string AdminId, string Login, string Name, string State, string? Error, string? ErrorKind,
    DateTime? LastSyncAt, long Messages, int Quarantined, string? Silo);

/// <summary>For super-admins: every admin's mailbox, its state and the silo that holds it.</summary>
public static partial class MailboxOverviewApi
{
    /// <summary>Status calls in flight at once: enough to be quick with many admins, few enough not to flood the cluster.</summary>
    private const int MaxParallelStatusCalls = 16;

    public static IEndpointRouteBuilder MapMailboxOverviewApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Operations").RequireAuthorization(AdminRoles.SuperAdminPolicy);
        admin.MapGet("/mailboxes", ListAsync);
        return app;
    }

    private static async Task<Ok<AdminMailboxResponse[]>> ListAsync(
        AdminStore admins, IClusterClient cluster, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var all = await admins.ListAsync(cancellationToken);
        var statuses = new ConcurrentDictionary<string, AdminMailboxResponse>(StringComparer.Ordinal);
        var logger = loggers.CreateLogger(typeof(MailboxOverviewApi));
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = MaxParallelStatusCalls, CancellationToken = cancellationToken },
            async (admin, _) => statuses[admin.Id] = await StatusOfAsync(admin, cluster, logger));
        // In the order of the admins list (by login), whatever order the answers came in.
        return TypedResults.Ok(all.Select(admin => statuses[admin.Id]).ToArray());
    }

    /// <summary>One mailbox that does not answer is shown as such, without hiding all the others.</summary>
    private static async Task<AdminMailboxResponse> StatusOfAsync(Admin admin, IClusterClient cluster, ILogger logger)
    {
        try
        {
            var status = MailboxStatusResponse.From(await cluster.GetGrain<IMailboxGrain>(admin.Id).GetStatusAsync());
            return new AdminMailboxResponse(admin.Id, admin.Login, admin.Name, status.State, status.Error, status.ErrorKind,
                status.LastSyncAt, status.Messages, status.Quarantined, status.Silo);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogStatusFailed(logger, exception, admin.Id);
            return new AdminMailboxResponse(admin.Id, admin.Login, admin.Name, "error",
                "The mailbox did not answer: " + exception.Message, null, null, 0, 0, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the status of mailbox {MailboxId} for the overview failed")]
    private static partial void LogStatusFailed(ILogger logger, Exception exception, string mailboxId);
}
