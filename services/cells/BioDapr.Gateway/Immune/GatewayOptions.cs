using System.ComponentModel.DataAnnotations;

namespace BioDapr.Gateway.Immune;

/// <summary>The gateway's fixed limits (configuration section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>The documented body limit of the public API: 16 KiB (an order is well under 1 KiB).</summary>
    public const int DefaultMaxBodyBytes = 16 * 1024;

    /// <summary>The largest request body the public API accepts; larger bodies get 413 before anything else reads them.</summary>
    [Range(256, 4 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;
}
