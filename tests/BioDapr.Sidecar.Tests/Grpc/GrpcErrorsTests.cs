using System.Text.Json;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Grpc;
using BioDapr.Sidecar.Wire;
using Google.Rpc;
using Grpc.Core;

namespace BioDapr.Sidecar.Tests.Grpc;

public sealed class GrpcErrorsTests
{
    [Fact]
    public void ToRpcException_KitError_CarriesErrorInfoAndResourceInfo()
    {
        var error = DaprErrors.PubSubNotFound("orders", new Dictionary<string, string>());

        var rpc = GrpcErrors.ToRpcException(error);

        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.Status.Detail.ShouldBe("pubsub orders is not found");
        var status = rpc.GetRpcStatus()!;
        status.GetDetail<ErrorInfo>()!.Reason.ShouldBe("DAPR_PUBSUB_NOT_FOUND");
        status.GetDetail<ErrorInfo>()!.Domain.ShouldBe("dapr.io");
        status.GetDetail<ResourceInfo>()!.ResourceName.ShouldBe("orders");
    }

    [Fact]
    public void ToRpcException_PlainApiError_HasNoDetails()
    {
        var rpc = GrpcErrors.ToRpcException(DaprErrors.SecretStoreNotFound("vault"));

        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.GetRpcStatus().ShouldBeNull();
    }

    [Theory]
    [InlineData(409, StatusCode.Aborted)]
    [InlineData(400, StatusCode.InvalidArgument)]
    [InlineData(500, StatusCode.Internal)]
    public void StateSave_MapsTheHttpStatusToDaprdsGrpcCode(int status, StatusCode expected)
    {
        var error = DaprErrors.StateSave(status, "statestore", "x");

        error.GrpcCode.ShouldBe(expected);
        GrpcErrors.ToRpcException(error).GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason.ShouldBe("ERR_STATE_SAVE");
    }

    [Fact]
    public void StoreNotConfigured_IsFailedPrecondition_AsInDaprd()
    {
        DaprErrors.StateStoreNotConfigured("s", "app").GrpcCode.ShouldBe(StatusCode.FailedPrecondition);
        DaprErrors.PubSubNotConfigured("p", new Dictionary<string, string>()).GrpcCode.ShouldBe(StatusCode.FailedPrecondition);
        DaprErrors.ActorReminderExists("r").GrpcCode.ShouldBe(StatusCode.AlreadyExists);
        DaprErrors.BodyTooLarge(10).StatusCode.ShouldBe(413);
    }

    [Fact]
    public void TopicEvent_DecodesDataPerContentType_AndKeepsOtherAttributesAsExtensions()
    {
        using var json = JsonDocument.Parse("""{"id":"1","source":"app","type":"t","specversion":"1.0","datacontenttype":"application/json","data":{"a":1},"topic":"orders","traceparent":"00-x"}""");
        var request = GrpcAppChannel.TopicEvent(json.RootElement, "orders", "pubsub", "/route");

        request.Data.ToStringUtf8().ShouldBe("""{"a":1}""");
        request.Extensions.Fields.Keys.Order().ShouldBe(["topic", "traceparent"]);
        request.Path.ShouldBe("/route");

        using var text = JsonDocument.Parse("""{"id":"2","datacontenttype":"text/plain","data":"hello"}""");
        GrpcAppChannel.TopicEvent(text.RootElement, "t", "p", "/").Data.ToStringUtf8().ShouldBe("hello");
        using var binary = JsonDocument.Parse("""{"id":"3","datacontenttype":"application/octet-stream","data_base64":"AQID"}""");
        GrpcAppChannel.TopicEvent(binary.RootElement, "t", "p", "/").Data.ToByteArray().ShouldBe(new byte[] { 1, 2, 3 });
    }
}
