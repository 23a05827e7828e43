using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Customers;

namespace Splynx.Orleans.Storage.Customers;

/// <summary>
/// Applies the pairing rule (<c>pair_customer</c>, see CustomersSchema) to the stored mail of some
/// addresses, in every mailbox, with one statement however many messages that is.
/// </summary>
public sealed class MessagePairing(NpgsqlDataSource dataSource)
{
    /// <summary>Re-pairs the messages from or to these addresses; returns those whose customer changed, by mailbox.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> RepairAsync(IReadOnlyCollection<string> addresses,
        CancellationToken cancellationToken)
    {
        if (addresses.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<string>>();
        }
        await using var command = dataSource.CreateCommand("""
            WITH candidates AS (
                SELECT id FROM mail_messages WHERE direction = 'in' AND from_address = ANY(@addresses)
                UNION
                SELECT id FROM mail_messages WHERE direction = 'out' AND ("to" @> ANY(@patterns) OR cc @> ANY(@patterns)))
            UPDATE mail_messages m
               SET customer_id = pair_customer(m.direction, m.from_address, m."to" || m.cc)
              FROM candidates c
             WHERE m.id = c.id AND m.customer_id IS DISTINCT FROM pair_customer(m.direction, m.from_address, m."to" || m.cc)
            RETURNING m.mailbox_id, m.id
            """);
        var normalized = addresses.Select(address => address.ToLowerInvariant()).Distinct().ToArray();
        command.Parameters.AddWithValue("addresses", NpgsqlDbType.Array | NpgsqlDbType.Text, normalized);
        command.Parameters.AddWithValue("patterns", NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            normalized.Select(address => System.Text.Json.JsonSerializer.Serialize(new[] { new { address } })).ToArray());
        var changed = new Dictionary<string, List<string>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var mailbox = reader.GetString(0);
            if (!changed.TryGetValue(mailbox, out var ids))
            {
                changed[mailbox] = ids = [];
            }
            ids.Add(reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return changed.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value);
    }
}
