using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BioDapr.Scenarios;

/// <summary>Reads scenario YAML (docs/scenarios.md). Every error names the file, the line and the field.</summary>
public static class ScenarioParser
{
    /// <summary>Reads a scenario file.</summary>
    public static Scenario Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioFormatException($"{path}: cannot read the scenario file: {ex.Message}", ex);
        }

        return Parse(text, path);
    }

    /// <summary>Parses scenario YAML; <paramref name="source"/> names it in errors.</summary>
    public static Scenario Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ScenarioFormatException($"{source}: line {ex.Start.Line}, column {ex.Start.Column}: invalid YAML: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet fails this way (without a position) on some unterminated flow collections.
            throw new ScenarioFormatException($"{source}: invalid YAML: the parser stopped ({ex.Message}); look for an unclosed '[', '{{' or quote", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ScenarioFormatException($"{source}: the file must be a YAML mapping with name, slo, topology and phases");
        }

        var reader = new Reader(source);
        reader.Known(root, "", "name", "seed", "slo", "topology", "capacityRps", "clients", "phases");
        var topology = reader.Topology(reader.Required<YamlMappingNode>(root, "topology", ""));
        var capacity = reader.Optional<YamlScalarNode>(root, "capacityRps") is { } capacityNode && capacityNode.Value != "auto"
            ? reader.Positive(capacityNode, "capacityRps")
            : CapacityEstimate.EntryRps(topology);
        var phasesNode = reader.Required<YamlSequenceNode>(root, "phases", "");
        var phases = phasesNode.Children.Select((node, i) => reader.Phase(node, $"phases[{i}]", topology)).ToList();
        if (phases.Count == 0)
        {
            throw reader.Error(phasesNode, "phases", "at least one phase is required");
        }

        return new Scenario
        {
            Name = reader.String(reader.Required<YamlScalarNode>(root, "name", ""), "name"),
            Seed = reader.Optional<YamlScalarNode>(root, "seed") is { } seed ? reader.Int(seed, "seed") : 1,
            Slo = reader.Slo(reader.Required<YamlMappingNode>(root, "slo", "")),
            Topology = topology,
            CapacityRps = capacity,
            Clients = reader.Optional<YamlMappingNode>(root, "clients") is { } clients ? reader.Clients(clients) : ClientBehaviour.None,
            Phases = phases,
        };
    }

    /// <summary>Parses "250ms", "60s", "2m", "1h" (or a plain number of seconds).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }

    private sealed class Reader(string source)
    {
        public ScenarioFormatException Error(YamlNode node, string path, string problem) =>
            new($"{source}: line {node.Start.Line}: {(path.Length == 0 ? "the file" : path)}: {problem}");

        public T Required<T>(YamlMappingNode map, string key, string parent)
            where T : YamlNode
        {
            var path = parent.Length == 0 ? key : parent + "." + key;
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
            {
                throw Error(map, path, "is required");
            }

            return node as T ?? throw Error(node, path, $"must be a {Describe<T>()}");
        }

        public T? Optional<T>(YamlMappingNode map, string key)
            where T : YamlNode =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var node)
                ? node as T ?? throw Error(node, key, $"must be a {Describe<T>()}")
                : null;

        public void Known(YamlMappingNode map, string path, params string[] keys)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!keys.Contains(name))
                {
                    throw Error(key, path.Length == 0 ? name : path + "." + name, $"unknown field (expected one of: {string.Join(", ", keys)})");
                }
            }
        }

        public string String(YamlScalarNode node, string path) =>
            string.IsNullOrWhiteSpace(node.Value) ? throw Error(node, path, "must not be empty") : node.Value;

        public int Int(YamlScalarNode node, string path) =>
            int.TryParse(node.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error(node, path, $"'{node.Value}' is not an integer");

        public double Number(YamlScalarNode node, string path) =>
            double.TryParse(node.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
                ? value
                : throw Error(node, path, $"'{node.Value}' is not a number");

        public double Positive(YamlScalarNode node, string path) =>
            Number(node, path) is var value and > 0 ? value : throw Error(node, path, "must be greater than 0");

        public double Fraction(YamlScalarNode node, string path) =>
            Number(node, path) is var value and >= 0 and <= 1 ? value : throw Error(node, path, "must be between 0 and 1");

        public ServiceLevel Slo(YamlMappingNode node)
        {
            Known(node, "slo", "latencyMs", "clientDeadlineMs");
            var latency = Positive(Required<YamlScalarNode>(node, "latencyMs", "slo"), "slo.latencyMs");
            var deadline = Positive(Required<YamlScalarNode>(node, "clientDeadlineMs", "slo"), "slo.clientDeadlineMs");
            if (deadline < latency)
            {
                throw Error(node, "slo", "clientDeadlineMs must be at least latencyMs");
            }

            return new ServiceLevel(latency, deadline);
        }

        public ClientBehaviour Clients(YamlMappingNode node)
        {
            Known(node, "clients", "retries", "backoffMs");
            var retries = Int(Required<YamlScalarNode>(node, "retries", "clients"), "clients.retries");
            if (retries is < 0 or > 10)
            {
                throw Error(node, "clients.retries", "must be between 0 and 10");
            }

            var backoff = Optional<YamlScalarNode>(node, "backoffMs") is { } b ? Number(b, "clients.backoffMs") : 0;
            return backoff >= 0 ? new ClientBehaviour(retries, backoff) : throw Error(node, "clients.backoffMs", "must not be negative");
        }

        public Topology Topology(YamlMappingNode node)
        {
            Known(node, "topology", "entry", "apis", "cells");
            var entryNode = Optional<YamlScalarNode>(node, "entry");
            var apisNode = Optional<YamlMappingNode>(node, "apis");
            if ((entryNode is null) == (apisNode is null))
            {
                throw Error(node, "topology", "needs exactly one of entry (one API) or apis (several entry APIs)");
            }

            var apis = new List<EntryApi>();
            foreach (var (keyNode, valueNode) in apisNode?.Children ?? Enumerable.Empty<KeyValuePair<YamlNode, YamlNode>>())
            {
                var apiName = ((YamlScalarNode)keyNode).Value!;
                var apiPath = "topology.apis." + apiName;
                var api = valueNode as YamlMappingNode ?? throw Error(valueNode, apiPath, "must be a mapping with cell and share");
                Known(api, apiPath, "cell", "share");
                var share = Optional<YamlScalarNode>(api, "share") is { } shareNode ? Positive(shareNode, apiPath + ".share") : 1;
                apis.Add(new EntryApi(apiName, String(Required<YamlScalarNode>(api, "cell", apiPath), apiPath + ".cell"), share));
            }

            if (apisNode is not null && apis.Count == 0)
            {
                throw Error(apisNode, "topology.apis", "needs at least one API");
            }

            var entry = entryNode is not null ? String(entryNode, "topology.entry") : apis[0].Cell;
            var cellsNode = Required<YamlMappingNode>(node, "cells", "topology");
            var cells = new Dictionary<string, CellModel>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in cellsNode.Children)
            {
                var name = ((YamlScalarNode)keyNode).Value!;
                var path = "topology.cells." + name;
                var cell = valueNode as YamlMappingNode ?? throw Error(valueNode, path, "must be a mapping");
                Known(cell, path, "slots", "serviceTime", "calls", "replicas");
                var slots = Int(Required<YamlScalarNode>(cell, "slots", path), path + ".slots");
                if (slots < 1)
                {
                    throw Error(cell, path + ".slots", "must be at least 1");
                }

                var replicas = Optional<YamlScalarNode>(cell, "replicas") is { } replicasNode ? Int(replicasNode, path + ".replicas") : 1;
                if (replicas is < 1 or > 64)
                {
                    throw Error(cell, path + ".replicas", "must be between 1 and 64");
                }

                var calls = new List<DownstreamCall>();
                if (Optional<YamlSequenceNode>(cell, "calls") is { } callsNode)
                {
                    foreach (var (callNode, i) in callsNode.Children.Select((c, i) => (c, i)))
                    {
                        var callPath = $"{path}.calls[{i}]";
                        var call = callNode as YamlMappingNode ?? throw Error(callNode, callPath, "must be a mapping with target and count");
                        Known(call, callPath, "target", "count");
                        var count = Optional<YamlScalarNode>(call, "count") is { } countNode ? Int(countNode, callPath + ".count") : 1;
                        if (count < 1)
                        {
                            throw Error(call, callPath + ".count", "must be at least 1");
                        }

                        calls.Add(new DownstreamCall(String(Required<YamlScalarNode>(call, "target", callPath), callPath + ".target"), count));
                    }
                }

                cells[name] = new CellModel(slots, Distribution(Required<YamlMappingNode>(cell, "serviceTime", path), path + ".serviceTime"), calls, replicas);
            }

            if (!cells.ContainsKey(entry))
            {
                throw Error(node, "topology.entry", $"'{entry}' is not one of the cells");
            }

            foreach (var api in apis.Where(a => !cells.ContainsKey(a.Cell)))
            {
                throw Error(apisNode!, $"topology.apis.{api.Name}.cell", $"'{api.Cell}' is not one of the cells");
            }

            foreach (var (name, cell) in cells)
            {
                foreach (var call in cell.Calls.Where(c => !cells.ContainsKey(c.Target)))
                {
                    throw Error(cellsNode, $"topology.cells.{name}.calls", $"target '{call.Target}' is not one of the cells");
                }
            }

            var topology = new Topology(entry, cells) { Apis = apis };
            _ = CapacityEstimate.EntryRps(topology);
            return topology;
        }

        public Distribution Distribution(YamlMappingNode node, string path)
        {
            Known(node, path, "constant", "exponential", "lognormal", "cv");
            if (Optional<YamlScalarNode>(node, "constant") is { } constant)
            {
                return new Distribution(DistributionKind.Constant, Positive(constant, path + ".constant"));
            }

            if (Optional<YamlScalarNode>(node, "exponential") is { } exponential)
            {
                return new Distribution(DistributionKind.Exponential, Positive(exponential, path + ".exponential"));
            }

            if (Optional<YamlScalarNode>(node, "lognormal") is { } lognormal)
            {
                var cv = Optional<YamlScalarNode>(node, "cv") is { } cvNode ? Positive(cvNode, path + ".cv") : 0.5;
                return new Distribution(DistributionKind.Lognormal, Positive(lognormal, path + ".lognormal"), cv);
            }

            throw Error(node, path, "needs one of constant, exponential or lognormal (the mean in ms)");
        }

        public ScenarioPhase Phase(YamlNode node, string path, Topology topology)
        {
            var phase = node as YamlMappingNode ?? throw Error(node, path, "must be a mapping");
            Known(phase, path, "name", "duration", "rate", "faults", "mix");
            var durationNode = Required<YamlScalarNode>(phase, "duration", path);
            if (!TryParseDuration(durationNode.Value ?? string.Empty, out var duration) || duration <= TimeSpan.Zero)
            {
                throw Error(durationNode, path + ".duration", $"'{durationNode.Value}' is not a positive duration (like 90s, 2m, 500ms)");
            }

            var faults = new List<Fault>();
            if (Optional<YamlSequenceNode>(phase, "faults") is { } faultsNode)
            {
                faults.AddRange(faultsNode.Children.Select((f, i) => Fault(f, $"{path}.faults[{i}]", topology)));
            }

            return new ScenarioPhase(
                String(Required<YamlScalarNode>(phase, "name", path), path + ".name"),
                duration,
                Rate(phase.Children.TryGetValue(new YamlScalarNode("rate"), out var rate) ? rate : throw Error(phase, path + ".rate", "is required"), path + ".rate"),
                faults)
            {
                Mix = Optional<YamlMappingNode>(phase, "mix") is { } mix ? Mix(mix, path + ".mix", topology) : null,
            };
        }

        private Dictionary<string, double> Mix(YamlMappingNode node, string path, Topology topology)
        {
            var mix = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in node.Children)
            {
                var api = ((YamlScalarNode)keyNode).Value!;
                if (!topology.Apis.Any(a => a.Name == api))
                {
                    throw Error(keyNode, path + "." + api, $"'{api}' is not one of the entry APIs ({string.Join(", ", topology.Apis.Select(a => a.Name))})");
                }

                var share = Number(valueNode as YamlScalarNode ?? throw Error(valueNode, path + "." + api, "must be a number"), path + "." + api);
                mix[api] = share >= 0 ? share : throw Error(valueNode, path + "." + api, "must not be negative");
            }

            return mix.Values.Sum() > 0 ? mix : throw Error(node, path, "the shares must not all be 0");
        }

        public RateSchedule Rate(YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar)
            {
                var (value, percent) = RateValue(scalar, path);
                return new RateSchedule(value, value, percent);
            }

            var map = node as YamlMappingNode ?? throw Error(node, path, "must be a rate (\"70%\" or 300) or {from, to}");
            Known(map, path, "from", "to");
            var (from, fromPercent) = RateValue(Required<YamlScalarNode>(map, "from", path), path + ".from");
            var (to, toPercent) = RateValue(Required<YamlScalarNode>(map, "to", path), path + ".to");
            if (fromPercent != toPercent)
            {
                throw Error(map, path, "from and to must both be percentages or both be requests per second");
            }

            return new RateSchedule(from, to, fromPercent);
        }

        private (double Value, bool Percent) RateValue(YamlScalarNode node, string path)
        {
            var text = node.Value?.Trim() ?? string.Empty;
            var percent = text.EndsWith('%');
            var number = percent ? text[..^1] : text;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || !double.IsFinite(value))
            {
                throw Error(node, path, $"'{text}' is not a rate (requests per second, or a percentage of capacity like 70%)");
            }

            return (value, percent);
        }

        private Fault Fault(YamlNode node, string path, Topology topology)
        {
            var map = node as YamlMappingNode ?? throw Error(node, path, "must be a mapping");
            Known(map, path, "cell", "latency", "errors", "outage", "slots");
            var cell = String(Required<YamlScalarNode>(map, "cell", path), path + ".cell");
            if (!topology.Cells.ContainsKey(cell))
            {
                throw Error(map, path + ".cell", $"'{cell}' is not one of the cells");
            }

            var kinds = map.Children.Keys.Count(k => ((YamlScalarNode)k).Value is "latency" or "errors" or "outage" or "slots");
            if (kinds != 1)
            {
                throw Error(map, path, "needs exactly one of latency, errors, outage or slots");
            }

            if (Optional<YamlMappingNode>(map, "latency") is { } latency)
            {
                Known(latency, path + ".latency", "fraction", "multiplier", "addMs", "replicas");
                var multiplier = Optional<YamlScalarNode>(latency, "multiplier") is { } m ? Positive(m, path + ".latency.multiplier") : 1;
                var added = Optional<YamlScalarNode>(latency, "addMs") is { } a ? Number(a, path + ".latency.addMs") : 0;
                if (multiplier == 1 && added == 0)
                {
                    throw Error(latency, path + ".latency", "needs multiplier or addMs");
                }

                var slowReplicas = Optional<YamlScalarNode>(latency, "replicas") is { } r ? Int(r, path + ".latency.replicas") : 0;
                if (latency.Children.ContainsKey(new YamlScalarNode("replicas")) && (slowReplicas < 1 || slowReplicas > topology[cell].Replicas))
                {
                    throw Error(latency, path + ".latency.replicas", $"must be between 1 and the cell's replicas ({topology[cell].Replicas}); leave it out to slow every replica");
                }

                return new Fault(cell, FaultKind.Latency, FractionOf(latency, path + ".latency"), LatencyMultiplier: multiplier, AddedLatencyMs: added, Replicas: slowReplicas);
            }

            if (Optional<YamlMappingNode>(map, "errors") is { } errors)
            {
                Known(errors, path + ".errors", "fraction", "status");
                var status = Optional<YamlScalarNode>(errors, "status") is { } s ? Int(s, path + ".errors.status") : 503;
                if (status is < 400 or > 599)
                {
                    throw Error(errors, path + ".errors.status", "must be an HTTP error status (400-599)");
                }

                return new Fault(cell, FaultKind.Errors, FractionOf(errors, path + ".errors"), StatusCode: status);
            }

            if (Optional<YamlScalarNode>(map, "outage") is { } outage)
            {
                return outage.Value == "true"
                    ? new Fault(cell, FaultKind.Outage)
                    : throw Error(outage, path + ".outage", "must be true (leave the fault out otherwise)");
            }

            var slots = Int(Required<YamlScalarNode>(map, "slots", path), path + ".slots");
            return slots >= 1 ? new Fault(cell, FaultKind.SlotReduction, Slots: slots) : throw Error(map, path + ".slots", "must be at least 1");
        }

        private double FractionOf(YamlMappingNode map, string path) =>
            Optional<YamlScalarNode>(map, "fraction") is { } fraction ? Fraction(fraction, path + ".fraction") : 1;

        private static string Describe<T>() => typeof(T) == typeof(YamlMappingNode) ? "mapping" : typeof(T) == typeof(YamlSequenceNode) ? "list" : "single value";
    }
}
