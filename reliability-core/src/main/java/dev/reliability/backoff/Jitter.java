package dev.reliability.backoff;

import dev.reliability.internal.Preconditions;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Randomises a delay so that clients failing together do not retry together. Applied after the cap of {@link
 * Backoff#withMaxDelay}. Immutable and thread-safe; the randomness comes from the {@link RandomGenerator} passed to
 * {@link Backoff#delay}.
 */
public final class Jitter {

    /** No randomisation: the delay is used as computed. */
    public static final Jitter NONE = new Jitter(Kind.NONE, 0);

    /** Full jitter: a delay {@code d} becomes uniform in {@code [0, d]}. */
    public static final Jitter FULL = new Jitter(Kind.FULL, 0);

    /** Equal jitter: a delay {@code d} becomes {@code d/2 + uniform[0, d/2]}, so never less than half of it. */
    public static final Jitter EQUAL = new Jitter(Kind.EQUAL, 0);

    /**
     * Decorrelated jitter (AWS): each delay is {@code min(cap, uniform[base, 3 * previous])}, where {@code base} is the
     * strategy's first delay, {@code previous} the delay actually used before, and {@code cap} the backoff's maximum
     * delay. The strategy's own growth is ignored; the random walk provides it.
     */
    public static final Jitter DECORRELATED = new Jitter(Kind.DECORRELATED, 0);

    private enum Kind {
        NONE,
        FULL,
        EQUAL,
        DECORRELATED,
        PROPORTIONAL
    }

    private final Kind kind;
    private final double factor;

    private Jitter(Kind kind, double factor) {
        this.kind = kind;
        this.factor = factor;
    }

    /**
     * Returns proportional jitter: a delay {@code d} becomes uniform in {@code [d * (1 - factor), d * (1 + factor)]}.
     * The result may exceed the backoff's maximum delay by up to the factor.
     *
     * @param factor the relative spread, in {@code [0, 1]}
     * @return the jitter
     * @throws IllegalArgumentException if {@code factor} is NaN or outside {@code [0, 1]}
     */
    public static Jitter proportional(double factor) {
        Preconditions.checkRange(factor, 0, 1, "factor");
        return new Jitter(Kind.PROPORTIONAL, factor);
    }

    /**
     * Applies this jitter.
     *
     * @param delay the capped delay, in nanoseconds
     * @param previous the delay used before the previous retry (the base delay before the first)
     * @param base the capped delay of the first retry
     * @param cap the maximum delay
     */
    long apply(long delay, long previous, long base, long cap, RandomGenerator random) {
        switch (kind) {
            case NONE -> {
                return delay;
            }
            case FULL -> {
                return Saturating.uniform(random, 0, delay);
            }
            case EQUAL -> {
                long half = delay / 2;
                return (delay - half) + Saturating.uniform(random, 0, half);
            }
            case DECORRELATED -> {
                long high = Math.max(base, Saturating.multiply(previous, 3L));
                return Math.min(cap, Saturating.uniform(random, base, high));
            }
            case PROPORTIONAL -> {
                long low = Saturating.multiply(delay, 1 - factor);
                return Saturating.uniform(random, low, Saturating.multiply(delay, 1 + factor));
            }
            default -> throw new AssertionError(kind);
        }
    }

    /** Returns whether this jitter needs the previous delay, which only decorrelated jitter does. */
    boolean isDecorrelated() {
        return kind == Kind.DECORRELATED;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Jitter that && kind == that.kind && factor == that.factor;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, factor);
    }

    @Override
    public String toString() {
        return kind == Kind.PROPORTIONAL ? "Jitter.proportional(" + factor + ")" : "Jitter." + kind;
    }
}
