using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(BioDapr.EndToEnd.Tests.Chromium))]

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// Debian's chromium, headless, driven by Playwright (no <c>playwright install</c>: <c>./biodapr test</c> and
/// <c>.ci/run</c> install the <c>chromium</c> package). Started on first use and shared by the test run;
/// <c>BIODAPR_CHROMIUM</c> points at another binary.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser binary.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("BIODAPR_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>A fresh page (its own context: no shared storage) of a desktop-sized window.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        return await context.NewPageAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        _starting.Dispose();
    }

    private async Task<IBrowser> BrowserAsync()
    {
        await _starting.WaitAsync();
        try
        {
            if (_browser is null)
            {
                if (!File.Exists(ExecutablePath))
                {
                    throw new InvalidOperationException($"chromium is not installed at {ExecutablePath}: run ./biodapr test (it installs the Debian package) or apt-get install chromium");
                }

                _playwright = await Playwright.CreateAsync();
                // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = ["--no-sandbox"] });
            }

            return _browser;
        }
        finally
        {
            _starting.Release();
        }
    }
}
