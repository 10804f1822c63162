using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Control.Learning;
using BioDapr.Cortex.Hormones;
using BioDapr.Cell.Hormones;
using BioDapr.Pathways.Hormones;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Agents;

/// <summary>Options of the cortex (configuration section <c>Cortex</c>).</summary>
public sealed class CortexOptions
{
    /// <summary>The trained weights (a <c>biodapr-policy/1</c> file), relative to the content root.</summary>
    public string PolicyPath { get; set; } = "policy/cortex-policy.json";

    /// <summary>The floor of the safe controller (Gradient2) the guardrails fall back to, and of the tuned classic controllers.</summary>
    public int SafeFloor { get; set; } = 20;

    /// <summary>Audit records kept per pathway (oldest dropped first).</summary>
    public int AuditCapacity { get; set; } = 1_000;

    /// <summary>The guardrails.</summary>
    public GuardrailSettings Guardrails { get; set; } = new();

    /// <summary>How many windows the cortex watches before acting on a pathway, and how its cuts grow back.</summary>
    public BaselineOptions Baseline { get; set; } = new();
}

/// <summary>
/// The cortex's decision maker, shared by every pathway actor: the controller named by the
/// <c>cortex.controller</c> hormone (the trained agent by default) behind the guardrails (bounds, maximum
/// step, the <c>cortex.freeze</c> hormone, fallback to Gradient2). Decisions are serialized (they take
/// microseconds); each pathway's memory and guard state are restored from its actor before a decision
/// and handed back after it, so they survive deactivation and restarts.
/// </summary>
public sealed class CortexBrain
{
    private readonly Lock _gate = new();
    private readonly LearningController _agent;
    private readonly Dictionary<string, GuardedController> _controllers = new(StringComparer.Ordinal);
    private readonly List<HormoneChange> _changes = [];
    private readonly IHormones<CortexHormones> _hormones;

    /// <summary>Loads the policy and builds the guarded controllers.</summary>
    public CortexBrain(IOptions<CortexOptions> options, IHostEnvironment environment, IHormones<CortexHormones> hormones, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(hormones);
        var settings = options.Value;
        var errors = settings.Guardrails.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException("Cortex:Guardrails", typeof(GuardrailSettings), errors);
        }

        // Relative paths: the content root (dotnet run in the project), else next to the binaries (the file ships in the output).
        PolicyPath = Path.IsPathRooted(settings.PolicyPath) ? settings.PolicyPath
            : File.Exists(Path.Combine(environment.ContentRootPath, settings.PolicyPath)) ? Path.Combine(environment.ContentRootPath, settings.PolicyPath)
            : Path.Combine(AppContext.BaseDirectory, settings.PolicyPath);
        var (model, provenance) = PolicyFile.Load(PolicyPath);
        Provenance = provenance;
        _hormones = hormones;
        _agent = new LearningController(model, "cortex");
        Safe = new Gradient2Controller("gradient2-safe") { MinLimit = settings.SafeFloor };
        Frozen = () => hormones.Current.Freeze;
        IPathwayController[] primaries =
        [
            _agent,
            new Gradient2Controller("gradient2"),
            new Gradient2Controller("gradient2-tuned") { MinLimit = settings.SafeFloor },
            new AimdController("aimd"),
            new AimdController("aimd-tuned") { MinLimit = settings.SafeFloor },
        ];
        foreach (var (name, primary) in CortexHormones.Controllers.Zip(primaries))
        {
            _controllers[name] = new GuardedController(primary, Safe, settings.Guardrails, Frozen, _changes.Add, time);
        }
    }

    /// <summary>Where the weights came from.</summary>
    public string PolicyPath { get; }

    /// <summary>How the weights were trained.</summary>
    public PolicyProvenance Provenance { get; }

    /// <summary>The controller the guardrails fall back to.</summary>
    public IPathwayController Safe { get; }

    /// <summary>Whether <c>cortex.freeze</c> is on.</summary>
    public Func<bool> Frozen { get; }

    /// <summary>The controller deciding now (<c>cortex.controller</c>).</summary>
    public string Controller => _controllers.ContainsKey(_hormones.Current.Controller) ? _hormones.Current.Controller : CortexHormones.Controllers[0];

    /// <summary>
    /// One decision for <paramref name="pathway"/> by <paramref name="controller"/>: the next hormones, the
    /// audit records, and the state to keep (the agent's memory is null for the classic controllers).
    /// </summary>
    public (PathwayHormones Next, IReadOnlyList<HormoneChange> Changes, AgentMemory? Memory, GuardState Guard) Decide(string controller, string pathway, PathwayWindow window, PathwayHormones current, AgentMemory? memory, GuardState? guard)
    {
        var guarded = _controllers.TryGetValue(controller, out var found)
            ? found
            : throw new ArgumentException($"unknown controller '{controller}' (known: {string.Join(", ", CortexHormones.Controllers)})", nameof(controller));
        lock (_gate)
        {
            _changes.Clear();
            var isAgent = controller == CortexHormones.Controllers[0];
            if (isAgent && memory is not null)
            {
                _agent.Restore(pathway, memory);
            }

            if (guard is not null)
            {
                guarded.Restore(pathway, guard);
            }

            var next = guarded.Decide(pathway, window, current);
            return (next, [.. _changes], isAgent ? _agent.MemoryOf(pathway) : null, guarded.StateOf(pathway));
        }
    }
}
