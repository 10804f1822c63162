using System.Text.Json.Serialization;

namespace BioDapr.Inventory.Stock;

/// <summary>Stock of one SKU as stored (state key <c>stock-{sku}</c>): available + reserved = the catalogue's initial stock.</summary>
/// <param name="Sku">The product.</param>
/// <param name="Available">Units that can still be reserved.</param>
/// <param name="Reserved">Units held for orders.</param>
/// <param name="Decisions">
/// The ledger's decisions on changes whose reservation record is not settled yet, by change id: written in the same
/// (single-key, ETag-guarded) write as the units they move, so a change is applied once whichever replica decides it;
/// removed once the record is settled. Absent when empty.
/// </param>
public sealed record StockLevel(
    string Sku,
    int Available,
    int Reserved,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, StockDecision>? Decisions = null);

/// <summary>What the ledger decided on one change of a SKU's stock (see <see cref="StockLevel.Decisions"/>).</summary>
/// <param name="OrderId">The order whose reservation record carries the change.</param>
/// <param name="Applied">True: the units moved; false: they did not (not enough stock).</param>
/// <param name="At">When it was decided.</param>
public sealed record StockDecision(string OrderId, bool Applied, DateTimeOffset At);
