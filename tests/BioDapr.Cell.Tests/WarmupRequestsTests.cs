using System.Net;
using BioDapr.Cell.Hosting;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Tests;

public sealed class WarmupRequestsTests
{
    [Fact]
    public void OnlyALoopbackRequestWithThisProcesssToken_IsAWarmup()
    {
        var warmup = new WarmupRequests();

        warmup.IsWarmup(Request(IPAddress.Loopback, warmup.Token)).ShouldBeTrue();
        warmup.IsWarmup(Request(IPAddress.IPv6Loopback, warmup.Token)).ShouldBeTrue();
        warmup.IsWarmup(Request(IPAddress.Loopback, null)).ShouldBeFalse("no header");
        warmup.IsWarmup(Request(IPAddress.Loopback, new WarmupRequests().Token)).ShouldBeFalse("another process's token");
        warmup.IsWarmup(Request(IPAddress.Loopback, warmup.Token[..^1])).ShouldBeFalse("a prefix of the token");
        warmup.IsWarmup(Request(IPAddress.Parse("10.1.2.3"), warmup.Token)).ShouldBeFalse("not from loopback");
        warmup.IsWarmup(Request(null, warmup.Token)).ShouldBeFalse("no remote address");
    }

    private static HttpRequest Request(IPAddress? from, string? token)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = from;
        if (token is not null)
        {
            context.Request.Headers[WarmupRequests.Header] = token;
        }

        return context.Request;
    }
}
