using System.Collections.Concurrent;
using Duende.IdentityModel.Client;

namespace Splynx.Orleans.OAuth;

/// <summary>An access token for IMAP and SMTP and until when the provider said it is valid. Never logged.</summary>
public sealed record OAuthAccessToken(string AccessToken, DateTimeOffset ExpiresAt, string? RotatedRefreshToken)
{
    public override string ToString() => $"OAuthAccessToken {{ ExpiresAt = {ExpiresAt:O}, Rotated = {RotatedRefreshToken is not null} }}";
}

/// <summary>
/// The provider no longer accepts the grant (revoked, expired, the registration's secret changed): only the
/// admin signing in again mends it, so the mailbox must stop asking.
/// </summary>
public sealed class OAuthGrantRejectedException(string message) : Exception(message);

/// <summary>
/// Redeems refresh tokens at the provider of an <see cref="OAuthApplication"/> with Duende.IdentityModel: the
/// token endpoint comes from the authority's discovery document (cached per authority), the client authenticates
/// with its secret.
/// </summary>
public sealed class OAuthTokenClient(TimeProvider time) : IDisposable
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<Uri, DiscoveryCache> _discovery = new();

    /// <summary>A new access token for the grant, or <see cref="OAuthGrantRejectedException"/> when the provider
    /// refuses the grant itself; other failures (network, provider down) throw <see cref="HttpRequestException"/>
    /// and are worth a retry later.</summary>
    public async Task<OAuthAccessToken> RefreshAsync(OAuthApplication application, string refreshToken, CancellationToken cancellationToken)
    {
        var document = await DiscoveryOf(application).GetAsync();
        if (document.IsError)
        {
            throw new HttpRequestException($"The discovery document of {application.EffectiveAuthority} could not be read: {document.Error}");
        }
        var requestedAt = time.GetUtcNow();
        using var request = new RefreshTokenRequest
        {
            Address = document.TokenEndpoint,
            ClientId = application.ClientId,
            ClientSecret = application.ClientSecret,
            RefreshToken = refreshToken,
        };
        var response = await _http.RequestRefreshTokenAsync(request, cancellationToken);
        if (response.IsError)
        {
            if (response.ErrorType == ResponseErrorType.Protocol && response.Error is "invalid_grant" or "invalid_client" or "unauthorized_client")
            {
                throw new OAuthGrantRejectedException($"{application.DisplayName} no longer accepts this sign-in ({response.Error}).");
            }
            throw new HttpRequestException($"The token endpoint of {application.DisplayName} failed: {response.Error}");
        }
        if (string.IsNullOrEmpty(response.AccessToken))
        {
            throw new HttpRequestException($"The token endpoint of {application.DisplayName} answered no access token.");
        }
        var lifetime = response.ExpiresIn > 0 ? TimeSpan.FromSeconds(response.ExpiresIn) : DefaultLifetime;
        return new OAuthAccessToken(response.AccessToken, requestedAt + lifetime,
            string.IsNullOrEmpty(response.RefreshToken) || response.RefreshToken == refreshToken ? null : response.RefreshToken);
    }

    private DiscoveryCache DiscoveryOf(OAuthApplication application) => _discovery.GetOrAdd(application.EffectiveAuthority, authority =>
        new DiscoveryCache(authority.ToString(), () => _http, new DiscoveryPolicy
        {
            // Microsoft's multi-tenant documents ("organizations", "common") name a templated issuer.
            ValidateIssuerName = application.Kind != OAuthProviderKind.Microsoft,
            // Loopback providers (the tests') may use http; every other address must use https.
            AllowHttpOnLoopback = true,
        }));

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// When to renew an access token: between 70 % and 85 % of its lifetime, at a point drawn for each token, so that
/// thousands of grants issued together (a silo start, a mass sign-in) do not all go to the provider at once, and
/// always at least a minute before it expires when its life allows (a slow provider still leaves time).
/// </summary>
public static class AccessTokenRefresh
{
    private static readonly TimeSpan SafetyMargin = TimeSpan.FromMinutes(1);

    public static DateTimeOffset DueAt(DateTimeOffset obtainedAt, DateTimeOffset expiresAt, Random random)
    {
        var lifetime = expiresAt - obtainedAt;
        if (lifetime <= TimeSpan.Zero)
        {
            return obtainedAt;
        }
        var due = obtainedAt + lifetime * (0.70 + 0.15 * random.NextDouble());
        var latest = expiresAt - SafetyMargin;
        return latest > obtainedAt + lifetime / 2 && due > latest ? latest : due;
    }
}
