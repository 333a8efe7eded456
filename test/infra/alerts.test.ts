import { describe, expect, it } from 'vitest';
import { metricsCatalogue } from '../../shared/catalogue.js';
import type { MetricsCatalogue } from '../../shared/platform/metrics.js';
import { asString, dig, type Value } from './lib/bicep-eval.js';
import { mainTemplate, moduleOf, only, resourcesOfType } from './lib/main-template.js';

// Issue 20: the alert rules read the metrics the code emits (AppMetrics: Name, Properties = the
// metric's attributes), so a renamed metric or attribute cannot leave an alert that never fires.

/** What a log alert query reads: the metric names it filters on and the attributes it uses. */
function queryReads(query: string): { metrics: string[]; attributes: string[] } {
  return {
    metrics: [...query.matchAll(/\bName\s*==\s*"([^"]+)"/g)].map((m) => m[1] as string),
    attributes: [...query.matchAll(/\bProperties\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string),
  };
}

/** Problems of one query against the catalogue: unknown metrics, and attributes none of its metrics carry. */
function queryProblems(rule: string, query: string, catalogue: MetricsCatalogue): string[] {
  const { metrics, attributes } = queryReads(query);
  const problems: string[] = [];
  if (metrics.length === 0) problems.push(`${rule}: reads no metric by name`);
  const specs = metrics.map((name) => catalogue.find((spec) => spec.name === name));
  metrics.forEach((name, i) => {
    if (!specs[i]) problems.push(`${rule}: no metric named ${name} in the code`);
  });
  for (const attribute of attributes) {
    if (!specs.some((spec) => spec && attribute in spec.attributes))
      problems.push(`${rule}: no metric it reads carries the attribute ${attribute}`);
  }
  return problems;
}

async function alertRules(args: Record<string, string | boolean> = {}) {
  const alerts = moduleOf(await mainTemplate(args), 'alerts');
  return {
    alerts,
    rules: resourcesOfType(alerts, 'Microsoft.Insights/scheduledQueryRules').map((decl) => {
      const body = only(alerts.body(decl), decl.symbol);
      const [criterion] = dig(body, 'properties.criteria.allOf') as Value[];
      const query = asString(dig(criterion ?? null, 'query') ?? null);
      return { symbol: decl.symbol, body, query };
    }),
  };
}

describe('alert rules (infra/modules/alerts.bicep)', () => {
  it('every query reads metrics and attributes the code emits', async () => {
    const { rules } = await alertRules();
    expect(rules.map((rule) => rule.symbol).sort()).toEqual([
      'auditIngestLag',
      'managedCredentialExpiring',
      'rotationFailures',
      'tokenFailures',
      'validationUnavailable',
    ]);
    const problems = rules.flatMap((rule) => queryProblems(rule.symbol, rule.query, metricsCatalogue));
    expect(problems).toEqual([]);
  });

  it('the check fails on a renamed metric or attribute', () => {
    expect(
      queryProblems(
        'r',
        'AppMetrics | where Name == "gateway_plumbing.validation" | where Properties.outcome == 1',
        metricsCatalogue,
      ),
    ).toEqual([
      'r: no metric named gateway_plumbing.validation in the code',
      'r: no metric it reads carries the attribute outcome',
    ]);
    expect(
      queryProblems(
        'r',
        'AppMetrics | where Name == "gateway_plumbing.validations" | where Properties.result == 1',
        metricsCatalogue,
      ),
    ).toEqual(['r: no metric it reads carries the attribute result']);
    expect(queryProblems('r', 'AppRequests | take 1', metricsCatalogue)).toEqual([
      'r: reads no metric by name',
    ]);
  });

  it('each rule alerts the action group, which notifies the configured e-mail and webhook', async () => {
    const { alerts, rules } = await alertRules({
      alertEmail: 'ops@contoso.example',
      alertWebhookUrl: 'https://hooks.example/x',
    });
    const [group] = resourcesOfType(alerts, 'Microsoft.Insights/actionGroups');
    const body = only(alerts.body(group!), 'action group');
    const [email] = dig(body, 'properties.emailReceivers') as Value[];
    const [webhook] = dig(body, 'properties.webhookReceivers') as Value[];
    expect(dig(email ?? null, 'emailAddress')).toBe('ops@contoso.example');
    expect(dig(webhook ?? null, 'serviceUri')).toBe('https://hooks.example/x');
    for (const rule of rules) {
      expect(dig(rule.body, 'properties.actions.actionGroups') as Value[], rule.symbol).toHaveLength(1);
      expect(dig(rule.body, 'properties.enabled'), rule.symbol).toBe(true);
    }
  });

  it('alerts are on by default', async () => {
    const main = await mainTemplate();
    expect(only(main.value('enableAlerts'), 'enableAlerts')).toBe(true);
  });
});
