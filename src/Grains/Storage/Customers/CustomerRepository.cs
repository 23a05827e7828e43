using Dapper;
using Npgsql;
using Splynx.Orleans.Customers;

namespace Splynx.Orleans.Storage.Customers;

/// <summary>Customers and their addresses in PostgreSQL; the address's primary key makes it belong to one customer at most.</summary>
public sealed class CustomerRepository(NpgsqlDataSource dataSource)
{
    private const string SelectCustomers = """
        SELECT c.id, c.name, c.category,
               coalesce(array_agg(e.address ORDER BY e.position) FILTER (WHERE e.address IS NOT NULL), '{}') AS emails
          FROM customers c LEFT JOIN customer_emails e ON e.customer_id = c.id
        """;

    public async Task<CustomerInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition($"""
            {SelectCustomers}
             WHERE c.id = @id
             GROUP BY c.id
            """, new { id }, cancellationToken: cancellationToken));
        return row?.ToCustomer();
    }

    /// <summary>Customers and leads whose name or address contains the text, by name.</summary>
    public async Task<IReadOnlyList<CustomerInfo>> SearchAsync(string? text, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<CustomerRow>(new CommandDefinition($"""
            {SelectCustomers}
             WHERE @text::text IS NULL OR c.name ILIKE '%' || @text || '%'
                OR EXISTS (SELECT 1 FROM customer_emails f WHERE f.customer_id = c.id AND f.address LIKE '%' || lower(@text) || '%')
             GROUP BY c.id
             ORDER BY c.name, c.id
             LIMIT @limit
            """, new { text = string.IsNullOrWhiteSpace(text) ? null : text.Trim(), limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToCustomer())];
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
        CommandDefinition Command(string sql, object parameters) => new(sql, parameters, transaction, cancellationToken: cancellationToken);

        await connection.ExecuteAsync(Command("""
            INSERT INTO customers (id, name, category) VALUES (@Id, @Name, @Category)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category
            """, new { customer.Id, customer.Name, Category = customer.Category == CustomerCategory.Lead ? "lead" : "customer" }));
        var before = (await connection.QueryAsync<string>(Command(
            "SELECT address FROM customer_emails WHERE customer_id = @Id", new { customer.Id }))).ToList();
        var removed = before.Except(customer.Emails).ToList();
        var added = customer.Emails.Except(before).ToList();

        await connection.ExecuteAsync(Command("""
            DELETE FROM customer_emails WHERE customer_id = @id AND address <> ALL(@keep);
            UPDATE customer_emails e SET position = k.position
              FROM unnest(@keep) WITH ORDINALITY AS k (address, position)
             WHERE e.customer_id = @id AND e.address = k.address;
            """, new { id = customer.Id, keep = customer.Emails.ToArray() }));
        foreach (var address in added)
        {
            var inserted = await connection.ExecuteAsync(Command("""
                INSERT INTO customer_emails (address, customer_id, position) VALUES (@address, @id, @position)
                ON CONFLICT (address) DO NOTHING
                """, new { address, id = customer.Id, position = customer.Emails.ToList().IndexOf(address) + 1 }));
            if (inserted == 0)
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var owners = await connection.QueryAsync<(string Id, string Name)>(new CommandDefinition("""
            SELECT c.id, c.name FROM customer_emails e JOIN customers c ON c.id = e.customer_id WHERE e.address = @address
            """, new { address }, cancellationToken: cancellationToken));
        return owners.Select(owner => ((string, string)?)owner).SingleOrDefault();
    }

    // Properties rather than a constructor: Dapper matches a constructor by the reader's field types, and Npgsql
    // reports an array column as System.Array.
    private sealed class CustomerRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string Category { get; init; } = "";
        public string[] Emails { get; init; } = [];

        public CustomerInfo ToCustomer() => new(Id, Name, Category == "lead" ? CustomerCategory.Lead : CustomerCategory.Customer, Emails);
    }
}
