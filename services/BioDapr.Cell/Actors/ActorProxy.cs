using System.Reflection;
using System.Text.Json;
using BioDapr.Client;

namespace BioDapr.Cell.Actors;

/// <summary>Creates typed proxies that call actors through the sidecar (<c>PUT /v1.0/actors/{type}/{id}/method/{name}</c>).</summary>
public interface IActorProxyFactory
{
    /// <summary>A proxy for the actor <paramref name="actorType"/>/<paramref name="actorId"/>.</summary>
    TActor Create<TActor>(string actorType, string actorId)
        where TActor : class, IActor;
}

/// <summary>
/// The default <see cref="IActorProxyFactory"/>. A call made while an actor turn runs carries that turn's
/// <c>Dapr-Reentrancy-Id</c>, so with reentrancy enabled a chain A → B → A does not deadlock.
/// </summary>
public sealed class ActorProxyFactory(IDaprSidecarClient client, JsonSerializerOptions json) : IActorProxyFactory
{
    /// <inheritdoc />
    public TActor Create<TActor>(string actorType, string actorId)
        where TActor : class, IActor
    {
        ArgumentException.ThrowIfNullOrEmpty(actorType);
        ArgumentException.ThrowIfNullOrEmpty(actorId);
        var proxy = DispatchProxy.Create<TActor, ActorDispatchProxy>();
        ((ActorDispatchProxy)(object)proxy).Initialize(client, json, actorType, actorId, ActorMethodTable.For(typeof(TActor), typeof(object)));
        return proxy;
    }
}

/// <summary>The turn running on this async flow (its reentrancy id), if any.</summary>
internal static class ActorTurnContext
{
    private static readonly AsyncLocal<string?> Current = new();

    public static string? ReentrancyId
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}

/// <summary>An actor call answered with an error: the actor threw, or the sidecar refused the call.</summary>
public sealed class ActorMethodException(string actorType, string actorId, string method, int statusCode, string body)
    : Exception($"Actor call {actorType}/{actorId}.{method} failed with {statusCode}: {body}")
{
    /// <summary>The HTTP status the sidecar answered.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The answer's body (the actor's error, or daprd's error JSON).</summary>
    public string Body { get; } = body;
}

/// <summary>The runtime proxy behind <see cref="ActorProxyFactory"/>.</summary>
public class ActorDispatchProxy : DispatchProxy
{
    private static readonly MethodInfo CallTyped = typeof(ActorDispatchProxy).GetMethod(nameof(CallAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
    private IDaprSidecarClient _client = null!;
    private JsonSerializerOptions _json = null!;
    private string _type = null!;
    private string _id = null!;
    private ActorMethodTable _methods = null!;

    internal void Initialize(IDaprSidecarClient client, JsonSerializerOptions json, string actorType, string actorId, ActorMethodTable methods)
    {
        _client = client;
        _json = json;
        _type = actorType;
        _id = actorId;
        _methods = methods;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (!_methods.TryGet(targetMethod.Name, out var method))
        {
            throw new NotSupportedException($"{targetMethod.Name} is not an actor method.");
        }

        args ??= [];
        var data = method.DataType is null ? null : args[0];
        var cancellationToken = method.TakesCancellation ? (CancellationToken)args[^1]! : CancellationToken.None;
        var resultType = method.ResultType ?? typeof(object);
        var task = (Task<object?>)CallTyped.Invoke(this, [targetMethod.Name, method.DataType, data, resultType, cancellationToken])!;
        return method.ResultType is null ? task : Cast(task, method.ResultType);
    }

    private async Task<object?> CallAsync(string name, Type? dataType, object? data, Type resultType, CancellationToken cancellationToken)
    {
        HttpContent? content = null;
        if (dataType is not null)
        {
            content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(data, dataType, _json));
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        }

        using var response = await _client.InvokeActorMethodWithResponseAsync(_type, _id, name, content, ActorTurnContext.ReentrancyId, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ActorMethodException(_type, _id, name, (int)response.StatusCode, System.Text.Encoding.UTF8.GetString(body));
        }

        return body.Length == 0 || resultType == typeof(object) ? null : JsonSerializer.Deserialize(body, resultType, _json);
    }

    private static object Cast(Task<object?> task, Type resultType) =>
        typeof(ActorDispatchProxy).GetMethod(nameof(CastTo), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(resultType).Invoke(null, [task])!;

    private static async Task<T> CastTo<T>(Task<object?> task) => (T)(await task.ConfigureAwait(false))!;
}
