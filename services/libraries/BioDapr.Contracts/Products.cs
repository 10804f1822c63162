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

    /// <summary>The pattern of text a client sends that ends up in logs and events (no control characters or line separators).</summary>
    public const string TextPattern = @"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]+$";
}
