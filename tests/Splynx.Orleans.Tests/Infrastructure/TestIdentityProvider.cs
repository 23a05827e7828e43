using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A real OpenID Connect provider (OpenIddict's server, in-memory stores) on <c>127.0.0.1:STACK_OIDC_PORT</c>,
/// hosted once per test process. The stack's Dovecot checks the access tokens it issues by introspection
/// as the client <c>dovecot</c> (see <c>scripts/stack/dovecot-oauth2.conf.ext.in</c>), so a token from here
/// opens IMAP and SMTP for the address it names. Each test registers its own users and client applications;
/// signing and encryption keys are ephemeral, made at start and never written anywhere.
/// </summary>
internal sealed class TestIdentityProvider
{
    /// <summary>The audience every access token carries, so that Dovecot may introspect it.</summary>
    private const string MailServerResource = "dovecot";

    private static readonly Lazy<Task<TestIdentityProvider>> Shared = new(StartAsync);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _passwords;

    private TestIdentityProvider(WebApplication app, ConcurrentDictionary<string, string> passwords, Uri issuer)
    {
        _app = app;
        _passwords = passwords;
        Issuer = issuer;
    }

    /// <summary>The provider of this test process, started at the first call.</summary>
    public static Task<TestIdentityProvider> GetAsync() => Shared.Value;

    /// <summary>The authority: discovery is at <c>.well-known/openid-configuration</c> below it.</summary>
    public Uri Issuer { get; }

    public Uri TokenEndpoint => new(Issuer, "connect/token");

    /// <summary>A person who can sign in here with this address and password.</summary>
    public void AddUser(string email, string password) => _passwords[email.ToLowerInvariant()] = password;

    /// <summary>Registers a confidential client that may use the code flow with PKCE, refresh tokens and (for
    /// tests without a browser) the password grant; its access tokens live <paramref name="accessTokenLifetime"/>.</summary>
    public async Task RegisterClientAsync(string clientId, string clientSecret, IEnumerable<Uri> redirectUris,
        TimeSpan? accessTokenLifetime = null)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = clientSecret,
            ClientType = ClientTypes.Confidential,
            DisplayName = clientId,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.GrantTypes.Password,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in redirectUris)
        {
            descriptor.RedirectUris.Add(uri);
        }
        if (accessTokenLifetime is { } lifetime)
        {
            descriptor.Settings[Settings.TokenLifetimes.AccessToken] = lifetime.ToString("c", CultureInfo.InvariantCulture);
        }
        await using var scope = _app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(descriptor);
    }

    /// <summary>Tokens for a user through the password grant (tests of the mail servers, no browser).</summary>
    public async Task<TokenSet> PasswordGrantAsync(string clientId, string clientSecret, string email, string password)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = GrantTypes.Password,
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["username"] = email,
            ["password"] = password,
            ["scope"] = $"{Scopes.OpenId} {Scopes.Email} {Scopes.OfflineAccess}",
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The provider refused the password grant ({(int)response.StatusCode}): {body}");
        }
        using var json = JsonDocument.Parse(body);
        return new TokenSet(
            json.RootElement.GetProperty("access_token").GetString()!,
            json.RootElement.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null);
    }

    /// <summary>Revokes every token issued to the user, as an administrator of the provider (or the user
    /// withdrawing consent) would: refresh tokens stop working and introspection calls their access tokens inactive.</summary>
    public async Task<int> RevokeTokensOfAsync(string email)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var revoked = 0;
        await foreach (var token in tokens.FindBySubjectAsync(email.ToLowerInvariant()))
        {
            if (await tokens.TryRevokeAsync(token))
            {
                revoked++;
            }
        }
        return revoked;
    }

    private static async Task<TestIdentityProvider> StartAsync()
    {
        var port = LocalStack.Port("STACK_OIDC_PORT");
        var issuer = new Uri($"http://127.0.0.1:{port}/");
        var passwords = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(issuer.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        var database = "oidc-" + Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<DbContext>(options => options.UseInMemoryDatabase(database).UseOpenIddict());
        builder.Services.AddAuthentication();
        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(options =>
            {
                options.SetIssuer(issuer)
                    .SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke");
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowRefreshTokenFlow()
                    .AllowPasswordFlow();
                options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.OfflineAccess);
                options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                options.UseAspNetCore()
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough();
            });

        var app = builder.Build();
        var provider = new TestIdentityProvider(app, passwords, issuer);
        app.MapMethods("connect/authorize", [HttpMethods.Get, HttpMethods.Post], (Func<HttpContext, Task<IResult>>)provider.AuthorizeAsync);
        app.MapPost("connect/token", (Func<HttpContext, Task<IResult>>)provider.ExchangeAsync);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = LocalStack.Get("STACK_OIDC_INTROSPECTION_CLIENT"),
                ClientSecret = LocalStack.Get("STACK_OIDC_INTROSPECTION_SECRET"),
                ClientType = ClientTypes.Confidential,
                Permissions = { Permissions.Endpoints.Introspection },
            });
        }
        await app.StartAsync();
        return provider;
    }

    /// <summary>The sign-in page: the authorization request's parameters travel in hidden fields, the form
    /// posts them back with the address and password, and a right pair ends in the redirect with the code.</summary>
    private async Task<IResult> AuthorizeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an authorization request.");
        string? email = null;
        string? error = null;
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync();
            email = form["login_email"].ToString().Trim();
            if (_passwords.TryGetValue(email, out var password) && password == form["login_password"].ToString())
            {
                return TypedResults.SignIn(CreatePrincipal(email, request.GetScopes()),
                    authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            }
            error = "Wrong address or password.";
        }
        return TypedResults.Content(SignInPage(request, email, error), "text/html; charset=utf-8");
    }

    private async Task<IResult> ExchangeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not a token request.");
        ClaimsPrincipal principal;
        if (request.IsPasswordGrantType())
        {
            if (request.Username is not { } email || !_passwords.TryGetValue(email, out var password) || password != request.Password)
            {
                return Refuse("Wrong address or password.");
            }
            principal = CreatePrincipal(email, request.GetScopes());
        }
        else
        {
            // Code and refresh grants: OpenIddict has already checked the code or refresh token (and that it
            // is not revoked); the new tokens carry the same person and scopes.
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            if (result.Principal?.GetClaim(Claims.Email) is not { } email)
            {
                return Refuse("The grant is no longer valid.");
            }
            principal = CreatePrincipal(email, result.Principal.GetScopes());
        }
        return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ForbidHttpResult Refuse(string description) => TypedResults.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static ClaimsPrincipal CreatePrincipal(string email, IEnumerable<string> scopes)
    {
        var address = email.ToLowerInvariant();
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, address)
            .SetClaim(Claims.Email, address)
            .SetClaim(Claims.Name, address)
            .SetClaim(Claims.PreferredUsername, address);
        identity.SetScopes(scopes);
        identity.SetResources(MailServerResource);
        // Both tokens name the person: the identity token for the client, the access token for the mail server.
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return new ClaimsPrincipal(identity);
    }

    private static string SignInPage(OpenIddictRequest request, string? email, string? error)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Test identity provider</title></head><body>");
        html.Append("<main><h1>Sign in to the test identity provider</h1>");
        if (error is not null)
        {
            html.Append("<p role=\"alert\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
        }
        html.Append("<form method=\"post\" action=\"/connect/authorize\">");
        foreach (var (name, value) in request.GetParameters())
        {
            if (name is "login_email" or "login_password")
            {
                continue;
            }
            html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name))
                .Append("\" value=\"").Append(WebUtility.HtmlEncode((string?)value)).Append("\">");
        }
        html.Append("<p><label>Email <input name=\"login_email\" type=\"email\" autocomplete=\"username\" value=\"")
            .Append(WebUtility.HtmlEncode(email ?? request.LoginHint ?? "")).Append("\"></label></p>");
        html.Append("<p><label>Password <input name=\"login_password\" type=\"password\" autocomplete=\"current-password\"></label></p>");
        html.Append("<p><button type=\"submit\">Sign in</button></p></form></main></body></html>");
        return html.ToString();
    }
}

/// <summary>What a token request answered; never logged by the tests.</summary>
internal sealed record TokenSet(string AccessToken, string? RefreshToken);
