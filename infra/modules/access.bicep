// Data-plane roles for the cells' shared identity (built-in role definition ids). No Key Vault role: each app's
// sidecar reads only its own secrets with its own identity (modules/secretAccess.bicep).
param principalId string
param appConfigName string
param serviceBusName string
param cosmosName string

var appConfigurationDataReader = '516239f1-63e1-4d78-a4de-a74fb236a071'
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

resource appConfig 'Microsoft.AppConfiguration/configurationStores@2023-03-01' existing = { name: appConfigName }
resource serviceBus 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = { name: serviceBusName }
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = { name: cosmosName }

resource appConfigAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: appConfig
  name: guid(appConfig.id, principalId, appConfigurationDataReader)
  properties: { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', appConfigurationDataReader) }
}

resource busAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: serviceBus
  name: guid(serviceBus.id, principalId, serviceBusDataOwner)
  properties: { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwner) }
}

resource cosmosAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, principalId, cosmosDataContributor)
  properties: { principalId: principalId, roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}', scope: cosmos.id }
}
