using System.Net;
using System.Text;
using System.Text.Json;
using BioDapr.Cell.Actors;
using Microsoft.Extensions.DependencyInjection;

namespace BioDapr.Cell.Tests;

/// <summary>A cell hosting actors with the SDK, called exactly as daprd calls it (reference §A2–A3).</summary>
public sealed class ActorsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Deposit(decimal Amount);

    public interface IAccount : IActor
    {
        Task<decimal> DepositAsync(Deposit deposit);

        Task<decimal> BalanceAsync(CancellationToken cancellationToken);

        Task FailAfterWritingAsync();

        Task CloseAsync();
    }

    public sealed class Account(Journal journal) : Actor, IAccount, IRemindable
    {
        public async Task<decimal> DepositAsync(Deposit deposit)
        {
            var balance = await StateManager.GetStateOrDefaultAsync("balance", 0m) + deposit.Amount;
            await StateManager.SetStateAsync("balance", balance);
            await StateManager.SetStateAsync("last", deposit);
            return balance;
        }

        public Task<decimal> BalanceAsync(CancellationToken cancellationToken) => StateManager.GetStateOrDefaultAsync("balance", 0m, cancellationToken);

        public async Task FailAfterWritingAsync()
        {
            await StateManager.SetStateAsync("balance", -1m);
            throw new InvalidOperationException("the ledger is closed");
        }

        public async Task CloseAsync() => await StateManager.TryRemoveStateAsync("balance");

        public Task ReceiveReminderAsync(string reminderName, JsonElement? data, CancellationToken cancellationToken)
        {
            journal.Add($"reminder {Id} {reminderName} {data?.GetRawText() ?? "none"}");
            return Task.CompletedTask;
        }

        public Task Audit(JsonElement? data)
        {
            journal.Add($"timer {Id} {data?.GetRawText()}");
            return Task.CompletedTask;
        }

        protected override Task OnActivateAsync(CancellationToken cancellationToken)
        {
            journal.Add($"activate {Id}");
            return Task.CompletedTask;
        }

        protected override Task OnDeactivateAsync(CancellationToken cancellationToken)
        {
            journal.Add($"deactivate {Id}");
            return Task.CompletedTask;
        }
    }

    public sealed class Journal
    {
        private readonly List<string> _entries = [];

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public void Add(string entry)
        {
            lock (_entries)
            {
                _entries.Add(entry);
            }
        }
    }

    [Fact]
    public async Task DaprConfig_ListsTheTypesAndSettingsInDaprsFormat()
    {
        await using var cell = await StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(90);
            o.ReentrancyEnabled = true;
            o.ReentrancyMaxStackDepth = 8;
        });

        using var response = await cell.Client.GetAsync("/dapr/config", Ct);
        var config = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        config.GetProperty("entities").EnumerateArray().Select(e => e.GetString()).ShouldBe(["Account"]);
        config.GetProperty("actorIdleTimeout").GetString().ShouldBe("1h30m0s");
        config.GetProperty("drainOngoingCallTimeout").GetString().ShouldBe("2s");
        config.GetProperty("reentrancy").GetProperty("enabled").GetBoolean().ShouldBeTrue();
        config.GetProperty("reentrancy").GetProperty("maxStackDepth").GetInt32().ShouldBe(8);
    }

    [Fact]
    public async Task MethodCall_Answers200WithTheJsonResult_AndSavesTheTurnInOneTransaction()
    {
        await using var cell = await StartAsync();

        using var response = await Put(cell, "/actors/Account/a1/method/DepositAsync", """{"amount":12.5}""");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("12.5");
        var writes = cell.Sidecar.Requests.Where(r => r.Method == HttpMethod.Post && r.Path.StartsWith("/v1.0/actors/", StringComparison.Ordinal)).ToList();
        writes.Count.ShouldBe(1);
        writes[0].Path.ShouldBe("/v1.0/actors/Account/a1/state");
        var operations = writes[0].BodyJson().EnumerateArray().ToList();
        operations.Select(o => o.GetProperty("operation").GetString()).ShouldBe(["upsert", "upsert"]);
        operations.Select(o => o.GetProperty("request").GetProperty("key").GetString()).ShouldBe(["balance", "last"]);
    }

    [Fact]
    public async Task State_IsCachedForTheActivation_AndReadAgainAfterDeactivation()
    {
        await using var cell = await StartAsync();
        await Put(cell, "/actors/Account/a2/method/DepositAsync", """{"amount":5}""");
        await Put(cell, "/actors/Account/a2/method/DepositAsync", """{"amount":5}""");
        var readsWhileActive = StateReads(cell);

        using var deactivate = await cell.Client.DeleteAsync("/actors/Account/a2", Ct);
        using var balance = await Put(cell, "/actors/Account/a2/method/BalanceAsync", "");

        readsWhileActive.ShouldBe(1);
        deactivate.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await balance.Content.ReadAsStringAsync(Ct)).ShouldBe("10");
        StateReads(cell).ShouldBe(2);
        cell.App.Services.GetRequiredService<Journal>().Entries.ShouldBe(["activate a2", "deactivate a2", "activate a2"]);
    }

    [Fact]
    public async Task AThrowingTurn_SavesNothing_AndAnswers500WithTheDaprErrorResponseHeader()
    {
        await using var cell = await StartAsync();
        await Put(cell, "/actors/Account/a3/method/DepositAsync", """{"amount":7}""");

        using var failed = await Put(cell, "/actors/Account/a3/method/FailAfterWritingAsync", "");
        using var balance = await Put(cell, "/actors/Account/a3/method/BalanceAsync", "");

        failed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        failed.Headers.Contains("X-DaprErrorResponseHeader").ShouldBeTrue();
        (await failed.Content.ReadAsStringAsync(Ct)).ShouldContain("the ledger is closed");
        (await balance.Content.ReadAsStringAsync(Ct)).ShouldBe("7");
    }

    [Fact]
    public async Task UnknownMethodsAndTypes_Are404_AndABadBodyIs400()
    {
        await using var cell = await StartAsync();

        using var unknownMethod = await Put(cell, "/actors/Account/a4/method/Steal", "");
        using var unknownType = await Put(cell, "/actors/Vault/v/method/DepositAsync", "");
        using var badBody = await Put(cell, "/actors/Account/a4/method/DepositAsync", "{not json");

        unknownMethod.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknownType.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        badBody.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badBody.Content.ReadAsStringAsync(Ct)).ShouldContain("DepositAsync");
    }

    [Fact]
    public async Task ReminderAndTimerCallbacks_InDaprdsShapes_ReachTheActor()
    {
        await using var cell = await StartAsync();

        using var reminder = await Put(cell, "/actors/Account/a5/method/remind/monthly", """{"data":{"fee":2},"dueTime":"","period":""}""");
        using var timer = await Put(cell, "/actors/Account/a5/method/timer/audit", """{"callback":"Audit","data":[1,2],"dueTime":"0s","period":"1m"}""");

        reminder.StatusCode.ShouldBe(HttpStatusCode.OK);
        timer.StatusCode.ShouldBe(HttpStatusCode.OK);
        cell.App.Services.GetRequiredService<Journal>().Entries.ShouldBe(["activate a5", "reminder a5 monthly {\"fee\":2}", "timer a5 [1,2]"]);
    }

    [Fact]
    public async Task RemovingState_IsADeleteOperation()
    {
        await using var cell = await StartAsync();
        await Put(cell, "/actors/Account/a6/method/DepositAsync", """{"amount":1}""");

        using var close = await Put(cell, "/actors/Account/a6/method/CloseAsync", "");

        close.StatusCode.ShouldBe(HttpStatusCode.OK);
        var last = cell.Sidecar.Requests.Last(r => r.Method == HttpMethod.Post);
        last.BodyJson()[0].GetProperty("operation").GetString().ShouldBe("delete");
        lock (cell.ActorState)
        {
            cell.ActorState.ContainsKey("Account||a6||balance").ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Proxy_CallsTheSidecarsActorApi_WithTheInterfaceMethodName()
    {
        await using var cell = await StartAsync();
        cell.Sidecar.RespondWith(request => request.Path.Contains("/method/", StringComparison.Ordinal)
            ? BioDapr.Testing.Http.CapturingHttpMessageHandler.Response(HttpStatusCode.OK, "42.5", "application/json")
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        var proxy = cell.App.Services.GetRequiredService<IActorProxyFactory>().Create<IAccount>("Account", "remote-1");

        var balance = await proxy.DepositAsync(new Deposit(2));

        balance.ShouldBe(42.5m);
        var call = cell.Sidecar.LastRequest;
        call.Method.ShouldBe(HttpMethod.Put);
        call.Path.ShouldBe("/v1.0/actors/Account/remote-1/method/DepositAsync");
        call.BodyText.ShouldBe("""{"amount":2}""");
    }

    [Fact]
    public async Task Proxy_ThrowsActorMethodException_WithTheSidecarsAnswer()
    {
        await using var cell = await StartAsync();
        cell.Sidecar.RespondWith(_ => BioDapr.Testing.Http.CapturingHttpMessageHandler.Response(HttpStatusCode.NotFound, """{"errorCode":"ERR_ACTOR_NO_ADDRESS","message":"did not find address for actor 'Account||x'"}""", "application/json"));
        var proxy = cell.App.Services.GetRequiredService<IActorProxyFactory>().Create<IAccount>("Account", "x");

        var error = await Should.ThrowAsync<ActorMethodException>(() => proxy.CloseAsync());

        error.StatusCode.ShouldBe(404);
        error.Body.ShouldContain("ERR_ACTOR_NO_ADDRESS");
    }

    [Fact]
    public void Registration_RejectsSignaturesDaprCannotCall()
    {
        var options = new ActorOptions();

        var error = Should.Throw<InvalidOperationException>(() => options.RegisterActor<IBadActor, BadActor>());

        error.Message.ShouldContain("Move");
        error.Message.ShouldContain("at most one");
    }

    public interface IBadActor : IActor
    {
        Task Move(int x, int y);
    }

    public sealed class BadActor : Actor, IBadActor
    {
        public Task Move(int x, int y) => Task.CompletedTask;
    }

    private static Task<TestCell> StartAsync(Action<ActorOptions>? configure = null) =>
        TestCell.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton<Journal>();
            builder.Services.AddActors(options =>
            {
                options.RegisterActor<IAccount, Account>();
                configure?.Invoke(options);
            });
        });

    private static Task<HttpResponseMessage> Put(TestCell cell, string path, string body) =>
        cell.Client.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);

    private static int StateReads(TestCell cell) =>
        cell.Sidecar.Requests.Count(r => r.Method == HttpMethod.Get && r.Path.Contains("/state/", StringComparison.Ordinal));
}
