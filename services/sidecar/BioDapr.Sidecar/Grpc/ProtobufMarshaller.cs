using Google.Protobuf;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>A gRPC marshaller for one generated protobuf message type, using the type's own parser and writer.</summary>
internal static class ProtobufMarshaller<T>
    where T : class, IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());

    public static Marshaller<T> Instance { get; } = Marshallers.Create<T>(
        (message, context) =>
        {
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        },
        context => Parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
