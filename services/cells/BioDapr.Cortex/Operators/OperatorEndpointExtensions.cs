namespace BioDapr.Cortex.Operators;

/// <summary>Marks endpoints as operator actions: they change the organism, so they need an operator's key.</summary>
public static class OperatorEndpointExtensions
{
    internal const string ItemKey = "biodapr.operator";

    /// <summary>
    /// Only an operator may call the endpoint (<c>X-Operator-Key</c> from the secret <c>cortex-operator-keys</c>); the
    /// refusals name <paramref name="action"/> (a gerund phrase: <c>adopting an evolved policy</c>). The check wraps the
    /// endpoint's request delegate once it is built (an endpoint filter would run only after the body was bound, and a
    /// malformed body would be answered 400 to anyone), and the <see cref="OperatorGate"/> is in the endpoint's metadata.
    /// </summary>
    public static RouteHandlerBuilder RequireOperator(this RouteHandlerBuilder builder, string action)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        var gate = new OperatorGate(action);
        builder.WithMetadata(gate);
        builder.Finally(endpoint =>
        {
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException($"{endpoint.DisplayName} has no request delegate to guard");
            endpoint.RequestDelegate = context => gate.InvokeAsync(context, inner);
        });
        return builder
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    /// <summary>The operator whose key let the request through (<see cref="RequireOperator"/>), or null.</summary>
    public static string? OperatorOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var name) ? name as string : null;
    }
}
