using System.Text.Json;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>Address lists as stored in jsonb: <c>[{"address":"…","name":"…"}]</c>, the shape the API shows.</summary>
internal static class AddressJson
{
    public static string Serialize(IReadOnlyList<MailAddress> addresses) => JsonSerializer.Serialize(addresses, JsonSerializerOptions.Web);

    public static IReadOnlyList<MailAddress> Deserialize(string json) =>
        JsonSerializer.Deserialize<MailAddress[]>(json, JsonSerializerOptions.Web) ?? [];
}
