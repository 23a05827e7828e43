using MailKit;
using MimeKit;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>A message as the scripted server holds it. Mutable fields change only under the server's lock.</summary>
internal sealed class ScriptedMessage(uint uid, MimeMessage message, byte[] raw, MessageFlags flags, DateTimeOffset internalDate)
{
    public uint Uid { get; set; } = uid;

    public MimeMessage Message { get; } = message;

    public byte[] Raw { get; } = raw;

    public MessageFlags Flags { get; set; } = flags;

    public DateTimeOffset InternalDate { get; } = internalDate;

    public string? Subject => Message.Subject;
}

/// <summary>A folder of the scripted server: its messages in UID order and its UIDVALIDITY.</summary>
internal sealed class ScriptedFolder(string name, string? specialUse, uint uidValidity)
{
    public string Name { get; } = name;

    /// <summary>The SPECIAL-USE attribute (<c>\Sent</c>) that LIST shows, if any.</summary>
    public string? SpecialUse { get; } = specialUse;

    public uint UidValidity { get; set; } = uidValidity;

    public uint UidNext { get; set; } = 1;

    public List<ScriptedMessage> Messages { get; } = [];

    public ScriptedMessage? Find(uint uid) => Messages.Find(message => message.Uid == uid);
}

/// <summary>A UID STORE that set <c>\Seen</c>: which message, as the server knew it at that moment.</summary>
internal sealed record SeenMark(string Folder, uint UidValidity, uint Uid, string? Subject);
