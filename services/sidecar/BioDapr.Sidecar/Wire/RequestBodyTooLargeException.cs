namespace BioDapr.Sidecar.Wire;

/// <summary>The request body is larger than <c>--max-body-size</c> (4 MiB by default). The message is daprd's.</summary>
internal sealed class RequestBodyTooLargeException() : Exception("stream too large");
