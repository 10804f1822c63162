using System.Diagnostics;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

/// <summary>A real short-lived child process: its exit is reported only with its last words read.</summary>
public sealed class ChildProcessTests
{
    [Fact]
    public async Task HasExited_OnlyOnceTheLastLinesAreRead()
    {
        // The OS reports the exit before the output pipe is drained; the runner's startup check reads
        // HasExited and then Tail, so both must agree (CI once saw "exited with code 3" with no lines).
        for (var round = 0; round < 40; round++)
        {
            var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "echo last-words; exit 3" } };
            await using var child = ChildProcess.Start(start, "[t] ", console: null, logPath: null);
            while (!child.HasExited)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }

            child.ExitCode.ShouldBe(3);
            child.Tail.ShouldContain("last-words", $"round {round}");
        }
    }
}
