namespace BioDapr.Contracts;

/// <summary>The pub/sub component and topics of the organism.</summary>
public static class Topics
{
    /// <summary>The pub/sub component every cell uses (same name in every environment).</summary>
    public const string PubSub = "pubsub";

    /// <summary>Order lifecycle events.</summary>
    public const string Orders = "orders";

    /// <summary>Payment results.</summary>
    public const string Payments = "payments";

    /// <summary>Shipments of confirmed orders (published by the shipping cell).</summary>
    public const string Shipments = "shipments";

    /// <summary>Vital-sign windows of every cell.</summary>
    public const string Vitals = "vitals";
}
