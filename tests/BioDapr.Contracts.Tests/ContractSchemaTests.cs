using BioDapr.Contracts.Events;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;

namespace BioDapr.Contracts.Tests;

/// <summary>
/// The committed JSON Schemas are the published contracts. Each record's current schema is generated
/// and compared: additive changes (new optional fields) are compatible; removing or retyping a field,
/// or adding a required one, fails. Regenerate after a compatible change with
/// <c>BIODAPR_UPDATE_SCHEMAS=1 dotnet test tests/BioDapr.Contracts.Tests</c>.
/// </summary>
public sealed class ContractSchemaTests
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    public static TheoryData<string> Types => [.. ContractCatalog.All.Select(c => c.Type)];

    [Theory]
    [MemberData(nameof(Types))]
    public void TheRecord_IsCompatibleWithItsCommittedSchema(string type)
    {
        var contract = ContractCatalog.All.Single(c => c.Type == type);
        var current = Generate(contract);
        if (Environment.GetEnvironmentVariable("BIODAPR_UPDATE_SCHEMAS") == "1")
        {
            File.WriteAllText(SchemaPath(contract), current.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        var committed = JsonNode.Parse(contract.ReadSchema())!.AsObject();

        SchemaCompatibility.Breaks(committed, current).ShouldBeEmpty();
        committed["$id"]!.GetValue<string>().ShouldBe(type);
    }

    [Fact]
    public void EveryContract_HasAVersionedTypeAndAKnownTopic()
    {
        ContractCatalog.All.Select(c => c.Type).ShouldBeUnique();
        foreach (var contract in ContractCatalog.All)
        {
            contract.Type.ShouldMatch(@"^biodapr(\.[a-z]+){1,2}\.v\d+$");
            contract.Topic.ShouldBeOneOf(Topics.Orders, Topics.Payments, Topics.Shipments, Topics.Vitals);
        }
    }

    /// <summary>The TypeScript shipping cell validates with ajv against copies of the committed schemas (its image is built from its own folder).</summary>
    [Theory]
    [InlineData(OrderConfirmed.Type)]
    [InlineData(ShipmentDispatched.Type)]
    [InlineData(VitalsReported.Type)]
    public void TheShippingCellsSchemaCopy_IsTheCommittedSchema(string type)
    {
        var contract = ContractCatalog.All.Single(c => c.Type == type);
        var copy = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(SchemaPath(contract))))!, "..", "cells", "shipping", "contracts", contract.SchemaFile);

        File.Exists(copy).ShouldBeTrue($"services/cells/shipping/contracts/{contract.SchemaFile} is missing (npm run contracts copies it)");
        File.ReadAllText(copy).ReplaceLineEndings().ShouldBe(contract.ReadSchema().ReplaceLineEndings(), "services/cells/shipping/contracts is stale: run npm run contracts in services/cells/shipping");
    }

    [Fact]
    public void Compatibility_AllowsANewOptionalField_AndRejectsRemovalsRetypesAndNewRequiredFields()
    {
        var v1 = Schema("""{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},"required":["id","n"]}""");

        SchemaCompatibility.Breaks(v1, Schema("""{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"},"note":{"type":["string","null"]}},"required":["id","n"]}""")).ShouldBeEmpty();
        SchemaCompatibility.Breaks(v1, Schema("""{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""")).ShouldHaveSingleItem().ShouldContain("'n' was removed");
        SchemaCompatibility.Breaks(v1, Schema("""{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"string"}},"required":["id","n"]}""")).ShouldHaveSingleItem().ShouldContain("'n' changed type");
        SchemaCompatibility.Breaks(v1, Schema("""{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"},"x":{"type":"string"}},"required":["id","n","x"]}""")).ShouldHaveSingleItem().ShouldContain("'x' is new and required");
    }

    private static JsonObject Schema(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Generate(EventContract contract)
    {
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(Wire, contract.Record, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true }).AsObject();
        var result = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = contract.Type,
            ["title"] = contract.Record.Name,
            ["description"] = $"Data of the CloudEvent type {contract.Type} on topic {contract.Topic}.",
        };
        foreach (var (key, value) in schema)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    private static string SchemaPath(EventContract contract)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BioDapr.sln")))
            {
                return Path.Combine(directory.FullName, "services", "libraries", "BioDapr.Contracts", "Schemas", contract.SchemaFile);
            }
        }

        throw new InvalidOperationException("BioDapr.sln not found");
    }
}

/// <summary>Whether a new schema still accepts what producers of the old one send, and old consumers can read new events.</summary>
internal static class SchemaCompatibility
{
    public static List<string> Breaks(JsonObject committed, JsonObject current)
    {
        var breaks = new List<string>();
        var oldProperties = committed["properties"]?.AsObject() ?? [];
        var newProperties = current["properties"]?.AsObject() ?? [];
        var oldRequired = Names(committed["required"]);
        var newRequired = Names(current["required"]);
        foreach (var (name, schema) in oldProperties)
        {
            if (!newProperties.TryGetPropertyValue(name, out var now))
            {
                breaks.Add($"'{name}' was removed");
            }
            else if (TypeOf(schema) != TypeOf(now))
            {
                breaks.Add($"'{name}' changed type from {TypeOf(schema)} to {TypeOf(now)}");
            }
        }

        breaks.AddRange(newRequired.Except(oldRequired).Select(name => $"'{name}' is new and required"));
        return breaks;
    }

    private static HashSet<string> Names(JsonNode? array) =>
        array is JsonArray items ? items.Select(i => i!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) : [];

    private static string TypeOf(JsonNode? schema) => schema?["type"]?.ToJsonString() ?? "any";
}
