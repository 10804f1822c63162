// One app's read access to Key Vault, secret by secret: the app's system-assigned identity (the one its
// Dapr sidecar uses for the secret store) gets Key Vault Secrets User on each secret it may read, and on
// nothing else (infra/secret-access.json, from the allowedSecrets of dapr/config/<app>.yaml).
param vaultName string
param principalId string
@description('The secrets (names in the vault) this app may read.')
param secretNames array

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = { name: vaultName }

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = [for name in secretNames: {
  parent: vault
  name: name
}]

resource secretAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (name, i) in secretNames: {
  scope: secrets[i]
  name: guid(vault.id, name, principalId, keyVaultSecretsUser)
  properties: { principalId: principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser) }
}]
