using System.Reflection;
using BioDapr.Sidecar.Wire;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// Binds the methods of one protobuf service descriptor to handlers by name, with marshallers built from
/// the message types' own parsers (no hand-written encoding). Methods without a handler answer with
/// <see cref="Fallbacks"/>. Every handler runs behind <see cref="GrpcCallGuard"/> (API token, trace
/// context; one span per call, a stream's from its start to its end) and has <see cref="DaprApiException"/>
/// translated by <see cref="GrpcErrors"/>.
/// </summary>
/// <typeparam name="TService">The marker type Grpc.AspNetCore maps (<c>MapGrpcService&lt;TService&gt;</c>).</typeparam>
internal sealed class GrpcServiceTable<TService>(ServiceDescriptor descriptor, GrpcCallGuard guard)
    where TService : class
{
    private static readonly MethodInfo BindFallbackMethod = typeof(GrpcServiceTable<TService>).GetMethod(nameof(BindFallback), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly Dictionary<string, Action<ServiceMethodProviderContext<TService>>> _bindings = new(StringComparer.Ordinal);

    /// <summary>The error of a method without a handler, by method name; the rest answer daprd's <c>ERR_API_UNIMPLEMENTED</c>.</summary>
    public Dictionary<string, DaprError> Fallbacks { get; } = new(StringComparer.Ordinal);

    public void Unary<TRequest, TResponse>(string name, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = Method<TRequest, TResponse>(MethodType.Unary, name);
        _bindings.Add(name, context => context.AddUnaryMethod(method, [], (_, request, call) =>
            TracedAsync(call, () => handler(request, call), isStream: false)));
    }

    public void ServerStreaming<TRequest, TResponse>(string name, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = Method<TRequest, TResponse>(MethodType.ServerStreaming, name);
        _bindings.Add(name, context => context.AddServerStreamingMethod(method, [], (_, request, writer, call) =>
            TracedStreamAsync(call, () => handler(request, writer, call))));
    }

    public void Duplex<TRequest, TResponse>(string name, Func<IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = Method<TRequest, TResponse>(MethodType.DuplexStreaming, name);
        _bindings.Add(name, context => context.AddDuplexStreamingMethod(method, [], (_, reader, writer, call) =>
            TracedStreamAsync(call, () => handler(reader, writer, call))));
    }

    // A stream is one span, as daprd's GRPCTraceStreamServerInterceptor records it: from the call's start to its end (a
    // configuration or topic subscription lives as long as its subscriber), its status the stream's ending status.
    private Task<bool> TracedStreamAsync(ServerCallContext call, Func<Task> handler) =>
        TracedAsync(call, async () => { await handler(); return true; }, isStream: true);

    // A call under its span. The span's status, as daprd's: the call's gRPC status code when it fails; a stream whose
    // subscriber went away (or whose sidecar is stopping) ends cancelled.
    private async Task<T> TracedAsync<T>(ServerCallContext call, Func<Task<T>> handler, bool isStream)
    {
        guard.Enter(call);
        var error = nameof(StatusCode.Unknown);
        try
        {
            var result = await handler();
            error = null;
            return result;
        }
        catch (DaprApiException ex)
        {
            var failure = GrpcErrors.ToRpcException(ex.Error);
            error = failure.StatusCode.ToString();
            throw failure;
        }
        catch (RpcException ex)
        {
            error = ex.StatusCode.ToString();
            throw;
        }
        catch (OperationCanceledException) when (isStream && call.CancellationToken.IsCancellationRequested)
        {
            error = nameof(StatusCode.Cancelled);
            throw;
        }
        finally
        {
            guard.Exit(call, error);
        }
    }

    /// <summary>Adds every method of the descriptor: the handlers given, the fallback for the rest.</summary>
    public void BindAll(ServiceMethodProviderContext<TService> context)
    {
        foreach (var method in descriptor.Methods)
        {
            if (_bindings.TryGetValue(method.Name, out var bind))
            {
                bind(context);
            }
            else
            {
                BindFallbackMethod.MakeGenericMethod(method.InputType.ClrType, method.OutputType.ClrType).Invoke(this, [context, method]);
            }
        }

        var unknown = _bindings.Keys.Except(descriptor.Methods.Select(m => m.Name), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"handlers for methods that {descriptor.FullName} does not have: {string.Join(", ", unknown)}");
        }
    }

    private void BindFallback<TRequest, TResponse>(ServiceMethodProviderContext<TService> context, MethodDescriptor descriptorMethod)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var type = (descriptorMethod.IsClientStreaming, descriptorMethod.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var method = Method<TRequest, TResponse>(type, descriptorMethod.Name);
        RpcException Refuse(ServerCallContext call)
        {
            guard.Enter(call);
            var refusal = GrpcErrors.ToRpcException(Fallbacks.GetValueOrDefault(descriptorMethod.Name) ?? DaprErrors.NotImplemented());
            // The refused call's span ends here, as any call's (an activity left running would never be exported).
            guard.Exit(call, refusal.StatusCode.ToString());
            return refusal;
        }

        switch (type)
        {
            case MethodType.Unary:
                context.AddUnaryMethod(method, [], (_, _, call) => Task.FromException<TResponse>(Refuse(call)));
                break;
            case MethodType.ServerStreaming:
                context.AddServerStreamingMethod(method, [], (_, _, _, call) => Task.FromException(Refuse(call)));
                break;
            case MethodType.ClientStreaming:
                context.AddClientStreamingMethod(method, [], (_, _, call) => Task.FromException<TResponse>(Refuse(call)));
                break;
            default:
                context.AddDuplexStreamingMethod(method, [], (_, _, _, call) => Task.FromException(Refuse(call)));
                break;
        }
    }

    private Method<TRequest, TResponse> Method<TRequest, TResponse>(MethodType type, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(type, descriptor.FullName, name, ProtobufMarshaller<TRequest>.Instance, ProtobufMarshaller<TResponse>.Instance);
}
