/** A {@link dev.reliability.state.StateStore} on Caffeine, with per-entry TTLs read from a {@code TimeSource}. */
module dev.reliability.state.memory {
    requires transitive dev.reliability.core;
    requires com.github.benmanes.caffeine;

    exports dev.reliability.state.memory;
}
