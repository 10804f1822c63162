using System.Diagnostics;
using System.Net.Sockets;
using Xunit;

namespace BioDapr.Testing;

/// <summary>
/// A real <c>redis-server</c> started on a free loopback port in a temporary directory, with
/// persistence off. Use it as an xunit class or assembly fixture; it is stopped and its
/// directory deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private string? _directory;

    /// <summary>The port the server listens on (valid after <see cref="InitializeAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The address in Dapr's <c>redisHost</c> form.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException(
                "redis-server was not found on PATH. Install it (Debian: apt-get install -y redis-server) or run ./biodapr test, which installs it.");
        _directory = Directory.CreateTempSubdirectory("biodapr-redis-").FullName;

        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort.Next();
            var start = new ProcessStartInfo(executable)
            {
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", _directory, "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
            })
            {
                start.ArgumentList.Add(arg);
            }

            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            if (await WaitForPortAsync(Port, TimeSpan.FromSeconds(10)))
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

    /// <summary>Runs <c>redis-cli</c>-free raw commands is out of scope; tests use BioDapr.Redis or a socket.</summary>
    public async ValueTask DisposeAsync()
    {
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

    private static async Task<bool> WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
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
