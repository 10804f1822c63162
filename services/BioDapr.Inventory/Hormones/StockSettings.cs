using System.ComponentModel.DataAnnotations;

namespace BioDapr.Inventory.Hormones;

/// <summary>Live inventory settings (hormone <c>inventory.initialStock</c>).</summary>
public sealed record StockSettings
{
    /// <summary>Default stock of a SKU seen for the first time.</summary>
    public const int DefaultInitialStock = 1_000_000;

    /// <summary>Stock a SKU starts with when it is first reserved.</summary>
    [Range(0, int.MaxValue)]
    public int InitialStock { get; init; } = DefaultInitialStock;
}
