using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>
/// The SMTP server every admin with "use system SMTP" sends through (super-admin only). Every field is
/// null until first saved. <see cref="Password"/> is only ever an input: null keeps the saved one, and
/// every read answers null with <see cref="HasPassword"/> instead.
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.SystemSmtpSettings")]
public sealed record SystemSmtpSettings(
    [property: Id(0)] string? Server,
    [property: Id(1)] int? Port,
    [property: Id(2)] SmtpSecurity? Security,
    [property: Id(3)] SmtpAuth? Auth,
    [property: Id(4)] bool DontValidateCertificate,
    [property: Id(5)] string? Username,
    [property: Id(6)] string? Password,
    [property: Id(7)] bool HasPassword,
    [property: Id(8)] string? SenderEmail,
    [property: Id(9)] string? SenderName)
{
    public static SystemSmtpSettings Unset => new(null, null, null, null, false, null, null, false, null, null);

    /// <summary>Saved with everything a send needs.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Server) && Port is not null && Security is not null && Auth is not null
        && !string.IsNullOrWhiteSpace(SenderEmail);

    /// <summary>Never show the password, even to a debugger or a log.</summary>
    public override string ToString() =>
        $"SystemSmtpSettings {{ Server = {Server}, Port = {Port}, Security = {Security}, Auth = {Auth}, Username = {Username}, HasPassword = {HasPassword}, SenderEmail = {SenderEmail} }}";
}

/// <summary>The saved settings, or the problems of each field (<c>server</c>, <c>senderEmail</c>…).</summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.SystemSmtpUpdateResult")]
public sealed record SystemSmtpUpdateResult(
    [property: Id(0)] SystemSmtpSettings? Saved,
    [property: Id(1)] IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Saved is not null;
}

/// <summary>
/// Everything needed to hand a message to an SMTP server, password included. Travels only between grains
/// of the silo (never to a browser, never into a log).
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.SmtpAccount")]
public sealed record SmtpAccount(
    [property: Id(0)] string Server,
    [property: Id(1)] int Port,
    [property: Id(2)] SmtpSecurity Security,
    [property: Id(3)] SmtpAuth Auth,
    [property: Id(4)] bool DontValidateCertificate,
    [property: Id(5)] string Username,
    [property: Id(6)] string Password,
    [property: Id(7)] string? SenderEmail,
    [property: Id(8)] string? SenderName)
{
    public override string ToString() => $"{Username}@{Server}:{Port} ({Security}, {Auth})";
}

/// <summary>The system SMTP settings; a single grain with the key <see cref="Key"/>.</summary>
public interface ISystemSmtpGrain : IGrainWithStringKey
{
    public const string Key = "system";

    /// <summary>The saved settings; the password is never returned, only whether one is saved.</summary>
    Task<SystemSmtpSettings> GetAsync();

    /// <summary>Validates and saves. A null or empty password keeps the saved one.</summary>
    Task<SystemSmtpUpdateResult> UpdateAsync(SystemSmtpSettings settings);

    /// <summary>Connects and authenticates with the given settings (not saved; a null password means the saved one), or the saved ones.</summary>
    Task<ConnectionTestResult> TestAsync(SystemSmtpSettings? candidate, CancellationToken cancellationToken = default);

    /// <summary>For the outbox grains of the silo only: the saved account with its password, or null when not configured.</summary>
    Task<SmtpAccount?> GetAccountForSendingAsync();
}
