using System.Globalization;
using BioDapr.Launcher;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The commands that own an organism (lab, soak, chaos, immune live) stop it when they are told to stop (SIGTERM), not only on Ctrl-C.</summary>
public sealed class LabStopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Every command that owns an organism: the lab's cold start, the soak, the chaos run and the immune system's live run.
    private static string[] Arguments(string project, string output) => project switch
    {
        "BioDapr.Lab" =>
        [
            "coldstart", "--runs", "1", "--shorten", "0.1", "--rate-scale", "0.1", "--out", output,
            "--scenario", Path.Combine(LocalOrganism.RepositoryRoot, "scenarios", "reference.yaml"),
            "--hormones", Path.Combine(LocalOrganism.RepositoryRoot, "components", "local", "hormones.json"),
        ],
        "BioDapr.Recycling" => ["soak", "--rate", "5", "--duration", "10m", "--retention", "2m", "--out", Path.Combine(output, "soak")],
        "BioDapr.Chaos" => ["--quick", "--orders", "5", "--no-report", "--out", Path.Combine(output, "chaos.json")],
        "BioDapr.Immune" => ["live", "--out", Path.Combine(output, "immune-live.json")],
        _ => throw new ArgumentOutOfRangeException(nameof(project), project, "not a command that owns an organism"),
    };

    [Theory]
    [InlineData("BioDapr.Lab")]
    [InlineData("BioDapr.Recycling")]
    [InlineData("BioDapr.Chaos")]
    [InlineData("BioDapr.Immune")]
    public async Task SigTerm_OfACommandThatOwnsAnOrganism_StopsEverythingItStarted(string project)
    {
        var output = Directory.CreateTempSubdirectory("biodapr-lab-stop-").FullName;
        await using var command = ChildProcess.Start(project, Arguments(project, output), new Dictionary<string, string>());

        // Its organism is on the way: Redis, the runner and at least one sidecar (a process with daprd's --app-id) run.
        var started = await Eventually.ReturnsAsync(
            () => Task.FromResult(Descendants(command.Id)),
            tree => tree.Any(p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal)) && tree.Any(p => p.CommandLine.Contains("--app-id", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(5),
            $"{project} starts an organism");

        LocalOrganism.Terminate(command.Id).ShouldBeTrue();

        await Eventually.TrueAsync(() => command.HasExited, TimeSpan.FromMinutes(2), $"{project} stops");
        command.ExitCode.ShouldBe(130, command.Output);
        started.Where(p => IsAlive(p.Pid)).Select(p => $"{p.Pid}: {p.CommandLine}").ShouldBeEmpty($"everything {project} started is stopped");
        Directory.Delete(output, recursive: true);
    }

    private sealed record Member(int Pid, string CommandLine);

    // The process tree under root (from /proc: each process's parent is field 4 of its stat line).
    private static List<Member> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }

        var result = new List<Member>();
        var pending = new Stack<int>(children.GetValueOrDefault(root) ?? []);
        while (pending.TryPop(out var pid))
        {
            try
            {
                result.Add(new Member(pid, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return result;
    }

    // Alive and not a zombie (a zombie has ended; only its exit status waits for its parent).
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
