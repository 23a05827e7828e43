using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Secrets;

namespace Splynx.Orleans.Sending;

/// <summary>The system SMTP settings' persisted state; the password only encrypted.</summary>
[GenerateSerializer, Alias("splynx.sending.SystemSmtpGrainState")]
public sealed class SystemSmtpGrainState
{
    /// <summary>The settings as saved, with <see cref="SystemSmtpSettings.Password"/> always null.</summary>
    [Id(0)] public SystemSmtpSettings Settings { get; set; } = SystemSmtpSettings.Unset;

    /// <summary>The password, encrypted with the cluster's Data Protection keys.</summary>
    [Id(1)] public string? ProtectedPassword { get; set; }
}

/// <summary>The system SMTP settings (super-admin), one grain for the whole service.</summary>
public sealed class SystemSmtpGrain(
    [PersistentState("system-smtp")] IPersistentState<SystemSmtpGrainState> state,
    ISmtpConnector connector,
    SecretProtector secrets) : Grain, ISystemSmtpGrain
{
    private string Password => state.State.ProtectedPassword is { } protectedPassword ? secrets.Unprotect(protectedPassword) : "";

    public Task<SystemSmtpSettings> GetAsync() => Task.FromResult(state.State.Settings);

    public async Task<SystemSmtpUpdateResult> UpdateAsync(SystemSmtpSettings settings)
    {
        var errors = SystemSmtpValidator.Validate(settings, state.State.ProtectedPassword is not null);
        if (errors.Count > 0)
        {
            return new SystemSmtpUpdateResult(null, errors);
        }
        if (!string.IsNullOrEmpty(settings.Password))
        {
            state.State.ProtectedPassword = secrets.Protect(settings.Password);
        }
        state.State.Settings = settings with
        {
            Server = settings.Server!.Trim(),
            Username = string.IsNullOrWhiteSpace(settings.Username) ? null : settings.Username.Trim(),
            Password = null,
            HasPassword = state.State.ProtectedPassword is not null,
            SenderEmail = settings.SenderEmail!.Trim(),
            SenderName = string.IsNullOrWhiteSpace(settings.SenderName) ? null : settings.SenderName.Trim(),
        };
        await state.WriteStateAsync();
        return new SystemSmtpUpdateResult(state.State.Settings, new Dictionary<string, string[]>());
    }

    public async Task<ConnectionTestResult> TestAsync(SystemSmtpSettings? candidate, CancellationToken cancellationToken)
    {
        var settings = candidate ?? state.State.Settings;
        var errors = SystemSmtpValidator.Validate(settings, state.State.ProtectedPassword is not null);
        if (errors.Count > 0)
        {
            return new ConnectionTestResult(false,
                "Complete the system SMTP settings first: " + string.Join("; ", errors.Select(error => $"{error.Key} {string.Join(", ", error.Value)}")), null);
        }
        var password = string.IsNullOrEmpty(settings.Password) ? Password : settings.Password;
        return await new SmtpProbe(connector).TestAsync(SmtpEndpoint.FromAccount(ToAccount(settings, password)), cancellationToken);
    }

    public Task<SmtpAccount?> GetAccountForSendingAsync() =>
        Task.FromResult(state.State.Settings.IsConfigured ? ToAccount(state.State.Settings, Password) : null);

    private static SmtpAccount ToAccount(SystemSmtpSettings settings, string password) => new(
        settings.Server!.Trim(), settings.Port!.Value, settings.Security!.Value, settings.Auth!.Value, settings.DontValidateCertificate,
        settings.Username?.Trim() ?? "", password, settings.SenderEmail?.Trim(), settings.SenderName);
}
