using Microsoft.AspNetCore.Builder;

namespace BioDapr.Cell.Immune;

/// <summary>Marks endpoints that do not require the sidecar's app token.</summary>
public static class SidecarTokenExtensions
{
    /// <summary>The endpoint is public (called directly by clients), so <c>APP_API_TOKEN</c> is not required.</summary>
    public static TBuilder AllowWithoutSidecarToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowWithoutSidecarTokenAttribute());
}
