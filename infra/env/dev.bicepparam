// Parameters of the dev environment. Secrets are passed on the command line (see infra/README.md).
using '../main.bicep'

param name = 'biodapr-dev'
param registry = 'biodaprdev.azurecr.io'
param imageTag = 'latest'

// Every cell of dapr/dapr.yaml. Actor hosts (state store with actorStateStore) keep minReplicas >= 1.
param cells = [
  { appId: 'gateway', minReplicas: 1, maxReplicas: 3, publicApi: true }
  { appId: 'orders', minReplicas: 1, maxReplicas: 3, publicApi: false }
  { appId: 'inventory', minReplicas: 1, maxReplicas: 3, publicApi: false }
  { appId: 'payments', minReplicas: 1, maxReplicas: 3, publicApi: false }
  { appId: 'notifications', minReplicas: 1, maxReplicas: 3, publicApi: true }
  { appId: 'shipping', minReplicas: 1, maxReplicas: 3, publicApi: false }
  { appId: 'cortex', minReplicas: 1, maxReplicas: 1, publicApi: true }
]

// The Dapr topics (BioDapr.Contracts.Topics) and their subscribing app ids.
param topics = [
  { name: 'orders', subscribers: [ 'notifications', 'payments', 'inventory', 'shipping' ] }
  { name: 'payments', subscribers: [ 'orders' ] }
  { name: 'shipments', subscribers: [ 'orders', 'notifications' ] }
  // Vital signs (component vitals-pubsub): read live by the cortex, kept 10 minutes (the local stream's small cap).
  { name: 'vitals', subscribers: [ 'cortex' ], retention: 'PT10M' }
  // Dead letters of every cell's subscriptions; the 'operators' subscription keeps them for the retention
  // (Service Bus message time to live, ISO 8601), as the local Redis stream keeps them for ./biodapr deadletters.
  { name: 'deadletters', subscribers: [ 'operators' ], retention: 'P7D' }
]
