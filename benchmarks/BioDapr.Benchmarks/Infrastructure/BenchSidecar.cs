using System.Diagnostics;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>The development sidecar as its own process (as in production), started from its build output.</summary>
internal sealed class BenchSidecar : IDisposable
{
    private readonly Process _process;

    private BenchSidecar(Process process, int httpPort, int grpcPort)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    /// <summary>CPU time the sidecar process used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static Task<BenchSidecar> StartAsync(string appId, int? appPort, string resourcesDirectory) =>
        StartAsync(appId, appPort, resourcesDirectory, configFile: null, environment: null, nameResolutionDirectory: null);

    /// <summary>
    /// A sidecar with a --config file, extra environment variables and a given name-resolution directory. With
    /// <paramref name="waitForApp"/> false it is ready once its outbound API is (for apps that wait for the sidecar
    /// before they listen, as a cell on the Dapr SDK does).
    /// </summary>
    public static async Task<BenchSidecar> StartAsync(
        string appId, int? appPort, string resourcesDirectory, string? configFile, IReadOnlyDictionary<string, string>? environment, string? nameResolutionDirectory, bool waitForApp = true)
    {
        var httpPort = BenchRedis.FreePort();
        var grpcPort = BenchRedis.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var arguments = new List<string>
        {
            SidecarDll(), "--app-id", appId, "--app-port", (appPort ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dapr-http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dapr-grpc-port", grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dapr-internal-grpc-port", BenchRedis.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--resources-path", resourcesDirectory, "--log-level", "warn",
        };
        if (configFile is not null)
        {
            arguments.AddRange(["--config", configFile]);
        }

        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["BIODAPR_NAME_RESOLUTION_DIR"] = nameResolutionDirectory ?? Path.Combine(resourcesDirectory, "nr");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("  [sidecar] " + e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("  [sidecar] " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{httpPort}/v1.0/healthz{(waitForApp ? "" : "/outbound")}")).StatusCode == System.Net.HttpStatusCode.NoContent)
                {
                    return new BenchSidecar(process, httpPort, grpcPort);
                }
            }
            catch (HttpRequestException)
            {
                // Starting.
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("the sidecar did not become ready");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private static string SidecarDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var path = Path.Combine(here.Parent!.Parent!.FullName, "BioDapr.Sidecar", here.Name, "BioDapr.Sidecar.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the sidecar first", path);
    }
}
