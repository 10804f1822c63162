using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace BioDapr.Testing.Http;

/// <summary>
/// An <see cref="HttpMessageHandler"/> for unit tests of HTTP clients. It records every request
/// (headers as sent, body bytes) and answers from a queue of scripted responses, falling back to a
/// responder function when the queue is empty. Without either it fails the request with an
/// <see cref="InvalidOperationException"/> naming it, so an unexpected call cannot pass silently.
/// </summary>
public sealed class CapturingHttpMessageHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<CapturedHttpRequest, CancellationToken, Task<HttpResponseMessage>>> _scripted = new();
    private readonly List<CapturedHttpRequest> _requests = [];
    private readonly Lock _gate = new();
    private Func<CapturedHttpRequest, CancellationToken, Task<HttpResponseMessage>>? _responder;

    /// <summary>Creates a handler with no responses; script some with <c>Enqueue…</c> or <see cref="RespondWith(Func{CapturedHttpRequest, HttpResponseMessage})"/>.</summary>
    public CapturingHttpMessageHandler()
    {
    }

    /// <summary>Creates a handler that answers every request with <paramref name="responder"/>.</summary>
    public CapturingHttpMessageHandler(Func<CapturedHttpRequest, HttpResponseMessage> responder)
    {
        RespondWith(responder);
    }

    /// <summary>Every request received so far, in order.</summary>
    public IReadOnlyList<CapturedHttpRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The only request received; fails when there were none or several.</summary>
    public CapturedHttpRequest SingleRequest =>
        Requests is [var only] ? only : throw new InvalidOperationException($"Expected exactly one request, got {Requests.Count}: {string.Join("; ", Requests)}");

    /// <summary>The last request received.</summary>
    public CapturedHttpRequest LastRequest =>
        Requests is [.., var last] ? last : throw new InvalidOperationException("No request was received.");

    /// <summary>Answers requests that find the queue empty.</summary>
    public CapturingHttpMessageHandler RespondWith(Func<CapturedHttpRequest, HttpResponseMessage> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        _responder = (request, _) => Task.FromResult(responder(request));
        return this;
    }

    /// <summary>Answers requests that find the queue empty, asynchronously (observe the token to test cancellation).</summary>
    public CapturingHttpMessageHandler RespondWith(Func<CapturedHttpRequest, CancellationToken, Task<HttpResponseMessage>> responder)
    {
        ArgumentNullException.ThrowIfNull(responder);
        _responder = responder;
        return this;
    }

    /// <summary>Queues a response for the next request.</summary>
    public CapturingHttpMessageHandler Enqueue(Func<CapturedHttpRequest, HttpResponseMessage> response)
    {
        ArgumentNullException.ThrowIfNull(response);
        _scripted.Enqueue((request, _) => Task.FromResult(response(request)));
        return this;
    }

    /// <summary>Queues a response with a status, an optional body and content type, and optional headers.</summary>
    public CapturingHttpMessageHandler Enqueue(
        HttpStatusCode status, string? body = null, string? contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null) =>
        Enqueue(_ => Response(status, body, contentType, headers));

    /// <summary>Queues a JSON response.</summary>
    public CapturingHttpMessageHandler EnqueueJson(HttpStatusCode status, string json) => Enqueue(status, json, "application/json");

    /// <summary>Queues a failure of the transport itself (for example connection refused).</summary>
    public CapturingHttpMessageHandler EnqueueException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _scripted.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    /// <summary>Builds a response: body as UTF-8 with the content type set verbatim, plus headers.</summary>
    public static HttpResponseMessage Response(
        HttpStatusCode status, string? body = null, string? contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null)
    {
        var response = new HttpResponseMessage(status);
        if (body is not null)
        {
            response.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content ??= new ByteArrayContent([]);
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var captured = await CaptureAsync(request, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _requests.Add(captured);
        }

        var respond = _scripted.TryDequeue(out var scripted) ? scripted : _responder;
        if (respond is null)
        {
            throw new InvalidOperationException($"CapturingHttpMessageHandler has no response scripted for {captured}.");
        }

        var response = await respond(captured, cancellationToken).ConfigureAwait(false);
        response.RequestMessage ??= request;
        return response;
    }

    private static async Task<CapturedHttpRequest> CaptureAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            headers[name] = [.. values];
        }

        var body = Array.Empty<byte>();
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers.NonValidated)
            {
                headers[name] = [.. values];
            }

            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        return new CapturedHttpRequest(request.Method, request.RequestUri, headers, body);
    }
}
