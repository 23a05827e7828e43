using System.Globalization;
using MailKit;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>
/// An IMAP sequence set (<c>1:3,5,7:*</c>) of UIDs or message numbers. <c>*</c> is the highest
/// value in use, and a range covers everything between its ends whichever comes first, so
/// <c>9:*</c> includes the highest UID even when it is below 9, as RFC 3501 and real servers say.
/// </summary>
internal sealed class SequenceSet
{
    private readonly List<(uint? From, uint? To)> _ranges = [];

    private SequenceSet()
    {
    }

    public static bool LooksLikeOne(string text) => text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c is ':' or ',' or '*');

    public static SequenceSet Parse(string text)
    {
        if (!LooksLikeOne(text))
        {
            throw new ImapSyntaxException($"Invalid sequence set {text}");
        }
        var set = new SequenceSet();
        foreach (var part in text.Split(','))
        {
            var ends = part.Split(':');
            if (ends.Length is < 1 or > 2 || ends.Any(end => end.Length == 0))
            {
                throw new ImapSyntaxException($"Invalid sequence set {text}");
            }
            set._ranges.Add((Value(ends[0]), Value(ends[^1])));
        }
        return set;
    }

    public bool Contains(uint value, uint star) => _ranges.Any(range =>
    {
        var (from, to) = (range.From ?? star, range.To ?? star);
        return value >= Math.Min(from, to) && value <= Math.Max(from, to);
    });

    private static uint? Value(string text) => text == "*" ? null : uint.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>One message as a search key sees it: the message, its number in the session and the highest UID and number.</summary>
internal readonly record struct SearchCandidate(ScriptedMessage Message, MessageFlags Flags, uint Number, uint HighestUid, uint HighestNumber);

/// <summary>
/// The SEARCH keys MailKit generates for the sync (<c>UID a:b</c>, <c>SINCE d-MMM-yyyy</c>, <c>ALL</c>)
/// and the simple ones around them (flags, dates, NOT, OR, parentheses). Any other key is refused.
/// </summary>
internal static class ImapSearch
{
    public static Func<SearchCandidate, bool> Parse(ImapArguments arguments)
    {
        if (arguments.Peek() is { Kind: ImapTokenKind.Atom } charset && charset.Text.Equals("CHARSET", StringComparison.OrdinalIgnoreCase))
        {
            arguments.Next();
            arguments.AString();
        }
        var keys = new List<Func<SearchCandidate, bool>>();
        while (!arguments.AtEnd)
        {
            keys.Add(Key(arguments));
        }
        return keys.Count == 0 ? throw new ImapSyntaxException("Missing search criteria") : candidate => keys.All(key => key(candidate));
    }

    private static Func<SearchCandidate, bool> Key(ImapArguments arguments)
    {
        if (arguments.TryListStart())
        {
            var keys = new List<Func<SearchCandidate, bool>>();
            while (!arguments.TryListEnd())
            {
                keys.Add(Key(arguments));
            }
            return candidate => keys.All(key => key(candidate));
        }
        var name = arguments.AString();
        if (SequenceSet.LooksLikeOne(name))
        {
            var numbers = SequenceSet.Parse(name);
            return candidate => numbers.Contains(candidate.Number, candidate.HighestNumber);
        }
        switch (name.ToUpperInvariant())
        {
            case "ALL":
                return _ => true;
            case "UID":
                var uids = SequenceSet.Parse(arguments.Atom());
                return candidate => uids.Contains(candidate.Message.Uid, candidate.HighestUid);
            case "NOT":
                var inner = Key(arguments);
                return candidate => !inner(candidate);
            case "OR":
                var (left, right) = (Key(arguments), Key(arguments));
                return candidate => left(candidate) || right(candidate);
            case "SINCE":
                var since = Date(arguments.AString());
                return candidate => Delivered(candidate) >= since;
            case "BEFORE":
                var before = Date(arguments.AString());
                return candidate => Delivered(candidate) < before;
            case "ON":
                var on = Date(arguments.AString());
                return candidate => Delivered(candidate) == on;
            case "SUBJECT":
                var subject = arguments.AString();
                return candidate => candidate.Message.Subject?.Contains(subject, StringComparison.OrdinalIgnoreCase) == true;
            case "FROM":
                var from = arguments.AString();
                return candidate => candidate.Message.Message.From.ToString().Contains(from, StringComparison.OrdinalIgnoreCase);
            case "SEEN":
                return candidate => candidate.Flags.HasFlag(MessageFlags.Seen);
            case "UNSEEN":
                return candidate => !candidate.Flags.HasFlag(MessageFlags.Seen);
            case "DELETED":
                return candidate => candidate.Flags.HasFlag(MessageFlags.Deleted);
            case "UNDELETED":
                return candidate => !candidate.Flags.HasFlag(MessageFlags.Deleted);
            case "FLAGGED":
                return candidate => candidate.Flags.HasFlag(MessageFlags.Flagged);
            case "UNFLAGGED":
                return candidate => !candidate.Flags.HasFlag(MessageFlags.Flagged);
            case "ANSWERED":
                return candidate => candidate.Flags.HasFlag(MessageFlags.Answered);
            case "UNANSWERED":
                return candidate => !candidate.Flags.HasFlag(MessageFlags.Answered);
            default:
                throw new ImapSyntaxException($"Unsupported search key {name}");
        }
    }

    /// <summary>Servers compare the internal date's day, without time or zone; this one in UTC.</summary>
    private static DateOnly Delivered(SearchCandidate candidate) => DateOnly.FromDateTime(candidate.Message.InternalDate.UtcDateTime);

    private static DateOnly Date(string text) =>
        DateOnly.TryParseExact(text, ["d-MMM-yyyy", "dd-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new ImapSyntaxException($"Invalid date {text}");
}
