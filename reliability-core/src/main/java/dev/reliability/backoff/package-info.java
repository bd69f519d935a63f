/**
 * Backoff: how long to wait before each retry. {@link dev.reliability.backoff.Backoff} combines a delay strategy
 * (fixed, exponential, linear or custom), an optional cap and a {@link dev.reliability.backoff.Jitter}. All arithmetic
 * saturates, so no attempt number or base delay can produce a negative or wrapped delay.
 */
package dev.reliability.backoff;
