package dev.reliability.internal;

/**
 * What a breaker persists, read from one of its phases, in JDK types only.
 *
 * @param state the state
 * @param generation the local phase's generation: a token that changes with every phase the breaker installs
 * @param openRemainingNanos for an open breaker, how long it stays open from now (never negative); otherwise 0
 * @param openNanos the current open duration, grown by reopens
 * @param reopens how many times in a row half-open failed and reopened the breaker
 * @param failures the consecutive failures
 */
public record BreakerSnapshot(
        SyncedState state, long generation, long openRemainingNanos, long openNanos, int reopens, int failures) {}
