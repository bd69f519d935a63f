/**
 * Retry: {@link dev.reliability.retry.RetryPolicy} says when and how long to wait, {@link dev.reliability.retry.Retry}
 * runs calls under a policy, and {@link dev.reliability.retry.RetryBudget} caps the retries that many callers may add
 * together, so a failing dependency does not turn into a retry storm.
 */
package dev.reliability.retry;
