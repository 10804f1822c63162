// Data-plane roles for the cells' identity (built-in role definition ids).
param principalId string
param vaultName string
param appConfigName string
param serviceBusName string
param cosmosName string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var appConfigurationDataReader = '516239f1-63e1-4d78-a4de-a74fb236a071'
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = { name: vaultName }
resource appConfig 'Microsoft.AppConfiguration/configurationStores@2023-03-01' existing = { name: appConfigName }
resource serviceBus 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = { name: serviceBusName }
resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = { name: cosmosName }

resource vaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  properties: { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser) }
}

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
