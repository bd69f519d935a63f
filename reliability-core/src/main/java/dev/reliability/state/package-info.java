/**
 * The state store SPI: {@link dev.reliability.state.StateStore}, a typed key-value store with atomic operations, TTLs,
 * locks and versioned records; its values ({@link dev.reliability.state.StateValue}, {@link
 * dev.reliability.state.VersionedValue}); and its failure ({@link dev.reliability.state.StateStoreException}).
 * Implementations live in {@code reliability-state-memory} (Caffeine) and {@code reliability-state-jdbc} (H2,
 * PostgreSQL, MariaDB).
 *
 * <p>Nothing in this package accepts or returns {@code null} unless the documentation says so.
 */
package dev.reliability.state;
