// One Service Bus subscription per subscribing Dapr app: Dapr's consumerID defaults to the app id.
param namespaceName string
param topicName string
param subscribers array
@description('How long a message is kept in each subscription (ISO 8601 duration); empty: Service Bus default.')
param messageTimeToLive string = ''

resource topic 'Microsoft.ServiceBus/namespaces/topics@2021-11-01' existing = {
  name: '${namespaceName}/${topicName}'
}

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2021-11-01' = [for appId in subscribers: {
  parent: topic
  name: appId
  properties: union({ maxDeliveryCount: 10, lockDuration: 'PT1M' }, empty(messageTimeToLive) ? {} : { defaultMessageTimeToLive: messageTimeToLive })
}]
