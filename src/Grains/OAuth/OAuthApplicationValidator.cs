using System.Net;
using System.Text.RegularExpressions;

namespace Splynx.Orleans.OAuth;

/// <summary>Field-by-field problems of an OAuth application registration, keyed by the API's field names.</summary>
public static partial class OAuthApplicationValidator
{
    private const int MaxScopes = 20;

    /// <param name="hasSavedSecret">A client secret is already stored, so leaving it out keeps it.</param>
    public static IReadOnlyDictionary<string, string[]> Validate(OAuthApplication application, bool hasSavedSecret)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = application.DisplayName.Trim();
        if (name.Length == 0)
        {
            errors["displayName"] = ["Give the application a name: admins see it on the sign-in button."];
        }
        else if (name.Length > 80)
        {
            errors["displayName"] = ["At most 80 characters."];
        }
        if (!Token().IsMatch(application.ClientId.Trim()))
        {
            errors["clientId"] = ["Enter the client (application) id the provider gave this registration."];
        }
        if (string.IsNullOrEmpty(application.ClientSecret) && !hasSavedSecret)
        {
            errors["clientSecret"] = ["Enter the client secret the provider made for this registration."];
        }
        else if (application.ClientSecret is { Length: > 1000 })
        {
            errors["clientSecret"] = ["At most 1000 characters."];
        }
        switch (application.Kind)
        {
            case OAuthProviderKind.Microsoft when !TenantPattern().IsMatch(application.Tenant?.Trim() ?? ""):
                errors["tenant"] = ["Enter the directory (tenant) id, a verified domain such as isp.example, or \"organizations\"."];
                break;
            case OAuthProviderKind.OpenIdConnect when AuthorityProblem(application.Authority) is { } problem:
                errors["authority"] = [problem];
                break;
            case OAuthProviderKind.Microsoft or OAuthProviderKind.Google or OAuthProviderKind.OpenIdConnect:
                break;
            default:
                errors["kind"] = ["Choose microsoft, google or openIdConnect."];
                break;
        }
        var scopeProblems = application.Scopes
            .Select((scope, index) => Token().IsMatch(scope) ? null : $"scope {index + 1}: '{scope}' is not a scope (no spaces, at most 200 characters).")
            .OfType<string>()
            .ToList();
        if (application.Scopes.Count > MaxScopes)
        {
            scopeProblems.Insert(0, $"At most {MaxScopes} scopes.");
        }
        if (scopeProblems.Count > 0)
        {
            errors["scopes"] = [.. scopeProblems];
        }
        return errors;
    }

    private static string? AuthorityProblem(string? authority)
    {
        if (!Uri.TryCreate(authority?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "Enter the provider's issuer URL, such as https://login.isp.example/realms/staff.";
        }
        if (uri.Scheme == "http" && !IsLoopback(uri))
        {
            return "The issuer URL must use https (http only on this machine).";
        }
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "The issuer URL has no query and no fragment.";
        }
        return null;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex(@"^[\x21-\x7E]{1,200}$")]
    private static partial Regex Token();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")]
    private static partial Regex TenantPattern();
}
