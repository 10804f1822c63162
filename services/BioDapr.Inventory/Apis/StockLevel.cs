namespace BioDapr.Inventory.Apis;

/// <summary>Stock of one SKU as stored (state key <c>stock-{sku}</c>).</summary>
public sealed record StockLevel(string Sku, int Available, int Reserved);
