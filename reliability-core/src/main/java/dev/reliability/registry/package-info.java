/**
 * The {@link dev.reliability.registry.Registry}: named circuit breakers and retry budgets, created on first use,
 * sharing one time source, random generator and set of listeners, and optionally a state store through which they
 * survive restarts and are shared by several JVMs under a {@link dev.reliability.registry.SharingPolicy}.
 */
package dev.reliability.registry;
