/**
 * Micrometer meters for every circuit breaker, retry and retry budget of a {@code dev.reliability.registry.Registry}.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // micrometer-core is an automatic module
module dev.reliability.micrometer {
    requires transitive dev.reliability.core;
    requires transitive micrometer.core;

    exports dev.reliability.micrometer;
}
