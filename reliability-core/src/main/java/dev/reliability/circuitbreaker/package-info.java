/**
 * Circuit breakers: {@link dev.reliability.circuitbreaker.CircuitBreaker}, its immutable {@link
 * dev.reliability.circuitbreaker.CircuitBreakerConfig}, the {@link dev.reliability.circuitbreaker.CircuitState} machine,
 * {@link dev.reliability.circuitbreaker.CircuitStats} snapshots, {@link
 * dev.reliability.circuitbreaker.CircuitBreakerListener} events and the cheap {@link
 * dev.reliability.circuitbreaker.CallNotPermittedException}.
 *
 * <p>The state machine and its sliding windows are package-private. Breakers read time only through a {@link
 * dev.reliability.TimeSource}, so tests drive them in virtual time.
 */
package dev.reliability.circuitbreaker;
