namespace Splynx.Orleans.Sending;

/// <summary>Limits of sending, from the <c>Mail:Send</c> configuration section.</summary>
public sealed class SendOptions
{
    public const string SectionName = "Mail:Send";

    /// <summary>Emails (test emails included) one admin may send per minute.</summary>
    public int PerMinute { get; set; } = 30;
}
