using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// Who is calling: the one seam where a request's credentials become a <see cref="ClientIdentity"/> (or a refusal with its
/// reason), for <see cref="ClientAdmissionMiddleware"/> and whatever else judges clients. A bearer token is checked by JwtBearer
/// (<see cref="OidcTokenValidation"/>) when <see cref="ClientAuthenticationOptions.Mode"/> accepts tokens; an <c>X-Api-Key</c>
/// against <see cref="ClientKeys"/> when it accepts keys. Every refused token is logged with its reason (never the token).
/// </summary>
public sealed partial class ClientAuthenticator(ClientKeys keys, IOptions<ClientAuthenticationOptions> options, ILogger<ClientAuthenticator> logger)
{
    /// <summary>Resolves the request's client, or says why not.</summary>
    public async ValueTask<ClientAuthentication> AuthenticateAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.Value;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return ClientAuthentication.Refused("Only bearer tokens are accepted in the Authorization header.", null);
            }

            if (!settings.AcceptsTokens)
            {
                return ClientAuthentication.Refused("This gateway does not accept bearer tokens; send the client's X-Api-Key.", null);
            }

            var result = await context.AuthenticateAsync(OidcTokenValidation.Scheme);
            string reason;
            if (result.Succeeded)
            {
                if (OidcTokenValidation.IdentityOf(result.Principal!, out var problem) is { } identity)
                {
                    return ClientAuthentication.Admitted(identity);
                }

                reason = problem!;
            }
            else
            {
                reason = OidcTokenValidation.Describe(result.Failure, authorization["Bearer ".Length..].Trim());
            }

            LogTokenRefused(logger, Address(context), reason);
            return ClientAuthentication.Refused($"The access token was refused: {reason}.", $"Bearer error=\"invalid_token\", error_description=\"{reason.Replace('"', '\'')}\"");
        }

        var apiKey = context.Request.Headers["X-Api-Key"].ToString();
        if (apiKey.Length > 0 && settings.AcceptsKeys)
        {
            return keys.Identify(apiKey) is { } client
                ? ClientAuthentication.Admitted(new ClientIdentity(client))
                : ClientAuthentication.Refused("A valid X-Api-Key header is required.", null);
        }

        return settings.Mode switch
        {
            ClientAuthenticationMode.Keys => ClientAuthentication.Refused("A valid X-Api-Key header is required.", null),
            ClientAuthenticationMode.Oidc => ClientAuthentication.Refused("An access token is required (Authorization: Bearer); this gateway does not accept API keys.", "Bearer"),
            _ => ClientAuthentication.Refused("A valid X-Api-Key header or access token (Authorization: Bearer) is required.", "Bearer"),
        };
    }

    /// <summary>The source address rates of unauthenticated requests are kept per.</summary>
    public static string Address(HttpContext context) => context?.Connection.RemoteIpAddress?.MapToIPv6().ToString() ?? "unknown";

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Refused an access token from {Address}: {Reason}")]
    private static partial void LogTokenRefused(ILogger logger, string address, string reason);
}

/// <summary>The outcome of <see cref="ClientAuthenticator.AuthenticateAsync"/>.</summary>
/// <param name="Identity">The client, or null when refused.</param>
/// <param name="Failure">Why the request was refused (for the 401 answer).</param>
/// <param name="Challenge">The <c>WWW-Authenticate</c> header of the 401 answer, or null.</param>
public sealed record ClientAuthentication(ClientIdentity? Identity, string? Failure, string? Challenge)
{
    /// <summary>An admitted client.</summary>
    public static ClientAuthentication Admitted(ClientIdentity identity) => new(identity, null, null);

    /// <summary>A refusal.</summary>
    public static ClientAuthentication Refused(string failure, string? challenge) => new(null, failure, challenge);
}

/// <summary>Registers the clients' authentication.</summary>
public static class ClientAuthenticationExtensions
{
    /// <summary>
    /// <see cref="ClientAuthenticator"/> with its API keys (<see cref="ClientKeys"/>) and, for access tokens, JwtBearer set up by
    /// <see cref="OidcTokenValidation"/> from <c>Gateway:Authentication</c> (validated at start: a cell with a bad setting does not start).
    /// </summary>
    public static IServiceCollection AddClientAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<ClientKeys>();
        services.AddOptions<ClientAuthenticationOptions>().Bind(configuration.GetSection(ClientAuthenticationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication().AddJwtBearer(OidcTokenValidation.Scheme, _ => { });
        services.AddOptions<JwtBearerOptions>(OidcTokenValidation.Scheme)
            .Configure<IOptions<ClientAuthenticationOptions>>((jwt, authentication) => OidcTokenValidation.Configure(jwt, authentication.Value.Oidc));
        services.TryAddSingleton<ClientAuthenticator>();
        return services;
    }
}
