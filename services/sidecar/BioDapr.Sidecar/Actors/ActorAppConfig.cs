using System.Text.Json;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Actors;

/// <summary>
/// The app's actor configuration (<c>GET /dapr/config</c>): hosted types, idle timeout (Go duration,
/// default 60m; an invalid value keeps the default, as daprd does), reentrancy, and per-type overrides.
/// </summary>
internal sealed record ActorAppConfig(IReadOnlyDictionary<string, ActorTypeSettings> Types, IReadOnlyList<string> Warnings)
{
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(60);
    public const int DefaultMaxStackDepth = 32;

    public static ActorAppConfig None { get; } = new(new Dictionary<string, ActorTypeSettings>(), []);

    /// <summary>Parses the body; invalid JSON hosts no actors (daprd treats it as empty).</summary>
    public static ActorAppConfig Parse(ReadOnlySpan<byte> body)
    {
        var warnings = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return None;
            }

            var defaults = Settings(root, "*", DefaultIdleTimeout, false, DefaultMaxStackDepth, warnings);
            var types = new Dictionary<string, ActorTypeSettings>(StringComparer.Ordinal);
            foreach (var entity in Strings(Property(root, "entities")))
            {
                types[entity] = defaults with { Type = entity };
            }

            if (Property(root, "entitiesConfig") is { ValueKind: JsonValueKind.Array } overrides)
            {
                foreach (var entry in overrides.EnumerateArray())
                {
                    foreach (var entity in Strings(Property(entry, "entities")))
                    {
                        if (!types.TryGetValue(entity, out var current))
                        {
                            warnings.Add($"Configuration specified for non-hosted actor type: {entity}");
                            continue;
                        }

                        types[entity] = Settings(entry, entity, current.IdleTimeout, current.Reentrancy, current.MaxStackDepth, warnings);
                    }
                }
            }

            return new ActorAppConfig(types, warnings);
        }
        catch (JsonException ex)
        {
            return None with { Warnings = [$"the app's /dapr/config is not valid JSON ({ex.Message}); no actors are hosted"] };
        }
    }

    private static ActorTypeSettings Settings(JsonElement element, string type, TimeSpan idle, bool reentrancy, int depth, List<string> warnings)
    {
        if (Property(element, "actorIdleTimeout") is { ValueKind: JsonValueKind.String } idleText)
        {
            if (GoDuration.TryParse(idleText.GetString(), out var parsed) && parsed > TimeSpan.Zero)
            {
                idle = parsed;
            }
            else
            {
                warnings.Add($"invalid actorIdleTimeout '{idleText.GetString()}' for {type}; using {GoDuration.Format(idle)}");
            }
        }

        if (Property(element, "reentrancy") is { ValueKind: JsonValueKind.Object } reentrancyConfig)
        {
            reentrancy = Property(reentrancyConfig, "enabled") is { ValueKind: JsonValueKind.True };
            if (Property(reentrancyConfig, "maxStackDepth") is { ValueKind: JsonValueKind.Number } max && max.TryGetInt32(out var value) && value > 0)
            {
                depth = value;
            }
        }

        return new ActorTypeSettings(type, idle, reentrancy, depth);
    }

    // Go decodes JSON field names case-insensitively.
    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
            ? element.EnumerateObject().Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Select(p => (JsonElement?)p.Value).LastOrDefault()
            : null;

    private static IEnumerable<string> Strings(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)
            : [];
}
