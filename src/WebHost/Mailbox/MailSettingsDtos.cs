using System.Text.Json.Serialization;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.WebHost.Mailbox;

// The API's own spelling of the grain enums: lower-case words, exactly as product.md writes them.

public enum ApiCredentialKind
{
    [JsonStringEnumMemberName("password")] Password,
    [JsonStringEnumMemberName("oauth")] OAuth,
}

public enum ApiProcessMode
{
    [JsonStringEnumMemberName("all")] All,
    [JsonStringEnumMemberName("unread")] Unread,
}

public enum ApiImapSecurity
{
    [JsonStringEnumMemberName("ssl")] Ssl,
    [JsonStringEnumMemberName("starttls")] StartTls,
    [JsonStringEnumMemberName("none")] None,
}

public enum ApiSmtpSecurity
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("starttls")] StartTls,
    [JsonStringEnumMemberName("ssl")] Ssl,
}

public enum ApiSmtpAuth
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("plain")] Plain,
    [JsonStringEnumMemberName("login")] Login,
    [JsonStringEnumMemberName("cram-md5")] CramMd5,
}

/// <summary>
/// Mail settings as sent by the client. Every part may be left out: a missing section or value keeps
/// the saved one, except the values whose null has a meaning of its own (historicFrom, replyTo,
/// sentFolder, smtp.server), which a full PUT always sends. A null password keeps the saved password.
/// </summary>
public sealed record MailSettingsRequest(
    TrackingRequest? Tracking,
    AccessRequest? Access,
    CredentialsRequest? Credentials,
    ImapRequest? Imap,
    SmtpRequest? Smtp)
{
    /// <summary>The saved settings with what this request says laid over them, field by field.</summary>
    public MailSettings ApplyTo(MailSettings saved) => new(
        Tracking is { } tracking
            ? new TrackingSettings(
                tracking.Enabled ?? saved.Tracking.Enabled,
                tracking.Process is { } process ? (ProcessMode)process : saved.Tracking.Process,
                tracking.HistoricFrom,
                tracking.MarkAsRead ?? saved.Tracking.MarkAsRead,
                tracking.DenyList ?? saved.Tracking.DenyList)
            : saved.Tracking,
        Access?.AdminIds is { } adminIds ? new AccessSettings(adminIds) : saved.Access,
        new CredentialsSettings(
            Credentials?.Username ?? saved.Credentials.Username,
            string.IsNullOrEmpty(Credentials?.Password) ? null : Credentials.Password,
            saved.Credentials.HasPassword,
            Credentials?.Kind switch
            {
                ApiCredentialKind.Password => null,
                ApiCredentialKind.OAuth => Credentials.OAuthApplicationId ?? saved.Credentials.OAuthApplicationId ?? "",
                _ => Credentials?.OAuthApplicationId ?? saved.Credentials.OAuthApplicationId,
            },
            RefreshToken: null,
            saved.Credentials.HasGrant),
        Imap is { } imap
            ? new ImapSettings(
                imap.Server ?? saved.Imap.Server,
                imap.Port ?? saved.Imap.Port,
                imap.Security is { } security ? ToGrain(security) : saved.Imap.Security,
                imap.DontValidateCertificate ?? saved.Imap.DontValidateCertificate,
                imap.SentFolder)
            : saved.Imap,
        Smtp is { } smtp
            ? new SmtpSettings(
                smtp.Enabled ?? saved.Smtp.Enabled,
                smtp.ReplyTo,
                smtp.UseSystem ?? saved.Smtp.UseSystem,
                smtp.Server,
                smtp.Port ?? saved.Smtp.Port,
                smtp.Security is { } smtpSecurity ? ToGrain(smtpSecurity) : saved.Smtp.Security,
                smtp.Auth is { } auth ? ToGrain(auth) : saved.Smtp.Auth,
                smtp.DontValidateCertificate ?? saved.Smtp.DontValidateCertificate)
            : saved.Smtp);

    private static ImapSecurity ToGrain(ApiImapSecurity security) => security switch
    {
        ApiImapSecurity.Ssl => ImapSecurity.Ssl,
        ApiImapSecurity.StartTls => ImapSecurity.StartTls,
        ApiImapSecurity.None => ImapSecurity.None,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, null),
    };

    private static SmtpSecurity ToGrain(ApiSmtpSecurity security) => security switch
    {
        ApiSmtpSecurity.None => SmtpSecurity.None,
        ApiSmtpSecurity.StartTls => SmtpSecurity.StartTls,
        ApiSmtpSecurity.Ssl => SmtpSecurity.Ssl,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, null),
    };

    private static SmtpAuth ToGrain(ApiSmtpAuth auth) => auth switch
    {
        ApiSmtpAuth.None => SmtpAuth.None,
        ApiSmtpAuth.Plain => SmtpAuth.Plain,
        ApiSmtpAuth.Login => SmtpAuth.Login,
        ApiSmtpAuth.CramMd5 => SmtpAuth.CramMd5,
        _ => throw new ArgumentOutOfRangeException(nameof(auth), auth, null),
    };
}

public sealed record TrackingRequest(bool? Enabled, ApiProcessMode? Process, DateOnly? HistoricFrom, bool? MarkAsRead, IReadOnlyList<string>? DenyList);

public sealed record AccessRequest(IReadOnlyList<string>? AdminIds);

/// <summary>
/// The password is accepted here and nowhere returned. <see cref="Kind"/> <c>oauth</c> signs in with a grant
/// from the registered application <see cref="OAuthApplicationId"/>; the grant itself (its refresh token) never
/// travels through this API: it comes from the provider's sign-in, and the saved one is kept while the
/// application stays the same.
/// </summary>
public sealed record CredentialsRequest(
    string? Username, string? Password, ApiCredentialKind? Kind = null,
    [property: JsonPropertyName("oauthApplicationId")] string? OAuthApplicationId = null)
{
    public override string ToString() => $"CredentialsRequest {{ Username = {Username}, Kind = {Kind}, OAuthApplicationId = {OAuthApplicationId} }}";
}

public sealed record ImapRequest(string? Server, int? Port, ApiImapSecurity? Security, bool? DontValidateCertificate, string? SentFolder);

public sealed record SmtpRequest(bool? Enabled, string? ReplyTo, bool? UseSystem, string? Server, int? Port,
    ApiSmtpSecurity? Security, ApiSmtpAuth? Auth, bool? DontValidateCertificate);

/// <summary>Mail settings as the API shows them: the password never, only whether one is saved.</summary>
public sealed record MailSettingsResponse(
    TrackingResponse Tracking,
    AccessResponse Access,
    CredentialsResponse Credentials,
    ImapResponse Imap,
    SmtpResponse Smtp)
{
    public static MailSettingsResponse From(MailSettings settings) => new(
        new TrackingResponse(settings.Tracking.Enabled, FromGrain(settings.Tracking.Process), settings.Tracking.HistoricFrom,
            settings.Tracking.MarkAsRead, settings.Tracking.DenyList),
        new AccessResponse(settings.Access.AdminIds),
        new CredentialsResponse(settings.Credentials.Username, settings.Credentials.HasPassword,
            settings.Credentials.UsesOAuth ? ApiCredentialKind.OAuth : ApiCredentialKind.Password,
            settings.Credentials.UsesOAuth ? settings.Credentials.OAuthApplicationId : null,
            settings.Credentials.UsesOAuth && settings.Credentials.HasGrant),
        new ImapResponse(settings.Imap.Server, settings.Imap.Port, FromGrain(settings.Imap.Security),
            settings.Imap.DontValidateCertificate, settings.Imap.SentFolder),
        new SmtpResponse(settings.Smtp.Enabled, settings.Smtp.ReplyTo, settings.Smtp.UseSystem, settings.Smtp.Server, settings.Smtp.Port,
            FromGrain(settings.Smtp.Security), FromGrain(settings.Smtp.Auth), settings.Smtp.DontValidateCertificate));

    private static ApiProcessMode FromGrain(ProcessMode mode) => mode == ProcessMode.Unread ? ApiProcessMode.Unread : ApiProcessMode.All;

    private static ApiImapSecurity FromGrain(ImapSecurity security) => security switch
    {
        ImapSecurity.StartTls => ApiImapSecurity.StartTls,
        ImapSecurity.None => ApiImapSecurity.None,
        _ => ApiImapSecurity.Ssl,
    };

    private static ApiSmtpSecurity FromGrain(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => ApiSmtpSecurity.StartTls,
        SmtpSecurity.Ssl => ApiSmtpSecurity.Ssl,
        _ => ApiSmtpSecurity.None,
    };

    private static ApiSmtpAuth FromGrain(SmtpAuth auth) => auth switch
    {
        SmtpAuth.Plain => ApiSmtpAuth.Plain,
        SmtpAuth.Login => ApiSmtpAuth.Login,
        SmtpAuth.CramMd5 => ApiSmtpAuth.CramMd5,
        _ => ApiSmtpAuth.None,
    };
}

public sealed record TrackingResponse(bool Enabled, ApiProcessMode Process, DateOnly? HistoricFrom, bool MarkAsRead, IReadOnlyList<string> DenyList);

public sealed record AccessResponse(IReadOnlyList<string> AdminIds);

/// <summary>Whether a password or a grant is saved, never either one.</summary>
public sealed record CredentialsResponse(
    string Username, bool HasPassword, ApiCredentialKind Kind, [property: JsonPropertyName("oauthApplicationId")] string? OAuthApplicationId, bool HasGrant);

public sealed record ImapResponse(string Server, int Port, ApiImapSecurity Security, bool DontValidateCertificate, string? SentFolder);

public sealed record SmtpResponse(bool Enabled, string? ReplyTo, bool UseSystem, string? Server, int Port,
    ApiSmtpSecurity Security, ApiSmtpAuth Auth, bool DontValidateCertificate);

public sealed record ConnectionTestResponse(bool Ok, string? Error, string? ErrorKind)
{
    public static ConnectionTestResponse From(ConnectionTestResult result) => new(result.Ok, result.Error, ApiNames.Of(result.ErrorKind));
}

public sealed record FolderResponse(string Name, string? SpecialUse);

public sealed record FolderListResponse(IReadOnlyList<FolderResponse> Folders, string? SentFolder, bool Ok, string? Error, string? ErrorKind);

/// <param name="AsOf">When the state was read; of two answers, the later one is current.</param>
public sealed record MailboxStatusResponse(
    string State, string? Error, string? ErrorKind, DateTime? LastSyncAt, long Messages, int Quarantined, string? Silo, DateTime AsOf)
{
    public static MailboxStatusResponse From(MailboxStatus status) => new(
        ApiNames.Of(status.State), status.Error, ApiNames.Of(status.ErrorKind),
        status.LastSyncAt is { } at ? ApiNames.Utc(at) : null,
        status.Messages, status.Quarantined, status.Silo, ApiNames.Utc(status.AsOf));
}

public sealed record QuarantinedMessageResponse(string Id, string Folder, long Uid, string? Subject, string Error, DateTime At)
{
    public static QuarantinedMessageResponse From(QuarantinedMessage message) =>
        new(message.Id, message.Folder, message.Uid, message.Subject, message.Error, ApiNames.Utc(message.At));
}

public sealed record RetryResponse(bool Ok);

/// <summary>Grain enums whose API names are simply their lower-case names.</summary>
internal static class ApiNames
{
    public static string Of(MailboxState state) => state.ToString().ToLowerInvariant();

    public static string? Of(MailErrorKind? kind) => kind?.ToString().ToLowerInvariant();

    /// <summary>So that JSON writes the time with its <c>Z</c>.</summary>
    public static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };
}
