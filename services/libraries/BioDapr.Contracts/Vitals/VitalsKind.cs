namespace BioDapr.Contracts.Vitals;

/// <summary>What a vitals window describes.</summary>
public enum VitalsKind
{
    /// <summary>An outbound synaptic pathway (service invocation from this cell).</summary>
    Pathway,

    /// <summary>An inbound endpoint of the cell.</summary>
    Endpoint,
}
