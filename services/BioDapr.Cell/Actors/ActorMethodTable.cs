using System.Reflection;
using System.Text.Json;

namespace BioDapr.Cell.Actors;

/// <summary>
/// The methods of an actor interface by Dapr method name, with how to bind the JSON body and write the
/// result. Built once per type at registration; an unsupported signature fails registration with the
/// method named.
/// </summary>
public sealed class ActorMethodTable
{
    private readonly Dictionary<string, ActorMethod> _methods;

    private ActorMethodTable(Dictionary<string, ActorMethod> methods) => _methods = methods;

    /// <summary>The method names.</summary>
    public IReadOnlyCollection<string> Names => _methods.Keys;

    internal bool TryGet(string name, out ActorMethod method) => _methods.TryGetValue(name, out method!);

    /// <summary>Reads the callable methods of <paramref name="actorInterface"/> (and the timer callbacks of <paramref name="implementation"/>).</summary>
    public static ActorMethodTable For(Type actorInterface, Type implementation)
    {
        ArgumentNullException.ThrowIfNull(actorInterface);
        ArgumentNullException.ThrowIfNull(implementation);
        var methods = new Dictionary<string, ActorMethod>(StringComparer.Ordinal);
        foreach (var type in new[] { actorInterface }.Concat(actorInterface.GetInterfaces()).Where(t => typeof(IActor).IsAssignableFrom(t) && t != typeof(IActor)))
        {
            foreach (var method in type.GetMethods())
            {
                if (!methods.TryAdd(method.Name, ActorMethod.Create(method)))
                {
                    throw new InvalidOperationException($"Actor interface {actorInterface.Name} has two methods named '{method.Name}'; Dapr actor methods are addressed by name, so names must be unique.");
                }
            }
        }

        return new ActorMethodTable(methods);
    }
}

/// <summary>One callable actor method.</summary>
internal sealed class ActorMethod
{
    private ActorMethod(MethodInfo method, Type? dataType, bool takesCancellation, Type? resultType)
    {
        Method = method;
        DataType = dataType;
        TakesCancellation = takesCancellation;
        ResultType = resultType;
    }

    public MethodInfo Method { get; }

    public Type? DataType { get; }

    public bool TakesCancellation { get; }

    public Type? ResultType { get; }

    public static ActorMethod Create(MethodInfo method)
    {
        var parameters = method.GetParameters();
        var takesCancellation = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken);
        var dataParameters = takesCancellation ? parameters[..^1] : parameters;
        if (dataParameters.Length > 1)
        {
            throw new InvalidOperationException($"Actor method {method.DeclaringType?.Name}.{method.Name} takes {dataParameters.Length} data arguments; an actor method takes at most one (sent as the JSON body) plus an optional CancellationToken.");
        }

        Type? resultType;
        if (method.ReturnType == typeof(Task))
        {
            resultType = null;
        }
        else if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            resultType = method.ReturnType.GetGenericArguments()[0];
        }
        else
        {
            throw new InvalidOperationException($"Actor method {method.DeclaringType?.Name}.{method.Name} returns {method.ReturnType.Name}; actor methods return Task or Task<T>.");
        }

        return new ActorMethod(method, dataParameters.Length == 1 ? dataParameters[0].ParameterType : null, takesCancellation, resultType);
    }

    /// <summary>Binds the body, runs the method on <paramref name="actor"/> and returns the JSON result (null for none).</summary>
    public async Task<byte[]?> InvokeAsync(object actor, ReadOnlyMemory<byte> body, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var arguments = new List<object?>(2);
        if (DataType is not null)
        {
            try
            {
                arguments.Add(body.IsEmpty ? null : JsonSerializer.Deserialize(body.Span, DataType, json));
            }
            catch (JsonException ex)
            {
                throw new ActorArgumentException($"The body of actor method '{Method.Name}' is not valid JSON for {DataType.Name}: {ex.Message}", ex);
            }
        }

        if (TakesCancellation)
        {
            arguments.Add(cancellationToken);
        }

        object? returned;
        try
        {
            returned = Method.Invoke(actor, [.. arguments]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        var task = (Task)returned!;
        await task.ConfigureAwait(false);
        if (ResultType is null)
        {
            return null;
        }

        var result = task.GetType().GetProperty(nameof(Task<int>.Result))!.GetValue(task);
        return JsonSerializer.SerializeToUtf8Bytes(result, ResultType, json);
    }
}

/// <summary>The body of an actor call could not be bound to the method's argument.</summary>
public sealed class ActorArgumentException(string message, Exception inner) : Exception(message, inner);
