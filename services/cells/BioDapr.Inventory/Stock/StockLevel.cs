namespace BioDapr.Inventory.Stock;

/// <summary>Stock of one SKU as stored (state key <c>stock-{sku}</c>): available + reserved = the catalogue's initial stock.</summary>
/// <param name="Sku">The product.</param>
/// <param name="Available">Units that can still be reserved.</param>
/// <param name="Reserved">Units held for orders.</param>
public sealed record StockLevel(string Sku, int Available, int Reserved);
