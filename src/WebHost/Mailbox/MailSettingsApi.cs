using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.OAuth;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.WebHost.Realtime;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Mailbox;

/// <summary>The caller's own mail settings (My Profile): the mailbox id is the admin's id.</summary>
public static class MailSettingsApi
{
    public static IEndpointRouteBuilder MapMailSettingsApi(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/api/me/mail-settings").WithTags("Mail settings").RequireAuthorization();
        settings.MapGet("/", GetAsync);
        settings.MapPut("/", PutAsync);
        settings.MapPost("/imap/test", TestImapAsync);
        settings.MapPost("/imap/folders", LoadFoldersAsync);
        return app;
    }

    private static async Task<Ok<MailSettingsResponse>> GetAsync(ClaimsPrincipal user, IClusterClient cluster) =>
        TypedResults.Ok(MailSettingsResponse.From(await Mailbox(cluster, user).GetSettingsAsync()));

    private static async Task<Results<Ok<MailSettingsResponse>, ValidationProblem>> PutAsync(
        MailSettingsRequest request, ClaimsPrincipal user, IClusterClient cluster, AdminStore admins, TimeProvider time,
        LiveAccessRefresh liveAccess, CancellationToken cancellationToken)
    {
        var mailbox = Mailbox(cluster, user);
        var saved = await mailbox.GetSettingsAsync();
        var candidate = request.ApplyTo(saved);

        // The grain checks the settings themselves; only the web host knows the admins. Both sets of
        // problems are reported together, and nothing is saved while there is any.
        var errors = new Dictionary<string, string[]>(
            MailSettingsValidator.Validate(candidate, saved.Credentials.HasPassword, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
                HasSavedGrant(candidate, saved)),
            StringComparer.Ordinal);
        if (candidate.Credentials.OAuthApplicationId is { } applicationId && !string.IsNullOrWhiteSpace(applicationId)
            && await cluster.GetGrain<IOAuthApplicationsGrain>(IOAuthApplicationsGrain.Key).GetAsync(applicationId.Trim()) is null)
        {
            errors["credentials.oauthApplicationId"] = ["is not a registered OAuth application"];
        }
        foreach (var (field, problems) in await CheckAccessAsync(candidate.Access, user.AdminId(), admins, cancellationToken))
        {
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, .. problems] : problems;
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The mail settings were not saved");
        }

        var result = await mailbox.UpdateSettingsAsync(candidate);
        if (result.Saved is not { } stored)
        {
            return TypedResults.ValidationProblem(result.Errors, title: "The mail settings were not saved");
        }
        await liveAccess.AfterAccessChangeAsync(user.AdminId(), CancellationToken.None);
        return TypedResults.Ok(MailSettingsResponse.From(stored));
    }

    private static async Task<Results<Ok<ConnectionTestResponse>, ValidationProblem>> TestImapAsync(
        MailSettingsRequest? request, ClaimsPrincipal user, IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        var mailbox = Mailbox(cluster, user);
        var saved = await mailbox.GetSettingsAsync();
        var candidate = request?.ApplyTo(saved);
        if (ConnectionErrors(candidate, saved, time) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: "These settings cannot be tried");
        }
        return TypedResults.Ok(ConnectionTestResponse.From(await mailbox.TestImapAsync(candidate, cancellationToken)));
    }

    private static async Task<Results<Ok<FolderListResponse>, ValidationProblem>> LoadFoldersAsync(
        MailSettingsRequest? request, ClaimsPrincipal user, IClusterClient cluster, TimeProvider time, CancellationToken cancellationToken)
    {
        var mailbox = Mailbox(cluster, user);
        var saved = await mailbox.GetSettingsAsync();
        var candidate = request?.ApplyTo(saved);
        if (ConnectionErrors(candidate, saved, time) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: "These settings cannot be tried");
        }
        var result = await mailbox.LoadFoldersAsync(candidate, cancellationToken);
        var connection = ConnectionTestResponse.From(result.Connection);
        return TypedResults.Ok(new FolderListResponse(
            result.Folders.Select(folder => new FolderResponse(folder.Name, folder.SpecialUse)).ToList(),
            result.SentFolder, connection.Ok, connection.Error, connection.ErrorKind));
    }

    /// <summary>
    /// What makes candidate settings impossible to try: the same rules as saving, for the fields a
    /// connection uses (an invalid port or server name is the admin's typo, not the server's fault).
    /// </summary>
    private static Dictionary<string, string[]> ConnectionErrors(MailSettings? candidate, MailSettings saved, TimeProvider time) =>
        candidate is null
            ? []
            : MailSettingsValidator.Validate(candidate, saved.Credentials.HasPassword, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
                HasSavedGrant(candidate, saved))
                .Where(error => error.Key.StartsWith("imap.", StringComparison.Ordinal))
                .ToDictionary(StringComparer.Ordinal);

    /// <summary>The saved grant still serves the candidate: same application (a grant belongs to its issuer).</summary>
    private static bool HasSavedGrant(MailSettings candidate, MailSettings saved) =>
        saved.Credentials.HasGrant && candidate.Credentials.UsesOAuth
        && string.Equals(candidate.Credentials.OAuthApplicationId?.Trim(), saved.Credentials.OAuthApplicationId, StringComparison.Ordinal);

    /// <summary>Every delegate must be another existing admin.</summary>
    private static async Task<Dictionary<string, string[]>> CheckAccessAsync(
        AccessSettings access, string ownerId, AdminStore admins, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var existing = await admins.ExistingIdsAsync(access.AdminIds.Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id.Trim()).ToList(), cancellationToken);
        for (var i = 0; i < access.AdminIds.Count; i++)
        {
            var id = access.AdminIds[i]?.Trim() ?? "";
            if (id.Length == 0)
            {
                continue; // the grain's validator names empty entries
            }
            if (id == ownerId)
            {
                errors[$"access.adminIds[{i}]"] = ["is you: you always read your own mailbox"];
            }
            else if (!existing.Contains(id))
            {
                errors[$"access.adminIds[{i}]"] = [$"'{id}' is not an admin"];
            }
        }
        return errors;
    }

    internal static IMailboxGrain Mailbox(IClusterClient cluster, ClaimsPrincipal user) => cluster.GetGrain<IMailboxGrain>(user.AdminId());
}
