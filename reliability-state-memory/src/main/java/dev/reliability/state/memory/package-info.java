/**
 * {@link dev.reliability.state.memory.MemoryStateStore}: a state store held in the JVM's memory, on Caffeine. State
 * lives as long as the store; use {@code reliability-state-jdbc} for state that outlives the process or is shared by
 * several JVMs.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless the documentation says so.
 */
package dev.reliability.state.memory;
