/**
 * A Micrometer binding: {@link dev.reliability.micrometer.ReliabilityMetrics} exposes a registry's breakers, retries
 * and retry budgets as meters.
 */
package dev.reliability.micrometer;
