import type { BlobLeaseClient, ContainerClient } from '@azure/storage-blob';
import type { BlobContainerName } from './resources.js';
import { blobServiceClient } from './storage.js';

/**
 * A blob lease as a distributed lock ("Lease Blob", Storage REST API, Microsoft Learn): a fixed
 * lease lasts 15 to 60 seconds (infinite leases are not offered here: a holder that dies would keep
 * the lock until someone breaks it); while it is active, acquiring it again fails with 409
 * `LeaseAlreadyPresent`; once released, anyone may acquire it at once; once expired, anyone may
 * acquire it, and the old holder's renew or release fails (409 `LeaseIdMismatchWithLeaseOperation`).
 */
export const MIN_LEASE_SECONDS = 15;
export const MAX_LEASE_SECONDS = 60;

const LEASE_CONTAINER: BlobContainerName = 'leases';

/** Blob names we lease: plain names, so a lease name never needs escaping in logs or URLs. */
const LEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export interface HeldLease {
  readonly name: string;
  readonly leaseId: string;
  /** Extends the lease by its duration. False when it is no longer ours (it expired and someone took it). */
  renew(): Promise<boolean>;
  /** Lets the next holder in at once. Releasing a lease that is no longer ours does nothing. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  /** 15-60 whole seconds; 60 by default. */
  durationSeconds?: number;
  /** Where `AzureWebJobsStorage` is read; process.env by default. */
  env?: Record<string, string | undefined>;
}

type StorageError = { statusCode?: number; code?: string; details?: { errorCode?: string } };

function errorCode(error: unknown): { status: number | undefined; code: string | undefined } {
  const e = error as StorageError;
  return { status: e?.statusCode, code: e?.code ?? e?.details?.errorCode };
}

const isMissing = (error: unknown) => errorCode(error).status === 404;
const isLeased = (error: unknown) => errorCode(error).code === 'LeaseAlreadyPresent';
const isNotOurs = (error: unknown) => {
  const { status, code } = errorCode(error);
  return (
    status === 409 &&
    (code === 'LeaseIdMismatchWithLeaseOperation' || code === 'LeaseNotPresentWithLeaseOperation')
  );
};

/** Creates the container and an empty blob to lease; another caller creating them first is fine. */
async function createLeaseBlob(container: ContainerClient, name: string): Promise<void> {
  await container.createIfNotExists();
  try {
    await container.getBlockBlobClient(name).upload('', 0, { conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    // 409 BlobAlreadyExists, or 412 (lease id missing) when a racer has already leased it: it exists.
    const { status } = errorCode(error);
    if (status !== 409 && status !== 412) throw error;
  }
}

function held(name: string, lease: BlobLeaseClient): HeldLease {
  return {
    name,
    leaseId: lease.leaseId,
    async renew() {
      try {
        await lease.renewLease();
        return true;
      } catch (error) {
        if (isNotOurs(error)) return false;
        throw error;
      }
    },
    async release() {
      try {
        await lease.releaseLease();
      } catch (error) {
        if (!isNotOurs(error)) throw error;
      }
    },
  };
}

/**
 * Acquires the lease on blob `name` in the `leases` container, creating the container and the blob
 * when absent. Undefined when someone else holds it; storage failures are thrown as the SDK throws them.
 */
export async function acquireLease(name: string, options: LeaseOptions = {}): Promise<HeldLease | undefined> {
  const duration = options.durationSeconds ?? MAX_LEASE_SECONDS;
  if (!Number.isInteger(duration) || duration < MIN_LEASE_SECONDS || duration > MAX_LEASE_SECONDS) {
    throw new RangeError(
      `A lease lasts ${MIN_LEASE_SECONDS}-${MAX_LEASE_SECONDS} whole seconds, not ${duration}.`,
    );
  }
  if (!LEASE_NAME.test(name)) {
    throw new RangeError(`"${name.slice(0, 40)}" is not a lease name (letters, digits, . _ -; at most 200).`);
  }
  const container = blobServiceClient(options.env).getContainerClient(LEASE_CONTAINER);
  const lease = container.getBlobClient(name).getBlobLeaseClient();
  const acquire = async () => {
    try {
      await lease.acquireLease(duration);
      return held(name, lease);
    } catch (error) {
      if (isLeased(error)) return undefined;
      throw error;
    }
  };
  try {
    return await acquire();
  } catch (error) {
    if (!isMissing(error)) throw error;
    await createLeaseBlob(container, name);
    return acquire();
  }
}
