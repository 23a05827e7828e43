using System.Security.Cryptography;
using Splynx.Orleans.Secrets;

namespace Splynx.Orleans.OAuth;

/// <summary>The registrations' persisted state; client secrets only encrypted.</summary>
[GenerateSerializer, Alias("splynx.oauth.OAuthApplicationsGrainState")]
public sealed class OAuthApplicationsGrainState
{
    /// <summary>The registrations as saved, by id, with <see cref="OAuthApplication.ClientSecret"/> always null.</summary>
    [Id(0)] public Dictionary<string, OAuthApplication> Applications { get; set; } = [];

    /// <summary>The client secrets by registration id, encrypted with the cluster's Data Protection keys.</summary>
    [Id(1)] public Dictionary<string, string> ProtectedSecrets { get; set; } = [];
}

/// <summary>The OAuth application registrations (super-admin), one grain for the whole service.</summary>
public sealed class OAuthApplicationsGrain(
    [PersistentState("oauth-applications")] IPersistentState<OAuthApplicationsGrainState> state,
    SecretProtector secrets) : Grain, IOAuthApplicationsGrain
{
    public Task<IReadOnlyList<OAuthApplication>> ListAsync() => Task.FromResult<IReadOnlyList<OAuthApplication>>(
        [.. state.State.Applications.Values.OrderBy(application => application.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(application => application.Id)]);

    public Task<OAuthApplication?> GetAsync(string id) => Task.FromResult(state.State.Applications.GetValueOrDefault(id));

    public async Task<OAuthApplicationSaveResult?> SaveAsync(OAuthApplication application)
    {
        var isNew = application.Id.Length == 0;
        if (!isNew && !state.State.Applications.ContainsKey(application.Id))
        {
            return null;
        }
        var errors = OAuthApplicationValidator.Validate(application, !isNew && state.State.ProtectedSecrets.ContainsKey(application.Id));
        if (errors.Count > 0)
        {
            return new OAuthApplicationSaveResult(null, errors);
        }
        // Short and URL-safe: it travels in the sign-in URL and names the grant of every mailbox that uses it.
        var id = isNew ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) : application.Id;
        if (!string.IsNullOrEmpty(application.ClientSecret))
        {
            state.State.ProtectedSecrets[id] = secrets.Protect(application.ClientSecret);
        }
        var saved = application with
        {
            Id = id,
            DisplayName = application.DisplayName.Trim(),
            Tenant = application.Kind == OAuthProviderKind.Microsoft ? application.Tenant!.Trim() : null,
            Authority = application.Kind == OAuthProviderKind.OpenIdConnect ? application.Authority!.Trim() : null,
            ClientId = application.ClientId.Trim(),
            ClientSecret = null,
            HasClientSecret = true,
            Scopes = [.. application.Scopes.Distinct(StringComparer.Ordinal)],
        };
        state.State.Applications[id] = saved;
        await state.WriteStateAsync();
        return new OAuthApplicationSaveResult(saved, new Dictionary<string, string[]>());
    }

    public async Task<bool> DeleteAsync(string id)
    {
        if (!state.State.Applications.Remove(id))
        {
            return false;
        }
        state.State.ProtectedSecrets.Remove(id);
        await state.WriteStateAsync();
        return true;
    }

    public Task<OAuthApplication?> GetWithSecretAsync(string id) => Task.FromResult(
        state.State.Applications.TryGetValue(id, out var application) && state.State.ProtectedSecrets.TryGetValue(id, out var protectedSecret)
            ? application with { ClientSecret = secrets.Unprotect(protectedSecret) }
            : null);
}
