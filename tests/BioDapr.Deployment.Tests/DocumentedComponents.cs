namespace BioDapr.Deployment.Tests;

/// <summary>
/// The component types BioDapr's environments use and the metadata fields Dapr documents for each
/// (components-contrib v1.18 <c>metadata.yaml</c> files and the Azure AD authentication profile), plus
/// the fields daprd itself reads on any component of a building block.
/// </summary>
internal static class DocumentedComponents
{
    private static readonly string[] AzureAd = ["azureClientId", "azureTenantId", "azureClientSecret", "azureCertificate", "azureCertificateFile", "azureCertificatePassword", "azureEnvironment"];

    private static readonly string[] RedisCommon =
    [
        "redisHost", "redisPort", "redisUsername", "redisPassword", "redisType", "redisDB", "redisMaxRetries", "redisMinRetryInterval",
        "redisMaxRetryInterval", "enableTLS", "insecureSkipTLSVerify", "clientCert", "clientKey", "failover", "sentinelMasterName",
        "sentinelUsername", "sentinelPassword", "dialTimeout", "readTimeout", "writeTimeout", "poolSize", "poolTimeout", "maxConnAge",
        "minIdleConns", "idleCheckFrequency", "idleTimeout", "useEntraID", "useOIDC",
    ];

    /// <summary>Fields daprd reads itself, by building block.</summary>
    private static readonly Dictionary<string, string[]> Runtime = new(StringComparer.Ordinal)
    {
        ["state"] = ["actorStateStore", "keyPrefix"],
        ["pubsub"] = ["allowedTopics", "publishingScopes", "subscriptionScopes", "protectedTopics", "consumerID"],
        ["configuration"] = [],
        ["secretstores"] = [],
    };

    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Fields = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["pubsub.redis"] = Set(RedisCommon, ["consumerID", "redeliverInterval", "processingTimeout", "queueDepth", "concurrency", "maxLenApprox", "streamTTL"]),
        ["state.redis"] = Set(RedisCommon, ["ttlInSeconds", "queryIndexes"]),
        ["configuration.redis"] = Set(RedisCommon),
        ["secretstores.local.file"] = Set(["secretsFile", "nestedSeparator", "multiValued"]),
        ["pubsub.azure.servicebus.topics"] = Set(AzureAd,
        [
            "connectionString", "namespaceName", "consumerID", "maxRetriableErrorsPerSec", "minConnectionRecoveryInSec", "maxConnectionRecoveryInSec",
            "maxActiveMessages", "maxConcurrentHandlers", "lockRenewalInSec", "timeoutInSec", "disableEntityManagement", "lockDurationInSec",
            "autoDeleteOnIdleInSec", "defaultMessageTimeToLiveInSec", "maxDeliveryCount", "handlerTimeoutInSec", "publishMaxRetries",
            "publishInitialRetryIntervalInMs",
        ]),
        ["state.azure.cosmosdb"] = Set(AzureAd, ["masterKey", "url", "database", "collection", "contenttype"]),
        ["configuration.azure.appconfig"] = Set(AzureAd, ["connectionString", "host", "maxRetries", "retryDelay", "maxRetryDelay", "subscribePollInterval", "requesttimeout"]),
        ["secretstores.azure.keyvault"] = Set(AzureAd, ["vaultName"]),
    };

    public static IReadOnlySet<string> RuntimeFields(string buildingBlock) => Runtime.TryGetValue(buildingBlock, out var fields) ? fields.ToHashSet(StringComparer.Ordinal) : [];

    private static HashSet<string> Set(params string[][] groups) => groups.SelectMany(g => g).ToHashSet(StringComparer.Ordinal);
}
