using System.ComponentModel.DataAnnotations;

namespace BioDapr.Inventory.Catalogue;

/// <summary>Where the product catalogue comes from (configuration section <c>Inventory</c>).</summary>
public sealed class CatalogueOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Inventory";

    /// <summary>The catalogue shipped with the cell, next to its binaries.</summary>
    public const string DefaultCatalogueFile = "catalogue.json";

    /// <summary>
    /// A JSON object mapping each SKU to its initial stock (<c>{"apple": 1000000, "café": 500}</c>). A relative path
    /// is looked up in the content root, then next to the cell's binaries.
    /// </summary>
    [Required]
    public string CatalogueFile { get; set; } = DefaultCatalogueFile;
}
