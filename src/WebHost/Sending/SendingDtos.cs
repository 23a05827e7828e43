using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.WebHost.Mailbox;

namespace Splynx.Orleans.WebHost.Sending;

public sealed record TestEmailRequest(string? To);

/// <summary>An email to a customer (C3): <c>to</c> one of the customer's addresses, its first when left out.</summary>
public sealed record CustomerEmailRequest(string? Subject, string? Text, string? Html, string? To, string? InReplyToId);

/// <summary>An email of the outbox: <c>status</c> is <c>queued</c>, <c>sent</c>, <c>failed</c> or <c>unknown</c>.</summary>
public sealed record OutgoingEmailResponse(string Id, string Status, string? Error)
{
    public static OutgoingEmailResponse From(OutgoingEmail email) => new(email.Id, StatusName(email.Status), email.Error);

    // "sending" is a step inside the grain; to the API it is still queued.
    private static string StatusName(OutgoingStatus status) => status switch
    {
        OutgoingStatus.Sent => "sent",
        OutgoingStatus.Failed => "failed",
        OutgoingStatus.Unknown => "unknown",
        _ => "queued",
    };
}

/// <summary>
/// The system SMTP server as a super-admin writes it (PUT replaces it whole). A null or empty password keeps
/// the saved one; it is never answered.
/// </summary>
public sealed record SystemSmtpRequest(
    string? Server,
    int? Port,
    ApiSmtpSecurity? Security,
    ApiSmtpAuth? Auth,
    bool? DontValidateCertificate,
    string? Username,
    string? Password,
    string? SenderEmail,
    string? SenderName)
{
    public SystemSmtpSettings ToGrain() => new(
        Server?.Trim(),
        Port,
        Security is { } security ? SmtpNames.ToGrain(security) : null,
        Auth is { } auth ? SmtpNames.ToGrain(auth) : null,
        DontValidateCertificate ?? false,
        Username?.Trim(),
        string.IsNullOrEmpty(Password) ? null : Password,
        HasPassword: false,
        SenderEmail?.Trim(),
        SenderName?.Trim());

    public override string ToString() => $"SystemSmtpRequest {{ Server = {Server}, Port = {Port}, Username = {Username}, SenderEmail = {SenderEmail} }}";
}

/// <summary>The system SMTP server as the API shows it: every value null until saved, the password never.</summary>
public sealed record SystemSmtpResponse(
    string? Server,
    int? Port,
    ApiSmtpSecurity? Security,
    ApiSmtpAuth? Auth,
    bool DontValidateCertificate,
    string? Username,
    bool HasPassword,
    string? SenderEmail,
    string? SenderName)
{
    public static SystemSmtpResponse From(SystemSmtpSettings settings) => new(
        settings.Server,
        settings.Port,
        settings.Security is { } security ? SmtpNames.FromGrain(security) : null,
        settings.Auth is { } auth ? SmtpNames.FromGrain(auth) : null,
        settings.DontValidateCertificate,
        settings.Username,
        settings.HasPassword,
        settings.SenderEmail,
        settings.SenderName);
}

/// <summary>The grain's SMTP enums and the API's lower-case spelling of them.</summary>
internal static class SmtpNames
{
    public static SmtpSecurity ToGrain(ApiSmtpSecurity security) => security switch
    {
        ApiSmtpSecurity.None => SmtpSecurity.None,
        ApiSmtpSecurity.StartTls => SmtpSecurity.StartTls,
        ApiSmtpSecurity.Ssl => SmtpSecurity.Ssl,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, null),
    };

    public static SmtpAuth ToGrain(ApiSmtpAuth auth) => auth switch
    {
        ApiSmtpAuth.None => SmtpAuth.None,
        ApiSmtpAuth.Plain => SmtpAuth.Plain,
        ApiSmtpAuth.Login => SmtpAuth.Login,
        ApiSmtpAuth.CramMd5 => SmtpAuth.CramMd5,
        _ => throw new ArgumentOutOfRangeException(nameof(auth), auth, null),
    };

    public static ApiSmtpSecurity FromGrain(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => ApiSmtpSecurity.StartTls,
        SmtpSecurity.Ssl => ApiSmtpSecurity.Ssl,
        _ => ApiSmtpSecurity.None,
    };

    public static ApiSmtpAuth FromGrain(SmtpAuth auth) => auth switch
    {
        SmtpAuth.Plain => ApiSmtpAuth.Plain,
        SmtpAuth.Login => ApiSmtpAuth.Login,
        SmtpAuth.CramMd5 => ApiSmtpAuth.CramMd5,
        _ => ApiSmtpAuth.None,
    };
}
