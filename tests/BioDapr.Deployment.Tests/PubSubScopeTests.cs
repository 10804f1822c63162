using System.Reflection;
using System.Text.RegularExpressions;
using BioDapr.Contracts;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// The pubsub component's topic scoping (<c>allowedTopics</c>, <c>protectedTopics</c>,
/// <c>publishingScopes</c>, <c>subscriptionScopes</c>) lets each cell publish and subscribe exactly the
/// topics its code publishes and subscribes, no more, in every environment. The rules are the sidecar's
/// (daprd's), applied to the component as each app's sidecar loads it.
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
            var pubsub = ScopedFor(set, appId);
            foreach (var topic in topics.Append("not-a-topic"))
            {
                pubsub.IsPublishAllowed(topic).ShouldBe(
                    use.Publishes.Contains(topic),
                    $"components/{set}/pubsub.yaml: may {appId} publish on '{topic}'? Its code {(use.Publishes.Contains(topic) ? "does" : "does not")}");
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
            var pubsub = ScopedFor(set, appId);
            foreach (var topic in topics.Append("not-a-topic"))
            {
                pubsub.IsSubscribeAllowed(topic).ShouldBe(
                    use.Subscribes.Contains(topic),
                    $"components/{set}/pubsub.yaml: may {appId} subscribe to '{topic}'? Its code {(use.Subscribes.Contains(topic) ? "does" : "does not")}");
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
            var stranger = ScopedFor(set, "stranger");
            foreach (var topic in topics)
            {
                stranger.IsPublishAllowed(topic).ShouldBeFalse($"{set}: a stranger may publish on {topic}");
                stranger.IsSubscribeAllowed(topic).ShouldBeFalse($"{set}: a stranger may subscribe to {topic}");
            }
        }
    }

    // The pubsub component as the sidecar of appId builds it (scopes are per app).
    private static PubSubEntry ScopedFor(string set, string appId)
    {
        var component = ResourceLoader.Load([Repo.PathOf("components", set)], appId: null).Components.Single(c => c.Name == Topics.PubSub);
        var metadata = component.Metadata.Where(m => m.Value is not null).ToDictionary(m => m.Name, m => m.Value!, StringComparer.Ordinal);
        return PubSubEntry.Create(component.Name, null!, metadata, appId, string.Empty);
    }

    // What each cell's code publishes (PublishEventAsync on a Topics constant; vital signs from every cell
    // with a pathway or AddCellVitals; dead letters from every cell whose subscriptions name the dead-letter topic) and subscribes to (WithTopic on a Topics constant), by app id.
    private static (Dictionary<string, (HashSet<string> Publishes, HashSet<string> Subscribes)> Uses, IReadOnlyList<string> Topics) TopicUses()
    {
        var constants = typeof(Topics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(BioDapr.Contracts.Topics.PubSub))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);
        var appIds = BioDapr.Sidecar.MultiAppRun.RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps
            .ToDictionary(a => Path.GetFileName(a.AppDirPath.TrimEnd('/')), a => a.AppId);
        var uses = new Dictionary<string, (HashSet<string>, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var cell in Repo.CellDirectories())
        {
            var text = string.Join('\n', Repo.Sources(cell).Select(File.ReadAllText));
            var publishes = Publish().Matches(text).Select(m => constants[m.Groups["topic"].Value]).ToHashSet(StringComparer.Ordinal);
            if (text.Contains("AddPathway(", StringComparison.Ordinal) || text.Contains("AddCellVitals(", StringComparison.Ordinal))
            {
                publishes.Add(BioDapr.Contracts.Topics.Vitals);
            }

            // A subscription with a dead-letter topic lets its sidecar publish there for the cell.
            if (text.Contains("DeadLetterTopic = Topics.DeadLetters", StringComparison.Ordinal))
            {
                publishes.Add(BioDapr.Contracts.Topics.DeadLetters);
            }

            var subscribes = Subscribe().Matches(text).Select(m => constants[m.Groups["topic"].Value]).ToHashSet(StringComparer.Ordinal);
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

    [GeneratedRegex("""\.publish\(\s*[\w.]+,\s*"(?<topic>[\w-]+)""")]
    private static partial Regex JsPublish();

    [GeneratedRegex("""\.subscribe\w*\(\s*[\w.]+,\s*"(?<topic>[\w-]+)""")]
    private static partial Regex JsSubscribe();

    [GeneratedRegex("""PublishEventAsync\(\s*Topics\.PubSub,\s*Topics\.(?<topic>\w+)""")]
    private static partial Regex Publish();

    // Dapr.AspNetCore's WithTopic(pubsub, topic) or WithTopic(new TopicOptions { PubsubName = …, Name = … }).
    [GeneratedRegex("""(?:WithTopic\(\s*Topics\.PubSub,\s*|PubsubName\s*=\s*Topics\.PubSub,\s*Name\s*=\s*)Topics\.(?<topic>\w+)""")]
    private static partial Regex Subscribe();
}
