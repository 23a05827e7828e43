using System.Text.Json.Serialization;
using Splynx.Orleans.OAuth;

namespace Splynx.Orleans.WebHost.OAuth;

public enum ApiOAuthProviderKind
{
    [JsonStringEnumMemberName("microsoft")] Microsoft,
    [JsonStringEnumMemberName("google")] Google,
    [JsonStringEnumMemberName("openIdConnect")] OpenIdConnect,
}

/// <summary>
/// An OAuth application registration as a super-admin writes it. <see cref="ClientSecret"/> is write-only:
/// null or empty keeps the saved one; it is never answered.
/// </summary>
public sealed record OAuthApplicationRequest(
    ApiOAuthProviderKind? Kind,
    string? DisplayName,
    string? Tenant,
    string? Authority,
    string? ClientId,
    string? ClientSecret,
    IReadOnlyList<string>? Scopes)
{
    public OAuthApplication ToGrain(string id, ApiOAuthProviderKind kind) => new(
        id,
        OAuthNames.ToGrain(kind),
        DisplayName ?? "",
        Tenant,
        Authority,
        ClientId ?? "",
        string.IsNullOrEmpty(ClientSecret) ? null : ClientSecret,
        HasClientSecret: false,
        [.. (Scopes ?? []).Select(scope => scope.Trim()).Where(scope => scope.Length > 0)]);

    public override string ToString() => $"OAuthApplicationRequest {{ Kind = {Kind}, DisplayName = {DisplayName}, ClientId = {ClientId} }}";
}

/// <summary>A registration as the API shows it: the client secret never, only whether one is saved.</summary>
public sealed record OAuthApplicationResponse(
    string Id,
    ApiOAuthProviderKind Kind,
    string DisplayName,
    string? Tenant,
    string? Authority,
    string ClientId,
    bool HasClientSecret,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> EffectiveScopes)
{
    public static OAuthApplicationResponse From(OAuthApplication application) => new(
        application.Id, OAuthNames.FromGrain(application.Kind), application.DisplayName, application.Tenant, application.Authority,
        application.ClientId, application.HasClientSecret, application.Scopes, application.EffectiveScopes);
}

/// <summary>Every registration, and the redirect URI each must list at its provider.</summary>
public sealed record OAuthApplicationsResponse(string RedirectUri, IReadOnlyList<OAuthApplicationResponse> Applications);

internal static class OAuthNames
{
    public static OAuthProviderKind ToGrain(ApiOAuthProviderKind kind) => kind switch
    {
        ApiOAuthProviderKind.Microsoft => OAuthProviderKind.Microsoft,
        ApiOAuthProviderKind.Google => OAuthProviderKind.Google,
        ApiOAuthProviderKind.OpenIdConnect => OAuthProviderKind.OpenIdConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static ApiOAuthProviderKind FromGrain(OAuthProviderKind kind) => kind switch
    {
        OAuthProviderKind.Microsoft => ApiOAuthProviderKind.Microsoft,
        OAuthProviderKind.Google => ApiOAuthProviderKind.Google,
        OAuthProviderKind.OpenIdConnect => ApiOAuthProviderKind.OpenIdConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
