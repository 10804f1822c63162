namespace BioDapr.Sidecar.Cli;

/// <summary>Process exit codes of the sidecar, matching daprd where daprd defines one.</summary>
internal static class ExitCodes
{
    /// <summary>Normal shutdown, or <c>--help</c>/<c>--version</c>.</summary>
    public const int Success = 0;

    /// <summary>The runtime failed (startup error, fatal component error, forced shutdown).</summary>
    public const int RuntimeError = 1;

    /// <summary>The command line is invalid (daprd's flag parser exits with 2 too).</summary>
    public const int UsageError = 2;
}
