/**
 * `@azure/functions` is a webpack-bundled CommonJS module, so Node's ESM loader cannot see its
 * named exports; the values come through the default import, once, here.
 */
import sdk from '@azure/functions';

export const { app, HttpRequest, HttpResponse, InvocationContext } = sdk;
export type HttpRequest = InstanceType<typeof sdk.HttpRequest>;
export type HttpResponse = InstanceType<typeof sdk.HttpResponse>;
export type InvocationContext = InstanceType<typeof sdk.InvocationContext>;
