// The Dapr components of the environment, from infra/components.json (generated from components/azure
// by `./biodapr aca-components`): every {name, envRef} metadata entry gets its value from `values`.
param environmentName string
param components array
param values object

resource environment 'Microsoft.App/managedEnvironments@2026-01-01' existing = { name: environmentName }

resource daprComponents 'Microsoft.App/managedEnvironments/daprComponents@2026-01-01' = [for component in components: {
  parent: environment
  name: component.name
  properties: union(component.properties, {
    metadata: map(component.properties.metadata, m => contains(m, 'envRef') ? { name: m.name, value: values[m.envRef] } : m)
  })
}]
