# azd postdeploy hook (Windows): phase two of provisioning; see postdeploy.sh for the reasoning.
$ErrorActionPreference = 'Stop'

if ($env:DEPLOY_EVENT_SUBSCRIPTIONS -eq 'true') {
  Write-Host 'Event Grid subscriptions are already part of provisioning; nothing to do.'
  exit 0
}

Write-Host 'Code deployed: provisioning the Event Grid subscriptions (deployEventSubscriptions=true).'
azd env set DEPLOY_EVENT_SUBSCRIPTIONS true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
