using System.Globalization;
using BioDapr.Simulation.Training;

namespace BioDapr.Lab;

/// <summary><c>train</c>: PPO on generated scenarios; prints progress with the time left; resumes from the checkpoint.</summary>
internal static class TrainCommand
{
    public const string DefaultPolicy = "services/cells/BioDapr.Cortex/policy/cortex-policy.json";

    public static int Run(string[] args)
    {
        Options options;
        try
        {
            options = new Options(args, "iterations", "episodes", "seed", "out", "fresh", "hidden", "validation", "curve", "score");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"train: {ex.Message}");
            return 2;
        }

        var settings = new PpoTrainingSettings
        {
            Iterations = options.Integer("iterations", 60, 1, 100_000),
            EpisodesPerIteration = options.Integer("episodes", 8, 1, 1_000),
            Seed = options.Integer("seed", 7),
            Hidden = options.Integer("hidden", 64, 4, 1024),
            ValidationScenarios = options.Integer("validation", 4, 1, 1_000),
        };
        var score = options.Text("score", string.Empty);
        if (score.Length > 0)
        {
            // Scores existing weights on the same validation scenarios the training chooses by (to compare a new run
            // with the shipped weights on the current simulator); trains nothing.
            if (!File.Exists(score))
            {
                Console.Error.WriteLine($"train: --score {score}: no such weights file");
                return 2;
            }

            var (model, _) = BioDapr.Control.Learning.PolicyFile.Load(score);
            using (model)
            {
                BioDapr.Control.Learning.PolicyNetwork.SingleThreaded();
                var validation = PpoTrainer.Validate(model, settings.ValidationScenarios);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation efficiency of {score} on {settings.ValidationScenarios} validation scenarios: {validation:F4}"));
            }

            return 0;
        }

        var output = options.Text("out", DefaultPolicy);
        var checkpoint = output + ".checkpoint";
        if (options.Flag("fresh") && File.Exists(checkpoint))
        {
            File.Delete(checkpoint);
        }

        // The learning curve (iteration, training efficiency, reward, validation efficiency) for the plots.
        var curve = options.Text("curve", string.Empty);
        if (curve.Length > 0)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(curve))!);
            if (!File.Exists(checkpoint) || !File.Exists(curve))
            {
                File.WriteAllText(curve, "iteration,efficiency,reward,validation\n");
            }
        }

        Console.WriteLine($"training: seed {settings.Seed}, {settings.Iterations} iterations x {settings.EpisodesPerIteration} generated scenarios; checkpoint {checkpoint}");
        using var stop = Options.StopOnCtrlC("stopping after this iteration; run the same command again to resume from the checkpoint");
        try
        {
            var result = new PpoTrainer(settings).Train(output, checkpoint, p =>
            {
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{p.Iteration,4}/{p.Of}] efficiency {p.MeanEfficiency:F3}  reward {p.MeanReward:F3}  policy {p.Losses.Policy:F4}  value {p.Losses.Value:F4}  clipped {p.Losses.ClippedShare:P0}  validation {(p.Validation is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-")}  elapsed {Options.Duration(p.Elapsed)}  ETA {Options.Duration(p.Remaining)}"));
                if (curve.Length > 0)
                {
                    File.AppendAllText(curve, string.Create(CultureInfo.InvariantCulture, $"{p.Iteration},{p.MeanEfficiency:F4},{p.MeanReward:F4},{(p.Validation is { } val ? val.ToString("F4", CultureInfo.InvariantCulture) : string.Empty)}\n"));
                }
            }, stop.Token);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chosen on validation: iteration {result.ChosenIteration}, efficiency {result.ValidationEfficiency:F3}"));
            result.Model.Dispose();
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        File.Delete(checkpoint);
        Console.WriteLine($"wrote {output}");
        return 0;
    }
}
