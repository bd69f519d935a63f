package dev.reliability.circuitbreaker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A thread-safe listener that records every event, for assertions. */
final class RecordingListener implements CircuitBreakerListener {
    final ConcurrentLinkedQueue<StateTransition> transitions = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<CircuitState> rejections = new ConcurrentLinkedQueue<>();
    final AtomicLong successes = new AtomicLong();
    final ConcurrentLinkedQueue<Object> errors = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> durations = new ConcurrentLinkedQueue<>();

    @Override
    public void onStateTransition(StateTransition transition) {
        transitions.add(transition);
    }

    @Override
    public void onCallNotPermitted(String breakerName, CircuitState state) {
        rejections.add(state);
    }

    @Override
    public void onSuccess(String breakerName, long durationNanos) {
        successes.incrementAndGet();
        durations.add(durationNanos);
    }

    @Override
    public void onError(String breakerName, long durationNanos, Throwable error) {
        errors.add(error == null ? "result" : error);
        durations.add(durationNanos);
    }

    /** The transitions as "FROM->TO" strings, in publication order. */
    List<String> path() {
        List<String> path = new ArrayList<>();
        for (StateTransition t : transitions) {
            path.add(t.from() + "->" + t.to());
        }
        return path;
    }
}
