using BioDapr.Launcher;

// ./biodapr identity up|token|rotate: the development OpenID Connect provider of ./biodapr up (glewlwyd on loopback port 4593,
// its database, keys and client secrets in .biodapr/oidc). `up` starts it unless it runs already, and leaves it running.
var command = args.FirstOrDefault() ?? "help";
var directory = Path.GetFullPath(Environment.GetEnvironmentVariable("BIODAPR_OIDC_DIR") ?? ".biodapr/oidc");
var port = int.TryParse(Environment.GetEnvironmentVariable("BIODAPR_OIDC_PORT"), out var configured) ? configured : 4593;
await using var provider = new GlewlwydProvider
{
    DataDirectory = directory,
    RequestedPort = port,
    Detach = true,
    Clients = { ["demo-machine"] = ["orders:place", "orders:read"], ["demo-reader"] = ["orders:read"] },
};

switch (command)
{
    case "up":
        await provider.StartAsync();
        Console.WriteLine($"biodapr: OpenID Connect provider (glewlwyd) at {provider.Issuer} (audience {GlewlwydProvider.Audience}; data in {directory})");
        foreach (var (client, secret) in provider.Secrets)
        {
            Console.WriteLine($"biodapr:   machine client {client} (client credentials), secret {secret}");
        }

        Console.WriteLine("biodapr:   a token: ./biodapr identity token demo-machine orders:place orders:read");
        return 0;
    case "token" when args.Length >= 2:
        await provider.StartAsync();
        Console.WriteLine(await provider.GetTokenAsync(args[1], args.Length > 2 ? args[2..] : GlewlwydProvider.Scopes));
        return 0;
    case "rotate":
        await provider.StartAsync();
        Console.WriteLine($"biodapr: the provider signs with key {await provider.RotateKeyAsync()} now; the previous key stays published.");
        return 0;
    default:
        Console.Error.WriteLine("usage: ./biodapr identity up | token <client> [scope...] | rotate   (BIODAPR_OIDC_PORT, BIODAPR_OIDC_DIR move it)");
        return 2;
}
