using System.Diagnostics;
using BioDapr.Control.Learning;
using BioDapr.Scenarios;
using BioDapr.Simulation.Evaluation;
using BioDapr.Simulation.Training;

namespace BioDapr.Lab;

/// <summary><c>bench --scenario file</c>: every controller × seeds on one scenario (the issue-6 benchmark); prints the tables, writes JSON/CSV and SVG plots.</summary>
internal static class ScenarioBenchCommand
{
    public static int Run(string[] args)
    {
        Options options;
        try
        {
            options = new Options(args, "scenario", "seeds", "out", "fresh", "policy", "controllers", "population", "generations");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"bench --scenario: {ex.Message}");
            return 2;
        }

        var scenarioPath = options.Text("scenario", "scenarios/reference.yaml");
        var output = options.Text("out", "docs/benchmarks/cortex");
        var policyPath = options.Text("policy", TrainCommand.DefaultPolicy);
        Scenario scenario;
        IPolicyModel policy;
        int seeds, population, generations;
        try
        {
            scenario = ScenarioParser.Load(scenarioPath);
            policy = PolicyFile.Load(policyPath).Model;
            seeds = options.Integer("seeds", 20, 1, 1_000);
            population = options.Integer("population", 20, 4, 10_000);
            generations = options.Integer("generations", 10, 1, 10_000);
        }
        catch (Exception ex) when (ex is ScenarioFormatException or InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"bench --scenario: {ex.Message}");
            return 2;
        }

        var controllers = options.Text("controllers", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = controllers.Except(ControllerBenchmark.ControllerNames).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"bench --scenario: unknown controller(s) {string.Join(", ", unknown)} (known: {string.Join(", ", ControllerBenchmark.ControllerNames)})");
            return 2;
        }

        var settings = new BenchmarkSettings
        {
            OutputDirectory = output,
            Seeds = Enumerable.Range(1, seeds).ToList(),
            Fresh = options.Flag("fresh"),
            Controllers = controllers.Length == 0 ? null : controllers,
            PolicyFingerprint = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(policyPath))),
            Search = new SearchSettings { Population = population, Generations = generations },
        };
        Console.WriteLine($"cortex benchmark: scenario '{scenario.Name}' ({scenarioPath}), {seeds} seeds, policy {policyPath}, results in {output}");
        using var stop = Options.StopOnCtrlC("stopping; finished runs are kept, run the same command again to resume");
        IReadOnlyList<ControllerSummary> summaries;
        var benchmark = new ControllerBenchmark(settings, policy);
        try
        {
            summaries = benchmark.Run(scenario, File.ReadAllText(scenarioPath), Console.WriteLine, stop.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        Console.WriteLine();
        Console.WriteLine(BenchmarkFiles.Table(summaries));
        Console.WriteLine(BenchmarkFiles.PhaseTable(summaries, scenario));
        Console.WriteLine("Paired differences, cortex − baseline, efficiency points with 95 % CI over the seeds (* = the interval excludes 0):");
        Console.WriteLine(BenchmarkFiles.PairedTable(benchmark.PairedRows, scenario));
        Plot(output);
        return 0;
    }

    internal static void Plot(string directory)
    {
        try
        {
            using var gnuplot = Process.Start(new ProcessStartInfo("gnuplot", "plots.gp") { WorkingDirectory = directory, RedirectStandardError = true });
            gnuplot!.WaitForExit();
            Console.WriteLine(gnuplot.ExitCode == 0
                ? $"plots: {directory}/goodput.svg, p99.svg, limit-*.svg, timeout-*.svg"
                : $"gnuplot failed ({gnuplot.StandardError.ReadToEnd().Trim()}); the data and plots.gp are in {directory}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"gnuplot is not installed (apt-get install gnuplot-nox); the data and plots.gp are in {directory}");
        }
    }
}
