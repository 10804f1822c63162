using System.Diagnostics;

namespace BioDapr.Launcher;

/// <summary>
/// The TypeScript shipping cell (services/cells/shipping) as the organism runs it: its npm dependencies installed from the
/// committed lockfile (<c>npm ci</c>, only when missing) and its TypeScript compiled (<c>npm run build</c>) when its
/// output is missing or older than a source, at most once per process.
/// </summary>
public static class ShippingCell
{
    private static readonly Lock Gate = new();
    private static string? _built;

    /// <summary>The cell's directory in the repository.</summary>
    public static string Directory => Path.Combine(LocalOrganism.RepositoryRoot, "services", "cells", "shipping");

    /// <summary>Installs and compiles the cell if needed; returns its entry point (for <c>node</c>).</summary>
    public static string Build()
    {
        lock (Gate)
        {
            if (_built is null)
            {
                if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@dapr", "dapr")))
                {
                    Npm("ci", "--no-audit", "--no-fund");
                }

                var entryPoint = Path.Combine(Directory, "dist", "src", "main.js");
                // ./biodapr test has just compiled it (npm test); a compile costs tens of seconds on a loaded machine.
                if (!IsUpToDate(entryPoint))
                {
                    Npm("run", "build");
                }

                _built = entryPoint;
            }

            return _built;
        }
    }

    // Up to date when the entry point is newer than every input of the compile: the sources, the compiler's settings and
    // the locked dependencies (their types). A missing entry point or dist/ is never up to date.
    private static bool IsUpToDate(string entryPoint)
    {
        if (!File.Exists(entryPoint))
        {
            return false;
        }

        var compiled = File.GetLastWriteTimeUtc(entryPoint);
        var inputs = System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "src"), "*.ts", SearchOption.AllDirectories)
            .Append(Path.Combine(Directory, "tsconfig.json"))
            .Append(Path.Combine(Directory, "package-lock.json"));
        return inputs.All(input => File.GetLastWriteTimeUtc(input) < compiled);
    }

    private static void Npm(params string[] arguments)
    {
        var start = new ProcessStartInfo("npm") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm could not be started (is Node.js installed?)");
        var output = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm {string.Join(' ', arguments)} failed in {Directory} (exit {npm.ExitCode}):\n{output.Result}\n{errors}");
        }
    }
}
