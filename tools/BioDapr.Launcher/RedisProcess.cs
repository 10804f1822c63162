using System.Diagnostics;
using System.Net.Sockets;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Launcher;

/// <summary>
/// A real <c>redis-server</c> started on a free loopback port in a temporary directory, with
/// persistence off (or, with <see cref="AppendOnly"/>, an append-only file fsynced on every write, so a
/// restart keeps every acknowledged write). Use it as an xunit class or assembly fixture; it is
/// stopped and its directory deleted on dispose. <see cref="RestartAsync"/> stops and starts it again on
/// the same port, as an operator restarting the store would: settings made at run time with
/// <c>CONFIG SET</c> (keyspace notifications, for one) are lost, data survives only with the AOF.
/// Start it with <see cref="StartAsync"/>; dispose it to stop it (the tests use it as an xunit fixture through
/// BioDapr.Testing's RedisServer).
/// </summary>
public class RedisProcess : IAsyncDisposable
{
    private Process? _process;
    private string? _directory;

    /// <summary>
    /// Keep an append-only file fsynced on every write (set before <see cref="StartAsync"/>); off by
    /// default (no persistence at all).
    /// </summary>
    public bool AppendOnly { get; init; }

    /// <summary>The port the server listens on (valid after <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The server's process id while it runs (null before start and after stop).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>The address in Dapr's <c>redisHost</c> form.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Starts the server on a free port; returns once it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException(
                "redis-server was not found on PATH. Install it (Debian: apt-get install -y redis-server) or run ./biodapr test, which installs it.");
        _directory = Directory.CreateTempSubdirectory("biodapr-redis-").FullName;

        for (var attempt = 0; ; attempt++)
        {
            Port = LoopbackPorts.Next();
            Start(executable);
            if (await WaitForPortAsync(Port, TimeSpan.FromSeconds(10), cancellationToken))
            {
                return;
            }

            Kill();
            if (attempt == 2)
            {
                throw new InvalidOperationException($"redis-server did not accept connections on port {Port} within 10 s.");
            }
        }
    }

    /// <summary>
    /// Stops the server as <c>SIGTERM</c> does (the AOF is flushed, clients are disconnected) and starts it
    /// again on the same port and directory; returns once it accepts connections.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var process = _process ?? throw new InvalidOperationException("the server is not running");
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        process.Dispose();
        _process = null;
        Start(FindExecutable()!);
        if (!await WaitForPortAsync(Port, TimeSpan.FromSeconds(30), cancellationToken))
        {
            throw new InvalidOperationException($"redis-server did not accept connections again on port {Port} within 30 s.");
        }
    }

    /// <summary>Stops the server and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        Kill();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by the dying process; the temp directory is cleaned by the OS.
            }
        }

        await Task.CompletedTask;
    }

    private void Start(string executable)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = AppendOnly
            ? ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
            : ["--save", "", "--appendonly", "no"];
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1" }
            .Concat(persistence)
            .Concat(["--dir", _directory!, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"]))
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    private static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(20, cancellationToken);
            }
        }

        return false;
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin").Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }
}
