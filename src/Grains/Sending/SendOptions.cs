namespace Splynx.Orleans.Sending;

/// <summary>Limits of sending, from the <c>Mail:Send</c> configuration section.</summary>
public sealed class SendOptions
{
    public const string SectionName = "Mail:Send";

    /// <summary>Emails (test emails included) one admin may send per minute.</summary>
    public int PerMinute { get; set; } = 30;

    /// <summary>How long one SMTP command (the greeting, the login and the message's transfer included) may wait for the server.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
