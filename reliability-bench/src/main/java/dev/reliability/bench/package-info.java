/**
 * JMH benchmarks of the hot paths, each run side by side with Resilience4j and Failsafe in the same JVM run.
 *
 * <p>The benchmark and method names are fixed so that results can be compared over time. Each benchmark that compares
 * libraries takes an {@code impl} parameter ({@code reliability}, {@code resilience4j}, {@code failsafe}); JMH forks a
 * fresh JVM per parameter value, so every call site sees one implementation only.
 */
package dev.reliability.bench;
