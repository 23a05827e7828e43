namespace Splynx.Orleans.OAuth;

/// <summary>Who issues the grants: the two big hosted mail services, or any OpenID Connect provider.</summary>
public enum OAuthProviderKind
{
    /// <summary>Microsoft Entra ID (work and school accounts of Microsoft 365) of one tenant.</summary>
    Microsoft,

    /// <summary>Google (Workspace and Gmail accounts).</summary>
    Google,

    /// <summary>Any OpenID Connect provider, found by its authority's discovery document.</summary>
    OpenIdConnect,
}

/// <summary>
/// A client registration at an OAuth2 provider that admins sign in with for their mail (super-admin only).
/// <see cref="ClientSecret"/> is only ever an input: null keeps the saved one, and every read answers null
/// with <see cref="HasClientSecret"/> instead. <see cref="Tenant"/> is for Microsoft, <see cref="Authority"/>
/// for a generic provider; empty <see cref="Scopes"/> means the provider's defaults (<see cref="EffectiveScopes"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.oauth.OAuthApplication")]
public sealed record OAuthApplication(
    [property: Id(0)] string Id,
    [property: Id(1)] OAuthProviderKind Kind,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] string? Tenant,
    [property: Id(4)] string? Authority,
    [property: Id(5)] string ClientId,
    [property: Id(6)] string? ClientSecret,
    [property: Id(7)] bool HasClientSecret,
    [property: Id(8)] IReadOnlyList<string> Scopes)
{
    /// <summary>The issuer whose discovery document names the endpoints.</summary>
    public Uri EffectiveAuthority => Kind switch
    {
        OAuthProviderKind.Microsoft => new Uri($"https://login.microsoftonline.com/{Uri.EscapeDataString(Tenant ?? "organizations")}/v2.0/"),
        OAuthProviderKind.Google => new Uri("https://accounts.google.com/"),
        _ => new Uri(Authority ?? throw new InvalidOperationException("A generic provider needs an authority.")),
    };

    /// <summary>What is asked for at sign-in: the saved scopes, or what IMAP and SMTP need at this kind of provider.</summary>
    public IReadOnlyList<string> EffectiveScopes => Scopes.Count > 0 ? Scopes : Kind switch
    {
        // Exchange Online's IMAP and SMTP permissions; offline_access for the refresh token.
        OAuthProviderKind.Microsoft => ["openid", "email", "offline_access",
            "https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send"],
        // Google issues refresh tokens for access_type=offline instead of a scope.
        OAuthProviderKind.Google => ["openid", "email", "https://mail.google.com/"],
        _ => ["openid", "email", "offline_access"],
    };

    /// <summary>Never show the client secret, even to a debugger or a log.</summary>
    public override string ToString() =>
        $"OAuthApplication {{ Id = {Id}, Kind = {Kind}, DisplayName = {DisplayName}, Tenant = {Tenant}, Authority = {Authority}, ClientId = {ClientId}, HasClientSecret = {HasClientSecret} }}";
}

/// <summary>The saved registration, or the problems of each field (<c>displayName</c>, <c>clientSecret</c>…).</summary>
[GenerateSerializer, Immutable, Alias("splynx.oauth.OAuthApplicationSaveResult")]
public sealed record OAuthApplicationSaveResult(
    [property: Id(0)] OAuthApplication? Saved,
    [property: Id(1)] IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Saved is not null;
}

/// <summary>The OAuth application registrations of the service; a single grain with the key <see cref="Key"/>.</summary>
public interface IOAuthApplicationsGrain : IGrainWithStringKey
{
    public const string Key = "all";

    /// <summary>Every registration, by display name; client secrets never, only whether one is saved.</summary>
    Task<IReadOnlyList<OAuthApplication>> ListAsync();

    /// <summary>One registration without its secret, or null.</summary>
    Task<OAuthApplication?> GetAsync(string id);

    /// <summary>Validates and saves: a new registration when <see cref="OAuthApplication.Id"/> is empty (an id is
    /// made), else the one with that id (null when there is none). A null or empty secret keeps the saved one.</summary>
    Task<OAuthApplicationSaveResult?> SaveAsync(OAuthApplication application);

    /// <summary>Removes a registration; false when there was none.</summary>
    Task<bool> DeleteAsync(string id);

    /// <summary>For token requests inside the cluster only: the registration with its client secret, or null.</summary>
    Task<OAuthApplication?> GetWithSecretAsync(string id);
}
