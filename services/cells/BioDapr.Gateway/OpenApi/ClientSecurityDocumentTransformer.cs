using BioDapr.Gateway.Immune;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace BioDapr.Gateway.OpenApi;

/// <summary>
/// Declares how clients authenticate in this environment (<see cref="ClientAuthenticationOptions.Mode"/>): the API key scheme
/// (<c>X-Api-Key</c> header) and the OpenID Connect scheme (the provider's discovery document; each operation lists the scope it
/// needs), and requires one of them on every operation of the clients' API, so generated clients send credentials and readers
/// see what each call needs.
/// </summary>
internal sealed class ClientSecurityDocumentTransformer(IOptions<ClientAuthenticationOptions> options) : IOpenApiDocumentTransformer
{
    /// <summary>The API key scheme's name in the document.</summary>
    public const string ApiKeySchemeName = "ApiKey";

    /// <summary>The OpenID Connect scheme's name in the document.</summary>
    public const string OidcSchemeName = "OpenIdConnect";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        if (settings.AcceptsKeys)
        {
            document.Components.SecuritySchemes[ApiKeySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "The client's API key (from the gateway-api-keys secret); it may call every operation. Missing or unknown: 401; more than 5/s per address without valid credentials: 429.",
            };
        }

        if (settings.AcceptsTokens)
        {
            document.Components.SecuritySchemes[OidcSchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OpenIdConnect,
                OpenIdConnectUrl = new Uri(settings.Oidc.Authority!.TrimEnd('/') + "/.well-known/openid-configuration"),
                Description = $"An access token from the provider (client credentials), for the audience {settings.Oidc.Audience}, sent as Authorization: Bearer. Each operation needs its scope ({string.Join(", ", ClientScopes.All.Keys)}): without it 403; an invalid, expired or foreign token: 401.",
            };
        }

        var scopes = context.DescriptionGroups.SelectMany(group => group.Items)
            .Where(description => description.RelativePath is not null && description.HttpMethod is not null)
            .ToDictionary(
                description => ("/" + description.RelativePath!.TrimStart('/'), description.HttpMethod!.ToUpperInvariant()),
                description => description.ActionDescriptor.EndpointMetadata.OfType<RequiredClientScope>().LastOrDefault()?.Scope);
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var (method, operation) in item.Operations)
            {
                operation.Security ??= [];
                if (settings.AcceptsKeys)
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeySchemeName, document)] = [] });
                }

                if (settings.AcceptsTokens)
                {
                    var scope = scopes.GetValueOrDefault((path, method.ToString().ToUpperInvariant()));
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OidcSchemeName, document)] = scope is null ? [] : [scope] });
                }
            }
        }

        return Task.CompletedTask;
    }
}
