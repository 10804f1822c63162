using System.Diagnostics;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// One process started by the runner (an app or a sidecar): its output lines go to the console with
/// the Dapr CLI's prefix and/or to its log file, the last lines are kept for error messages, and it
/// can be stopped gracefully (SIGTERM to the tree, then SIGKILL after a grace period).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 30;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly StreamWriter? _logFile;
    private readonly TextWriter? _console;
    private readonly string _prefix;
    private readonly Lock _lock = new();

    private ChildProcess(Process process, string prefix, TextWriter? console, StreamWriter? logFile)
    {
        _process = process;
        _prefix = prefix;
        _console = console;
        _logFile = logFile;
    }

    public int Id => _process.Id;

    /// <summary>
    /// True once the process has exited and its output has been read to the end, so <see cref="Tail"/>
    /// holds its last words (the OS reports the exit before the pipe is drained).
    /// </summary>
    public bool HasExited => Exited.IsCompleted;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes when the process exits.</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    /// <summary>The last lines the process wrote.</summary>
    public IReadOnlyList<string> Tail
    {
        get
        {
            lock (_lock)
            {
                return [.. _tail];
            }
        }
    }

    public static ChildProcess Start(ProcessStartInfo start, string prefix, TextWriter? console, string? logPath)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        StreamWriter? logFile = null;
        if (logPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            logFile = new StreamWriter(logPath, append: false) { AutoFlush = true };
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, prefix, console, logFile);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            logFile?.Dispose();
            process.Dispose();
            throw new InvalidOperationException($"cannot start '{start.FileName}': {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.Exited = exited.Task.ContinueWith(_ => process.WaitForExitAsync(), TaskScheduler.Default).Unwrap();
        return child;
    }

    /// <summary>SIGTERM to the process tree; SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        ProcessTree.Terminate(_process.Id);
        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
        {
            ProcessTree.Kill(_process.Id);
            await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        lock (_lock)
        {
            _logFile?.Dispose();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _tail.Enqueue(line);
            if (_tail.Count > KeptLines)
            {
                _tail.Dequeue();
            }

            _logFile?.WriteLine(line);
            _console?.WriteLine(_prefix + line);
        }
    }
}
