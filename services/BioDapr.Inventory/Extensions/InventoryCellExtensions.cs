using BioDapr.Cell.Pathways;
using BioDapr.Cell.Hormones;
using BioDapr.Inventory.Hormones;

namespace BioDapr.Inventory.Extensions;

/// <summary>The inventory cell's own services.</summary>
public static class InventoryCellExtensions
{
    /// <summary>Hormones and validation.</summary>
    public static WebApplicationBuilder AddInventoryCell(this WebApplicationBuilder builder)
    {
        builder.AddHormones<StockSettings>("hormones", "inventory.");
        builder.AddCellVitals();
        builder.Services.AddValidation();
        return builder;
    }
}
