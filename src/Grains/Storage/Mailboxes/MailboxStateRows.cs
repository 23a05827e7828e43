using System.Runtime.CompilerServices;
using Npgsql;
using Orleans.Storage;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Mailboxes;

/// <summary>
/// Reads the saved states of the mailbox grains straight from <c>orleans_storage</c>, for operator commands that
/// inspect them without activating any grain.
/// </summary>
public static class MailboxStateRows
{
    /// <summary>Every saved mailbox state of a service, with the admin id that keys it.</summary>
    public static async IAsyncEnumerable<(string MailboxId, MailboxGrainState State)> ReadAllAsync(NpgsqlDataSource dataSource,
        IGrainStorageSerializer serializer, string serviceId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT grain_id_n0, grain_id_n1, grain_id_extension, payload
              FROM orleans_storage
             WHERE service_id = @service AND grain_type = 'mailbox' AND payload IS NOT NULL
            """);
        command.Parameters.AddWithValue("service", serviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = KeyOf(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            if (serializer.Deserialize<MailboxGrainState>(new BinaryData(reader.GetFieldValue<byte[]>(3))) is { } state)
            {
                yield return (key, state);
            }
        }
    }

    /// <summary>
    /// The string key of a row. The ADO.NET provider stores a string key that reads as a GUID (every admin id is
    /// one, in the "N" form) as the GUID's two halves, one that reads as an integer as that integer, and any
    /// other as text.
    /// </summary>
    internal static string KeyOf(long n0, long n1, string? extension)
    {
        if (extension is not null && n0 == 0 && n1 == 0)
        {
            return extension;
        }
        if (n0 == 0 && extension is null)
        {
            return n1.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, n0);
        BitConverter.TryWriteBytes(bytes[8..], n1);
        return new Guid(bytes).ToString("N");
    }
}
