using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioDapr.Control.Learning;

/// <summary>
/// The trained agent's weights file (<c>biodapr-policy/1</c>, JSON, documented in
/// docs/cortex.md): the feature and action names the model was trained with, each network's layer
/// sizes and its flat parameters (little-endian float32, base64), the log standard deviations, and how
/// it was trained (seed, iterations, scenario source). Loading checks every size and name, so a model
/// trained for other features is refused with the reason.
/// </summary>
public static class PolicyFile
{
    /// <summary>The format identifier.</summary>
    public const string Format = "biodapr-policy/1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically: a temporary file, then a rename).</summary>
    public static void Save(string path, ActorCritic model, PolicyProvenance provenance)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(provenance);
        var document = new PolicyDocument(
            Format,
            [.. PathwayAgent.FeatureNames],
            [.. PathwayAgent.ActionNames],
            new NetworkDocument([.. model.Actor.Sizes], Encode(model.Actor.Parameters)),
            new NetworkDocument([.. model.Critic.Sizes], Encode(model.Critic.Parameters)),
            [.. model.LogStdValues],
            provenance);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(document, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a weights file; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static (ActorCritic Model, PolicyProvenance Provenance) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        PolicyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<PolicyDocument>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"policy file '{path}' is not valid JSON: {ex.Message}", ex);
        }

        if (document is null || document.Format != Format)
        {
            throw new InvalidDataException($"policy file '{path}': format must be '{Format}', found '{document?.Format}'");
        }

        if (!document.Features.SequenceEqual(PathwayAgent.FeatureNames) || !document.Actions.SequenceEqual(PathwayAgent.ActionNames))
        {
            throw new InvalidDataException($"policy file '{path}' was trained for features [{string.Join(", ", document.Features)}] and actions [{string.Join(", ", document.Actions)}]; this build uses [{string.Join(", ", PathwayAgent.FeatureNames)}] and [{string.Join(", ", PathwayAgent.ActionNames)}]");
        }

        var actorSizes = document.Actor?.Sizes ?? [];
        if (actorSizes.Length != 4 || document.Critic?.Sizes is not { Length: 4 } criticSizes || actorSizes[0] != PathwayAgent.FeatureNames.Count || actorSizes[3] != PathwayAgent.ActionNames.Count
            || criticSizes[0] != actorSizes[0] || criticSizes[1] != actorSizes[1] || criticSizes[3] != 1 || actorSizes[1] != actorSizes[2])
        {
            throw new InvalidDataException($"policy file '{path}': unexpected layer sizes (actor [{string.Join(", ", actorSizes)}]); expected [features, hidden, hidden, actions] and [features, hidden, hidden, 1]");
        }

        var model = new ActorCritic(actorSizes[0], actorSizes[3], actorSizes[1]);
        Decode(path, "actor", document.Actor!.Parameters, model.Actor.Parameters);
        Decode(path, "critic", document.Critic.Parameters, model.Critic.Parameters);
        if (document.LogStd is not { } logStd || logStd.Length != model.ActionSize)
        {
            throw new InvalidDataException($"policy file '{path}': logStd must have {model.ActionSize} values");
        }

        logStd.CopyTo(model.LogStdValues, 0);
        return (model, document.Provenance ?? new PolicyProvenance(0, 0, "unknown", DateTimeOffset.MinValue));
    }

    private static string Encode(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    private static void Decode(string path, string network, string? base64, float[] into)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64 ?? string.Empty);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"policy file '{path}': the {network} parameters are not base64", ex);
        }

        if (bytes.Length != into.Length * sizeof(float))
        {
            throw new InvalidDataException($"policy file '{path}': the {network} has {bytes.Length / sizeof(float)} parameters, its layer sizes need {into.Length}");
        }

        for (var i = 0; i < into.Length; i++)
        {
            var value = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            into[i] = float.IsFinite(value) ? value : throw new InvalidDataException($"policy file '{path}': the {network} parameter {i} is not a finite number");
        }
    }

    private sealed record PolicyDocument(
        string Format,
        string[] Features,
        string[] Actions,
        NetworkDocument? Actor,
        NetworkDocument? Critic,
        float[]? LogStd,
        PolicyProvenance? Provenance);

    private sealed record NetworkDocument(int[] Sizes, string Parameters);
}

/// <summary>How a weights file was produced (so a retraining can be compared and reproduced).</summary>
/// <param name="Seed">The training seed.</param>
/// <param name="Iterations">PPO iterations completed.</param>
/// <param name="Scenarios">Where the training scenarios came from.</param>
/// <param name="TrainedAt">When the file was written.</param>
public sealed record PolicyProvenance(int Seed, int Iterations, string Scenarios, DateTimeOffset TrainedAt)
{
    /// <summary>Mean efficiency of the last training iteration's episodes (for the record).</summary>
    [JsonPropertyName("lastEfficiency")]
    public double LastEfficiency { get; init; }
}
