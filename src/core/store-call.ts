import { SessionError, StoreError } from "./errors.js";

/** Awaits a store operation; anything it throws that is not already a `SessionError` becomes a `StoreError`. */
export async function storeCall<T>(operation: string, command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new StoreError(operation, error);
  }
}
