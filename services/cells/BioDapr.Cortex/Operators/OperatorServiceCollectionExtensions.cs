using BioDapr.Cell.Secrets;

namespace BioDapr.Cortex.Operators;

/// <summary>Registers the operators' identities.</summary>
public static class OperatorServiceCollectionExtensions
{
    /// <summary>
    /// The operator keys (secret <c>cortex-operator-keys</c>, optional: without it the cortex starts, and refuses every
    /// operator action saying why).
    /// </summary>
    public static WebApplicationBuilder AddCortexOperators(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The literal secret name: the deployment tests read it from here to check the cortex may read exactly it.
        builder.Configuration.AddDaprSecretStore("secretstore", ["cortex-operator-keys"], optional: true);
        builder.Services.AddSingleton<OperatorKeys>();
        return builder;
    }
}
