using BioDapr.Control.Learning;

namespace BioDapr.Control.Tests;

public sealed class PolicyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biodapr-policy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void SaveThenLoad_GivesTheSameModel_AndProvenance()
    {
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, hidden: 8);
        model.Initialize(new Random(9));
        var path = Path.Combine(_directory, "p.json");

        PolicyFile.Save(path, model, new PolicyProvenance(9, 12, "test", DateTimeOffset.UnixEpoch) { LastEfficiency = 0.5 });
        var (loaded, provenance) = PolicyFile.Load(path);

        using var _ = loaded;
        loaded.Hidden.ShouldBe(8);
        loaded.LogStd.ToArray().ShouldBe(model.LogStd.ToArray());
        loaded.Value(new float[PathwayAgent.FeatureNames.Count]).ShouldBe(model.Value(new float[PathwayAgent.FeatureNames.Count]));
        provenance.ShouldBe(new PolicyProvenance(9, 12, "test", DateTimeOffset.UnixEpoch) { LastEfficiency = 0.5 });
        float[] observation = [.. Enumerable.Range(0, PathwayAgent.FeatureNames.Count).Select(i => i / 10f)];
        var (a, b) = (new float[PathwayAgent.ActionNames.Count], new float[PathwayAgent.ActionNames.Count]);
        model.Mean(observation, a);
        loaded.Mean(observation, b);
        b.ShouldBe(a);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"format":"other/1"}""", "format must be 'biodapr-policy/2'")]
    [InlineData("""{"format":"biodapr-policy/1"}""", "format must be 'biodapr-policy/2'")]
    [InlineData("""{"format":"biodapr-policy/2","features":["x"],"actions":["limitStep","timeoutStep"]}""", "was trained for features [x]")]
    public void Load_RefusesABadFile_NamingWhatIsWrong(string content, string expected)
    {
        var path = Path.Combine(_directory, "bad.json");
        File.WriteAllText(path, content);

        Should.Throw<InvalidDataException>(() => PolicyFile.Load(path)).Message.ShouldContain(expected);
    }

    [Theory]
    [InlineData("\"actor.fc1.bias\": {", "\"actor.fc9.bias\": {", "parameter 'actor.fc1.bias' is missing")]
    [InlineData("\"hidden\": 4", "\"hidden\": 0", "hidden must be between 1 and 4096")]
    [InlineData("\"logStd\": {\n      \"shape\": [\n        5", "\"logStd\": {\n      \"shape\": [\n        6", "has shape [6]")]
    public void Load_RefusesParametersThatDoNotFitTheModel(string find, string replace, string expected)
    {
        using var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, hidden: 4);
        var path = Path.Combine(_directory, "p.json");
        PolicyFile.Save(path, model, new PolicyProvenance(1, 1, "test", DateTimeOffset.UnixEpoch));
        var text = File.ReadAllText(path);
        text.ShouldContain(find);
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
        Should.Throw<InvalidDataException>(() => PolicyFile.Load(path)).Message.ShouldContain(expected);
    }
}
