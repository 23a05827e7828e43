using System.Text;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>A command the scripted server cannot make sense of; it answers <c>BAD</c> with the message.</summary>
internal sealed class ImapSyntaxException(string message) : Exception(message);

internal enum ImapTokenKind
{
    Atom,
    String,
    ListStart,
    ListEnd,
}

internal readonly record struct ImapToken(ImapTokenKind Kind, string Text)
{
    public override string ToString() => Kind switch
    {
        ImapTokenKind.ListStart => "(",
        ImapTokenKind.ListEnd => ")",
        ImapTokenKind.String => $"\"{Text}\"",
        _ => Text,
    };
}

/// <summary>
/// The arguments of one client command as tokens: atoms (<c>BODY.PEEK[]</c>, <c>1:*</c>,
/// <c>\Seen</c>), quoted strings, literals (as strings) and parentheses.
/// </summary>
internal sealed class ImapArguments
{
    private readonly List<ImapToken> _tokens;
    private int _next;

    public ImapArguments(string command) => _tokens = Tokenize(command);

    public bool AtEnd => _next >= _tokens.Count;

    public ImapToken? Peek() => AtEnd ? null : _tokens[_next];

    public ImapToken Next() =>
        AtEnd ? throw new ImapSyntaxException("Missing argument") : _tokens[_next++];

    public string Atom()
    {
        var token = Next();
        return token.Kind == ImapTokenKind.Atom ? token.Text : throw new ImapSyntaxException($"Expected an atom, got {token}");
    }

    /// <summary>An atom, quoted string or literal (IMAP's <c>astring</c>).</summary>
    public string AString()
    {
        var token = Next();
        return token.Kind is ImapTokenKind.Atom or ImapTokenKind.String ? token.Text : throw new ImapSyntaxException($"Expected a string, got {token}");
    }

    public bool TryListStart()
    {
        if (Peek() is { Kind: ImapTokenKind.ListStart })
        {
            _next++;
            return true;
        }
        return false;
    }

    public bool TryListEnd()
    {
        if (Peek() is { Kind: ImapTokenKind.ListEnd })
        {
            _next++;
            return true;
        }
        return false;
    }

    /// <summary>A parenthesised list of atoms, or a single atom where the grammar allows one.</summary>
    public IReadOnlyList<string> AtomList()
    {
        if (!TryListStart())
        {
            return [Atom()];
        }
        var items = new List<string>();
        while (!TryListEnd())
        {
            items.Add(AString());
        }
        return items;
    }

    /// <summary>Skips a parenthesised list (selection or return options this server ignores).</summary>
    public IReadOnlyList<string> SkipList() => TryListStart() ? RestOfList() : [];

    private List<string> RestOfList()
    {
        var items = new List<string>();
        var depth = 1;
        while (depth > 0)
        {
            var token = Next();
            depth += token.Kind switch { ImapTokenKind.ListStart => 1, ImapTokenKind.ListEnd => -1, _ => 0 };
            if (token.Kind is ImapTokenKind.Atom or ImapTokenKind.String)
            {
                items.Add(token.Text);
            }
        }
        return items;
    }

    private static List<ImapToken> Tokenize(string text)
    {
        var tokens = new List<ImapToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ' ')
            {
                i++;
            }
            else if (c == '(')
            {
                tokens.Add(new ImapToken(ImapTokenKind.ListStart, "("));
                i++;
            }
            else if (c == ')')
            {
                tokens.Add(new ImapToken(ImapTokenKind.ListEnd, ")"));
                i++;
            }
            else if (c == '"')
            {
                tokens.Add(new ImapToken(ImapTokenKind.String, ReadQuoted(text, ref i)));
            }
            else if (c == '{')
            {
                tokens.Add(new ImapToken(ImapTokenKind.String, ReadLiteral(text, ref i)));
            }
            else
            {
                tokens.Add(new ImapToken(ImapTokenKind.Atom, ReadAtom(text, ref i)));
            }
        }
        return tokens;
    }

    private static string ReadQuoted(string text, ref int i)
    {
        var value = new StringBuilder();
        for (i++; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                i++;
                return value.ToString();
            }
            if (c == '\\' && i + 1 < text.Length)
            {
                c = text[++i];
            }
            value.Append(c);
        }
        throw new ImapSyntaxException("Unterminated quoted string");
    }

    private static string ReadLiteral(string text, ref int i)
    {
        var close = text.IndexOf('}', i);
        var crlf = close < 0 ? -1 : text.IndexOf("\r\n", close, StringComparison.Ordinal);
        if (close < 0 || crlf != close + 1)
        {
            throw new ImapSyntaxException("Malformed literal");
        }
        var length = int.Parse(text.AsSpan(i + 1, close - i - 1).TrimEnd('+'), System.Globalization.CultureInfo.InvariantCulture);
        var start = crlf + 2;
        if (start + length > text.Length)
        {
            throw new ImapSyntaxException("Literal shorter than announced");
        }
        i = start + length;
        return text.Substring(start, length);
    }

    /// <summary>Up to a space or parenthesis, except inside <c>[...]</c> (as in <c>BODY.PEEK[HEADER.FIELDS (FROM)]</c>).</summary>
    private static string ReadAtom(string text, ref int i)
    {
        var start = i;
        var brackets = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '[')
            {
                brackets++;
            }
            else if (c == ']')
            {
                brackets--;
            }
            else if (brackets == 0 && c is ' ' or '(' or ')')
            {
                break;
            }
        }
        return text[start..i];
    }
}
