using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;
using Orleans.Serialization;
using Orleans.Storage;

namespace Splynx.Orleans.Storage;

/// <summary>
/// How every grain state is written to <c>orleans_storage</c>: Orleans' own binary serializer, driven by the
/// <c>[GenerateSerializer]</c>/<c>[Id]</c> contracts (version tolerant, aliases instead of CLR type names, and
/// every read builds new objects). Rows written as JSON by earlier versions are still read, and are replaced
/// by the binary form at the grain's next write.
/// </summary>
/// <remarks>
/// Earlier versions kept the provider's default, Newtonsoft JSON, which populates the objects a new state
/// already holds. States whose initialisers shared one default instance had that instance overwritten by each
/// read, so every mailbox read back on a silo ended up with the settings of the last one read. The reader of
/// those old rows therefore always replaces objects instead of populating them.
/// </remarks>
public sealed class GrainStateSerializer : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _binary;
    private readonly JsonGrainStorageSerializer _legacyJson;

    public GrainStateSerializer(Serializer serializer, IOptions<OrleansJsonSerializerOptions> jsonOptions)
    {
        _binary = new OrleansGrainStorageSerializer(serializer);
        var defaults = jsonOptions.Value.JsonSerializerSettings;
        var legacySettings = new JsonSerializerSettings(defaults)
        {
            ObjectCreationHandling = ObjectCreationHandling.Replace,
            SerializationBinder = new CompilerCollectionBinder(defaults.SerializationBinder ?? new DefaultSerializationBinder()),
        };
        _legacyJson = new JsonGrainStorageSerializer(new OrleansJsonSerializer(
            Options.Create(new OrleansJsonSerializerOptions { JsonSerializerSettings = legacySettings })));
    }

    public BinaryData Serialize<T>(T? input) => _binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input) =>
        IsLegacyJson(input) ? _legacyJson.Deserialize<T>(input) : _binary.Deserialize<T>(input);

    /// <summary>
    /// A JSON state is an object, so it starts with '{' (the old writer put no byte-order mark or white space
    /// before it); Orleans' binary form starts with the field header of its root, which is never that byte.
    /// </summary>
    internal static bool IsLegacyJson(BinaryData input) => input.ToMemory().Span is [(byte)'{', ..];

    /// <summary>
    /// The old writer named the concrete type of every list, and a list made by a collection expression is a
    /// compiler-made type (<c>&lt;&gt;z__ReadOnlyArray</c>…) that JSON cannot create: such lists are read as lists.
    /// </summary>
    private sealed class CompilerCollectionBinder(ISerializationBinder inner) : ISerializationBinder
    {
        public Type BindToType(string? assemblyName, string typeName)
        {
            var type = inner.BindToType(assemblyName, typeName);
            return type.IsGenericType && type.Name.StartsWith("<>z__", StringComparison.Ordinal)
                ? typeof(List<>).MakeGenericType(type.GetGenericArguments())
                : type;
        }

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName) =>
            inner.BindToName(serializedType, out assemblyName, out typeName);
    }
}
