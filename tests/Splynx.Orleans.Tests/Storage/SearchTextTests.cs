using System.Text;
using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Storage;

/// <summary>The tokenizer of stored mail and of searches, on its own.</summary>
public sealed class SearchTextTests
{
    /// <summary>Two words past position 16383, one of them twice; short words before them, so that the 100,000-character cut keeps all.</summary>
    internal static readonly string FortyThousandWords =
        string.Join(' ', Enumerable.Range(0, 39_997).Select(i => i % 2 == 0 ? "a" : "b").Concat(["zeta", "omega", "zeta"]));

    private static NpgsqlTsVector Text(string text) => SearchText.Document(null, "", null, text);

    private static string[] Lexemes(NpgsqlTsVector vector) => [.. vector.Select(lexeme => lexeme.Text)];

    private static NpgsqlTsVector.Lexeme Lexeme(NpgsqlTsVector vector, string text) => Assert.Single(vector, lexeme => lexeme.Text == text);

    private static int[] Positions(NpgsqlTsVector.Lexeme lexeme) => [.. Enumerable.Range(0, lexeme.Count).Select(i => lexeme[i].Pos)];

    [Fact]
    public void Tokens_are_runs_of_letters_and_digits_in_lower_case_in_any_script()
    {
        var vector = Text("ÜBERWEISUNG: Привет, World-42 A4_paper 3.14");

        Assert.Equal("'14':8 '3':7 '42':4 'a4':5 'paper':6 'world':3 'überweisung':1 'привет':2", vector.ToString());
    }

    [Fact]
    public void Combining_marks_stay_inside_their_word_but_do_not_start_one()
    {
        var vector = Text("nai\u0308ve E\u0301COLE \u0301alone");

        Assert.Equal(["alone", "e\u0301cole", "nai\u0308ve"], Lexemes(vector));
    }

    [Fact]
    public void Letters_beyond_the_basic_plane_are_letters_and_a_lone_surrogate_separates()
    {
        var vector = Text("\U00010400x ab\uD800cd");

        Assert.Equal(["ab", "cd", "\U00010428x"], Lexemes(vector));
    }

    [Fact]
    public void An_address_is_split_into_its_words()
    {
        var vector = SearchText.Document(null, "John.Doe@Example.com", "John Doe", null);

        Assert.Equal("'com':4B 'doe':2B,6B 'example':3B 'john':1B,5B", vector.ToString());
    }

    [Fact]
    public void Subject_sender_and_text_have_their_weights_and_positions_run_on_across_them()
    {
        var vector = SearchText.Document("Invoice overdue", "billing@isp.test", "Billing", "Your invoice is overdue");

        Assert.Equal("'billing':3B,6B 'invoice':1A,8 'is':9 'isp':4B 'overdue':2A,10 'test':5B 'your':7", vector.ToString());
    }

    [Fact]
    public void A_message_without_words_has_an_empty_vector()
    {
        Assert.Empty(SearchText.Document("!!!", "", null, "-- ... --"));
    }

    [Fact]
    public void A_lexeme_keeps_its_first_256_positions()
    {
        var vector = Text(string.Join(' ', Enumerable.Repeat("spam", 300)));

        Assert.Equal(Enumerable.Range(1, 256), Positions(Lexeme(vector, "spam")));
    }

    [Fact]
    public void Positions_past_16383_are_stored_as_16383_once()
    {
        var vector = Text(FortyThousandWords);

        Assert.All(vector, lexeme => Assert.All(Positions(lexeme), position => Assert.InRange(position, 1, 16383)));
        Assert.Equal([16383], Positions(Lexeme(vector, "zeta")));
        Assert.Equal([16383], Positions(Lexeme(vector, "omega")));
    }

    [Fact]
    public void Tokens_longer_than_255_characters_are_skipped_without_taking_a_position()
    {
        var longest = new string('y', 255);
        var vector = Text($"short {new string('x', 256)} after {longest}");

        Assert.Equal($"'after':2 'short':1 '{longest}':3", vector.ToString());
    }

    [Fact]
    public void Each_part_is_cut_where_the_generated_column_cut_it()
    {
        const string Address = "sender@isp.test";
        // In each part "kept" ends on the last character that counts and "gone" lies beyond it.
        var subject = new string(' ', 10_000 - 4) + "kept gone";
        var name = new string(' ', 1_000 - Address.Length - 1 - 4) + "kept gone";
        var text = new string(' ', 100_000 - 4) + "kept gone";

        Assert.Equal(["kept"], Lexemes(SearchText.Document(subject, "", null, null)));
        Assert.Equal(["isp", "kept", "sender", "test"], Lexemes(SearchText.Document(null, Address, name, null)));
        Assert.Equal(["kept"], Lexemes(SearchText.Document(null, "", null, text)));
    }

    [Fact]
    public void Lexemes_are_in_code_point_order_where_utf16_order_differs()
    {
        // U+F900 sorts after the surrogates of U+20000 in UTF-16, before it in code points (and in PostgreSQL).
        var vector = Text("\U00020000 \uF900 z abcdz abcda abcd abc");

        Assert.Equal(["abc", "abcd", "abcda", "abcdz", "z", "\uF900", "\U00020000"], Lexemes(vector));
    }

    [Theory]
    [InlineData("Invoice overdue", "'invoice' & 'overdue'")]
    [InlineData("\"quick brown\" fox", "'quick' <-> 'brown' & 'fox'")]
    [InlineData("invoice OR receipt", "'invoice' | 'receipt'")]
    [InlineData("\"a b\" or c d", "'a' <-> 'b' | 'c' & 'd'")]
    [InlineData("a or or b", "'a' | 'or' & 'b'")]
    [InlineData("or invoice", "'or' & 'invoice'")]
    [InlineData("invoice or", "'invoice' & 'or'")]
    [InlineData("invoice -paid", "'invoice' & !'paid'")]
    [InlineData("invoice - paid", "'invoice' & !'paid'")]
    [InlineData("invoice or -paid", "'invoice' | !'paid'")]
    [InlineData("-\"fully paid\" invoice", "!( 'fully' <-> 'paid' ) & 'invoice'")]
    [InlineData("john@example.com", "'john' <-> 'example' <-> 'com'")]
    [InlineData("ISP-42 -john@example.com", "'isp' <-> '42' & !( 'john' <-> 'example' <-> 'com' )")]
    [InlineData("\"unclosed phrase", "'unclosed' <-> 'phrase'")]
    [InlineData("a !!! or b", "'a' | 'b'")]
    [InlineData("ÜBERWEISUNG Привет", "'überweisung' & 'привет'")]
    [InlineData("O'Brien C:\\temp\\x 'quoted'", "'o' <-> 'brien' & 'c' <-> 'temp' <-> 'x' & 'quoted'")]
    public void A_search_becomes_the_tsquery_websearch_to_tsquery_would_have_made(string search, string expected)
    {
        Assert.Equal(expected, SearchText.Query(search));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("!!! -- \"\" ... ' \\")]
    [InlineData("-")]
    public void A_search_without_a_word_has_no_query(string search)
    {
        Assert.Null(SearchText.Query(search));
    }

    [Fact]
    public void A_search_word_longer_than_any_stored_token_is_left_out()
    {
        Assert.Equal("'ok'", SearchText.Query($"{new string('x', 256)} ok"));
    }
}

/// <summary>The vectors and queries of <see cref="SearchText"/> against PostgreSQL itself.</summary>
public sealed class SearchTextDatabaseTests(SearchTextDatabaseTests.StoredMail mail) : IClassFixture<SearchTextDatabaseTests.StoredMail>
{
    /// <summary>A few messages with vectors from <see cref="SearchText.Document"/>, written as the store writes them; tests only read them.</summary>
    public sealed class StoredMail : IAsyncLifetime
    {
        private TestDatabase _database = null!;

        public NpgsqlDataSource DataSource { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _database = await TestDatabase.CreateAsync();
            DataSource = _database.CreateDataSource();
            await InsertAsync(1, "Invoice overdue", "billing@isp-42.test", "ISP Billing", "Please pay for the quick brown fox.");
            await InsertAsync(2, "Привет из Москвы", "ivan@example.ru", "Иван", "Überweisung erhalten");
            await InsertAsync(3, "Meeting notes", "carol@clients.test", "Carol", "The brown quick dog; nothing about MONEY.");
            await InsertAsync(4, "Outage", "support@isp-42.test", "ISP Support", "Billing is not affected.");
        }

        public async Task DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await _database.DisposeAsync();
        }

        private async Task InsertAsync(long uid, string subject, string fromAddress, string fromName, string text)
        {
            await using var command = DataSource.CreateCommand("""
                INSERT INTO mail_messages (mailbox_id, direction, folder, uid_validity, uid, dedupe_key, from_address, from_name,
                                           subject, date, internal_date, text_body, has_attachments, raw_size, search)
                VALUES ('search-tests', 'in', 'INBOX', 1, @uid, @uid::text, @from_address, @from_name,
                        @subject, now(), now(), @text, false, 100, @search)
                """);
            command.Parameters.AddWithValue("uid", NpgsqlDbType.Bigint, uid);
            command.Parameters.AddWithValue("from_address", NpgsqlDbType.Text, fromAddress);
            command.Parameters.AddWithValue("from_name", NpgsqlDbType.Text, fromName);
            command.Parameters.AddWithValue("subject", NpgsqlDbType.Text, subject);
            command.Parameters.AddWithValue("text", NpgsqlDbType.Text, text);
            command.Parameters.AddWithValue("search", NpgsqlDbType.TsVector, SearchText.Document(subject, fromAddress, fromName, text));
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, NpgsqlDbType Type, object Value)[] parameters)
    {
        await using var command = mail.DataSource.CreateCommand(sql);
        foreach (var (name, type, value) in parameters)
        {
            command.Parameters.AddWithValue(name, type, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData("a word of the subject", "invoice", new[] { "Invoice overdue" })]
    [InlineData("a word of the text in another case", "money", new[] { "Meeting notes" })]
    [InlineData("a phrase, not the same words in another order", "\"quick brown\"", new[] { "Invoice overdue" })]
    [InlineData("a phrase in the wrong order", "\"fox brown\"", new string[0])]
    [InlineData("either of two words", "overdue OR notes", new[] { "Invoice overdue", "Meeting notes" })]
    [InlineData("a word but not another", "brown -fox", new[] { "Meeting notes" })]
    [InlineData("the sender's address", "billing@isp-42.test", new[] { "Invoice overdue" })]
    [InlineData("a word of the sender's name", "ИВАН", new[] { "Привет из Москвы" })]
    [InlineData("a Cyrillic word", "привет", new[] { "Привет из Москвы" })]
    [InlineData("a word with an umlaut", "ÜBERWEISUNG", new[] { "Привет из Москвы" })]
    public async Task A_search_finds_exactly_the_mail_it_describes(string description, string search, string[] expected)
    {
        var query = SearchText.Query(search);
        Assert.NotNull(query);

        var found = await ScalarAsync<string[]>("""
            SELECT coalesce(array_agg(subject ORDER BY subject COLLATE "C"), '{}')
              FROM mail_messages
             WHERE mailbox_id = 'search-tests' AND search @@ @query::tsquery
            """, ("query", NpgsqlDbType.Text, query));

        Assert.True(expected.SequenceEqual(found), $"{description}: '{search}' ({query}) found [{string.Join(", ", found)}]");
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog")]
    [InlineData("Überweisung für Rechnung 2024 erhalten, A4 Papier")]
    [InlineData("Привет, как дела? Всё хорошо: Ёлка")]
    [InlineData("naïve café résumé ÉCOLE Straße")]
    [InlineData("Invoice #42 (due 15 March), paid? NO!")]
    public async Task Plain_words_give_the_lexemes_postgresql_gives(string text)
    {
        var postgres = await ScalarAsync<string[]>("SELECT tsvector_to_array(to_tsvector('simple', @text))", ("text", NpgsqlDbType.Text, text));

        Assert.Equal(postgres.Order(StringComparer.Ordinal), SearchText.Document(null, "", null, text).Select(lexeme => lexeme.Text).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Plain_words_get_the_weights_and_positions_of_the_generated_column()
    {
        // The expression of the column before migration 9; an address without "@" keeps PostgreSQL's tokens plain.
        var postgres = await ScalarAsync<string>("""
            SELECT (setweight(to_tsvector('simple', left(coalesce(@subject, ''), 10000)), 'A')
                 || setweight(to_tsvector('simple', left(@from_address || ' ' || coalesce(@from_name, ''), 1000)), 'B')
                 || to_tsvector('simple', left(coalesce(@text, ''), 100000)))::text
            """,
            ("subject", NpgsqlDbType.Text, "Invoice overdue since March"),
            ("from_address", NpgsqlDbType.Text, "billing"),
            ("from_name", NpgsqlDbType.Text, "Billing Department"),
            ("text", NpgsqlDbType.Text, "Your invoice of March is overdue. Please pay the invoice."));

        var ours = SearchText.Document("Invoice overdue since March", "billing", "Billing Department",
            "Your invoice of March is overdue. Please pay the invoice.");

        Assert.Equal(postgres, ours.ToString());
    }

    [Fact]
    public async Task Postgresql_keeps_the_vector_as_sent_so_its_lexemes_are_already_in_its_order()
    {
        var vector = SearchText.Document("Zürich \U00020000 \uF900 abcdz abcda", "a@b.c", "Ärger", "zz z ёж éa eb 42 7 abcd abc");

        Assert.Equal(vector.ToString(), await ScalarAsync<string>("SELECT @vector::text", ("vector", NpgsqlDbType.TsVector, vector)));
    }

    [Fact]
    public async Task Postgresql_accepts_vectors_at_its_limits()
    {
        var repeated = SearchText.Document(null, "", null, string.Join(' ', Enumerable.Repeat("spam", 300)));
        var spread = SearchText.Document(null, "", null, SearchTextTests.FortyThousandWords);

        Assert.Equal(256, await ScalarAsync<int>("SELECT array_length((unnest(@vector)).positions, 1)", ("vector", NpgsqlDbType.TsVector, repeated)));
        Assert.Equal(16383, await ScalarAsync<int>("SELECT max(p)::int FROM unnest(@vector) u, unnest(u.positions) p", ("vector", NpgsqlDbType.TsVector, spread)));
    }

    [Fact]
    public async Task The_largest_possible_vector_stays_under_the_1_mb_postgresql_allows()
    {
        // The worst case: every part full of distinct one-letter tokens of three UTF-8 bytes each.
        using var tokens = WorstCaseTokens().GetEnumerator();
        var vector = SearchText.Document(Filled(10_000, tokens), Filled(1_000, tokens), null, Filled(100_000, tokens));

        var size = await ScalarAsync<int>("SELECT pg_column_size(@vector)", ("vector", NpgsqlDbType.TsVector, vector));

        Assert.InRange(size, 512 * 1024, 1024 * 1024 - 1);
        Assert.Equal(vector.Count, await ScalarAsync<int>("SELECT length(@vector)", ("vector", NpgsqlDbType.TsVector, vector)));
    }

    [Fact]
    public async Task Postgresql_reads_every_query_even_with_quotes_and_backslashes_in_the_search()
    {
        var query = SearchText.Query("it's \"C:\\Temp\\o'brien\" or \\'x\\' -'y'")!;

        Assert.Equal("'it' <-> 's' & 'c' <-> 'temp' <-> 'o' <-> 'brien' | 'x' & !'y'", query);
        Assert.Equal(query, await ScalarAsync<string>("SELECT @query::tsquery::text", ("query", NpgsqlDbType.Text, query)));
    }

    private static string Filled(int length, IEnumerator<string> tokens)
    {
        var text = new StringBuilder(length);
        while (tokens.MoveNext() && text.Length + tokens.Current.Length <= length)
        {
            text.Append(tokens.Current).Append(' ');
        }
        return text.ToString();
    }

    /// <summary>Distinct letters that take three bytes in UTF-8 and are their own lower case, then pairs of them.</summary>
    private static IEnumerable<string> WorstCaseTokens()
    {
        var letters = Enumerable.Range(0x800, 0xD800 - 0x800).Concat(Enumerable.Range(0xE000, 0x10000 - 0xE000))
            .Select(code => (char)code)
            .Where(letter => char.IsLetter(letter) && char.ToLowerInvariant(letter) == letter)
            .Select(letter => letter.ToString())
            .ToList();
        return letters.Concat(letters.SelectMany(first => letters.Select(second => first + second)));
    }
}
