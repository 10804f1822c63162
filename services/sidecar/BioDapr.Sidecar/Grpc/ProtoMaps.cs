using Google.Protobuf.Collections;

namespace BioDapr.Sidecar.Grpc;

/// <summary>Copies string maps into protobuf map fields.</summary>
internal static class ProtoMaps
{
    public static void Put(this MapField<string, string> target, IEnumerable<KeyValuePair<string, string>> source)
    {
        foreach (var (key, value) in source)
        {
            target[key] = value;
        }
    }
}
