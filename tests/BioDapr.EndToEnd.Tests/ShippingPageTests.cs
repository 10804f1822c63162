using static Microsoft.Playwright.Assertions;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The organism page shows the TypeScript shipping cell like a C# cell when it runs.</summary>
public sealed partial class ShippingTests
{
    [Fact]
    public async Task TheOrganismPage_ShowsTheShippingCellLive_FromItsVitals_WithItsPathogenSwitches()
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{Organism.CortexPort}/organism");

        // Shipping publishes vitals for the windows it handled events in: an order makes it active.
        using var http = new HttpClient();
        await PlaceAsync(http, "kiwi");
        await Expect(page.Locator("#graph [data-cell='shipping']")).ToHaveAttributeAsync("data-vitals", "active", new() { Timeout = 60_000 });
        await Expect(page.Locator("#pathogens [data-pathogen-cell='shipping'][data-pathogen='errors']")).ToHaveCountAsync(1);
    }
}
