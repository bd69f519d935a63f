/**
 * Backoff, retry, circuit breaker, registry and the state store SPI. Depends on the JDK only.
 */
module dev.reliability.core {
    exports dev.reliability;
    exports dev.reliability.backoff;
    exports dev.reliability.retry;
    exports dev.reliability.circuitbreaker;
    exports dev.reliability.registry;
}
