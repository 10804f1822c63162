// One cell: a container app with Dapr enabled (app id, HTTP app protocol), health probes on /healthz
// (503 until the cell is warmed up), the cells' shared identity and its own system identity, and KEDA
// scale rules (HTTP concurrency; Service Bus backlog for subscribers; the cortex's forecast: a KEDA metrics-api
// rule reading the desired replicas the cortex serves for this app). Actor hosts keep minReplicas >= 1
// so reminders fire. ACA takes the highest replica count any rule asks for.
// Two ports: the Dapr app port (8081, APP_PORT) serves only the sidecar's callbacks, with the APP_API_TOKEN
// that Container Apps generates per app and revision and gives both daprd and the container (so none is set
// here: a value of our own would differ from daprd's and every callback would be refused); the ingress
// targets the public port (8080, PUBLIC_PORT), which serves only the cell's public API. A cell without a
// public API has no ingress at all: other cells reach it through Dapr.
param location string
param environmentId string
param identityId string
param identityClientId string
param appId string
param image string
param registry string
@minValue(0)
param minReplicas int
@minValue(1)
param maxReplicas int
param serviceBusNamespace string
@description('Topics this app subscribes to (empty strings are ignored).')
param subscriptions array
param env array
@description('Whether the cell has a public API (an ingress on its public port).')
param publicApi bool
@description('The cortex endpoint with this app\'s desired replicas (GET, JSON {"replicas": n}); empty: no forecast rule.')
param desiredReplicasUrl string = ''

var publicPort = 8080
var appPort = 8081
var topics = filter(subscriptions, t => !empty(t))
var busRules = [for topic in topics: {
  name: 'backlog-${topic}'
  custom: {
    type: 'azure-servicebus'
    metadata: { namespace: split(serviceBusNamespace, '.')[0], topicName: topic, subscriptionName: appId, messageCount: '50' }
    identity: identityId
  }
}]

// KEDA metrics-api (a ScaledObject scaler, so ACA accepts it as a custom rule): replicas = ceil(value / targetValue),
// so with a target of 1 the app runs the replicas the cortex asks for (within min/max, and never fewer than the
// other rules want).
var forecastRule = {
  name: 'forecast'
  custom: {
    type: 'metrics-api'
    metadata: { url: desiredReplicasUrl, format: 'json', valueLocation: 'replicas', targetValue: '1' }
  }
}

resource app 'Microsoft.App/containerApps@2026-01-01' = {
  name: appId
  location: location
  // The shared identity pulls images and reads App Configuration and Service Bus; the app's own system
  // identity is what its sidecar reads Key Vault with (per-secret roles: modules/secretAccess.bicep).
  identity: { type: 'SystemAssigned,UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    managedEnvironmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: publicApi ? { external: appId == 'gateway', targetPort: publicPort, transport: 'http' } : null
      registries: [ { server: registry, identity: identityId } ]
      dapr: { enabled: true, appId: appId, appPort: appPort, appProtocol: 'http', logLevel: 'info', enableApiLogging: false }
    }
    template: {
      containers: [
        {
          name: appId
          image: image
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat(env, [ { name: 'APP_PORT', value: string(appPort) }, { name: 'Cell__Name', value: appId } ], publicApi ? [ { name: 'PUBLIC_PORT', value: string(publicPort) } ] : [])
          probes: [
            // /healthz answers on both ports; it is 503 while the cell warms up (JIT, connections, hormones).
            { type: 'Startup', httpGet: { path: '/healthz', port: appPort }, periodSeconds: 2, failureThreshold: 60 }
            { type: 'Liveness', httpGet: { path: '/healthz', port: appPort }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Readiness', httpGet: { path: '/healthz', port: appPort }, periodSeconds: 5, failureThreshold: 3 }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: concat([ { name: 'http', http: { metadata: { concurrentRequests: '50' } } } ], busRules, empty(desiredReplicasUrl) ? [] : [ forecastRule ])
      }
    }
  }
}

output fqdn string = publicApi ? app.properties.configuration.ingress.fqdn : ''

output clientId string = identityClientId
output principalId string = app.identity.principalId
