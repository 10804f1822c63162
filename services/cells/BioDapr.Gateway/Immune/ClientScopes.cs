namespace BioDapr.Gateway.Immune;

/// <summary>The OAuth scopes of the clients' API: each operation needs one (<see cref="ClientAdmissionExtensions.RequiresScope{TBuilder}"/>).</summary>
public static class ClientScopes
{
    /// <summary>Placing an order.</summary>
    public const string PlaceOrders = "orders:place";

    /// <summary>Reading the client's own orders.</summary>
    public const string ReadOrders = "orders:read";

    /// <summary>Every scope, as the OpenAPI document lists them.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [PlaceOrders] = "Place orders.",
        [ReadOrders] = "Read the client's own orders.",
    };
}

/// <summary>The scope an endpoint of the clients' API needs (endpoint metadata).</summary>
/// <param name="Scope">The scope.</param>
public sealed record RequiredClientScope(string Scope);
