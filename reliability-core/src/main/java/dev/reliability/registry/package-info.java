/**
 * The {@link dev.reliability.registry.Registry}: named circuit breakers, created on first use, sharing one time
 * source, random generator and set of listeners.
 */
package dev.reliability.registry;
