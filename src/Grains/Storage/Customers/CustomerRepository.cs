using Npgsql;
using NpgsqlTypes;
using Splynx.Orleans.Customers;

namespace Splynx.Orleans.Storage.Customers;

/// <summary>Customers and their addresses in PostgreSQL; the address's primary key makes it belong to one customer at most.</summary>
public sealed class CustomerRepository(NpgsqlDataSource dataSource)
{
    public async Task<CustomerInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.name, c.category,
                   coalesce(array_agg(e.address ORDER BY e.position) FILTER (WHERE e.address IS NOT NULL), '{}')
              FROM customers c LEFT JOIN customer_emails e ON e.customer_id = c.id
             WHERE c.id = @id
             GROUP BY c.id
            """);
        command.Parameters.AddWithValue("id", NpgsqlDbType.Text, id);
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Customers and leads whose name or address contains the text, by name.</summary>
    public async Task<IReadOnlyList<CustomerInfo>> SearchAsync(string? text, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.name, c.category,
                   coalesce(array_agg(e.address ORDER BY e.position) FILTER (WHERE e.address IS NOT NULL), '{}')
              FROM customers c LEFT JOIN customer_emails e ON e.customer_id = c.id
             WHERE @text IS NULL OR c.name ILIKE '%' || @text || '%'
                OR EXISTS (SELECT 1 FROM customer_emails f WHERE f.customer_id = c.id AND f.address LIKE '%' || lower(@text) || '%')
             GROUP BY c.id
             ORDER BY c.name, c.id
             LIMIT @limit
            """);
        command.Parameters.AddWithValue("text", NpgsqlDbType.Text, string.IsNullOrWhiteSpace(text) ? DBNull.Value : text.Trim());
        command.Parameters.AddWithValue("limit", NpgsqlDbType.Integer, limit);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Writes the customer and exactly these addresses in one transaction. Returns the addresses added and
    /// removed, or the first address that belongs to another customer (then nothing is written).
    /// </summary>
    internal async Task<(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, string? Conflict)> SaveAsync(
        CustomerInfo customer, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO customers (id, name, category) VALUES (@id, @name, @category)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("id", NpgsqlDbType.Text, customer.Id);
            upsert.Parameters.AddWithValue("name", NpgsqlDbType.Text, customer.Name);
            upsert.Parameters.AddWithValue("category", NpgsqlDbType.Text, customer.Category == CustomerCategory.Lead ? "lead" : "customer");
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        var before = new List<string>();
        await using (var current = new NpgsqlCommand("SELECT address FROM customer_emails WHERE customer_id = @id", connection, transaction))
        {
            current.Parameters.AddWithValue("id", NpgsqlDbType.Text, customer.Id);
            await using var reader = await current.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                before.Add(reader.GetString(0));
            }
        }
        var removed = before.Except(customer.Emails).ToList();
        var added = customer.Emails.Except(before).ToList();

        await using (var replace = new NpgsqlCommand("""
            DELETE FROM customer_emails WHERE customer_id = @id AND address <> ALL(@keep);
            UPDATE customer_emails e SET position = k.position
              FROM unnest(@keep) WITH ORDINALITY AS k (address, position)
             WHERE e.customer_id = @id AND e.address = k.address;
            """, connection, transaction))
        {
            replace.Parameters.AddWithValue("id", NpgsqlDbType.Text, customer.Id);
            replace.Parameters.AddWithValue("keep", NpgsqlDbType.Array | NpgsqlDbType.Text, customer.Emails.ToArray());
            await replace.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var address in added)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO customer_emails (address, customer_id, position) VALUES (@address, @id, @position)
                ON CONFLICT (address) DO NOTHING
                """, connection, transaction);
            insert.Parameters.AddWithValue("address", NpgsqlDbType.Text, address);
            insert.Parameters.AddWithValue("id", NpgsqlDbType.Text, customer.Id);
            insert.Parameters.AddWithValue("position", NpgsqlDbType.Integer, customer.Emails.ToList().IndexOf(address) + 1);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return ([], [], address);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return (added, removed, null);
    }

    /// <summary>Who holds an address now, for a conflict message a person can act on.</summary>
    internal async Task<(string Id, string Name)?> OwnerOfAsync(string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.name FROM customer_emails e JOIN customers c ON c.id = e.customer_id WHERE e.address = @address
            """);
        command.Parameters.AddWithValue("address", NpgsqlDbType.Text, address);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    private static async Task<IReadOnlyList<CustomerInfo>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var customers = new List<CustomerInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            customers.Add(new CustomerInfo(reader.GetString(0), reader.GetString(1),
                reader.GetString(2) == "lead" ? CustomerCategory.Lead : CustomerCategory.Customer,
                reader.GetFieldValue<string[]>(3)));
        }
        return customers;
    }
}
