using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;

namespace BioDapr.Control.Learning;

/// <summary>
/// The trained agent's weights file (<c>biodapr-policy/2</c>, JSON, documented in docs/cortex.md): the
/// feature and action names the model was trained with, the hidden size, every named parameter of the
/// <see cref="PolicyNetwork"/> (its shape and little-endian float32 values in base64), and how it was
/// trained (seed, iterations, scenario source, validation score). Loading checks every name and shape,
/// so a model trained for other features is refused with the reason.
/// </summary>
public static class PolicyFile
{
    /// <summary>The format identifier.</summary>
    public const string Format = "biodapr-policy/2";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically: a temporary file, then a rename).</summary>
    public static void Save(string path, PolicyNetwork model, PolicyProvenance provenance)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(provenance);
        var parameters = new SortedDictionary<string, ParameterDocument>(StringComparer.Ordinal);
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                parameters[name] = new ParameterDocument([.. parameter.shape], Encode(parameter.detach().cpu().data<float>().ToArray()));
            }
        }

        var document = new PolicyDocument(Format, [.. PathwayAgent.FeatureNames], [.. PathwayAgent.ActionNames], model.Hidden, parameters, provenance);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(document, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a weights file; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static (PolicyNetwork Model, PolicyProvenance Provenance) Load(string path)
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
            throw new InvalidDataException($"policy file '{path}': format must be '{Format}', found '{document?.Format}' (retrain: ./biodapr cortex train)");
        }

        if (document.Features is null || document.Actions is null || !document.Features.SequenceEqual(PathwayAgent.FeatureNames) || !document.Actions.SequenceEqual(PathwayAgent.ActionNames))
        {
            throw new InvalidDataException($"policy file '{path}' was trained for features [{string.Join(", ", document.Features ?? [])}] and actions [{string.Join(", ", document.Actions ?? [])}]; this build uses [{string.Join(", ", PathwayAgent.FeatureNames)}] and [{string.Join(", ", PathwayAgent.ActionNames)}]");
        }

        if (document.Hidden is < 1 or > 4096)
        {
            throw new InvalidDataException($"policy file '{path}': hidden must be between 1 and 4096, found {document.Hidden}");
        }

        var model = new PolicyNetwork(PathwayAgent.FeatureNames.Count, PathwayAgent.ActionNames.Count, document.Hidden);
        var stored = document.Parameters ?? new SortedDictionary<string, ParameterDocument>(StringComparer.Ordinal);
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (!stored.TryGetValue(name, out var saved) || saved is null)
                {
                    throw new InvalidDataException($"policy file '{path}': parameter '{name}' is missing");
                }

                var shape = parameter.shape;
                if (saved.Shape is null || !saved.Shape.SequenceEqual(shape))
                {
                    throw new InvalidDataException($"policy file '{path}': parameter '{name}' has shape [{string.Join(", ", saved.Shape ?? [])}], the model needs [{string.Join(", ", shape)}]");
                }

                var values = Decode(path, name, saved.Values, (int)shape.Aggregate(1L, (a, b) => a * b));
                using var source = torch.tensor(values, shape);
                parameter.copy_(source);
            }
        }

        var unknown = stored.Keys.Except(model.named_parameters().Select(p => p.name)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"policy file '{path}': unknown parameter(s) {string.Join(", ", unknown)}");
        }

        model.RefreshCache();
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

    private static float[] Decode(string path, string parameter, string? base64, int count)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64 ?? string.Empty);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"policy file '{path}': the values of '{parameter}' are not base64", ex);
        }

        if (bytes.Length != count * sizeof(float))
        {
            throw new InvalidDataException($"policy file '{path}': '{parameter}' has {bytes.Length / sizeof(float)} values, its shape needs {count}");
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var value = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
            values[i] = float.IsFinite(value) ? value : throw new InvalidDataException($"policy file '{path}': value {i} of '{parameter}' is not a finite number");
        }

        return values;
    }

    private sealed record PolicyDocument(
        string Format,
        string[]? Features,
        string[]? Actions,
        int Hidden,
        SortedDictionary<string, ParameterDocument>? Parameters,
        PolicyProvenance? Provenance);

    private sealed record ParameterDocument(long[]? Shape, string? Values);
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

    /// <summary>Mean efficiency of the chosen weights on the validation scenarios (weights are chosen by it, not the last iterate).</summary>
    public double ValidationEfficiency { get; init; }

    /// <summary>The iteration whose weights these are (the best on validation).</summary>
    public int ChosenIteration { get; init; }
}
