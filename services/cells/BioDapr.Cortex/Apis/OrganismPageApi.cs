using System.Reflection;
using BioDapr.Cell.Immune;
using BioDapr.Cortex.Dashboard;
using BioDapr.Cortex.Hormones;
using BioDapr.Cortex.Operators;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cortex.Apis;

/// <summary>
/// The organism page on the cortex's public port: <c>GET /organism</c> (the page, its script and style),
/// <c>GET /organism/state</c> (everything it shows, as JSON), <c>GET /organism/events</c> (the same, live, as
/// server-sent events) and <c>POST /organism/pathogens</c> (an operator's pathogen switch, with <c>X-Operator-Key</c>).
/// </summary>
public static partial class OrganismPageApi
{
    /// <summary>The pathogen switches the page offers: name → the hormones (under <c>cell.pathogens.</c>) switched on, and off.</summary>
    public static IReadOnlyDictionary<string, (string Hormone, string On, string Off)[]> Switches { get; } = new Dictionary<string, (string, string, string)[]>(StringComparer.Ordinal)
    {
        ["errors"] = [("errorRate", "0.5", "0")],
        ["outage"] = [("outage", "true", "false")],
        ["latency"] = [("latencyMs", "300", "0")],
        ["heal"] = [("outage", "false", "false"), ("errorRate", "0", "0"), ("latencyMs", "0", "0"), ("latencyCv", "0", "0"), ("latencyFraction", "1", "1"), ("slotReduction", "0", "0"), ("workMs", "0", "0"), ("workCv", "0", "0")],
    };

    /// <summary>Maps the page and its endpoints, all on the public port.</summary>
    public static IEndpointRouteBuilder MapOrganismPage(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => TypedResults.Redirect("/organism")).ExcludeFromDescription().PublicApi();
        var page = routes.MapGroup("/organism").WithTags("Organism page").PublicApi();
        page.MapGet("/", (HttpContext context) => Asset(context, "organism.html", "text/html; charset=utf-8")).WithName("OrganismPage");
        page.MapGet("/organism.js", (HttpContext context) => Asset(context, "organism.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        page.MapGet("/organism.css", (HttpContext context) => Asset(context, "organism.css", "text/css; charset=utf-8")).ExcludeFromDescription();
        page.MapGet("/state", (OrganismView view) => TypedResults.Ok(view.Snapshot())).WithName("OrganismState");
        page.MapGet("/events", (OrganismView view, CancellationToken cancellationToken) => TypedResults.ServerSentEvents(view.SubscribeAsync(cancellationToken))).WithName("OrganismEvents");
        page.MapPost("/pathogens", SwitchPathogenAsync).WithName("SwitchPathogen").RequireOperator("switching a pathogen");
        return routes;
    }

    /// <summary>Switches a pathogen of a cell on or off (or heals it): an operator action (<see cref="OperatorEndpointExtensions.RequireOperator"/>).</summary>
    internal static async Task<Results<Ok<IReadOnlyDictionary<string, string>>, ProblemHttpResult>> SwitchPathogenAsync(
        PathogenSwitch? request, HttpContext context, IHormoneStore store, OrganismView view, ILogger<OrganismView> logger, CancellationToken cancellationToken)
    {
        var name = OperatorEndpointExtensions.OperatorOf(context) ?? throw new InvalidOperationException("the pathogen switch was reached without an operator");
        if (request is null)
        {
            return TypedResults.Problem("the body must be JSON: {\"cell\": \"inventory\", \"pathogen\": \"errors\", \"on\": true}", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.Pathogen is null || !Switches.TryGetValue(request.Pathogen, out var hormones))
        {
            return TypedResults.Problem($"unknown pathogen '{request.Pathogen}': use one of {string.Join(", ", Switches.Keys)}", statusCode: StatusCodes.Status400BadRequest);
        }

        var cells = view.PathogenCells();
        if (string.IsNullOrWhiteSpace(request.Cell) || !cells.Contains(request.Cell, StringComparer.Ordinal))
        {
            return TypedResults.Problem($"'{request.Cell}' is not a cell with pathogens: use one of {string.Join(", ", cells)}", statusCode: StatusCodes.Status404NotFound);
        }

        var on = request.On || request.Pathogen == "heal";
        var values = hormones.Select(h => (Key: request.Cell + ".pathogens." + h.Hormone, Value: on ? h.On : h.Off)).ToList();
        var action = request.Pathogen == "heal" ? "healed (every pathogen off)" : $"{request.Pathogen} {(on ? "on" : "off")}";
        await store.WriteKeysAsync(values, HormoneOrigin.Operator(name, $"{action} from the organism page"), cancellationToken);
        Log.Switched(logger, name, request.Cell, action);
        return TypedResults.Ok<IReadOnlyDictionary<string, string>>(values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal));
    }

    private static FileStreamHttpResult Asset(HttpContext context, string name, string contentType)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("organism-page/" + name)
            ?? throw new InvalidOperationException($"the page asset {name} is not embedded in the cortex");
        // Nothing may load from anywhere else: the page, its script and its style come from here, its data over the same origin.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Stream(stream, contentType);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 630, Level = LogLevel.Warning, Message = "Organism page: operator {Operator} switched {Cell}: {Action}")]
        public static partial void Switched(ILogger logger, string @operator, string cell, string action);
    }
}
