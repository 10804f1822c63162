namespace BioDapr.Contracts;

/// <summary>
/// What a SKU may look like, everywhere (the gateway's validation, orders, inventory's catalogue): 1 to
/// <see cref="MaxSkuLength"/> characters of any script, without control characters, line separators or the
/// URL delimiters <c>/ \ ? # %</c>, and not <c>.</c> or <c>..</c>, so a SKU is always one path segment.
/// </summary>
public static class Products
{
    /// <summary>The longest SKU.</summary>
    public const int MaxSkuLength = 64;

    /// <summary>The pattern of a SKU (a .NET and ECMAScript regular expression).</summary>
    public const string SkuPattern = @"^(?!\.{1,2}$)[^\u0000-\u001F\u007F-\u009F\u2028\u2029/\\?#%]{1,64}$";

    /// <summary>
    /// The warm-up SKU: orders' warm-up placement (sent by the cell to itself before it is ready, with its own per-process
    /// warm-up token) reserves one unit of it and releases it again, so the placement's code is compiled before the first
    /// client. It is in no catalogue file and no client can order it: orders answers 404 Unknown SKU to any other request
    /// for it, and inventory reserves it only for warm-up order ids (and warm-up order ids only it).
    /// </summary>
    public const string WarmupSku = "biodapr-warmup";

    /// <summary>How a warm-up placement's order id starts (a client's order id is a 32-character hash, so never does).</summary>
    public const string WarmupOrderPrefix = "warmup-";

    /// <summary>Whether <paramref name="sku"/> is the <see cref="WarmupSku"/>.</summary>
    public static bool IsWarmupSku(string? sku) => string.Equals(sku, WarmupSku, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="orderId"/> is a warm-up placement's (it starts with <see cref="WarmupOrderPrefix"/>).</summary>
    public static bool IsWarmupOrder(string? orderId) => orderId?.StartsWith(WarmupOrderPrefix, StringComparison.Ordinal) == true;

    /// <summary>The pattern of text a client sends that ends up in logs and events (no control characters or line separators).</summary>
    public const string TextPattern = @"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]+$";
}
