using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using NpgsqlTypes;
using Weight = NpgsqlTypes.NpgsqlTsVector.Lexeme.Weight;
using WordEntryPos = NpgsqlTypes.NpgsqlTsVector.Lexeme.WordEntryPos;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// Full-text search of stored mail, tokenized on the silos rather than by PostgreSQL: <c>to_tsvector</c>
/// took most of the database's CPU during an import, and the database is the one part of a cluster that
/// does not scale out. Documents and queries go through the same tokenizer, so they always agree.
/// </summary>
/// <remarks>
/// A token is a maximal run of letters and decimal digits (with the combining marks inside it), lower-cased
/// with the invariant culture. For plain words these are the lexemes <c>to_tsvector('simple', …)</c> made,
/// so mail stored before migration 9 keeps being found by them. PostgreSQL's compound tokens (addresses,
/// host names, decimals like <c>3.14</c>) are split into their parts instead, so that older mail is not
/// found by those until its vector is computed again, which <see cref="SearchReindexer"/> does.
/// </remarks>
internal static class SearchText
{
    /// <summary>
    /// Stored with every vector (<c>search_version</c>). Changing how documents are tokenized means raising it,
    /// with a migration that moves the bound of the <c>mail_messages_search_stale</c> index, so that the
    /// re-indexer brings every stored message to the new tokenizer.
    /// </summary>
    public const short Version = 1;

    // PostgreSQL's limits (tsearch/ts_type.h), beyond which it refuses a tsvector. Later positions are stored
    // as the largest, as to_tsvector does; a lexeme keeps its first 256 positions (to_tsvector keeps 255).
    private const int MaxPosition = 16383;
    private const int MaxPositionsPerLexeme = 256;

    // Longer runs are not words (base64, hashes, long URLs) and would only bloat the index.
    private const int MaxTokenLength = 255;

    // The cuts the generated column made. They also keep a vector well below PostgreSQL's 1 MB: at worst,
    // 111,000 characters of distinct one-letter, three-byte tokens, it takes 0.65 MB (see SearchTextTests).
    private const int MaxSubjectLength = 10_000;
    private const int MaxFromLength = 1_000;
    private const int MaxTextLength = 100_000;

    /// <summary>
    /// The search vector of a message: subject (weight A), sender's address and name (B) and text (D),
    /// numbered on from one part to the next as PostgreSQL's <c>||</c> does.
    /// </summary>
    public static NpgsqlTsVector Document(string? subject, string fromAddress, string? fromName, string? text)
    {
        var subjectPart = Cut(subject, MaxSubjectLength);
        // The address and the name were one string of at most 1,000 characters, joined by a space.
        var addressPart = Cut(fromAddress, MaxFromLength);
        var namePart = Cut(fromName, MaxFromLength - addressPart.Length - 1);
        var textPart = Cut(text, MaxTextLength);
        var document = new DocumentBuilder(subjectPart.Length + addressPart.Length + namePart.Length + textPart.Length);
        document.Add(subjectPart, Weight.A);
        document.Add(addressPart, Weight.B);
        document.Add(namePart, Weight.B);
        document.Add(textPart, Weight.D);
        return document.Build();
    }

    /// <summary>
    /// The tsquery (text input form) for what a user typed, read as <c>websearch_to_tsquery</c> reads it:
    /// words are ANDed, <c>"a phrase"</c> must appear in that order, <c>or</c> between two terms gives
    /// either, and a leading <c>-</c> excludes a term. A word the tokenizer splits (<c>john@example.com</c>)
    /// is the phrase of its tokens. Null when the input has no lexeme at all.
    /// </summary>
    public static string? Query(string userInput)
    {
        var terms = QueryTerm.Parse(userInput);
        var query = new StringBuilder();
        var orPending = false;
        for (var i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            if (term.IsOr && query.Length > 0 && !orPending && HasLexemeAfter(terms, i))
            {
                orPending = true;
                continue;
            }
            var connector = query.Length == 0 ? "" : orPending ? " | " : " & ";
            if (AppendTerm(query, connector, term))
            {
                orPending = false;
            }
        }
        return query.Length == 0 ? null : query.ToString();
    }

    private static ReadOnlySpan<char> Cut(string? value, int maxLength) =>
        value is null || maxLength <= 0 ? [] : value.AsSpan(0, Math.Min(value.Length, maxLength));

    private static bool HasLexemeAfter(List<QueryTerm> terms, int index)
    {
        for (var i = index + 1; i < terms.Count; i++)
        {
            if (CountLexemes(terms[i].Text) > 0)
            {
                return true;
            }
        }
        return false;
    }

    private static int CountLexemes(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var token in new Tokens(text))
        {
            if (token.Length <= MaxTokenLength)
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Appends <paramref name="term"/> after <paramref name="connector"/>; false (nothing appended) if it has no lexeme.</summary>
    private static bool AppendTerm(StringBuilder query, string connector, QueryTerm term)
    {
        var lexemes = CountLexemes(term.Text);
        if (lexemes == 0)
        {
            return false;
        }
        query.Append(connector);
        // ! binds tighter than <->, so a negated phrase needs parentheses.
        var parenthesized = term.IsNegated && lexemes > 1;
        query.Append(term.IsNegated ? parenthesized ? "!( " : "!" : "");
        var first = true;
        Span<char> lowered = stackalloc char[MaxTokenLength];
        foreach (var token in new Tokens(term.Text))
        {
            if (token.Length > MaxTokenLength)
            {
                continue;
            }
            query.Append(first ? "'" : " <-> '");
            first = false;
            foreach (var character in lowered[..token.ToLowerInvariant(lowered)])
            {
                // tsquery input doubles a quote and escapes a backslash with another: either way, the character twice.
                if (character is '\'' or '\\')
                {
                    query.Append(character);
                }
                query.Append(character);
            }
            query.Append('\'');
        }
        query.Append(parenthesized ? " )" : "");
        return true;
    }

    /// <summary>Collects the positions of each lexeme as the parts of a message are added, in order.</summary>
    private sealed class DocumentBuilder(int length)
    {
        // Sized from the length (a 10 KB message has a lexeme per ten characters or so), so that it seldom grows.
        private readonly Dictionary<string, List<WordEntryPos>> _positions = new(Math.Min(length / 8, 4096), StringComparer.Ordinal);
        private int _position;

        public void Add(ReadOnlySpan<char> text, Weight weight)
        {
            // Looking tokens up by span allocates a string only for a lexeme not seen before.
            var positionsOf = _positions.GetAlternateLookup<ReadOnlySpan<char>>();
            Span<char> lowered = stackalloc char[MaxTokenLength];
            foreach (var token in new Tokens(text))
            {
                // to_tsvector gives a word it skips no position either.
                if (token.Length > MaxTokenLength)
                {
                    continue;
                }
                var lexeme = lowered[..token.ToLowerInvariant(lowered)];
                var position = Math.Min(++_position, MaxPosition);
                if (!positionsOf.TryGetValue(lexeme, out var positions))
                {
                    positions = [];
                    positionsOf[lexeme] = positions;
                }
                else if (positions.Count == MaxPositionsPerLexeme || positions[^1].Pos == position)
                {
                    // PostgreSQL refuses a lexeme with more positions, or one position twice (all those past the last).
                    continue;
                }
                positions.Add(new WordEntryPos(position, weight));
            }
        }

        public NpgsqlTsVector Build()
        {
            if (_positions.Count == 0)
            {
                return NpgsqlTsVector.Empty;
            }
            var lexemes = new List<NpgsqlTsVector.Lexeme>(_positions.Count);
            foreach (var (text, positions) in _positions)
            {
                lexemes.Add(NpgsqlInternals.Lexeme(text, positions, noCopy: true));
            }
            SortForPostgres(CollectionsMarshal.AsSpan(lexemes));
            return NpgsqlInternals.TsVector(lexemes, noCheck: true);
        }
    }

    /// <summary>
    /// Puts lexemes in PostgreSQL's order, so that the server need not sort them again: by their UTF-8 bytes,
    /// which is the order of code points. Most lexemes differ within their first four characters, so sorting
    /// by a number made of those is cheap (half the time of comparing strings); only lexemes that share them
    /// are compared in full.
    /// </summary>
    private static void SortForPostgres(Span<NpgsqlTsVector.Lexeme> lexemes)
    {
        var prefixes = new ulong[lexemes.Length];
        for (var i = 0; i < prefixes.Length; i++)
        {
            prefixes[i] = PrefixKey(lexemes[i].Text);
        }
        prefixes.AsSpan().Sort(lexemes);
        for (var start = 0; start < prefixes.Length;)
        {
            var end = start + 1;
            while (end < prefixes.Length && prefixes[end] == prefixes[start])
            {
                end++;
            }
            if (end - start > 1)
            {
                lexemes[start..end].Sort(static (left, right) => ComparePostgresOrder(left.Text, right.Text));
            }
            start = end;
        }
    }

    /// <summary>The first four characters as a number in code point order; a shorter lexeme is padded with 0, which no lexeme holds.</summary>
    private static ulong PrefixKey(string lexeme)
    {
        ulong key = 0;
        for (var i = 0; i < 4; i++)
        {
            key = key << 16 | (uint)(i < lexeme.Length ? CodePointRank(lexeme[i]) : 0);
        }
        return key;
    }

    private static int ComparePostgresOrder(string left, string right)
    {
        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            if (left[i] != right[i])
            {
                return CodePointRank(left[i]) - CodePointRank(right[i]);
            }
        }
        return left.Length - right.Length;
    }

    /// <summary>
    /// Where a UTF-16 unit sorts in code point order: as itself, except that surrogates (D800–DFFF, the halves
    /// of characters from U+10000 up) sort above the units from E000 up, which UTF-16 order puts after them.
    /// </summary>
    private static int CodePointRank(char unit) =>
        unit < '\uD800' ? unit : unit >= '\uE000' ? unit - 0x800 : unit + 0x2000;

    /// <summary>
    /// Npgsql 10 has no public way to make a non-empty <see cref="NpgsqlTsVector"/> but the obsolete text
    /// parser, which would print, parse and re-sort every vector. Npgsql reads vectors from the server with
    /// these constructors; a change to them fails every test that builds a vector (MissingMethodException).
    /// </summary>
    private static class NpgsqlInternals
    {
        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        public static extern NpgsqlTsVector.Lexeme Lexeme(string text, List<WordEntryPos>? wordEntryPositions, bool noCopy);

        /// <remarks>With <paramref name="noCheck"/> the lexemes are taken as they are: sorted, unique, positions ascending.</remarks>
        [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
        public static extern NpgsqlTsVector TsVector(List<NpgsqlTsVector.Lexeme> lexemes, bool noCheck);
    }

    private enum CharacterKind
    {
        Separator,
        LetterOrDigit,
        CombiningMark,
    }

    /// <summary>The tokens of a text, as spans of it: maximal runs of letters and digits, with the combining marks inside them.</summary>
    private ref struct Tokens(ReadOnlySpan<char> text)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private int _next;

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly Tokens GetEnumerator() => this;

        public bool MoveNext()
        {
            var index = _next;
            int width;
            while (index < _text.Length && Kind(_text, index, out width) != CharacterKind.LetterOrDigit)
            {
                index += width;
            }
            if (index == _text.Length)
            {
                _next = index;
                return false;
            }
            var start = index;
            while (index < _text.Length && Kind(_text, index, out width) != CharacterKind.Separator)
            {
                index += width;
            }
            Current = _text[start..index];
            _next = index;
            return true;
        }

        /// <summary>What the character at <paramref name="index"/> is; <paramref name="width"/> is 2 for a surrogate pair.</summary>
        private static CharacterKind Kind(ReadOnlySpan<char> text, int index, out int width)
        {
            var character = text[index];
            width = 1;
            if (char.IsAscii(character))
            {
                return char.IsAsciiLetterOrDigit(character) ? CharacterKind.LetterOrDigit : CharacterKind.Separator;
            }
            UnicodeCategory category;
            if (char.IsHighSurrogate(character) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
            {
                width = 2;
                category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(character, text[index + 1]));
            }
            else
            {
                // A lone surrogate is a separator: it could not be sent as UTF-8.
                category = CharUnicodeInfo.GetUnicodeCategory(character);
            }
            return category switch
            {
                UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                    => CharacterKind.LetterOrDigit,
                UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark => CharacterKind.CombiningMark,
                _ => CharacterKind.Separator,
            };
        }
    }

    /// <summary>One term of a search as <c>websearch_to_tsquery</c> splits it: a word or a quoted phrase, maybe negated.</summary>
    private readonly record struct QueryTerm(string Source, int Start, int Length, bool IsQuoted, bool IsNegated)
    {
        public ReadOnlySpan<char> Text => Source.AsSpan(Start, Length);

        /// <summary>A bare <c>or</c>, which joins the terms on either side of it when it has both.</summary>
        public bool IsOr => !IsQuoted && !IsNegated && Text.Equals("or", StringComparison.OrdinalIgnoreCase);

        public static List<QueryTerm> Parse(string input)
        {
            var terms = new List<QueryTerm>();
            var index = 0;
            while (true)
            {
                // Every '-' before a term negates it once more; spaces may follow it, as websearch_to_tsquery allows.
                var negated = false;
                while (index < input.Length && (char.IsWhiteSpace(input[index]) || input[index] == '-'))
                {
                    negated ^= input[index] == '-';
                    index++;
                }
                if (index == input.Length)
                {
                    return terms;
                }
                if (input[index] == '"')
                {
                    // An unclosed quote runs to the end.
                    var start = index + 1;
                    var length = input.AsSpan(start).IndexOf('"');
                    length = length < 0 ? input.Length - start : length;
                    terms.Add(new QueryTerm(input, start, length, IsQuoted: true, negated));
                    index = Math.Min(start + length + 1, input.Length);
                }
                else
                {
                    var start = index;
                    while (index < input.Length && !char.IsWhiteSpace(input[index]) && input[index] != '"')
                    {
                        index++;
                    }
                    terms.Add(new QueryTerm(input, start, index - start, IsQuoted: false, negated));
                }
            }
        }
    }
}
