using Microsoft.AspNetCore.Builder;

namespace BioDapr.Cell.Immune;

/// <summary>Marks endpoints as the cell's public API.</summary>
public static class PublicApiExtensions
{
    /// <summary>
    /// The endpoint is public (called by clients directly): served on the public port only, without the
    /// sidecar's <c>APP_API_TOKEN</c>. Endpoints without this mark are Dapr callbacks: served on the app
    /// port only, and only with the token when one is set.
    /// </summary>
    public static TBuilder PublicApi<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PublicApiAttribute());
}
