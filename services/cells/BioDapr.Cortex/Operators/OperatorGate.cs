using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Operators;

/// <summary>
/// Lets a request to an operator action through only with an operator's key in <c>X-Operator-Key</c> (the
/// <see cref="OperatorKeys"/>). It runs in front of the endpoint's own request delegate, so before the body is read or
/// bound: an anonymous caller learns nothing about the body's checks. The operator's name is then in
/// <see cref="OperatorEndpointExtensions.OperatorOf"/>. Refusals are ProblemDetails that say what is wrong: no operator
/// keys configured at all (403: never open by default), no key (401), a key that is not an operator's (403, logged
/// without the key).
/// </summary>
/// <param name="action">What the endpoint does, as the refusals name it (<c>switching a pathogen</c>).</param>
public sealed partial class OperatorGate(string action)
{
    /// <summary>What the endpoint does, as the refusals name it.</summary>
    public string Action { get; } = action;

    /// <summary>Runs <paramref name="next"/> for an operator, or answers the refusal.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var operators = context.RequestServices.GetRequiredService<OperatorKeys>();
        if (!operators.Configured)
        {
            await Refused(StatusCodes.Status403Forbidden, $"no operator keys are configured (secret '{OperatorKeys.SecretName}' in the secret store), so {Action} is refused to everyone").ExecuteAsync(context);
            return;
        }

        var key = context.Request.Headers[OperatorKeys.Header].ToString();
        if (string.IsNullOrWhiteSpace(key))
        {
            await Refused(StatusCodes.Status401Unauthorized, $"{Action} is an operator action: send an operator's key (secret '{OperatorKeys.SecretName}') in the {OperatorKeys.Header} header").ExecuteAsync(context);
            return;
        }

        if (operators.Identify(key) is not { } name)
        {
            Log.Refused(context.RequestServices.GetRequiredService<ILogger<OperatorGate>>(), Action, context.Request.Path.Value ?? string.Empty);
            await Refused(StatusCodes.Status403Forbidden, $"the {OperatorKeys.Header} sent is not an operator's key").ExecuteAsync(context);
            return;
        }

        context.Items[OperatorEndpointExtensions.ItemKey] = name;
        await next(context);
    }

    private static ProblemHttpResult Refused(int status, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "Operator key required" : "Not an operator");

    private static partial class Log
    {
        [LoggerMessage(EventId = 631, Level = LogLevel.Warning, Message = "{Action} ({Path}) with a key that is not an operator's was refused")]
        public static partial void Refused(ILogger logger, string action, string path);
    }
}
