using System.Diagnostics;
using System.Reflection;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>Starts sidecars as this same program in daprd mode (or another executable, for tests).</summary>
internal sealed class SidecarLauncher(string executable, IReadOnlyList<string> prefixArguments)
{
    /// <summary>This program: the apphost, or <c>dotnet BioDapr.Sidecar.dll</c>.</summary>
    public static SidecarLauncher Self()
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var assembly = Assembly.GetEntryAssembly()?.Location;
        var isDotnetHost = Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return isDotnetHost && assembly is { Length: > 0 }
            ? new SidecarLauncher(processPath, [assembly])
            : new SidecarLauncher(processPath, []);
    }

    /// <summary>The process that starts the sidecar of <paramref name="app"/>: working directory = the app's, as the CLI does.</summary>
    public ProcessStartInfo CreateStartInfo(AppRunPlan app)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = app.AppDirPath };
        foreach (var argument in prefixArguments.Concat(app.SidecarArguments))
        {
            start.ArgumentList.Add(argument);
        }

        // As the CLI: the sidecar gets the runner's environment plus DAPR_HOST_IP, not the app's env map;
        // and the run's credentials for this sidecar.
        start.Environment["DAPR_HOST_IP"] = "127.0.0.1";
        // The development sidecar is .NET too: its first requests should not run unoptimised code for a minute.
        RuntimeSettings.ApplyTo(start.Environment);
        foreach (var (name, value) in app.SidecarEnvironment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
