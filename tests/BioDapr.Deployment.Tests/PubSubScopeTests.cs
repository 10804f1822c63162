using System.Reflection;
using System.Text.RegularExpressions;
using BioDapr.Contracts;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// The pub/sub components' topic scoping (<c>allowedTopics</c>, <c>protectedTopics</c>,
/// <c>publishingScopes</c>, <c>subscriptionScopes</c>) lets each cell publish and subscribe exactly the
/// topics its code publishes and subscribes, no more, in every environment, each topic on its own component only
/// (<c>vitals</c> on <c>vitals-pubsub</c>, with its own stream cap; the others on <c>pubsub</c>). The rules are the
/// sidecar's (daprd's), applied to the component as each app's sidecar loads it.
/// </summary>
public sealed partial class PubSubScopeTests
{
    public static TheoryData<string> Sets => new() { "local", "azure" };

    [Theory]
    [MemberData(nameof(Sets))]
    public void EachCell_MayPublishExactlyTheTopicsItsCodePublishes(string set)
    {
        var (uses, topics) = TopicUses();
        foreach (var (appId, use) in uses)
        {
            foreach (var component in Components)
            {
                var pubsub = ScopedFor(set, appId, component);
                foreach (var topic in topics.Append("not-a-topic"))
                {
                    var allowed = use.Publishes.Contains(topic) && ComponentOf(topic) == component;
                    pubsub.IsPublishAllowed(topic).ShouldBe(
                        allowed,
                        $"components/{set}/{component}.yaml: may {appId} publish on '{topic}'? Its code {(use.Publishes.Contains(topic) ? "does, on " + ComponentOf(topic) : "does not")}");
                }
            }
        }

        uses["orders"].Publishes.ShouldContain(Topics.Orders);
        uses["payments"].Publishes.ShouldContain(Topics.Payments);
        uses["shipping"].Publishes.Order().ShouldBe([Topics.Shipments, Topics.Vitals]);
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EachCell_MaySubscribeExactlyTheTopicsItsCodeSubscribes(string set)
    {
        var (uses, topics) = TopicUses();
        foreach (var (appId, use) in uses)
        {
            foreach (var component in Components)
            {
                var pubsub = ScopedFor(set, appId, component);
                foreach (var topic in topics.Append("not-a-topic"))
                {
                    var allowed = use.Subscribes.Contains(topic) && ComponentOf(topic) == component;
                    pubsub.IsSubscribeAllowed(topic).ShouldBe(
                        allowed,
                        $"components/{set}/{component}.yaml: may {appId} subscribe to '{topic}'? Its code {(use.Subscribes.Contains(topic) ? "does, on " + ComponentOf(topic) : "does not")}");
                }
            }
        }

        uses["cortex"].Subscribes.ShouldBe([Topics.Vitals]);
        uses["shipping"].Subscribes.ShouldBe([Topics.Orders]);
    }

    [Fact]
    public void AnAppThatIsNotACell_MayNeitherPublishNorSubscribeAnyTopic()
    {
        var (_, topics) = TopicUses();
        foreach (var set in new[] { "local", "azure" })
        {
            foreach (var component in Components)
            {
                var stranger = ScopedFor(set, "stranger", component);
                foreach (var topic in topics)
                {
                    stranger.IsPublishAllowed(topic).ShouldBeFalse($"{set}/{component}: a stranger may publish on {topic}");
                    stranger.IsSubscribeAllowed(topic).ShouldBeFalse($"{set}/{component}: a stranger may subscribe to {topic}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EachPubSubComponent_IsScopedToExactlyTheCellsThatUseIt_AndVitalsHaveTheirOwn(string set)
    {
        var (uses, _) = TopicUses();
        var loaded = ResourceLoader.Load([Repo.PathOf("components", set)], appId: null).Components;
        foreach (var component in Components)
        {
            var users = uses.Where(u => u.Value.Publishes.Concat(u.Value.Subscribes).Any(t => ComponentOf(t) == component)).Select(u => u.Key).Order().ToList();
            loaded.Single(c => c.Name == component).Scopes.Order().ToList().ShouldBe(users, customMessage: $"components/{set}/{component}.yaml: scopes");
        }

        // The cells' code sends vitals to their component: the .NET cells through VitalsOptions' default, the shipping cell
        // through its setting's default.
        new BioDapr.Cell.Vitals.VitalsOptions().PubSub.ShouldBe(Topics.VitalsPubSub);
        var settings = Repo.Read("services", "cells", "shipping", "src", "hosting", "settings.ts");
        settings.ShouldContain($"\"SHIPPING_VITALS_PUBSUB\", \"{Topics.VitalsPubSub}\"");
        Repo.Read("services", "cells", "shipping", "src", "main.ts").ShouldContain("settings.vitalsPubsub");
        uses["cortex"].Subscribes.ShouldBe([Topics.Vitals]);
    }

    [Fact]
    public void TheVitalsStream_HasASmallerCapThanTheOrderStreams_Locally()
    {
        long Cap(string name) => long.Parse(
            ResourceLoader.Load([Repo.PathOf("components", "local")], appId: null).Components.Single(c => c.Name == name)
                .Metadata.Single(m => m.Name == "maxLenApprox").Value!,
            System.Globalization.CultureInfo.InvariantCulture);

        Cap(Topics.VitalsPubSub).ShouldBeGreaterThan(0);
        Cap(Topics.VitalsPubSub).ShouldBeLessThan(Cap(Topics.PubSub) / 10);
    }

    private static readonly string[] Components = [Topics.PubSub, Topics.VitalsPubSub];

    // The component each topic travels on.
    private static string ComponentOf(string topic) => topic == Topics.Vitals ? Topics.VitalsPubSub : Topics.PubSub;

    // A pub/sub component as the sidecar of appId builds it (scopes are per app).
    private static PubSubEntry ScopedFor(string set, string appId, string name)
    {
        var component = ResourceLoader.Load([Repo.PathOf("components", set)], appId: null).Components.Single(c => c.Name == name);
        var metadata = component.Metadata.Where(m => m.Value is not null).ToDictionary(m => m.Name, m => m.Value!, StringComparer.Ordinal);
        return PubSubEntry.Create(component.Name, null!, metadata, appId, string.Empty);
    }

    // What each cell's code publishes (PublishEventAsync on a Topics constant; vital signs from every cell
    // with a pathway or AddCellVitals; dead letters from every cell whose subscriptions name the dead-letter topic) and subscribes to (WithTopic on a Topics constant), by app id.
    private static (Dictionary<string, (HashSet<string> Publishes, HashSet<string> Subscribes)> Uses, IReadOnlyList<string> Topics) TopicUses()
    {
        var constants = typeof(Topics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !f.Name.EndsWith("PubSub", StringComparison.Ordinal))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);
        var appIds = BioDapr.Sidecar.MultiAppRun.RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps
            .ToDictionary(a => Path.GetFileName(a.AppDirPath.TrimEnd('/')), a => a.AppId);
        var uses = new Dictionary<string, (HashSet<string>, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var cell in Repo.CellDirectories())
        {
            var text = string.Join('\n', Repo.Sources(cell).Select(File.ReadAllText));
            var publishes = Publish().Matches(text).Select(m => OnItsComponent(cell, m, constants)).ToHashSet(StringComparer.Ordinal);
            if (text.Contains("AddPathway(", StringComparison.Ordinal) || text.Contains("AddCellVitals(", StringComparison.Ordinal))
            {
                publishes.Add(BioDapr.Contracts.Topics.Vitals);
            }

            // A subscription with a dead-letter topic lets its sidecar publish there for the cell.
            if (text.Contains("DeadLetterTopic = Topics.DeadLetters", StringComparison.Ordinal))
            {
                publishes.Add(BioDapr.Contracts.Topics.DeadLetters);
            }

            var subscribes = Subscribe().Matches(text).Select(m => OnItsComponent(cell, m, constants)).ToHashSet(StringComparer.Ordinal);
            uses[appIds[cell]] = (publishes, subscribes);
        }

        // Cells in another language (TypeScript on the Dapr JS SDK): pubsub.publish(<pubsub>, "<topic>", …) and
        // pubsub.subscribe…(<pubsub>, "<topic>", …) with the topic as a literal at the call.
        foreach (var cell in Repo.NodeCellDirectories())
        {
            var text = string.Join('\n', Directory.EnumerateFiles(Repo.PathOf("services", "cells", cell, "src"), "*.ts", SearchOption.AllDirectories).Select(File.ReadAllText));
            uses[appIds[cell]] = (
                JsPublish().Matches(text).Select(m => m.Groups["topic"].Value).ToHashSet(StringComparer.Ordinal),
                JsSubscribe().Matches(text).Select(m => m.Groups["topic"].Value).ToHashSet(StringComparer.Ordinal));
        }

        return (uses, [.. constants.Values]);
    }

    // The topic of a publish or subscription in a cell's code, checked to be on the component it belongs to.
    private static string OnItsComponent(string cell, Match match, Dictionary<string, string> constants)
    {
        var topic = constants[match.Groups["topic"].Value];
        var pubsub = (string)typeof(Topics).GetField(match.Groups["pubsub"].Value)!.GetRawConstantValue()!;
        pubsub.ShouldBe(ComponentOf(topic), $"{cell} uses topic '{topic}' on component '{pubsub}'");
        return topic;
    }

    [GeneratedRegex("""\.publish\(\s*[\w.]+,\s*"(?<topic>[\w-]+)""")]
    private static partial Regex JsPublish();

    [GeneratedRegex("""\.subscribe\w*\(\s*[\w.]+,\s*"(?<topic>[\w-]+)""")]
    private static partial Regex JsSubscribe();

    [GeneratedRegex("""PublishEventAsync\(\s*Topics\.(?<pubsub>\w*PubSub),\s*Topics\.(?<topic>\w+)""")]
    private static partial Regex Publish();

    // Dapr.AspNetCore's WithTopic(pubsub, topic) or WithTopic(new TopicOptions { PubsubName = …, Name = … }).
    [GeneratedRegex("""(?:WithTopic\(\s*Topics\.(?<pubsub>\w*PubSub),\s*|PubsubName\s*=\s*Topics\.(?<pubsub>\w*PubSub),\s*Name\s*=\s*)Topics\.(?<topic>\w+)""")]
    private static partial Regex Subscribe();
}
