using BioDapr.Control.Learning;

namespace BioDapr.Control.Tests;

public sealed class PolicyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biodapr-policy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SaveThenLoad_GivesTheSameModel_AndProvenance()
    {
        var model = new ActorCritic(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, hidden: 8);
        model.Initialize(new Random(9));
        model.Actor.Initialize(new Random(10), outputGain: 1f);
        var path = Path.Combine(_directory, "p.json");

        PolicyFile.Save(path, model, new PolicyProvenance(9, 12, "test", DateTimeOffset.UnixEpoch) { LastEfficiency = 0.5 });
        var (loaded, provenance) = PolicyFile.Load(path);

        loaded.Actor.Parameters.ShouldBe(model.Actor.Parameters);
        loaded.Critic.Parameters.ShouldBe(model.Critic.Parameters);
        loaded.LogStdValues.ShouldBe(model.LogStdValues);
        provenance.ShouldBe(new PolicyProvenance(9, 12, "test", DateTimeOffset.UnixEpoch) { LastEfficiency = 0.5 });
        float[] observation = [.. Enumerable.Range(0, PathwayAgent.FeatureNames.Count).Select(i => i / 10f)];
        var (a, b) = (new float[2], new float[2]);
        model.Mean(observation, a);
        loaded.Mean(observation, b);
        b.ShouldBe(a);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"format":"other/1"}""", "format must be 'biodapr-policy/1'")]
    [InlineData("""{"format":"biodapr-policy/1","features":["x"],"actions":["limitStep","timeoutStep"]}""", "was trained for features [x]")]
    public void Load_RefusesABadFile_NamingWhatIsWrong(string content, string expected)
    {
        var path = Path.Combine(_directory, "bad.json");
        File.WriteAllText(path, content);

        Should.Throw<InvalidDataException>(() => PolicyFile.Load(path)).Message.ShouldContain(expected);
    }

    [Fact]
    public void Load_RefusesParametersThatDoNotFitTheLayers()
    {
        var model = new ActorCritic(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, hidden: 4);
        var path = Path.Combine(_directory, "p.json");
        PolicyFile.Save(path, model, new PolicyProvenance(1, 1, "test", DateTimeOffset.UnixEpoch));
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"sizes\": [\n      10,\n      4,", "\"sizes\": [\n      10,\n      5,", StringComparison.Ordinal));

        Should.Throw<InvalidDataException>(() => PolicyFile.Load(path)).Message.ShouldContain("layer sizes");
    }
}
