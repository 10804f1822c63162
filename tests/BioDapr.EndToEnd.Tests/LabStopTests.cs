using System.Globalization;
using BioDapr.Launcher;
using BioDapr.Testing;

namespace BioDapr.EndToEnd.Tests;

/// <summary>The lab's commands that own an organism stop it when they are told to stop (SIGTERM), not only on Ctrl-C.</summary>
public sealed class LabStopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SigTerm_OfTheColdStartCommand_StopsTheOrganismItStarted()
    {
        var output = Directory.CreateTempSubdirectory("biodapr-lab-stop-").FullName;
        await using var lab = ChildProcess.Start(
            "BioDapr.Lab",
            [
                "coldstart", "--runs", "1", "--shorten", "0.1", "--rate-scale", "0.1", "--out", output,
                "--scenario", Path.Combine(LocalOrganism.RepositoryRoot, "scenarios", "reference.yaml"),
                "--hormones", Path.Combine(LocalOrganism.RepositoryRoot, "components", "local", "hormones.json"),
            ],
            new Dictionary<string, string>());

        // Its organism is on the way: Redis, the runner and at least one sidecar (a process with daprd's --app-id) run.
        var started = await Eventually.ReturnsAsync(
            () => Task.FromResult(Descendants(lab.Id)),
            tree => tree.Any(p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal)) && tree.Any(p => p.CommandLine.Contains("--app-id", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(5),
            "the lab starts an organism");

        LocalOrganism.Terminate(lab.Id).ShouldBeTrue();

        await Eventually.TrueAsync(() => lab.HasExited, TimeSpan.FromMinutes(2), "the lab stops");
        lab.ExitCode.ShouldBe(130, lab.Output);
        started.Where(p => IsAlive(p.Pid)).Select(p => $"{p.Pid}: {p.CommandLine}").ShouldBeEmpty("everything the lab started is stopped");
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
