// BioDapr on Azure Container Apps: one environment with Log Analytics, a user-assigned identity that
// every cell runs as (plus each cell's system identity for its own secrets), Key Vault (secrets), App Configuration (hormones), Service Bus (neurotransmitters),
// Cosmos DB (state and actors), the Dapr components translated from components/azure, and one
// container app per cell. Deploy: see infra/README.md.
targetScope = 'resourceGroup'

@description('Environment name, used as a prefix of every resource name (e.g. biodapr-dev).')
@minLength(3)
@maxLength(16)
param name string

param location string = resourceGroup().location

@description('Container registry login server holding the cell images (e.g. myregistry.azurecr.io).')
param registry string

@description('Whether each cell (but the cortex) gets a KEDA metrics-api scale rule reading its desired replicas from the cortex (GET /scaling/{appId}).')
param predictiveScaling bool = true

@description('Image tag to deploy for every cell.')
param imageTag string

@description('The cells: one container app each. appId must match dapr/dapr.yaml and the component scopes; publicApi: whether it has an ingress (its public port).')
param cells array

@description('Service Bus topics (the Dapr topics) and the app ids subscribed to each.')
param topics array

@description('Secrets written to Key Vault (name → value); pass them at deployment time, never in a parameters file.')
@secure()
param secrets object = {}

@description('How clients authenticate at the gateway: Keys (the API keys of the gateway-api-keys secret), Oidc (Microsoft Entra ID access tokens) or Both.')
@allowed([ 'Keys', 'Oidc', 'Both' ])
param gatewayAuthentication string = 'Keys'

@description('The Microsoft Entra ID tenant (directory) id whose access tokens the gateway accepts (Oidc or Both).')
param entraTenantId string = ''

@description('The audience of the gateway\'s access tokens: its app registration\'s Application ID URI (e.g. api://biodapr-gateway) or client id (Oidc or Both).')
param gatewayAudience string = ''

var suffix = uniqueString(resourceGroup().id, name)
// The gateway validates Entra ID v2.0 access tokens: discovery and keys from the tenant's v2.0 authority.
var gatewayAuthenticationEnv = concat(
  [ { name: 'Gateway__Authentication__Mode', value: gatewayAuthentication } ],
  gatewayAuthentication == 'Keys' ? [] : [
    { name: 'Gateway__Authentication__Oidc__Authority', value: '${az.environment().authentication.loginEndpoint}${entraTenantId}/v2.0' }
    { name: 'Gateway__Authentication__Oidc__Audience', value: gatewayAudience }
  ])
var components = loadJsonContent('components.json')
// Which secrets each app may read (the allowedSecrets of dapr/config/<app>.yaml; a test keeps them equal).
var secretAccess = loadJsonContent('secret-access.json')
var hormones = loadJsonContent('../components/azure/hormones.json')
var sentinelKey = 'hormones.sentinel'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-cells'
  location: location
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('${name}-kv-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
  }
}

resource vaultSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secret in items(secrets): {
  parent: vault
  name: secret.key
  properties: { value: secret.value }
}]

resource appConfig 'Microsoft.AppConfiguration/configurationStores@2023-03-01' = {
  name: '${name}-hormones-${suffix}'
  location: location
  sku: { name: 'standard' }
}

// Hormone defaults (components/azure/hormones.json) and the sentinel key the subscriptions poll.
resource hormoneValues 'Microsoft.AppConfiguration/configurationStores/keyValues@2023-03-01' = [for hormone in items(union(hormones, { '${sentinelKey}': '1' })): {
  parent: appConfig
  name: hormone.key
  properties: { value: hormone.value }
}]

resource serviceBus 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: '${name}-bus-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
}

resource busTopics 'Microsoft.ServiceBus/namespaces/topics@2021-11-01' = [for topic in topics: {
  parent: serviceBus
  name: topic.name
}]

module busSubscriptions 'modules/topicSubscriptions.bicep' = [for (topic, i) in topics: {
  name: 'subscriptions-${topic.name}'
  params: { namespaceName: serviceBus.name, topicName: topic.name, subscribers: topic.subscribers, messageTimeToLive: topic.?retention ?? '' }
  dependsOn: [ busTopics[i] ]
}]

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: '${name}-state-${suffix}'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [ { locationName: location, failoverPriority: 0 } ]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    disableLocalAuth: true
  }
}

resource cosmosDatabase 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'biodapr'
  properties: { resource: { id: 'biodapr' } }
}

// Dapr's Cosmos DB state store (and actors) requires the partition key path /partitionKey.
resource cosmosContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = {
  parent: cosmosDatabase
  name: 'state'
  properties: { resource: { id: 'state', partitionKey: { paths: [ '/partitionKey' ], kind: 'Hash' } } }
}

module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    principalId: identity.properties.principalId
    appConfigName: appConfig.name
    serviceBusName: serviceBus.name
    cosmosName: cosmos.name
  }
}

resource environment 'Microsoft.App/managedEnvironments@2026-01-01' = {
  name: '${name}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logs.properties.customerId, sharedKey: logs.listKeys().primarySharedKey }
    }
  }
}

module daprComponents 'modules/daprComponents.bicep' = {
  name: 'dapr-components'
  params: {
    environmentName: environment.name
    components: components
    // Each envRef of components/azure, filled from the deployed resources.
    values: {
      SERVICEBUS_NAMESPACE: '${serviceBus.name}.servicebus.windows.net'
      AZURE_CLIENT_ID: identity.properties.clientId
      COSMOS_URL: cosmos.properties.documentEndpoint
      APPCONFIG_ENDPOINT: appConfig.properties.endpoint
      KEYVAULT_NAME: vault.name
    }
  }
}

module apps 'modules/containerApp.bicep' = [for cell in cells: {
  name: 'app-${cell.appId}'
  params: {
    location: location
    environmentId: environment.id
    identityId: identity.id
    identityClientId: identity.properties.clientId
    appId: cell.appId
    image: '${registry}/biodapr/${cell.appId}:${imageTag}'
    registry: registry
    minReplicas: cell.minReplicas
    maxReplicas: cell.maxReplicas
    serviceBusNamespace: '${serviceBus.name}.servicebus.windows.net'
    subscriptions: [for topic in topics: contains(topic.subscribers, cell.appId) ? topic.name : '']
    publicApi: cell.publicApi
    // The cortex's forecast drives every other cell (internal ingress of the cortex, its public port).
    desiredReplicasUrl: predictiveScaling && cell.appId != 'cortex' && contains(map(cells, c => c.appId), 'cortex')
      ? 'https://cortex.internal.${environment.properties.defaultDomain}/scaling/${cell.appId}'
      : ''
    env: concat([
      { name: 'Hormones__hormones__Metadata__sentinelKey', value: sentinelKey }
      { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
    ], cell.appId == 'gateway' ? gatewayAuthenticationEnv : [],
      // Dead letters are Service Bus messages here, expired by the operators subscription's TTL: the cortex trims no Redis stream.
      cell.appId == 'cortex' ? [ { name: 'Cortex__DeadLetters__Redis', value: '' } ] : [])
  }
  dependsOn: [ daprComponents, access ]
}]

// Each app reads exactly its own secrets, with its own identity (the Key Vault secret store has no
// azureClientId, so the app's sidecar uses the app's system identity).
module appSecretAccess 'modules/secretAccess.bicep' = [for (cell, i) in cells: {
  name: 'secrets-${cell.appId}'
  params: {
    vaultName: vault.name
    principalId: apps[i].outputs.principalId
    secretNames: secretAccess[?cell.appId] ?? []
  }
  dependsOn: [ vaultSecrets ]
}]

output environmentName string = environment.name
output appConfigEndpoint string = appConfig.properties.endpoint
output keyVaultName string = vault.name
