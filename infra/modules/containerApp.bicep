// One cell: a container app with Dapr enabled (app id, HTTP app protocol, app port 8080), health
// probes on /healthz, the cells' shared identity and its own system identity, and KEDA scale rules (HTTP concurrency; Service Bus backlog
// for subscribers). Actor hosts keep minReplicas >= 1 so reminders fire.
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

var port = 8080
var topics = filter(subscriptions, t => !empty(t))
var busRules = [for topic in topics: {
  name: 'backlog-${topic}'
  custom: {
    type: 'azure-servicebus'
    metadata: { namespace: split(serviceBusNamespace, '.')[0], topicName: topic, subscriptionName: appId, messageCount: '50' }
    identity: identityId
  }
}]

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
      ingress: { external: appId == 'gateway', targetPort: port, transport: 'http' }
      registries: [ { server: registry, identity: identityId } ]
      dapr: { enabled: true, appId: appId, appPort: port, appProtocol: 'http', logLevel: 'info', enableApiLogging: false }
    }
    template: {
      containers: [
        {
          name: appId
          image: image
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat(env, [ { name: 'ASPNETCORE_HTTP_PORTS', value: string(port) }, { name: 'Cell__Name', value: appId } ])
          probes: [
            { type: 'Liveness', httpGet: { path: '/healthz', port: port }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Readiness', httpGet: { path: '/healthz', port: port }, periodSeconds: 5, failureThreshold: 3 }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: concat([ { name: 'http', http: { metadata: { concurrentRequests: '50' } } } ], busRules)
      }
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
output clientId string = identityClientId
output principalId string = app.identity.principalId
