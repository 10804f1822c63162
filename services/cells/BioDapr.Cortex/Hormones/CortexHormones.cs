using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cortex.Hormones;

/// <summary>The cortex's own hormones (<c>cortex.*</c> in the configuration store), applied live.</summary>
public sealed record CortexHormones : IValidatableObject
{
    /// <summary>The controller names <see cref="Controller"/> accepts.</summary>
    public static IReadOnlyList<string> Controllers { get; } = ["agent", "gradient2", "gradient2-tuned", "aimd", "aimd-tuned"];

    /// <summary><c>cortex.freeze</c>: true stops every hormone change the cortex would make (it keeps watching and auditing nothing).</summary>
    public bool Freeze { get; init; }

    /// <summary>
    /// <c>cortex.controller</c>: who decides, behind the same guardrails: <c>agent</c> (the trained policy,
    /// the default), or one of the classic adaptive limiters with Netflix's defaults (<c>gradient2</c>,
    /// <c>aimd</c>) or with the floor tuned in the simulator (<c>gradient2-tuned</c>, <c>aimd-tuned</c>).
    /// Switching starts the new controller from the hormones in force.
    /// </summary>
    public string Controller { get; init; } = "agent";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Controllers.Contains(Controller))
        {
            yield return new ValidationResult($"'{Controller}' is not a controller; use one of {string.Join(", ", Controllers)}", [nameof(Controller)]);
        }
    }
}
