using System.Net;
using System.Text.Json;

namespace Splynx.Orleans.Tests.Api;

/// <summary>Config → Email → OAuth applications through REST: super-admins only, the client secret write-only and never stored in clear.</summary>
public sealed class OAuthApplicationsApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    private const string Path = "/api/system/oauth-applications";
    private static readonly string[] GenericScopes = ["openid", "email", "offline_access", "mail"];
    private static readonly string[] ScopesWithASpace = ["openid", "two words"];

    [Fact]
    public async Task Super_admin_registers_providers_and_reads_them_back_with_the_redirect_uri_but_never_the_secret()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var microsoftSecret = "ms-secret-" + Guid.NewGuid().ToString("N");
        var genericSecret = "oidc-secret-" + Guid.NewGuid().ToString("N");
        host.RememberSecret(microsoftSecret);
        host.RememberSecret(genericSecret);

        var microsoft = await boss.PostAsync(Path, new
        {
            kind = "microsoft", displayName = "Microsoft " + Guid.NewGuid().ToString("N")[..6], tenant = "isp.example",
            clientId = "11111111-2222-3333-4444-555555555555", clientSecret = microsoftSecret,
        });
        Assert.True(microsoft.Status == HttpStatusCode.Created, microsoft.ToString());
        var generic = await boss.PostAsync(Path, new
        {
            kind = "openIdConnect", displayName = "Staff SSO", authority = "https://login.isp.example/realms/staff",
            clientId = "splynx-mail", clientSecret = genericSecret, scopes = GenericScopes,
        });
        Assert.True(generic.Status == HttpStatusCode.Created, generic.ToString());
        var microsoftId = microsoft.Json.GetProperty("id").GetString()!;
        Assert.Equal($"{Path}/{microsoftId}", microsoft.Response.Headers.Location?.OriginalString);

        var list = await boss.GetAsync(Path);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(new Uri(host.Url, "/api/oauth/callback").ToString(), list.Json.GetProperty("redirectUri").GetString());
        var applications = list.Json.GetProperty("applications").EnumerateArray().ToDictionary(item => item.GetProperty("id").GetString()!);
        var savedMicrosoft = applications[microsoftId];
        Assert.Equal("microsoft", savedMicrosoft.GetProperty("kind").GetString());
        Assert.Equal("isp.example", savedMicrosoft.GetProperty("tenant").GetString());
        Assert.True(savedMicrosoft.GetProperty("hasClientSecret").GetBoolean());
        Assert.False(savedMicrosoft.TryGetProperty("clientSecret", out _));
        Assert.Contains("https://outlook.office.com/IMAP.AccessAsUser.All", Strings(savedMicrosoft.GetProperty("effectiveScopes")));
        var savedGeneric = applications[generic.Json.GetProperty("id").GetString()!];
        Assert.Equal(GenericScopes, Strings(savedGeneric.GetProperty("scopes")));
        Assert.Equal(JsonValueKind.Null, savedGeneric.GetProperty("tenant").ValueKind);

        // A change without a secret keeps the saved one.
        var renamed = await boss.PutAsync($"{Path}/{microsoftId}", new
        {
            kind = "microsoft", displayName = "Microsoft 365", tenant = "organizations", clientId = "11111111-2222-3333-4444-555555555555",
        });
        Assert.True(renamed.Status == HttpStatusCode.OK, renamed.ToString());
        Assert.Equal("Microsoft 365", renamed.Json.GetProperty("displayName").GetString());
        Assert.True(renamed.Json.GetProperty("hasClientSecret").GetBoolean());

        // The secrets are in the database only encrypted.
        foreach (var secret in new[] { microsoftSecret, genericSecret })
        {
            Assert.Equal(0L, await host.Database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_storage WHERE position(convert_to('{secret}', 'UTF8') IN payload) > 0"));
        }
        Assert.Equal(1L, await host.Database.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_storage WHERE position(convert_to('Microsoft 365', 'UTF8') IN payload) > 0"));

        Assert.Equal(HttpStatusCode.NoContent, (await boss.DeleteAsync($"{Path}/{microsoftId}")).Status);
        ProblemAssert.Is(await boss.DeleteAsync($"{Path}/{microsoftId}"), HttpStatusCode.NotFound, "deleted twice");
        Assert.DoesNotContain(microsoftId, (await boss.GetAsync(Path)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_registrations_are_refused_field_by_field_and_change_nothing()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var before = (await boss.GetAsync(Path)).Body;

        ProblemAssert.Is(await boss.PostAsync(Path, new { displayName = "No kind", clientId = "c", clientSecret = "s" }),
            HttpStatusCode.BadRequest, "no kind", "kind");
        ProblemAssert.Is(await boss.PostAsync(Path, new { kind = "microsoft", displayName = " ", clientId = "c", clientSecret = "s" }),
            HttpStatusCode.BadRequest, "no name, no tenant", "displayName", "tenant");
        ProblemAssert.Is(await boss.PostAsync(Path, new { kind = "google", displayName = "Google", clientId = "c" }),
            HttpStatusCode.BadRequest, "no secret", "clientSecret");
        ProblemAssert.Is(await boss.PostAsync(Path, new { kind = "google", displayName = "Google", clientId = "has space", clientSecret = "s" }),
            HttpStatusCode.BadRequest, "client id with a space", "clientId");
        ProblemAssert.Is(await boss.PostAsync(Path, new { kind = "openIdConnect", displayName = "SSO", authority = "http://sso.isp.example/", clientId = "c", clientSecret = "s" }),
            HttpStatusCode.BadRequest, "plain http authority off this machine", "authority");
        ProblemAssert.Is(await boss.PostAsync(Path, new { kind = "openIdConnect", displayName = "SSO", authority = "not a url", clientId = "c", clientSecret = "s", scopes = ScopesWithASpace }),
            HttpStatusCode.BadRequest, "bad authority and scope", "authority", "scopes");
        ProblemAssert.Is(await boss.SendRawAsync(HttpMethod.Post, Path, """{"kind":"yahoo"}"""), HttpStatusCode.BadRequest, "unknown kind", "kind");
        ProblemAssert.Is(await boss.PutAsync($"{Path}/nosuchid", new { kind = "google", displayName = "Google", clientId = "c", clientSecret = "s" }),
            HttpStatusCode.NotFound, "update of an unknown id");

        Assert.Equal(before, (await boss.GetAsync(Path)).Body);
    }

    [Fact]
    public async Task A_plain_admin_can_neither_read_nor_change_the_registrations()
    {
        var (admin, _, _) = await host.NewAdminAsync();
        using (admin)
        {
            ProblemAssert.Is(await admin.GetAsync(Path), HttpStatusCode.Forbidden, "list");
            ProblemAssert.Is(await admin.PostAsync(Path, new { kind = "google", displayName = "Google", clientId = "c", clientSecret = "s" }),
                HttpStatusCode.Forbidden, "create");
        }
        using var anonymous = host.NewBrowser();
        ProblemAssert.Is(await anonymous.GetAsync(Path), HttpStatusCode.Unauthorized, "anonymous list");
    }

    [Fact]
    public async Task The_openapi_document_lists_the_endpoints_and_answers_no_client_secret()
    {
        using var browser = host.NewBrowser();
        var document = (await browser.GetAsync("/openapi/v1.json")).Json;

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty(Path, out var collection));
        Assert.True(collection.TryGetProperty("get", out _) && collection.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty(Path + "/{id}", out var item));
        Assert.True(item.TryGetProperty("put", out _) && item.TryGetProperty("delete", out _));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("OAuthApplicationRequest").GetProperty("properties").TryGetProperty("clientSecret", out _));
        var response = schemas.GetProperty("OAuthApplicationResponse").GetProperty("properties");
        Assert.True(response.TryGetProperty("hasClientSecret", out _));
        Assert.False(response.TryGetProperty("clientSecret", out _));
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(item => item.GetString()!)];
}
