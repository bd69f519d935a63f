package dev.reliability.state;

import java.util.Objects;

/**
 * A value together with its version, for optimistic concurrency through {@link StateStore#compareAndSetVersion}. The
 * first write of a new key gives version 1 and every later write adds one, so a writer that read version {@code v} and
 * whose compare-and-set succeeded knows the new version is {@code v + 1}. (A key written over an expired one may
 * continue from the expired one's version instead of 1.)
 *
 * @param value the value
 * @param version the version, at least 1
 */
public record VersionedValue(StateValue value, long version) {

    /**
     * Checks the components.
     *
     * @param value the value
     * @param version the version, at least 1
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code version} is less than 1
     */
    public VersionedValue {
        Objects.requireNonNull(value, "value");
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
    }
}
