using System.Globalization;
using Npgsql;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>Reads a <see cref="MessageSummary"/> from the columns that <see cref="Columns"/> selects, in that order.</summary>
internal static class MessageSummaryReader
{
    public static string Columns(string alias) => $"""
        {alias}.id, {alias}.mailbox_id, {alias}.direction, {alias}.from_address, {alias}.from_name, {alias}."to",
        {alias}.subject, {alias}.date, {alias}.snippet, {alias}.customer_id, {alias}.has_attachments
        """;

    public static MessageSummary Read(NpgsqlDataReader reader, int first = 0)
    {
        var customerId = NullableString(reader, first + 9);
        return new MessageSummary(
            Id: reader.GetInt64(first).ToString(CultureInfo.InvariantCulture),
            MailboxId: reader.GetString(first + 1),
            Direction: reader.GetString(first + 2) == "in" ? MessageDirection.In : MessageDirection.Out,
            From: new MailAddress(reader.GetString(first + 3), NullableString(reader, first + 4)),
            To: AddressJson.Deserialize(reader.GetString(first + 5)),
            Subject: NullableString(reader, first + 6),
            Date: reader.GetFieldValue<DateTime>(first + 7),
            Snippet: NullableString(reader, first + 8),
            CustomerId: customerId,
            // The author is found exactly when the message is paired to a customer or lead.
            AuthorFound: customerId is not null,
            HasAttachments: reader.GetBoolean(first + 10));
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
