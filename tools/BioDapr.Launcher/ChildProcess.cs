using System.Diagnostics;
using System.Text;

namespace BioDapr.Launcher;

/// <summary>
/// A <c>dotnet</c> process of a sibling project's build output (a cell, the development sidecar), killable with
/// SIGKILL, its output kept for failure messages. Tests, tools and benchmarks start the organism's parts with it.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The operating system's process id (for signals).</summary>
    public int Id => _process.Id;

    /// <summary>What the process wrote so far, standard output and error interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="project"/>'s build output with <c>dotnet</c>, in its output folder.</summary>
    public static ChildProcess Start(string project, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var built = Built(project);
        // In the build output, as `dotnet run` would: the app finds its appsettings.json and content files there.
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(built)! };
        start.ArgumentList.Add(built);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{project} did not start");
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: no graceful stop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Kills the process (SIGKILL) if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The build output of a sibling project (artifacts/bin/&lt;Project&gt;/&lt;configuration&gt;/&lt;Project&gt;.dll), built in the caller's configuration.</summary>
    public static string Built(string project)
    {
        var configurationDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var path = Path.Combine(configurationDirectory.Parent!.Parent!.FullName, project, configurationDirectory.Name, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{project} is not built at {path}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
