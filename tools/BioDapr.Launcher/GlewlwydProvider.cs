using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Launcher;

/// <summary>
/// A real OpenID Connect provider as its own process: glewlwyd (Debian package <c>glewlwyd</c>) on a loopback port, with a
/// SQLite database in its own directory. <see cref="StartAsync"/> creates the database from the package's schema, starts the
/// server, and configures it through its admin API: the scopes <c>orders:place</c> and <c>orders:read</c>, an OpenID Connect
/// plugin (<c>oidc</c>) signing RS256 access tokens with a generated key, issued for the audience <see cref="Audience"/> (the
/// token request's <c>resource</c>, RFC 8707), and the machine clients of <see cref="Clients"/> (client credentials only).
/// <see cref="RotateKeyAsync"/> rotates the signing key as an operator would (the new key signs, the old one stays published).
/// With a <see cref="DataDirectory"/> that already holds a configured database, the provider is started as it was left.
/// Dispose stops the server (unless <see cref="Detach"/>) and deletes a temporary directory.
/// </summary>
public sealed class GlewlwydProvider : IAsyncDisposable
{
    /// <summary>The audience (resource indicator) the gateway's tokens are issued for.</summary>
    public const string Audience = "https://api.biodapr.local";

    /// <summary>The scopes of the organism's API.</summary>
    public static IReadOnlyList<string> Scopes { get; } = ["orders:place", "orders:read"];

    private const string SchemaFile = "/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3";
    private const string PluginName = "oidc";
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();
    private Process? _process;
    private string? _directory;
    private List<JsonObject> _keys = [];

    /// <summary>A provider on a free port in a temporary directory (or as set with the init properties).</summary>
    public GlewlwydProvider()
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = _cookies, UseCookies = true }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The port (0: a free one, picked at start).</summary>
    public int Port { get; private set; }

    /// <summary>The port to listen on (0, the default: a free loopback port).</summary>
    public int RequestedPort { get; init; }

    /// <summary>Where the database, configuration and log live (null, the default: a temporary directory deleted on dispose).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Leave the server running after dispose (as <c>./biodapr up</c> does); its log goes to <c>glewlwyd.log</c> in the data directory.</summary>
    public bool Detach { get; init; }

    /// <summary>The machine clients to register (client id → scopes); each gets a generated secret (<see cref="Secrets"/>).</summary>
    public Dictionary<string, string[]> Clients { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Each client's secret (after <see cref="StartAsync"/>).</summary>
    public IReadOnlyDictionary<string, string> Secrets => _secrets;

    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);

    /// <summary>The issuer: tokens carry it as <c>iss</c>; its discovery document is <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/api/{PluginName}";

    /// <summary>The token endpoint.</summary>
    public string TokenEndpoint => Issuer + "/token";

    /// <summary>The key that signs tokens now (its <c>kid</c> and private key): tests sign hostile tokens with it.</summary>
    public (string Kid, RSA Key) SigningKey => (_keys[0]["kid"]!.GetValue<string>(), ToRsa(_keys[0]));

    /// <summary>What the server printed (when not detached).</summary>
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

    /// <summary>True when glewlwyd is installed here.</summary>
    public static bool IsInstalled => FindExecutable() is not null && File.Exists(SchemaFile);

    /// <summary>Starts (or restarts) the server and configures it; returns once it issues tokens.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException("glewlwyd was not found on PATH. Install it (Debian: apt-get install -y glewlwyd) or run ./biodapr test, which installs it.");
        var directory = DataDirectory ?? Directory.CreateTempSubdirectory("biodapr-oidc-").FullName;
        _directory = directory;
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "glewlwyd.sqlite3");
        var state = Path.Combine(directory, "provider.json");
        var configured = File.Exists(database) && File.Exists(state);
        var savedPort = 0;
        if (configured)
        {
            var saved = JsonNode.Parse(await File.ReadAllTextAsync(state, cancellationToken))!.AsObject();
            savedPort = saved["port"]!.GetValue<int>();
            Port = RequestedPort != 0 ? RequestedPort : savedPort;
            _keys = saved["keys"]!.AsArray().Select(k => k!.AsObject()).ToList();
            foreach (var (id, secret) in saved["secrets"]!.AsObject())
            {
                _secrets[id] = secret!.GetValue<string>();
            }
        }
        else
        {
            File.Delete(database);
            await RunAsync("sqlite3", [database], await File.ReadAllTextAsync(SchemaFile, cancellationToken), cancellationToken);
            Port = RequestedPort != 0 ? RequestedPort : LoopbackPorts.Next();
            _keys = [NewKey()];
        }

        var config = Path.Combine(directory, "glewlwyd.conf");
        if (!(configured && Port == savedPort && await AnswersAsync(cancellationToken)))
        {
            await File.WriteAllTextAsync(config, Configuration(database, Detach ? Path.Combine(directory, "glewlwyd.log") : null), cancellationToken);
            Start(executable, config, directory);
            await WaitForServerAsync(cancellationToken);
        }

        await LoginAsync(cancellationToken);
        if (!configured || Port != savedPort)
        {
            if (!configured)
            {
                foreach (var scope in Scopes)
                {
                    await AdminAsync(HttpMethod.Post, "scope/", new JsonObject { ["name"] = scope, ["display_name"] = scope, ["description"] = "BioDapr API: " + scope, ["password_required"] = false }, cancellationToken);
                }
            }

            await SavePluginAsync(added: configured, cancellationToken);
        }

        foreach (var (client, scopes) in Clients)
        {
            if (_secrets.ContainsKey(client))
            {
                continue;
            }

            var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            await AdminAsync(HttpMethod.Post, "client/", new JsonObject
            {
                ["client_id"] = client,
                ["name"] = client,
                ["description"] = "BioDapr machine client",
                ["confidential"] = true,
                ["password"] = secret,
                ["enabled"] = true,
                ["authorization_type"] = new JsonArray("client_credentials"),
                ["token_endpoint_auth_method"] = new JsonArray("client_secret_basic", "client_secret_post"),
                ["scope"] = new JsonArray(scopes.Select(s => (JsonNode)s).ToArray()),
            }, cancellationToken);
            _secrets[client] = secret;
        }

        await SaveStateAsync(state, cancellationToken);
    }

    /// <summary>
    /// Rotates the signing key: a new key signs from now on, the previous one stays published (tokens it signed stay valid until
    /// they expire), older ones are dropped. Returns the new key's <c>kid</c>.
    /// </summary>
    public async Task<string> RotateKeyAsync(CancellationToken cancellationToken = default)
    {
        _keys = [NewKey(), _keys[0]];
        await SavePluginAsync(added: true, cancellationToken);
        if (DataDirectory is not null)
        {
            await SaveStateAsync(Path.Combine(DataDirectory, "provider.json"), cancellationToken);
        }

        return _keys[0]["kid"]!.GetValue<string>();
    }

    /// <summary>An access token for <paramref name="client"/> with <paramref name="scopes"/> (client credentials, for <see cref="Audience"/>).</summary>
    public async Task<string> GetTokenAsync(string client, IEnumerable<string> scopes, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = string.Join(' ', scopes),
                ["resource"] = Audience,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(client + ":" + _secrets[client])));
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the provider refused a token for {client} ({(int)response.StatusCode}): {body}");
        }

        return JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
    }

    /// <summary>Stops the server (unless detached) and deletes a temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Detach && _process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _http.Dispose();
        if (DataDirectory is null && _directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    private string Configuration(string database, string? logFile)
    {
        // Only what glewlwyd needs to serve its API on loopback; plugins, clients and scopes live in the database.
        return $"""
            port={Port.ToString(CultureInfo.InvariantCulture)}
            bind_address="127.0.0.1"
            external_url="http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}"
            login_url="login.html"
            api_prefix="api"
            allow_origin="*"
            log_mode="{(logFile is null ? "console" : "file")}"
            log_level="INFO"
            {(logFile is null ? string.Empty : $"log_file=\"{logFile}\"")}
            cookie_secure=0
            session_expiration=3600
            session_key="GLEWLWYD2_SESSION_ID"
            admin_session_authentication="cookie"
            profile_session_authentication="cookie"
            allow_multiple_user_per_session=true
            login_api_enabled=true
            admin_scope="g_admin"
            profile_scope="g_profile"
            user_module_path="/usr/lib/glewlwyd/user"
            client_module_path="/usr/lib/glewlwyd/client"
            user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
            plugin_module_path="/usr/lib/glewlwyd/plugin"
            hash_algorithm="SHA512"
            {"database = { type = \"sqlite3\"; path = \"" + database + "\"; };"}

            """;
    }

    private void Start(string executable, string config, string directory)
    {
        ProcessStartInfo start;
        if (Detach)
        {
            // A daemon: a session of its own (setsid), so a Ctrl-C meant for the organism does not stop it, and none of the
            // caller's streams, so nothing waits for it to close them. sh and setsid exec, so the process is glewlwyd itself.
            start = new ProcessStartInfo("sh") { WorkingDirectory = directory, UseShellExecute = false };
            foreach (var argument in new[] { "-c", "exec setsid \"$0\" --config-file=\"$1\" </dev/null >>\"$2\" 2>&1", executable, config, Path.Combine(directory, "glewlwyd.out") })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start = new ProcessStartInfo(executable) { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("--config-file=" + config);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("glewlwyd did not start.");
        if (!Detach)
        {
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }
    }

    // A provider of this directory already running (./biodapr up started it earlier): used as it is.
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(Issuer + "/.well-known/openid-configuration", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task WaitForServerAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"glewlwyd exited with {_process.ExitCode.ToString(CultureInfo.InvariantCulture)} during startup:\n{Output}");
            }

            try
            {
                using var response = await _http.GetAsync($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/api/scope/", cancellationToken);
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    // The package's database comes with an administrator 'admin' (password 'password'); the server listens on loopback only.
    private async Task LoginAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(
            $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/api/auth/",
            new { username = "admin", password = "password" },
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"glewlwyd refused the administrator's login ({(int)response.StatusCode}).");
        }
    }

    private Task SavePluginAsync(bool added, CancellationToken cancellationToken)
    {
        var plugin = new JsonObject
        {
            ["module"] = "oidc",
            ["name"] = PluginName,
            ["display_name"] = "BioDapr OpenID Connect",
            ["enabled"] = true,
            ["parameters"] = new JsonObject
            {
                ["iss"] = Issuer,
                // The first RSA key signs; the others are only published (glewlwyd's get_jwk_sign).
                ["jwks-private"] = new JsonObject { ["keys"] = new JsonArray(_keys.Select(k => (JsonNode)k.DeepClone()).ToArray()) }.ToJsonString(),
                ["default-kid"] = _keys[0]["kid"]!.GetValue<string>(),
                ["jwks-show"] = true,
                ["access-token-duration"] = 300,
                ["refresh-token-duration"] = 3600,
                ["code-duration"] = 600,
                ["refresh-token-rolling"] = false,
                ["allow-non-oidc"] = true,
                ["auth-type-client-enabled"] = true,
                ["auth-type-code-enabled"] = false,
                ["auth-type-token-enabled"] = false,
                ["auth-type-none-enabled"] = false,
                ["auth-type-password-enabled"] = false,
                ["auth-type-refresh-enabled"] = false,
                ["subject-type"] = "public",
                ["resource-allowed"] = true,
                ["resource-scope"] = new JsonObject(Scopes.Select(s => KeyValuePair.Create(s, (JsonNode?)new JsonArray(Audience)))),
                ["scope"] = new JsonArray(),
            },
        };
        return added ? UpdatePluginAsync(plugin, cancellationToken) : AdminAsync(HttpMethod.Post, "mod/plugin/", plugin, cancellationToken);
    }

    // An update is stored at once; the reset makes the running plugin load it (its keys, its issuer).
    private async Task UpdatePluginAsync(JsonObject plugin, CancellationToken cancellationToken)
    {
        await AdminAsync(HttpMethod.Put, "mod/plugin/" + PluginName, plugin, cancellationToken);
        await AdminAsync(HttpMethod.Put, $"mod/plugin/{PluginName}/reset", null, cancellationToken);
    }

    private async Task AdminAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/api/{path}");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"glewlwyd's admin API refused {method} {path} ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private async Task SaveStateAsync(string path, CancellationToken cancellationToken)
    {
        var state = new JsonObject
        {
            ["port"] = Port,
            ["issuer"] = Issuer,
            ["audience"] = Audience,
            ["keys"] = new JsonArray(_keys.Select(k => (JsonNode)k.DeepClone()).ToArray()),
            ["secrets"] = new JsonObject(_secrets.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
        };
        await File.WriteAllTextAsync(path, state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            // It holds the signing keys and the clients' secrets.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    // A fresh RS256 key as a private JWK.
    private static JsonObject NewKey()
    {
        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(includePrivateParameters: true);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["kid"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            ["alg"] = "RS256",
            ["use"] = "sig",
            ["n"] = Base64Url(p.Modulus!),
            ["e"] = Base64Url(p.Exponent!),
            ["d"] = Base64Url(p.D!),
            ["p"] = Base64Url(p.P!),
            ["q"] = Base64Url(p.Q!),
            ["dp"] = Base64Url(p.DP!),
            ["dq"] = Base64Url(p.DQ!),
            ["qi"] = Base64Url(p.InverseQ!),
        };
    }

    private static RSA ToRsa(JsonObject jwk)
    {
        byte[] Read(string name) => Convert.FromBase64String(Padded(jwk[name]!.GetValue<string>().Replace('-', '+').Replace('_', '/')));
        var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters
        {
            Modulus = Read("n"), Exponent = Read("e"), D = Read("d"), P = Read("p"), Q = Read("q"), DP = Read("dp"), DQ = Read("dq"), InverseQ = Read("qi"),
        });
        return rsa;
    }

    private static string Padded(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task RunAsync(string file, string[] arguments, string input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed ({process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {await error}");
        }
    }

    private static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "glewlwyd"))
            .FirstOrDefault(File.Exists);

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
