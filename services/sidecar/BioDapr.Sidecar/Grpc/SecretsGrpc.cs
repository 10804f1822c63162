using BioDapr.Sidecar.BuildingBlocks;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>Secrets over gRPC, translated onto <see cref="SecretsService"/> (daprd: <c>pkg/api/universal/secrets.go</c>).</summary>
internal sealed class SecretsGrpc(SecretsService secrets)
{
    public async Task<GetSecretResponse> GetSecretAsync(GetSecretRequest request, ServerCallContext call)
    {
        var secret = await secrets.GetAsync(request.StoreName, request.Key, request.Metadata, call.CancellationToken);
        var response = new GetSecretResponse();
        response.Data.Put(secret);
        return response;
    }

    public async Task<GetBulkSecretResponse> GetBulkSecretAsync(GetBulkSecretRequest request, ServerCallContext call)
    {
        var all = await secrets.GetBulkAsync(request.StoreName, request.Metadata, call.CancellationToken);
        var response = new GetBulkSecretResponse();
        foreach (var (name, values) in all)
        {
            var secret = new SecretResponse();
            secret.Secrets.Put(values);
            response.Data[name] = secret;
        }

        return response;
    }
}
