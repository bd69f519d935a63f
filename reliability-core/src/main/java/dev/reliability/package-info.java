/**
 * The root of the reliability API: the {@link dev.reliability.TimeSource} every component reads time through, the
 * unchecked {@link dev.reliability.ReliabilityException} hierarchy, the checked functional interfaces that let
 * checked exceptions pass through unchanged, and the {@link dev.reliability.Retryable} / {@link
 * dev.reliability.NonRetryable} failure markings.
 *
 * <p>Nothing in this library accepts or returns {@code null} unless the documentation says so.
 */
package dev.reliability;
