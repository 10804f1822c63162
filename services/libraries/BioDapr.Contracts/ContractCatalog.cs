using BioDapr.Contracts.Events;

namespace BioDapr.Contracts;

/// <summary>Every event contract of the organism: its CloudEvent type, record and topic.</summary>
public static class ContractCatalog
{
    /// <summary>The contracts, one per CloudEvent type.</summary>
    public static IReadOnlyList<EventContract> All { get; } =
    [
        new(OrderPlaced.Type, typeof(OrderPlaced), Topics.Orders),
        new(OrderConfirmed.Type, typeof(OrderConfirmed), Topics.Orders),
        new(OrderCancelled.Type, typeof(OrderCancelled), Topics.Orders),
        new(PaymentCaptured.Type, typeof(PaymentCaptured), Topics.Payments),
        new(PaymentFailed.Type, typeof(PaymentFailed), Topics.Payments),
        new(ShipmentDispatched.Type, typeof(ShipmentDispatched), Topics.Shipments),
        new(VitalsReported.Type, typeof(VitalsReported), Topics.Vitals),
    ];
}

/// <summary>One event contract.</summary>
/// <param name="Type">The CloudEvent type (versioned: <c>….v1</c>).</param>
/// <param name="Record">The record carried as the event's data.</param>
/// <param name="Topic">The topic it is published on.</param>
public sealed record EventContract(string Type, Type Record, string Topic)
{
    /// <summary>The committed JSON Schema file (in <c>Schemas/</c>, embedded in the assembly).</summary>
    public string SchemaFile => Type + ".schema.json";

    /// <summary>Reads the committed JSON Schema.</summary>
    public string ReadSchema()
    {
        using var stream = typeof(EventContract).Assembly.GetManifestResourceStream("BioDapr.Contracts.Schemas." + SchemaFile)
            ?? throw new InvalidOperationException($"the schema {SchemaFile} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
