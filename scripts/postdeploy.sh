#!/bin/sh
# azd postdeploy hook: phase two of provisioning. Event Grid subscriptions that target a function can be
# created only once the function exists, so the first `azd up` provisions without them
# (deployEventSubscriptions=false), deploys the code, and this hook provisions again with them.
# Later runs find DEPLOY_EVENT_SUBSCRIPTIONS=true and provision everything in one pass.
set -eu

if [ "${DEPLOY_EVENT_SUBSCRIPTIONS:-false}" = "true" ]; then
  echo "Event Grid subscriptions are already part of provisioning; nothing to do."
  exit 0
fi

echo "Code deployed: provisioning the Event Grid subscriptions (deployEventSubscriptions=true)."
azd env set DEPLOY_EVENT_SUBSCRIPTIONS true
azd provision --no-prompt
