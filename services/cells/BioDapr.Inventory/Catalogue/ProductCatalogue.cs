using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace BioDapr.Inventory.Catalogue;

/// <summary>
/// The SKUs inventory sells and the stock each starts with. A SKU outside the catalogue has no stock and is
/// never created: reservations and stock queries for it answer 404. Loaded once at start; a missing or
/// malformed file stops the cell with the file and the problem in the message.
/// </summary>
public sealed partial class ProductCatalogue
{
    private static readonly JsonSerializerOptions Json = new() { AllowDuplicateProperties = false };
    private readonly Dictionary<string, int> _initialStock;

    /// <summary>A catalogue of <paramref name="initialStock"/> (SKU → initial units).</summary>
    public ProductCatalogue(IReadOnlyDictionary<string, int> initialStock)
    {
        ArgumentNullException.ThrowIfNull(initialStock);
        _initialStock = new Dictionary<string, int>(initialStock, StringComparer.Ordinal);
    }

    /// <summary>Every SKU with its initial stock.</summary>
    public IReadOnlyDictionary<string, int> Products => _initialStock;

    /// <summary>The stock the warm-up SKU (<see cref="BioDapr.Contracts.Products.WarmupSku"/>) starts with: the warm-up reserves one unit at a time and gives it back.</summary>
    public const int WarmupStock = 1_000;

    /// <summary>
    /// True when <paramref name="sku"/> is sold here (or is the warm-up SKU, which is not in <see cref="Products"/>);
    /// <paramref name="initialStock"/> is what it starts with.
    /// </summary>
    public bool TryGet(string sku, out int initialStock)
    {
        if (BioDapr.Contracts.Products.IsWarmupSku(sku))
        {
            initialStock = WarmupStock;
            return true;
        }

        return _initialStock.TryGetValue(sku, out initialStock);
    }

    /// <summary>Reads the catalogue file named by <paramref name="options"/>.</summary>
    public static ProductCatalogue Load(IOptions<CatalogueOptions> options, Microsoft.Extensions.Hosting.IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var file = options.Value.CatalogueFile;
        var path = Path.IsPathRooted(file) ? file
            : new[] { Path.Combine(environment.ContentRootPath, file), Path.Combine(AppContext.BaseDirectory, file) }.FirstOrDefault(File.Exists)
              ?? Path.Combine(environment.ContentRootPath, file);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Inventory:CatalogueFile: the catalogue '{path}' does not exist");
        }

        Dictionary<string, int>? products;
        try
        {
            products = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Inventory:CatalogueFile: the catalogue '{path}' is not a JSON object of SKU to initial stock: {ex.Message}", ex);
        }

        if (products is null || products.Count == 0)
        {
            throw new InvalidOperationException($"Inventory:CatalogueFile: the catalogue '{path}' lists no SKU");
        }

        foreach (var (sku, stock) in products)
        {
            if (!SkuFormat().IsMatch(sku) || sku != sku.Trim())
            {
                throw new InvalidOperationException($"Inventory:CatalogueFile: '{path}' has the invalid SKU '{sku}' (1 to {BioDapr.Contracts.Products.MaxSkuLength} characters, no control characters, no / \\ ? # %, no surrounding spaces)");
            }

            if (stock < 0)
            {
                throw new InvalidOperationException($"Inventory:CatalogueFile: '{path}' gives SKU '{sku}' the negative stock {stock}");
            }
        }

        return new ProductCatalogue(products);
    }

    [GeneratedRegex(BioDapr.Contracts.Products.SkuPattern)]
    private static partial Regex SkuFormat();
}
